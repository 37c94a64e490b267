//! Raw flags (clap), their defaults (declared once, here or beside the
//! stage that owns them), and their validation into the immutable
//! configurations the stages take.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use crate::analyze::AnalyzeOptions;
use crate::discover::{DiscoverOptions, Excludes};
use crate::load::LoadOptions;
use crate::model::Level;
use crate::report::Format;
use crate::rules::{self, RuleOptions, RuleSet};
use crate::scan::ScanConfig;

/// Default `--max-filesize`.
pub const DEFAULT_MAX_FILESIZE: ByteSize = ByteSize(64 << 20);
/// Default `--mmap-threshold` (see docs/PERFORMANCE.md for the measurement).

/// A size given on the command line: `123`, `64K`, `64M`, `1G` (also
/// `KiB`/`MB`-style suffixes; powers of 1024). Shown the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl std::fmt::Display for ByteSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] {
            if n != 0 && n % (1 << shift) == 0 {
                return write!(f, "{}{unit}", n >> shift);
            }
        }
        write!(f, "{n}")
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_size(s).map(ByteSize)
    }
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
    /// List the globals iisweep defines for every rule (name, type, meaning).
    Globals {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Print `--define NAME=DEFAULT` arguments for `yr scan` / `yr compile`.
        #[arg(long, conflicts_with = "json")]
        yr_defines: bool,
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
    #[arg(long, value_name = "SECS", default_value_t = rules::DEFAULT_TIMEOUT_SECS)]
    pub rule_timeout: u64,
    /// Most matches kept per pattern and file.
    #[arg(long, value_name = "N", default_value_t = rules::DEFAULT_MAX_MATCHES_PER_PATTERN)]
    pub max_matches_per_pattern: usize,
    /// Scan every PE with every rule, even rules whose conditions require
    /// an IIS component (the same results, slower; for measurement).
    #[arg(long)]
    pub no_rule_gating: bool,
    /// Let user rules whose conditions require an IIS component skip other
    /// files too (by default user rules scan every PE).
    #[arg(long)]
    pub gate_user_rules: bool,
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
        rules::compile(&self.options()).map(Some)
    }

    /// The rule options these flags give (the trace pack compiles with the
    /// same timeout and match cap).
    pub fn options(&self) -> RuleOptions {
        RuleOptions {
            default_pack: !self.no_default_rules,
            extra: self.rules.clone(),
            timeout: std::time::Duration::from_secs(self.rule_timeout),
            max_matches_per_pattern: self.max_matches_per_pattern.max(1),
            gating: !self.no_rule_gating,
            gate_user_rules: self.gate_user_rules,
        }
    }
}

/// How files are read: shared by `scan`, `inspect` and `rules check`.
#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Skip (and report) MZ files larger than SIZE (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_FILESIZE)]
    pub max_filesize: ByteSize,
    /// Memory-map files of at least SIZE instead of reading them. Off by
    /// default: a mapped file that another process truncates kills the
    /// process with SIGBUS, and reads measure as fast.
    #[arg(long, value_name = "SIZE")]
    pub mmap_threshold: Option<ByteSize>,
    /// Never memory-map, even with --mmap-threshold (the default).
    #[arg(long)]
    pub no_mmap: bool,
}

impl Default for LoadArgs {
    fn default() -> Self {
        LoadArgs {
            max_filesize: DEFAULT_MAX_FILESIZE,
            mmap_threshold: None,
            no_mmap: false,
        }
    }
}

