//! `iisweep._native`: the Python bindings' extension module.
//!
//! One class, [`Scanner`], holds what a sweep fixes once (the compiled rule
//! pack and user rules, the install-trace pack, the load and analyze
//! options) and turns bytes or a file into the same `file` record the CLI's
//! NDJSON printer writes for a file with those bytes at that path. Records
//! cross into Python as that NDJSON line (a `str`); the package around this
//! module (`python/iisweep/__init__.py`) parses it with `json.loads`, so a
//! record's values are exactly the CLI's, with no second mapping to keep in
//! step with `report::record`.
//!
//! Error policy: bad options and rules that do not compile raise
//! `ValueError`, data that is not bytes-like raises `TypeError`; what goes
//! wrong with one file's content or reading becomes that file's record
//! (`status: "error"`), as in a sweep. The GIL is released while rules
//! compile and while a file is analysed; a `Scanner` is immutable, so any
//! number of threads may use one at once (YARA-X scanners are per thread
//! inside the library).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use iisweep::archive::{self, ArchiveOptions};
use iisweep::load::LoadOptions;
use iisweep::model::{FileReport, Outcome, SkipReason};
use iisweep::report::record::SCHEMA_VERSION;
use iisweep::rules::{self, traces, RuleOptions, RuleSet};
use iisweep::scan::{archive_reports, process_bytes, process_path, Stages};
use iisweep::AnalyzeOptions;

/// The CLI's `--max-filesize` default (64 MiB).
const DEFAULT_MAX_FILESIZE: u64 = iisweep::cli::args::DEFAULT_MAX_FILESIZE.0;

/// The record schema (JSON Schema), as the repository documents it.
const RECORD_SCHEMA: &str = include_str!("../../../docs/schema/iisweep.schema.json");

/// A compiled rule pack and the options of a sweep: analyses bytes or
/// files into `file` records. Build one per process and reuse it.
#[pyclass(frozen, module = "iisweep._native", name = "Scanner")]
struct Scanner {
    rules: Option<RuleSet>,
    traces: Option<RuleSet>,
    load: LoadOptions,
    analyze: AnalyzeOptions,
    default_rules: bool,
    rule_paths: Vec<PathBuf>,
    /// How `scan_json` opens archives (`None`: it does not).
    archives: Option<ArchiveOptions>,
}

/// Bytes handed over from Python: borrowed from an immutable `bytes`
/// object, or copied (a `bytearray` may change while the GIL is released).
enum Data<'py> {
    Bytes(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl Data<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b.as_bytes(),
            Data::Owned(v) => v,
        }
    }
}

/// `bytes` as is; `bytearray`, `memoryview` and any other buffer copied.
fn data_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Data<'py>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Data::Bytes(b.clone()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Data::Owned(b.to_vec()));
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "data must be bytes-like (bytes, bytearray, memoryview), not str",
        ));
    }
    // memoryview() accepts exactly the objects with the buffer protocol
    // (bytes(5) would make five zero bytes out of an int).
    let view = obj
        .py()
        .import("builtins")?
        .getattr("memoryview")?
        .call1((obj,))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "data must be bytes-like (bytes, bytearray, memoryview), not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "?".into())
            ))
        })?;
    let bytes = view.call_method0("tobytes")?.cast_into::<PyBytes>()?;
    Ok(Data::Bytes(bytes))
}

impl Scanner {
    fn stages(&self) -> Stages<'_> {
        Stages::new(&self.load, &self.analyze, self.rules.as_ref())
    }

    /// What `scan::process_bytes` gives, plus what the sweep adds around
    /// it: the modification time of a file that is read (an `MZ` file
    /// under the size cap; others carry none in a sweep either), and the
    /// install traces of a script or shell history.
    fn report_of_bytes(&self, path: PathBuf, data: &[u8], mtime: Option<i64>) -> FileReport {
        let mut r = process_bytes(path, data, &self.stages());
        if data.starts_with(b"MZ") && data.len() as u64 <= self.load.max_filesize {
            r.mtime = mtime;
        } else if matches!(r.outcome, Outcome::NotPe) {
            let head = &data[..data.len().min(traces::MAX_TRACE_BYTES as usize)];
            self.add_traces(&mut r, |set| traces::scan_bytes(set, head));
        }
        r
    }

    /// The install traces of a file the trace layer reads (the sweep's
    /// `trace_report`): none elsewhere or without the trace pack.
    fn add_traces(
        &self,
        r: &mut FileReport,
        scan: impl FnOnce(&RuleSet) -> Result<Vec<iisweep::model::Trace>, String>,
    ) {
        let Some(set) = &self.traces else { return };
        if !traces::is_target(&r.path) {
            return;
        }
        match scan(set) {
            Ok(t) => r.traces = t,
            Err(e) => r.outcome = Outcome::Error(format!("reading for install traces: {e}")),
        }
    }
}

