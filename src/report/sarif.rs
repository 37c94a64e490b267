//! `--format sarif`: one SARIF 2.1.0 log with one run, for code-scanning
//! dashboards and the tools that read SARIF.
//!
//! - **Rules** (`tool.driver.rules`) come from the rule metadata of the
//!   pack and the user rules (id, description, ATT&CK tags, reference as
//!   the help URI, score as `security-severity`), then the trace rules,
//!   then one rule per configuration finding id that occurs, and
//!   `iisweep.component` for an IIS component that no rule matched.
//! - **Results**: one per file whose verdict is at least `--min-level` and
//!   at least `info` (a file no rule matched and that is no component is
//!   not a result); its rule is the strongest reason, the other reasons
//!   are in `properties.reasons`. One per install trace, at its line. One
//!   per configuration finding, at its file and line, with the XML path
//!   as a logical location.
//! - **Levels**: `info` and `notice` are `note`, `warning` is `warning`,
//!   `alert` is `error`.
//! - **Locations** are URIs: an absolute path as a `file://` URI, a
//!   relative one relative to `%SRCROOT%` (the folder the sweep ran in,
//!   given in `originalUriBaseIds`), percent-encoded byte by byte, so a
//!   path that is not UTF-8 survives.
//! - Per-file errors are `toolExecutionNotifications` of the invocation;
//!   the summary record is the invocation's `properties.summary`.
//!
//! Results are held until the end (SARIF is one document) and sorted by
//! location, so the output is stable.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::record::summary_record;
use super::{safe_json, Filter, Printer};
use crate::config::{FileSummary, ServerView};
use crate::model::{FileReport, Level, Outcome};
use crate::platform::path_bytes;
use crate::rules::RuleInfo;
use crate::summary::Summary;

/// The SARIF 2.1.0 schema's address (what `$schema` names).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A rule as the run lists it.
#[derive(Debug, Clone)]
pub struct SarifRule {
    /// `ruleId`.
    pub id: String,
    /// Description.
    pub description: String,
    /// Score 0-100.
    pub score: u8,
    /// ATT&CK technique ids.
    pub attack: Vec<String>,
    /// Reference (URL or text).
    pub reference: String,
    /// Layer (`identification`, `heuristic`, `family`, `user`, `trace`, `config`).
    pub layer: String,
}

impl SarifRule {
    /// From a compiled rule's metadata.
    pub fn of(ri: &RuleInfo) -> SarifRule {
        SarifRule {
            id: rule_id(&ri.namespace, &ri.name),
            description: ri.description.clone(),
            score: ri.score,
            attack: ri.attack.clone(),
            reference: ri.reference.clone(),
            layer: ri.layer.clone(),
        }
    }
}

/// The `ruleId` of a rule: its name in the pack's namespace, else
/// `namespace/name`.
fn rule_id(namespace: &str, name: &str) -> String {
    if namespace == "default" || namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

const COMPONENT_RULE: &str = "iisweep.component";

/// The SARIF printer.
pub struct SarifPrinter<W: Write> {
    out: W,
    filter: Filter,
    rules: Vec<SarifRule>,
    index: HashMap<String, usize>,
    /// (sort key, result).
    results: Vec<(Vec<u8>, u32, Value)>,
    notifications: Vec<(Vec<u8>, Value)>,
    cwd: Option<PathBuf>,
}

impl<W: Write> SarifPrinter<W> {
    /// A printer that lists `rules` (pack and user rules, then trace rules).
    pub fn new(out: W, filter: Filter, rules: Vec<SarifRule>) -> Self {
        let mut p = SarifPrinter {
            out,
            filter,
            rules: Vec::new(),
            index: HashMap::new(),
            results: Vec::new(),
            notifications: Vec::new(),
            cwd: std::env::current_dir().ok(),
        };
        for r in rules {
            p.add_rule(r);
        }
        p.add_rule(SarifRule {
            id: COMPONENT_RULE.into(),
            description: "IIS component (native module, ISAPI extension or filter, managed module or handler) that no rule matched".into(),
            score: 0,
            attack: vec!["T1505.004".into()],
            reference: String::new(),
            layer: "identification".into(),
        });
        p
    }

    fn add_rule(&mut self, r: SarifRule) -> usize {
        if let Some(&i) = self.index.get(&r.id) {
            return i;
        }
        self.index.insert(r.id.clone(), self.rules.len());
        self.rules.push(r);
        self.rules.len() - 1
    }

    /// The index of `id`, adding a rule made by `make` when it is new (a
    /// user rule compiled under another name, a configuration finding).
    fn rule_index(&mut self, id: &str, make: impl FnOnce() -> SarifRule) -> usize {
        match self.index.get(id) {
            Some(&i) => i,
            None => self.add_rule(make()),
        }
    }

    fn location(&self, path: &Path) -> Value {
        let (uri, base) = uri_of(path);
        let mut a = json!({ "uri": uri });
        if let Some(b) = base {
            a["uriBaseId"] = json!(b);
        }
        json!({ "physicalLocation": { "artifactLocation": a } })
    }
}

/// SARIF's level for a verdict level.
fn sarif_level(l: Level) -> &'static str {
    match l {
        Level::Alert => "error",
        Level::Warning => "warning",
        Level::Notice | Level::Info => "note",
        Level::None => "none",
    }
}

