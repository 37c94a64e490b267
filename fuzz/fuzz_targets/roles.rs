//! Oracle target: a module's role set never changes under a rewrite the
//! Windows loader ignores (more sections, raw-pointer slack, header
//! placement, a larger optional header, overlay, scrubbed fields, section
//! names, raw data moved). The input picks the sample and the rewrite; see
//! `iisweep::fuzzing::loader_preserving`. A difference is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SAMPLES: &[&[u8]] = &[
    include_bytes!("../../samples-synthetic/native/x64/module.dll"),
    include_bytes!("../../samples-synthetic/native/x64/all_roles.dll"),
    include_bytes!("../../samples-synthetic/native/x64/isapi_ext.dll"),
    include_bytes!("../../samples-synthetic/native/x64/isapi_filter.dll"),
    include_bytes!("../../samples-synthetic/native/x86/module.dll"),
    include_bytes!("../../samples-synthetic/native/x86/isapi_filter.dll"),
    include_bytes!("../../samples-synthetic/dotnet/ModuleAndHandler.dll"),
    include_bytes!("../../samples-synthetic/dotnet/NestedModule.dll"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, ops)) = data.split_first() else {
        return;
    };
    let base = SAMPLES[pick as usize % SAMPLES.len()];
    if let Err(e) = iisweep::fuzzing::roles_preserved(base, ops) {
        panic!("{e}");
    }
});
