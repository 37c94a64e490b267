//! Differential test: iisweep's PE reader against pefile (PyPI) on every DLL
//! of Debian's wine64 package, plus the synthetic samples. Export names,
//! ordinals, RVAs and forwarders, the export DLL name, import and delay-import
//! lists, and the imphash must agree for every file pefile parses.
//!
//! Needs `python3` with `pefile` and the `wine64` package (`.ci/run` installs
//! them). Outside CI a missing prerequisite skips the test with a message;
//! under CI (`CI` set) it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const WINE_DIR: &str = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

fn prerequisites() -> Option<(PathBuf, Vec<PathBuf>)> {
    let dir = std::env::var_os("IISWEEP_WINE_DIR").map(PathBuf::from).unwrap_or_else(|| WINE_DIR.into());
    let ok_py = Command::new("python3").args(["-c", "import pefile"]).status().is_ok_and(|s| s.success());
    if !dir.is_dir() || !ok_py {
        let msg = format!("diff_pefile: needs {} and python3 with pefile", dir.display());
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("SKIPPED {msg}");
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some((dir, files))
}

fn pefile_dump(files: &[PathBuf]) -> Vec<Value> {
    let list = tempfile::NamedTempFile::new().unwrap();
    let text: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(list.path(), text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff/pe_reference.py");
    let out = Command::new("python3").arg(script).arg("--list").arg(list.path()).output().expect("run pe_reference.py");
    assert!(out.status.success(), "pe_reference.py failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Our facts in the reference script's shape.
fn ours(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let a = iisweep::analyze_bytes(&bytes, &Default::default());
    let Some(pe) = a.pe else { return serde_json::json!({"ok": false}) };
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

fn compare(files: &[PathBuf]) -> (usize, Vec<String>) {
    let reference = pefile_dump(files);
    assert_eq!(reference.len(), files.len());
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (path, r) in files.iter().zip(&reference) {
        if r["ok"] != Value::Bool(true) {
            continue; // pefile could not parse it: nothing to agree with
        }
        compared += 1;
        let o = ours(path);
        for key in ["exports", "dll_name", "imports", "delay_imports", "imphash"] {
            if o[key] != r[key] {
                let show = |v: &Value| {
                    let s = v.to_string();
                    s.chars().take(300).collect::<String>()
                };
                mismatches.push(format!("{}: {key}\n  ours:   {}\n  pefile: {}", path.display(), show(&o[key]), show(&r[key])));
            }
        }
    }
    (compared, mismatches)
}

#[test]
fn wine64_dlls_agree_with_pefile() {
    let Some((dir, files)) = prerequisites() else { return };
    assert!(files.len() > 100, "expected the wine64 DLL tree at {}", dir.display());
    let (compared, mismatches) = compare(&files);
    eprintln!("diff_pefile: {compared} of {} wine64 files compared, {} mismatches", files.len(), mismatches.len());
    assert!(compared > 100);
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn synthetic_samples_agree_with_pefile() {
    if Command::new("python3").args(["-c", "import pefile"]).status().map_or(true, |s| !s.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI needs python3 with pefile");
        eprintln!("SKIPPED: python3 with pefile missing");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/native");
    let mut files = Vec::new();
    for sub in ["x64", "x86"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if std::fs::read(&p).map(|b| b.starts_with(b"MZ")).unwrap_or(false) {
                files.push(p);
            }
        }
    }
    files.sort();
    let (compared, mismatches) = compare(&files);
    assert!(compared >= 15, "only {compared} samples compared");
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
