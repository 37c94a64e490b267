//! The output contract: every record iisweep writes validates against the
//! committed JSON Schema (`docs/schema/iisweep.schema.json`), the schema
//! describes and closes every object (so a new field cannot slip out
//! undocumented), README.md names every field, and golden snapshots of the
//! NDJSON record and the `inspect` text of a few samples stay as blessed.
//!
//! Re-bless the snapshots after an intended change with
//! `IISWEEP_BLESS=1 cargo test --release contract` and review the diff
//! (`git diff tests/golden`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, iisweep, samples_root};

const SCHEMA_ID: &str = "https://iisweep.invalid/schema/iisweep.schema.json";

fn schema_json() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema/iisweep.schema.json");
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The compiled schema and the index of `#/$defs/<def>` (or the root).
pub(crate) struct Schema {
    schemas: boon::Schemas,
    root: boon::SchemaIndex,
}

impl Schema {
    pub(crate) fn load() -> Schema {
        let mut schemas = boon::Schemas::new();
        let mut c = boon::Compiler::new();
        c.add_resource(SCHEMA_ID, schema_json()).unwrap();
        let root = c.compile(SCHEMA_ID, &mut schemas).unwrap();
        Schema { schemas, root }
    }

    /// Problems of `v` against the schema (empty when it validates).
    pub(crate) fn check(&self, v: &Value) -> Option<String> {
        self.schemas
            .validate(v, self.root)
            .err()
            .map(|e| format!("{e:#}"))
    }
}