impl LoadArgs {
    /// The load stage's options: the one place they are built.
    pub fn options(&self, follow_symlinks: bool) -> LoadOptions {
        LoadOptions {
            max_filesize: self.max_filesize.0,
            mmap_threshold: match (self.no_mmap, self.mmap_threshold) {
                (false, Some(t)) => t.0,
                _ => u64::MAX,
            },
            follow_symlinks,
        }
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
    /// How files are read.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Exclude paths matching GLOB (with a "/": whole path; without: file or folder name). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Follow symbolic links (loops are detected; excludes also apply to the resolved path).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Do not descend into other file systems.
    #[arg(long)]
    pub one_file_system: bool,
    /// Also emit records for files that are not PE (json/ndjson).
    #[arg(long)]
    pub report_all: bool,
    /// Compute section entropy for every PE, not only IIS components.
    #[arg(long)]
    pub entropy_all: bool,
    /// Do not read .NET metadata (no managed roles; for measuring its cost).
    #[arg(long)]
    pub no_dotnet: bool,
    /// Do not analyse the IL of managed components (no behaviour facts, so
    /// the behaviour rules cannot fire; for measuring its cost).
    #[arg(long)]
    pub no_il: bool,
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
    /// Server configuration options.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Sweep only part K of N of the paths (by a hash of each path), so
    /// that N machines split one collection: give every machine the same
    /// roots spelled the same way.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::select::Shard>,
    /// Skip the paths that an earlier sweep's NDJSON or JSON output already
    /// reported (paths it reported as errors are tried again): resumes an
    /// interrupted sweep.
    #[arg(long, value_name = "FILE")]
    pub skip_done: Option<PathBuf>,
    /// Analyse every file, even one whose content (size and SHA-256) an
    /// earlier file had.
    #[arg(long)]
    pub no_dedupe: bool,
    /// Most distinct contents the dedupe cache keeps (oldest evicted first).
    #[arg(long, value_name = "N", default_value_t = crate::dedupe::DEFAULT_CAPACITY)]
    pub dedupe_cache: usize,
    /// Do not open archives (ZIP, gzip, tar): sweep only files on disk.
    #[arg(long)]
    pub no_archives: bool,
    /// Also try this password on encrypted ZIP entries (after "infected").
    /// Repeatable.
    #[arg(long = "archive-password", value_name = "PASSWORD")]
    pub archive_passwords: Vec<String>,
    /// Open archives nested at most this deep (1: only archives on disk).
    #[arg(long, value_name = "N", default_value_t = crate::archive::DEFAULT_DEPTH)]
    pub archive_depth: u32,
    /// Most bytes expanded from one archive on disk, nested ones included.
    #[arg(long, value_name = "SIZE", default_value_t = ByteSize(crate::archive::DEFAULT_MAX_TOTAL))]
    pub archive_max_total: ByteSize,
    /// Do not look for install traces (appcmd, New-WebGlobalModule, gacutil,
    /// logging turned off) in scripts and PowerShell history.
    #[arg(long)]
    pub no_traces: bool,
    /// Print only files at or above this level (errors and skips always print).
    #[arg(long, value_enum, default_value_t = Level::None)]
    pub min_level: Level,
    /// Set exit-code bit 1 when any file reaches this level.
    #[arg(long, value_enum, default_value_t = Level::Info)]
    pub fail_level: Level,
    /// No progress display, no per-file error lines on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also sweep every fixed local drive (Windows: `C:\`, `D:\`, …;
    /// removable, network and optical drives are left out).
    #[arg(long)]
    pub all_drives: bool,
    /// Run at low priority so the server's own work comes first (Windows:
    /// below-normal priority class and background mode, which lowers I/O
    /// priority too; Unix: nice 10).
    #[arg(long)]
    pub low_priority: bool,
    /// Use at most PERCENT of the machine's CPU (1-100): fewer worker
    /// threads, and on Windows a hard cap (a job object's CPU rate limit).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub cpu_limit: Option<u32>,
}

impl ScanArgs {
    /// Applies `--low-priority` and `--cpu-limit`'s hard cap to this
    /// process; called before any worker thread exists (on Linux a nice
    /// value is inherited by the threads made later, not by those
    /// already running). Returns what was done, for the output's
    /// settings, or an error that ends the sweep (a lower priority that did
    /// not take must not be silently ignored on a production server).
    pub fn apply_limits(&self) -> Result<serde_json::Value, String> {
        let mut done = serde_json::Map::new();
        if self.low_priority {
            let how =
                crate::platform::lower_priority().map_err(|e| format!("--low-priority: {e}"))?;
            done.insert("low_priority".into(), how.into());
        }
        if let Some(pct) = self.cpu_limit {
            // The thread cap (scan_config) always holds; the hard cap is
            // extra, and a system that refuses it is said, not fatal.
            let mut limit = serde_json::json!({ "percent": pct, "hard_cap": true });
            match crate::platform::cap_cpu_rate(pct) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                    limit["hard_cap"] = false.into();
                }
                Err(e) => {
                    eprintln!("iisweep: --cpu-limit: no hard CPU cap ({e}); only the worker threads are limited");
                    limit["hard_cap"] = false.into();
                    limit["hard_cap_error"] = e.to_string().into();
                }
            }
            done.insert("cpu_limit".into(), limit);
        }
        Ok(serde_json::Value::Object(done))
    }
}

