//! Match stage: YARA-X rules over each PE, with iisweep's facts as globals
//! (declared once, in [`globals`]).
//!
//! The rule pack in `signatures/` is embedded in the binary and compiled once
//! per process, together with any `--rules` files. Compiled rules are shared
//! by every worker; each worker thread keeps one `Scanner`, created on first
//! use and reused for every file it scans. Before each scan the file's facts
//! are set as globals (roles, .NET, signature, name, extension, path), so a
//! rule can combine structure and content.
//!
//! A compiled [`RuleSet`] lives for the rest of the process (its rules are
//! leaked on purpose): per-thread scanners borrow them for `'static`, which
//! keeps the hot path free of locks and re-creation.
//!
//! Error policy: a rule that fails to compile is an error for the whole run
//! (with file, line and message); a scan that times out or fails is that
//! file's `rules_error`, and the sweep goes on.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::model::{Evidence, FactValue, RuleHit};

pub mod globals;
pub mod traces;

pub use globals::{Subject, GLOBALS};

/// The embedded rule pack: (origin, source).
pub const DEFAULT_PACK: &[(&str, &str)] = &[
    (
        "signatures/identification.yar",
        include_str!("../../signatures/identification.yar"),
    ),
    (
        "signatures/heuristics.yar",
        include_str!("../../signatures/heuristics.yar"),
    ),
    (
        "signatures/families.yar",
        include_str!("../../signatures/families.yar"),
    ),
];

/// The install-trace pack: (origin, source).
pub const TRACE_PACK: (&str, &str) = (
    "signatures/traces.yar",
    include_str!("../../signatures/traces.yar"),
);

/// Metadata keys `iisweep rules check` requires on every rule.
pub const REQUIRED_META: &[&str] = &[
    "description",
    "score",
    "attack",
    "reference",
    "layer",
    "sample",
];
/// Allowed values of the `layer` metadata.
pub const LAYERS: &[&str] = &["identification", "heuristic", "family", "trace"];
/// Rule sets whose scanner a thread keeps (older ones are dropped).
const MAX_SCANNERS_PER_THREAD: usize = 4;
/// Score given to a matching rule without a `score` metadata (user rules).
pub const DEFAULT_SCORE: u8 = 50;
/// Most evidence items kept per matching rule.
pub const MAX_EVIDENCE_PER_RULE: usize = 8;
/// Most bytes of a match shown in an excerpt.
pub const EXCERPT_LEN: usize = 48;
/// Default per-file rule scan timeout (`--rule-timeout`), in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// Default matches kept per pattern and file (`--max-matches-per-pattern`).
pub const DEFAULT_MAX_MATCHES_PER_PATTERN: usize = 100;

/// What iisweep knows of a rule, from its metadata and source.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// Rule identifier.
    pub name: String,
    /// Namespace (`default` for the pack).
    pub namespace: String,
    /// File the rule came from.
    pub origin: String,
    /// `description` meta.
    pub description: String,
    /// `score` meta, 0-100.
    pub score: u8,
    /// `attack` meta, split on commas.
    pub attack: Vec<String>,
    /// `reference` meta.
    pub reference: String,
    /// `layer` meta.
    pub layer: String,
    /// `family` meta.
    pub family: Option<String>,
    /// `sample` meta.
    pub sample: Option<String>,
    /// All metadata, as strings, for `rules check`.
    pub meta: BTreeMap<String, String>,
    /// The iisweep globals the rule's source mentions (indexes into [`GLOBALS`]).
    pub globals_used: Vec<usize>,
    /// The rule's condition requires an IIS component (derived by
    /// [`gate_of`]): it cannot match any other file.
    pub requires_component: bool,
}

/// Rule settings, fixed for a sweep.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// Compile the embedded pack.
    pub default_pack: bool,
    /// Extra rule files or folders (`*.yar`, `*.yara`).
    pub extra: Vec<PathBuf>,
    /// Per-file scan timeout.
    pub timeout: Duration,
    /// Most matches kept per pattern.
    pub max_matches_per_pattern: usize,
    /// Scan a file only with the rules whose preconditions its facts meet
    /// (`--no-rule-gating` turns it off).
    pub gating: bool,
    /// Gate user rules too (`--gate-user-rules`); otherwise user rules scan
    /// every PE.
    pub gate_user_rules: bool,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            gating: true,
            gate_user_rules: false,
            default_pack: true,
            extra: Vec::new(),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            max_matches_per_pattern: DEFAULT_MAX_MATCHES_PER_PATTERN,
        }
    }
}

