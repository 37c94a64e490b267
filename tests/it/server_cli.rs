//! The server view through the binary: `server`, `registration` and
//! `finding` records over the mock images (schema-valid, equal to the
//! library's view), registered files analysed even outside the swept
//! paths, install traces exactly as the manifest lists them, `--baseline`,
//! `--iis-config`, `--no-iis-config`, exit codes, and a hostile copy of an
//! image (a FIFO and a 20 MiB `web.config`) that is never written to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, iisweep, ndjson, samples_root};
use crate::contract::Schema;

fn manifest() -> Value {
    let p = samples_root().join("iis-images/manifest.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn image(name: &str) -> Value {
    manifest()["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap()
        .clone()
}

fn records<'a>(all: &'a [Value], kind: &str) -> Vec<&'a Value> {
    all.iter().filter(|r| r["record"] == kind).collect()
}

/// `p` relative to `root`, with `/`.
fn rel(root: &Path, p: &str) -> String {
    Path::new(p)
        .strip_prefix(root)
        .unwrap_or(Path::new(p))
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The (image-relative path, kind) of every configuration error of a
/// `server` record.
fn config_errors(root: &Path, server: &Value) -> BTreeSet<(String, String)> {
    server["server"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                rel(root, e["path"].as_str().unwrap()),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sweep(args: &[&str]) -> (std::process::Output, Vec<Value>) {
    let mut a = vec!["scan", "-q", "--format", "ndjson"];
    a.extend_from_slice(args);
    let out = iisweep(&a);
    let recs = ndjson(&out.stdout);
    (out, recs)
}

#[test]
fn server_records_are_valid_and_equal_the_librarys_view() {
    let schema = Schema::load();
    let mut failures = Vec::new();
    for img in manifest()["images"].as_array().unwrap() {
        let name = img["name"].as_str().unwrap();
        let root = samples_root().join(img["root"].as_str().unwrap());
        let (out, recs) = sweep(&[root.to_str().unwrap()]);
        assert!(out.status.code().is_some(), "{name}: killed");
        for r in &recs {
            if let Some(e) = schema.check(r) {
                failures.push(format!("{name}: {} record: {e:.400}", r["record"]));
            }
        }
        let servers = records(&recs, "server");
        assert_eq!(servers.len(), 1, "{name}: one server record");
        let view = crate::server_view::load(&root);
        let regs = records(&recs, "registration");
        assert_eq!(
            regs.len(),
            view.registrations.len(),
            "{name}: registrations"
        );
        assert_eq!(
            servers[0]["server"]["registrations"],
            view.registrations.len(),
            "{name}"
        );
        // The same registrations in the same order.
        for (r, g) in regs.iter().zip(&view.registrations) {
            let rr = &r["registration"];
            if rr["kind"] != g.kind.as_str()
                || rr["name"].as_str() != g.name.as_deref()
                || r["config"]["line"] != g.pos.line
                || rr["status"] != g.status.as_str()
            {
                failures.push(format!("{name}: {r} differs from {g:?}"));
            }
        }
        // The same findings (the binary knows signers, the library test
        // does not: compare ids and places).
        let key = |id: &str, path: &str, line: u64| (id.to_string(), rel(&root, path), line);
        let got: BTreeSet<_> = records(&recs, "finding")
            .iter()
            .map(|f| {
                key(
                    f["finding"]["id"].as_str().unwrap(),
                    f["config"]["path"].as_str().unwrap(),
                    f["config"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: BTreeSet<_> = view
            .findings
            .iter()
            .map(|f| (f.id.to_string(), view.rel(&f.pos), u64::from(f.pos.line)))
            .collect();
        if got != want {
            failures.push(format!(
                "{name}: findings differ: only in the binary {:?}, only in the library {:?}",
                got.difference(&want).collect::<Vec<_>>(),
                want.difference(&got).collect::<Vec<_>>()
            ));
        }
        // Errors: the manifest's, by file and kind.
        let errs = config_errors(&root, servers[0]);
        let want_errs: BTreeSet<(String, String)> = img["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["config"].as_str().unwrap().to_string(),
                    e["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if errs != want_errs {
            failures.push(format!("{name}: errors {errs:?}, expected {want_errs:?}"));
        }
        // Every resolved registration's file was analysed, and its file
        // record says what registers it.
        let files: BTreeMap<&str, &Value> = common::file_records(&out)
            .leak()
            .iter()
            .map(|f| (f["file"]["path"].as_str().unwrap(), f))
            .collect();
        for r in &regs {
            let Some(f) = r.get("file") else { continue };
            let path = f["path"].as_str().unwrap();
            let is_file = Path::new(path).is_file();
            if is_file && f["analyzed"] != true && common::is_mz(Path::new(path)) {
                failures.push(format!("{name}: {path} registered but not analysed"));
            }
            if let Some(rec) = files.get(path) {
                let kinds: Vec<&Value> = rec["iisweep"]["registrations"]
                    .as_array()
                    .map(|a| a.iter().map(|g| &g["kind"]).collect())
                    .unwrap_or_default();
                if !kinds.contains(&&r["registration"]["kind"]) {
                    failures.push(format!(
                        "{name}: {path}: file record lacks {}",
                        r["registration"]["kind"]
                    ));
                }
                if f["hash"]["sha256"] != rec["file"]["hash"]["sha256"] {
                    failures.push(format!("{name}: {path}: registration hash differs"));
                }
            }
        }
        let summary = records(&recs, "summary")[0]["summary"].clone();
        assert_eq!(summary["servers"], 1, "{name}");
        assert_eq!(summary["registrations"], regs.len(), "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn install_traces_are_exactly_the_manifests() {
    let mut failures = Vec::new();
    for img in manifest()["images"].as_array().unwrap() {
        let name = img["name"].as_str().unwrap();
        let root = samples_root().join(img["root"].as_str().unwrap());
        let (out, _) = sweep(&[root.to_str().unwrap()]);
        let mut got = BTreeSet::new();
        for f in common::file_records(&out) {
            for t in f["iisweep"]["traces"].as_array().into_iter().flatten() {
                got.insert((
                    rel(&root, f["file"]["path"].as_str().unwrap()),
                    t["line"].as_u64().unwrap(),
                    t["kind"].as_str().unwrap().to_string(),
                ));
            }
        }
        let want: BTreeSet<_> = img["traces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["path"].as_str().unwrap().to_string(),
                    t["line"].as_u64().unwrap(),
                    t["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if got != want {
            failures.push(format!("{name}: traces {got:?}, expected {want:?}"));
        }
        for p in img["not_traces"].as_array().unwrap() {
            if got.iter().any(|(path, ..)| path == p.as_str().unwrap()) {
                failures.push(format!("{name}: benign script {p} has a trace"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // --no-traces turns the layer off.
    let root = samples_root().join(image("tampered")["root"].as_str().unwrap());
    let (_, recs) = sweep(&["--no-traces", root.to_str().unwrap()]);
    assert_eq!(records(&recs, "summary")[0]["summary"]["traces"], 0);
}

#[test]
fn no_iis_config_and_exit_codes() {
    let root = samples_root().join(image("tampered")["root"].as_str().unwrap());
    let (out, recs) = sweep(&[root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "components and findings: bit 1");
    assert!(!records(&recs, "finding").is_empty());
    let (_, recs) = sweep(&["--no-iis-config", root.to_str().unwrap()]);
    assert!(records(&recs, "server").is_empty());
    assert!(records(&recs, "registration").is_empty());
    assert_eq!(records(&recs, "summary")[0]["summary"]["servers"], 0);
    // A configuration finding alone sets bit 1: sweep only the config
    // folder (no PE there), with a fail level the findings reach.
    let cfg = root.join("Windows/System32/inetsrv/config");
    let out = iisweep([
        "scan",
        "-q",
        "--format",
        "ndjson",
        "--fail-level",
        "warning",
        "--iis-config",
        cfg.join("applicationHost.config").to_str().unwrap(),
        "--drive",
        &format!("C:={}", root.display()),
        "--no-traces",
        cfg.to_str().unwrap(),
    ]);
    let recs = ndjson(&out.stdout);
    let s = &records(&recs, "summary")[0]["summary"];
    assert_eq!(out.status.code(), Some(1), "{s}");
    // Registered files outside the swept folder were still analysed.
    let files = common::file_records(&out);
    assert!(
        files.iter().any(|f| f["file"]["path"]
            .as_str()
            .unwrap()
            .ends_with("Downloader/webdavh.dll")
            && f["iisweep"]["verdict"]["level"] == "alert"),
        "a registered backdoor outside the swept folder is reported"
    );
    // An --iis-config that cannot be read is fatal.
    let out = iisweep([
        "scan",
        "-q",
        "--iis-config",
        "/nonexistent/applicationHost.config",
        ".",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = iisweep(["scan", "-q", "--drive", "CC:=/x", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn baseline_reports_what_changed_since() {
    let root = samples_root().join(image("tampered")["root"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (out, recs) = sweep(&[root.to_str().unwrap()]);
    let full = dir.path().join("full.ndjson");
    std::fs::write(&full, &out.stdout).unwrap();
    let ids = |recs: &[Value]| -> Vec<String> {
        records(recs, "finding")
            .iter()
            .map(|f| f["finding"]["id"].as_str().unwrap().to_string())
            .filter(|i| i.starts_with("baseline_"))
            .collect()
    };
    let (_, again) = sweep(&["--baseline", full.to_str().unwrap(), root.to_str().unwrap()]);
    assert_eq!(ids(&again), Vec::<String>::new(), "nothing changed");
    // The same baseline as a JSON document.
    let doc = iisweep(["scan", "-q", "--format", "json", root.to_str().unwrap()]);
    let jdoc = dir.path().join("full.json");
    std::fs::write(&jdoc, &doc.stdout).unwrap();
    let (_, again) = sweep(&["--baseline", jdoc.to_str().unwrap(), root.to_str().unwrap()]);
    assert_eq!(ids(&again), Vec::<String>::new(), "nothing changed (json)");
    // An earlier sweep without WebDavHelperModule and with another hash
    // for comphelp.dll.
    let mut edited = String::new();
    let mut dropped = 0;
    for r in &recs {
        let mut r = r.clone();
        if r["record"] == "registration" {
            if r["registration"]["name"] == "WebDavHelperModule" {
                dropped += 1;
                continue;
            }
            if r["registration"]["name"] == "CompressionHelper" {
                r["file"]["hash"]["sha256"] = "0".repeat(64).into();
            }
        }
        edited.push_str(&r.to_string());
        edited.push('\n');
    }
    assert!(dropped >= 1);
    let older = dir.path().join("older.ndjson");
    std::fs::write(&older, edited).unwrap();
    let (_, again) = sweep(&[
        "--baseline",
        older.to_str().unwrap(),
        root.to_str().unwrap(),
    ]);
    let got = ids(&again);
    assert!(
        got.iter()
            .filter(|i| *i == "baseline_registration_added")
            .count()
            >= 1,
        "{got:?}"
    );
    assert!(
        got.contains(&"baseline_file_changed".to_string()),
        "{got:?}"
    );
    assert!(
        !got.contains(&"baseline_registration_removed".to_string()),
        "{got:?}"
    );
    // inventory takes the same baseline and reports the same changes.
    let inv = iisweep([
        "inventory",
        "--json",
        "--baseline",
        older.to_str().unwrap(),
        root.to_str().unwrap(),
    ]);
    assert_eq!(inv.status.code(), Some(0));
    let mut from_inventory = ids(&ndjson(&inv.stdout));
    let mut from_scan = got.clone();
    from_inventory.sort();
    from_scan.sort();
    assert_eq!(from_inventory, from_scan);
    // A baseline that is not one is fatal.
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, "not json\n").unwrap();
    let out = iisweep([
        "scan",
        "-q",
        "--baseline",
        bad.to_str().unwrap(),
        root.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every file under `dir` with its length, mtime and content hash.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime, u64)> {
    use std::hash::{Hash, Hasher};
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(e.path()).unwrap().hash(&mut h);
                out.insert(e.path(), (m.len(), m.modified().unwrap(), h.finish()));
            } else {
                out.insert(e.path(), (0, m.modified().unwrap(), 0));
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

#[cfg(unix)]
#[test]
fn a_hostile_image_copy_is_read_without_harm_and_never_written() {
    let img = image("hostile");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("hostile");
    copy_tree(&samples_root().join(img["root"].as_str().unwrap()), &root);
    let generated = img["test_generated"].as_array().unwrap();
    for g in generated {
        let p = root.join(g["path"].as_str().unwrap());
        match g["kind"].as_str().unwrap() {
            "not_regular_file" => {
                let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
                // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            }
            "too_large" => {
                let mut s = String::from(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<configuration>\r\n",
                );
                let line = format!("<!-- {} -->\r\n", "x".repeat(1000));
                while s.len() < 20 * 1024 * 1024 {
                    s.push_str(&line);
                }
                s.push_str("</configuration>\r\n");
                std::fs::write(&p, s).unwrap();
            }
            k => panic!("unknown generated kind {k}"),
        }
    }
    let before = snapshot(&root);
    let (out, recs) = sweep(&[root.to_str().unwrap()]);
    assert!(out.status.code().is_some(), "killed");
    assert_eq!(
        out.status.code().unwrap() & 4,
        4,
        "configuration errors set bit 4"
    );
    let errs = config_errors(&root, records(&recs, "server")[0]);
    for g in generated {
        let want = (
            g["path"].as_str().unwrap().to_string(),
            g["kind"].as_str().unwrap().to_string(),
        );
        assert!(errs.contains(&want), "{want:?} not in {errs:?}");
    }
    // The table escapes what the hostile image names.
    let table = iisweep(["scan", "-q", root.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("IIS server"));
    assert!(
        !text.contains('\u{202e}') && !text.contains('\u{1b}'),
        "raw control characters in the table"
    );
    assert_eq!(snapshot(&root), before, "the sweep changed the image");
}

#[test]
fn inventory_lists_what_the_server_loads() {
    let root = samples_root().join(image("tampered")["root"].as_str().unwrap());
    let out = iisweep(["inventory", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("GLOBALMODULE \"WebDavHelperModule\" ( image:C:\\ProgramData\\Microsoft\\Network\\Downloader\\webdavh.dll"), "{text}");
    assert!(
        text.lines().any(|l| l.contains(
            "-> C:\\ProgramData\\Microsoft\\Network\\Downloader\\webdavh.dll  unsigned  alert"
        )),
        "{text}"
    );
    assert!(text.contains("ISAPIFILTER \"UrlScan\""));
    // --json: the scan's server records, schema-valid, the same count.
    let schema = Schema::load();
    let out = iisweep(["inventory", "--json", root.to_str().unwrap()]);
    let recs = ndjson(&out.stdout);
    for r in &recs {
        assert_eq!(schema.check(r), None);
    }
    let (_, scan) = sweep(&[root.to_str().unwrap()]);
    assert_eq!(
        records(&recs, "registration").len(),
        records(&scan, "registration").len()
    );
    assert_eq!(
        records(&recs, "finding").len(),
        records(&scan, "finding").len()
    );
    // No configuration there: fatal.
    let out = iisweep(["inventory", samples_root().join("native").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}
