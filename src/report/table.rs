//! Table printer: for people. Findings first (IIS components and any file a
//! rule judged notice or above), highest level and score first, with the top
//! reasons; then near misses, then what was not analysed, then totals. Keeps
//! only the rows it shows, so memory follows what is printed, not the number
//! of files swept.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use super::record::summary_record;
use super::{Filter, Printer};
use crate::config::{FileSummary, ServerView};
use crate::model::{Analyzed, FileReport, Level, Outcome, SkipReason};
use crate::pe::PeFacts;
use crate::platform::path_bytes;
use crate::summary::Summary;
use crate::util::escape;
use crate::util::path::display;

/// Reasons shown per finding.
pub const TOP_REASONS: usize = 3;

struct Row {
    path: Vec<u8>,
    text: String,
}

struct Finding {
    path_key: Vec<u8>,
    level: Level,
    score: u8,
    roles: String,
    arch: String,
    path: String,
    details: Vec<String>,
}

/// Table printer.
pub struct TablePrinter<W: Write> {
    out: W,
    filter: Filter,
    findings: Vec<Finding>,
    near_misses: Vec<Row>,
    problems: Vec<Row>,
    /// The server sections, already rendered (they lead the output).
    servers: Vec<String>,
    /// Install traces, one row per trace.
    traces: Vec<Row>,
}

impl<W: Write> TablePrinter<W> {
    /// New printer over `out`.
    pub fn new(out: W, filter: Filter) -> Self {
        TablePrinter {
            out,
            filter,
            findings: Vec::new(),
            near_misses: Vec::new(),
            problems: Vec::new(),
            servers: Vec::new(),
            traces: Vec::new(),
        }
    }
}

fn key(r: &FileReport) -> Vec<u8> {
    path_bytes(r.path.as_os_str()).into_owned()
}

/// The detail lines under a finding: top reasons, forwarders, managed
/// types, signature, rules error.
fn details(a: &Analyzed, pe: &PeFacts) -> Vec<String> {
    let (facts, j) = (&a.facts, &a.judgement);
    let mut details = Vec::new();
    let scored = || j.hits.iter().filter(|h| h.score > 0);
    for h in scored().take(TOP_REASONS) {
        details.push(format!(
            "{:>3} {}: {}",
            h.score,
            h.rule,
            escape(&h.description)
        ));
    }
    let more = scored().count().saturating_sub(TOP_REASONS);
    if more > 0 {
        details.push(format!("    (+{more} more: iisweep inspect)"));
    }
    for e in &pe.export_roles.exports {
        if let Some(f) = &e.forwarder {
            details.push(format!(
                "    {} forwarded to {}",
                escape(&e.name),
                escape(f)
            ));
        }
    }
    if let Some(d) = &facts.dotnet {
        for c in d.components.iter().take(4) {
            details.push(format!("    type {}", escape(&c.type_name)));
        }
    }
    if let Some(cs) = &facts.code_signature {
        let who = cs
            .signer
            .as_ref()
            .and_then(|s| s.common_name.as_deref())
            .unwrap_or("?");
        details.push(format!(
            "    signature {}{}: {}",
            cs.status(),
            if cs.microsoft_signed {
                ", microsoft_signed"
            } else {
                ""
            },
            escape(who)
        ));
    }
    if let Some(e) = &j.rules_error {
        details.push(format!("    rules: {}", escape(e)));
    }
    details
}

/// The near-miss line of a file with incomplete or decorated export sets.
fn near_miss(pe: &PeFacts, path: &str) -> Option<String> {
    let roles = &pe.export_roles;
    if roles.incomplete.is_empty() && roles.decorated.is_empty() {
        return None;
    }
    let what: Vec<String> = roles
        .incomplete
        .iter()
        .map(|r| format!("incomplete {}", r.as_str()))
        .chain(
            roles
                .decorated
                .iter()
                .map(|r| format!("decorated {} (would not load)", r.as_str())),
        )
        .collect();
    Some(format!("{:<40} {}", what.join(", "), path))
}