/// Compiled rules plus what iisweep knows of each.
pub struct RuleSet {
    rules: &'static yara_x::Rules,
    id: usize,
    /// Rule catalogue, in compile order.
    pub info: Vec<RuleInfo>,
    index: BTreeMap<(String, String), usize>,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Compiler warnings (file:line: message).
    pub warnings: Vec<String>,
    timeout: Duration,
    max_matches: usize,
    /// What a file that is not an IIS component is scanned with.
    others: Others,
    /// Some rule text names `file_path`: a verdict may differ between two
    /// paths with the same bytes and the same file name.
    pub uses_file_path: bool,
}

/// How files that are not IIS components are scanned.
enum Others {
    /// With this set (gating off, or some rule without a precondition).
    All,
    /// Not at all: every rule requires a component.
    Skip,
    /// With the rules that do not require one (compiled apart).
    Subset(Box<RuleSet>),
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.info.len())
            .finish()
    }
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// One scanner per rule set this thread used (a sweep has two: the
    /// pack and the trace pack), most recent last.
    static SCANNERS: RefCell<Vec<(usize, yara_x::Scanner<'static>)>> = const { RefCell::new(Vec::new()) };
}

/// Rule files under `path`: the file itself, or `*.yar`/`*.yara` below a folder, sorted.
pub fn rule_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yar" || x == "yara") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compile the pack and/or extra rules.
pub fn compile(opts: &RuleOptions) -> Result<RuleSet, String> {
    let start = Instant::now();
    let mut sources: Vec<(String, String)> = Vec::new();
    if opts.default_pack {
        sources.extend(
            DEFAULT_PACK
                .iter()
                .map(|(o, s)| (o.to_string(), s.to_string())),
        );
    }
    for p in &opts.extra {
        let files = rule_files(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if files.is_empty() {
            return Err(format!("{}: no .yar or .yara files", p.display()));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            sources.push((f.display().to_string(), text));
        }
    }
    let pack_sources = if opts.default_pack {
        DEFAULT_PACK.len()
    } else {
        0
    };
    let mut set = build(&sources, opts, start)?;
    // Conservative: a mention in a comment or string counts too.
    set.uses_file_path = sources.iter().any(|(_, t)| mentions(t, "file_path"));
    if opts.gating {
        set.others = others(&set, &sources, pack_sources, opts, start);
    }
    Ok(set)
}

/// Decides how files that are not components are scanned. A pack rule is
/// gated when its condition requires a component; a user rule only with
/// `--gate-user-rules`. With every rule gated, such files are not scanned;
/// otherwise the ungated rules (each file's `import` lines and the rules'
/// own text) are compiled apart for them. A subset that does not compile
/// alone (a rule that uses another rule) scans them with everything.
fn others(
    set: &RuleSet,
    sources: &[(String, String)],
    pack_sources: usize,
    opts: &RuleOptions,
    start: Instant,
) -> Others {
    let pack_origins: Vec<&str> = sources[..pack_sources]
        .iter()
        .map(|(o, _)| o.as_str())
        .collect();
    let is_pack = |ri: &RuleInfo| pack_origins.contains(&ri.origin.as_str());
    let gated = |ri: &RuleInfo| ri.requires_component && (is_pack(ri) || opts.gate_user_rules);
    let ungated: Vec<&RuleInfo> = set.info.iter().filter(|ri| !gated(ri)).collect();
    if ungated.is_empty() {
        return Others::Skip;
    }
    let spans = rule_spans(sources);
    let mut subset: Vec<(String, String)> = Vec::new();
    for (origin, text) in sources {
        let bodies: Vec<&str> = ungated
            .iter()
            .filter(|ri| ri.origin == *origin)
            .filter_map(|ri| spans.get(&ri.name).map(|(_, body)| body.as_str()))
            .collect();
        if bodies.is_empty() {
            continue;
        }
        let mut src: String = text
            .lines()
            .filter(|l| l.trim_start().starts_with("import "))
            .map(|l| format!("{l}\n"))
            .collect();
        for b in bodies {
            src.push_str(b);
            src.push('\n');
        }
        subset.push((origin.clone(), src));
    }
    let mut sub_opts = opts.clone();
    sub_opts.gating = false;
    match build(&subset, &sub_opts, start) {
        Ok(sub) if sub.len() == ungated.len() => Others::Subset(Box::new(sub)),
        _ => Others::All,
    }
}

/// True when a rule's condition (its source from `rule` to the closing
/// brace) requires an IIS component or a near miss: some top-level
/// conjunct is `iis_component`, a role global, `iis_near_miss`, or a
/// parenthesised disjunction of them.
pub fn gate_of(body: &str) -> bool {
    const ROLE_GLOBALS: &[&str] = &[
        "iis_component",
        "iis_native_module",
        "iis_isapi_extension",
        "iis_isapi_filter",
        "iis_managed_module",
        "iis_managed_handler",
        "iis_near_miss",
    ];
    let Some(at) = body.find("condition:") else {
        return false;
    };
    let cond: String = body[at + "condition:".len()..]
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let cond = cond.trim().trim_end_matches('}').trim();
    let is_role = |t: &str| {
        let t = strip_parens(t);
        split_top(t, "or")
            .iter()
            .all(|d| ROLE_GLOBALS.contains(&strip_parens(d)))
    };
    split_top(strip_parens(cond), "and")
        .iter()
        .any(|c| is_role(c))
}

/// `t` without parentheses that enclose all of it.
fn strip_parens(t: &str) -> &str {
    let mut t = t.trim();
    while t.starts_with('(') && t.ends_with(')') && split_top(&t[1..t.len() - 1], "").len() == 1 {
        t = t[1..t.len() - 1].trim();
    }
    t
}

/// Splits `t` on the keyword `kw` at parenthesis depth 0, outside strings
/// and regexes. With an empty `kw`, returns one part unless the
/// parentheses are unbalanced (then none).
fn split_top<'t>(t: &'t str, kw: &str) -> Vec<&'t str> {
    let b = t.as_bytes();
    let mut parts = Vec::new();
    let (mut depth, mut from, mut i) = (0i32, 0usize, 0usize);
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => quote = Some(b'"'),
            b'/' if i > 0
                && b[..i]
                    .iter()
                    .rev()
                    .find(|x| !x.is_ascii_whitespace())
                    .is_some_and(|p| *p == b's' || *p == b'(') =>
            {
                quote = Some(b'/')
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return Vec::new();
                }
            }
            _ if depth == 0
                && !kw.is_empty()
                && b[i..].starts_with(kw.as_bytes())
                && (i == 0 || b[i - 1].is_ascii_whitespace() || b[i - 1] == b')')
                && b.get(i + kw.len())
                    .is_none_or(|n| n.is_ascii_whitespace() || *n == b'(') =>
            {
                parts.push(t[from..i].trim());
                from = i + kw.len();
                i = from;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Vec::new();
    }
    parts.push(t[from..].trim());
    parts
}

