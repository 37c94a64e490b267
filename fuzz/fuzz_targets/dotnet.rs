//! The ECMA-335 metadata reader alone (`iisweep::dotnet::parse_with_tables`,
//! which runs the lean read a sweep uses and then lists every table row).
//! The input layout (a 16-byte prefix giving the CLR directory and one
//! section, then the file) is decoded by `iisweep::fuzzing::DotnetInput`,
//! which the regression test `tests/it/fuzz_regressions.rs` uses too.
#![no_main]

use iisweep::fuzzing::DotnetInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(input) = DotnetInput::decode(data) {
        let _ = input.parse();
    }
});
