//! Which paths this sweep takes: `--shard K/N` (a deterministic part of
//! the walk, so that N machines split one collection) and `--skip-done
//! FILE` (the paths an earlier, interrupted sweep already reported).
//!
//! Both are decided from the path bytes alone, before a file is opened.
//! A path belongs to shard `K` of `N` when the 64-bit FNV-1a hash of its
//! bytes, as walked or listed, is `K - 1` modulo `N`. Every machine must
//! therefore be given the same roots spelled the same way (the same
//! mount point, the same `--files-from` list); then the union of the N
//! shards is exactly the full sweep, and no path is in two shards.
//!
//! `--skip-done` reads the NDJSON (or JSON) output of an earlier sweep
//! and keeps a 128-bit digest of each file record's path (16 bytes a
//! path, so a million done paths cost tens of megabytes, not the paths
//! themselves). Paths whose record says `error` are not counted as done:
//! they are tried again. A last line cut short by the interruption is
//! ignored; any other line that is not JSON is an error.

use std::collections::HashSet;
use std::io::{self, BufRead};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::platform::path_bytes;

/// `--shard K/N`: this machine's part, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?}: expected K/N with 1 <= K <= N (e.g. 2/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether `path` falls in this shard.
    pub fn keeps(&self, path: &Path) -> bool {
        fnv1a(&path_bytes(path.as_os_str())) % self.count == self.index - 1
    }
}

/// 64-bit FNV-1a: stable across versions and platforms (the shard
/// assignment is part of the contract; a std hasher's is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The paths an earlier sweep reported, as digests.
#[derive(Debug, Default)]
pub struct Done {
    digests: HashSet<u128>,
}

/// Longest line read from a `--skip-done` file (a file record with every
/// field is far smaller).
const MAX_LINE: usize = 64 << 20;

impl Done {
    /// How many paths are done.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether no path is done.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether an earlier sweep reported `path`.
    pub fn contains(&self, path: &Path) -> bool {
        self.digests
            .contains(&digest(&path_bytes(path.as_os_str())))
    }

    /// Read an earlier sweep's NDJSON or JSON output.
    pub fn read(path: &Path) -> Result<Done, String> {
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        Done::from_reader(io::BufReader::with_capacity(1 << 20, f))
    }

    /// Read NDJSON or a JSON document from `r`, streaming (NDJSON is read
    /// one line at a time; a JSON document is parsed whole).
    pub fn from_reader(mut r: impl BufRead) -> Result<Done, String> {
        let mut done = Done::default();
        let mut line = Vec::new();
        let mut n = 0u64;
        let mut pending_error: Option<String> = None;
        loop {
            line.clear();
            let read = io::Read::take(&mut r, MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if read == 0 {
                break;
            }
            n += 1;
            if line.len() > MAX_LINE {
                return Err(format!("line {n}: longer than {MAX_LINE} bytes"));
            }
            // A bad line is an error unless it is the last one (cut short).
            if let Some(e) = pending_error.take() {
                return Err(e);
            }
            let text = line.trim_ascii();
            if text.is_empty() {
                continue;
            }
            if n == 1 && text == b"{" {
                // A `--format json` document (pretty-printed, one value).
                let mut all = line.clone();
                r.read_to_end(&mut all).map_err(|e| e.to_string())?;
                done.add_document(&all)?;
                break;
            }
            match serde_json::from_slice::<Line>(text) {
                Ok(l) => done.add(&l),
                Err(e) => pending_error = Some(format!("line {n}: {e}")),
            }
        }
        Ok(done)
    }

    fn add_document(&mut self, bytes: &[u8]) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Doc {
            #[serde(default)]
            files: Vec<Line>,
        }
        let doc: Doc = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        for l in &doc.files {
            self.add(l);
        }
        Ok(())
    }

    fn add(&mut self, l: &Line) {
        if l.record.as_deref().is_some_and(|r| r != "file") {
            return;
        }
        let (Some(file), Some(iis)) = (&l.file, &l.iisweep) else {
            return;
        };
        if iis.status == "error" {
            return;
        }
        let bytes = match iis.path_hex.as_deref().and_then(unhex) {
            Some(b) => b,
            None => file.path.as_bytes().to_vec(),
        };
        self.digests.insert(digest(&bytes));
    }
}