/// The path a record carries: the one given, or empty.
fn path_or_empty(path: Option<PathBuf>) -> PathBuf {
    path.unwrap_or_default()
}

#[pymethods]
impl Scanner {
    /// Compile the rules once. See `iisweep.Scanner` for the arguments.
    #[new]
    #[pyo3(signature = (
        rules = Vec::new(),
        *,
        default_rules = true,
        traces = true,
        max_filesize = DEFAULT_MAX_FILESIZE,
        rule_timeout = rules::DEFAULT_TIMEOUT_SECS,
        max_matches_per_pattern = rules::DEFAULT_MAX_MATCHES_PER_PATTERN,
        rule_gating = true,
        gate_user_rules = false,
        trust_roots = Vec::new(),
        entropy_all = false,
        dotnet = true,
        il = true,
        authenticode = true,
        archives = true,
        archive_passwords = Vec::new(),
        archive_depth = archive::DEFAULT_DEPTH,
        archive_max_total = archive::DEFAULT_MAX_TOTAL,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rules: Vec<PathBuf>,
        default_rules: bool,
        traces: bool,
        max_filesize: u64,
        rule_timeout: u64,
        max_matches_per_pattern: usize,
        rule_gating: bool,
        gate_user_rules: bool,
        trust_roots: Vec<PathBuf>,
        entropy_all: bool,
        dotnet: bool,
        il: bool,
        authenticode: bool,
        archives: bool,
        archive_passwords: Vec<String>,
        archive_depth: u32,
        archive_max_total: u64,
    ) -> PyResult<Self> {
        if rule_timeout == 0 {
            return Err(PyValueError::new_err(
                "rule_timeout must be at least 1 second",
            ));
        }
        // The CLI's RuleArgs::options, field for field.
        let opts = RuleOptions {
            default_pack: default_rules,
            extra: rules.clone(),
            timeout: Duration::from_secs(rule_timeout),
            max_matches_per_pattern: max_matches_per_pattern.max(1),
            gating: rule_gating,
            gate_user_rules,
        };
        let (compiled, trace_set, roots) = py.detach(|| {
            let compiled = if !default_rules && rules.is_empty() {
                Ok(None)
            } else {
                rules::compile(&opts).map(Some)
            };
            // As the CLI: no trace layer without the embedded pack.
            let trace_set = if traces && default_rules {
                rules::compile_traces(&opts).map(Some)
            } else {
                Ok(None)
            };
            let roots = if trust_roots.is_empty() {
                Ok(Vec::new())
            } else {
                iisweep::authenticode::load_roots(&trust_roots)
            };
            (compiled, trace_set, roots)
        });
        let compiled = compiled.map_err(|e| PyValueError::new_err(format!("rules: {e}")))?;
        let trace_set =
            trace_set.map_err(|e| PyValueError::new_err(format!("trace rules: {e}")))?;
        let roots = roots.map_err(|e| PyValueError::new_err(format!("trust_roots: {e}")))?;
        Ok(Scanner {
            rules: compiled,
            traces: trace_set,
            load: LoadOptions {
                max_filesize,
                mmap_threshold: u64::MAX,
                follow_symlinks: false,
            },
            analyze: AnalyzeOptions {
                entropy_all,
                no_dotnet: !dotnet,
                no_il: !il,
                no_authenticode: !authenticode,
                trust_roots: Arc::from(roots),
                ..Default::default()
            },
            default_rules,
            rule_paths: rules,
            // The CLI's archive settings, field for field.
            archives: archives.then(|| ArchiveOptions {
                passwords: std::iter::once("infected".to_string())
                    .chain(archive_passwords)
                    .map(String::into_bytes)
                    .collect(),
                max_depth: archive_depth.max(1),
                max_entry: max_filesize,
                max_total: archive_max_total,
            }),
        })
    }

    /// The `file` record of `data` at `path`, as one NDJSON line (no
    /// newline): byte for byte what `iisweep scan --format ndjson` writes
    /// for a file with these bytes at this path and modification time.
    #[pyo3(signature = (data, path = None, *, mtime = None))]
    fn analyze_json(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        path: Option<PathBuf>,
        mtime: Option<i64>,
    ) -> PyResult<String> {
        let data = data_of(data)?;
        let bytes = data.as_slice();
        let path = path_or_empty(path);
        Ok(py.detach(|| json_line(&self.report_of_bytes(path, bytes, mtime))))
    }

    /// The records a sweep writes for a file with these bytes at `path`:
    /// one record per entry when it is an archive a sweep opens (ZIP,
    /// gzip, tar; judged by its first four bytes and, for tar, its name,
    /// as the sweep's probe does), in archive order, ending with an error
    /// record on the archive when it cannot be read; otherwise the one
    /// record of `analyze_json`. Entries are expanded in memory only.
    #[pyo3(signature = (data, path = None, *, mtime = None))]
    fn scan_json(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        path: Option<PathBuf>,
        mtime: Option<i64>,
    ) -> PyResult<Vec<String>> {
        let data = data_of(data)?;
        let bytes = data.as_slice();
        let path = path_or_empty(path);
        Ok(py.detach(|| {
            let kind = self
                .archives
                .as_ref()
                .and_then(|opts| archive::probe_kind(bytes, &path).map(|k| (opts, k)));
            let Some((opts, kind)) = kind else {
                return vec![json_line(&self.report_of_bytes(path, bytes, mtime))];
            };
            let mut lines = Vec::new();
            archive_reports(
                &path,
                std::io::Cursor::new(bytes),
                kind,
                opts,
                &self.stages(),
                None,
                &mut |r| {
                    lines.push(json_line(&r));
                    true
                },
            );
            lines
        }))
    }

    /// The record of a file of `size` bytes of which only the first bytes,
    /// `head`, are at hand: for files over `max_filesize`, which a sweep
    /// reports (an `MZ` file is skipped as too large) without reading them.
    /// `head` must hold the whole file when it is not over the cap, and
    /// its first `min(size, TRACE_HEAD_BYTES)` bytes when the trace layer
    /// reads the file (a script or shell history).
    #[pyo3(signature = (head, size, path = None, *, mtime = None))]
    fn analyze_head_json(
        &self,
        py: Python<'_>,
        head: &Bound<'_, PyAny>,
        size: u64,
        path: Option<PathBuf>,
        mtime: Option<i64>,
    ) -> PyResult<String> {
        let data = data_of(head)?;
        let head = data.as_slice();
        let path = path_or_empty(path);
        let have = head.len() as u64;
        if have > size {
            return Err(PyValueError::new_err(format!(
                "head holds {have} bytes, more than size ({size})"
            )));
        }
        if have == size {
            return Ok(py.detach(|| json_line(&self.report_of_bytes(path, head, mtime))));
        }
        if size <= self.load.max_filesize && head.starts_with(b"MZ") {
            return Err(PyValueError::new_err(format!(
                "an MZ file of {size} bytes is analysed whole (max_filesize is {}): pass all its bytes",
                self.load.max_filesize
            )));
        }
        let trace_need = size.min(traces::MAX_TRACE_BYTES);
        if self.traces.is_some() && traces::is_target(&path) && have < trace_need {
            return Err(PyValueError::new_err(format!(
                "{} is read for install traces: head must hold its first {trace_need} bytes, not {have}",
                path.display()
            )));
        }
        Ok(py.detach(|| {
            let r = if head.starts_with(b"MZ") {
                // The sweep's probe report of a file over the cap.
                let mut r = FileReport::new(
                    path,
                    Outcome::Skipped(
                        SkipReason::TooLarge,
                        format!(
                            "{size} bytes is over --max-filesize ({} bytes)",
                            self.load.max_filesize
                        ),
                    ),
                );
                r.size = Some(size);
                r
            } else {
                let mut r = FileReport::new(path, Outcome::NotPe);
                r.size = Some(size);
                let head = &head[..trace_need.min(have) as usize];
                self.add_traces(&mut r, |set| traces::scan_bytes(set, head));
                r
            };
            json_line(&r)
        }))
    }

    /// The record of the file at `path`, read as a sweep reads it (never
    /// blocking on a special file; a symlink is not followed unless asked).
    #[pyo3(signature = (path, *, follow_symlinks = false))]
    fn analyze_file_json(
        &self,
        py: Python<'_>,
        path: PathBuf,
        follow_symlinks: bool,
    ) -> PyResult<String> {
        Ok(py.detach(|| {
            let load = LoadOptions {
                follow_symlinks,
                ..self.load
            };
            let stages = Stages::new(&load, &self.analyze, self.rules.as_ref());
            let mut r = process_path(path, &stages);
            if matches!(r.outcome, Outcome::NotPe) {
                let p = r.path.clone();
                self.add_traces(&mut r, |set| traces::scan_path(set, &p, follow_symlinks));
            }
            json_line(&r)
        }))
    }

    /// Rules compiled (the pack and user rules; 0 without any).
    #[getter]
    fn rule_count(&self) -> usize {
        self.rules.as_ref().map_or(0, |r| r.len())
    }

    /// `namespace:name` of every compiled rule, in compile order.
    #[getter]
    fn rule_names(&self) -> Vec<String> {
        self.rules
            .iter()
            .flat_map(|r| r.info.iter())
            .map(|ri| format!("{}:{}", ri.namespace, ri.name))
            .collect()
    }

    /// Whether the embedded pack is compiled in.
    #[getter]
    fn default_rules(&self) -> bool {
        self.default_rules
    }

    /// The user rule paths given.
    #[getter]
    fn rule_paths(&self) -> Vec<PathBuf> {
        self.rule_paths.clone()
    }

    /// Whether scripts and shell history are scanned for install traces.
    #[getter]
    fn traces(&self) -> bool {
        self.traces.is_some()
    }

    /// MZ files larger than this are reported as skipped, not analysed.
    #[getter]
    fn max_filesize(&self) -> u64 {
        self.load.max_filesize
    }

    /// Compiler warnings (`file:line: message`).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.rules
            .iter()
            .flat_map(|r| r.warnings.iter().cloned())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Scanner(rules={:?}, default_rules={}, traces={}, max_filesize={}, rule_count={})",
            self.rule_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
            if self.default_rules { "True" } else { "False" },
            if self.traces.is_some() {
                "True"
            } else {
                "False"
            },
            self.load.max_filesize,
            self.rule_count()
        )
    }
}

