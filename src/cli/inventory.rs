//! `iisweep inventory ROOT`: what a server's configuration loads, listed
//! the way `appcmd list modules` would, each entry with the file it leads
//! to, its signer and its verdict. Only the registered files are read.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use rayon::iter::{IntoParallelIterator, ParallelIterator};

use super::{ConfigArgs, LoadArgs, RuleArgs, EXIT_FATAL};
use crate::analyze::AnalyzeOptions;
use crate::config::FileSummary;
use crate::report::server::server_records;
use crate::scan;
use crate::util::escape;
use crate::util::path::display;

/// `iisweep inventory` flags.
#[derive(Args, Debug)]
pub struct InventoryArgs {
    /// The server's system drive (a live `C:\` or a mounted image).
    pub root: PathBuf,
    /// Print NDJSON (`server`, `registration` and `finding` records) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Server configuration options.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// How the registered files are read.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Rule options.
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Runs `inventory`; returns the exit code (0, or 2 when there is no
/// configuration to read).
pub fn run(a: &InventoryArgs) -> i32 {
    let rules = match a.rules.compile() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("iisweep: {e}");
            return EXIT_FATAL;
        }
    };
    let Ok(baseline) = a.config.baseline() else {
        return EXIT_FATAL;
    };
    let views = a.config.servers(std::slice::from_ref(&a.root));
    if views.is_empty() {
        eprintln!(
            "iisweep: {}: no IIS configuration (Windows/System32/inetsrv/config/applicationHost.config) there; see --iis-config",
            display(&a.root)
        );
        return EXIT_FATAL;
    }
    let load = a.load.options(false);
    let analyze = AnalyzeOptions::default();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for mut v in views {
        let files: Vec<PathBuf> = v.registered_files().cloned().collect();
        let summaries: HashMap<PathBuf, FileSummary> = {
            let stages = scan::Stages::new(&load, &analyze, rules.as_ref());
            files
                .into_par_iter()
                .filter_map(|p| {
                    let r = scan::process_path(p.clone(), &stages);
                    FileSummary::of(&r).map(|s| (p, s))
                })
                .collect()
        };
        v.judge_files(&summaries);
        if let Some((path, prior)) = &baseline {
            crate::config::baseline::compare(&mut v, path, prior, &summaries);
        }
        let recs = server_records(&v, &summaries);
        let res = if a.json {
            write_json(&mut out, &recs)
        } else {
            write_text(&mut out, &recs)
        };
        if let Err(e) = res.and_then(|_| out.flush()) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                eprintln!("iisweep: writing output: {e}");
            }
            return EXIT_FATAL;
        }
    }
    0
}

fn write_json(out: &mut impl Write, recs: &crate::report::server::ServerRecords) -> io::Result<()> {
    crate::report::safe_json::to_writer(&mut *out, &recs.server)?;
    writeln!(out)?;
    for r in &recs.registrations {
        crate::report::safe_json::to_writer(&mut *out, r)?;
        writeln!(out)?;
    }
    for f in &recs.findings {
        crate::report::safe_json::to_writer(&mut *out, f)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `KIND "name" ( value:..., preCondition:..., scope:..., enabled:... )`,
/// then the file, signer and verdict on the next line.
fn write_text(out: &mut impl Write, recs: &crate::report::server::ServerRecords) -> io::Result<()> {
    let b = &recs.server.server;
    writeln!(
        out,
        "# {} ({})",
        escape(&b.root),
        escape(b.application_host.as_deref().unwrap_or("-"))
    )?;
    for r in &recs.registrations {
        let g = &r.registration;
        let mut attrs = Vec::new();
        if let (Some(v), Some(k)) = (&g.value, g.value_kind) {
            attrs.push(format!("{k}:{}", escape(v)));
        }
        if let Some(p) = &g.precondition {
            attrs.push(format!("preCondition:{}", escape(p)));
        }
        attrs.push(format!(
            "scope:{}",
            if g.scope.is_empty() {
                "server".into()
            } else {
                escape(&g.scope)
            }
        ));
        if let Some(e) = g.enabled {
            attrs.push(format!("enabled:{e}"));
        }
        attrs.push(format!("status:{}", g.status));
        writeln!(
            out,
            "{} \"{}\" ( {} )",
            g.appcmd,
            escape(g.name.as_deref().unwrap_or("")),
            attrs.join(", ")
        )?;
        if let Some(f) = &r.file {
            let signer = if !f.analyzed {
                "not analysed".to_string()
            } else if f.microsoft_signed {
                format!(
                    "signed by Microsoft ({})",
                    escape(f.signer.as_deref().unwrap_or("?"))
                )
            } else if f.signature_valid {
                format!("signed by {}", escape(f.signer.as_deref().unwrap_or("?")))
            } else if f.signed {
                "signature does not verify".into()
            } else {
                "unsigned".into()
            };
            writeln!(
                out,
                "    -> {}  {}  {}",
                escape(&f.windows_path),
                signer,
                f.verdict
                    .as_ref()
                    .map(|v| format!("{} {}", v.level, v.score))
                    .unwrap_or_else(|| "-".into())
            )?;
        }
    }
    if !recs.findings.is_empty() {
        writeln!(out, "# {} findings", recs.findings.len())?;
        for f in &recs.findings {
            writeln!(
                out,
                "{:<7} {:>3} {} ({}:{})",
                f.finding.level,
                f.finding.score,
                escape(&f.finding.reason),
                escape(&f.config.windows_path),
                f.config.line
            )?;
        }
    }
    Ok(())
}