/// The fields of a file record `--skip-done` reads (the others are skipped).
#[derive(serde::Deserialize)]
struct Line {
    #[serde(default)]
    record: Option<String>,
    #[serde(default)]
    file: Option<LineFile>,
    #[serde(default)]
    iisweep: Option<LineIis>,
}

#[derive(serde::Deserialize)]
struct LineFile {
    path: String,
}

#[derive(serde::Deserialize)]
struct LineIis {
    status: String,
    #[serde(default)]
    path_hex: Option<String>,
}

fn digest(bytes: &[u8]) -> u128 {
    let d = Sha256::digest(bytes);
    let mut x = [0u8; 16];
    x.copy_from_slice(&d[..16]);
    u128::from_le_bytes(x)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a sweep takes: the shard and the paths already done.
#[derive(Debug, Default)]
pub struct Selection {
    /// `--shard`.
    pub shard: Option<Shard>,
    /// `--skip-done`.
    pub done: Option<Done>,
}

/// Why a path is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// In another shard.
    OtherShard,
    /// Reported by the earlier sweep.
    Done,
}

impl Selection {
    /// Whether the selection takes every path.
    pub fn is_all(&self) -> bool {
        self.shard.is_none() && self.done.as_ref().is_none_or(Done::is_empty)
    }

    /// `None` when the sweep takes `path`, else why not.
    pub fn leaves(&self, path: &Path) -> Option<Left> {
        if let Some(s) = &self.shard {
            if !s.keeps(path) {
                return Some(Left::OtherShard);
            }
        }
        if let Some(d) = &self.done {
            if d.contains(path) {
                return Some(Left::Done);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        assert_eq!(
            "2/8".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 8 }
        );
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=5).map(|k| Shard { index: k, count: 5 }).collect();
        let mut sizes = [0usize; 5];
        for i in 0..5000 {
            let p = std::path::PathBuf::from(format!("/c/host{}/file{i}.dll", i % 7));
            let owners: Vec<usize> = (0..5).filter(|&k| shards[k].keeps(&p)).collect();
            assert_eq!(owners.len(), 1, "{p:?} in {owners:?}");
            sizes[owners[0]] += 1;
        }
        // Roughly even: each part within 20% of a fifth.
        assert!(
            sizes.iter().all(|&n| (800..=1200).contains(&n)),
            "{sizes:?}"
        );
        // Stable: the assignment is part of the contract.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn done_reads_ndjson_json_and_a_cut_last_line() {
        let nd = concat!(
            r#"{"record":"file","file":{"path":"a/x.dll"},"iisweep":{"status":"analyzed"}}"#,
            "\n",
            r#"{"record":"file","file":{"path":"a/err.dll"},"iisweep":{"status":"error"}}"#,
            "\n",
            r#"{"record":"file","file":{"path":"a/\ufffd.dll"},"iisweep":{"status":"not_pe","path_hex":"612fff2e646c6c"}}"#,
            "\n",
            r#"{"record":"summary","summary":{}}"#,
            "\n",
            r#"{"record":"file","file":{"path":"a/cut"#,
        );
        let d = Done::from_reader(nd.as_bytes()).unwrap();
        assert_eq!(d.len(), 2);
        assert!(d.contains(Path::new("a/x.dll")));
        assert!(!d.contains(Path::new("a/err.dll")), "errors are retried");
        let raw = crate::platform::path_from_bytes(b"a/\xff.dll");
        assert!(d.contains(&raw), "non-UTF-8 path from path_hex");
        // A bad line that is not the last is an error.
        let bad = "not json\n{\"record\":\"summary\"}\n";
        assert!(Done::from_reader(bad.as_bytes()).is_err());
        let doc = r#"{
  "tool": {},
  "files": [
    {"record": "file", "file": {"path": "b/y.dll"}, "iisweep": {"status": "analyzed"}}
  ]
}
"#;
        let d = Done::from_reader(doc.as_bytes()).unwrap();
        assert!(d.contains(Path::new("b/y.dll")));
    }
}
