//! Discover stage: turn roots and file lists into a stream of file paths.
//!
//! The walk is parallel (`ignore::WalkParallel`, no ignore-file filtering)
//! and streaming: each regular file is handed to a visitor on the walker's
//! thread as soon as it is seen (the sweep's visitor does the cheap magic
//! check there, so only candidate PE files cross to the workers). Only
//! regular files are handed on; FIFOs, sockets and devices are reported as
//! skipped and never opened. Symlinks are not followed unless
//! asked; when they are, `ignore` detects loops (reported as errors), and
//! excludes are matched against the canonical path too, so a link cannot
//! smuggle an excluded tree back in. A root given on the command line is
//! subject to the same rules as anything found below it.
//!
//! Error policy: an unreadable directory or entry becomes a `FileReport` with
//! `Outcome::Error` for that path; the walk goes on.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, PoisonError};

use globset::{GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::model::{FileReport, Outcome, SkipReason};
use crate::platform;

/// `--exclude` patterns, compiled.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    /// Patterns with a `/`: matched against the whole path.
    paths: GlobSet,
    /// Patterns without a `/`: matched against the file name.
    names: GlobSet,
    /// Number of patterns.
    count: usize,
}

impl Excludes {
    /// Compile `patterns` (shell globs; `**` crosses directories).
    pub fn new(patterns: &[String]) -> Result<Excludes, globset::Error> {
        let mut paths = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        for p in patterns {
            let g = globset::GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()?;
            if p.contains('/') {
                paths.add(g);
            } else {
                names.add(g);
            }
        }
        Ok(Excludes {
            paths: paths.build()?,
            names: names.build()?,
            count: patterns.len(),
        })
    }

    /// True when no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Does `path` match an exclude pattern?
    pub fn matches(&self, path: &Path) -> bool {
        if self.count == 0 {
            return false;
        }
        if let Some(name) = path.file_name() {
            if self.names.is_match(name) {
                return true;
            }
        }
        self.paths.is_match(path)
    }

    /// `matches`, also checking the canonical path when links are followed.
    fn matches_resolved(&self, path: &Path, follow: bool) -> bool {
        if self.matches(path) {
            return true;
        }
        follow && !self.is_empty() && std::fs::canonicalize(path).is_ok_and(|c| self.matches(&c))
    }
}

/// Walk settings, fixed for a sweep.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Walker threads.
    pub threads: usize,
    /// Follow symlinks (with loop detection).
    pub follow_symlinks: bool,
    /// Do not cross file-system boundaries below a root.
    pub one_file_system: bool,
    /// Compiled `--exclude` patterns.
    pub excludes: Excludes,
}

fn note(path: PathBuf, outcome: Outcome) -> FileReport {
    FileReport::new(path, outcome)
}

/// Called on a walker thread for every regular file; `false` stops the walk.
pub type OnFile<'a> = dyn Fn(PathBuf) -> bool + Sync + 'a;

