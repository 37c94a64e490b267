//! The flags for sweeping a production server (issue 14) as they behave
//! off Windows: `--cpu-limit` caps the worker threads and says there is no
//! hard cap, `--low-priority` is applied and reported, `--all-drives` is a
//! clear fatal error, and `--iis-config` with a file where IIS keeps it
//! maps `C:` onto that drive whatever folder is swept. The Windows side of
//! the same flags is checked under wine (`tests/windows/check.py`).

use std::collections::BTreeSet;
use std::ffi::OsStr;

use serde_json::Value;

use crate::common::{iisweep, ndjson, samples_root};

/// `iisweep scan -q --format FORMAT ARGS...`: exit code and stdout.
fn scan(format: &str, args: &[&OsStr]) -> (i32, Vec<u8>) {
    let mut argv: Vec<&OsStr> = ["scan", "-q", "--format", format].map(OsStr::new).to_vec();
    argv.extend_from_slice(args);
    let out = iisweep(argv);
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// The JSON document's settings for a sweep of the native samples.
fn settings(args: &[&str]) -> (i32, Value) {
    let native = samples_root().join("native");
    let mut argv: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    argv.push(native.as_os_str());
    let (code, out) = scan("json", &argv);
    let doc: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
    (code, doc["settings"].clone())
}

/// The records of `kind` in a sweep, each mapped by `f`.
fn records<T: Ord>(args: &[&OsStr], kind: &str, f: impl Fn(&Value) -> T) -> BTreeSet<T> {
    ndjson(&scan("ndjson", args).1)
        .iter()
        .filter(|r| r["record"] == kind)
        .map(f)
        .collect()
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
    let files = |extra: &[&str]| {
        let mut argv: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
        argv.extend([OsStr::new("--no-dedupe"), native.as_os_str()]);
        records(&argv, "file", Value::to_string)
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
    let regs = |args: &[&OsStr]| {
        records(args, "registration", |r| {
            let g = &r["registration"];
            (
                g["kind"].to_string(),
                g["name"].to_string(),
                g["status"].to_string(),
            )
        })
    };
    let whole = regs(&[img.as_os_str()]);
    assert!(
        whole.iter().any(|(_, _, st)| st == "\"resolved\""),
        "{whole:?}"
    );
    // Sweeping only the sites' folder, with the live file named: C: is
    // still the image, so the same registrations resolve.
    let inetpub = img.join("inetpub");
    let part = regs(&[
        OsStr::new("--iis-config"),
        apphost.as_os_str(),
        inetpub.as_os_str(),
    ]);
    assert_eq!(part, whole);
}
