//! NDJSON printer: one `file` record per line as each file completes
//! (completion order), then one `summary` record.

use std::io::{self, Write};

use serde::Serialize;

use super::record::{
    file_record, file_record_sharing, summary_record, tool_record, SharedParts, SummaryRecord,
    ToolRecord,
};
use super::{safe_json, Filter, Printer};
use crate::config::{FileSummary, ServerView};
use crate::model::{Analyzed, FileReport, Outcome};
use crate::summary::Summary;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Weak};

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
    shared: PartsCache,
}

impl<W: Write> NdjsonPrinter<W> {
    /// New printer over `out`.
    pub fn new(out: W, filter: Filter) -> Self {
        NdjsonPrinter {
            out,
            filter,
            shared: PartsCache::default(),
        }
    }
}

/// Most bytes of serialized parts the printer keeps.
const SHARED_PARTS_BUDGET: usize = 16 << 20;

/// The serialized large parts of analyses that several records share
/// (the dedupe cache hands one `Arc<Analyzed>` to every path with the
/// same content): a repeated content's record is then written from bytes
/// instead of being built and serialized again. Keyed by the analysis's
/// address; the `Weak` kept beside it holds that allocation, so the
/// address cannot be reused while the entry lives. First in, first out
/// within [`SHARED_PARTS_BUDGET`].
#[derive(Default)]
struct PartsCache {
    map: HashMap<usize, (Weak<Analyzed>, SharedParts)>,
    order: VecDeque<usize>,
    bytes: usize,
}

impl PartsCache {
    /// The shared parts of `a`, serialized now when not held yet. `None`
    /// when `a` is not shared (only this record holds it).
    fn of(&mut self, a: &Arc<Analyzed>) -> serde_json::Result<Option<&SharedParts>> {
        if Arc::strong_count(a) < 2 {
            return Ok(None);
        }
        let key = Arc::as_ptr(a) as usize;
        if !self.map.contains_key(&key) {
            let parts = SharedParts::of(a)?;
            self.bytes += parts.bytes();
            self.map.insert(key, (Arc::downgrade(a), parts));
            self.order.push_back(key);
            while self.bytes > SHARED_PARTS_BUDGET && self.order.len() > 1 {
                let old = self.order.pop_front().expect("not empty");
                if let Some((_, p)) = self.map.remove(&old) {
                    self.bytes -= p.bytes();
                }
            }
        }
        Ok(self.map.get(&key).map(|(_, p)| p))
    }
}

impl<W: Write> Printer for NdjsonPrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        let shared = match &r.outcome {
            Outcome::Analyzed(a) => self.shared.of(a)?,
            _ => None,
        };
        safe_json::to_writer(&mut self.out, &file_record_sharing(r, shared))?;
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

/// The NDJSON line (no newline) a sweep writes for `r`, whatever the
/// filter: for callers outside a sweep (the Python bindings), so that
/// their records are the printer's bytes, escapes included.
pub fn file_line(r: &FileReport) -> String {
    let mut out = Vec::with_capacity(4096);
    safe_json::to_writer(&mut out, &file_record(r)).expect("records always serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    /// A record written from the shared parts is byte for byte the one
    /// built from scratch, for a PE, a .NET assembly and a file with
    /// rule hits; an analysis only one record holds is not kept.
    #[test]
    fn shared_parts_write_the_same_bytes() {
        let rules = crate::rules::compile(&Default::default()).unwrap();
        let load = crate::load::LoadOptions {
            max_filesize: 64 << 20,
            mmap_threshold: u64::MAX,
            follow_symlinks: false,
        };
        let analyze = crate::analyze::AnalyzeOptions::default();
        let stages = crate::scan::Stages::new(&load, &analyze, Some(&rules));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic");
        let filter = Filter {
            report_all: true,
            min_level: Level::None,
        };
        for rel in [
            "native/x64/module.dll",
            "dotnet/ModuleAndHandler.dll",
            "families/iisraid_like.dll",
        ] {
            let first = crate::scan::process_path(root.join(rel), &stages);
            let Outcome::Analyzed(a) = &first.outcome else {
                panic!("{rel}: {:?}", first.outcome)
            };
            let mut copy = first.clone();
            copy.path = PathBuf::from("elsewhere").join(rel);
            copy.duplicate_of = Some(first.path.clone());
            assert!(Arc::strong_count(a) >= 2);
            let mut p = NdjsonPrinter::new(Vec::new(), filter);
            p.file(&first).unwrap();
            p.file(&copy).unwrap();
            assert_eq!(p.shared.map.len(), 1, "{rel}");
            let want = format!("{}\n{}\n", file_line(&first), file_line(&copy));
            assert_eq!(String::from_utf8(p.out).unwrap(), want, "{rel}");
            if rel.starts_with("families") {
                assert!(want.contains("\"reasons\":[{"), "{rel} has rule hits");
            }
        }
        // Held by one record only: written as built, nothing kept.
        let alone = crate::scan::process_path(root.join("native/x64/module.dll"), &stages);
        let mut p = NdjsonPrinter::new(Vec::new(), filter);
        p.file(&alone).unwrap();
        assert!(p.shared.map.is_empty());
        assert_eq!(String::from_utf8(p.out).unwrap(), file_line(&alone) + "\n");
    }
}
