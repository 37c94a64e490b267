//! JSON printer: one document, `{"tool", "settings", "summary", "files"}`,
//! the files sorted by path. Keeps the reported files in memory, already
//! serialized, which is what a sorted document needs.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::value::RawValue;

use super::record::{file_record, summary_record, tool_record, SummaryRecord, ToolRecord};
use super::{Filter, Printer};
use crate::model::FileReport;
use crate::platform::path_bytes;
use crate::summary::Summary;

/// The JSON document.
#[derive(Serialize)]
struct Document<'a> {
    tool: ToolRecord,
    settings: &'a serde_json::Value,
    summary: SummaryRecord,
    files: Vec<&'a RawValue>,
}

/// JSON printer: one sorted document.
pub struct JsonPrinter<W: Write> {
    out: W,
    filter: Filter,
    settings: serde_json::Value,
    files: Vec<(Vec<u8>, Box<RawValue>)>,
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
        let raw = serde_json::value::to_raw_value(&file_record(r))?;
        self.files
            .push((path_bytes(r.path.as_os_str()).into_owned(), raw));
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.files.sort_by(|a, b| a.0.cmp(&b.0));
        let doc = Document {
            tool: tool_record(),
            settings: &self.settings,
            summary: summary_record(summary),
            files: self.files.iter().map(|(_, v)| v.as_ref()).collect(),
        };
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
