//! Loader fidelity (issue 12): every fixture of
//! `samples-synthetic/malformed/evasions.json` (layouts the Windows loader
//! or the CLR accepts, made from our own samples) is read as the loader
//! reads it: roles, exports, export DLL name, imports, delay imports,
//! managed types and version strings. And a tree that changes under the
//! sweep cannot end it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{file_records, iisweep, samples_root, strs};

/// `[{dll, functions: [name | ordinal]}]` as `dll!function` strings.
fn import_set(v: &Value, record: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in v.as_array().into_iter().flatten() {
        let dll = d["dll"].as_str().unwrap_or("").to_ascii_lowercase();
        for f in d["functions"].as_array().into_iter().flatten() {
            let name = if record {
                match (f["name"].as_str(), f["ordinal"].as_u64()) {
                    (Some(n), _) => n.to_string(),
                    (None, Some(o)) => format!("#{o}"),
                    _ => "?".into(),
                }
            } else {
                match (f.as_str(), f.as_u64()) {
                    (Some(n), _) => n.to_string(),
                    (None, Some(o)) => format!("#{o}"),
                    _ => "?".into(),
                }
            };
            out.insert(format!("{dll}!{name}"));
        }
    }
    out
}

#[test]
fn evasions_are_read_as_the_loader_reads_them() {
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(samples_root().join("malformed/evasions.json")).unwrap(),
    )
    .unwrap();
    let samples = m["samples"].as_array().unwrap();
    assert!(samples.len() >= 30, "{} fixtures", samples.len());
    let paths: Vec<String> = samples
        .iter()
        .map(|s| {
            samples_root()
                .join(s["path"].as_str().unwrap())
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let out = iisweep(
        ["scan", "--format", "ndjson"]
            .into_iter()
            .map(String::from)
            .chain(paths.iter().cloned()),
    );
    let records = file_records(&out);
    let mut failures = Vec::new();
    for (s, path) in samples.iter().zip(&paths) {
        let name = s["path"].as_str().unwrap();
        let Some(r) = records.iter().find(|r| r["file"]["path"] == path.as_str()) else {
            failures.push(format!("{name}: no record"));
            continue;
        };
        let i = &r["iisweep"];
        let trick = s["trick"].as_str().unwrap_or("");
        let roles = strs(&i["roles"]);
        if roles != strs(&s["roles"]) {
            failures.push(format!(
                "{name} ({trick}): roles {roles:?}, the loader's {:?}; errors {}",
                strs(&s["roles"]),
                i["pe"]["errors"]
            ));
        }
        let pe = &i["pe"];
        if let Some(want) = s["exports"].as_array() {
            let got: BTreeSet<String> = pe["exports"]["exports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect();
            for e in want {
                let n = e["name"].as_str().unwrap();
                if !got.contains(n) {
                    failures.push(format!(
                        "{name} ({trick}): export {n} missing (got {got:?})"
                    ));
                }
            }
        }
        if let Some(dll) = s["dll_name"].as_str() {
            if pe["exports"]["dll_name"].as_str() != Some(dll) {
                failures.push(format!(
                    "{name} ({trick}): export DLL name {} expected {dll}",
                    pe["exports"]["dll_name"]
                ));
            }
        }
        for (key, field) in [("imports", "imports"), ("delay_imports", "delay_imports")] {
            if s[key].is_array() {
                let want = import_set(&s[key], false);
                let got = import_set(&pe[field], true);
                if want != got {
                    failures.push(format!("{name} ({trick}): {key} {got:?} expected {want:?}"));
                }
            }
        }
        if let Some(types) = s["managed_types"].as_array() {
            let got: BTreeSet<String> = i["dotnet"]["components"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["type_name"].as_str().map(str::to_string))
                .collect();
            for t in types {
                let t = t.as_str().unwrap();
                if !got.contains(t) {
                    failures.push(format!(
                        "{name} ({trick}): managed type {t} not found ({got:?})"
                    ));
                }
            }
        }
        if let Some(vi) = s["version_info"].as_object() {
            for (k, v) in vi {
                let field = match k.as_str() {
                    "OriginalFilename" => "original_file_name",
                    "InternalName" => "internal_name",
                    "CompanyName" => "company",
                    "FileDescription" => "description",
                    "ProductName" => "product",
                    "FileVersion" => "file_version",
                    "ProductVersion" => "product_version",
                    "LegalCopyright" => "legal_copyright",
                    other => other,
                };
                if pe["version_info"][field] != *v {
                    failures.push(format!(
                        "{name} ({trick}): version_info.{k} {} expected {v}",
                        pe["version_info"][k]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from the loader:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A file truncated and rewritten while the sweep reads it ends nothing:
/// every run finishes with a summary (by default files are read, never
/// mapped, so no SIGBUS).
#[test]
fn truncation_during_a_sweep_never_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let module = samples_root().join("native/x64/module.dll");
    let bytes = std::fs::read(&module).unwrap();
    let big = dir.path().join("big.dll");
    let mut content = bytes.clone();
    content.resize(24 << 20, 0x41);
    std::fs::write(&big, &content).unwrap();
    for i in 0..20 {
        std::fs::write(dir.path().join(format!("m{i}.dll")), &bytes).unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let stop = stop.clone();
        let big = big.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&big) {
                    let _ = f.set_len(if n % 2 == 0 { 4096 } else { 24 << 20 });
                }
                n += 1;
            }
        })
    };
    for run in 0..15 {
        let out = iisweep(["scan", "--format", "ndjson", dir.path().to_str().unwrap()]);
        let last = out.stdout.split(|&b| b == b'\n').rfind(|l| !l.is_empty());
        let ok = last
            .and_then(|l| serde_json::from_slice::<Value>(l).ok())
            .is_some_and(|v| v["record"] == "summary");
        if !ok {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            panic!(
                "run {run} ended without a summary (status {:?}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

/// `--follow-symlinks` never follows a link into `/proc` (or `/sys`,
/// `/dev`): `/proc/self/root` would sweep the whole host. The link is a
/// `pseudo_fs` skip, counted in the summary.
#[test]
fn links_into_proc_are_not_followed() {
    if !std::path::Path::new("/proc/self/root").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/proc/self", dir.path().join("self")).unwrap();
    std::fs::copy(
        samples_root().join("native/x64/module.dll"),
        dir.path().join("module.dll"),
    )
    .unwrap();
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        "--follow-symlinks",
        dir.path().to_str().unwrap(),
    ]);
    let records = crate::common::ndjson(&out.stdout);
    let files: Vec<&Value> = records.iter().filter(|r| r["record"] == "file").collect();
    assert_eq!(files.len(), 2, "{files:#?}");
    assert!(files
        .iter()
        .any(|r| r["iisweep"]["skip_reason"] == "pseudo_fs"));
    let summary = records.iter().find(|r| r["record"] == "summary").unwrap();
    assert_eq!(summary["summary"]["skipped"]["pseudo_fs"], 1);
}
