//! What happened to one path, and the facts established about its bytes.

use std::path::PathBuf;

use super::{Judgement, Role};
use crate::authenticode::CodeSignature;
use crate::dotnet::DotnetInfo;
use crate::pe::PeFacts;

/// Most calls between the method that ties a combination of capabilities
/// together and each of them (see [`Facts::request_combo`]).
pub const COMBO_DISTANCE: usize = 3;

/// True when some method on the entry point's paths reaches every
/// capability of `caps` within [`COMBO_DISTANCE`] calls.
fn local_combo(ep: &crate::dotnet::EntryPoint, caps: &[&str]) -> bool {
    let Some(first) = caps.first() else {
        return false;
    };
    let within = |m: &str, c: &str| {
        ep.reaches.iter().filter(|r| r.capability == c).any(|r| {
            r.path
                .iter()
                .position(|p| p == m)
                .is_some_and(|i| r.path.len() - 1 - i <= COMBO_DISTANCE)
        })
    };
    let mut seen = std::collections::HashSet::new();
    ep.reaches
        .iter()
        .filter(|r| r.capability == *first)
        .flat_map(|r| r.path.iter())
        .filter(|m| seen.insert(m.as_str()))
        .any(|m| caps.iter().all(|c| within(m, c)))
}

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

    /// True when the file exports part of a role's export set, or the set
    /// only under stdcall-decorated names: IIS would not load it in that
    /// role, but it was meant to be one.
    pub fn is_near_miss(&self) -> bool {
        self.pe.as_ref().is_some_and(|p| {
            !p.export_roles.incomplete.is_empty() || !p.export_roles.decorated.is_empty()
        })
    }

    /// True when the file has role `r`.
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }

    /// True for a native role (a role export is handed every request).
    fn native_role(&self) -> bool {
        self.pe
            .as_ref()
            .is_some_and(|p| !p.export_roles.roles.is_empty())
    }

    /// True when a request handler reads request input: a managed entry
    /// point that reaches a request accessor, or any native role (its
    /// export is handed the request).
    pub fn request_input(&self) -> bool {
        self.request_reaches("reads_request_input")
    }

    /// True when a request handler that reads request input also reaches
    /// capability `cap` (the keys of [`crate::dotnet::Reach::capability`]).
    /// See [`Facts::request_combo`].
    pub fn request_reaches(&self, cap: &str) -> bool {
        self.request_combo(&[cap], &[])
    }

    /// True when **one** request handler reads request input, reaches every
    /// capability in `all` and, unless `any` is empty, one of `any`.
    ///
    /// Managed: one entry point of the IL call graph reaches them all; for
    /// a combination (more than one capability besides the input), every
    /// one of them within [`COMBO_DISTANCE`] calls below one method, so
    /// that a framework whose handler reaches a decoder in one corner and a
    /// compiler in another does not count as decoding what it runs.
    /// `rewrites_response` counts on a module's paths only: writing the
    /// response is what a handler is for. Native: a role export plus imports
    /// with those capabilities; iisweep does not disassemble, so "reaches"
    /// means "imports" there. Native `reads_credentials` also holds for a
    /// credential field name among a native component's strings.
    pub fn request_combo(&self, all: &[&str], any: &[&str]) -> bool {
        let rewrites = all.contains(&"rewrites_response") || any.contains(&"rewrites_response");
        // One capability: anywhere below the entry point. Several: close
        // together, below one method (see `local_combo`).
        let single = all.len() == 1 && any.is_empty();
        let managed = self
            .dotnet
            .as_ref()
            .and_then(|d| d.behaviour.as_ref())
            .is_some_and(|b| {
                b.entry_points.iter().any(|ep| {
                    if rewrites && ep.is_handler() {
                        return false;
                    }
                    let has = |c: &str| ep.reaches.iter().any(|r| r.capability == c);
                    if single {
                        return has("reads_request_input") && has(all[0]);
                    }
                    let mut caps: Vec<&str> = vec!["reads_request_input"];
                    caps.extend_from_slice(all);
                    if any.is_empty() {
                        return local_combo(ep, &caps);
                    }
                    any.iter().any(|a| {
                        caps.push(a);
                        let ok = local_combo(ep, &caps);
                        caps.pop();
                        ok
                    })
                })
            });
        if managed {
            return true;
        }
        if !self.native_role() {
            return false;
        }
        let Some(p) = self.pe.as_ref() else {
            return false;
        };
        let has = |c: &str| {
            c == "reads_request_input"
                || p.capabilities.contains_key(c)
                || (c == "reads_credentials"
                    && p.request_names
                        .iter()
                        .any(|n| crate::dotnet::is_credential_name(n)))
        };
        all.iter().all(|c| has(c)) && (any.is_empty() || any.iter().any(|c| has(c)))
    }

    /// Capabilities anywhere in the file, on a request path or not: the
    /// .NET member and P/Invoke evidence and the native imports, sorted.
    pub fn capabilities(&self) -> Vec<&'static str> {
        let mut c: Vec<&'static str> = Vec::new();
        if let Some(d) = &self.dotnet {
            c.extend(d.capabilities.keys().copied());
            if let Some(b) = &d.behaviour {
                c.extend(b.reaches.keys().copied());
            }
        }
        if let Some(p) = &self.pe {
            c.extend(p.capabilities.keys().copied());
        }
        c.sort_unstable();
        c.dedup();
        c
    }

    /// Custom request names: header and server-variable names a component
    /// reads or sets that are not standard headers (managed: strings on a
    /// path that reads request input; native: strings of the file).
    pub fn custom_request_names(&self) -> Vec<&str> {
        let managed = self
            .dotnet
            .as_ref()
            .and_then(|d| d.behaviour.as_ref())
            .map(|b| b.request_names.as_slice())
            .unwrap_or(&[]);
        let native = self
            .pe
            .as_ref()
            .map(|p| p.request_names.as_slice())
            .unwrap_or(&[]);
        managed
            .iter()
            .chain(native)
            .map(String::as_str)
            .filter(|n| {
                (n.starts_with("X-") || n.starts_with("x-"))
                    && !crate::pe::capabilities::is_common_header(n)
            })
            .collect()
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
    /// A followed link into a pseudo file system (`/proc`, `/sys`, `/dev`)
    /// that no root names.
    PseudoFs,
    /// An archive entry stopped by an archive cap (nesting, expansion
    /// ratio, total expanded, entry count).
    ArchiveCap,
}