/// The table section of one server: its findings (strongest first), the
/// components it registers with the file each leads to, and configuration
/// errors.
fn server_section(v: &ServerView, files: &HashMap<PathBuf, FileSummary>, filter: Filter) -> String {
    let recs = super::server::server_records(v, files);
    let mut o = String::new();
    let b = &recs.server.server;
    let _ = writeln!(
        o,
        "IIS server {} ({} configuration files, {} sites, {} registrations)",
        escape(&b.root),
        b.files.iter().filter(|f| f.active).count(),
        b.sites.len(),
        b.registrations
    );
    if let Some(r) = b.redirection.as_ref().filter(|r| r.enabled) {
        let _ = writeln!(
            o,
            "  shared configuration: {}{}",
            escape(&r.path),
            if r.target.is_some() {
                ""
            } else {
                " (not on the image: not followed)"
            }
        );
    }
    let shown: Vec<_> = v
        .findings
        .iter()
        .zip(&recs.findings)
        .filter(|(f, _)| filter.keep_finding(f))
        .map(|(_, r)| r)
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(o, "Configuration findings ({})", shown.len());
        let _ = writeln!(o, "{:<7} {:>5}  {:<34} WHERE", "LEVEL", "SCORE", "FINDING");
        for f in shown {
            let _ = writeln!(
                o,
                "{:<7} {:>5}  {:<34} {}:{}",
                f.finding.level,
                f.finding.score,
                f.finding.id,
                escape(&f.config.windows_path),
                f.config.line
            );
            let _ = writeln!(o, "{:>15}{}", "", escape(&f.finding.reason));
        }
    }
    if !recs.registrations.is_empty() {
        let _ = writeln!(o, "Registered components ({})", recs.registrations.len());
        let _ = writeln!(
            o,
            "{:<21} {:<28} {:<8} {:<14} {:<16} LOADS",
            "KIND", "NAME", "ENABLED", "STATUS", "SIGNED / VERDICT"
        );
        for r in &recs.registrations {
            let g = &r.registration;
            let signed = match &r.file {
                Some(f) if f.analyzed => format!(
                    "{}{}",
                    if f.microsoft_signed {
                        "microsoft"
                    } else if f.signature_valid {
                        "signed"
                    } else if f.signed {
                        "bad-sig"
                    } else {
                        "unsigned"
                    },
                    f.verdict
                        .as_ref()
                        .map(|v| format!(" {} {}", v.level, v.score))
                        .unwrap_or_default()
                ),
                Some(_) => "not analysed".into(),
                None => "-".into(),
            };
            let loads = match &r.file {
                Some(f) => f.windows_path.clone(),
                None => g.value.clone().unwrap_or_else(|| "-".into()),
            };
            let _ = writeln!(
                o,
                "{:<21} {:<28} {:<8} {:<14} {:<16} {}",
                g.kind,
                escape(g.name.as_deref().unwrap_or("-")),
                match g.enabled {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                },
                g.status,
                signed,
                escape(&loads)
            );
        }
    }
    if !b.errors.is_empty() {
        let _ = writeln!(o, "Configuration errors ({})", b.errors.len());
        for e in &b.errors {
            let _ = writeln!(
                o,
                "{}:{}:{}: {}: {}",
                escape(&e.path),
                e.line,
                e.column,
                e.kind,
                escape(&e.message)
            );
        }
    }
    if !b.history.is_empty() {
        let _ = writeln!(o, "Configuration history ({} changes)", b.history.len());
        for h in &b.history {
            let _ = writeln!(
                o,
                "{:<22} {:<8} {}{}",
                escape(&h.snapshot),
                h.change,
                escape(&h.subject),
                match (&h.from, &h.to) {
                    (Some(a), Some(b)) => format!(": {} -> {}", escape(a), escape(b)),
                    (None, Some(b)) => format!(": {}", escape(b)),
                    (Some(a), None) => format!(": was {}", escape(a)),
                    (None, None) => String::new(),
                }
            );
        }
    }
    o.push('\n');
    o
}

