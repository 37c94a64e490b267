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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use rayon::iter::{IntoParallelIterator, ParallelBridge, ParallelIterator};

use crate::analyze::{analyze_guarded_hashed, AnalyzeOptions};
use crate::config::ServerView;
use crate::dedupe::Dedupe;
use crate::discover::{self, DiscoverOptions};
use crate::load::{self, Candidate, LoadOptions, Probe};
use crate::model::{Analyzed, Facts, FileReport, Judgement, Outcome, RegistrationRef, SkipReason};
use crate::rules::{globals, traces, RuleSet};
use crate::select::{Left, Selection};
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
    /// The servers whose configuration the config stage read: their
    /// registrations feed the rules and the reports, and every file they
    /// register is analysed even where the walk does not reach it.
    pub servers: Vec<Arc<ServerView>>,
    /// The install-trace rules, run on scripts and shell history
    /// ([`crate::rules::traces`]); `None` turns the layer off.
    pub traces: Option<Arc<RuleSet>>,
    /// The dedupe cache (`None`: every file is analysed).
    pub dedupe: Option<Arc<Dedupe>>,
    /// `--shard` and `--skip-done`: the paths this sweep takes.
    pub select: Arc<Selection>,
    /// Archive settings (`None`: archives are not opened).
    pub archives: Option<crate::archive::ArchiveOptions>,
}

/// What a worker needs to turn a path into a report.
#[derive(Clone, Copy)]
pub struct Stages<'a> {
    /// Load settings.
    pub load: &'a LoadOptions,
    /// Analyze settings.
    pub analyze: &'a AnalyzeOptions,
    /// Compiled rules.
    pub rules: Option<&'a RuleSet>,
    /// Server views (registrations of the files).
    pub servers: &'a [Arc<ServerView>],
    /// The dedupe cache, when on.
    pub dedupe: Option<&'a Dedupe>,
}

impl<'a> Stages<'a> {
    /// Stages without any server view.
    pub fn new(
        load: &'a LoadOptions,
        analyze: &'a AnalyzeOptions,
        rules: Option<&'a RuleSet>,
    ) -> Self {
        Stages {
            load,
            analyze,
            rules,
            servers: &[],
            dedupe: None,
        }
    }
}

/// The registrations of `path` in every server view.
pub fn registrations_of(servers: &[Arc<ServerView>], path: &Path) -> Vec<RegistrationRef> {
    let mut out = Vec::new();
    for v in servers {
        for &i in v.registrations_of(path) {
            let r = &v.registrations[i];
            out.push(RegistrationRef {
                kind: r.kind.as_str(),
                name: r.name.clone(),
                config: v
                    .files
                    .get(r.pos.file)
                    .map(|f| f.host.clone())
                    .unwrap_or_default(),
                line: r.pos.line,
                scope: r.scope.clone(),
                enabled: r.enabled,
            });
        }
    }
    out
}