/// A path as a URI: `file://` for an absolute path, relative (to
/// `%SRCROOT%`) otherwise, percent-encoded byte by byte.
fn uri_of(path: &Path) -> (String, Option<&'static str>) {
    uri_of_bytes(
        &path_bytes(path.as_os_str()),
        std::path::MAIN_SEPARATOR == '\\',
    )
}

/// [`uri_of`] on a path's bytes. With `windows` (the system's separator
/// is `\`), `\` separates too and becomes `/`, a drive path `C:\x` is
/// `file:///C:/x`, a UNC path `\\host\share\x` is `file://host/share/x`,
/// and the verbatim prefixes `\\?\` and `\\?\UNC\` are dropped.
fn uri_of_bytes(bytes: &[u8], windows: bool) -> (String, Option<&'static str>) {
    let slashed: Vec<u8>;
    let bytes = if windows {
        slashed = bytes
            .iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect();
        &slashed
    } else {
        bytes
    };
    let (mut s, mut rest) = uri_head(bytes, windows);
    let abs = !s.is_empty();
    if !abs {
        while let Some(r) = rest.strip_prefix(b"./") {
            rest = r;
        }
    }
    for &b in rest {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    (s, (!abs).then_some("%SRCROOT%"))
}

/// The `file:` scheme and authority that an absolute path (separators
/// already `/`) starts its URI with, and the rest of the path; an empty
/// head for a relative path.
fn uri_head(p: &[u8], windows: bool) -> (String, &[u8]) {
    if windows {
        if let Some(r) = p.strip_prefix(b"//?/UNC/") {
            return ("file://".into(), r);
        }
        let p = p.strip_prefix(b"//?/").unwrap_or(p);
        if let [d, b':', rest @ ..] = p {
            if d.is_ascii_alphabetic() {
                return (format!("file:///{}:", *d as char), rest);
            }
        }
        if let Some(r) = p.strip_prefix(b"//") {
            return ("file://".into(), r);
        }
    }
    if p.first() == Some(&b'/') {
        return ("file://".into(), p);
    }
    (String::new(), p)
}

/// Sort key of a path.
fn key(path: &Path) -> Vec<u8> {
    path_bytes(path.as_os_str()).into_owned()
}

impl<W: Write> Printer for SarifPrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        let floor = self.filter.min_level.max(Level::Info);
        if let Outcome::Error(e) = &r.outcome {
            let n = json!({
                "level": "error",
                "message": { "text": format!("{}: {e}", r.path.to_string_lossy()) },
                "locations": [self.location(&r.path)],
            });
            self.notifications.push((key(&r.path), n));
        }
        for t in &r.traces {
            let level = crate::score::level(t.score, true);
            if level < floor {
                continue;
            }
            let idx = self.rule_index(&t.rule, || SarifRule {
                id: t.rule.clone(),
                description: t.description.clone(),
                score: t.score,
                attack: t.attack.clone(),
                reference: String::new(),
                layer: "trace".into(),
            });
            let mut loc = self.location(&r.path);
            loc["physicalLocation"]["region"] = json!({
                "startLine": t.line.max(1),
                "snippet": { "text": t.text },
            });
            self.results.push((
                key(&r.path),
                t.line,
                json!({
                    "ruleId": self.rules[idx].id,
                    "ruleIndex": idx,
                    "level": sarif_level(level),
                    "message": { "text": format!("{} (line {}): {}", t.description, t.line, t.text) },
                    "locations": [loc],
                    "properties": { "score": t.score, "iisweepLevel": level.as_str(), "kind": t.kind },
                }),
            ));
        }
        let Some(a) = r.analyzed() else {
            return Ok(());
        };
        let (facts, j) = (&a.facts, &a.judgement);
        if j.verdict.level < floor {
            return Ok(());
        }
        let idx = match j.hits.first() {
            Some(h) => {
                let id = rule_id(&h.namespace, &h.rule);
                self.rule_index(&id, || SarifRule {
                    id: id.clone(),
                    description: h.description.clone(),
                    score: h.score,
                    attack: h.attack.clone(),
                    reference: h.reference.clone(),
                    layer: h.layer.clone(),
                })
            }
            None => self.index[COMPONENT_RULE],
        };
        let roles: Vec<&str> = facts.roles.iter().map(|r| r.as_str()).collect();
        let what = if roles.is_empty() {
            "file".to_string()
        } else {
            roles.join(", ")
        };
        let reasons: Vec<String> = j
            .hits
            .iter()
            .map(|h| rule_id(&h.namespace, &h.rule))
            .collect();
        let mut text = format!(
            "{what}: {} (score {})",
            j.verdict.level.as_str(),
            j.verdict.score
        );
        for h in j.hits.iter().take(5) {
            text.push_str(&format!("; {} ({})", h.description, h.score));
        }
        if j.hits.len() > 5 {
            text.push_str(&format!("; and {} more", j.hits.len() - 5));
        }
        let mut props = json!({
            "score": j.verdict.score,
            "iisweepLevel": j.verdict.level.as_str(),
            "roles": roles,
            "sha256": facts.sha256,
            "reasons": reasons,
        });
        if let Some(d) = &r.duplicate_of {
            props["duplicateOf"] = json!(d.to_string_lossy());
        }
        if !r.registrations.is_empty() {
            props["registered"] = json!(true);
        }
        let result = json!({
            "ruleId": self.rules[idx].id,
            "ruleIndex": idx,
            "level": sarif_level(j.verdict.level),
            "message": { "text": text },
            "locations": [self.location(&r.path)],
            "partialFingerprints": { "sha256/v1": facts.sha256 },
            "properties": props,
        });
        self.results.push((key(&r.path), 0, result));
        Ok(())
    }

    fn server(&mut self, v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> io::Result<()> {
        let recs = super::server::server_records(v, files);
        for (f, rec) in v.findings.iter().zip(&recs.findings) {
            if !self.filter.keep_finding(f) {
                continue;
            }
            let level = crate::score::level(f.score, true);
            if level < Level::Info {
                continue;
            }
            let id = format!("config.{}", f.id);
            let idx = self.rule_index(&id, || SarifRule {
                id: id.clone(),
                description: format!("IIS configuration: {}", f.id.replace('_', " ")),
                score: f.score,
                attack: f.attack.iter().map(|s| s.to_string()).collect(),
                reference: String::new(),
                layer: "config".into(),
            });
            let file = Path::new(&rec.config.path);
            let mut loc = self.location(file);
            if rec.config.line > 0 {
                loc["physicalLocation"]["region"] = json!({ "startLine": rec.config.line });
            }
            loc["logicalLocations"] = json!([{
                "fullyQualifiedName": rec.config.xpath,
                "kind": "element",
            }]);
            let mut props = json!({
                "score": f.score,
                "iisweepLevel": level.as_str(),
                "subject": f.subject,
                "sites": f.sites,
                "windowsPath": rec.config.windows_path,
            });
            if let Some(p) = &f.file {
                props["file"] = json!(p.to_string_lossy());
            }
            self.results.push((
                key(file),
                rec.config.line,
                json!({
                    "ruleId": id,
                    "ruleIndex": idx,
                    "level": sarif_level(level),
                    "message": { "text": f.reason },
                    "locations": [loc],
                    "properties": props,
                }),
            ));
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.results.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        self.notifications.sort_by(|a, b| a.0.cmp(&b.0));
        let rules: Vec<Value> = self.rules.iter().map(rule_json).collect();
        let mut run = json!({
            "tool": { "driver": {
                "name": "iisweep",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://attack.mitre.org/techniques/T1505/004/",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": self.notifications.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                "properties": { "summary": summary_record(summary) },
            }],
            "results": self.results.iter().map(|(_, _, r)| r).collect::<Vec<_>>(),
            "columnKind": "unicodeCodePoints",
        });
        if let Some(cwd) = &self.cwd {
            let (mut uri, _) = uri_of(cwd);
            if !uri.ends_with('/') {
                uri.push('/');
            }
            run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": uri } });
        }
        let log = json!({
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [run],
        });
        safe_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

fn rule_json(r: &SarifRule) -> Value {
    let level = crate::score::level(r.score, true);
    let mut tags: Vec<String> = vec!["security".into()];
    tags.extend(
        r.attack
            .iter()
            .map(|t| format!("attack.{}", t.to_ascii_lowercase())),
    );
    tags.push(format!("layer.{}", r.layer));
    let mut props: BTreeMap<&str, Value> = BTreeMap::new();
    props.insert("tags", json!(tags));
    props.insert("score", json!(r.score));
    props.insert("layer", json!(r.layer));
    // GitHub code scanning's severity: a score from 0.0 to 10.0.
    props.insert(
        "security-severity",
        json!(format!("{:.1}", f64::from(r.score) / 10.0)),
    );
    let mut v = json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.description },
        "fullDescription": { "text": r.description },
        "defaultConfiguration": { "level": sarif_level(level) },
        "properties": props,
    });
    if r.reference.starts_with("https://") || r.reference.starts_with("http://") {
        v["helpUri"] = json!(r.reference);
    }
    if !r.reference.is_empty() {
        v["help"] = json!({ "text": format!("Reference: {}", r.reference) });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_and_based() {
        assert_eq!(
            uri_of(Path::new("/srv/a b/x#.dll")),
            ("file:///srv/a%20b/x%23.dll".to_string(), None)
        );
        assert_eq!(
            uri_of(Path::new("./dir/ü.dll")),
            ("dir/%C3%BC.dll".to_string(), Some("%SRCROOT%"))
        );
        let raw = crate::platform::path_from_bytes(b"d/\xff");
        assert_eq!(uri_of(&raw).0, "d/%FF");
        // On Unix a backslash is part of a name.
        assert_eq!(uri_of_bytes(b"a\\b", false).0, "a%5Cb");
    }

    #[test]
    fn windows_paths_are_uris_with_slashes() {
        let w = |p: &str| uri_of_bytes(p.as_bytes(), true);
        assert_eq!(
            w("samples\\x64\\a b.dll"),
            ("samples/x64/a%20b.dll".into(), Some("%SRCROOT%"))
        );
        assert_eq!(w(".\\x.dll"), ("x.dll".into(), Some("%SRCROOT%")));
        assert_eq!(
            w("C:\\inetpub\\x.dll"),
            ("file:///C:/inetpub/x.dll".into(), None)
        );
        assert_eq!(w("\\\\?\\D:\\m.dll"), ("file:///D:/m.dll".into(), None));
        assert_eq!(
            w("\\\\srv\\share\\m.dll"),
            ("file://srv/share/m.dll".into(), None)
        );
        assert_eq!(
            w("\\\\?\\UNC\\srv\\s\\m.dll"),
            ("file://srv/s/m.dll".into(), None)
        );
        assert_eq!(w("C:\\"), ("file:///C:/".into(), None));
    }

    #[test]
    fn levels_map_to_sarifs() {
        assert_eq!(sarif_level(Level::Alert), "error");
        assert_eq!(sarif_level(Level::Warning), "warning");
        assert_eq!(sarif_level(Level::Notice), "note");
        assert_eq!(sarif_level(Level::Info), "note");
    }
}
