//! What happened to one path, and the facts established about its bytes.

use std::path::PathBuf;

use super::{Judgement, Role};
use crate::authenticode::CodeSignature;
use crate::dotnet::DotnetInfo;
use crate::pe::PeFacts;

/// Facts about one file that starts with `MZ`: the analyze stage's output,
/// a pure function of the bytes.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// PE facts, when the headers could be read.
    pub pe: Option<PeFacts>,
    /// Why there are no PE facts (an `MZ` file that is not a PE).
    pub not_pe_reason: Option<String>,
    /// .NET metadata facts, for files with a CLR runtime header.
    pub dotnet: Option<DotnetInfo>,
    /// Authenticode facts, for files with a certificate table.
    pub code_signature: Option<CodeSignature>,
    /// IIS roles, all analysers combined, sorted and unique.
    pub roles: Vec<Role>,
}

impl Facts {
    /// True when the file is an IIS component in at least one role.
    pub fn is_component(&self) -> bool {
        !self.roles.is_empty()
    }

    /// True when the file has role `r`.
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

/// An analysed file: its facts and their judgement.
#[derive(Debug, Clone, Default)]
pub struct Analyzed {
    /// What the analyzers established.
    pub facts: Facts,
    /// What the rules and the score made of it.
    pub judgement: Judgement,
}

/// Why a file was not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// Over `--max-filesize`.
    TooLarge,
    /// FIFO, socket or device.
    Special,
    /// A symlink, not followed.
    Symlink,
    /// Matched `--exclude`.
    Excluded,
}

impl SkipReason {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "too_large",
            SkipReason::Special => "special_file",
            SkipReason::Symlink => "symlink",
            SkipReason::Excluded => "excluded",
        }
    }
}

/// What happened to one path.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Does not start with `MZ`.
    NotPe,
    /// Not analysed, with the reason and a detail for people.
    Skipped(SkipReason, String),
    /// Could not be read or analysed.
    Error(String),
    /// Analysed (possibly partially: see the parsers' `errors`).
    Analyzed(Box<Analyzed>),
}

/// A registration in a server's configuration that leads to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRef {
    /// `global_module`, `module`, `isapi_filter`, `handler`, ...
    pub kind: &'static str,
    /// The registered name, when the element has one.
    pub name: Option<String>,
    /// The configuration file that holds it (host path).
    pub config: PathBuf,
    /// Its line there.
    pub line: u32,
    /// The URL path it applies to (`""` for the whole server).
    pub scope: String,
    /// Enabled (global modules: in some application's `modules`; filters:
    /// their `enabled` attribute), when that applies.
    pub enabled: Option<bool>,
}

/// An install trace: a line of a script or shell history that registers an
/// IIS module or turns logging off (the trace rule layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The rule (`trace_appcmd_install_module`, ...).
    pub rule: String,
    /// What the line does (the rule name without `trace_`).
    pub kind: String,
    /// The rule's score.
    pub score: u8,
    /// The rule's description.
    pub description: String,
    /// ATT&CK technique ids.
    pub attack: Vec<String>,
    /// 1-based line.
    pub line: u32,
    /// The line, cut to [`crate::rules::traces::MAX_LINE_CHARS`] characters.
    pub text: String,
}

/// The result for one path, handed from a worker to the printer.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as walked or given.
    pub path: PathBuf,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// Modification time (Unix seconds), when known.
    pub mtime: Option<i64>,
    /// The outcome.
    pub outcome: Outcome,
    /// The server registrations that load this file (from the config stage).
    pub registrations: Vec<RegistrationRef>,
    /// Install traces found in the file (scripts and shell history only).
    pub traces: Vec<Trace>,
}

impl FileReport {
    /// A report with only a path and an outcome.
    pub fn new(path: PathBuf, outcome: Outcome) -> Self {
        FileReport {
            path,
            size: None,
            mtime: None,
            outcome,
            registrations: Vec::new(),
            traces: Vec::new(),
        }
    }

    /// The analysis, when there is one.
    pub fn analyzed(&self) -> Option<&Analyzed> {
        match &self.outcome {
            Outcome::Analyzed(a) => Some(a),
            _ => None,
        }
    }
}
