//! Shared helpers: the one runner of the `iisweep` binary, NDJSON parsing,
//! prerequisites, file lists, and the differential comparison.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longest any one run of the binary may take before the test fails as a
/// hang (no hostile input may make a sweep hang).
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// The `file` records of NDJSON output.
pub fn file_records(out: &Output) -> Vec<Value> {
    ndjson(&out.stdout)
        .into_iter()
        .filter(|r| r["record"] == "file")
        .collect()
}

/// Runs `iisweep ARGS...` with `stdin` as its standard input (none when
/// `None`), failing the test if it runs longer than [`RUN_LIMIT`].
pub fn run_with_stdin<I, S>(args: I, stdin: Option<&[u8]>) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(env!("CARGO_BIN_EXE_iisweep"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iisweep");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || std::io::Write::write_all(&mut pipe, &input));
    }
    let start = Instant::now();
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut r, &mut v).unwrap();
            v
        })
    };
    let out_t = drain(Box::new(child.stdout.take().unwrap()));
    let err_t = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > RUN_LIMIT {
            child.kill().unwrap();
            panic!("iisweep ran longer than {RUN_LIMIT:?} (hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

/// Runs `iisweep ARGS...` (see [`run_with_stdin`]).
pub fn iisweep<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with_stdin(args, None)
}

/// NDJSON bytes as records.
pub fn ndjson(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad NDJSON line {l:?}: {e}")))
        .collect()
}

/// `samples-synthetic/` of this checkout.
pub fn samples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic")
}

/// True when `python3 -c "import <module>"` works.
pub fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success())
}

/// `true` to go on. A missing prerequisite fails under CI (`CI` set) and
/// skips with a message elsewhere.
pub fn prerequisite(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI lacks a test prerequisite: {what}"
    );
    eprintln!("SKIPPED: needs {what}");
    false
}

/// Run `tests/diff/<script> --list <files>` and parse its JSON lines.
pub fn reference(script: &str, files: &[PathBuf]) -> Vec<Value> {
    let list = tempfile::NamedTempFile::new().unwrap();
    let text: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(list.path(), text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/diff")
        .join(script);
    let out = Command::new("python3")
        .arg(&script)
        .arg("--list")
        .arg(list.path())
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v.len(), files.len(), "one reference record per file");
    v
}

/// Regular files under `dir`, recursively, following symlinks, each real file once, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(m) = std::fs::metadata(&p) else {
                continue;
            };
            if m.is_dir() {
                if seen.insert(std::fs::canonicalize(&p).unwrap_or(p.clone())) {
                    stack.push(p);
                }
            } else if m.is_file() && seen.insert(std::fs::canonicalize(&p).unwrap_or(p.clone())) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Cut a JSON value's text for a failure message.
pub fn short(v: &Value) -> String {
    v.to_string().chars().take(300).collect()
}

/// Compare `ours(path)` with the reference script's record for every file
/// the reference could read (`comparable`), on `keys`; assert that at least
/// `min_compared` files were compared and that all agree.
pub fn assert_agree(
    label: &str,
    script: &str,
    files: &[PathBuf],
    keys: &[&str],
    comparable: impl Fn(&Value) -> bool,
    ours: impl Fn(&Path) -> Value,
    min_compared: usize,
) {
    let reference = reference(script, files);
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (path, r) in files.iter().zip(&reference) {
        if !comparable(r) {
            continue;
        }
        compared += 1;
        let o = ours(path);
        for key in keys {
            if o[key] != r[key] {
                mismatches.push(format!(
                    "{}: {key}\n  ours:      {}\n  reference: {}",
                    path.display(),
                    short(&o[key]),
                    short(&r[key])
                ));
            }
        }
    }
    eprintln!(
        "{label}: {compared} of {} files compared, {} mismatches",
        files.len(),
        mismatches.len()
    );
    assert!(
        compared >= min_compared,
        "{label}: only {compared} files compared"
    );
    assert!(
        mismatches.is_empty(),
        "{label}: {} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The file starts with `MZ`.
pub fn is_mz(p: &Path) -> bool {
    std::fs::read(p)
        .map(|b| b.starts_with(b"MZ"))
        .unwrap_or(false)
}

/// The strings of a JSON array (others and non-strings ignored), as a set.
pub fn strs(v: &Value) -> std::collections::BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}