/// The worker threads `--cpu-limit PERCENT` leaves of `cpus`: the share
/// rounded up, at least one.
pub fn threads_for_limit(cpus: usize, percent: u32) -> usize {
    (cpus * percent as usize)
        .div_ceil(100)
        .clamp(1, cpus.max(1))
}

/// How the server's configuration is found (the config stage).
#[derive(Args, Debug, Default, Clone)]
pub struct ConfigArgs {
    /// Read this applicationHost.config (or a copy of it) instead of looking
    /// for one under each swept root; its paths map onto the `C:` drive
    /// (`--drive C:=DIR`, else the first swept folder).
    #[arg(long, value_name = "FILE")]
    pub iis_config: Option<PathBuf>,
    /// Do not read any IIS configuration (no server view).
    #[arg(long, conflicts_with = "iis_config")]
    pub no_iis_config: bool,
    /// Map a drive letter of the server onto a folder, e.g. `D:=/mnt/data`.
    /// Repeatable. `C:` is the swept root that holds the configuration.
    #[arg(long = "drive", value_name = "X:=DIR", value_parser = parse_drive)]
    pub drives: Vec<(char, PathBuf)>,
    /// Compare the registrations with an earlier sweep's NDJSON or JSON
    /// output: what was added, removed or changed since.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// Parses `X:=DIR`.
pub fn parse_drive(s: &str) -> Result<(char, PathBuf), String> {
    let (d, dir) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected X:=DIR"))?;
    let mut c = d.chars();
    match (c.next(), c.next(), c.next()) {
        (Some(l), Some(':'), None) if l.is_ascii_alphabetic() && !dir.is_empty() => {
            Ok((l.to_ascii_uppercase(), PathBuf::from(dir)))
        }
        _ => Err(format!(
            "{s:?}: expected a drive letter, a colon, '=' and a folder (D:=/mnt/d)"
        )),
    }
}

impl ConfigArgs {
    /// The `--baseline` file read, with its path; `Err` (already reported
    /// on stderr) when it cannot be read.
    #[allow(clippy::type_complexity)]
    pub fn baseline(&self) -> Result<Option<(PathBuf, Vec<crate::config::baseline::Prior>)>, ()> {
        let Some(p) = &self.baseline else {
            return Ok(None);
        };
        match crate::config::baseline::read(p) {
            Ok(prior) => Ok(Some((p.clone(), prior))),
            Err(e) => {
                eprintln!("iisweep: --baseline: {}", crate::util::escape(&e));
                Err(())
            }
        }
    }