/// A file on its way from the walker to a worker.
enum Work {
    /// A candidate PE (opened once).
    Pe(PathBuf, Candidate),
    /// An archive to sweep.
    Archive(PathBuf, crate::archive::Kind),
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
pub fn judge(
    path: &Path,
    bytes: &[u8],
    facts: &Facts,
    registrations: &[RegistrationRef],
    rules: Option<&RuleSet>,
) -> Judgement {
    let mut j = Judgement::default();
    let in_scope = facts.is_component() || facts.is_near_miss();
    // A file no rule can match is not scanned, nor are its globals computed.
    if let Some(rs) = rules.filter(|rs| facts.pe.is_some() && rs.scans(in_scope)) {
        let values = globals::values(&globals::Subject {
            path,
            facts,
            registrations,
        });
        match rs.scan_gated(bytes, &values, in_scope) {
            Ok(h) => j.hits = h,
            Err(e) => j.rules_error = Some(e),
        }
    }
    j.verdict = crate::score::verdict(facts.is_component(), &mut j.hits);
    j
}

/// Load, analyse, match and score one path. Never panics on file content.
pub fn process_path(path: PathBuf, stages: &Stages<'_>) -> FileReport {
    let mut r = match load::probe(&path, stages.load) {
        Ok(Probe::Candidate(c)) => return process_candidate(path, c, stages),
        other => probe_report(path, other, stages.load),
    };
    r.registrations = registrations_of(stages.servers, &r.path);
    r
}

/// The report of a probe that found no candidate.
fn probe_report(path: PathBuf, p: std::io::Result<Probe>, load_opts: &LoadOptions) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    match p {
        Err(e) => r.outcome = Outcome::Error(e.to_string()),
        Ok(Probe::NotPe { size, .. }) => r.size = Some(size),
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
fn process_candidate(path: PathBuf, c: Candidate, stages: &Stages<'_>) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    r.registrations = registrations_of(stages.servers, &r.path);
    let mut buf = READ_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    match load::read_candidate(c, stages.load, &mut buf) {
        Err(e) => r.outcome = Outcome::Error(e.to_string()),
        Ok((data, mtime)) => {
            r.mtime = mtime;
            analyze_into(&mut r, &data, stages);
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

/// Analyse, match and score bytes already in memory (an archive entry, a
/// record handed over by the Python bindings): the same report a file with
/// these bytes at `path` gets, without touching the file system.
pub fn process_bytes(path: PathBuf, data: &[u8], stages: &Stages<'_>) -> FileReport {
    process_entry(path, Vec::new(), data, stages)
}

/// [`process_bytes`] for an archive entry inside `containers` (outermost
/// first; empty for a file): the rules see the entry's own name.
pub fn process_entry(
    path: PathBuf,
    containers: Vec<String>,
    data: &[u8],
    stages: &Stages<'_>,
) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    r.containers = containers;
    r.registrations = registrations_of(stages.servers, &r.path);
    let size = data.len() as u64;
    if !data.starts_with(b"MZ") {
        r.size = Some(size);
    } else if size > stages.load.max_filesize {
        let regs = std::mem::take(&mut r.registrations);
        r = probe_report(r.path, Ok(Probe::TooLarge { size }), stages.load);
        r.registrations = regs;
    } else {
        analyze_into(&mut r, data, stages);
    }
    r
}

/// The analysis and judgement of a candidate's bytes, into its report:
/// from the dedupe cache when it holds the content.
fn analyze_into(r: &mut FileReport, data: &[u8], stages: &Stages<'_>) {
    let size = data.len() as u64;
    r.size = Some(size);
    let (outcome, duplicate_of) = analysis_of(r, data, size, stages);
    r.outcome = outcome;
    r.duplicate_of = duplicate_of;
}

/// The outcome for `data` at `r`'s path, and the first path with the same
/// content when the dedupe cache held it.
fn analysis_of(
    r: &FileReport,
    data: &[u8],
    size: u64,
    stages: &Stages<'_>,
) -> (Outcome, Option<PathBuf>) {
    let sha256 = crate::analyze::sha256(data);
    let registered = !r.registrations.is_empty();
    let judged_as = r.judged_path();
    if let Some(seen) = stages.dedupe.and_then(|d| d.get(size, &sha256)) {
        let uses_file_path = stages.rules.is_some_and(|rs| rs.uses_file_path);
        let outcome = if seen.judgement_holds(judged_as, registered, uses_file_path) {
            Outcome::Analyzed(Arc::clone(&seen.analyzed))
        } else {
            let facts = seen.analyzed.facts.clone();
            let judgement = judge(judged_as, data, &facts, &r.registrations, stages.rules);
            Outcome::Analyzed(Arc::new(Analyzed { facts, judgement }))
        };
        return (outcome, Some(seen.first.clone()));
    }
    let outcome = match analyze_guarded_hashed(data, sha256, stages.analyze) {
        Ok(facts) => {
            let judgement = judge(judged_as, data, &facts, &r.registrations, stages.rules);
            let a = Arc::new(Analyzed { facts, judgement });
            if let Some(d) = stages.dedupe {
                d.insert(size, &r.path, judged_as, registered, &a);
            }
            Outcome::Analyzed(a)
        }
        Err(e) => Outcome::Error(e),
    };
    (outcome, None)
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
    let left = WalkCounts::default();
    let left = &left;
    let list_error = std::thread::scope(|s| {
        let notes = out_tx.clone();
        let walker = s.spawn(move || {
            // Runs on the walker's threads: the cheap magic check happens
            // here, so non-PE files never cross a channel unless reported.
            let on_file = |path: PathBuf| -> bool {
                if let Some(why) = cfg.select.leaves(&path) {
                    left.count(why);
                    return true;
                }
                match load::probe(&path, &cfg.load) {
                    Ok(Probe::NotPe {
                        archive: Some(kind),
                        ..
                    }) if cfg.archives.is_some() => work_tx.send(Work::Archive(path, kind)).is_ok(),
                    Ok(Probe::NotPe { size, .. })
                        if cfg.traces.is_some() && traces::is_target(&path) =>
                    {
                        let r = trace_report(path, size, cfg);
                        if r.traces.is_empty()
                            && matches!(r.outcome, Outcome::NotPe)
                            && !cfg.report_not_pe
                        {
                            quiet_not_pe.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            true
                        } else {
                            notes.send(r).is_ok()
                        }
                    }
                    Ok(Probe::Candidate(candidate)) => {
                        work_tx.send(Work::Pe(path, candidate)).is_ok()
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
        let stages = Stages {
            load: &cfg.load,
            analyze: &cfg.analyze,
            rules: cfg.rules.as_deref(),
            servers: &cfg.servers,
            dedupe: cfg.dedupe.as_deref(),
        };
        let pool = &pool;
        s.spawn(move || {
            pool.install(|| {
                work_rx
                    .into_iter()
                    .par_bridge()
                    .for_each_with(results, |tx, w| match w {
                        Work::Pe(path, c) => {
                            let _ = tx.send(process_candidate(path, c, &stages));
                        }
                        Work::Archive(path, kind) => {
                            // --skip-done reaches into archives: an entry
                            // the earlier sweep reported is not expanded.
                            let done = cfg.select.done.as_ref().map(|d| {
                                move |p: &Path| {
                                    let done = d.contains(p);
                                    if done {
                                        left.count(Left::Done);
                                    }
                                    done
                                }
                            });
                            if let Some(opts) = &cfg.archives {
                                if sweep_archive(
                                    path,
                                    kind,
                                    opts,
                                    &stages,
                                    cfg.load.follow_symlinks,
                                    done.as_ref().map(|d| d as &crate::archive::Skip<'_>),
                                    tx,
                                ) {
                                    left.archives.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    });
            })
        });
        let mut pending = registered_files(cfg);
        let all = cfg.select.is_all();
        for report in out_rx {
            // Walk notes (skips, errors) of paths outside the selection
            // (archive entries go with their archive).
            if !all && report.containers.is_empty() && cfg.select.leaves(&report.path).is_some() {
                continue;
            }
            pending.remove(&report.path);
            summary.add(&report);
            consume(&report, &summary);
        }
        // Registered files the walk did not reach (outside the roots,
        // excluded): analysed all the same.
        let mut rest: Vec<PathBuf> = pending
            .into_iter()
            // (Counted in the selection's totals only when walked.)
            .filter(|p| cfg.select.leaves(p).is_none())
            .collect();
        rest.sort();
        let reports: Vec<FileReport> = pool.install(|| {
            rest.into_par_iter()
                .map(|p| process_path(p, &stages))
                .collect()
        });
        for report in reports {
            summary.add(&report);
            consume(&report, &summary);
        }
        walker.join().unwrap_or(Ok(()))
    });
    summary.fold_quiet_counts();
    summary.other_shard = left.shard.load(Ordering::Relaxed);
    summary.already_done = left.done.load(Ordering::Relaxed);
    // Each archive on disk is a file seen (its entries are counted as
    // their reports arrive).
    summary.archives = left.archives.load(Ordering::Relaxed);
    summary.files_seen += summary.archives;
    summary.elapsed = start.elapsed();
    list_error.map(|_| summary)
}

/// Sweep one archive on a worker: a report per entry (analysed like any
/// file, from memory), and an error report on the archive when it cannot
/// be read. Returns whether the archive was opened.
fn sweep_archive(
    path: PathBuf,
    kind: crate::archive::Kind,
    opts: &crate::archive::ArchiveOptions,
    stages: &Stages<'_>,
    follow_symlinks: bool,
    skip: Option<&crate::archive::Skip<'_>>,
    tx: &mut SyncSender<FileReport>,
) -> bool {
    let file = match crate::platform::open_for_probe(&path, follow_symlinks) {
        Ok(f) => f,
        Err(e) => {
            let _ = tx.send(FileReport::new(path, Outcome::Error(e.to_string())));
            return false;
        }
    };
    archive_reports(&path, file, kind, opts, stages, skip, &mut |r| {
        tx.send(r).is_ok()
    });
    true
}

/// The reports of an archive's entries, read from `reader` (a file, or
/// bytes in a `Cursor`), handed to `on_report` in archive order: each
/// entry analysed like a file with its bytes, a per-entry report where a
/// cap or an error stopped one, and last an error report on the archive
/// itself when it cannot be read (the entries before the fault stand).
/// `on_report` returning `false` stops the sweep.
pub fn archive_reports<R: std::io::Read + std::io::Seek>(
    path: &Path,
    reader: R,
    kind: crate::archive::Kind,
    opts: &crate::archive::ArchiveOptions,
    stages: &Stages<'_>,
    skip: Option<&crate::archive::Skip<'_>>,
    on_report: &mut dyn FnMut(FileReport) -> bool,
) {
    use crate::archive::Problem;
    let mut going = true;
    let mut on_entry = |e: crate::archive::Entry| -> bool {
        let mut r = match e.data {
            Ok(data) => process_entry(e.path, e.chain.clone(), &data, stages),
            Err(Problem::TooLarge(size)) => {
                probe_report(e.path, Ok(Probe::TooLarge { size }), stages.load)
            }
            Err(Problem::Cap(m)) => {
                FileReport::new(e.path, Outcome::Skipped(SkipReason::ArchiveCap, m))
            }
            Err(Problem::Error(m)) => FileReport::new(e.path, Outcome::Error(m)),
        };
        r.containers = e.chain;
        going = on_report(r);
        going
    };
    if let Err(e) = crate::archive::sweep(path, reader, kind, opts, skip, &mut on_entry) {
        if going {
            on_report(FileReport::new(path.to_path_buf(), Outcome::Error(e)));
        }
    }
}

/// Counted on the walker and worker threads: paths left out by the
/// selection, by reason, and archives opened.
#[derive(Default)]
struct WalkCounts {
    shard: AtomicU64,
    done: AtomicU64,
    archives: AtomicU64,
}

impl WalkCounts {
    fn count(&self, why: Left) {
        match why {
            Left::OtherShard => &self.shard,
            Left::Done => &self.done,
        }
        .fetch_add(1, Ordering::Relaxed);
    }
}

/// The report of a script or history file read for install traces.
fn trace_report(path: PathBuf, size: u64, cfg: &ScanConfig) -> FileReport {
    let mut r = FileReport::new(path, Outcome::NotPe);
    r.size = Some(size);
    if let Some(set) = &cfg.traces {
        match traces::scan_path(set, &r.path, cfg.load.follow_symlinks) {
            Ok(t) => r.traces = t,
            Err(e) => r.outcome = Outcome::Error(format!("reading for install traces: {e}")),
        }
    }
    r
}

/// Every file a server view registers.
fn registered_files(cfg: &ScanConfig) -> std::collections::HashSet<PathBuf> {
    cfg.servers
        .iter()
        .flat_map(|v| v.registered_files().cloned())
        .collect()
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
