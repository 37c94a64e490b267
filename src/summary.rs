//! Counts over a sweep, fed one report at a time (no report is kept). The
//! report stage maps them into the summary record.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::model::{FileReport, Level, Outcome, Role, SkipReason};

/// Totals of a sweep.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Paths reported: every file seen plus skipped and failed entries.
    pub paths: u64,
    /// Regular files opened.
    pub files_seen: u64,
    /// Files that start with `MZ` and parsed as PE.
    pub pe_files: u64,
    /// Files that start with `MZ` but are not PE.
    pub mz_not_pe: u64,
    /// Files that do not start with `MZ`.
    pub not_pe: u64,
    /// Files with at least one IIS role.
    pub components: u64,
    /// Components by role.
    pub by_role: BTreeMap<Role, u64>,
    /// Files with an incomplete or decorated (unloadable) IIS export set.
    pub near_misses: u64,
    /// PE files parsed only in part.
    pub partial: u64,
    /// Analysed files by verdict level.
    pub by_level: BTreeMap<Level, u64>,
    /// Highest level seen.
    pub max_level: Level,
    /// Files whose rule scan failed (timeout, error).
    pub rules_errors: u64,
    /// Skipped entries by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Per-path errors.
    pub errors: u64,
    /// Bytes of PE files read.
    pub bytes_read: u64,
    /// Scripts and histories holding install traces.
    pub trace_files: u64,
    /// Install traces.
    pub traces: u64,
    /// Server configurations read (the config stage).
    pub servers: u64,
    /// Registrations in them.
    pub registrations: u64,
    /// Configuration findings by level.
    pub config_findings: BTreeMap<Level, u64>,
    /// Configuration files that could not be read or parsed in full.
    pub config_errors: u64,
    /// Reports that share the analysis of an earlier path with the same
    /// content (the dedupe cache).
    pub duplicates: u64,
    /// Archives on disk opened and swept (their entries are counted as
    /// files; each archive counts once in `files_seen` too).
    pub archives: u64,
    /// Walked paths left to other shards (`--shard`).
    pub other_shard: u64,
    /// Walked paths an earlier sweep reported (`--skip-done`).
    pub already_done: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Non-PE files counted on the walker threads and not reported one by
    /// one; folded into `files_seen`/`not_pe` at the end of the sweep.
    pub quiet_not_pe: Arc<AtomicU64>,
}

impl Summary {
    /// Files seen so far, including non-PE files not yet folded in.
    pub fn live_files_seen(&self) -> u64 {
        self.files_seen + self.quiet_not_pe.load(Ordering::Relaxed)
    }

    /// Fold the quietly counted non-PE files into the totals.
    pub fn fold_quiet_counts(&mut self) {
        let n = self.quiet_not_pe.swap(0, Ordering::Relaxed);
        self.paths += n;
        self.files_seen += n;
        self.not_pe += n;
    }

    /// Count one server view (after its file-dependent findings): its
    /// findings raise [`Summary::max_level`] as files do.
    pub fn add_server(&mut self, v: &crate::config::ServerView) {
        self.servers += 1;
        self.registrations += v.registrations.len() as u64;
        self.config_errors += v.errors.len() as u64;
        for f in &v.findings {
            let level = crate::score::level(f.score, true);
            *self.config_findings.entry(level).or_default() += 1;
            self.max_level = self.max_level.max(level);
        }
    }

    /// Analysed files whose content no earlier report shared: the distinct
    /// contents, as far as the dedupe cache remembers them.
    pub fn distinct_contents(&self) -> u64 {
        let analysed: u64 = self.by_level.values().sum();
        analysed.saturating_sub(self.duplicates)
    }

    /// Count one report.
    pub fn add(&mut self, r: &FileReport) {
        self.paths += 1;
        if r.duplicate_of.is_some() {
            self.duplicates += 1;
        }
        if !r.traces.is_empty() {
            self.trace_files += 1;
            self.traces += r.traces.len() as u64;
            for t in &r.traces {
                self.max_level = self.max_level.max(crate::score::level(t.score, true));
            }
        }
        match &r.outcome {
            Outcome::NotPe => {
                self.files_seen += 1;
                self.not_pe += 1;
            }
            Outcome::Skipped(reason, _) => {
                if *reason == SkipReason::TooLarge {
                    self.files_seen += 1;
                }
                *self.skipped.entry(*reason).or_default() += 1;
            }
            Outcome::Error(_) => self.errors += 1,
            Outcome::Analyzed(a) => {
                let (facts, judgement) = (&a.facts, &a.judgement);
                self.files_seen += 1;
                self.bytes_read += r.size.unwrap_or(0);
                match &facts.pe {
                    Some(pe) => {
                        self.pe_files += 1;
                        if !pe.errors.is_empty() {
                            self.partial += 1;
                        }
                        if !pe.export_roles.incomplete.is_empty()
                            || !pe.export_roles.decorated.is_empty()
                        {
                            self.near_misses += 1;
                        }
                    }
                    None => self.mz_not_pe += 1,
                }
                if facts.is_component() {
                    self.components += 1;
                }
                *self.by_level.entry(judgement.verdict.level).or_default() += 1;
                self.max_level = self.max_level.max(judgement.verdict.level);
                if judgement.rules_error.is_some() {
                    self.rules_errors += 1;
                }
                for role in &facts.roles {
                    *self.by_role.entry(*role).or_default() += 1;
                }
            }
        }
    }
}
