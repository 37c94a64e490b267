//! Config stage: what an IIS server actually loads, read statically from
//! its configuration before the walk, and joined to the files the sweep
//! analyses.
//!
//! A swept root that looks like a Windows system drive (it holds
//! `Windows/System32/inetsrv/config/applicationHost.config`, any case) is
//! read as the server's `C:` drive, or `--iis-config FILE` names the file.
//! The stage follows `redirection.config` (shared configuration) when its
//! target is on the image, `configSource` files, and `location` elements;
//! it finds every `web.config` under the sites' physical folders and
//! places each at its URL; it maps Windows paths onto the image
//! ([`image`]); it resolves every registration (native images, ISAPI
//! filters and extensions, CGI and FastCGI programs, managed types in
//! `bin/`, `App_Code/` and the GAC) to a file, or says it is missing or
//! off the image; it compares the configuration history; and it derives
//! findings, each with a reason and a score.
//!
//! Module map: [`xml`] reads one file safely; [`read`] extracts what
//! matters from it; [`image`] maps Windows paths; [`server`] merges the
//! files into registrations; [`resolve`] finds their files and types;
//! [`findings`] judges them; [`history`] compares snapshots; [`baseline`]
//! compares with an earlier sweep.
//!
//! Error policy: the configuration is hostile input. A file that cannot be
//! read or parsed is a [`ConfigError`] naming it (and the line and column
//! where XML says); the rest of the configuration is still read. Nothing
//! here writes to the image, follows a path off it, or expands an entity.

pub mod baseline;
pub mod findings;
pub mod history;
pub mod image;
pub mod read;
pub mod resolve;
pub mod server;
pub mod xml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use image::{DiskImage, Location};
pub use read::{Pos, Structure};
pub use xml::{ConfigError, Encoding, ErrorKind};

/// What kind of configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `applicationHost.config`.
    ApplicationHost,
    /// `redirection.config`.
    Redirection,
    /// A `web.config`.
    WebConfig,
    /// A file named by `configSource`.
    ConfigSource,
    /// A configuration history snapshot.
    History,
    /// An earlier sweep's output (`--baseline`).
    Baseline,
}

impl FileKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::ApplicationHost => "application_host",
            FileKind::Redirection => "redirection",
            FileKind::WebConfig => "web_config",
            FileKind::ConfigSource => "config_source",
            FileKind::History => "history",
            FileKind::Baseline => "baseline",
        }
    }
}

/// One configuration file the stage looked at.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Host path.
    pub host: PathBuf,
    /// What it is.
    pub kind: FileKind,
    /// How it was encoded, when read.
    pub encoding: Option<Encoding>,
    /// It is part of the effective configuration (not a stale local file
    /// beside a redirection, not a history snapshot).
    pub active: bool,
    /// The URL path a `web.config` applies to (`Site/app`).
    pub url: Option<String>,
}

/// What a registration names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegistrationKind {
    /// `system.webServer/globalModules/add`: a native module installed.
    GlobalModule,
    /// `system.webServer/modules/add`: a native module enabled, or a managed module.
    Module,
    /// `system.webServer/isapiFilters/filter`.
    IsapiFilter,
    /// `system.webServer/handlers/add` with a `scriptProcessor` or a `type`.
    Handler,
    /// `system.webServer/security/isapiCgiRestriction/add`.
    IsapiCgiRestriction,
    /// `system.webServer/fastCgi/application`.
    FastCgiApplication,
    /// `system.web/httpModules/add` (Classic pipeline).
    HttpModule,
    /// `system.web/httpHandlers/add` (Classic pipeline).
    HttpHandler,
}

impl RegistrationKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationKind::GlobalModule => "global_module",
            RegistrationKind::Module => "module",
            RegistrationKind::IsapiFilter => "isapi_filter",
            RegistrationKind::Handler => "handler",
            RegistrationKind::IsapiCgiRestriction => "isapi_cgi_restriction",
            RegistrationKind::FastCgiApplication => "fastcgi_application",
            RegistrationKind::HttpModule => "http_module",
            RegistrationKind::HttpHandler => "http_handler",
        }
    }

    /// `appcmd`'s word for it, in the inventory.
    pub fn appcmd(self) -> &'static str {
        match self {
            RegistrationKind::GlobalModule => "GLOBALMODULE",
            RegistrationKind::Module => "MODULE",
            RegistrationKind::IsapiFilter => "ISAPIFILTER",
            RegistrationKind::Handler => "HANDLER",
            RegistrationKind::IsapiCgiRestriction => "ISAPICGIRESTRICTION",
            RegistrationKind::FastCgiApplication => "FASTCGI",
            RegistrationKind::HttpModule => "HTTPMODULE",
            RegistrationKind::HttpHandler => "HTTPHANDLER",
        }
    }
}

