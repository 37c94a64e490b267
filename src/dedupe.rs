//! The dedupe cache: each distinct content (size and SHA-256) is analysed
//! once, and matched once per file name, however many paths hold it.
//!
//! Bulk collections repeat content: the same module pulled from a hundred
//! hosts. Every path still gets its own report, which names the first path
//! with the same content (`duplicate_of`) and shares its analysis (the
//! facts are a function of the bytes alone). The judgement is shared too
//! when nothing else it reads differs: the rule globals read the file name
//! (`file_name`, `extension`) and the server registrations, and may read
//! the full path (`file_path`). So a cached judgement is reused only for a
//! file with the same lowercased name, no registrations on either side,
//! and a rule set that never names `file_path`; otherwise the rules run
//! again over the cached facts.
//!
//! Memory is bounded: at most `capacity` contents are kept, the oldest
//! evicted first. Two workers that meet the same new content at the same
//! moment may both analyse it; the reports are the same either way.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::model::Analyzed;
use crate::util::path::file_name_lower;

/// Default number of contents kept (`--dedupe-cache`).
pub const DEFAULT_CAPACITY: usize = 16_384;

/// SHA-256 (hex); the size is checked against the entry.
type Key = String;

/// One content as first analysed.
#[derive(Debug)]
pub struct Seen {
    /// The first path with this content.
    pub first: PathBuf,
    /// Its analysis and judgement.
    pub analyzed: Arc<Analyzed>,
    /// Its lowercased file name (the judgement reads it).
    name: String,
    /// Whether it had registrations (the judgement reads them).
    registered: bool,
    /// Its size (part of the key).
    size: u64,
}

impl Seen {
    /// Whether this judgement holds for a file named like `path` with
    /// (`registered`) or without registrations.
    pub fn judgement_holds(&self, path: &Path, registered: bool, uses_file_path: bool) -> bool {
        !uses_file_path && !registered && !self.registered && self.name == file_name_lower(path)
    }
}

/// The cache, shared by every worker.
#[derive(Debug)]
pub struct Dedupe {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    map: FxHashMap<Key, Arc<Seen>>,
    order: VecDeque<Key>,
}

impl Dedupe {
    /// A cache of at most `capacity` contents (at least 1).
    pub fn new(capacity: usize) -> Dedupe {
        Dedupe {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The earlier analysis of this content, if the cache holds it.
    pub fn get(&self, size: u64, sha256: &str) -> Option<Arc<Seen>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.map.get(sha256).filter(|s| s.size == size).cloned()
    }

    /// Remember the first analysis of a content.
    /// `judged_as` is the path the rules judged (an archive entry's own
    /// name).
    pub fn insert(
        &self,
        size: u64,
        path: &Path,
        judged_as: &Path,
        registered: bool,
        analyzed: &Arc<Analyzed>,
    ) {
        let key = analyzed.facts.sha256.clone();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.map.contains_key(&key) {
            return;
        }
        if inner.order.len() >= self.capacity {
            if let Some(old) = inner.order.pop_front() {
                inner.map.remove(&old);
            }
        }
        inner.order.push_back(key.clone());
        inner.map.insert(
            key,
            Arc::new(Seen {
                first: path.to_path_buf(),
                analyzed: Arc::clone(analyzed),
                name: file_name_lower(judged_as),
                registered,
                size,
            }),
        );
    }

    /// How many contents the cache holds.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.map.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzed(sha: &str) -> Arc<Analyzed> {
        let mut a = Analyzed::default();
        a.facts.sha256 = sha.into();
        Arc::new(a)
    }

    #[test]
    fn keeps_the_first_and_evicts_the_oldest() {
        let d = Dedupe::new(2);
        d.insert(
            10,
            Path::new("/a/x.dll"),
            Path::new("/a/x.dll"),
            false,
            &analyzed("aa"),
        );
        d.insert(
            10,
            Path::new("/b/x.dll"),
            Path::new("/b/x.dll"),
            false,
            &analyzed("aa"),
        );
        assert_eq!(d.get(10, "aa").unwrap().first, Path::new("/a/x.dll"));
        assert!(d.get(11, "aa").is_none(), "size is part of the key");
        d.insert(20, Path::new("/c"), Path::new("/c"), false, &analyzed("bb"));
        d.insert(30, Path::new("/d"), Path::new("/d"), false, &analyzed("cc"));
        assert_eq!(d.len(), 2);
        assert!(d.get(10, "aa").is_none(), "oldest evicted");
        assert!(d.get(30, "cc").is_some());
    }

    #[test]
    fn judgement_reuse_needs_the_same_name_and_no_registrations() {
        let d = Dedupe::new(4);
        d.insert(
            1,
            Path::new("/h1/Mod.DLL"),
            Path::new("/h1/Mod.DLL"),
            false,
            &analyzed("aa"),
        );
        let s = d.get(1, "aa").unwrap();
        assert!(s.judgement_holds(Path::new("/h2/mod.dll"), false, false));
        assert!(!s.judgement_holds(Path::new("/h2/other.dll"), false, false));
        assert!(!s.judgement_holds(Path::new("/h2/mod.dll"), true, false));
        assert!(!s.judgement_holds(Path::new("/h2/mod.dll"), false, true));
    }
}
