//! Command line: raw flags (clap) validated once into an immutable
//! `ScanConfig`, then the sweep, the printer and the exit code. The only
//! module that prints to stderr or chooses exit codes.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::analyze::{AnalyzeOptions, FileReport, Outcome};
use crate::discover::{DiscoverOptions, Excludes};
use crate::load::LoadOptions;
use crate::report::{self, sanitize::display, sanitize::escape, Filter, Format, Printer};
use crate::rules::{self, RuleOptions, RuleSet};
use crate::scan::{self, ScanConfig};
use crate::score::Level;
use std::sync::Arc;

/// Exit code bit: at least one file reached `--fail-level` (default `info`:
/// any IIS component or rule match).
pub const EXIT_FOUND: i32 = 1;
/// Exit code: usage or fatal error (nothing, or not everything, was swept).
pub const EXIT_FATAL: i32 = 2;
/// Exit code bit: some paths could not be read or analysed.
pub const EXIT_FILE_ERRORS: i32 = 4;

/// Default `--max-filesize`.
pub const DEFAULT_MAX_FILESIZE: u64 = 64 << 20;
/// Default `--mmap-threshold` (see docs/PERFORMANCE.md for the measurement).
pub const DEFAULT_MMAP_THRESHOLD: u64 = 16 << 20;

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
    /// List or check rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// `iisweep rules ...`.
#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List the rules that a scan would use.
    List {
        /// Rule options.
        #[command(flatten)]
        rules: RuleArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compile rule files or folders and check their metadata (and, where
    /// the `sample` files exist, that each rule fires on its sample).
    Check {
        /// Rule files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Folder that `sample` metadata is relative to (default: a
        /// `samples-synthetic` folder next to the rules folder, if any).
        #[arg(long, value_name = "DIR")]
        samples: Option<PathBuf>,
    },
}

/// Rule options shared by `scan`, `inspect` and `rules list`.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Add YARA rules from a file or folder (*.yar, *.yara). Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not use the embedded rule pack (with no --rules: no rules at all).
    #[arg(long)]
    pub no_default_rules: bool,
    /// Per-file rule scan timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub rule_timeout: u64,
    /// Most matches kept per pattern and file.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_matches_per_pattern: usize,
}

impl RuleArgs {
    /// Compile the rules these options ask for; `None` when there are none.
    pub fn compile(&self) -> Result<Option<RuleSet>, String> {
        if self.no_default_rules && self.rules.is_empty() {
            return Ok(None);
        }
        if self.rule_timeout == 0 {
            return Err("--rule-timeout must be at least 1 second".into());
        }
        let opts = RuleOptions {
            default_pack: !self.no_default_rules,
            extra: self.rules.clone(),
            timeout: std::time::Duration::from_secs(self.rule_timeout),
            max_matches_per_pattern: self.max_matches_per_pattern.max(1),
        };
        rules::compile(&opts).map(Some)
    }
}

