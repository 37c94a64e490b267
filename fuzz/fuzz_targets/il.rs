//! The CIL method-body and instruction decoder alone
//! (`iisweep::fuzzing::decode_il`): a body header at the start of the
//! input, then its instructions. The call graph above it is reached through
//! the `dotnet` target (seeded with the assemblies with components of
//! `samples-synthetic/behaviour/`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = iisweep::fuzzing::decode_il(data);
});
