//! Differential test: iisweep's PE reader against pefile (PyPI) on every DLL
//! of Debian's wine64 package, plus the synthetic samples. Export names,
//! ordinals, RVAs and forwarders, the export DLL name, import and delay-import
//! lists, and the imphash must agree for every file pefile parses.
//!
//! Needs `python3` with `pefile` and the `wine64` package (`.ci/run` installs
//! them). Outside CI a missing prerequisite skips the test with a message;
//! under CI (`CI` set) it fails.

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const WINE_DIR: &str = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

fn prerequisites() -> Option<Vec<PathBuf>> {
    let dir = std::env::var_os("IISWEEP_WINE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| WINE_DIR.into());
    if !common::prerequisite(
        dir.is_dir() && common::python_has("pefile"),
        "the wine64 package and python3 with pefile",
    ) {
        return None;
    }
    let files = common::files_under(&dir);
    assert!(
        files.len() > 100,
        "expected the wine64 DLL tree at {}",
        dir.display()
    );
    Some(files)
}

/// Our facts in the reference script's shape.
fn ours(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let a = iisweep::analyze_bytes(&bytes, &Default::default());
    let Some(pe) = a.pe else {
        return serde_json::json!({"ok": false});
    };
    let exports: Vec<Value> = pe
        .exports
        .as_ref()
        .map(|t| {
            t.exports
                .iter()
                .map(|e| serde_json::json!({"ordinal": e.ordinal, "name": e.name, "rva": e.rva, "forwarder": e.forwarder}))
                .collect()
        })
        .unwrap_or_default();
    let flat = |dlls: &[iisweep::pe::ImportedDll]| -> Vec<Value> {
        dlls.iter()
            .flat_map(|d| d.functions.iter().map(move |f| serde_json::json!({"dll": d.dll, "name": f.name, "ordinal": f.ordinal})))
            .collect()
    };
    serde_json::json!({
        "ok": true,
        "exports": exports,
        "dll_name": pe.exports.as_ref().and_then(|t| t.dll_name.clone()),
        "imports": flat(&pe.imports),
        "delay_imports": flat(&pe.delay_imports),
        "imphash": pe.imphash.clone().unwrap_or_default(),
    })
}

/// Compare `files` with the reference on the fields this test covers.
fn agree(label: &str, files: &[PathBuf], min_compared: usize) {
    common::assert_agree(
        label,
        "pe_reference.py",
        files,
        &["exports", "dll_name", "imports", "delay_imports", "imphash"],
        |r| r["ok"] == Value::Bool(true),
        ours,
        min_compared,
    );
}

#[test]
fn wine64_dlls_agree_with_pefile() {
    let Some(files) = prerequisites() else { return };
    agree("diff_pefile wine64", &files, 100);
}

#[test]
fn synthetic_samples_agree_with_pefile() {
    if !common::prerequisite(common::python_has("pefile"), "python3 with pefile") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/native");
    let mut files = Vec::new();
    for sub in ["x64", "x86"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if common::is_mz(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    agree("diff_pefile samples", &files, 15);
}

/// corkami's corpus of unusual PE files (`../shared/corpora/corkami-pe`):
/// for every file pefile parses, iisweep's export names and imports are at
/// least as complete as pefile's, except the differences listed here, each
/// with who is right. pefile's `*invalid*` DLL names (its filename filter)
/// are not differences: iisweep reports the name the file holds.
#[test]
fn corkami_exports_and_imports_are_at_least_pefiles() {
    /// File, and why iisweep sees less than pefile.
    const KNOWN: &[(&str, &str)] = &[
        (
            "imports_badterm.exe",
            "pefile reads past a descriptor whose Name is 0 (a DLL called MZ); the loader stops there: iisweep is right",
        ),
        (
            "imports_relocW7.exe",
            "the import descriptor's Name is fixed up by base relocations, which Windows 7 applies before binding; iisweep does not apply relocations: pefile is right",
        ),
        (
            "weirdsord.exe",
            "pefile names the DLL `ms`, iisweep `msvcrt.dll` (the full NUL-terminated name in the file); not checked against Windows",
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/corkami-pe");
    if !common::prerequisite(
        dir.is_dir() && common::python_has("pefile"),
        "the corkami corpus at ../shared/corpora/corkami-pe and python3 with pefile",
    ) {
        return;
    }
    let files: Vec<PathBuf> = common::files_under(&dir)
        .into_iter()
        .filter(|p| common::is_mz(p))
        .collect();
    let reference = common::reference("pe_reference.py", &files);
    let mut compared = 0;
    let mut less = std::collections::BTreeMap::new();
    for (path, r) in files.iter().zip(&reference) {
        if r["ok"] != Value::Bool(true) {
            continue;
        }
        compared += 1;
        let o = ours(path);
        let names = |v: &Value| -> std::collections::BTreeSet<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect()
        };
        let imports = |v: &Value| -> std::collections::BTreeSet<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["dll"] != "*invalid*")
                .map(|i| {
                    format!(
                        "{}!{}",
                        i["dll"].as_str().unwrap_or("").to_ascii_lowercase(),
                        i["name"]
                            .as_str()
                            .map_or_else(|| i["ordinal"].to_string(), str::to_string)
                    )
                })
                .collect()
        };
        let missing_exports: Vec<String> = names(&r["exports"])
            .difference(&names(&o["exports"]))
            .cloned()
            .collect();
        let missing_imports: Vec<String> = imports(&r["imports"])
            .difference(&imports(&o["imports"]))
            .cloned()
            .collect();
        if !missing_exports.is_empty() || !missing_imports.is_empty() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            less.insert(
                name,
                format!("exports {missing_exports:?} imports {missing_imports:?}"),
            );
        }
    }
    assert!(compared > 200, "only {compared} corkami files compared");
    let known: std::collections::BTreeSet<&str> = KNOWN.iter().map(|(f, _)| *f).collect();
    let unexpected: Vec<String> = less
        .iter()
        .filter(|(f, _)| !known.contains(f.as_str()))
        .map(|(f, d)| format!("{f}: {d}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "iisweep sees less than pefile:\n{}",
        unexpected.join("\n")
    );
    let fixed: Vec<&&str> = known.iter().filter(|f| !less.contains_key(**f)).collect();
    assert!(
        fixed.is_empty(),
        "no longer different (drop from KNOWN): {fixed:?}"
    );
}