impl SkipReason {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "too_large",
            SkipReason::Special => "special_file",
            SkipReason::Symlink => "symlink",
            SkipReason::Excluded => "excluded",
            SkipReason::PseudoFs => "pseudo_fs",
            SkipReason::ArchiveCap => "archive_cap",
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
    /// Shared (`Arc`) with the reports of every other path with the same
    /// content (the dedupe cache).
    Analyzed(std::sync::Arc<Analyzed>),
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
    /// The first path seen with the same content (size and SHA-256), whose
    /// analysis this report shares (the dedupe cache).
    pub duplicate_of: Option<PathBuf>,
    /// For an archive entry: the containers, outermost first (the archive
    /// on disk, then nested archives by entry name). Empty for a file.
    pub containers: Vec<String>,
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
            duplicate_of: None,
            containers: Vec::new(),
        }
    }

    /// The path the rules judge: the file's, or for an archive entry
    /// (`outer!inner!dir/x.dll`) the entry's name inside its innermost
    /// archive (`dir/x.dll`), so that `file_name` and `extension` are the
    /// entry's own.
    pub fn judged_path(&self) -> &std::path::Path {
        if self.containers.is_empty() {
            return &self.path;
        }
        let b = self.path.as_os_str().as_encoded_bytes();
        match b.iter().rposition(|&c| c == b'!') {
            // SAFETY: the bytes come from an `OsStr` and are split right
            // after an ASCII byte, which `from_encoded_bytes_unchecked`
            // allows.
            Some(i) => std::path::Path::new(unsafe {
                std::ffi::OsStr::from_encoded_bytes_unchecked(&b[i + 1..])
            }),
            None => &self.path,
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
