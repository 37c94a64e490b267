//! JSON records: one per file, and the summary. Field names follow Elastic
//! Common Schema where ECS has the fact (`file.*`), and live under
//! `iisweep.*` otherwise. The README documents every field; changing one is
//! a breaking change.

use std::borrow::Cow;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::Serialize;

use crate::analyze::{FileReport, Outcome};
use crate::pe::{PeFacts, Role, RoleExport};
use crate::rules::RuleHit;
use crate::score::Verdict;

/// Version of the record layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One file as a JSON record.
#[derive(Serialize)]
pub struct FileRecord<'a> {
    /// Always `"file"`.
    pub record: &'static str,
    /// ECS `file.*`.
    pub file: EcsFile<'a>,
    /// ECS `event.*` (risk score of analysed files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EcsEvent>,
    /// ECS `threat.*` (ATT&CK techniques of the matching rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat: Option<EcsThreat>,
    /// iisweep's own fields.
    pub iisweep: IisweepFile<'a>,
}

/// ECS `file` fieldset.
#[derive(Serialize)]
pub struct EcsFile<'a> {
    /// `file.path` (lossy UTF-8; see `iisweep.path_hex`).
    pub path: Cow<'a, str>,
    /// `file.name`.
    pub name: Cow<'a, str>,
    /// `file.directory`.
    pub directory: Cow<'a, str>,
    /// `file.extension` (no dot, lowercase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `file.size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `file.mtime` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtime: Option<String>,
    /// `file.hash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<EcsHash<'a>>,
    /// `file.pe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<EcsPe<'a>>,
    /// `file.code_signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_signature: Option<EcsCodeSignature<'a>>,
}

/// ECS `event`.
#[derive(Serialize)]
pub struct EcsEvent {
    /// `event.risk_score`: the verdict score, 0-100.
    pub risk_score: f64,
}

/// ECS `threat`.
#[derive(Serialize)]
pub struct EcsThreat {
    /// `threat.framework`.
    pub framework: &'static str,
    /// `threat.technique`.
    pub technique: EcsTechnique,
}

/// ECS `threat.technique`.
#[derive(Serialize)]
pub struct EcsTechnique {
    /// `threat.technique.id`: sorted, unique.
    pub id: Vec<String>,
}

/// ECS `file.hash`.
#[derive(Serialize)]
pub struct EcsHash<'a> {
    /// `file.hash.sha256`.
    pub sha256: &'a str,
}

/// ECS `file.pe`.
#[derive(Serialize)]
pub struct EcsPe<'a> {
    /// `file.pe.architecture` (`x64`, `x86`, `arm64`, ...).
    pub architecture: &'a str,
    /// `file.pe.imphash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imphash: Option<&'a str>,
    /// `file.pe.original_file_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file_name: Option<&'a str>,
    /// `file.pe.company`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
    /// `file.pe.description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// `file.pe.product`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'a str>,
    /// `file.pe.file_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_version: Option<&'a str>,
}

/// ECS `file.code_signature`.
#[derive(Serialize)]
pub struct EcsCodeSignature<'a> {
    /// `file.code_signature.exists`: a certificate table is present.
    pub exists: bool,
    /// `file.code_signature.subject_name`: the primary signer's common name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<&'a str>,
    /// `file.code_signature.valid`: the primary signature verifies against
    /// the file (image digest, message digest and signer signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// `file.code_signature.trusted`: valid and the chain reaches an
    /// embedded root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
    /// `file.code_signature.status`: `trusted`, `untrusted_root`,
    /// `bad_signature`, `digest_mismatch` or `unparsable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// `file.code_signature.digest_algorithm` of the primary signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<&'a str>,
    /// `file.code_signature.timestamp` of the primary signature (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    /// `file.code_signature.thumbprint_sha256` of the primary signer's certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbprint_sha256: Option<&'a str>,
}

/// `iisweep` fieldset of a file record.
#[derive(Serialize)]
pub struct IisweepFile<'a> {
    /// `analyzed`, `not_pe`, `skipped` or `error`.
    pub status: &'static str,
    /// Complete IIS roles.
    pub roles: &'a [Role],
    /// Roles with only part of the export set.
    #[serde(skip_serializing_if = "<[Role]>::is_empty")]
    pub incomplete_roles: &'a [Role],
    /// Roles complete only with stdcall-decorated names (would not load).
    #[serde(skip_serializing_if = "<[Role]>::is_empty")]
    pub decorated_roles: &'a [Role],
    /// The exports behind the role decisions.
    #[serde(skip_serializing_if = "<[RoleExport]>::is_empty")]
    pub role_exports: &'a [RoleExport],
    /// Verdict level and score (analysed files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'a Verdict>,
    /// Matching rules, strongest first: the reasons of the verdict.
    #[serde(skip_serializing_if = "<[RuleHit]>::is_empty")]
    pub reasons: &'a [RuleHit],
    /// Why the rules could not run on this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_error: Option<&'a str>,
    /// The file parsed as PE.
    pub is_pe: bool,
    /// The file has a CLR runtime header.
    pub is_dotnet: bool,
    /// Full PE facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<&'a PeFacts>,
    /// .NET metadata facts (identity, components, evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dotnet: Option<&'a crate::dotnet::DotnetInfo>,
    /// Authenticode facts (signatures, verdicts, `microsoft_signed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_signature: Option<&'a crate::authenticode::CodeSignature>,
    /// Why an `MZ` file is not a PE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_pe_reason: Option<&'a str>,
    /// Skip reason (`too_large`, `special_file`, `symlink`, `excluded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<&'static str>,
    /// Error or skip detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    /// The exact path bytes in hex, present only when the path is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
}