/// Walk every root, handing regular files to `on_file` (on the walker's
/// threads) and sending skips and errors to `notes`.
pub fn walk_roots(
    roots: &[PathBuf],
    opts: &DiscoverOptions,
    on_file: &OnFile<'_>,
    notes: &SyncSender<FileReport>,
) {
    let mut kept = Vec::new();
    for root in roots {
        if let Some(r) = check_root(root, opts) {
            let _ = notes.send(r);
        } else {
            kept.push(root.clone());
        }
    }
    let Some((first, rest)) = kept.split_first() else {
        return;
    };
    let mut b = WalkBuilder::new(first);
    for r in rest {
        b.add(r);
    }
    // Pseudo file systems the user named as roots may be walked; others
    // are never entered through a followed link.
    let named_pseudo: Vec<&'static str> = kept
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .filter_map(|c| platform::pseudo_fs(&c))
        .collect();
    b.standard_filters(false)
        .follow_links(opts.follow_symlinks)
        .same_file_system(opts.one_file_system)
        .threads(opts.threads.max(1));
    let walker = b.build_parallel();
    walker.run(|| {
        let notes = notes.clone();
        let opts = opts.clone();
        let named_pseudo = named_pseudo.clone();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = error_path(&err).unwrap_or_default();
                    let _ = notes.send(note(path, Outcome::Error(walk_error_text(&err))));
                    return WalkState::Continue;
                }
            };
            let path = entry.path();
            if entry.depth() > 0 && opts.excludes.matches_resolved(path, opts.follow_symlinks) {
                let _ = notes.send(note(
                    path.to_path_buf(),
                    Outcome::Skipped(SkipReason::Excluded, "matches --exclude".into()),
                ));
                return WalkState::Skip;
            }
            if opts.follow_symlinks && entry.path_is_symlink() {
                let target = std::fs::canonicalize(path).ok();
                if let Some(fs) = target.as_deref().and_then(platform::pseudo_fs) {
                    if !named_pseudo.contains(&fs) {
                        let _ = notes.send(note(
                            path.to_path_buf(),
                            Outcome::Skipped(
                                SkipReason::PseudoFs,
                                format!("link into {fs} (a pseudo file system) not followed; name it as a path to sweep it"),
                            ),
                        ));
                        return WalkState::Skip;
                    }
                }
            }
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            let sent = if ft.is_file() {
                on_file(path.to_path_buf())
            } else if ft.is_symlink() {
                notes
                    .send(note(
                        path.to_path_buf(),
                        Outcome::Skipped(
                            SkipReason::Symlink,
                            "symlink not followed (--follow-symlinks)".into(),
                        ),
                    ))
                    .is_ok()
            } else {
                notes
                    .send(note(
                        path.to_path_buf(),
                        Outcome::Skipped(SkipReason::Special, platform::special_kind(&ft).into()),
                    ))
                    .is_ok()
            };
            if sent {
                WalkState::Continue
            } else {
                WalkState::Quit
            }
        })
    });
}

/// Longest line of a `--files-from` list (a path is far shorter; a list
/// without newlines must not be read into memory whole).
const MAX_LIST_LINE: u64 = 64 << 10;