    /// The server views of a sweep of `roots`: the one `--iis-config` names,
    /// or one per swept folder that looks like a Windows system drive.
    pub fn servers(&self, roots: &[PathBuf]) -> Vec<crate::config::ServerView> {
        use crate::config::{self, ConfigOptions};
        if self.no_iis_config {
            return Vec::new();
        }
        let c_drive = self
            .drives
            .iter()
            .find(|(d, _)| *d == 'C')
            .map(|(_, p)| p.clone());
        let extra: Vec<(char, PathBuf)> = self
            .drives
            .iter()
            .filter(|(d, _)| *d != 'C')
            .cloned()
            .collect();
        if let Some(file) = &self.iis_config {
            let root = c_drive
                .or_else(|| config_drive_root(file))
                .or_else(|| roots.iter().find(|r| r.is_dir()).cloned())
                .or_else(|| file.parent().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("."));
            let opts = ConfigOptions {
                drives: extra,
                explicit: Some(file.clone()),
            };
            return config::load(&root, &opts).into_iter().collect();
        }
        let opts = ConfigOptions {
            drives: extra,
            explicit: None,
        };
        let mut candidates: Vec<PathBuf> = roots.iter().filter(|r| r.is_dir()).cloned().collect();
        if let Some(c) = c_drive {
            candidates.retain(|r| r != &c);
            candidates.insert(0, c);
        }
        candidates.dedup();
        candidates
            .iter()
            .filter_map(|r| config::load(r, &opts))
            .collect()
    }
}

/// The drive that holds `file` when it sits where IIS keeps its
/// configuration, `<drive>/Windows/System32/inetsrv/config/` (any case):
/// `--iis-config C:\Windows\System32\inetsrv\config\applicationHost.config`
/// on a live server, or the same file on a mounted image, maps `C:` onto
/// that drive whatever folder is swept.
fn config_drive_root(file: &Path) -> Option<PathBuf> {
    let dir = file.parent()?;
    let mut up = dir;
    for want in ["config", "inetsrv", "system32", "windows"] {
        let name = up.file_name()?.to_str()?;
        if !name.eq_ignore_ascii_case(want) {
            return None;
        }
        up = up.parent()?;
    }
    if up.as_os_str().is_empty() {
        return Some(PathBuf::from("."));
    }
    Some(up.to_path_buf())
}

/// `iisweep inspect` flags.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The file.
    pub file: PathBuf,
    /// Print the JSON record instead of text.
    #[arg(long)]
    pub json: bool,
    /// How the file is read (the same size cap as `scan`).
    #[command(flatten)]
    pub load: LoadArgs,
    /// Also trust this code-signing root (PEM or DER). Repeatable.
    #[arg(long = "trust-root", value_name = "CERT")]
    pub trust_roots: Vec<PathBuf>,
    /// Rule options.
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Loads `--trust-root` certificates once per process, shared by every
/// worker.
pub fn trust_roots(paths: &[PathBuf]) -> Result<Arc<[crate::authenticode::UserRoot]>, String> {
    if paths.is_empty() {
        return Ok(Arc::from([]));
    }
    crate::authenticode::load_roots(paths)
        .map(Arc::from)
        .map_err(|e| format!("--trust-root: {e}"))
}

/// Validate scan flags into a config.
pub fn scan_config(a: &ScanArgs) -> Result<ScanConfig, String> {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let threads = match a.threads {
        Some(0) => return Err("--threads must be at least 1".into()),
        Some(n) => n,
        None => cpus,
    };
    let threads = match a.cpu_limit {
        Some(pct) => threads.min(threads_for_limit(cpus, pct)),
        None => threads,
    };
    // rayon's global pool, sized to -j (and so to --cpu-limit): the config
    // stage resolves registrations on it. The sweep has its own pool.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("iisweep-global-{i}"))
        .build_global();
    let excludes = Excludes::new(&a.exclude).map_err(|e| format!("--exclude: {e}"))?;
    if a.fail_level == Level::None {
        return Err("--fail-level must be info, notice, warning or alert".into());
    }
    // The config stage reads the server's configuration on its own thread
    // while the rules compile (both are single-threaded, and neither needs
    // the other): on an image the configuration costs no wall time until
    // it is larger than the compile.
    let roots = swept_roots(a)?;
    let (servers, rules, traces) = std::thread::scope(|s| {
        let servers = s.spawn(|| a.config.servers(&roots));
        let rules = a.rules.compile();
        let traces = if a.no_traces || a.rules.no_default_rules {
            Ok(None)
        } else {
            rules::compile_traces(&a.rules.options()).map(Some)
        };
        let servers = servers
            .join()
            .map_err(|_| "the config stage panicked (please report)".to_string());
        (servers, rules, traces)
    });
    let rules = rules?.map(Arc::new);
    let traces = traces?.map(Arc::new);
    let servers = servers?;
    let trust_roots = trust_roots(&a.trust_roots)?;
    let done = match &a.skip_done {
        Some(p) => Some(
            crate::select::Done::read(p)
                .map_err(|e| format!("--skip-done {}: {e}", crate::util::path::display(p)))?,
        ),
        None => None,
    };
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
        load: a.load.options(a.follow_symlinks),
        analyze: AnalyzeOptions {
            entropy_all: a.entropy_all,
            no_dotnet: a.no_dotnet,
            no_il: a.no_il,
            no_authenticode: a.no_authenticode,
            trust_roots,
            ..Default::default()
        },
        rules,
        report_not_pe: a.report_all,
        servers: servers.into_iter().map(Arc::new).collect(),
        traces,
        dedupe: (!a.no_dedupe).then(|| Arc::new(crate::dedupe::Dedupe::new(a.dedupe_cache))),
        archives: (!a.no_archives).then(|| crate::archive::ArchiveOptions {
            passwords: std::iter::once("infected".to_string())
                .chain(a.archive_passwords.iter().cloned())
                .map(String::into_bytes)
                .collect(),
            max_depth: a.archive_depth.max(1),
            max_entry: a.load.max_filesize.0,
            max_total: a.archive_max_total.0,
        }),
        select: Arc::new(crate::select::Selection {
            shard: a.shard,
            done,
        }),
    })
}