/// The install-trace pack (`signatures/traces.yar`), compiled on its own:
/// it runs on scripts and shell history, never on PE files.
pub fn compile_traces(opts: &RuleOptions) -> Result<RuleSet, String> {
    let start = Instant::now();
    let sources = vec![(TRACE_PACK.0.to_string(), TRACE_PACK.1.to_string())];
    build(&sources, opts, start)
}

fn build(
    sources: &[(String, String)],
    opts: &RuleOptions,
    start: Instant,
) -> Result<RuleSet, String> {
    let mut c = yara_x::Compiler::new();
    // Globals are set per file; a condition that is constant under their
    // default values is expected, not a mistake.
    let _ = c.switch_warning("invariant_expr", false);
    for g in GLOBALS {
        match g.default_value() {
            FactValue::Bool(b) => c.define_global(g.name, b),
            FactValue::Str(s) => c.define_global(g.name, s.as_str()),
        }
        .map_err(|e| e.to_string())?;
    }
    for (origin, text) in sources {
        c.add_source(yara_x::SourceCode::from(text.as_str()).with_origin(origin.as_str()))
            .map_err(|e| e.to_string())?;
    }
    let warnings = c.warnings().iter().map(|w| w.to_string()).collect();
    let rules: &'static yara_x::Rules = Box::leak(Box::new(c.build()));
    let mut info = Vec::new();
    let mut index = BTreeMap::new();
    let spans = rule_spans(sources);
    for r in rules.iter() {
        let mut meta = BTreeMap::new();
        for (k, v) in r.metadata() {
            let s = match v {
                yara_x::MetaValue::Integer(i) => i.to_string(),
                yara_x::MetaValue::Float(f) => f.to_string(),
                yara_x::MetaValue::Bool(b) => b.to_string(),
                yara_x::MetaValue::String(s) => s.to_string(),
                yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            };
            meta.insert(k.to_string(), s);
        }
        let (origin, body) = spans.get(r.identifier()).cloned().unwrap_or_default();
        let globals_used = (0..GLOBALS.len())
            .filter(|&i| mentions(&body, GLOBALS[i].name))
            .collect();
        let get = |k: &str| meta.get(k).cloned();
        let ri = RuleInfo {
            name: r.identifier().to_string(),
            namespace: r.namespace().to_string(),
            origin,
            description: get("description").unwrap_or_default(),
            score: get("score")
                .and_then(|s| s.parse::<i64>().ok())
                .map(|s| s.clamp(0, 100) as u8)
                .unwrap_or(DEFAULT_SCORE),
            attack: get("attack")
                .map(|a| {
                    a.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            reference: get("reference").unwrap_or_default(),
            layer: get("layer").unwrap_or_else(|| "user".into()),
            family: get("family"),
            sample: get("sample"),
            meta,
            globals_used,
            requires_component: gate_of(&body),
        };
        index.insert((ri.namespace.clone(), ri.name.clone()), info.len());
        info.push(ri);
    }
    Ok(RuleSet {
        rules,
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        info,
        index,
        compile_time: start.elapsed(),
        warnings,
        timeout: opts.timeout,
        max_matches: opts.max_matches_per_pattern,
        others: Others::All,
        uses_file_path: false,
    })
}

/// Does `text` mention identifier `g` as a whole word?
fn mentions(text: &str, g: &str) -> bool {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    text.match_indices(g).any(|(i, _)| {
        let before = i == 0 || !word(b[i - 1]);
        let after = i + g.len() >= b.len() || !word(b[i + g.len()]);
        before && after
    })
}

/// Rule name -> (origin, source text of the rule), by a plain textual split
/// on `rule NAME` declarations (good enough to see which globals a rule names).
fn rule_spans(sources: &[(String, String)]) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for (origin, text) in sources {
        let mut starts: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().scan(0usize, |pos, l| {
            let start = *pos;
            *pos += l.len() + 1;
            Some((start, l))
        }) {
            let t = line.trim_start();
            let t = t.strip_prefix("private ").unwrap_or(t);
            let t = t.strip_prefix("global ").unwrap_or(t);
            if let Some(rest) = t.strip_prefix("rule ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    starts.push((i, name));
                }
            }
        }
        for (k, (s, name)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map(|x| x.0).unwrap_or(text.len());
            out.insert(name.clone(), (origin.clone(), text[*s..end].to_string()));
        }
    }
    out
}