/// Read newline-separated paths from `list` (`-` for stdin) and feed them
/// through the same checks as roots: directories are walked, files sent.
/// Streamed: `opts.threads` threads take lines in turn from one buffered
/// reader (each line's `lstat` and the probe behind `on_file` are what
/// costs, so one thread would leave the others idle), and memory stays
/// flat however long the list is. A line over 64 KiB is an error note on
/// that line, and the list goes on.
pub fn walk_list(
    list: &Path,
    opts: &DiscoverOptions,
    on_file: &OnFile<'_>,
    notes: &SyncSender<FileReport>,
) -> io::Result<()> {
    let reader: Box<dyn BufRead + Send> = if list == Path::new("-") {
        Box::new(io::BufReader::new(io::stdin()))
    } else {
        Box::new(io::BufReader::with_capacity(
            1 << 16,
            std::fs::File::open(list)?,
        ))
    };
    let lines = Mutex::new((reader, 0u64));
    let stop = AtomicBool::new(false);
    let failed: Mutex<Option<io::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..opts.threads.max(1) {
            let notes = notes.clone();
            let (lines, stop, failed) = (&lines, &stop, &failed);
            s.spawn(move || {
                let mut line = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    line.clear();
                    let (read, n) = {
                        let mut g = lines.lock().unwrap_or_else(PoisonError::into_inner);
                        g.1 += 1;
                        (read_line(&mut *g.0, &mut line), g.1)
                    };
                    match read {
                        Ok(None) => break,
                        Ok(Some(true)) => {
                            let _ = notes.send(note(
                                PathBuf::from(format!("{}:{n}", list.display())),
                                Outcome::Error(format!(
                                    "--files-from line {n}: longer than {MAX_LIST_LINE} bytes; skipped"
                                )),
                            ));
                        }
                        Ok(Some(false)) => {
                            if !list_entry(&line, opts, on_file, &notes) {
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                        Err(e) => {
                            *failed.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    match failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One line of a list into `line` (without its `\n`): `None` at the end,
/// `Some(true)` when the line is over [`MAX_LIST_LINE`] (the rest of it is
/// read past), `Some(false)` otherwise.
fn read_line(r: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    let n = io::Read::take(&mut *r, MAX_LIST_LINE + 1).read_until(b'\n', line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some(false));
    }
    if (n as u64) <= MAX_LIST_LINE {
        return Ok(Some(false)); // the last line, without a newline
    }
    // Too long: skip to the end of this line.
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                break;
            }
            None => {
                let len = buf.len();
                r.consume(len);
            }
        }
    }
    Ok(Some(true))
}

/// One path of a `--files-from` list: walked when a directory, checked
/// and handed to `on_file` when a file. `false` stops the sweep.
fn list_entry(
    line: &[u8],
    opts: &DiscoverOptions,
    on_file: &OnFile<'_>,
    notes: &SyncSender<FileReport>,
) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return true;
    }
    let path = platform::path_from_bytes(line);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => {
            walk_roots(std::slice::from_ref(&path), opts, on_file, notes);
            true
        }
        Ok(_) => match check_root(&path, opts) {
            Some(r) => {
                let _ = notes.send(r);
                true
            }
            None => on_file(path),
        },
        Err(e) => {
            let _ = notes.send(note(path, Outcome::Error(e.to_string())));
            true
        }
    }
}

/// Checks on a path named by the user: excluded, a symlink not to follow,
/// missing, or special. `None` means go ahead.
fn check_root(root: &Path, opts: &DiscoverOptions) -> Option<FileReport> {
    if opts.excludes.matches_resolved(root, opts.follow_symlinks) {
        return Some(note(
            root.to_path_buf(),
            Outcome::Skipped(SkipReason::Excluded, "matches --exclude".into()),
        ));
    }
    let meta = match std::fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) => return Some(note(root.to_path_buf(), Outcome::Error(e.to_string()))),
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        if !opts.follow_symlinks {
            return Some(note(
                root.to_path_buf(),
                Outcome::Skipped(
                    SkipReason::Symlink,
                    "symlink not followed (--follow-symlinks)".into(),
                ),
            ));
        }
        return match std::fs::metadata(root) {
            Ok(m) if m.is_file() || m.is_dir() => None,
            Ok(m) => Some(note(
                root.to_path_buf(),
                Outcome::Skipped(
                    SkipReason::Special,
                    platform::special_kind(&m.file_type()).into(),
                ),
            )),
            Err(e) => Some(note(root.to_path_buf(), Outcome::Error(e.to_string()))),
        };
    }
    if ft.is_file() || ft.is_dir() {
        None
    } else {
        Some(note(
            root.to_path_buf(),
            Outcome::Skipped(SkipReason::Special, platform::special_kind(&ft).into()),
        ))
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn walk_error_text(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } => walk_error_text(err),
        ignore::Error::WithDepth { err, .. } => walk_error_text(err),
        ignore::Error::Loop { ancestor, .. } => format!(
            "symlink loop back to {}",
            crate::util::path::display(ancestor)
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_semantics() {
        let e = Excludes::new(&[
            "*.log".into(),
            "/srv/secret/**".into(),
            "node_modules".into(),
        ])
        .unwrap();
        assert!(e.matches(Path::new("/x/y/a.log")));
        assert!(e.matches(Path::new("/srv/secret/a/b.dll")));
        assert!(!e.matches(Path::new("/srv/secretive/b.dll")));
        assert!(e.matches(Path::new("/app/node_modules")));
        assert!(!e.matches(Path::new("/app/mod.dll")));
        assert!(Excludes::new(&["[".into()]).is_err());
    }
}
