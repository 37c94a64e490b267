//! Fuzz regressions: every file in `tests/fixtures/fuzz/` goes through both
//! hostile-input parsers and must come back (no panic, no hang, no runaway
//! allocation). Runs on stable `cargo test`; no fuzzing dependencies.
//!
//! Fixture names are `<target>-<short-description>.bin`, `<target>` being
//! the cargo-fuzz target that produced it (`fuzz/fuzz_targets/`):
//!
//! - `analyze-*`: the whole file is passed to [`iisweep::analyze_bytes`].
//! - `dotnet-*`: a 16-byte prefix then the file, decoded by
//!   [`iisweep::fuzzing::DotnetInput`] exactly as
//!   `fuzz/fuzz_targets/dotnet.rs` does, and passed to the .NET reader.
//!
//! Every fixture runs through both APIs whatever its prefix (the whole
//! fixture for `analyze_bytes`, the prefix decoding for `dotnet::parse`),
//! so each one exercises both readers. A timeout fixture is checked by this
//! test finishing, not by a timing assertion.
//!
//! To add a crash found by `cargo fuzz`: copy
//! `fuzz/artifacts/<target>/crash-*` to
//! `tests/fixtures/fuzz/<target>-<what-it-breaks>.bin`; nothing else changes.

use std::path::{Path, PathBuf};

use iisweep::dotnet::DotnetInfo;
use iisweep::fuzzing::DotnetInput;
use iisweep::util::problems::MAX_PROBLEMS;
use iisweep::{analyze_bytes, AnalyzeOptions, Facts};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The `dotnet` fuzz target's own decoding (`iisweep::fuzzing`);
/// `None` below 16 bytes.
fn run_dotnet(data: &[u8]) -> Option<DotnetInfo> {
    DotnetInput::decode(data).map(|input| input.parse())
}

fn run_analyze(data: &[u8]) -> Facts {
    let opts = AnalyzeOptions {
        entropy_all: true,
        dotnet_tables: true,
        ..AnalyzeOptions::default()
    };
    analyze_bytes(data, &opts)
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn fixtures_are_small_and_named_by_target() {
    for p in fixtures() {
        let n = name(&p);
        assert!(
            n.starts_with("analyze-") || n.starts_with("dotnet-"),
            "{n}: fixture names start with the fuzz target (analyze-, dotnet-)"
        );
        let len = std::fs::metadata(&p).unwrap().len();
        assert!(
            len < 64 * 1024,
            "{n}: {len} bytes; keep fixtures under 64 KB"
        );
    }
}

#[test]
fn every_fixture_returns_from_dotnet_parse() {
    let mut deep = 0;
    for p in fixtures() {
        let data = std::fs::read(&p).unwrap();
        let info = run_dotnet(&data);
        // Bounded output is part of "returns": errors are capped.
        if let Some(info) = info {
            assert!(info.errors.len() <= MAX_PROBLEMS + 1, "{}", name(&p));
            deep += usize::from(!info.type_defs.is_empty());
        }
    }
    // The fixture set keeps inputs that reach the table readers; if none
    // does, the decoding above no longer matches the fuzz target.
    assert!(
        deep > 0,
        "no fixture reaches TypeDef rows through dotnet::parse"
    );
}

#[test]
fn every_fixture_returns_from_analyze_bytes() {
    let (mut with_exports, mut with_types) = (0, 0);
    for p in fixtures() {
        let data = std::fs::read(&p).unwrap();
        let a = run_analyze(&data);
        assert_eq!(a.sha256.len(), 64, "{}", name(&p));
        if let Some(d) = &a.dotnet {
            assert!(d.errors.len() <= MAX_PROBLEMS + 1, "{}", name(&p));
            with_types += usize::from(!d.type_defs.is_empty());
        }
        with_exports += usize::from(
            a.pe.as_ref()
                .and_then(|pe| pe.exports.as_ref())
                .is_some_and(|t| !t.exports.is_empty()),
        );
    }
    // The fixture set keeps inputs that reach deep into both readers.
    assert!(with_exports > 0, "no fixture reaches the export reader");
    assert!(
        with_types > 0,
        "no fixture reaches TypeDef rows through analyze_bytes"
    );
}

/// Helper for choosing new fixtures, not a check: ranks the files of a fuzz
/// corpus by size with what each reaches. Run as
/// `FUZZ_CORPUS=fuzz/corpus/dotnet cargo test --release --test it fuzz_regressions::rank_corpus -- --ignored --nocapture`
#[test]
#[ignore = "tool: needs FUZZ_CORPUS"]
fn rank_corpus() {
    let Ok(dir) = std::env::var("FUZZ_CORPUS") else {
        return;
    };
    let mut rows = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let d = run_dotnet(&data).unwrap_or_default();
        let a = run_analyze(&data);
        let exports =
            a.pe.as_ref()
                .and_then(|pe| pe.exports.as_ref())
                .map_or(0, |t| t.exports.len());
        let a_types = a.dotnet.as_ref().map_or(0, |d| d.type_defs.len());
        rows.push((
            data.len(),
            d.type_defs.len(),
            d.member_refs.len(),
            d.components.len(),
            exports,
            a_types,
            name(&p),
        ));
    }
    rows.sort();
    println!("len dotnet:type_defs member_refs components | analyze:exports type_defs  file");
    for r in rows.iter().filter(|r| r.1 + r.4 + r.5 > 0) {
        println!("{} {} {} {} | {} {}  {}", r.0, r.1, r.2, r.3, r.4, r.5, r.6);
    }
}

/// The `roles` fuzz target's oracle, run over a fixed set of rewrites:
/// every IIS component sample keeps its roles and export names when it is
/// rewritten in ways the Windows loader ignores
/// ([`iisweep::fuzzing::loader_preserving`]). Each rewrite must apply to
/// every sample (a rewriter that silently does nothing would pass).
#[test]
fn roles_survive_loader_preserving_rewrites() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic");
    let samples = [
        "native/x64/module.dll",
        "native/x64/all_roles.dll",
        "native/x64/isapi_ext.dll",
        "native/x64/isapi_filter.dll",
        "native/x86/module.dll",
        "native/x86/isapi_filter.dll",
        "dotnet/ModuleAndHandler.dll",
        "dotnet/NestedModule.dll",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for s in samples {
        let base = std::fs::read(root.join(s)).unwrap();
        let roles = analyze_bytes(&base, &AnalyzeOptions::default()).roles;
        assert!(!roles.is_empty(), "{s}: no roles to preserve");
        // Each rewrite alone, with maximal parameters.
        for flag in 0..8 {
            let ops: Vec<u8> = std::iter::once(1u8 << flag)
                .chain(std::iter::repeat_n(0xff, 64))
                .collect();
            let mutated = iisweep::fuzzing::loader_preserving(&base, &ops)
                .unwrap_or_else(|| panic!("{s}: rewrite 0x{:02x} did not apply", 1u8 << flag));
            assert_ne!(
                mutated,
                base,
                "{s}: rewrite 0x{:02x} changed nothing",
                1u8 << flag
            );
            assert_eq!(
                iisweep::fuzzing::roles_preserved(&base, &ops),
                Ok(true),
                "{s}"
            );
        }
        // Random combinations.
        for _ in 0..200 {
            let ops: Vec<u8> = (0..48).map(|_| next() as u8).collect();
            assert_eq!(
                iisweep::fuzzing::roles_preserved(&base, &ops),
                Ok(true),
                "{s}"
            );
        }
    }
}
