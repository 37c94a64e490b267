//! Table printer: for people. Findings first (IIS components and any file a
//! rule judged notice or above), highest level and score first, with the top
//! reasons; then near misses, then what was not analysed, then totals. Keeps
//! only the rows it shows, so memory follows what is printed, not the number
//! of files swept.

use std::io::{self, Write};

use super::record::summary_record;
use super::{Filter, Printer};
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

impl<W: Write> Printer for TablePrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        if !self.filter.keep(r) {
            return Ok(());
        }
        let path = display(&r.path);
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

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
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
