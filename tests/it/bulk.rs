//! Bulk triage: `--format sarif` against the OASIS SARIF 2.1.0 schema, the
//! dedupe cache, `--shard K/N` and `--skip-done`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, iisweep, samples_root};

/// Fetched by `tests/sarif/fetch_schema.sh` (not committed).
const SARIF_SCHEMA: &str = "/tmp/iisweep-sarif-schema/sarif-schema-2.1.0.json";

fn sarif_of(args: &[&OsStr]) -> Value {
    let mut a: Vec<&OsStr> = ["scan", "-q", "--format", "sarif"].map(OsStr::new).to_vec();
    a.extend_from_slice(args);
    let out = iisweep(a);
    assert!(out.status.code().is_some_and(|c| c != 2), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("SARIF is one JSON document")
}

fn ndjson_of(args: &[&OsStr]) -> Vec<Value> {
    let mut a: Vec<&OsStr> = ["scan", "-q", "--format", "ndjson"]
        .map(OsStr::new)
        .to_vec();
    a.extend_from_slice(args);
    let out = iisweep(a);
    assert!(out.status.code().is_some_and(|c| c != 2), "{out:?}");
    common::ndjson(&out.stdout)
}

/// File records by path, without the fields that depend on which of two
/// equal files a worker finished first.
fn by_path(records: &[Value]) -> BTreeMap<String, Value> {
    records
        .iter()
        .filter(|r| r["record"] == "file")
        .map(|r| {
            let mut r = r.clone();
            r["iisweep"].as_object_mut().unwrap().remove("duplicate_of");
            (r["file"]["path"].as_str().unwrap().to_string(), r)
        })
        .collect()
}

fn summary(records: &[Value]) -> &Value {
    &records.last().unwrap()["summary"]
}

#[test]
fn sarif_validates_and_says_what_ndjson_says() {
    let schema_path = Path::new(SARIF_SCHEMA);
    if !common::prerequisite(
        schema_path.is_file(),
        "the SARIF 2.1.0 schema (bash tests/sarif/fetch_schema.sh)",
    ) {
        return;
    }
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut c = boon::Compiler::new();
    c.add_resource("urn:sarif-2.1.0", schema).unwrap();
    let idx = c.compile("urn:sarif-2.1.0", &mut schemas).unwrap();
    let root = samples_root();
    let tampered = root.join("iis-images/tampered");
    for dir in [root.clone(), tampered.clone()] {
        let log = sarif_of(&[dir.as_os_str()]);
        if let Err(e) = schemas.validate(&log, idx) {
            panic!("{}: SARIF does not validate: {e:#}", dir.display());
        }
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty());
        // Every result's rule is listed, at its index.
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"], "{r}");
        }
        // The same files and levels as the NDJSON verdicts (info and up).
        let nd = ndjson_of(&[dir.as_os_str()]);
        let want: BTreeMap<String, String> = nd
            .iter()
            .filter(|r| r["record"] == "file")
            .filter_map(|r| {
                let level = r["iisweep"]["verdict"]["level"].as_str()?;
                (level != "none").then(|| {
                    let sarif = match level {
                        "alert" => "error",
                        "warning" => "warning",
                        _ => "note",
                    };
                    (
                        r["file"]["path"].as_str().unwrap().to_string(),
                        sarif.to_string(),
                    )
                })
            })
            .collect();
        let got: BTreeMap<String, String> = results
            .iter()
            .filter(|r| {
                let id = r["ruleId"].as_str().unwrap();
                !id.starts_with("config.") && !id.starts_with("trace_")
            })
            .map(|r| {
                let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap();
                // Absolute sample paths: file:// URIs of plain ASCII.
                let path = uri.strip_prefix("file://").unwrap_or(uri);
                (path.to_string(), r["level"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(got, want, "{}", dir.display());
    }
    // The pack's metadata: ATT&CK tags, a help text from the reference.
    let log = sarif_of(&[root.join("families").as_os_str()]);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let unsigned = rules
        .iter()
        .find(|r| r["id"] == "heur_unsigned_component")
        .expect("pack rule listed");
    let tags: Vec<&str> = unsigned["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"attack.t1505.004"), "{tags:?}");
    assert!(unsigned["help"]["text"]
        .as_str()
        .unwrap()
        .contains("CSS-Exchange"));
    assert!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["level"] == "error"));
    // Configuration findings and install traces, at their lines.
    let log = sarif_of(&[tampered.as_os_str()]);
    let results = log["runs"][0]["results"].as_array().unwrap().clone();
    let config: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"].as_str().unwrap().starts_with("config."))
        .collect();
    assert!(!config.is_empty());
    for r in &config {
        let loc = &r["locations"][0];
        assert!(loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
            .ends_with(".config"));
        assert!(loc["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .starts_with("/configuration"));
    }
    let trace = results
        .iter()
        .find(|r| r["ruleId"] == "trace_new_webglobalmodule")
        .expect("a New-WebGlobalModule trace");
    assert!(trace["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
    // --min-level drops results below it.
    let log = sarif_of(&["--min-level".as_ref(), "alert".as_ref(), root.as_os_str()]);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["level"] == "error"), "{results:?}");
}

/// A tree of copies: every copy gets its record, sharing the first one's
/// analysis, with the same record as without the cache.
#[test]
fn dedupe_shares_the_analysis_and_keeps_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let src = samples_root().join("native/x64");
    let mut copies = 0;
    for host in ["h1", "h2", "h3"] {
        let d = dir.path().join(host);
        std::fs::create_dir(&d).unwrap();
        for f in std::fs::read_dir(&src).unwrap().flatten() {
            if f.path().extension().is_some_and(|e| e == "dll") {
                std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
                copies += 1;
            }
        }
    }
    // The same bytes under a name a heuristic rule reads: judged apart.
    std::fs::copy(
        src.join("module.dll"),
        dir.path().join("h1/isapicache_.dll"),
    )
    .unwrap();
    let on = ndjson_of(&["-j".as_ref(), "2".as_ref(), dir.path().as_os_str()]);
    let off = ndjson_of(&["--no-dedupe".as_ref(), dir.path().as_os_str()]);
    assert_eq!(by_path(&on), by_path(&off));
    // Byte for byte too (records of repeated contents are written from
    // the printer's serialized shared parts): only duplicate_of differs.
    let lines = |args: &[&OsStr]| -> BTreeMap<String, String> {
        let mut a: Vec<&OsStr> = ["scan", "-q", "--format", "ndjson"]
            .map(OsStr::new)
            .to_vec();
        a.extend_from_slice(args);
        String::from_utf8(iisweep(a).stdout)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(r#"{"record":"file""#))
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let path = v["file"]["path"].as_str().unwrap().to_string();
                let line = match v["iisweep"]["duplicate_of"].as_str() {
                    Some(first) => {
                        let field = format!(",\"duplicate_of\":{}", Value::from(first));
                        assert!(l.contains(&field), "{l}");
                        l.replacen(&field, "", 1)
                    }
                    None => l.to_string(),
                };
                (path, line)
            })
            .collect()
    };
    let on_lines = lines(&["-j".as_ref(), "2".as_ref(), dir.path().as_os_str()]);
    assert_eq!(
        on_lines,
        lines(&["--no-dedupe".as_ref(), dir.path().as_os_str()])
    );
    assert!(off
        .iter()
        .all(|r| r["iisweep"].get("duplicate_of").is_none()));
    let files: Vec<&Value> = on.iter().filter(|r| r["record"] == "file").collect();
    assert_eq!(files.len(), copies + 1);
    let sha_of: BTreeMap<&str, &str> = files
        .iter()
        .map(|r| {
            (
                r["file"]["path"].as_str().unwrap(),
                r["file"]["hash"]["sha256"].as_str().unwrap(),
            )
        })
        .collect();
    let dups: Vec<&&Value> = files
        .iter()
        .filter(|r| r["iisweep"].get("duplicate_of").is_some())
        .collect();
    // Two workers may both analyse a content they meet at once, so at
    // least the copies beyond the first and at most all but one share.
    let distinct: BTreeSet<&str> = sha_of.values().copied().collect();
    assert!(dups.len() <= files.len() - distinct.len());
    assert!(
        dups.len() >= (files.len() - distinct.len()) / 2,
        "{}",
        dups.len()
    );
    for d in &dups {
        let first = d["iisweep"]["duplicate_of"].as_str().unwrap();
        assert_ne!(first, d["file"]["path"].as_str().unwrap());
        assert_eq!(sha_of[first], d["file"]["hash"]["sha256"].as_str().unwrap());
    }
    let s = summary(&on);
    assert_eq!(s["duplicates"].as_u64().unwrap(), dups.len() as u64);
    assert_eq!(
        s["distinct_contents"].as_u64().unwrap(),
        (files.len() - dups.len()) as u64
    );
    assert_eq!(summary(&off)["duplicates"], 0);
    // The renamed copy is judged under its own name.
    let renamed = by_path(&on)
        .into_iter()
        .find(|(p, _)| p.ends_with("isapicache_.dll"))
        .unwrap()
        .1;
    let rules: Vec<&str> = renamed["iisweep"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    let original = by_path(&on)
        .into_iter()
        .find(|(p, _)| p.ends_with("h2/module.dll"))
        .unwrap()
        .1;
    assert_ne!(
        renamed["iisweep"]["reasons"], original["iisweep"]["reasons"],
        "{rules:?}"
    );
}

#[test]
fn shards_partition_the_full_sweep() {
    let root = samples_root();
    let full = by_path(&ndjson_of(&[root.as_os_str()]));
    assert!(full.len() > 100);
    let n = 3;
    let mut union: BTreeMap<String, Value> = BTreeMap::new();
    let mut left = 0;
    for k in 1..=n {
        let shard = format!("{k}/{n}");
        let part = ndjson_of(&["--shard".as_ref(), shard.as_ref(), root.as_os_str()]);
        let s = summary(&part);
        left += s["left_out"]["other_shard"].as_u64().unwrap_or(0);
        let recs = by_path(&part);
        assert!(!recs.is_empty() && recs.len() < full.len(), "{shard}");
        for (p, r) in recs {
            assert!(union.insert(p.clone(), r).is_none(), "{p} in two shards");
        }
    }
    assert_eq!(union, full);
    assert!(left > 0);
    // Deterministic.
    let again = by_path(&ndjson_of(&[
        "--shard".as_ref(),
        "2/3".as_ref(),
        root.as_os_str(),
    ]));
    let once = by_path(&ndjson_of(&[
        "--shard".as_ref(),
        "2/3".as_ref(),
        root.as_os_str(),
    ]));
    assert_eq!(again, once);
    for bad in ["0/3", "4/3", "3", "a/b"] {
        let out = iisweep([
            "scan".as_ref(),
            "--shard".as_ref(),
            bad.as_ref(),
            root.as_os_str(),
        ]);
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
    }
}

#[test]
fn skip_done_resumes_an_interrupted_sweep() {
    let root = samples_root();
    let out = iisweep([
        "scan".as_ref(),
        "-q".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        root.as_os_str(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let full = by_path(&common::ndjson(text.as_bytes()));
    // The sweep was killed part way: some whole lines, then half a line.
    let lines: Vec<&str> = text.lines().collect();
    let half = lines.len() / 2;
    let mut cut = lines[..half].join("\n");
    cut.push('\n');
    cut.push_str(&lines[half][..lines[half].len() / 2]);
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("done.ndjson");
    std::fs::write(&done, &cut).unwrap();
    let first = by_path(&common::ndjson(
        (lines[..half].join("\n") + "\n").as_bytes(),
    ));
    let retried: BTreeSet<&String> = first
        .iter()
        .filter(|(_, r)| r["iisweep"]["status"] == "error")
        .map(|(p, _)| p)
        .collect();
    let rest = ndjson_of(&["--skip-done".as_ref(), done.as_os_str(), root.as_os_str()]);
    let s = summary(&rest);
    assert_eq!(
        s["left_out"]["done"].as_u64().unwrap() as usize,
        first.len() - retried.len()
    );
    let mut union = first.clone();
    for (p, r) in by_path(&rest) {
        let again = union.insert(p.clone(), r).is_some();
        assert!(!again || retried.contains(&p), "{p} swept twice");
    }
    assert_eq!(union, full);
    // A JSON document works as well as NDJSON.
    let doc = dir.path().join("done.json");
    let out = iisweep([
        "scan".as_ref(),
        "-q".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        root.join("native").as_os_str(),
    ]);
    std::fs::write(&doc, &out.stdout).unwrap();
    let rest = ndjson_of(&[
        "--skip-done".as_ref(),
        doc.as_os_str(),
        root.join("native").as_os_str(),
    ]);
    assert!(by_path(&rest).is_empty(), "{rest:?}");
    // A corrupt line that is not the last is an error.
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, "not json\n{}\n").unwrap();
    let out = iisweep([
        "scan".as_ref(),
        "--skip-done".as_ref(),
        bad.as_os_str(),
        root.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

/// A ZIP; a password `aes:PW` encrypts with AES-256 (the zip crate does
/// not write ZipCrypto: those come from tests/fixtures/archives).
fn zip_of(files: &[(&[u8], &[u8], Option<&str>)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, pw) in files {
        let mut o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        if let Some(pw) = pw {
            o = match pw.strip_prefix("aes:") {
                Some(p) => o.with_aes_encryption(zip::AesMode::Aes256, p),
                None => panic!("AES only"),
            };
        }
        w.start_file(String::from_utf8_lossy(name), o).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Samples swept inside archives (plain, ZipCrypto, AES, tar.gz, nested)
/// get the roles and verdicts they get on disk; hostile archives give
/// per-entry errors and the rest is swept.
#[test]
fn archives_are_swept_as_files_are() {
    let root = samples_root();
    let names = [
        "native/x64/module.dll",
        "native/x86/isapi_filter.dll",
        "dotnet/ModuleAndHandler.dll",
        "families/iisraid_like.dll",
    ];
    let on_disk = by_path(&ndjson_of(
        &names
            .iter()
            .map(|n| root.join(n).into_os_string())
            .collect::<Vec<_>>()
            .iter()
            .map(|p| p.as_os_str())
            .collect::<Vec<_>>(),
    ));
    let verdict = |r: &Value| {
        (
            r["iisweep"]["roles"].clone(),
            r["iisweep"]["verdict"].clone(),
            r["file"]["hash"]["sha256"].clone(),
        )
    };
    let want: BTreeMap<String, _> = on_disk
        .values()
        .map(|r| (r["file"]["name"].as_str().unwrap().to_string(), verdict(r)))
        .collect();
    assert_eq!(want.len(), names.len());
    let data: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| {
            let name = Path::new(n)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(root.join(n)).unwrap())
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let entries = |pw: Option<&'static str>| -> Vec<(&[u8], &[u8], Option<&str>)> {
        data.iter()
            .map(|(n, d)| (n.as_bytes(), d.as_slice(), pw))
            .collect()
    };
    let plain = zip_of(&entries(None));
    std::fs::write(dir.path().join("plain.zip"), &plain).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archives/zipcrypto.zip"),
        dir.path().join("zipcrypto.zip"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aes.zip"),
        zip_of(&entries(Some("aes:s3cret"))),
    )
    .unwrap();
    // tar.gz holding the plain zip.
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(plain.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    t.append_data(&mut h, "sub/plain.zip", plain.as_slice())
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &t.into_inner().unwrap()).unwrap();
    std::fs::write(dir.path().join("nested.tgz"), gz.finish().unwrap()).unwrap();
    let recs = ndjson_of(&[
        "--archive-password".as_ref(),
        "s3cret".as_ref(),
        dir.path().as_os_str(),
    ]);
    let got = by_path(&recs);
    // The four archives on disk are files seen too, besides their 16
    // entries (a nested archive is a container, not a file seen).
    let s = summary(&recs);
    assert_eq!(s["archives"], 4, "{s}");
    assert_eq!(s["files_seen"], 4 + 4 * names.len() as u64, "{s}");
    let mut seen = BTreeMap::new();
    for (path, r) in &got {
        let (outer, entry) = path.split_once('!').unwrap_or_else(|| panic!("{path}"));
        let name = Path::new(entry.rsplit('!').next().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(r["iisweep"]["status"], "analyzed", "{path}: {r}");
        assert_eq!(verdict(r), want[&name], "{path}");
        let chain = r["iisweep"]["containers"].as_array().unwrap();
        assert_eq!(chain[0], outer, "{path}");
        *seen
            .entry(
                Path::new(outer)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            )
            .or_insert(0) += 1;
    }
    for a in ["plain.zip", "zipcrypto.zip", "aes.zip", "nested.tgz"] {
        assert_eq!(seen.get(a), Some(&names.len()), "{a}: {seen:?}");
    }
    let nested = got
        .keys()
        .find(|p| p.contains("nested.tgz!sub/plain.zip!"))
        .expect("nested entry");
    assert_eq!(
        got[nested]["iisweep"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Without the password, AES entries are per-entry errors.
    let recs = by_path(&ndjson_of(&[dir.path().join("aes.zip").as_os_str()]));
    assert_eq!(recs.len(), names.len());
    assert!(recs.values().all(|r| r["iisweep"]["status"] == "error"
        && r["iisweep"]["message"]
            .as_str()
            .unwrap()
            .contains("password")));
    // --no-archives: nothing inside is looked at.
    let recs = by_path(&ndjson_of(&[
        "--no-archives".as_ref(),
        dir.path().as_os_str(),
    ]));
    assert!(recs.is_empty(), "{recs:?}");

    // Hostile archives.
    let hostile = tempfile::tempdir().unwrap();
    let module = &data[0].1;
    // Hostile names: traversal and a terminal escape, swept and escaped.
    let names_zip = zip_of(&[
        (b"../../evil.dll", module, None),
        (b"a\x1b[2Jb.dll", module, None),
    ]);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archives/wrong_password.zip"),
        hostile.path().join("wrong.zip"),
    )
    .unwrap();
    std::fs::write(hostile.path().join("names.zip"), &names_zip).unwrap();
    // A cut central directory: an error on the archive.
    std::fs::write(hostile.path().join("cut.zip"), &plain[..plain.len() - 30]).unwrap();
    // A bomb: 64 MiB of zeros (over the ratio cap), then a module.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip_of(&[(b"zeros.bin", &zeros, None), (b"after.dll", module, None)]);
    std::fs::write(hostile.path().join("bomb.zip"), &bomb).unwrap();
    let out = iisweep([
        "scan".as_ref(),
        "--format".as_ref(),
        "ndjson".as_ref(),
        hostile.path().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(5), "found + errors");
    assert!(!out.stdout.contains(&0x1b), "escape written raw");
    let recs = by_path(&common::ndjson(&out.stdout));
    let status = |suffix: &str| -> (String, String) {
        let r = recs
            .iter()
            .find(|(p, _)| p.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}: {:?}", recs.keys()))
            .1;
        (
            r["iisweep"]["status"].as_str().unwrap().to_string(),
            r["iisweep"]["message"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(status("names.zip!../../evil.dll").0, "analyzed");
    assert_eq!(status("names.zip!a\u{1b}[2Jb.dll").0, "analyzed");
    assert!(status("wrong.zip!module.dll").1.contains("password"));
    assert_eq!(status("cut.zip").0, "error");
    let (s, m) = status("bomb.zip!zeros.bin");
    assert_eq!(s, "skipped");
    assert!(m.contains("ratio"), "{m}");
    assert_eq!(status("bomb.zip!after.dll").0, "analyzed");
    // The table escapes the name.
    let out = iisweep([
        "scan".as_ref(),
        hostile.path().join("names.zip").as_os_str(),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("a\\x1b[2Jb.dll"));
}

/// `--skip-done` reaches into archives: a resumed sweep leaves out the
/// entries (nested ones too) the earlier sweep reported, and sweeps the
/// rest of the same archives.
#[test]
fn skip_done_applies_inside_archives() {
    let root = samples_root();
    let files: Vec<(String, Vec<u8>)> = ["native/x64/module.dll", "dotnet/ModuleAndHandler.dll"]
        .iter()
        .map(|n| {
            let name = n.rsplit('/').next().unwrap().to_string();
            (name, std::fs::read(root.join(n)).unwrap())
        })
        .collect();
    let mut entries: Vec<(&[u8], &[u8], Option<&str>)> = files
        .iter()
        .map(|(n, d)| (n.as_bytes(), d.as_slice(), None))
        .collect();
    let inner = zip_of(&entries);
    entries.push((b"inner.zip", inner.as_slice(), None));
    let dir = tempfile::tempdir().unwrap();
    let swept = dir.path().join("swept");
    std::fs::create_dir(&swept).unwrap();
    std::fs::write(swept.join("outer.zip"), zip_of(&entries)).unwrap();
    let full = ndjson_of(&["--no-dedupe".as_ref(), swept.as_os_str()]);
    let full_paths: BTreeSet<String> = by_path(&full).into_keys().collect();
    assert_eq!(full_paths.len(), 4, "{full_paths:?}");
    // The first sweep got as far as one outer and one nested entry.
    let keep = |r: &Value| {
        let p = r["file"]["path"].as_str().unwrap_or("");
        p.ends_with("outer.zip!module.dll") || p.ends_with("inner.zip!ModuleAndHandler.dll")
    };
    let earlier: Vec<String> = full
        .iter()
        .filter(|r| r["record"] == "file" && keep(r))
        .map(|r| r.to_string())
        .collect();
    assert_eq!(earlier.len(), 2);
    let done = dir.path().join("done.ndjson");
    std::fs::write(&done, earlier.join("\n") + "\n").unwrap();
    let rest = ndjson_of(&[
        "--no-dedupe".as_ref(),
        "--skip-done".as_ref(),
        done.as_os_str(),
        swept.as_os_str(),
    ]);
    let rest_paths: BTreeSet<String> = by_path(&rest).into_keys().collect();
    assert_eq!(summary(&rest)["left_out"]["done"], 2, "{}", summary(&rest));
    assert_eq!(rest_paths.len(), 2, "{rest_paths:?}");
    assert!(rest_paths
        .iter()
        .all(|p| !p.ends_with("outer.zip!module.dll")
            && !p.ends_with("inner.zip!ModuleAndHandler.dll")));
    assert!(rest_paths.is_subset(&full_paths));
}
