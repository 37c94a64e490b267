//! Command line: raw flags (clap, [`args`]) validated once into immutable
//! configurations, then the sweep, the printer and the exit code. The only
//! module that prints to stderr or chooses exit codes.

pub mod args;
pub mod inventory;
mod rules_cmd;

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use args::{
    parse_size, scan_config, ByteSize, ConfigArgs, InspectArgs, LoadArgs, RuleArgs, RulesCommand,
    ScanArgs,
};

use crate::analyze::AnalyzeOptions;
use crate::config::FileSummary;
use crate::model::{FileReport, Level, Outcome};
use crate::report::{self, Filter};
use crate::scan;
use crate::util::escape;
use crate::util::path::display;

/// Exit code bit: at least one file reached `--fail-level` (default `info`:
/// any IIS component or rule match).
pub const EXIT_FOUND: i32 = 1;
/// Exit code: usage or fatal error (nothing, or not everything, was swept).
pub const EXIT_FATAL: i32 = 2;
/// Exit code bit: some paths could not be read or analysed.
pub const EXIT_FILE_ERRORS: i32 = 4;

/// Find IIS components (native modules, ISAPI extensions and filters) in files.
#[derive(Parser, Debug)]
#[command(name = "iisweep", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sweep files and folders for IIS components.
    Scan(ScanArgs),
    /// Print everything known about one file, and explain its verdict.
    Inspect(InspectArgs),
    /// List what a server's configuration loads (like `appcmd list modules`), with file, signer and verdict.
    Inventory(inventory::InventoryArgs),
    /// List or check rules, or list the globals rules can use.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// Run the CLI; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    let ansi = crate::platform::setup_console();
    CONSOLE_ANSI.store(ansi, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Scan(a) => run_scan(&a),
        Command::Inspect(a) => run_inspect(&a),
        Command::Inventory(a) => inventory::run(&a),
        Command::Rules(c) => rules_cmd::run(c),
    }
}

/// Whether stderr's console shows ANSI escapes (`platform::setup_console`).
static CONSOLE_ANSI: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn run_scan(a: &ScanArgs) -> i32 {
    let Ok(baseline) = a.config.baseline() else {
        return EXIT_FATAL;
    };
    let limits = match a.apply_limits() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("iisweep: {e}");
            return EXIT_FATAL;
        }
    };
    let mut cfg = match scan_config(a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("iisweep: {e}");
            return EXIT_FATAL;
        }
    };
    if let Some(file) = &a.config.iis_config {
        if cfg.servers.is_empty() || !file.is_file() {
            eprintln!(
                "iisweep: --iis-config {}: not a readable file",
                display(file)
            );
            return EXIT_FATAL;
        }
    }
    let settings = serde_json::json!({
        "paths": cfg.roots.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
        "files_from": cfg.files_from.as_ref().map(|p| p.to_string_lossy()),
        "threads": cfg.threads,
        "max_filesize": a.load.max_filesize.0,
        // null: files are read, never mapped (the default).
        "mmap_threshold": (cfg.load.mmap_threshold != u64::MAX).then_some(cfg.load.mmap_threshold),
        "exclude": a.exclude,
        "follow_symlinks": a.follow_symlinks,
        "one_file_system": a.one_file_system,
        "all_drives": a.all_drives,
        "limits": limits,
        "report_all": a.report_all,
        "min_level": a.min_level.as_str(),
        "fail_level": a.fail_level.as_str(),
        "rules": cfg.rules.as_ref().map(|r| serde_json::json!({
            "embedded_pack": !a.rules.no_default_rules,
            "extra": a.rules.rules.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
            "count": r.len(),
            "compile_ms": (r.compile_time.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            "timeout_secs": a.rules.rule_timeout,
            "max_matches_per_pattern": a.rules.max_matches_per_pattern,
        })),
        "iis_config": a.config.iis_config.as_ref().map(|p| p.to_string_lossy()),
        "no_iis_config": a.config.no_iis_config,
        "drives": a.config.drives.iter().map(|(d, p)| format!("{d}:={}", p.to_string_lossy())).collect::<Vec<_>>(),
        "baseline": a.config.baseline.as_ref().map(|p| p.to_string_lossy()),
        "shard": a.shard.map(|s| s.to_string()),
        "skip_done": a.skip_done.as_ref().map(|p| p.to_string_lossy()),
        "skip_done_paths": cfg.select.done.as_ref().map(|d| d.len()),
        "dedupe_cache": (!a.no_dedupe).then_some(a.dedupe_cache),
        "archives": cfg.archives.as_ref().map(|o| serde_json::json!({
            "passwords": o.passwords.len(),
            "max_depth": o.max_depth,
            "max_entry": o.max_entry,
            "max_total": o.max_total,
        })),
    });
    let filter = Filter {
        report_all: a.report_all,
        min_level: a.min_level,
    };
    let stdout = io::stdout().lock();
    let out = io::BufWriter::with_capacity(1 << 16, stdout);
    let sarif_rules = match a.format {
        report::Format::Sarif => cfg
            .rules
            .iter()
            .chain(cfg.traces.iter())
            .flat_map(|rs| rs.info.iter().map(report::sarif::SarifRule::of))
            .collect(),
        _ => Vec::new(),
    };
    let mut printer = report::printer(a.format, out, filter, settings, sarif_rules);
    // The progress line moves the cursor with ANSI escapes: only on a
    // terminal that shows them (a Windows console without virtual-terminal
    // processing would print them).
    let progress = (!a.quiet
        && io::stderr().is_terminal()
        && CONSOLE_ANSI.load(std::sync::atomic::Ordering::Relaxed))
    .then(progress_bar);
    let mut write_error: Option<io::Error> = None;
    let mut registered: HashMap<PathBuf, FileSummary> = HashMap::new();
    let result = scan::run(&cfg, |r: &FileReport, s| {
        if !r.registrations.is_empty() {
            if let Some(f) = FileSummary::of(r) {
                registered.insert(r.path.clone(), f);
            }
        }
        if !a.quiet {
            if let Outcome::Error(e) = &r.outcome {
                let line = format!("iisweep: {}: {}", display(&r.path), escape(e));
                match &progress {
                    Some(p) => p.suspend(|| eprintln!("{line}")),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(p) = &progress {
            p.set_position(s.live_files_seen());
            if s.paths % 64 == 0 {
                p.set_message(format!(
                    "{} PE, {} components, {} MiB",
                    s.pe_files,
                    s.components,
                    s.bytes_read >> 20
                ));
            }
        }
        if write_error.is_none() {
            if let Err(e) = printer.file(r) {
                write_error = Some(e);
            }
        }
    });
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let mut summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("iisweep: --files-from: {e}");
            return EXIT_FATAL;
        }
    };
    for view in &mut cfg.servers {
        let Some(v) = std::sync::Arc::get_mut(view) else {
            continue;
        };
        v.judge_files(&registered);
        if let Some((path, prior)) = &baseline {
            crate::config::baseline::compare(v, path, prior, &registered);
        }
        summary.add_server(v);
        if write_error.is_none() {
            if let Err(e) = printer.server(v, &registered) {
                write_error = Some(e);
            }
        }
    }
    if let Some(e) = write_error.or_else(|| printer.finish(&summary).err()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return EXIT_FATAL;
        }
        eprintln!("iisweep: writing output: {e}");
        return EXIT_FATAL;
    }
    exit_code(
        summary.max_level >= a.fail_level,
        summary.errors > 0 || summary.config_errors > 0,
    )
}

