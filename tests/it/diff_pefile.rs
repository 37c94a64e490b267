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
