//! What the rule and score stages conclude about one file, kept apart from
//! the facts the analyzers established.

/// Verdict levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, clap::ValueEnum)]
pub enum Level {
    /// Not an IIS component and no rule matched.
    #[default]
    None,
    /// An IIS component (or a rule match) with nothing suspicious.
    Info,
    /// Worth a look.
    Notice,
    /// Likely malicious tradecraft.
    Warning,
    /// A known family or strong evidence.
    Alert,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 5] = [
        Level::None,
        Level::Info,
        Level::Notice,
        Level::Warning,
        Level::Alert,
    ];

    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Alert => "alert",
        }
    }
}

/// A file's verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Level.
    pub level: Level,
    /// Score 0-100.
    pub score: u8,
}

/// The value of a rule global for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactValue {
    /// A boolean global.
    Bool(bool),
    /// A string global.
    Str(String),
}

/// One byte range that made a pattern match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Pattern identifier (`$h1`).
    pub pattern: String,
    /// File offset of the match.
    pub offset: usize,
    /// The matched bytes, escaped and cut (see `rules::excerpt`).
    pub excerpt: String,
}

/// A matching rule with its evidence and the facts that fed it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleHit {
    /// Rule identifier.
    pub rule: String,
    /// Namespace.
    pub namespace: String,
    /// Layer (`identification`, `heuristic`, `family`, or `user`).
    pub layer: String,
    /// Description.
    pub description: String,
    /// Score 0-100.
    pub score: u8,
    /// Family, for family rules.
    pub family: Option<String>,
    /// ATT&CK technique ids.
    pub attack: Vec<String>,
    /// Reference (may be empty).
    pub reference: String,
    /// Pattern matches (bounded by `rules::MAX_EVIDENCE_PER_RULE`).
    pub evidence: Vec<Evidence>,
    /// Values of the globals the rule mentions, for this file, by name.
    pub facts: Vec<(&'static str, FactValue)>,
}

/// The rule and score stages' conclusion about one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
    /// Matching rules, strongest first (the reasons of the verdict).
    pub hits: Vec<RuleHit>,
    /// Why the rules could not run on this file (timeout, scan error).
    pub rules_error: Option<String>,
    /// Score and level.
    pub verdict: Verdict,
}
