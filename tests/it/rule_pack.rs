//! The embedded rule pack: it compiles, every rule carries the required
//! metadata and fires on the sample it names (`iisweep rules check`), and
//! no benign DLL of Debian's wine64 or mono packages reaches `warning`.

use crate::common;

use std::path::Path;

use serde_json::Value;

use common::iisweep;

#[test]
fn every_rule_has_metadata_and_fires_on_its_sample() {
    let sig = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    let out = iisweep(["rules", "check", sig.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "rules check failed:\n{text}");
    let line = text.lines().last().unwrap();
    // "<n> rules, 0 problems, <n> fired on their samples under ..."
    let n: usize = line.split_whitespace().next().unwrap().parse().unwrap();
    assert!(line.contains(&format!("0 problems, {n} fired")), "{line}");
    assert!(n >= 50);
}

#[test]
fn rules_check_reports_a_rule_that_does_not_fire() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("signatures")).unwrap();
    std::fs::create_dir(dir.path().join("samples-synthetic")).unwrap();
    std::fs::write(
        dir.path().join("samples-synthetic/x.dll"),
        b"MZ nothing here",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("signatures/r.yar"),
        "rule never { meta: description = \"d\" score = 10 attack = \"T1505.004\" reference = \"r\" layer = \"heuristic\" sample = \"x.dll\" strings: $a = \"absent string\" condition: $a }\n\
         rule nometa { condition: false }\n",
    )
    .unwrap();
    let out = iisweep([
        "rules",
        "check",
        dir.path().join("signatures").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("rule never does not fire on its sample"),
        "{text}"
    );
    assert!(text.contains("rule nometa: missing meta `score`"), "{text}");
}

#[test]
fn rules_list_shows_the_pack() {
    let out = iisweep(["rules", "list", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    for layer in ["identification", "heuristic", "family"] {
        assert!(rules.iter().any(|r| r["layer"] == layer), "no {layer} rule");
    }
    assert!(rules.iter().all(|r| r["score"].as_u64().unwrap() <= 100));
}

#[test]
fn user_rules_add_to_and_replace_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("mine.yar");
    std::fs::write(&rule, "rule user_register_module { meta: score = 70 strings: $a = \"RegisterModule\" condition: $a and iis_native_module }\n").unwrap();
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/native/x64/module.dll");
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        "--no-default-rules",
        "--rules",
        rule.to_str().unwrap(),
        sample.to_str().unwrap(),
    ]);
    let rec: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    let reasons = rec["iisweep"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "only the user rule: {reasons:?}");
    assert_eq!(reasons[0]["rule"], "user_register_module");
    assert_eq!(reasons[0]["facts"]["iis_native_module"], true);
    assert_eq!(rec["iisweep"]["verdict"]["level"], "warning");
    assert_eq!(rec["event"]["risk_score"], 70.0);
    // A broken user rule stops the run with file and line.
    std::fs::write(&rule, "rule broken {\n condition: nope\n}\n").unwrap();
    let out = iisweep([
        "scan",
        "--rules",
        rule.to_str().unwrap(),
        sample.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mine.yar:2"));
    // --min-level filters the output; --fail-level drives the exit code.
    let out = iisweep([
        "scan",
        "--format",
        "ndjson",
        "--min-level",
        "warning",
        "--fail-level",
        "warning",
        sample.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a plain module is info, below warning"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "only the summary line"
    );
}

fn no_warnings_on(dir: &str, what: &str, extra: &[&str]) {
    if !common::prerequisite(Path::new(dir).is_dir(), what) {
        return;
    }
    let mut args = vec!["scan", "--format", "ndjson", "--min-level", "warning"];
    args.extend_from_slice(extra);
    args.push(dir);
    let out = iisweep(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = &lines.last().unwrap()["summary"];
    assert!(summary["pe_files"].as_u64().unwrap() > 20, "{summary}");
    let offenders: Vec<String> = lines
        .iter()
        .filter(|r| r["record"] == "file" && r["iisweep"]["status"] == "analyzed")
        .map(|r| {
            format!(
                "{} {} {:?}",
                r["file"]["path"],
                r["iisweep"]["verdict"],
                r["iisweep"]["reasons"]
                    .as_array()
                    .map(|a| a.iter().map(|h| h["rule"].clone()).collect::<Vec<_>>())
            )
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "benign files at warning or above:\n{}",
        offenders.join("\n")
    );
    assert_eq!(summary["rules_errors"], 0);
}

#[test]
fn no_false_positives_on_wine64() {
    no_warnings_on(
        "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
        "the wine64 package",
        &[],
    );
}

#[test]
fn no_false_positives_on_mono() {
    // /usr/lib/mono/4.5 is mostly symlinks into the GAC.
    no_warnings_on(
        "/usr/lib/mono",
        "mono (/usr/lib/mono)",
        &["--follow-symlinks"],
    );
}
