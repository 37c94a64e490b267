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
//! internals.

pub mod inspect;
pub mod json;
pub mod ndjson;
pub mod record;
pub mod table;

use std::io::{self, Write};

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
}

impl Format {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }
}

/// A printer receives every report, then the summary.
pub trait Printer {
    /// One report.
    fn file(&mut self, r: &FileReport) -> io::Result<()>;
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
    /// Should this report appear in the per-file output?
    pub fn keep(&self, r: &FileReport) -> bool {
        match &r.outcome {
            Outcome::NotPe => self.report_all && self.min_level == Level::None,
            Outcome::Analyzed(a) => a.judgement.verdict.level >= self.min_level,
            _ => true,
        }
    }
}

/// The printer for `format` over `out`; `settings` is echoed by the JSON
/// document.
pub fn printer<'w, W: Write + 'w>(
    format: Format,
    out: W,
    filter: Filter,
    settings: serde_json::Value,
) -> Box<dyn Printer + 'w> {
    match format {
        Format::Ndjson => Box::new(ndjson::NdjsonPrinter::new(out, filter)),
        Format::Json => Box::new(json::JsonPrinter::new(out, filter, settings)),
        Format::Table => Box::new(table::TablePrinter::new(out, filter)),
    }
}