const NO_ROLES: &[Role] = &[];

/// Build the record of one report.
pub fn file_record(r: &FileReport) -> FileRecord<'_> {
    let path = &r.path;
    let bytes = path.as_os_str().as_bytes();
    let path_hex = std::str::from_utf8(bytes)
        .is_err()
        .then(|| crate::pe::hex(bytes));
    let name = path
        .file_name()
        .map(|n| String::from_utf8_lossy(n.as_bytes()))
        .unwrap_or_default();
    let directory = path
        .parent()
        .map(|d| String::from_utf8_lossy(d.as_os_str().as_bytes()))
        .unwrap_or_default();
    let mut file = EcsFile {
        path: String::from_utf8_lossy(bytes),
        extension: extension(path),
        name,
        directory,
        size: r.size,
        mtime: r.mtime.map(crate::pe::rfc3339),
        hash: None,
        pe: None,
        code_signature: None,
    };
    let mut iis = IisweepFile {
        status: "analyzed",
        roles: NO_ROLES,
        incomplete_roles: NO_ROLES,
        decorated_roles: NO_ROLES,
        role_exports: &[],
        verdict: None,
        reasons: &[],
        rules_error: None,
        is_pe: false,
        is_dotnet: false,
        pe: None,
        dotnet: None,
        code_signature: None,
        not_pe_reason: None,
        skip_reason: None,
        message: None,
        path_hex,
    };
    let (mut event, mut threat) = (None, None);
    match &r.outcome {
        Outcome::NotPe => iis.status = "not_pe",
        Outcome::Skipped(reason, detail) => {
            iis.status = "skipped";
            iis.skip_reason = Some(reason.as_str());
            iis.message = Some(detail);
        }
        Outcome::Error(e) => {
            iis.status = "error";
            iis.message = Some(e);
        }
        Outcome::Analyzed(a) => {
            file.hash = Some(EcsHash { sha256: &a.sha256 });
            iis.roles = &a.roles;
            iis.not_pe_reason = a.not_pe_reason.as_deref();
            iis.dotnet = a.dotnet.as_ref();
            iis.verdict = Some(&a.verdict);
            iis.reasons = &a.rule_hits;
            iis.rules_error = a.rules_error.as_deref();
            event = Some(EcsEvent {
                risk_score: a.verdict.score as f64,
            });
            let mut ids: Vec<String> = a
                .rule_hits
                .iter()
                .flat_map(|h| h.attack.iter().cloned())
                .collect();
            ids.sort();
            ids.dedup();
            if !ids.is_empty() {
                threat = Some(EcsThreat {
                    framework: "MITRE ATT&CK",
                    technique: EcsTechnique { id: ids },
                });
            }
            if let Some(pe) = &a.pe {
                iis.is_pe = true;
                iis.is_dotnet = pe.clr_header.is_some();
                iis.pe = Some(pe);
                iis.incomplete_roles = &pe.export_roles.incomplete;
                iis.decorated_roles = &pe.export_roles.decorated;
                iis.role_exports = &pe.export_roles.exports;
                let v = &pe.version_info;
                file.pe = Some(EcsPe {
                    architecture: ecs_architecture(&pe.machine),
                    imphash: pe.imphash.as_deref(),
                    original_file_name: v.original_file_name.as_deref(),
                    company: v.company.as_deref(),
                    description: v.description.as_deref(),
                    product: v.product.as_deref(),
                    file_version: v.file_version.as_deref(),
                });
                let cs = a.code_signature.as_ref();
                let primary = cs.and_then(|c| c.signatures.first());
                file.code_signature = Some(EcsCodeSignature {
                    exists: pe.certificate_table.is_some(),
                    subject_name: cs
                        .and_then(|c| c.signer.as_ref())
                        .and_then(|s| s.common_name.as_deref()),
                    valid: cs.map(|c| c.digest_valid && c.signature_valid),
                    trusted: cs.map(|c| c.chain_trusted),
                    status: cs.map(|c| c.status()),
                    digest_algorithm: primary.map(|p| p.digest_algorithm.as_str()),
                    timestamp: cs.and_then(|c| c.timestamp.as_deref()),
                    thumbprint_sha256: primary
                        .and_then(|p| p.signer.as_ref())
                        .map(|s| s.thumbprint_sha256.as_str()),
                });
                iis.code_signature = cs;
            }
        }
    }
    FileRecord {
        record: "file",
        file,
        event,
        threat,
        iisweep: iis,
    }
}

/// Lowercased extension without the dot.
pub fn extension(p: &Path) -> Option<String> {
    p.extension()
        .map(|e| String::from_utf8_lossy(e.as_bytes()).to_lowercase())
}

fn ecs_architecture(machine: &str) -> &str {
    match machine {
        "x86_64" => "x64",
        other => other,
    }
}
