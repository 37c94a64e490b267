//! Records of the server view: one `server` record per configuration read
//! (its files, errors, shared configuration, sites, pools and history),
//! one `registration` record per registration (joined to what the sweep
//! learnt about its file), and one `finding` record per configuration
//! finding. The JSON Schema in `docs/schema/` describes them; README.md
//! documents every field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{FileSummary, Finding, Pos, Registration, ServerView};
use crate::score;

/// Where in the configuration something stands.
#[derive(Serialize)]
pub struct ConfigPosRecord {
    /// Host path of the configuration file.
    pub path: String,
    /// The same file as Windows names it (`C:\Windows\...`).
    pub windows_path: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// XML path of the element.
    pub xpath: String,
}

/// The file a registration leads to, as the sweep saw it.
#[derive(Serialize)]
pub struct RegisteredFileRecord {
    /// Host path.
    pub path: String,
    /// As Windows names it.
    pub windows_path: String,
    /// `{ "sha256" }` when the file was analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<HashRecord>,
    /// The sweep analysed it (false: unreadable, skipped, too large).
    pub analyzed: bool,
    /// It parsed as PE.
    pub is_pe: bool,
    /// A signature is present.
    pub signed: bool,
    /// The primary signature verifies.
    pub signature_valid: bool,
    /// Some valid signature chains to a Microsoft root.
    pub microsoft_signed: bool,
    /// The primary signer's common name (or organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// IIS roles.
    pub roles: Vec<&'static str>,
    /// The file's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<super::record::VerdictRecord>,
}