/// The documented exit code for a finished sweep.
pub fn exit_code(found: bool, file_errors: bool) -> i32 {
    (if found { EXIT_FOUND } else { 0 }) | (if file_errors { EXIT_FILE_ERRORS } else { 0 })
}

fn progress_bar() -> indicatif::ProgressBar {
    let p = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    p.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos} files ({per_sec}), {msg} [{elapsed}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    p.enable_steady_tick(std::time::Duration::from_millis(200));
    p
}

fn run_inspect(a: &InspectArgs) -> i32 {
    let trust_roots = match args::trust_roots(&a.trust_roots) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("iisweep: {e}");
            return EXIT_FATAL;
        }
    };
    let rules = match a.rules.compile() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("iisweep: rules: {e}");
            return EXIT_FATAL;
        }
    };
    let load = a.load.options(true);
    let analyze = AnalyzeOptions {
        entropy_all: true,
        trust_roots,
        ..Default::default()
    };
    let r = scan::process_path(
        a.file.clone(),
        &scan::Stages::new(&load, &analyze, rules.as_ref()),
    );
    let mut out = io::stdout().lock();
    let res = if a.json {
        crate::report::safe_json::to_writer_pretty(&mut out, &report::record::file_record(&r))
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out))
    } else {
        report::inspect::write_inspect(&mut out, &r)
    };
    if let Err(e) = res {
        eprintln!("iisweep: writing output: {e}");
        return EXIT_FATAL;
    }
    match &r.outcome {
        Outcome::Error(e) => {
            eprintln!("iisweep: {}: {}", display(&r.path), escape(e));
            EXIT_FILE_ERRORS
        }
        Outcome::Analyzed(x) if x.judgement.verdict.level >= Level::Info => EXIT_FOUND,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(false, false), 0);
        assert_eq!(exit_code(true, false), 1);
        assert_eq!(exit_code(false, true), 4);
        assert_eq!(exit_code(true, true), 5);
    }
}
