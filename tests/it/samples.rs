//! Integration tests: the real `iisweep` binary over `samples-synthetic/`,
//! checked against every manifest entry, in every output format, with the
//! documented exit codes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common;

use common::{iisweep, samples_root as root};

fn ndjson(out: &Output) -> Vec<Value> {
    common::ndjson(&out.stdout)
}

/// Every manifest entry, keyed by path relative to samples-synthetic/.
fn manifest() -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for sub in ["native", "malformed", "dotnet", "families", "signed"] {
        let p = root().join(sub).join("manifest.json");
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let m: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        for s in m["samples"].as_array().unwrap() {
            all.insert(s["path"].as_str().unwrap().to_string(), s.clone());
        }
    }
    assert!(all.len() > 100, "manifests list {} samples", all.len());
    all
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Roles a manifest entry expects that this build can decide.
fn expected_roles(entry: &Value) -> BTreeSet<String> {
    strings(&entry["roles"])
}

/// Checks the Authenticode verdicts of a `signed/` manifest entry.
fn signature_expectations(path: &str, entry: &Value, rec: &Value, failures: &mut Vec<String>) {
    let cs = &rec["iisweep"]["code_signature"];
    let ecs = &rec["file"]["code_signature"];
    if ecs["exists"] != true {
        failures.push(format!(
            "{path}: file.code_signature.exists is {}",
            ecs["exists"]
        ));
    }
    if entry["expect_error"] == true {
        // A clear per-file reason, no verdict.
        if cs["signed"] != false || cs["errors"].as_array().is_none_or(|e| e.is_empty()) {
            failures.push(format!(
                "{path}: expected an unparsable signature with a reason, got {cs}"
            ));
        }
        return;
    }
    let sigs = cs["signatures"].as_array().cloned().unwrap_or_default();
    let primary = sigs.first().cloned().unwrap_or_default();
    let checks = [
        ("signed", cs["signed"].clone(), entry["signed"].clone()),
        (
            "digest_valid",
            cs["digest_valid"].clone(),
            entry["digest_valid"].clone(),
        ),
        (
            "chain_trusted",
            cs["chain_trusted"].clone(),
            entry["chain_trusted"].clone(),
        ),
        (
            "microsoft_signed",
            cs["microsoft_signed"].clone(),
            entry["microsoft_signed"].clone(),
        ),
        (
            "signer_cn",
            cs["signer"]["common_name"].clone(),
            entry["signer_cn"].clone(),
        ),
        (
            "signer_org",
            cs["signer"]["organization"].clone(),
            entry["signer_org"].clone(),
        ),
        (
            "signature_count",
            sigs.len().into(),
            entry["signature_count"].clone(),
        ),
        (
            "digest_algorithm",
            primary["digest_algorithm"].clone(),
            entry["digest_algorithm"].clone(),
        ),
        (
            "timestamp",
            cs["timestamp"].clone(),
            entry["timestamp"].clone(),
        ),
        (
            "ecs subject_name",
            ecs["subject_name"].clone(),
            entry["signer_cn"].clone(),
        ),
        (
            "ecs trusted",
            ecs["trusted"].clone(),
            entry["chain_trusted"].clone(),
        ),
    ];
    for (what, got, want) in checks {
        if got != want {
            failures.push(format!("{path}: {what} {got} expected {want}"));
        }
    }
    // Every signature the build script made verifies, except for the digest
    // of the tampered file; no synthetic chain reaches an embedded root.
    for s in &sigs {
        if s["signer_signature_valid"] != true || s["message_digest_valid"] != true {
            failures.push(format!(
                "{path}: signature {} does not verify: {s}",
                s["depth"]
            ));
        }
        if s["chain_trusted"] != false || s["trusted_root"] != Value::Null {
            failures.push(format!("{path}: a throwaway chain was trusted: {s}"));
        }
    }
}

