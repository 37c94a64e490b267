//! JSON printer: one document, `{"tool", "settings", "summary", "files",
//! "servers"}`, the files sorted by path, `servers` present when the config
//! stage read a server (each `{"server", "registrations", "findings"}`). Keeps the reported files in memory, already
//! serialized, which is what a sorted document needs.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::value::RawValue;

use super::record::{file_record, summary_record, tool_record, SummaryRecord, ToolRecord};
use super::{safe_json, Filter, Printer};
use crate::config::{FileSummary, ServerView};
use crate::model::FileReport;
use crate::platform::path_bytes;
use crate::summary::Summary;
use std::collections::HashMap;
use std::path::PathBuf;

/// The JSON document.
#[derive(Serialize)]
struct Document<'a> {
    tool: ToolRecord,
    settings: &'a serde_json::Value,
    summary: SummaryRecord,
    files: Vec<&'a RawValue>,
    #[serde(skip_serializing_if = "<[Box<RawValue>]>::is_empty")]
    servers: &'a [Box<RawValue>],
}

/// One server in the document.
#[derive(Serialize)]
struct ServerEntry<'a> {
    server: &'a super::server::ServerBody,
    registrations: &'a [super::server::RegistrationRecord],
    findings: Vec<&'a super::server::FindingRecord>,
}

/// JSON printer: one sorted document.
pub struct JsonPrinter<W: Write> {
    out: W,
    filter: Filter,
    settings: serde_json::Value,
    files: Vec<(Vec<u8>, Box<RawValue>)>,
    servers: Vec<Box<RawValue>>,
}

impl<W: Write> JsonPrinter<W> {
    /// New printer; `settings` is echoed in the document.
    pub fn new(out: W, filter: Filter, settings: serde_json::Value) -> Self {
        JsonPrinter {
            out,
            filter,
            settings,
            files: Vec::new(),
            servers: Vec::new(),
        }
    }
}

impl<W: Write> Printer for JsonPrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        let raw = safe_json::to_raw_value(&file_record(r))?;
        self.files
            .push((path_bytes(r.path.as_os_str()).into_owned(), raw));
        Ok(())
    }

    fn server(&mut self, v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> io::Result<()> {
        let recs = super::server::server_records(v, files);
        let entry = ServerEntry {
            server: &recs.server.server,
            registrations: &recs.registrations,
            findings: v
                .findings
                .iter()
                .zip(&recs.findings)
                .filter(|(f, _)| self.filter.keep_finding(f))
                .map(|(_, r)| r)
                .collect(),
        };
        self.servers.push(safe_json::to_raw_value(&entry)?);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.files.sort_by(|a, b| a.0.cmp(&b.0));
        let doc = Document {
            tool: tool_record(),
            settings: &self.settings,
            summary: summary_record(summary),
            files: self.files.iter().map(|(_, v)| v.as_ref()).collect(),
            servers: &self.servers,
        };
        safe_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
