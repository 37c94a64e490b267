//! Report stage: one printer per format over the same `FileReport`s.
//!
//! Printers run on one thread and own the output; workers never print.
//! `ndjson` streams a record per file as it completes, then a summary record.
//! `json` writes one document (tool, settings, summary, files sorted by
//! path). `table` is for people: IIS components first, then near misses,
//! skips and errors, then the totals; every name is escaped for the terminal.
//! Non-PE files are counted in the summary and printed only with
//! `--report-all`, so output stays proportional to what matters.

pub mod inspect;
pub mod json;
pub mod sanitize;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::analyze::{FileReport, Outcome};
use crate::summary::Summary;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable table (components first).
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line, streamed, then a summary line.
    Ndjson,
}

/// `tool` object of JSON output.
#[derive(Debug, Serialize, Clone)]
pub struct ToolInfo {
    /// `iisweep`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// Record layout version.
    pub schema_version: u32,
}

/// This build's `ToolInfo`.
pub fn tool_info() -> ToolInfo {
    ToolInfo {
        name: "iisweep",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: json::SCHEMA_VERSION,
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
    pub min_level: crate::score::Level,
}

impl Filter {
    /// Should this report appear in the per-file output?
    pub fn keep(&self, r: &FileReport) -> bool {
        match &r.outcome {
            Outcome::NotPe => self.report_all && self.min_level == crate::score::Level::None,
            Outcome::Analyzed(a) => a.verdict.level >= self.min_level,
            _ => true,
        }
    }
}

/// NDJSON printer: streams.
pub struct NdjsonPrinter<W: Write> {
    out: W,
    filter: Filter,
}

impl<W: Write> NdjsonPrinter<W> {
    /// New printer over `out`.
    pub fn new(out: W, filter: Filter) -> Self {
        NdjsonPrinter { out, filter }
    }
}

impl<W: Write> Printer for NdjsonPrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        serde_json::to_writer(&mut self.out, &json::file_record(r))?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        #[derive(Serialize)]
        struct Rec<'a> {
            record: &'static str,
            tool: ToolInfo,
            summary: &'a crate::summary::SummaryJson,
        }
        serde_json::to_writer(
            &mut self.out,
            &Rec {
                record: "summary",
                tool: tool_info(),
                summary: &summary.to_json(),
            },
        )?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// JSON printer: one sorted document. Keeps the reported files in memory
/// (serialized), which is what a sorted document needs.
pub struct JsonPrinter<W: Write> {
    out: W,
    filter: Filter,
    settings: serde_json::Value,
    files: Vec<(Vec<u8>, Box<serde_json::value::RawValue>)>,
}

impl<W: Write> JsonPrinter<W> {
    /// New printer; `settings` is echoed in the document.
    pub fn new(out: W, filter: Filter, settings: serde_json::Value) -> Self {
        JsonPrinter {
            out,
            filter,
            settings,
            files: Vec::new(),
        }
    }
}

impl<W: Write> Printer for JsonPrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        use std::os::unix::ffi::OsStrExt;
        let raw = serde_json::value::to_raw_value(&json::file_record(r))?;
        self.files
            .push((r.path.as_os_str().as_bytes().to_vec(), raw));
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.files.sort_by(|a, b| a.0.cmp(&b.0));
        #[derive(Serialize)]
        struct Doc<'a> {
            tool: ToolInfo,
            settings: &'a serde_json::Value,
            summary: crate::summary::SummaryJson,
            files: Vec<&'a serde_json::value::RawValue>,
        }
        let doc = Doc {
            tool: tool_info(),
            settings: &self.settings,
            summary: summary.to_json(),
            files: self.files.iter().map(|(_, v)| v.as_ref()).collect(),
        };
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