#[test]
fn every_manifest_entry_matches() {
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        "--report-all",
        root().to_str().unwrap(),
    ]);
    let records = ndjson(&out);
    let by_path: BTreeMap<String, &Value> = records
        .iter()
        .filter(|r| r["record"] == "file")
        .map(|r| {
            let p = r["file"]["path"].as_str().unwrap();
            let rel = Path::new(p)
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, r)
        })
        .collect();
    let mut failures = Vec::new();
    for (path, entry) in manifest() {
        let Some(rec) = by_path.get(&path) else {
            failures.push(format!("{path}: no record"));
            continue;
        };
        let i = &rec["iisweep"];
        let status = i["status"].as_str().unwrap();
        if status == "error" || status == "skipped" {
            failures.push(format!("{path}: status {status}: {}", i["message"]));
            continue;
        }
        if let Some(is_pe) = entry["is_pe"].as_bool() {
            if i["is_pe"].as_bool() != Some(is_pe) {
                failures.push(format!("{path}: is_pe {} expected {is_pe}", i["is_pe"]));
            }
        }
        let malformed = entry.get("malformed").is_some();
        if malformed && entry.get("roles").is_none() {
            continue; // only promise: a clean per-file result
        }
        let checks = [
            ("roles", expected_roles(&entry), strings(&i["roles"])),
            (
                "incomplete_roles",
                strings(&entry["incomplete_roles"]),
                strings(&i["incomplete_roles"]),
            ),
            (
                "decorated_roles",
                strings(&entry["decorated_roles"]),
                strings(&i["decorated_roles"]),
            ),
        ];
        for (what, want, got) in checks {
            if want != got {
                failures.push(format!("{path}: {what} {got:?} expected {want:?}"));
            }
        }
        if let Some(level) = entry["level"].as_str() {
            if i["verdict"]["level"] != level {
                failures.push(format!(
                    "{path}: level {} (score {}) expected {level}",
                    i["verdict"]["level"], i["verdict"]["score"]
                ));
            }
        }
        let fired: BTreeSet<String> = i["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["rule"].as_str().unwrap().to_string())
            .collect();
        for rule in strings(&entry["rules"]) {
            if !fired.contains(&rule) {
                failures.push(format!(
                    "{path}: rule {rule} did not fire (fired: {fired:?})"
                ));
            }
        }
        if entry.get("signature_count").is_some() {
            signature_expectations(&path, &entry, rec, &mut failures);
        }
        if let Some(fw) = entry["forwarded"].as_object() {
            for (name, target) in fw {
                let found = i["role_exports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["name"] == *name && e["forwarder"] == *target);
                if !found {
                    failures.push(format!("{path}: forwarded {name} -> {target} not reported"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn exit_codes() {
    // Components present: bit 1.
    let out = iisweep([
        "scan",
        "-q",
        root().join("native/x64/module.dll").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing found: 0.
    let out = iisweep([
        "scan",
        "-q",
        root().join("native/x64/benign.dll").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    // A missing path is a per-file error: bit 4, and the sweep still reports the rest.
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        "/nonexistent/iisweep-test",
        root().join("native/x64/module.dll").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("iisweep: /nonexistent/iisweep-test: "));
    // Bad usage: 2.
    assert_eq!(
        iisweep(["scan", "--threads", "0", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        iisweep(["scan", "--max-filesize", "12Q", "."])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        iisweep(["scan", "--exclude", "[", "."]).status.code(),
        Some(2)
    );
}

#[test]
fn every_format_reports_the_same_components() {
    let dir = root().join("native");
    let d = dir.to_str().unwrap();
    // --no-dedupe: with it, the summary's duplicate counts follow
    // completion order (two workers may meet equal files at once).
    let nd = ndjson(&iisweep(["scan", "--no-dedupe", "--format", "ndjson", d]));
    let summary = nd.last().unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["tool"]["name"], "iisweep");
    let mut nd_components: Vec<String> = nd
        .iter()
        .filter(|r| r["record"] == "file" && !r["iisweep"]["roles"].as_array().unwrap().is_empty())
        .map(|r| r["file"]["path"].as_str().unwrap().to_string())
        .collect();
    nd_components.sort();
    assert_eq!(
        summary["summary"]["components"].as_u64().unwrap() as usize,
        nd_components.len()
    );
    assert!(nd_components.len() >= 10);

    let out = iisweep(["scan", "--no-dedupe", "--format", "json", d]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["settings"]["max_filesize"], 64 << 20);
    let files = doc["files"].as_array().unwrap();
    let paths: Vec<&str> = files
        .iter()
        .map(|f| f["file"]["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "json files are sorted by path");
    let json_components: Vec<String> = files
        .iter()
        .filter(|r| !r["iisweep"]["roles"].as_array().unwrap().is_empty())
        .map(|r| r["file"]["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(json_components, nd_components);
    assert_eq!(
        doc["summary"],
        summary["summary"]
            .clone()
            .as_object()
            .map(|o| {
                // elapsed and rates differ between runs; compare counts only
                let mut o = o.clone();
                for k in ["elapsed_secs", "files_per_sec", "mib_per_sec"] {
                    o.insert(k.into(), doc["summary"][k].clone());
                }
                Value::Object(o)
            })
            .unwrap()
    );

    let table =
        String::from_utf8(iisweep(["scan", "--no-dedupe", "--format", "table", d]).stdout).unwrap();
    assert!(
        table.starts_with("IIS components and findings ("),
        "components come first:\n{table}"
    );
    for p in &nd_components {
        assert!(table.contains(p.as_str()), "table lacks {p}");
    }
    let comp_section = table.split("\n\n").next().unwrap();
    assert!(!comp_section.contains("benign.dll") && !comp_section.contains("lookalike.dll"));
    assert!(table.contains("decorated isapi_extension (would not load)"));
    assert!(table.contains("RegisterModule forwarded to realmod.RegisterModule"));
}

#[test]
fn ecs_fields_of_a_rich_sample() {
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        root().join("native/x64/rich.dll").to_str().unwrap(),
    ]);
    let r = &ndjson(&out)[0];
    let f = &r["file"];
    assert_eq!(f["name"], "rich.dll");
    assert_eq!(f["extension"], "dll");
    assert_eq!(f["hash"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(f["pe"]["architecture"], "x64");
    assert_eq!(f["pe"]["original_file_name"], "richmod.dll");
    assert_eq!(f["pe"]["imphash"].as_str().unwrap().len(), 32);
    assert_eq!(f["code_signature"]["exists"], false);
    let pe = &r["iisweep"]["pe"];
    assert_eq!(
        pe["pdb_path"],
        "C:\\build\\IISRich\\x64\\Release\\richmod.pdb"
    );
    assert_eq!(pe["delay_imports"][0]["dll"], "version.dll");
    assert_eq!(pe["overlay"]["size"], 512);
    assert_eq!(pe["format"], "PE32+");
    assert!(
        pe["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["entropy"].is_number()),
        "components get entropy"
    );
    // Ordinal-only exports are listed.
    let out = iisweep([
        "inspect",
        "--json",
        root()
            .join("native/x64/ordinal_mixed.dll")
            .to_str()
            .unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ex = v["iisweep"]["pe"]["exports"]["exports"].as_array().unwrap();
    assert!(ex.iter().any(|e| e["name"].is_null() && e["ordinal"] == 10));
}

#[test]
fn inspect_explains_a_file() {
    let out = iisweep([
        "inspect",
        root().join("native/x64/proxy.dll").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("IIS roles   native_module"));
    assert!(text.contains("forwarded to realmod.RegisterModule"));
    let out = iisweep([
        "inspect",
        root()
            .join("malformed/export_name_newline_esc_x64_module.dll")
            .to_str()
            .unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "escape bytes reach the terminal");
    assert!(text.contains("\\x1b"));
}
