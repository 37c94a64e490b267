//! Hostile file systems: FIFOs, symlinks to devices, symlink loops, files
//! over the cap, names with newlines, terminal escapes and invalid UTF-8.
//! The binary runs under a watchdog: a hang fails the test instead of
//! stalling CI.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common;

fn module_dll() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/native/x64/module.dll"),
    )
    .unwrap()
}

/// Run iisweep with a 60 s watchdog; returns (exit code, stdout, stderr).
fn run(args: &[&OsStr]) -> (i32, Vec<u8>, String) {
    let out = common::iisweep(args);
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `iisweep scan --format ndjson EXTRA... PATH`: (exit code, stdout, stderr).
fn scan_ndjson(extra: &[&str], path: &Path) -> (i32, Vec<u8>, String) {
    let mut args: Vec<&OsStr> = vec!["scan".as_ref(), "--format".as_ref(), "ndjson".as_ref()];
    args.extend(extra.iter().map(|a| OsStr::new(*a)));
    args.push(path.as_os_str());
    run(&args)
}

fn records(out: &[u8]) -> Vec<Value> {
    common::ndjson(out)
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn hostile_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("t");
    std::fs::create_dir(&root).unwrap();
    let dll = module_dll();
    mkfifo(&root.join("pipe.dll"));
    symlink("/dev/zero", root.join("zero.dll")).unwrap();
    symlink("loop_b", root.join("loop_a")).unwrap();
    symlink("loop_a", root.join("loop_b")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink("..", root.join("sub/up")).unwrap(); // directory loop when followed
    let mut big = dll.clone();
    big.resize(300_000, 0);
    std::fs::write(root.join("big.dll"), &big).unwrap();
    std::fs::write(root.join("new\nline.dll"), &dll).unwrap();
    std::fs::write(root.join("esc\x1b[2J\x1b]0;pwned\x07.dll"), &dll).unwrap();
    std::fs::write(root.join(OsStr::from_bytes(b"bad\xff\xfeutf8.dll")), &dll).unwrap();
    std::fs::write(root.join("notes.txt"), b"hello").unwrap();
    Tree { _dir: dir, root }
}

#[test]
fn hostile_tree_default_settings() {
    let t = hostile_tree();
    let (code, out, err) = scan_ndjson(&["--max-filesize", "200K"], &t.root);
    let recs = records(&out);
    let summary = &recs.last().unwrap()["summary"];
    assert_eq!(
        summary["components"], 3,
        "three renamed copies of a module: {summary}"
    );
    assert_eq!(
        summary["skipped"]["special_file"], 1,
        "the FIFO is skipped, never opened: {summary}"
    );
    assert_eq!(
        summary["skipped"]["symlink"], 4,
        "zero.dll, loop_a, loop_b, sub/up: {summary}"
    );
    assert_eq!(summary["skipped"]["too_large"], 1);
    assert_eq!(summary["errors"], 0, "stderr: {err}");
    assert_eq!(code, 1);
    // Invalid UTF-8 survives as exact bytes in hex.
    let bad = recs
        .iter()
        .find(|r| r["iisweep"]["path_hex"].is_string())
        .expect("a record with path_hex");
    let hex = bad["iisweep"]["path_hex"].as_str().unwrap();
    assert!(hex.ends_with(&iisweep::util::hex(b"bad\xff\xfeutf8.dll")));
    // Control characters are JSON-escaped, never raw.
    assert!(!out.contains(&0x1b) && !out.contains(&0x07));
    let names: Vec<&str> = recs
        .iter()
        .filter_map(|r| r["file"]["name"].as_str())
        .collect();
    assert!(names.contains(&"new\nline.dll"));
}

#[test]
fn table_output_escapes_names() {
    let t = hostile_tree();
    let (_, out, _) = run(&[
        "scan".as_ref(),
        "--max-filesize".as_ref(),
        "200K".as_ref(),
        t.root.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&out);
    assert!(
        !out.contains(&0x1b) && !out.contains(&0x07),
        "raw escape bytes in table output"
    );
    assert!(text.contains("esc\\x1b[2J\\x1b]0;pwned\\x07.dll"));
    assert!(text.contains("new\\nline.dll"));
    assert!(text.contains("bad\\xff\\xfeutf8.dll"));
    assert!(
        text.contains("over --max-filesize"),
        "oversized file is reported, not silently skipped"
    );
}

#[test]
fn following_symlinks_detects_loops_and_never_reads_devices() {
    let t = hostile_tree();
    let (code, out, err) = scan_ndjson(&["--follow-symlinks", "--max-filesize", "200K"], &t.root);
    let recs = records(&out);
    let summary = &recs.last().unwrap()["summary"];
    // The FIFO is a special file; the link to /dev/zero points into a
    // pseudo file system, and is not even followed.
    assert_eq!(summary["skipped"]["special_file"], 1, "FIFO: {summary}");
    assert_eq!(summary["skipped"]["pseudo_fs"], 1, "/dev/zero: {summary}");
    assert!(
        summary["errors"].as_u64().unwrap() >= 1,
        "the loops are reported: {summary}"
    );
    assert!(err.contains("loop"), "stderr names the loop: {err}");
    assert_eq!(code, 5, "components found + per-file errors");
}

#[test]
fn explicit_symlink_roots_and_excludes_cannot_be_bypassed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::create_dir(&secret).unwrap();
    std::fs::write(secret.join("mod.dll"), module_dll()).unwrap();
    symlink(&secret, dir.path().join("innocent")).unwrap();
    let pattern = format!("{}/**", secret.display());
    // Not following: the symlink root is reported, not walked.
    let (code, out, _) = run(&[
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        dir.path().join("innocent").as_os_str(),
    ]);
    assert_eq!(
        records(&out).last().unwrap()["summary"]["skipped"]["symlink"],
        1
    );
    assert_eq!(code, 0);
    // Following, with the real tree excluded: the link must not bring it back.
    let (code, out, _) = run(&[
        "scan".as_ref(),
        "--follow-symlinks".as_ref(),
        "--exclude".as_ref(),
        pattern.as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        dir.path().as_os_str(),
    ]);
    let recs = records(&out);
    assert_eq!(recs.last().unwrap()["summary"]["components"], 0, "{recs:?}");
    assert_eq!(code, 0);
}

#[test]
fn files_from_stdin_and_list() {
    let t = hostile_tree();
    let list = t.root.join("../list.txt");
    let mut text = Vec::new();
    text.extend_from_slice(t.root.join("pipe.dll").as_os_str().as_bytes());
    text.push(b'\n');
    // A line over the 64 KiB cap: an error on that line, and the list goes on.
    text.extend_from_slice(&vec![b'a'; 70_000]);
    text.push(b'\n');
    text.extend_from_slice(
        t.root
            .join(OsStr::from_bytes(b"bad\xff\xfeutf8.dll"))
            .as_os_str()
            .as_bytes(),
    );
    text.extend_from_slice(b"\r\n\n/nonexistent/x.dll\n");
    std::fs::write(&list, text).unwrap();
    let (code, out, _) = run(&[
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        "--files-from".as_ref(),
        list.as_os_str(),
    ]);
    let recs = records(&out);
    let s = &recs.last().unwrap()["summary"];
    assert_eq!(s["components"], 1);
    assert_eq!(s["skipped"]["special_file"], 1);
    assert_eq!(s["errors"], 2);
    assert!(recs.iter().any(|r| r["iisweep"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("line 2: longer than"))));
    assert_eq!(code, 5);
}
