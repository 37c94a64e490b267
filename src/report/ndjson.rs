//! NDJSON printer: one `file` record per line as each file completes
//! (completion order), then one `summary` record.

use std::io::{self, Write};

use serde::Serialize;

use super::record::{file_record, summary_record, tool_record, SummaryRecord, ToolRecord};
use super::{safe_json, Filter, Printer};
use crate::config::{FileSummary, ServerView};
use crate::model::FileReport;
use crate::summary::Summary;
use std::collections::HashMap;
use std::path::PathBuf;

/// The last line of an NDJSON stream.
#[derive(Serialize)]
struct SummaryLine {
    record: &'static str,
    tool: ToolRecord,
    summary: SummaryRecord,
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
        safe_json::to_writer(&mut self.out, &file_record(r))?;
        self.out.write_all(b"\n")
    }

    fn server(&mut self, v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> io::Result<()> {
        let recs = super::server::server_records(v, files);
        safe_json::to_writer(&mut self.out, &recs.server)?;
        self.out.write_all(b"\n")?;
        for r in &recs.registrations {
            safe_json::to_writer(&mut self.out, r)?;
            self.out.write_all(b"\n")?;
        }
        for (f, r) in v.findings.iter().zip(&recs.findings) {
            if self.filter.keep_finding(f) {
                safe_json::to_writer(&mut self.out, r)?;
                self.out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let line = SummaryLine {
            record: "summary",
            tool: tool_record(),
            summary: summary_record(summary),
        };
        safe_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
