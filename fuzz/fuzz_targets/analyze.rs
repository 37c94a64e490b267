//! Whole-file analysis: PE headers (goblin), the hand-written export and
//! import readers, and the ECMA-335 reader when a CLR header is present.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = iisweep::AnalyzeOptions {
        // Exercise the entropy path for every PE, not just IIS components.
        entropy_all: true,
        dotnet_tables: true,
        ..iisweep::AnalyzeOptions::default()
    };
    let _ = iisweep::analyze_bytes(data, &opts);
});
