//! `--baseline FILE`: an earlier iisweep NDJSON or JSON output compared
//! with this sweep's registrations: registrations added or removed, and
//! registered files whose SHA-256 changed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::{ConfigFile, FileKind, FileSummary, Finding, Pos, ServerView};

/// Largest baseline file read.
pub const MAX_BASELINE_BYTES: u64 = 1 << 30;

/// One registration of the earlier sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prior {
    /// Kind, name, value and scope: what identifies a registration.
    pub key: String,
    /// The registered file's SHA-256 then.
    pub sha256: Option<String>,
    /// The configuration file and line then, for people.
    pub at: String,
}

/// The identifying key of a registration.
pub fn key(kind: &str, name: Option<&str>, value: Option<&str>, scope: &str) -> String {
    format!(
        "{kind}|{}|{}|{scope}",
        name.unwrap_or(""),
        value.unwrap_or("").to_ascii_lowercase()
    )
}

/// Reads the `registration` records of an earlier NDJSON or JSON output.
pub fn read(path: &Path) -> Result<Vec<Prior>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_BASELINE_BYTES {
        return Err(format!(
            "{}: larger than {MAX_BASELINE_BYTES} bytes",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut records: Vec<serde_json::Value> = Vec::new();
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Some(servers) = doc.get("servers").and_then(|r| r.as_array()) {
            // A `--format json` document.
            for s in servers {
                if let Some(list) = s.get("registrations").and_then(|r| r.as_array()) {
                    records.extend(list.iter().cloned());
                }
            }
        } else if let Some(list) = doc.get("registrations").and_then(|r| r.as_array()) {
            records.extend(list.iter().cloned());
        } else if doc.get("record").is_some() {
            records.push(doc);
        }
    } else {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| format!("{}: line {}: {e}", path.display(), n + 1))?;
            records.push(v);
        }
    }
    Ok(records
        .iter()
        .filter(|r| r["record"] == "registration")
        .map(|r| {
            let g = &r["registration"];
            let s = |k: &str| g[k].as_str();
            Prior {
                key: key(
                    s("kind").unwrap_or(""),
                    s("name"),
                    s("value"),
                    s("scope").unwrap_or(""),
                ),
                sha256: r["file"]["hash"]["sha256"].as_str().map(str::to_string),
                at: format!(
                    "{}:{}",
                    r["config"]["path"].as_str().unwrap_or(""),
                    r["config"]["line"].as_u64().unwrap_or(0)
                ),
            }
        })
        .collect())
}

/// Findings of `v` against `prior`; `files` holds this sweep's view of
/// the registered files.
pub fn compare(
    v: &mut ServerView,
    baseline: &Path,
    prior: &[Prior],
    files: &HashMap<PathBuf, FileSummary>,
) {
    let index = v.files.len();
    v.files.push(ConfigFile {
        host: baseline.to_path_buf(),
        kind: FileKind::Baseline,
        encoding: None,
        active: false,
        url: None,
    });
    let before: BTreeMap<&str, &Prior> = prior.iter().map(|p| (p.key.as_str(), p)).collect();
    let mut now: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in v.registrations.iter().enumerate() {
        now.entry(key(
            r.kind.as_str(),
            r.name.as_deref(),
            r.value.as_deref(),
            &r.scope,
        ))
        .or_insert(i);
    }
    let mut out = Vec::new();
    for (k, &i) in &now {
        let r = &v.registrations[i];
        let subject = r
            .name
            .clone()
            .or_else(|| r.value.clone())
            .unwrap_or_default();
        match before.get(k.as_str()) {
            None => out.push(Finding {
                id: "baseline_registration_added",
                score: 50,
                reason: format!(
                    "{} {subject} is registered now but was not in the baseline",
                    r.kind.as_str()
                ),
                pos: r.pos.clone(),
                subject,
                sites: r.sites.clone(),
                file: r.resolved.clone(),
                attack: &["T1505.004"],
            }),
            Some(p) => {
                let cur = r
                    .resolved
                    .as_ref()
                    .and_then(|h| files.get(h))
                    .and_then(|s| s.sha256.clone());
                if let (Some(old), Some(new)) = (&p.sha256, &cur) {
                    if old != new {
                        out.push(Finding {
                            id: "baseline_file_changed",
                            score: 70,
                            reason: format!(
                                "the file {} registered as {subject} changed since the baseline (SHA-256 {old} -> {new})",
                                r.resolved.as_ref().map(|h| v.image.rel(h)).unwrap_or_default()
                            ),
                            pos: r.pos.clone(),
                            subject,
                            sites: r.sites.clone(),
                            file: r.resolved.clone(),
                            attack: &["T1505.004"],
                        });
                    }
                }
            }
        }
    }
    for (k, p) in &before {
        if !now.contains_key(*k) {
            let mut parts = k.split('|');
            let kind = parts.next().unwrap_or("");
            let name = parts.next().unwrap_or("");
            out.push(Finding {
                id: "baseline_registration_removed",
                score: 30,
                reason: format!(
                    "{kind} {name} was registered in the baseline ({}) and is gone",
                    p.at
                ),
                pos: Pos {
                    file: index,
                    line: 0,
                    xpath: String::new(),
                },
                subject: name.to_string(),
                sites: Vec::new(),
                file: None,
                attack: &["T1505.004"],
            });
        }
    }
    v.findings.extend(out);
}
