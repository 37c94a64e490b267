//! The sweep: discover -> load -> analyze, in parallel, streamed to one consumer.
//!
//! Threads: the walker (its own small pool, see `discover`), which also
//! probes each file's first bytes so that non-PE files are only counted, a
//! rayon pool of `threads` workers that read, analyse, match and score the
//! candidate PE files, and the caller's thread,
//! which receives every `FileReport` in completion order through a bounded
//! channel. Workers never print; the consumer is the only writer, so output
//! never interleaves, and memory stays flat however many files there are.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::analyze::{analyze_guarded, AnalyzeOptions};
use crate::discover::{self, DiscoverOptions};
use crate::load::{self, Candidate, LoadOptions, Probe};
use crate::model::{Analyzed, Facts, FileReport, Judgement, Outcome, SkipReason};
use crate::rules::{globals, RuleSet};
use crate::summary::Summary;

/// Everything a sweep needs, validated once.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Files and directories to sweep.
    pub roots: Vec<PathBuf>,
    /// A file listing paths, one per line (`-` for stdin).
    pub files_from: Option<PathBuf>,
    /// Worker threads (also used for the walker).
    pub threads: usize,
    /// Discover settings.
    pub discover: DiscoverOptions,
    /// Load settings.
    pub load: LoadOptions,
    /// Analyze settings.
    pub analyze: AnalyzeOptions,
    /// Compiled rules (none: structural sweep only).
    pub rules: Option<Arc<RuleSet>>,
    /// Send a report for every non-PE file (otherwise they are only counted).
    pub report_not_pe: bool,
}

/// A candidate PE on its way from the walker to a worker (opened once).
struct Work {
    path: PathBuf,
    candidate: Candidate,
}

const CHANNEL_BOUND: usize = 1024;
/// Largest read buffer a worker keeps between files.
const MAX_KEPT_BUFFER: usize = 32 << 20;

thread_local! {
    /// One read buffer per worker thread, reused from file to file.
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Match and score stages for one analysed file: the rules (when there
/// are any and the file is a PE) with the file's globals, then the verdict.
pub fn judge(path: &Path, bytes: &[u8], facts: &Facts, rules: Option<&RuleSet>) -> Judgement {
    let mut j = Judgement::default();
    if let (Some(rs), true) = (rules, facts.pe.is_some()) {
        let values = globals::values(&globals::Subject { path, facts });
        match rs.scan(bytes, &values) {
            Ok(h) => j.hits = h,
            Err(e) => j.rules_error = Some(e),
        }
    }
    j.verdict = crate::score::verdict(facts.is_component(), &mut j.hits);
    j
}

/// Load, analyse, match and score one path. Never panics on file content.
pub fn process_path(
    path: PathBuf,
    load_opts: &LoadOptions,
    analyze_opts: &AnalyzeOptions,
    rules: Option<&RuleSet>,
) -> FileReport {
    match load::probe(&path, load_opts) {
        Ok(Probe::Candidate(c)) => process_candidate(path, c, load_opts, analyze_opts, rules),
        other => probe_report(path, other, load_opts),
    }
}

/// The report of a probe that found no candidate.
fn probe_report(path: PathBuf, p: std::io::Result<Probe>, load_opts: &LoadOptions) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    match p {
        Err(e) => r.outcome = Outcome::Error(e.to_string()),
        Ok(Probe::NotPe { size }) => r.size = Some(size),
        Ok(Probe::Special { kind }) => {
            r.outcome = Outcome::Skipped(SkipReason::Special, kind.into())
        }
        Ok(Probe::TooLarge { size }) => {
            r.size = Some(size);
            r.outcome = Outcome::Skipped(
                SkipReason::TooLarge,
                format!(
                    "{size} bytes is over --max-filesize ({} bytes)",
                    load_opts.max_filesize
                ),
            );
        }
        Ok(Probe::Candidate(_)) => unreachable!("candidates are processed, not reported"),
    }
    r
}

/// Read, analyse, match and score a candidate PE.
fn process_candidate(
    path: PathBuf,
    c: Candidate,
    load_opts: &LoadOptions,
    analyze_opts: &AnalyzeOptions,
    rules: Option<&RuleSet>,
) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    let mut buf = READ_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    match load::read_candidate(c, load_opts, &mut buf) {
        Err(e) => r.outcome = Outcome::Error(e.to_string()),
        Ok((data, mtime)) => {
            r.size = Some(data.len() as u64);
            r.mtime = mtime;
            r.outcome = match analyze_guarded(&data, analyze_opts) {
                Ok(facts) => {
                    let judgement = judge(&r.path, &data, &facts, rules);
                    Outcome::Analyzed(Box::new(Analyzed { facts, judgement }))
                }
                Err(e) => Outcome::Error(e),
            };
            if let load::Data::Buf(v) = data {
                buf = v;
            }
        }
    }
    if buf.capacity() <= MAX_KEPT_BUFFER {
        READ_BUF.with(|b| *b.borrow_mut() = buf);
    }
    r
}

/// Run a sweep, calling `consume` on this thread for every report as it is
/// ready. Returns the summary (also fed every report).
pub fn run(
    cfg: &ScanConfig,
    mut consume: impl FnMut(&FileReport, &Summary),
) -> std::io::Result<Summary> {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads.max(1))
        .thread_name(|i| format!("iisweep-worker-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    let (work_tx, work_rx) = sync_channel::<Work>(CHANNEL_BOUND);
    let (out_tx, out_rx) = sync_channel::<FileReport>(CHANNEL_BOUND);
    let mut summary = Summary::default();
    let quiet_not_pe = summary.quiet_not_pe.clone();
    let list_error = std::thread::scope(|s| {
        let notes = out_tx.clone();
        let walker = s.spawn(move || {
            // Runs on the walker's threads: the cheap magic check happens
            // here, so non-PE files never cross a channel unless reported.
            let on_file = |path: PathBuf| -> bool {
                match load::probe(&path, &cfg.load) {
                    Ok(Probe::Candidate(candidate)) => {
                        work_tx.send(Work { path, candidate }).is_ok()
                    }
                    Ok(Probe::NotPe { .. }) if !cfg.report_not_pe => {
                        quiet_not_pe.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        true
                    }
                    other => notes.send(probe_report(path, other, &cfg.load)).is_ok(),
                }
            };
            discover_all(cfg, &on_file, &notes)
        });
        let results = out_tx;
        let load_opts = cfg.load;
        let analyze_opts = cfg.analyze.clone();
        let rules = cfg.rules.clone();
        s.spawn(move || {
            pool.install(|| {
                work_rx
                    .into_iter()
                    .par_bridge()
                    .for_each_with(results, |tx, w| {
                        let _ = tx.send(process_candidate(
                            w.path,
                            w.candidate,
                            &load_opts,
                            &analyze_opts,
                            rules.as_deref(),
                        ));
                    });
            })
        });
        for report in out_rx {
            summary.add(&report);
            consume(&report, &summary);
        }
        walker.join().unwrap_or(Ok(()))
    });
    summary.fold_quiet_counts();
    summary.elapsed = start.elapsed();
    list_error.map(|_| summary)
}

fn discover_all(
    cfg: &ScanConfig,
    on_file: &discover::OnFile<'_>,
    notes: &SyncSender<FileReport>,
) -> std::io::Result<()> {
    discover::walk_roots(&cfg.roots, &cfg.discover, on_file, notes);
    if let Some(list) = &cfg.files_from {
        discover::walk_list(list, &cfg.discover, on_file, notes)?;
    }
    Ok(())
}
