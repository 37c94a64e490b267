//! The server view over the mock IIS images in
//! `samples-synthetic/iis-images/`: every registration, finding,
//! configuration error and history change `manifest.json` lists, and no
//! more.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use iisweep::config::{self, ConfigOptions, FileSummary, ServerView};
use serde_json::Value;

use crate::common::samples_root;

fn manifest() -> Value {
    let p = samples_root().join("iis-images/manifest.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The manifest's form of a scope.
fn scope(s: &str) -> String {
    if s.is_empty() {
        "server".into()
    } else if s.contains('/') {
        format!("path:{s}")
    } else {
        format!("site:{s}")
    }
}

/// What the sweep would learn about each registered file.
fn summaries(v: &ServerView) -> HashMap<PathBuf, FileSummary> {
    v.registered_files()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            let f = iisweep::analyze_bytes(&bytes, &Default::default());
            let cs = f.code_signature.as_ref();
            (
                p.clone(),
                FileSummary {
                    sha256: Some(f.sha256.clone()),
                    is_pe: f.pe.is_some(),
                    microsoft_signed: cs.is_some_and(|c| c.microsoft_signed),
                    signed: cs.is_some_and(|c| c.signed),
                    signature_valid: cs.is_some_and(|c| c.signature_valid),
                    signer: None,
                    verdict: None,
                    roles: f.roles.clone(),
                },
            )
        })
        .collect()
}

/// Loads an image the way the sweep does.
pub fn load(root: &Path) -> ServerView {
    let mut v = config::load(root, &ConfigOptions::default()).expect("a system drive");
    let files = summaries(&v);
    v.judge_files(&files);
    v
}

fn check_image(img: &Value, failures: &mut Vec<String>) {
    let name = img["name"].as_str().unwrap();
    let root = samples_root().join(img["root"].as_str().unwrap());
    let v = load(&root);
    let rel = |p: &Option<PathBuf>| p.as_ref().map(|h| v.image.rel(h));
    // Registrations.
    let mut seen = BTreeSet::new();
    let want = img["registrations"].as_array().unwrap();
    for w in want {
        let key = (
            w["kind"].as_str().unwrap().to_string(),
            w["name"].as_str().map(str::to_string),
            w["config"].as_str().unwrap().to_string(),
            w["line"].as_u64().unwrap() as u32,
        );
        let got = v.registrations.iter().position(|r| {
            r.kind.as_str() == key.0
                && r.name == key.1
                && v.rel(&r.pos) == key.2
                && r.pos.line == key.3
        });
        let Some(i) = got else {
            failures.push(format!("{name}: registration {key:?} missing"));
            continue;
        };
        seen.insert(i);
        let r = &v.registrations[i];
        let checks: [(&str, Value, Value); 7] = [
            ("status", w["status"].clone(), r.status.as_str().into()),
            ("resolved", w["resolved"].clone(), rel(&r.resolved).into()),
            ("scope", w["scope"].clone(), scope(&r.scope).into()),
            ("sites", w["sites"].clone(), r.sites.clone().into()),
            (
                "enabled",
                w["enabled"].clone(),
                r.enabled.map(Value::from).unwrap_or(Value::Null),
            ),
            (
                "bitness",
                w["bitness"].clone(),
                r.bitness.map(Value::from).unwrap_or(Value::Null),
            ),
            ("xpath", w["xpath"].clone(), r.pos.xpath.clone().into()),
        ];
        for (what, want, got) in checks {
            let skip =
                what == "enabled" && !matches!(r.kind.as_str(), "global_module" | "isapi_filter");
            if want != got && !skip {
                failures.push(format!("{name}: {key:?}: {what} {got} expected {want}"));
            }
        }
    }
    for (i, r) in v.registrations.iter().enumerate() {
        if !seen.contains(&i) {
            failures.push(format!(
                "{name}: extra registration {} {:?} at {}:{}",
                r.kind.as_str(),
                r.name,
                v.rel(&r.pos),
                r.pos.line
            ));
        }
    }
    // Findings.
    let got: BTreeSet<(String, String, u32, String)> = v
        .findings
        .iter()
        .filter(|f| !f.id.starts_with("baseline_"))
        .map(|f| {
            (
                f.id.to_string(),
                v.rel(&f.pos),
                f.pos.line,
                f.subject.clone(),
            )
        })
        .collect();
    let mut want_f = BTreeSet::new();
    for f in img["findings"].as_array().unwrap() {
        let key = (
            f["id"].as_str().unwrap().to_string(),
            f["config"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap() as u32,
            f["subject"].as_str().unwrap().to_string(),
        );
        if let Some(g) = v.findings.iter().find(|x| {
            x.id == key.0 && v.rel(&x.pos) == key.1 && x.pos.line == key.2 && x.subject == key.3
        }) {
            if Value::from(g.sites.clone()) != f["sites"] {
                failures.push(format!(
                    "{name}: finding {key:?}: sites {:?} expected {}",
                    g.sites, f["sites"]
                ));
            }
        }
        want_f.insert(key);
    }
    for k in want_f.difference(&got) {
        failures.push(format!("{name}: finding {k:?} missing"));
    }
    for k in got.difference(&want_f) {
        failures.push(format!("{name}: extra finding {k:?}"));
    }
    // Configuration errors.
    for e in img["errors"].as_array().unwrap() {
        let (cfg, kind) = (e["config"].as_str().unwrap(), e["kind"].as_str().unwrap());
        let exact = e["exact_position"] == true;
        let found = v.errors.iter().any(|(f, err)| {
            v.image.rel(&v.files[*f].host) == cfg
                && err.kind.as_str() == kind
                && (!exact
                    || (err.line as u64 == e["line"].as_u64().unwrap()
                        && column_agrees(kind, err.column, e["column"].as_u64().unwrap())))
        });
        if !found {
            let have: Vec<String> = v
                .errors
                .iter()
                .map(|(f, err)| {
                    format!(
                        "{} {} {}:{} {}",
                        v.image.rel(&v.files[*f].host),
                        err.kind.as_str(),
                        err.line,
                        err.column,
                        err.message
                    )
                })
                .collect();
            failures.push(format!("{name}: error {e} not reported; have {have:#?}"));
        }
    }
    // History.
    for h in img["history"].as_array().unwrap() {
        let found = v.history.iter().any(|c| {
            c.snapshot == h["snapshot"].as_str().unwrap()
                && c.change == h["change"].as_str().unwrap()
                && c.subject == h["subject"].as_str().unwrap()
                && Value::from(c.from.clone()) == h["from"]
                && Value::from(c.to.clone()) == h["to"]
        });
        if !found {
            failures.push(format!(
                "{name}: history change {h} not reported; have {:?}",
                v.history
            ));
        }
    }
    assert_eq!(
        v.history.len(),
        img["history"].as_array().unwrap().len(),
        "{name}: {:?}",
        v.history
    );
}

/// The manifest gives expat's 0-based column; iisweep's parser counts from
/// 1 and, for a mismatched close tag, points at its `<` where expat points
/// at the name after `</`.
fn column_agrees(kind: &str, got: u32, expat: u64) -> bool {
    let want = expat + 1;
    match kind {
        "xml_syntax" => (got as u64).abs_diff(want) <= 2,
        _ => got as u64 == want,
    }
}

#[test]
fn every_image_matches_its_manifest() {
    let m = manifest();
    let mut failures = Vec::new();
    for img in m["images"].as_array().unwrap() {
        check_image(img, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
