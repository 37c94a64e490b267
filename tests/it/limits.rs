//! The flags for sweeping a production server (issue 14) as they behave
//! off Windows: `--cpu-limit` caps the worker threads and says there is no
//! hard cap, `--low-priority` is applied and reported, `--all-drives` is a
//! clear fatal error, and `--iis-config` with a file where IIS keeps it
//! maps `C:` onto that drive whatever folder is swept. The Windows side of
//! the same flags is checked under wine (`tests/windows/check.py`).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{iisweep, ndjson, samples_root};

fn settings(args: &[&str]) -> (i32, Value) {
    let native = samples_root().join("native");
    let mut argv: Vec<String> = vec!["scan".into(), "--format".into(), "json".into(), "-q".into()];
    argv.extend(args.iter().map(|s| s.to_string()));
    argv.push(native.to_string_lossy().into_owned());
    let out = iisweep(&argv);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc["settings"].clone())
}

#[test]
fn cpu_limit_caps_the_threads() {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (code, s) = settings(&["-j", "64", "--cpu-limit", "50"]);
    assert!(code == 0 || code == 1, "exit {code}");
    assert_eq!(s["threads"], cpus.div_ceil(2).max(1) as u64, "{s}");
    assert_eq!(s["limits"]["cpu_limit"]["percent"], 50);
    // No job objects here: only the thread cap holds, and it says so.
    assert_eq!(s["limits"]["cpu_limit"]["hard_cap"], false);
    let (_, s) = settings(&["-j", "1", "--cpu-limit", "100"]);
    assert_eq!(s["threads"], 1, "--cpu-limit never raises -j");
    let (_, s) = settings(&[]);
    assert_eq!(
        s["limits"],
        serde_json::json!({}),
        "no limits asked, none reported"
    );
    for bad in ["0", "101", "x"] {
        let out = iisweep(["scan", "--cpu-limit", bad, "."]);
        assert_eq!(out.status.code(), Some(2), "--cpu-limit {bad}");
    }
}

#[test]
fn low_priority_is_applied_and_reported() {
    let (code, s) = settings(&["--low-priority"]);
    assert!(code == 0 || code == 1, "exit {code}");
    assert_eq!(s["limits"]["low_priority"], "nice 10", "{s}");
    // The same records as a sweep at normal priority.
    let native = samples_root().join("native");
    let files = |extra: &[&str]| -> BTreeSet<String> {
        let mut argv = vec!["scan", "--format", "ndjson", "-q", "--no-dedupe"];
        argv.extend_from_slice(extra);
        let p = native.to_string_lossy().into_owned();
        let mut argv: Vec<String> = argv.into_iter().map(String::from).collect();
        argv.push(p);
        ndjson(&iisweep(&argv).stdout)
            .into_iter()
            .filter(|r| r["record"] == "file")
            .map(|r| r.to_string())
            .collect()
    };
    let low = files(&["--low-priority"]);
    assert!(!low.is_empty());
    assert_eq!(low, files(&[]));
}

#[test]
fn all_drives_needs_windows() {
    let out = iisweep(["scan", "--all-drives", "-q", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--all-drives") && err.contains("Windows"),
        "{err}"
    );
}

#[test]
fn iis_config_in_place_maps_c_onto_its_drive() {
    let img = samples_root().join("iis-images/basic");
    let apphost = img.join("Windows/System32/inetsrv/config/applicationHost.config");
    let regs = |args: Vec<String>| -> BTreeSet<(String, String, String)> {
        let out = iisweep(&args);
        ndjson(&out.stdout)
            .into_iter()
            .filter(|r| r["record"] == "registration")
            .map(|r| {
                let g = &r["registration"];
                (
                    g["kind"].as_str().unwrap_or("").to_string(),
                    g["name"].as_str().unwrap_or("").to_string(),
                    g["status"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let base = |extra: Vec<String>| {
        let mut v: Vec<String> = ["scan", "--format", "ndjson", "-q"]
            .into_iter()
            .map(String::from)
            .collect();
        v.extend(extra);
        v
    };
    let whole = regs(base(vec![s(&img)]));
    assert!(whole.iter().any(|(_, _, st)| st == "resolved"), "{whole:?}");
    // Sweeping only the sites' folder, with the live file named: C: is
    // still the image, so the same registrations resolve.
    let part = regs(base(vec![
        "--iis-config".into(),
        s(&apphost),
        s(&img.join("inetpub")),
    ]));
    assert_eq!(part, whole);
}