/// What a registration's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `image=` of a global module.
    Image,
    /// `type=` of a managed module or handler.
    Type,
    /// `path=` of a filter or a restriction entry.
    Path,
    /// `scriptProcessor=` of a handler.
    ScriptProcessor,
    /// `fullPath=` of a FastCGI application.
    FullPath,
}

impl ValueKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Image => "image",
            ValueKind::Type => "type",
            ValueKind::Path => "path",
            ValueKind::ScriptProcessor => "script_processor",
            ValueKind::FullPath => "full_path",
        }
    }
}

/// Where a registration leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// A file on the image.
    Resolved,
    /// Nothing at the path it names.
    Missing,
    /// A path off the image (another drive, a UNC share): not followed.
    OutsideImage,
    /// A native module enabled in `modules` that `globalModules` never installs.
    NotInstalled,
    /// The managed type exists and is an IIS module or handler.
    TypeFound,
    /// The managed type exists but implements no IIS interface.
    TypeNotComponent,
    /// The assembly exists but does not define the type.
    TypeMissing,
    /// No assembly holds the type.
    AssemblyMissing,
    /// The type is only in `App_Code` source (compiled at run time).
    SourceOnly,
}

impl Status {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Resolved => "resolved",
            Status::Missing => "missing",
            Status::OutsideImage => "outside_image",
            Status::NotInstalled => "not_installed",
            Status::TypeFound => "type_found",
            Status::TypeNotComponent => "type_not_component",
            Status::TypeMissing => "type_missing",
            Status::AssemblyMissing => "assembly_missing",
            Status::SourceOnly => "source_only",
        }
    }
}

/// One component registered in the configuration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// What the element registers.
    pub kind: RegistrationKind,
    /// `name=` (none for restriction entries, FastCGI, classic handlers).
    pub name: Option<String>,
    /// The image, type, path, script processor or full path as written.
    pub value: Option<String>,
    /// What `value` is.
    pub value_kind: Option<ValueKind>,
    /// `preCondition`.
    pub precondition: Option<String>,
    /// Where the element stands.
    pub pos: Pos,
    /// The URL path it applies to (`""` server, `Site`, `Site/app`).
    pub scope: String,
    /// Sites it affects.
    pub sites: Vec<String>,
    /// Global modules: enabled in `modules` for at least one application.
    /// Filters: their `enabled` attribute. Restriction entries: `allowed`.
    pub enabled: Option<bool>,
    /// Where it leads.
    pub status: Status,
    /// The file it leads to (host path), when on the image.
    pub resolved: Option<PathBuf>,
    /// Machine bitness of a resolved native file (32, 64).
    pub bitness: Option<u8>,
    /// Why it is off the image, or other detail for people.
    pub note: Option<String>,
}

/// A finding about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable id (`module_not_microsoft_signed`, `http_logging_disabled`, ...).
    pub id: &'static str,
    /// Score 0-100, on the verdict scale.
    pub score: u8,
    /// Why, for people.
    pub reason: String,
    /// The element it is about.
    pub pos: Pos,
    /// What it is about (a registration name, an attribute).
    pub subject: String,
    /// Sites affected.
    pub sites: Vec<String>,
    /// A file it concerns (host path), when there is one.
    pub file: Option<PathBuf>,
    /// ATT&CK technique ids.
    pub attack: &'static [&'static str],
}

/// A change between consecutive configuration snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryChange {
    /// The first snapshot (folder name) that shows it, or `live`.
    pub snapshot: String,
    /// `module_added`, `module_removed`, `module_repointed`, `logging_changed`.
    pub change: &'static str,
    /// The module name or the setting.
    pub subject: String,
    /// Value before.
    pub from: Option<String>,
    /// Value after.
    pub to: Option<String>,
    /// The element in the file that shows the change.
    pub pos: Pos,
}

/// `redirection.config`: shared configuration.
#[derive(Debug, Clone)]
pub struct Redirection {
    /// Where `configurationRedirection` stands.
    pub pos: Pos,
    /// Its 1-based column.
    pub column: u32,
    /// `enabled`.
    pub enabled: bool,
    /// `path` as written.
    pub path: String,
    /// The folder it leads to on the image (host path), when it does.
    pub target: Option<PathBuf>,
}