impl RuleSet {
    /// Number of rules.
    pub fn len(&self) -> usize {
        self.info.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.info.is_empty()
    }

    /// Scan a file with the rules whose preconditions its facts can meet:
    /// a file that is neither an IIS component nor a near miss
    /// (`in_scope` false) skips the rules that require one (see
    /// [`RuleOptions::gating`]). The hits equal [`RuleSet::scan`]'s.
    pub fn scan_gated(
        &self,
        bytes: &[u8],
        values: &[FactValue],
        in_scope: bool,
    ) -> Result<Vec<RuleHit>, String> {
        match (&self.others, in_scope) {
            (_, true) | (Others::All, false) => self.scan(bytes, values),
            (Others::Skip, false) => Ok(Vec::new()),
            (Others::Subset(sub), false) => sub.scan(bytes, values),
        }
    }

    /// False when [`RuleSet::scan_gated`] would not scan a file with
    /// this `in_scope`, so its globals need not be computed.
    pub fn scans(&self, in_scope: bool) -> bool {
        in_scope || !matches!(self.others, Others::Skip)
    }

    /// How non-components are scanned: `all`, `none` or `subset` (for
    /// `iisweep rules list` and the tests).
    pub fn gating(&self) -> &'static str {
        match self.others {
            Others::All => "all",
            Others::Skip => "none",
            Others::Subset(_) => "subset",
        }
    }

    /// Scan `bytes` with `values` (one per [`GLOBALS`] entry, see
    /// [`globals::values`]) set as globals, with every rule. `Err` on
    /// timeout or scan failure.
    pub fn scan(&self, bytes: &[u8], values: &[FactValue]) -> Result<Vec<RuleHit>, String> {
        SCANNERS.with(|cell| {
            let mut slots = cell.borrow_mut();
            let at = match slots.iter().position(|(id, _)| *id == self.id) {
                Some(i) => i,
                None => {
                    if slots.len() >= MAX_SCANNERS_PER_THREAD {
                        slots.remove(0);
                    }
                    let mut s = yara_x::Scanner::new(self.rules);
                    s.set_timeout(self.timeout);
                    s.max_matches_per_pattern(self.max_matches);
                    slots.push((self.id, s));
                    slots.len() - 1
                }
            };
            let scanner = &mut slots[at].1;
            for (g, v) in GLOBALS.iter().zip(values) {
                match v {
                    FactValue::Bool(b) => scanner.set_global(g.name, *b),
                    FactValue::Str(s) => scanner.set_global(g.name, s.as_str()),
                }
                .map_err(|e| e.to_string())?;
            }
            let results = match scanner.scan(bytes) {
                Ok(r) => r,
                Err(yara_x::errors::ScanError::Timeout) => {
                    return Err(format!("rule scan timed out after {:?}", self.timeout))
                }
                Err(e) => return Err(format!("rule scan failed: {e}")),
            };
            Ok(results
                .matching_rules()
                .filter_map(|m| {
                    let key = (m.namespace().to_string(), m.identifier().to_string());
                    let ri = &self.info[*self.index.get(&key)?];
                    Some(hit(ri, &m, values))
                })
                .collect())
        })
    }

    /// Metadata problems of every rule (for `iisweep rules check`).
    pub fn check_metadata(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for r in &self.info {
            let at = format!("{}: rule {}", r.origin, r.name);
            for k in REQUIRED_META {
                if !r.meta.contains_key(*k) {
                    problems.push(format!("{at}: missing meta `{k}`"));
                }
            }
            if let Some(s) = r.meta.get("score") {
                if !s.parse::<i64>().is_ok_and(|v| (0..=100).contains(&v)) {
                    problems.push(format!("{at}: score {s:?} is not an integer 0-100"));
                }
            }
            if let Some(l) = r.meta.get("layer") {
                if !LAYERS.contains(&l.as_str()) {
                    problems.push(format!("{at}: layer {l:?} is not one of {LAYERS:?}"));
                }
                if l == "family" && !r.meta.contains_key("family") {
                    problems.push(format!("{at}: family rule without meta `family`"));
                }
                if l == "identification" && r.score != 0 {
                    problems.push(format!("{at}: identification rules score 0"));
                }
            }
            if let Some(a) = r.meta.get("attack") {
                if !a.split(',').all(|t| {
                    let t = t.trim();
                    t.len() >= 5
                        && t.starts_with('T')
                        && t[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
                }) {
                    problems.push(format!(
                        "{at}: attack {a:?} is not a list of ATT&CK technique ids"
                    ));
                }
            }
        }
        problems
    }
}