/// A report as the NDJSON printer writes it (the library's own function,
/// so the printer's escapes are not copied here).
fn json_line(r: &FileReport) -> String {
    iisweep::report::ndjson::file_line(r)
}

/// Whether a sweep opens a file starting with `head` (its first four
/// bytes are enough) at `path` as an archive: ZIP or gzip by magic, tar by
/// a `.tar` name; never an `MZ` file (the sweep's probe, `archive::probe_kind`).
#[pyfunction]
#[pyo3(signature = (head, path = None))]
fn is_archive(head: &Bound<'_, PyAny>, path: Option<PathBuf>) -> PyResult<bool> {
    let head = data_of(head)?;
    Ok(archive::probe_kind(head.as_slice(), &path_or_empty(path)).is_some())
}

/// Whether the trace layer reads a file with this name (`*.ps1`, `*.psm1`,
/// `*.bat`, `*.cmd`, `ConsoleHost_history.txt`).
#[pyfunction]
fn is_trace_target(path: PathBuf) -> bool {
    traces::is_target(Path::new(&path))
}

/// The record of a file that could not be read: `status: "error"` with
/// `message`, as a sweep writes it.
#[pyfunction]
#[pyo3(signature = (path, message))]
fn error_record_json(path: PathBuf, message: String) -> String {
    json_line(&FileReport::new(path, Outcome::Error(message)))
}

/// The record schema (JSON Schema 2020-12) as text.
#[pyfunction]
fn record_schema_json() -> &'static str {
    RECORD_SCHEMA
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scanner>()?;
    m.add_function(wrap_pyfunction!(is_archive, m)?)?;
    m.add_function(wrap_pyfunction!(is_trace_target, m)?)?;
    m.add_function(wrap_pyfunction!(record_schema_json, m)?)?;
    m.add_function(wrap_pyfunction!(error_record_json, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", SCHEMA_VERSION)?;
    m.add("DEFAULT_MAX_FILESIZE", DEFAULT_MAX_FILESIZE)?;
    m.add("TRACE_HEAD_BYTES", traces::MAX_TRACE_BYTES)?;
    Ok(())
}