/// `iisweep scan` flags.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files and folders to sweep (default: the current folder, unless --files-from is given).
    pub paths: Vec<PathBuf>,
    /// Also sweep the paths listed in FILE, one per line ("-" reads stdin).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Worker threads (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip (and report) MZ files larger than SIZE (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub max_filesize: u64,
    /// Exclude paths matching GLOB (with a "/": whole path; without: file or folder name). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Follow symbolic links (loops are detected; excludes also apply to the resolved path).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Do not descend into other file systems.
    #[arg(long)]
    pub one_file_system: bool,
    /// Memory-map files of at least SIZE instead of reading them.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub mmap_threshold: u64,
    /// Never memory-map (safest on trees that change during the sweep).
    #[arg(long)]
    pub no_mmap: bool,
    /// Also emit records for files that are not PE (json/ndjson).
    #[arg(long)]
    pub report_all: bool,
    /// Compute section entropy for every PE, not only IIS components.
    #[arg(long)]
    pub entropy_all: bool,
    /// Do not read .NET metadata (no managed roles; for measuring its cost).
    #[arg(long)]
    pub no_dotnet: bool,
    /// Do not parse or verify Authenticode signatures (the signature
    /// globals read false; for measuring its cost).
    #[arg(long)]
    pub no_authenticode: bool,
    /// Also trust this code-signing root (PEM or DER certificate file, e.g.
    /// your organisation's own CA). Repeatable. Never counts as Microsoft.
    #[arg(long = "trust-root", value_name = "CERT")]
    pub trust_roots: Vec<PathBuf>,
    /// Rule options.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print only files at or above this level (errors and skips always print).
    #[arg(long, value_enum, default_value_t = Level::None)]
    pub min_level: Level,
    /// Set exit-code bit 1 when any file reaches this level.
    #[arg(long, value_enum, default_value_t = Level::Info)]
    pub fail_level: Level,
    /// No progress display, no per-file error lines on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `iisweep inspect` flags.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The file.
    pub file: PathBuf,
    /// Print the JSON record instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also trust this code-signing root (PEM or DER). Repeatable.
    #[arg(long = "trust-root", value_name = "CERT")]
    pub trust_roots: Vec<PathBuf>,
    /// Rule options.
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Parse `123`, `64K`, `64M`, `1G` (also `KiB`/`MB`-style suffixes; powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("invalid size {s:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("invalid size unit in {s:?} (use K, M or G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// Validate scan flags into a config.
pub fn scan_config(a: &ScanArgs) -> Result<ScanConfig, String> {
    let threads = match a.threads {
        Some(0) => return Err("--threads must be at least 1".into()),
        Some(n) => n,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    let excludes = Excludes::new(&a.exclude).map_err(|e| format!("--exclude: {e}"))?;
    if a.fail_level == Level::None {
        return Err("--fail-level must be info, notice, warning or alert".into());
    }
    let rules = a.rules.compile()?.map(Arc::new);
    let trust_roots = load_trust_roots(&a.trust_roots)?;
    let mut roots = a.paths.clone();
    if roots.is_empty() && a.files_from.is_none() {
        roots.push(PathBuf::from("."));
    }
    Ok(ScanConfig {
        roots,
        files_from: a.files_from.clone(),
        threads,
        discover: DiscoverOptions {
            threads,
            follow_symlinks: a.follow_symlinks,
            one_file_system: a.one_file_system,
            excludes,
        },
        load: LoadOptions {
            max_filesize: a.max_filesize,
            mmap_threshold: if a.no_mmap {
                u64::MAX
            } else {
                a.mmap_threshold
            },
            follow_symlinks: a.follow_symlinks,
        },
        analyze: AnalyzeOptions {
            entropy_all: a.entropy_all,
            no_dotnet: a.no_dotnet,
            no_authenticode: a.no_authenticode,
            trust_roots,
            ..Default::default()
        },
        rules,
        report_not_pe: a.report_all,
    })
}

/// Run the CLI; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Scan(a) => run_scan(&a),
        Command::Inspect(a) => run_inspect(&a),
        Command::Rules(c) => run_rules(c),
    }
}

fn run_scan(a: &ScanArgs) -> i32 {
    let cfg = match scan_config(a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("iisweep: {e}");
            return EXIT_FATAL;
        }
    };
    let settings = serde_json::json!({
        "paths": cfg.roots.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
        "files_from": cfg.files_from.as_ref().map(|p| p.to_string_lossy()),
        "threads": cfg.threads,
        "max_filesize": a.max_filesize,
        "mmap_threshold": cfg.load.mmap_threshold,
        "exclude": a.exclude,
        "follow_symlinks": a.follow_symlinks,
        "one_file_system": a.one_file_system,
        "report_all": a.report_all,
        "min_level": a.min_level,
        "fail_level": a.fail_level,
        "rules": cfg.rules.as_ref().map(|r| serde_json::json!({
            "embedded_pack": !a.rules.no_default_rules,
            "extra": a.rules.rules.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
            "count": r.len(),
            "compile_ms": (r.compile_time.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            "timeout_secs": a.rules.rule_timeout,
            "max_matches_per_pattern": a.rules.max_matches_per_pattern,
        })),
    });
    let filter = Filter {
        report_all: a.report_all,
        min_level: a.min_level,
    };
    let stdout = io::stdout().lock();
    let out = io::BufWriter::with_capacity(1 << 16, stdout);
    let mut printer: Box<dyn Printer> = match a.format {
        Format::Ndjson => Box::new(report::NdjsonPrinter::new(out, filter)),
        Format::Json => Box::new(report::JsonPrinter::new(out, filter, settings)),
        Format::Table => Box::new(report::table::TablePrinter::new(out, filter)),
    };
    let progress = (!a.quiet && io::stderr().is_terminal()).then(progress_bar);
    let mut write_error: Option<io::Error> = None;
    let result = scan::run(&cfg, |r: &FileReport, s| {
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
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("iisweep: --files-from: {e}");
            return EXIT_FATAL;
        }
    };
    if let Some(e) = write_error.or_else(|| printer.finish(&summary).err()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return EXIT_FATAL;
        }
        eprintln!("iisweep: writing output: {e}");
        return EXIT_FATAL;
    }
    exit_code(summary.max_level >= a.fail_level, summary.errors > 0)
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

/// Loads `--trust-root` certificates once per process (leaked: they live as
/// long as the sweep and `AnalyzeOptions` stays `Copy`).
fn load_trust_roots(paths: &[PathBuf]) -> Result<&'static [crate::authenticode::UserRoot], String> {
    if paths.is_empty() {
        return Ok(&[]);
    }
    let roots = crate::authenticode::load_roots(paths).map_err(|e| format!("--trust-root: {e}"))?;
    Ok(Vec::leak(roots))
}

fn run_inspect(a: &InspectArgs) -> i32 {
    let trust_roots = match load_trust_roots(&a.trust_roots) {
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
    let load = LoadOptions {
        max_filesize: u64::MAX,
        mmap_threshold: DEFAULT_MMAP_THRESHOLD,
        follow_symlinks: true,
    };
    let r = scan::process_path(
        a.file.clone(),
        &load,
        &AnalyzeOptions {
            entropy_all: true,
            trust_roots,
            ..Default::default()
        },
        rules.as_ref(),
    );
    let mut out = io::stdout().lock();
    let res = if a.json {
        serde_json::to_writer_pretty(&mut out, &report::json::file_record(&r))
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
        Outcome::Analyzed(x) if x.verdict.level >= Level::Info => EXIT_FOUND,
        _ => 0,
    }
}

fn run_rules(c: RulesCommand) -> i32 {
    match c {
        RulesCommand::List { rules, json } => {
            let set = match rules.compile() {
                Ok(Some(s)) => s,
                Ok(None) => {
                    eprintln!("iisweep: no rules (--no-default-rules without --rules)");
                    return EXIT_FATAL;
                }
                Err(e) => {
                    eprintln!("iisweep: rules: {e}");
                    return EXIT_FATAL;
                }
            };
            let mut out = io::stdout().lock();
            let res = if json {
                serde_json::to_writer_pretty(&mut out, &set.info)
                    .map_err(io::Error::from)
                    .and_then(|_| writeln!(out))
            } else {
                (|| {
                    writeln!(
                        out,
                        "{:<15} {:>5}  {:<44} DESCRIPTION",
                        "LAYER", "SCORE", "RULE"
                    )?;
                    for r in &set.info {
                        writeln!(
                            out,
                            "{:<15} {:>5}  {:<44} {}",
                            r.layer,
                            r.score,
                            r.name,
                            escape(&r.description)
                        )?;
                    }
                    writeln!(
                        out,
                        "{} rules, compiled in {:.1} ms",
                        set.len(),
                        set.compile_time.as_secs_f64() * 1000.0
                    )
                })()
            };
            if res.is_err() {
                return EXIT_FATAL;
            }
            0
        }
        RulesCommand::Check { paths, samples } => check_rules(&paths, samples),
    }
}

/// `iisweep rules check`: compile, check metadata, and fire each rule on its sample.
fn check_rules(paths: &[PathBuf], samples: Option<PathBuf>) -> i32 {
    let opts = RuleOptions {
        default_pack: false,
        extra: paths.to_vec(),
        ..RuleOptions::default()
    };
    let set = match rules::compile(&opts) {
        Ok(s) => s,
        Err(e) => {
            println!("FAIL compile: {e}");
            return 1;
        }
    };
    let mut problems = set.check_metadata();
    for w in &set.warnings {
        println!("warning: {w}");
    }
    let samples = samples.or_else(|| {
        let first = paths.first()?;
        let dir = if first.is_dir() {
            first.clone()
        } else {
            first.parent()?.to_path_buf()
        };
        let cand = dir.parent().unwrap_or(&dir).join("samples-synthetic");
        cand.is_dir().then_some(cand)
    });
    let mut fired = 0;
    if let Some(root) = &samples {
        let load = LoadOptions {
            max_filesize: u64::MAX,
            mmap_threshold: u64::MAX,
            follow_symlinks: false,
        };
        for r in &set.info {
            let Some(sample) = &r.sample else { continue };
            let path = root.join(sample);
            if !path.is_file() {
                problems.push(format!(
                    "{}: rule {}: sample {} does not exist",
                    r.origin,
                    r.name,
                    path.display()
                ));
                continue;
            }
            let rep =
                scan::process_path(path.clone(), &load, &AnalyzeOptions::default(), Some(&set));
            let hit = rep.analysis().is_some_and(|a| {
                a.rule_hits
                    .iter()
                    .any(|h| h.rule == r.name && h.namespace == r.namespace)
            });
            if hit {
                fired += 1;
            } else {
                problems.push(format!(
                    "{}: rule {} does not fire on its sample {}",
                    r.origin,
                    r.name,
                    path.display()
                ));
            }
        }
    }
    for p in &problems {
        println!("FAIL {}", escape(p));
    }
    println!(
        "{} rules, {} problems{}",
        set.len(),
        problems.len(),
        samples
            .map(|s| format!(", {fired} fired on their samples under {}", s.display()))
            .unwrap_or_default()
    );
    if problems.is_empty() {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("2KiB").unwrap(), 2048);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(false, false), 0);
        assert_eq!(exit_code(true, false), 1);
        assert_eq!(exit_code(false, true), 4);
        assert_eq!(exit_code(true, true), 5);
    }
}