/// Options of the config stage.
#[derive(Debug, Clone, Default)]
pub struct ConfigOptions {
    /// Extra drive letters (`--drive D:=DIR`).
    pub drives: Vec<(char, PathBuf)>,
    /// The `applicationHost.config` to read (`--iis-config FILE`) instead of
    /// the one on the image.
    pub explicit: Option<PathBuf>,
}

/// The server as its configuration describes it.
#[derive(Debug)]
pub struct ServerView {
    /// The image the paths map onto.
    pub image: DiskImage,
    /// Every configuration file looked at; [`Pos::file`] indexes it.
    pub files: Vec<ConfigFile>,
    /// Problems, each with the index of its file.
    pub errors: Vec<(usize, ConfigError)>,
    /// Shared configuration, when `redirection.config` holds it.
    pub redirection: Option<Redirection>,
    /// Sites, pools, defaults, locations.
    pub structure: Structure,
    /// Every directive read from the effective configuration.
    pub entries: Vec<read::Entry>,
    /// Every registration.
    pub registrations: Vec<Registration>,
    /// Findings, strongest first once [`ServerView::judge_files`] ran.
    pub findings: Vec<Finding>,
    /// Changes across the configuration history.
    pub history: Vec<HistoryChange>,
    /// The history folder read, when any.
    pub history_dir: Option<PathBuf>,
    /// Resolved host path -> registrations leading there.
    by_file: HashMap<PathBuf, Vec<usize>>,
    /// (id, position, subject) -> index in `findings`, for merging a
    /// finding about the same element; rebuilt when stale (after a sort).
    /// The length of `findings` the index was built for.
    finding_index: (usize, HashMap<(&'static str, Pos, String), usize>),
}

impl ServerView {
    /// The registrations that lead to `host`.
    pub fn registrations_of(&self, host: &Path) -> &[usize] {
        self.by_file.get(host).map_or(&[], Vec::as_slice)
    }

    /// Every file a registration leads to.
    pub fn registered_files(&self) -> impl Iterator<Item = &PathBuf> {
        self.by_file.keys()
    }

    /// `pos`'s file, image-relative (`Windows/System32/...`).
    pub fn rel(&self, pos: &Pos) -> String {
        self.files
            .get(pos.file)
            .map(|f| self.image.rel(&f.host))
            .unwrap_or_default()
    }

    fn index_files(&mut self) {
        self.by_file.clear();
        for (i, r) in self.registrations.iter().enumerate() {
            if let Some(h) = &r.resolved {
                self.by_file.entry(h.clone()).or_default().push(i);
            }
        }
    }
}

/// What the sweep learnt about a registered file: what the file-dependent
/// findings need.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    /// SHA-256.
    pub sha256: Option<String>,
    /// It parsed as PE.
    pub is_pe: bool,
    /// Some valid signature chains to a Microsoft root.
    pub microsoft_signed: bool,
    /// A signature was parsed.
    pub signed: bool,
    /// The primary signature is valid.
    pub signature_valid: bool,
    /// The primary signer's common name.
    pub signer: Option<String>,
    /// Verdict level and score.
    pub verdict: Option<crate::model::Verdict>,
    /// IIS roles.
    pub roles: Vec<crate::model::Role>,
}

impl FileSummary {
    /// What a sweep's report says about a file (`None` when it was not
    /// analysed: missing, skipped, failed).
    pub fn of(r: &crate::model::FileReport) -> Option<FileSummary> {
        let crate::model::Outcome::Analyzed(a) = &r.outcome else {
            return None;
        };
        let cs = a.facts.code_signature.as_ref();
        Some(FileSummary {
            sha256: Some(a.facts.sha256.clone()),
            is_pe: a.facts.pe.is_some(),
            microsoft_signed: cs.is_some_and(|c| c.microsoft_signed),
            signed: cs.is_some_and(|c| c.signed),
            signature_valid: cs.is_some_and(|c| c.signature_valid),
            signer: cs
                .and_then(|c| c.signer.as_ref())
                .and_then(|s| s.common_name.clone().or_else(|| s.organization.clone())),
            verdict: Some(a.judgement.verdict),
            roles: a.facts.roles.clone(),
        })
    }
}

/// Reads the server configuration of the image whose `C:` is `root`
/// (`None` when neither the image nor the options hold an
/// `applicationHost.config`).
pub fn load(root: &Path, opts: &ConfigOptions) -> Option<ServerView> {
    let image = DiskImage::live(root, &opts.drives)
        .unwrap_or_else(|| DiskImage::new(root.to_path_buf(), &opts.drives));
    let apphost = match &opts.explicit {
        Some(p) => p.clone(),
        None => image::system_drive_config(root)?,
    };
    Some(server::build(image, &apphost))
}