impl<W: Write> Printer for TablePrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        let path = display(&r.path);
        for t in &r.traces {
            self.traces.push(Row {
                path: key(r),
                text: format!(
                    "{:<7} {:>5}  {:<26} {path}:{}\n{:>15}{}",
                    crate::score::level(t.score, true).as_str(),
                    t.score,
                    t.kind,
                    t.line,
                    "",
                    escape(&t.text)
                ),
            });
        }
        match &r.outcome {
            Outcome::Analyzed(a) => {
                let Some(pe) = &a.facts.pe else { return Ok(()) };
                let verdict = a.judgement.verdict;
                if a.facts.is_component() || verdict.level >= Level::Notice {
                    let roles: Vec<&str> = a.facts.roles.iter().map(|r| r.as_str()).collect();
                    self.findings.push(Finding {
                        path_key: key(r),
                        level: verdict.level,
                        score: verdict.score,
                        roles: if roles.is_empty() {
                            "-".into()
                        } else {
                            roles.join(",")
                        },
                        arch: pe.machine(),
                        details: details(a, pe),
                        path,
                    });
                } else if let Some(text) = near_miss(pe, &path) {
                    self.near_misses.push(Row { path: key(r), text });
                }
            }
            Outcome::Error(e) => self.problems.push(Row {
                path: key(r),
                text: format!("error    {path}: {}", escape(e)),
            }),
            Outcome::Skipped(SkipReason::TooLarge, d) => self.problems.push(Row {
                path: key(r),
                text: format!("skipped  {path}: {}", escape(d)),
            }),
            Outcome::Skipped(..) | Outcome::NotPe => {}
        }
        Ok(())
    }

    fn server(&mut self, v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> io::Result<()> {
        let text = server_section(v, files, self.filter);
        self.servers.push(text);
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        for text in &self.servers {
            self.out.write_all(text.as_bytes())?;
        }
        if !self.traces.is_empty() {
            // Stable: by path, then line order as found.
            self.traces.sort_by(|a, b| a.path.cmp(&b.path));
            writeln!(self.out, "Install traces ({})", self.traces.len())?;
            writeln!(
                self.out,
                "{:<7} {:>5}  {:<26} WHERE",
                "LEVEL", "SCORE", "TRACE"
            )?;
            for r in &self.traces {
                writeln!(self.out, "{}", r.text)?;
            }
            writeln!(self.out)?;
        }
        self.findings.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(b.score.cmp(&a.score))
                .then_with(|| a.path_key.cmp(&b.path_key))
        });
        for rows in [&mut self.near_misses, &mut self.problems] {
            rows.sort_by(|a, b| a.path.cmp(&b.path));
        }
        let o = &mut self.out;
        if !self.findings.is_empty() {
            writeln!(o, "IIS components and findings ({})", self.findings.len())?;
            let w = self
                .findings
                .iter()
                .map(|c| c.roles.len())
                .max()
                .unwrap_or(5)
                .max(5);
            writeln!(
                o,
                "{:<7} {:>5}  {:<w$}  {:<7} PATH",
                "LEVEL", "SCORE", "ROLES", "ARCH"
            )?;
            for c in &self.findings {
                writeln!(
                    o,
                    "{:<7} {:>5}  {:<w$}  {:<7} {}",
                    c.level.as_str(),
                    c.score,
                    c.roles,
                    c.arch,
                    c.path
                )?;
                for d in &c.details {
                    writeln!(o, "{:>15}{d}", "")?;
                }
            }
            writeln!(o)?;
        }
        if !self.near_misses.is_empty() {
            writeln!(
                o,
                "Partial or unloadable IIS export sets ({})",
                self.near_misses.len()
            )?;
            for r in &self.near_misses {
                writeln!(o, "{}", r.text)?;
            }
            writeln!(o)?;
        }
        if !self.problems.is_empty() {
            writeln!(o, "Not analysed ({})", self.problems.len())?;
            for r in &self.problems {
                writeln!(o, "{}", r.text)?;
            }
            writeln!(o)?;
        }
        let j = summary_record(s);
        let roles: Vec<String> = j
            .components_by_role
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let levels: Vec<String> = Level::ALL
            .iter()
            .rev()
            .filter(|l| **l >= Level::Notice)
            .map(|l| {
                format!(
                    "{} {}",
                    l.as_str(),
                    j.levels.get(l.as_str()).copied().unwrap_or(0)
                )
            })
            .collect();
        let skipped: Vec<String> = j.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(
            o,
            "{} files, {} PE, {} IIS components{}; {}; {} errors; skipped: {}",
            j.files_seen,
            j.pe_files,
            j.components,
            if roles.is_empty() {
                String::new()
            } else {
                format!(" ({})", roles.join(", "))
            },
            levels.join(", "),
            j.errors,
            if skipped.is_empty() {
                "none".to_string()
            } else {
                skipped.join(", ")
            }
        )?;
        if j.duplicates > 0 {
            writeln!(
                o,
                "{} files repeat the content of an earlier one ({} distinct contents analysed)",
                j.duplicates, j.distinct_contents
            )?;
        }
        if !j.left_out.is_empty() {
            let left: Vec<String> = j.left_out.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(o, "paths left out: {}", left.join(", "))?;
        }
        if j.rules_errors > 0 {
            writeln!(
                o,
                "{} files could not be fully scanned by the rules (see rules_error)",
                j.rules_errors
            )?;
        }
        writeln!(
            o,
            "{:.2}s, {:.0} files/s, {:.1} MiB/s of PE data",
            j.elapsed_secs, j.files_per_sec, j.mib_per_sec
        )?;
        o.flush()
    }
}