/// Validates every NDJSON line of `out`; returns the number of records.
pub(crate) fn validate_lines(schema: &Schema, what: &str, out: &std::process::Output) -> usize {
    let records = common::ndjson(&out.stdout);
    let mut failures = Vec::new();
    for r in &records {
        if let Some(e) = schema.check(r) {
            failures.push(format!(
                "{what}: {}: {}",
                r["file"]["path"],
                e.chars().take(600).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    records.len()
}

#[test]
fn every_sample_record_matches_the_schema() {
    let schema = Schema::load();
    let root = samples_root();
    let out = iisweep([
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        "--report-all".as_ref(),
        root.as_os_str(),
    ]);
    let n = validate_lines(&schema, "samples", &out);
    assert!(n > 300, "{n} records");
    // The document format, and inspect --json.
    let native = root.join("native");
    let out = iisweep([
        "scan".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        native.as_os_str(),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema.check(&doc), None);
    for f in [
        "dotnet/ModuleAndHandler.dll",
        "signed/nested.dll",
        "native/mz_not_pe.bin",
    ] {
        let out = iisweep([
            "inspect".as_ref(),
            "--json".as_ref(),
            root.join(f).as_os_str(),
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(schema.check(&v), None, "{f}");
    }
}

/// Skip and error records, from a small tree with one of each.
#[test]
fn skip_and_error_records_match_the_schema() {
    let schema = Schema::load();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        samples_root().join("native/x64/module.dll"),
        d.join("big.dll"),
    )
    .unwrap();
    std::fs::write(d.join("excluded.dll"), b"MZ").unwrap();
    std::os::unix::fs::symlink("big.dll", d.join("link.dll")).unwrap();
    let fifo = std::ffi::CString::new(d.join("pipe.dll").as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let out = iisweep([
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        "--max-filesize".as_ref(),
        "1K".as_ref(),
        "--exclude".as_ref(),
        "excluded.dll".as_ref(),
        d.as_os_str(),
        "/nonexistent/iisweep".as_ref(),
    ]);
    validate_lines(&schema, "hostile tree", &out);
    let statuses: Vec<String> = common::file_records(&out)
        .iter()
        .map(|r| format!("{}/{}", r["iisweep"]["status"], r["iisweep"]["skip_reason"]))
        .collect();
    for want in [
        "\"skipped\"/\"too_large\"",
        "\"skipped\"/\"excluded\"",
        "\"skipped\"/\"symlink\"",
        "\"skipped\"/\"special_file\"",
        "\"error\"/null",
    ] {
        assert!(statuses.iter().any(|s| s == want), "{want} in {statuses:?}");
    }
}

/// corkami's corpus of odd PE files gives the oddest records there are.
#[test]
fn corkami_records_match_the_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/corkami-pe");
    if !common::prerequisite(
        dir.is_dir(),
        "the corkami corpus at ../shared/corpora/corkami-pe",
    ) {
        return;
    }
    let schema = Schema::load();
    let out = iisweep([
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        "--report-all".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(validate_lines(&schema, "corkami", &out) > 200);
}

/// Every object in the schema lists its properties with a description and
/// refuses others; every `$ref` points at a described definition.
#[test]
fn the_schema_describes_and_closes_every_object() {
    let s = schema_json();
    let defs = s["$defs"].as_object().unwrap().clone();
    let mut problems = Vec::new();
    walk(&s, "#", &defs, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn described(v: &Value, defs: &serde_json::Map<String, Value>) -> bool {
    if v.get("description").is_some() {
        return true;
    }
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|d| defs.get(d))
        .is_some_and(|d| d.get("description").is_some())
}

fn walk(v: &Value, at: &str, defs: &serde_json::Map<String, Value>, problems: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(props) = o.get("properties").and_then(Value::as_object) {
                if o.get("additionalProperties") != Some(&Value::Bool(false)) {
                    problems.push(format!("{at}: object without additionalProperties: false"));
                }
                for (k, p) in props {
                    if !described(p, defs) {
                        problems.push(format!("{at}/properties/{k}: no description"));
                    }
                }
            }
            for (k, x) in o {
                walk(x, &format!("{at}/{k}"), defs, problems);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{at}/{i}"), defs, problems);
            }
        }
        _ => {}
    }
}

/// README.md names every property the schema defines (as a word inside
/// a code span: `` `file.pe.imphash` ``, `` `sections[{name, ...}]` ``).
#[test]
fn the_readme_documents_every_field() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let documented: std::collections::BTreeSet<&str> = readme
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|span| span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .collect();
    let mut names = std::collections::BTreeSet::new();
    collect_names(&schema_json(), &mut names);
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !documented.contains(n.as_str()))
        .collect();
    assert!(missing.is_empty(), "README.md does not name: {missing:?}");
}

fn collect_names(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            if let Some(props) = o.get("properties").and_then(Value::as_object) {
                out.extend(props.keys().cloned());
            }
            o.values().for_each(|x| collect_names(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_names(x, out)),
        _ => {}
    }
}

/// Samples with a golden snapshot: every role, .NET, signed and malformed
/// files, a family, a near miss and an MZ file that is not a PE.
const GOLDEN: &[&str] = &[
    "native/x64/module.dll",
    "native/x64/isapi_ext.dll",
    "native/x86/isapi_filter.dll",
    "native/x64/proxy.dll",
    "native/x86/decorated_ext.dll",
    "native/x64/rich.dll",
    "native/mz_not_pe.bin",
    "dotnet/ModuleAndHandler.dll",
    "dotnet/BackdoorTraits.dll",
    "signed/nested.dll",
    "signed/tampered.dll",
    "families/iisraid_like.dll",
    "malformed/export_name_newline_esc_x64_module.dll",
    "malformed/number_of_rva_and_sizes_huge_x64_module.dll",
];

/// Mock images with a golden snapshot of their server records (server,
/// registrations, findings) and the traces of their file records.
const GOLDEN_SERVERS: &[&str] = &["iis-images/tampered", "iis-images/managed"];

/// The server snapshot of an image: its `server`, `registration` and
/// `finding` records, then each file's path with its traces, one JSON
/// value per line (run from `samples-synthetic/`, so paths are relative).
fn server_snapshot(image: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iisweep"))
        .args(["scan", "-q", "--format", "ndjson", image])
        .current_dir(samples_root())
        .output()
        .unwrap();
    let recs = common::ndjson(&out.stdout);
    let mut lines: Vec<String> = recs
        .iter()
        .filter(|r| {
            matches!(
                r["record"].as_str(),
                Some("server" | "registration" | "finding")
            )
        })
        .map(|r| r.to_string())
        .collect();
    let mut traces: Vec<String> = recs
        .iter()
        .filter(|r| r["iisweep"]["traces"].is_array())
        .map(|r| {
            serde_json::json!({"path": r["file"]["path"], "traces": r["iisweep"]["traces"]})
                .to_string()
        })
        .collect();
    traces.sort();
    lines.extend(traces);
    lines.join("\n") + "\n"
}

#[test]
fn golden_server_snapshots() {
    let bless = std::env::var_os("IISWEEP_BLESS").is_some();
    let mut failures = Vec::new();
    for image in GOLDEN_SERVERS {
        let got = server_snapshot(image);
        let path = golden_dir().join(format!("{}.server.ndjson", golden_name(image)));
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        compare_golden(&path, &got, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{}\nre-bless with IISWEEP_BLESS=1 if the change is intended",
        failures.join("\n")
    );
}

/// Compares `got` with the snapshot at `path`, recording a difference.
fn compare_golden(path: &Path, got: &str, failures: &mut Vec<String>) {
    match std::fs::read_to_string(path) {
        Ok(want) if want == got => {}
        Ok(want) => {
            let first = want.lines().zip(got.lines()).find(|(a, b)| a != b);
            failures.push(format!(
                "{}: differs from the snapshot (first differing line: {:?} vs {:?})",
                path.display(),
                first.map(|x| x.0),
                first.map(|x| x.1),
            ))
        }
        Err(e) => failures.push(format!("{}: {e}", path.display())),
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The snapshot name of a sample: its path with `/` as `__`.
fn golden_name(sample: &str) -> String {
    sample.replace('/', "__")
}

/// Runs iisweep from `samples-synthetic/` so the paths are relative, and
/// drops `file.mtime` (a checkout's, not the sample's).
fn snapshot(sample: &str) -> (String, String) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_iisweep"))
            .args(args)
            .current_dir(samples_root())
            .output()
            .unwrap();
        out.stdout
    };
    let mut rec = common::ndjson(&run(&[
        "scan",
        "--format",
        "ndjson",
        "--report-all",
        sample,
    ]))
    .into_iter()
    .find(|r| r["record"] == "file")
    .unwrap();
    rec["file"].as_object_mut().unwrap().remove("mtime");
    let json = serde_json::to_string_pretty(&rec).unwrap() + "\n";
    let inspect = String::from_utf8(run(&["inspect", sample])).unwrap();
    (json, inspect)
}

#[test]
fn golden_snapshots() {
    let bless = std::env::var_os("IISWEEP_BLESS").is_some();
    let dir = golden_dir();
    let mut failures = Vec::new();
    for sample in GOLDEN {
        let (json, inspect) = snapshot(sample);
        for (ext, got) in [("json", json), ("inspect", inspect)] {
            let path = dir.join(format!("{}.{ext}", golden_name(sample)));
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            compare_golden(&path, &got, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nre-bless with IISWEEP_BLESS=1 if the change is intended",
        failures.join("\n")
    );
    // Every snapshot belongs to a listed sample.
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.rsplit_once('.').map_or(name.as_str(), |x| x.0);
        let server = name
            .strip_suffix(".server.ndjson")
            .is_some_and(|n| GOLDEN_SERVERS.iter().any(|s| golden_name(s) == n));
        assert!(
            server || GOLDEN.iter().any(|s| golden_name(s) == stem),
            "tests/golden/{name} belongs to no sample in GOLDEN"
        );
    }
}