/// The reason a matching rule gives: its metadata, up to
/// [`MAX_EVIDENCE_PER_RULE`] matches, and the globals it mentions.
fn hit(ri: &RuleInfo, m: &yara_x::Rule<'_, '_>, values: &[FactValue]) -> RuleHit {
    let mut evidence = Vec::new();
    'p: for p in m.patterns() {
        for x in p.matches() {
            if evidence.len() >= MAX_EVIDENCE_PER_RULE {
                break 'p;
            }
            evidence.push(Evidence {
                pattern: p.identifier().to_string(),
                offset: x.range().start,
                excerpt: excerpt(x.data()),
            });
        }
    }
    RuleHit {
        rule: ri.name.clone(),
        namespace: ri.namespace.clone(),
        layer: ri.layer.clone(),
        description: ri.description.clone(),
        score: ri.score,
        family: ri.family.clone(),
        attack: ri.attack.clone(),
        reference: ri.reference.clone(),
        evidence,
        facts: ri
            .globals_used
            .iter()
            .filter_map(|&i| Some((GLOBALS[i].name, values.get(i)?.clone())))
            .collect(),
    }
}

/// Escape matched bytes for display: printable ASCII as is, UTF-16LE ASCII
/// collapsed, everything else `\xNN`; cut to `EXCERPT_LEN` bytes.
pub fn excerpt(data: &[u8]) -> String {
    let wide = data.len() >= 4
        && data.len() % 2 == 0
        && data
            .chunks(2)
            .all(|c| c[1] == 0 && (0x20..0x7f).contains(&c[0]));
    let bytes: Vec<u8> = if wide {
        data.chunks(2).map(|c| c[0]).collect()
    } else {
        data.to_vec()
    };
    let mut s = String::new();
    for &b in bytes.iter().take(EXCERPT_LEN) {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            s.push(b as char);
        } else if b == b'\\' {
            s.push_str("\\\\");
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if bytes.len() > EXCERPT_LEN {
        s.push('…');
    }
    if wide {
        s.push_str(" (utf-16)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_escaped() {
        assert_eq!(excerpt(b"cmd.exe"), "cmd.exe");
        assert_eq!(excerpt(b"a\x1b[2J\\"), "a\\x1b[2J\\\\");
        assert_eq!(excerpt(b"X\0-\0P\0w\0"), "X-Pw (utf-16)");
        assert!(excerpt(&[b'A'; 100]).ends_with('…'));
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("condition: iis_component and x", "iis_component"));
        assert!(!mentions("condition: iis_components", "iis_component"));
        assert!(!mentions("my_file_name", "file_name"));
    }

    #[test]
    fn gates_are_derived_from_conditions() {
        let r = |c: &str| format!("rule x {{ strings: $a = \"and (\" condition: {c} }}");
        assert!(gate_of(&r("iis_component and $a")));
        assert!(gate_of(&r("$a and iis_component")));
        assert!(gate_of(&r(
            "is_dotnet and (iis_managed_module or iis_managed_handler) and $a"
        )));
        assert!(gate_of(&r(
            "((iis_native_module or iis_isapi_filter)) and\n  any of them // iis"
        )));
        assert!(gate_of(&r("iis_isapi_filter")));
        // Not required: negated, or-ed with something else, or absent.
        assert!(!gate_of(&r("not iis_component and $a")));
        assert!(!gate_of(&r("iis_component or $a")));
        assert!(!gate_of(&r("(iis_native_module or is_dotnet) and $a")));
        assert!(!gate_of(&r("$a")));
        assert!(!gate_of(&r("file_name matches /iis_component and/ and $a")));
        assert!(!gate_of("rule x { condition: (iis_component and $a }"));
        assert!(!gate_of(&r("iis_componentx and $a")));
    }

    /// Every rule of the embedded pack requires a component, so files that
    /// are not components skip the scan; user rules keep scanning them.
    #[test]
    fn the_pack_is_gated_and_user_rules_are_not() {
        let rs = compile(&RuleOptions::default()).unwrap();
        let ungated: Vec<&str> = rs
            .info
            .iter()
            .filter(|r| !r.requires_component)
            .map(|r| r.name.as_str())
            .collect();
        assert!(
            ungated.is_empty(),
            "pack rules without a component precondition: {ungated:?}"
        );
        assert_eq!(rs.gating(), "none");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("u.yar");
        std::fs::write(&f, "rule mine { strings: $a = \"MZ\" condition: $a }\nrule gated_mine { condition: iis_component }").unwrap();
        let with_user = RuleOptions {
            extra: vec![f.clone()],
            ..RuleOptions::default()
        };
        let rs = compile(&with_user).unwrap();
        assert_eq!(rs.gating(), "subset");
        let values: Vec<FactValue> = GLOBALS.iter().map(|g| g.default_value()).collect();
        let hits = rs.scan_gated(b"MZ\0\0", &values, false).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.rule.as_str()).collect::<Vec<_>>(),
            vec!["mine"]
        );
        let off = RuleOptions {
            gating: false,
            ..with_user.clone()
        };
        assert_eq!(compile(&off).unwrap().gating(), "all");
        let opt_in = RuleOptions {
            gate_user_rules: true,
            ..with_user
        };
        assert_eq!(compile(&opt_in).unwrap().gating(), "subset");
    }

    #[test]
    fn pack_compiles_with_complete_metadata() {
        let rs = compile(&RuleOptions::default()).unwrap();
        assert!(rs.len() >= 50, "{} rules", rs.len());
        let problems = rs.check_metadata();
        assert!(problems.is_empty(), "{problems:#?}");
        let native = GLOBALS
            .iter()
            .position(|g| g.name == "iis_native_module")
            .unwrap();
        assert!(rs.info.iter().any(|r| r.globals_used.contains(&native)));
    }

    #[test]
    fn bad_rule_is_reported_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.yar");
        std::fs::write(
            &f,
            "rule ok { condition: true }\nrule bad {\n  condition: nosuchthing\n}\n",
        )
        .unwrap();
        let e = compile(&RuleOptions {
            default_pack: false,
            extra: vec![f],
            ..RuleOptions::default()
        })
        .unwrap_err();
        assert!(e.contains("bad.yar:3"), "{e}");
        assert!(e.contains("nosuchthing"), "{e}");
    }
}
