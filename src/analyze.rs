//! Analyze stage: bytes in, facts out. Pure: no I/O, no printing, no globals.
//!
//! `analyze_bytes` runs every analyser over the same bytes: the hash, the PE
//! facts and the IIS roles. `analyze_guarded` wraps it in `catch_unwind`, so
//! a parser panic on a hostile file becomes that file's error and the sweep
//! goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::authenticode::{self, CodeSignature};
use crate::dotnet::{self, DotnetInfo, SectionMap};
use crate::pe::{self, PeFacts, Role};

/// Facts about one file that starts with `MZ`.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
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
    /// Matching rules, strongest first (the reasons of the verdict).
    pub rule_hits: Vec<crate::rules::RuleHit>,
    /// Why the rules could not run on this file (timeout, scan error).
    pub rules_error: Option<String>,
    /// Score and level.
    pub verdict: crate::score::Verdict,
    /// IIS roles, all analysers combined, sorted.
    pub roles: Vec<Role>,
}

impl Analysis {
    /// True when the file is an IIS component in at least one role.
    pub fn is_component(&self) -> bool {
        !self.roles.is_empty()
    }
}

/// Options of the analyze stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalyzeOptions {
    /// Compute section entropy for every PE, not just IIS components.
    pub entropy_all: bool,
    /// Skip .NET metadata (no managed roles). For measurement.
    pub no_dotnet: bool,
    /// Also list every TypeDef, TypeRef and MemberRef row in
    /// [`DotnetInfo`] (see [`dotnet::parse_with_tables`]); for tests and
    /// differential checks, a sweep does not need them.
    pub dotnet_tables: bool,
    /// Skip Authenticode parsing and verification. For measurement.
    pub no_authenticode: bool,
    /// Trust anchors added to the embedded roots (`--trust-root`).
    pub trust_roots: &'static [authenticode::UserRoot],
}

/// Analyse the bytes of one file.
pub fn analyze_bytes(bytes: &[u8], opts: &AnalyzeOptions) -> Analysis {
    let sha256 = pe::hex(&Sha256::digest(bytes));
    let mut a = Analysis {
        sha256,
        ..Analysis::default()
    };
    match pe::analyze(bytes) {
        Ok(mut facts) => {
            a.roles.extend(facts.export_roles.roles.iter().copied());
            if let (Some((rva, size)), false) = (facts.clr_header, opts.no_dotnet) {
                let info = dotnet_facts(bytes, rva, size, &facts, opts.dotnet_tables);
                for c in &info.components {
                    for r in &c.roles {
                        a.roles.push(if r == "managed_module" {
                            Role::ManagedModule
                        } else {
                            Role::ManagedHandler
                        });
                    }
                }
                a.dotnet = Some(info);
            }
            a.roles.sort();
            a.roles.dedup();
            if let (Some(t), false) = (&facts.certificate_table, opts.no_authenticode) {
                let layout = authenticode::Layout {
                    sections: facts
                        .sections
                        .iter()
                        .map(|s| (u64::from(s.raw_offset), u64::from(s.raw_size)))
                        .collect(),
                    cert_table: usize::try_from(t.offset).unwrap_or(usize::MAX)
                        ..usize::try_from(t.offset.saturating_add(t.size)).unwrap_or(usize::MAX),
                };
                a.code_signature = Some(authenticode::check_with(bytes, &layout, opts.trust_roots));
            }
            if opts.entropy_all || !a.roles.is_empty() {
                pe::compute_entropy(&mut facts, bytes);
            }
            a.pe = Some(facts);
        }
        Err(pe::NotPe(reason)) => a.not_pe_reason = Some(reason),
    }
    a
}

/// .NET facts of a PE with a CLR header at `rva`/`size`.
fn dotnet_facts(bytes: &[u8], rva: u32, size: u32, facts: &PeFacts, tables: bool) -> DotnetInfo {
    let sections: Vec<SectionMap> = facts
        .sections
        .iter()
        .map(|s| SectionMap {
            virtual_address: s.virtual_address,
            virtual_size: s.virtual_size,
            pointer_to_raw_data: s.raw_offset,
            size_of_raw_data: s.raw_size,
        })
        .collect();
    if tables {
        dotnet::parse_with_tables(bytes, rva, size, &sections)
    } else {
        dotnet::parse(bytes, rva, size, &sections)
    }
}

/// `analyze_bytes` with a parser panic turned into an error message.
pub fn analyze_guarded(bytes: &[u8], opts: &AnalyzeOptions) -> Result<Analysis, String> {
    catch_unwind(AssertUnwindSafe(|| analyze_bytes(bytes, opts))).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("analysis panicked (parser bug, please report): {msg}")
    })
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
    /// Analysed (possibly partially: see `PeFacts::errors`).
    Analyzed(Box<Analysis>),
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
}

impl FileReport {
    /// The analysis, when there is one.
    pub fn analysis(&self) -> Option<&Analysis> {
        match &self.outcome {
            Outcome::Analyzed(a) => Some(a),
            _ => None,
        }
    }
}