/// `file.hash`.
#[derive(Serialize)]
pub struct HashRecord {
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// The registration itself.
#[derive(Serialize)]
pub struct RegistrationBody {
    /// `global_module`, `module`, `isapi_filter`, `handler`,
    /// `isapi_cgi_restriction`, `fastcgi_application`, `http_module`,
    /// `http_handler`.
    pub kind: &'static str,
    /// The same kind as `appcmd list` names its objects (`GLOBALMODULE`...).
    pub appcmd: &'static str,
    /// `name`, when the element has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it loads, as written (image, type, path, script processor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What `value` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_kind: Option<&'static str>,
    /// `preCondition`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precondition: Option<String>,
    /// URL path it applies to (`""`: the whole server).
    pub scope: String,
    /// Sites it affects.
    pub sites: Vec<String>,
    /// In effect: a global module some application enables, an enabled
    /// filter (absent where it does not apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// How it resolved: `resolved`, `missing`, `outside_image`, ...
    pub status: &'static str,
    /// 32 or 64 when a precondition or pool fixes the bitness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitness: Option<u8>,
    /// Why it resolved the way it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One registration.
#[derive(Serialize)]
pub struct RegistrationRecord {
    /// Always `"registration"`.
    pub record: &'static str,
    /// The swept root whose configuration this is.
    pub server: String,
    /// The registration.
    pub registration: RegistrationBody,
    /// Where it is written.
    pub config: ConfigPosRecord,
    /// The file it leads to, when it resolved to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<RegisteredFileRecord>,
}

/// The finding itself.
#[derive(Serialize)]
pub struct FindingBody {
    /// Stable identifier (`http_logging_disabled`, ...).
    pub id: &'static str,
    /// Score 0-100.
    pub score: u8,
    /// Level of the score, on the verdict scale.
    pub level: &'static str,
    /// Why, for people.
    pub reason: String,
    /// What it is about (module name, attribute path).
    pub subject: String,
    /// Sites it affects.
    pub sites: Vec<String>,
    /// ATT&CK technique ids.
    pub attack: Vec<&'static str>,
    /// The file it is about (host path), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One configuration finding.
#[derive(Serialize)]
pub struct FindingRecord {
    /// Always `"finding"`.
    pub record: &'static str,
    /// The swept root whose configuration this is.
    pub server: String,
    /// The finding.
    pub finding: FindingBody,
    /// Where it stands.
    pub config: ConfigPosRecord,
}

/// A configuration file looked at.
#[derive(Serialize)]
pub struct ConfigFileRecord {
    /// Host path.
    pub path: String,
    /// As Windows names it.
    pub windows_path: String,
    /// `application_host`, `redirection`, `web_config`, `config_source`,
    /// `history`, `baseline`.
    pub kind: &'static str,
    /// Part of the effective configuration.
    pub active: bool,
    /// The URL a `web.config` applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How it was encoded, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

/// A configuration file that could not be read in full.
#[derive(Serialize)]
pub struct ConfigErrorRecord {
    /// Host path.
    pub path: String,
    /// `not_found`, `too_large`, `not_regular_file`, `dtd`, ...
    pub kind: &'static str,
    /// For people.
    pub message: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

/// Shared configuration.
#[derive(Serialize)]
pub struct RedirectionRecord {
    /// `enabled`.
    pub enabled: bool,
    /// `path` as written.
    pub path: String,
    /// The folder it leads to on the image, when it does (otherwise it is
    /// reported, never followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Where `configurationRedirection` stands.
    pub config: ConfigPosRecord,
}

/// A site.
#[derive(Serialize)]
pub struct SiteRecord {
    /// `name`.
    pub name: String,
    /// `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// Applications.
    pub applications: Vec<AppRecord>,
}

/// An application.
#[derive(Serialize)]
pub struct AppRecord {
    /// URL path.
    pub path: String,
    /// Application pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Virtual directories: `{ "path", "physical_path" }`.
    pub virtual_directories: Vec<VdirRecord>,
}

/// A virtual directory.
#[derive(Serialize)]
pub struct VdirRecord {
    /// URL path.
    pub path: String,
    /// `physicalPath` as written.
    pub physical_path: String,
}

/// An application pool.
#[derive(Serialize)]
pub struct PoolRecord {
    /// `name`.
    pub name: String,
    /// `enable32BitAppOnWin64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_32bit: Option<bool>,
    /// `managedPipelineMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    /// `managedRuntimeVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// One change across the configuration history.
#[derive(Serialize)]
pub struct HistoryRecord {
    /// The snapshot folder (`CFGHISTORY_0000000001`) before the change.
    pub snapshot: String,
    /// `added`, `removed`, `changed`.
    pub change: &'static str,
    /// What changed.
    pub subject: String,
    /// The value before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The value after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Where the later value stands.
    pub config: ConfigPosRecord,
}

/// The server as its configuration describes it.
#[derive(Serialize)]
pub struct ServerBody {
    /// The swept root read as the server's `C:` drive.
    pub root: String,
    /// The `applicationHost.config` in effect (host path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_host: Option<String>,
    /// Every configuration file looked at.
    pub files: Vec<ConfigFileRecord>,
    /// Files that could not be read or parsed in full.
    pub errors: Vec<ConfigErrorRecord>,
    /// Shared configuration, when `redirection.config` holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirection: Option<RedirectionRecord>,
    /// Sites.
    pub sites: Vec<SiteRecord>,
    /// Application pools.
    pub pools: Vec<PoolRecord>,
    /// The configuration history folder read, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_dir: Option<String>,
    /// Changes across the history, oldest first.
    pub history: Vec<HistoryRecord>,
    /// Registrations read.
    pub registrations: usize,
    /// Findings.
    pub findings: usize,
}

/// One server.
#[derive(Serialize)]
pub struct ServerRecord {
    /// Always `"server"`.
    pub record: &'static str,
    /// The server.
    pub server: ServerBody,
}

fn host(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn pos(v: &ServerView, p: &Pos) -> ConfigPosRecord {
    let file = v.files.get(p.file).map(|f| f.host.as_path());
    ConfigPosRecord {
        path: file.map(host).unwrap_or_default(),
        windows_path: file.map(|f| v.image.windows_path(f)).unwrap_or_default(),
        line: p.line,
        xpath: p.xpath.clone(),
    }
}

fn root(v: &ServerView) -> String {
    host(v.image.root())
}

/// The `server` record of `v`.
pub fn server_record(v: &ServerView) -> ServerRecord {
    let files = v
        .files
        .iter()
        .map(|f| ConfigFileRecord {
            path: host(&f.host),
            windows_path: v.image.windows_path(&f.host),
            kind: f.kind.as_str(),
            active: f.active,
            url: f.url.clone(),
            encoding: f.encoding.map(|e| e.as_str()),
        })
        .collect();
    let errors = v
        .errors
        .iter()
        .map(|(i, e)| ConfigErrorRecord {
            path: v.files.get(*i).map(|f| host(&f.host)).unwrap_or_default(),
            kind: e.kind.as_str(),
            message: e.message.clone(),
            line: e.line,
            column: e.column,
        })
        .collect();
    let s = &v.structure;
    ServerRecord {
        record: "server",
        server: ServerBody {
            root: root(v),
            application_host: v
                .files
                .iter()
                .find(|f| f.kind == crate::config::FileKind::ApplicationHost && f.active)
                .map(|f| host(&f.host)),
            files,
            errors,
            redirection: v.redirection.as_ref().map(|r| RedirectionRecord {
                enabled: r.enabled,
                path: r.path.clone(),
                target: r.target.as_deref().map(host),
                config: pos(v, &r.pos),
            }),
            sites: s
                .sites
                .iter()
                .map(|site| SiteRecord {
                    name: site.name.clone(),
                    id: site.id,
                    applications: site
                        .apps
                        .iter()
                        .map(|a| AppRecord {
                            path: a.path.clone(),
                            pool: a.pool.clone(),
                            virtual_directories: a
                                .vdirs
                                .iter()
                                .map(|d| VdirRecord {
                                    path: d.path.clone(),
                                    physical_path: d.physical_path.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            pools: s
                .pools
                .iter()
                .map(|p| PoolRecord {
                    name: p.name.clone(),
                    enable_32bit: p.wow64,
                    pipeline: p.pipeline.clone(),
                    runtime: p.runtime.clone(),
                })
                .collect(),
            history_dir: v.history_dir.as_deref().map(host),
            history: v
                .history
                .iter()
                .map(|h| HistoryRecord {
                    snapshot: h.snapshot.clone(),
                    change: h.change,
                    subject: h.subject.clone(),
                    from: h.from.clone(),
                    to: h.to.clone(),
                    config: pos(v, &h.pos),
                })
                .collect(),
            registrations: v.registrations.len(),
            findings: v.findings.len(),
        },
    }
}

fn registered_file(v: &ServerView, path: &Path, s: Option<&FileSummary>) -> RegisteredFileRecord {
    let d = FileSummary::default();
    let f = s.unwrap_or(&d);
    RegisteredFileRecord {
        path: host(path),
        windows_path: v.image.windows_path(path),
        hash: f.sha256.clone().map(|sha256| HashRecord { sha256 }),
        analyzed: s.is_some(),
        is_pe: f.is_pe,
        signed: f.signed,
        signature_valid: f.signature_valid,
        microsoft_signed: f.microsoft_signed,
        signer: f.signer.clone(),
        roles: f.roles.iter().map(|r| r.as_str()).collect(),
        verdict: f.verdict.map(super::record::verdict_record),
    }
}

/// The `registration` record of `r`.
pub fn registration_record(
    v: &ServerView,
    r: &Registration,
    files: &HashMap<PathBuf, FileSummary>,
) -> RegistrationRecord {
    RegistrationRecord {
        record: "registration",
        server: root(v),
        registration: RegistrationBody {
            kind: r.kind.as_str(),
            appcmd: r.kind.appcmd(),
            name: r.name.clone(),
            value: r.value.clone(),
            value_kind: r.value_kind.map(|k| k.as_str()),
            precondition: r.precondition.clone(),
            scope: r.scope.clone(),
            sites: r.sites.clone(),
            enabled: r.enabled,
            status: r.status.as_str(),
            bitness: r.bitness,
            note: r.note.clone(),
        },
        config: pos(v, &r.pos),
        file: r
            .resolved
            .as_deref()
            .map(|p| registered_file(v, p, files.get(p))),
    }
}

/// The `finding` record of `f`.
pub fn finding_record(v: &ServerView, f: &Finding) -> FindingRecord {
    FindingRecord {
        record: "finding",
        server: root(v),
        finding: FindingBody {
            id: f.id,
            score: f.score,
            level: score::level(f.score, true).as_str(),
            reason: f.reason.clone(),
            subject: f.subject.clone(),
            sites: f.sites.clone(),
            attack: f.attack.to_vec(),
            file: f.file.as_deref().map(host),
        },
        config: pos(v, &f.pos),
    }
}

/// Every record of one server, in output order: the `server` record, its
/// registrations in configuration order, its findings strongest first.
pub struct ServerRecords {
    /// The server.
    pub server: ServerRecord,
    /// Its registrations.
    pub registrations: Vec<RegistrationRecord>,
    /// Its findings.
    pub findings: Vec<FindingRecord>,
}

/// The records of `v`.
pub fn server_records(v: &ServerView, files: &HashMap<PathBuf, FileSummary>) -> ServerRecords {
    ServerRecords {
        server: server_record(v),
        registrations: v
            .registrations
            .iter()
            .map(|r| registration_record(v, r, files))
            .collect(),
        findings: v.findings.iter().map(|f| finding_record(v, f)).collect(),
    }
}
