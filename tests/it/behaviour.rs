//! Judgement on behaviour (issue 11): the inert backdoor-like samples of
//! `samples-synthetic/behaviour/` reach their level from what their request
//! handlers do, with and without the family rules; the analyzer establishes
//! the capabilities, reflection names and request names their manifest
//! lists; benign real corpora stay below `warning`; gated and ungated rule
//! scans give the same records.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::common::{self, file_records, iisweep, samples_root, strs};

const LEVELS: &[&str] = &["none", "info", "notice", "warning", "alert"];

fn rank(level: &str) -> usize {
    LEVELS.iter().position(|l| *l == level).unwrap_or(0)
}

fn manifest() -> Vec<Value> {
    let p = samples_root().join("behaviour/manifest.json");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    m["samples"].as_array().unwrap().clone()
}

fn by_name(records: &[Value]) -> BTreeMap<String, Value> {
    records
        .iter()
        .map(|r| (r["file"]["name"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// Level expectations of every sample, against records of `args`.
fn check_levels(records: &[Value], failures: &mut Vec<String>, what: &str) {
    let recs = by_name(records);
    for s in manifest() {
        let path = s["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        let Some(r) = recs.get(name) else {
            failures.push(format!("{what}: {path}: no record"));
            continue;
        };
        let level = r["iisweep"]["verdict"]["level"].as_str().unwrap_or("none");
        let score = &r["iisweep"]["verdict"]["score"];
        if let Some(min) = s["level_at_least"].as_str() {
            if rank(level) < rank(min) {
                failures.push(format!(
                    "{what}: {path}: level {level} (score {score}) below {min}"
                ));
            }
        }
        if let Some(exact) = s["level"].as_str() {
            if level != exact {
                failures.push(format!(
                    "{what}: {path}: level {level} (score {score}) expected {exact}"
                ));
            }
        }
    }
}

fn sweep(args: &[&str]) -> Vec<Value> {
    let dir = samples_root().join("behaviour");
    let mut a = vec!["scan", "--format", "ndjson"];
    a.extend_from_slice(args);
    a.push(dir.to_str().unwrap());
    file_records(&iisweep(a))
}

#[test]
fn behaviour_samples_reach_their_level() {
    let mut failures = Vec::new();
    check_levels(&sweep(&[]), &mut failures, "embedded pack");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Identification rests on facts: with `families.yar` left out, every
/// verdict holds.
#[test]
fn behaviour_verdicts_hold_without_family_rules() {
    let sig = Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures");
    let id = sig.join("identification.yar");
    let heur = sig.join("heuristics.yar");
    let records = sweep(&[
        "--no-default-rules",
        "--rules",
        id.to_str().unwrap(),
        "--rules",
        heur.to_str().unwrap(),
    ]);
    let mut failures = Vec::new();
    check_levels(&records, &mut failures, "without families.yar");
    for r in &records {
        for h in r["iisweep"]["reasons"].as_array().into_iter().flatten() {
            assert_ne!(h["layer"], "family", "a family rule fired: {h}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the analyzer must establish, per sample (`behaviour` in the
/// manifest): managed samples' capabilities exactly, with evidence the
/// manifest names; their entry points, reflection names and request
/// names; native samples' import capabilities and request names.
#[test]
fn behaviour_facts_match_the_manifest() {
    let recs = by_name(&sweep(&[]));
    let mut failures = Vec::new();
    for s in manifest() {
        let path = s["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        let r = &recs[name];
        let b = &s["behaviour"];
        let want: BTreeMap<String, BTreeSet<String>> = b["reaches"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), strs(v))).collect())
            .unwrap_or_default();
        let dotnet = &r["iisweep"]["dotnet"]["behaviour"];
        if !dotnet.is_null() {
            let got: BTreeMap<String, BTreeSet<String>> = dotnet["reaches"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), strs(v)))
                .collect();
            let (wk, gk): (BTreeSet<_>, BTreeSet<_>) =
                (want.keys().collect(), got.keys().collect());
            if wk != gk {
                failures.push(format!("{path}: capabilities {gk:?} expected {wk:?}"));
            }
            for (cap, ev) in &want {
                if let Some(g) = got.get(cap) {
                    if ev.is_disjoint(g) {
                        failures.push(format!("{path}: {cap} via {g:?}, expected one of {ev:?}"));
                    }
                }
            }
            // Every entry point the manifest names is one, or is on a path.
            let mut known: BTreeSet<String> = BTreeSet::new();
            for ep in dotnet["entry_points"].as_array().unwrap() {
                known.insert(ep["method"].as_str().unwrap().to_string());
                for reach in ep["reaches"].as_array().unwrap() {
                    known.extend(strs(&reach["path"]));
                }
            }
            for ep in strs(&b["entry_points"]) {
                if !known.contains(&ep) {
                    failures.push(format!("{path}: entry point {ep} not found"));
                }
            }
            let refl: BTreeSet<String> = strs(&dotnet["reflection_names"])
                .into_iter()
                .map(|n| n.split(',').next().unwrap().trim().to_string())
                .collect();
            for n in strs(&b["reflection_names"]) {
                if !refl.contains(&n) {
                    failures.push(format!("{path}: reflection name {n} not in {refl:?}"));
                }
            }
            let names = strs(&dotnet["request_names"]);
            let wn = strs(&b["request_names"]);
            if !wn.is_empty() && wn.is_disjoint(&names) {
                failures.push(format!(
                    "{path}: request names {names:?}, expected some of {wn:?}"
                ));
            }
            // Every reach carries a path from its entry point.
            for ep in dotnet["entry_points"].as_array().unwrap() {
                for reach in ep["reaches"].as_array().unwrap() {
                    if reach["path"].as_array().unwrap().first() != Some(&ep["method"]) {
                        failures.push(format!(
                            "{path}: path {reach} does not start at its entry point"
                        ));
                    }
                }
            }
        } else {
            let pe = &r["iisweep"]["pe"];
            let caps: BTreeSet<String> = pe["capabilities"]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let names = strs(&pe["request_names"]);
            for cap in want.keys() {
                let ok = match cap.as_str() {
                    // The role export is handed the request.
                    "reads_request_input" => true,
                    // Response calls go through callbacks and vtables; no
                    // import shows them (no disassembly: docs/decisions.md).
                    "rewrites_response" => true,
                    "reads_credentials" => names.iter().any(|n| {
                        let l = n.to_ascii_lowercase();
                        l.contains("pass") || l.contains("pwd")
                    }),
                    c => caps.contains(c),
                };
                if !ok {
                    failures.push(format!(
                        "{path}: {cap} not established (imports {caps:?}, names {names:?})"
                    ));
                }
            }
            let wn = strs(&b["request_names"]);
            let custom: BTreeSet<String> = wn
                .iter()
                .filter(|n| n.starts_with("X-") || n.starts_with("HTTP_") || n.starts_with("AUTH_"))
                .cloned()
                .collect();
            if !custom.is_empty() && custom.is_disjoint(&names) {
                failures.push(format!(
                    "{path}: request names {names:?}, expected some of {custom:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Benign real corpora: nothing reaches `warning`. The managed web
/// assemblies (`fetch_benign_web.sh`, run by CI) are listed by name: each
/// defines IIS modules or handlers.
#[test]
fn benign_corpora_stay_below_warning() {
    const WEB: &str = "/tmp/iisweep-benign-web";
    const WEB_ASSEMBLIES: &[&str] = &[
        "System.Web.Extensions.dll",
        "System.Web.Services.dll",
        "System.Web.Mvc.dll",
        "System.Web.WebPages.dll",
        "System.Web.Http.WebHost.dll",
        "System.Runtime.Remoting.dll",
        "System.ServiceModel.dll",
        "Mono.Http.dll",
    ];
    let corpora = [
        "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
        "/usr/lib/mono",
        "/tmp/iisweep-msvc-runtime",
        WEB,
    ];
    for c in corpora {
        if !common::prerequisite(Path::new(c).is_dir(), c) {
            return;
        }
    }
    let out = iisweep(
        ["scan", "--format", "ndjson", "-q", "--min-level", "info"]
            .into_iter()
            .chain(corpora),
    );
    let records = file_records(&out);
    let mut loud = Vec::new();
    let mut web_components = BTreeSet::new();
    for r in &records {
        let level = r["iisweep"]["verdict"]["level"].as_str().unwrap_or("none");
        let p = r["file"]["path"].as_str().unwrap();
        if rank(level) >= rank("warning") {
            loud.push(format!("{p}: {level} {}", r["iisweep"]["reasons"]));
        }
        if p.starts_with(WEB) && !strs(&r["iisweep"]["roles"]).is_empty() {
            web_components.insert(r["file"]["name"].as_str().unwrap().to_string());
        }
    }
    assert!(
        loud.is_empty(),
        "benign files at warning or above:\n{}",
        loud.join("\n")
    );
    for a in WEB_ASSEMBLIES {
        assert!(
            web_components.contains(*a),
            "{a} was not swept as a component (got {web_components:?})"
        );
    }
    // System.Web itself is a component and was judged too.
    assert!(
        records
            .iter()
            .any(|r| r["file"]["name"] == "System.Web.dll"
                && !strs(&r["iisweep"]["roles"]).is_empty())
    );
}

/// Rule gating changes no record: the samples and wine64, gated and
/// ungated.
#[test]
fn gated_and_ungated_sweeps_agree() {
    let wine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
    let samples = samples_root();
    let mut roots = vec![samples.to_str().unwrap().to_string()];
    if common::prerequisite(Path::new(wine).is_dir(), "wine64") {
        roots.push(wine.to_string());
    }
    let run = |extra: &[&str]| -> Vec<Value> {
        let mut a = vec!["scan", "--format", "ndjson", "--report-all"];
        a.extend_from_slice(extra);
        a.extend(roots.iter().map(String::as_str));
        let mut v = file_records(&iisweep(a));
        // Which of two equal files is "first" follows completion order.
        for r in &mut v {
            r["iisweep"].as_object_mut().unwrap().remove("duplicate_of");
        }
        v.sort_by(|x, y| x["file"]["path"].as_str().cmp(&y["file"]["path"].as_str()));
        v
    };
    let gated = run(&[]);
    let ungated = run(&["--no-rule-gating"]);
    assert!(gated.len() > 700, "{} records", gated.len());
    assert_eq!(gated.len(), ungated.len());
    for (g, u) in gated.iter().zip(&ungated) {
        assert_eq!(g, u, "records differ for {}", g["file"]["path"]);
    }
}