/// The swept roots, which the config stage looks at too: the paths given,
/// then every fixed drive with `--all-drives`; the current folder when
/// there is nothing else to sweep.
fn swept_roots(a: &ScanArgs) -> Result<Vec<PathBuf>, String> {
    let mut roots = a.paths.clone();
    if a.all_drives {
        let drives = crate::platform::fixed_drives().map_err(|e| format!("--all-drives: {e}"))?;
        // A drive also given by hand (`c:\`, `C:`) is swept once: compared
        // after resolving, which also settles case on Windows.
        let given: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .collect();
        for d in drives {
            let same = std::fs::canonicalize(&d).is_ok_and(|c| given.contains(&c));
            if !same && !roots.contains(&d) {
                roots.push(d);
            }
        }
    }
    if roots.is_empty() && a.files_from.is_none() {
        roots.push(PathBuf::from("."));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_drive() {
        let f = Path::new("/mnt/img/WINDOWS/system32/InetSrv/config/applicationHost.config");
        assert_eq!(config_drive_root(f), Some(PathBuf::from("/mnt/img")));
        let f = Path::new("Windows/System32/inetsrv/config/applicationHost.config");
        assert_eq!(config_drive_root(f), Some(PathBuf::from(".")));
        assert_eq!(
            config_drive_root(Path::new("/tmp/copy/applicationHost.config")),
            None
        );
    }

    #[test]
    fn cpu_limit_threads() {
        assert_eq!(threads_for_limit(16, 25), 4);
        assert_eq!(threads_for_limit(2, 50), 1);
        assert_eq!(threads_for_limit(2, 51), 2);
        assert_eq!(threads_for_limit(2, 1), 1);
        assert_eq!(threads_for_limit(3, 100), 3);
        assert_eq!(threads_for_limit(1, 10), 1);
    }

    #[test]
    fn drives() {
        assert_eq!(
            parse_drive("d:=/mnt/d").unwrap(),
            ('D', PathBuf::from("/mnt/d"))
        );
        assert!(parse_drive("D=/x").is_err());
        assert!(parse_drive("DD:=/x").is_err());
        assert!(parse_drive("1:=/x").is_err());
        assert!(parse_drive("D:=").is_err());
    }

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
    fn sizes_print_as_they_are_written() {
        assert_eq!(DEFAULT_MAX_FILESIZE.to_string(), "64M");
        assert_eq!(ByteSize(1 << 30).to_string(), "1G");
        assert_eq!(ByteSize(1536).to_string(), "1536");
        assert_eq!(ByteSize(0).to_string(), "0");
        for s in ["64M", "16M", "1G", "1536", "3K"] {
            assert_eq!(s.parse::<ByteSize>().unwrap().to_string(), s);
        }
    }
}
