//! Table printer: for people. Keeps only the rows it shows (components, near
//! misses, skips and errors), so memory follows what is printed, not the
//! number of files swept.

use std::io::{self, Write};

use super::sanitize::display;
use super::sanitize::escape;
use super::Printer;
use crate::analyze::{FileReport, Outcome, SkipReason};
use crate::summary::Summary;

struct Row {
    path: Vec<u8>,
    text: String,
}

struct ComponentRow {
    path_key: Vec<u8>,
    roles: String,
    arch: String,
    path: String,
    notes: String,
}

/// Table printer.
pub struct TablePrinter<W: Write> {
    out: W,
    components: Vec<ComponentRow>,
    near_misses: Vec<Row>,
    problems: Vec<Row>,
}

impl<W: Write> TablePrinter<W> {
    /// New printer over `out`.
    pub fn new(out: W) -> Self {
        TablePrinter { out, components: Vec::new(), near_misses: Vec::new(), problems: Vec::new() }
    }
}

fn key(r: &FileReport) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    r.path.as_os_str().as_bytes().to_vec()
}

impl<W: Write> Printer for TablePrinter<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        let path = display(&r.path);
        match &r.outcome {
            Outcome::Analyzed(a) => {
                let Some(pe) = &a.pe else { return Ok(()) };
                if a.is_component() {
                    let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
                    let mut notes = Vec::new();
                    for e in &pe.export_roles.exports {
                        if let Some(f) = &e.forwarder {
                            notes.push(format!("{} forwarded to {}", escape(&e.name), escape(f)));
                        }
                    }
                    if pe.certificate_table.is_none() {
                        notes.push("no signature".into());
                    }
                    if let Some(p) = &pe.pdb_path {
                        notes.push(format!("pdb {}", escape(p)));
                    }
                    self.components.push(ComponentRow {
                        path_key: key(r),
                        roles: roles.join(","),
                        arch: pe.machine.clone(),
                        path,
                        notes: notes.join("; "),
                    });
                } else if !pe.export_roles.incomplete.is_empty() || !pe.export_roles.decorated.is_empty() {
                    let mut what = Vec::new();
                    for role in &pe.export_roles.incomplete {
                        what.push(format!("incomplete {}", role.as_str()));
                    }
                    for role in &pe.export_roles.decorated {
                        what.push(format!("decorated {} (would not load)", role.as_str()));
                    }
                    self.near_misses.push(Row { path: key(r), text: format!("{:<40} {}", what.join(", "), path) });
                }
            }
            Outcome::Error(e) => self.problems.push(Row { path: key(r), text: format!("error    {path}: {}", escape(e)) }),
            Outcome::Skipped(SkipReason::TooLarge, d) => {
                self.problems.push(Row { path: key(r), text: format!("skipped  {path}: {}", escape(d)) })
            }
            Outcome::Skipped(..) | Outcome::NotPe => {}
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        self.components.sort_by(|a, b| a.path_key.cmp(&b.path_key));
        for rows in [&mut self.near_misses, &mut self.problems] {
            rows.sort_by(|a, b| a.path.cmp(&b.path));
        }
        let o = &mut self.out;
        if !self.components.is_empty() {
            writeln!(o, "IIS components ({})", self.components.len())?;
            let w = self.components.iter().map(|c| c.roles.len()).max().unwrap_or(5).max(5);
            writeln!(o, "{:<w$}  {:<7} PATH", "ROLES", "ARCH")?;
            for c in &self.components {
                writeln!(o, "{:<w$}  {:<7} {}", c.roles, c.arch, c.path)?;
                if !c.notes.is_empty() {
                    writeln!(o, "{:<w$}  {:<7} ({})", "", "", c.notes)?;
                }
            }
            writeln!(o)?;
        }
        if !self.near_misses.is_empty() {
            writeln!(o, "Partial or unloadable IIS export sets ({})", self.near_misses.len())?;
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
        let j = s.to_json();
        let roles: Vec<String> = j.components_by_role.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let skipped: Vec<String> = j.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(
            o,
            "{} files, {} PE, {} IIS components{}, {} errors, skipped: {}",
            j.files_seen,
            j.pe_files,
            j.components,
            if roles.is_empty() { String::new() } else { format!(" ({})", roles.join(", ")) },
            j.errors,
            if skipped.is_empty() { "none".to_string() } else { skipped.join(", ") }
        )?;
        writeln!(o, "{:.2}s, {:.0} files/s, {:.1} MiB/s of PE data", j.elapsed_secs, j.files_per_sec, j.mib_per_sec)?;
        o.flush()
    }
}
