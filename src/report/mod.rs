//! Report stage: the output records ([`record`]) and one printer per
//! format over the same [`FileReport`]s.
//!
//! Printers run on one thread and own the output; workers never print.
//! [`ndjson`] streams a record per file as it completes, then a summary
//! record; [`json`] writes one document (tool, settings, summary, files
//! sorted by path); [`table`] is for people: IIS components first, then
//! near misses, skips and errors, then the totals; [`inspect`] explains one
//! file. Every name that reaches a terminal is escaped
//! ([`crate::util::escape`]). Non-PE files are counted in the summary and
//! printed only with `--report-all`, so output stays proportional to what
//! matters. A printer reads the model and the records, never a parser's
//! internals. After the files, each server view the config stage read is
//! printed ([`server`]: a `server` record, its `registration` and `finding`
//! records; the table leads with them).

pub mod inspect;
pub mod json;
pub mod ndjson;
pub mod record;
pub(crate) mod safe_json;
pub mod sarif;
pub mod server;
pub mod table;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::config::{FileSummary, ServerView};
use crate::model::{FileReport, Level, Outcome};
use crate::summary::Summary;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable table (components first).
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line, streamed, then a summary line.
    Ndjson,
    /// One SARIF 2.1.0 log (code-scanning dashboards).
    Sarif,
}

impl Format {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Sarif => "sarif",
        }
    }
}

/// A printer receives every report, then the summary.
pub trait Printer {
    /// One report.
    fn file(&mut self, r: &FileReport) -> io::Result<()>;
    /// One server view, after every file (its registrations are joined to
    /// the files' reports through `files`).
    fn server(&mut self, v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> io::Result<()>;
    /// End of sweep.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// Which per-file records a printer emits.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// Emit non-PE files too.
    pub report_all: bool,
    /// Emit analysed files only from this level up (errors and skips always).
    pub min_level: Level,
}

impl Filter {
    /// Should this configuration finding appear?
    pub fn keep_finding(&self, f: &crate::config::Finding) -> bool {
        crate::score::level(f.score, true) >= self.min_level
    }

    /// Should this report appear in the per-file output?
    pub fn keep(&self, r: &FileReport) -> bool {
        match &r.outcome {
            Outcome::NotPe if !r.traces.is_empty() => r
                .traces
                .iter()
                .any(|t| crate::score::level(t.score, true) >= self.min_level),
            Outcome::NotPe => self.report_all && self.min_level == Level::None,
            Outcome::Analyzed(a) => a.judgement.verdict.level >= self.min_level,
            _ => true,
        }
    }
}

/// The printer for `format` over `out`; `settings` is echoed by the JSON
/// document, `rules` listed by the SARIF log.
pub fn printer<'w, W: Write + 'w>(
    format: Format,
    out: W,
    filter: Filter,
    settings: serde_json::Value,
    rules: Vec<sarif::SarifRule>,
) -> Box<dyn Printer + 'w> {
    match format {
        Format::Sarif => Box::new(sarif::SarifPrinter::new(out, filter, rules)),
        Format::Ndjson => Box::new(ndjson::NdjsonPrinter::new(out, filter)),
        Format::Json => Box::new(json::JsonPrinter::new(out, filter, settings)),
        Format::Table => Box::new(table::TablePrinter::new(out, filter)),
    }
}
