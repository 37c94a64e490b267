//! Findings about a server's configuration, each with a reason and a score
//! on the verdict scale (0-100): what is loaded from where, what imitates
//! an in-box module, what is missing or never enabled, which site drops a
//! global module, who turned logging off, tracing switched on broadly, and
//! (once the sweep has analysed the registered files) which registered
//! native component is not Microsoft-signed.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::read::{Directive, Entry};
use super::resolve::is_native;
use super::server::{self, Merged, ServedList};
use super::{
    FileSummary, Finding, Pos, Redirection, Registration, RegistrationKind, ServerView, Status,
    ValueKind,
};

const T_IIS: &[&str] = &["T1505.004"];
const T_LOG: &[&str] = &["T1562.002"];

/// In-box native modules: name -> DLL file name (knowledge §4.3).
pub const INBOX: &[(&str, &str)] = &[
    ("UriCacheModule", "cachuri.dll"),
    ("FileCacheModule", "cachfile.dll"),
    ("TokenCacheModule", "cachtokn.dll"),
    ("HttpCacheModule", "cachhttp.dll"),
    ("StaticCompressionModule", "compstat.dll"),
    ("DynamicCompressionModule", "compdyn.dll"),
    ("DefaultDocumentModule", "defdoc.dll"),
    ("DirectoryListingModule", "dirlist.dll"),
    ("ProtocolSupportModule", "protsup.dll"),
    ("HttpRedirectionModule", "redirect.dll"),
    ("ServerSideIncludeModule", "iis_ssi.dll"),
    ("StaticFileModule", "static.dll"),
    ("AnonymousAuthenticationModule", "authanon.dll"),
    ("CertificateMappingAuthenticationModule", "authcert.dll"),
    ("BasicAuthenticationModule", "authbas.dll"),
    ("WindowsAuthenticationModule", "authsspi.dll"),
    ("DigestAuthenticationModule", "authmd5.dll"),
    ("IISCertificateMappingAuthenticationModule", "authmap.dll"),
    ("UrlAuthorizationModule", "urlauthz.dll"),
    ("IsapiModule", "isapi.dll"),
    ("IsapiFilterModule", "filter.dll"),
    ("IpRestrictionModule", "iprestr.dll"),
    ("DynamicIpRestrictionModule", "diprestr.dll"),
    ("RequestFilteringModule", "modrqflt.dll"),
    ("CustomLoggingModule", "logcust.dll"),
    ("CustomErrorModule", "custerr.dll"),
    ("HttpLoggingModule", "loghttp.dll"),
    ("FailedRequestsTracingModule", "iisfreb.dll"),
    ("RequestMonitorModule", "iisreqs.dll"),
    ("TracingModule", "iisetw.dll"),
    ("CgiModule", "cgi.dll"),
    ("FastCgiModule", "iisfcgi.dll"),
    ("ConfigurationValidationModule", "validcfg.dll"),
    ("ApplicationInitializationModule", "warmup.dll"),
    ("WebSocketModule", "iiswsock.dll"),
];

/// The in-box ASP.NET integration modules (`webengine4.dll`).
const MANAGED_ENGINES: &[&str] = &[
    "ManagedEngineV4.0_32bit",
    "ManagedEngineV4.0_64bit",
    "ManagedEngine",
    "ManagedEngine64",
];

/// In-box files outside `inetsrv`.
const INBOX_ELSEWHERE: &[&str] = &[
    "windows/microsoft.net/framework/v4.0.30319/webengine4.dll",
    "windows/microsoft.net/framework64/v4.0.30319/webengine4.dll",
    "windows/microsoft.net/framework/v4.0.30319/aspnet_isapi.dll",
    "windows/microsoft.net/framework64/v4.0.30319/aspnet_isapi.dll",
    "windows/microsoft.net/framework/v2.0.50727/aspnet_isapi.dll",
    "windows/microsoft.net/framework64/v2.0.50727/aspnet_isapi.dll",
];

/// Modules whose removal from a site blinds logging or defences.
const GUARD_MODULES: &[&str] = &[
    "HttpLoggingModule",
    "CustomLoggingModule",
    "RequestFilteringModule",
    "FailedRequestsTracingModule",
    "TracingModule",
    "RequestMonitorModule",
];

/// Adds a finding; one about the same element and subject only adds its
/// sites. Looked up through the view's index (a server with tens of
/// thousands of `web.config` files has as many findings).
pub(super) fn push(v: &mut ServerView, f: Finding) {
    let key = (f.id, f.pos.clone(), f.subject.clone());
    let holds = |v: &ServerView, i: usize| {
        v.findings
            .get(i)
            .is_some_and(|x| x.id == key.0 && x.pos == key.1 && x.subject == key.2)
    };
    let mut at = v.finding_index.1.get(&key).copied();
    if at.is_some_and(|i| !holds(v, i)) || v.finding_index.0 != v.findings.len() {
        // Stale: the findings were sorted or pushed past the index.
        let map = v
            .findings
            .iter()
            .enumerate()
            .map(|(i, x)| ((x.id, x.pos.clone(), x.subject.clone()), i))
            .collect();
        v.finding_index = (v.findings.len(), map);
        at = v.finding_index.1.get(&key).copied();
    }
    match at {
        Some(i) => {
            let x = &mut v.findings[i];
            for s in f.sites {
                if !x.sites.contains(&s) {
                    x.sites.push(s);
                }
            }
            x.sites.sort();
        }
        None => {
            v.finding_index.1.insert(key, v.findings.len());
            v.findings.push(f);
            v.finding_index.0 = v.findings.len();
        }
    }
}

fn finding(
    id: &'static str,
    score: u8,
    reason: String,
    pos: &Pos,
    subject: &str,
    sites: &[String],
) -> Finding {
    Finding {
        id,
        score,
        reason,
        pos: pos.clone(),
        subject: subject.to_string(),
        sites: sites.to_vec(),
        file: None,
        attack: if id.contains("log") || id.contains("tracing") {
            T_LOG
        } else {
            T_IIS
        },
    }
}

/// A native DLL registration: a global module, a filter, or a handler
/// whose script processor is a DLL.
fn native_dll(r: &Registration) -> bool {
    match r.kind {
        RegistrationKind::GlobalModule | RegistrationKind::IsapiFilter => true,
        RegistrationKind::Handler => {
            r.value_kind == Some(ValueKind::ScriptProcessor)
                && r.value.as_deref().is_some_and(|p| {
                    p.split('|')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches('"')
                        .to_ascii_lowercase()
                        .ends_with(".dll")
                })
        }
        _ => false,
    }
}

/// The image-relative, lowercase path a registration names (resolved, or
/// where it would be).
fn named_path(v: &ServerView, r: &Registration) -> Option<String> {
    if let Some(h) = &r.resolved {
        return Some(v.image.rel(h).to_lowercase());
    }
    let value = r.value.as_deref()?;
    let file = value.split('|').next().unwrap_or("");
    match v
        .image
        .locate(file, None, server::wants_wow64(r.precondition.as_deref()))
    {
        super::Location::Found { host } | super::Location::Missing { host } => {
            Some(v.image.rel(&host).to_lowercase())
        }
        super::Location::Outside { .. } => None,
    }
}

fn in_inetsrv(rel: &str) -> bool {
    rel.starts_with("windows/system32/inetsrv/") || rel.starts_with("windows/syswow64/inetsrv/")
}

/// Served folders (image-relative, lowercased, ending in `/`) with the
/// first URL that serves each, in served order.
type ContentIndex<'a> = HashMap<&'a str, (usize, &'a str)>;

/// A folder anyone (or the site's own content) can write to: for content,
/// the first served folder (in served order) that holds `rel`, found by
/// looking up each of `rel`'s parent folders.
fn user_writable(content: &ContentIndex<'_>, rel: &str) -> Option<String> {
    for p in ["windows/temp/", "programdata/", "users/"] {
        if rel.starts_with(p) {
            return Some(format!(
                "C:\\{}",
                p.trim_end_matches('/').replace('/', "\\")
            ));
        }
    }
    rel.match_indices('/')
        .filter_map(|(i, _)| content.get(&rel[..=i]))
        .min_by_key(|(order, _)| *order)
        .map(|(_, url)| format!("the content of {url}"))
}

/// Each served folder, image-relative, lowercased, with a trailing `/`,
/// and its URL: computed once for every registration's check.
fn content_folders(v: &ServerView, served: &ServedList) -> Vec<(String, String)> {
    served
        .iter()
        .filter_map(|s| {
            let phys = v.image.rel(s.physical.as_ref()?).to_lowercase();
            (!phys.is_empty()).then(|| (format!("{phys}/"), s.url.clone()))
        })
        .collect()
}

/// Every finding that the configuration alone supports.
pub fn configuration(v: &mut ServerView, entries: &[Entry], served: &ServedList, merged: &Merged) {
    registrations(v, served);
    removed_modules(v, entries, served, merged);
    logging(v, entries, served);
}

fn registrations(v: &mut ServerView, served: &ServedList) {
    // Taken out while findings are pushed (nothing below reads them from
    // `v`), and put back at the end.
    let regs = std::mem::take(&mut v.registrations);
    let folders = content_folders(v, served);
    let mut content: ContentIndex<'_> = HashMap::new();
    for (i, (p, u)) in folders.iter().enumerate() {
        content.entry(p.as_str()).or_insert((i, u.as_str()));
    }
    for r in &regs {
        let name = r.name.clone().unwrap_or_default();
        let subject = r
            .name
            .clone()
            .or_else(|| r.value.clone())
            .unwrap_or_default();
        let path = named_path(v, r);
        if native_dll(r) {
            let outside = match &path {
                Some(rel) => !in_inetsrv(rel) && !INBOX_ELSEWHERE.contains(&rel.as_str()),
                None => r.status == Status::OutsideImage,
            };
            if outside {
                let what = path
                    .clone()
                    .unwrap_or_else(|| r.value.clone().unwrap_or_default());
                push(
                    v,
                    finding(
                        "image_outside_inetsrv",
                        30,
                        format!(
                            "{} loads {what} from outside %windir%\\System32\\inetsrv",
                            r.kind.as_str()
                        ),
                        &r.pos,
                        &subject,
                        &r.sites,
                    ),
                );
            }
        }
        let runs = native_dll(r)
            || r.kind == RegistrationKind::FastCgiApplication
            || (r.kind == RegistrationKind::Handler
                && r.value_kind == Some(ValueKind::ScriptProcessor));
        if runs {
            if let Some(w) = path.as_deref().and_then(|rel| user_writable(&content, rel)) {
                push(v, finding("image_user_writable", 70,
                    format!("{} runs code from {w}, a place more accounts can write than the IIS binaries", r.kind.as_str()), &r.pos, &subject, &r.sites));
                if r.kind == RegistrationKind::Handler {
                    push(
                        v,
                        finding(
                            "unexpected_script_processor",
                            60,
                            format!("handler {name} maps requests to a script processor in {w}"),
                            &r.pos,
                            &subject,
                            &r.sites,
                        ),
                    );
                }
            }
        }
        if r.kind == RegistrationKind::GlobalModule {
            let inbox = INBOX.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name));
            let imitates = match inbox {
                Some((_, dll)) => path
                    .as_deref()
                    .is_none_or(|p| !(in_inetsrv(p) && p.rsplit('/').next() == Some(*dll))),
                None => {
                    name.to_ascii_lowercase().starts_with("managedengine")
                        && !MANAGED_ENGINES
                            .iter()
                            .any(|m| m.eq_ignore_ascii_case(&name))
                }
            };
            if imitates {
                push(
                    v,
                    finding(
                        "name_imitates_inbox",
                        80,
                        format!(
                            "global module {name} carries an in-box module's name but loads {}",
                            path.as_deref().unwrap_or("a file off the image")
                        ),
                        &r.pos,
                        &name,
                        &r.sites,
                    ),
                );
            }
            if r.enabled == Some(false)
                && !MANAGED_ENGINES
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(&name))
            {
                push(v, finding("module_installed_not_enabled", 40,
                    format!("global module {name} is installed (its DLL loads into every worker) but no application enables it"), &r.pos, &name, &r.sites));
            }
        }
        let native_value = r.value_kind.is_some_and(|k| k != ValueKind::Type);
        match r.status {
            Status::Missing if native_value => push(
                v,
                finding(
                    "registered_file_missing",
                    40,
                    format!(
                        "{} names {}, which is not on the image",
                        r.kind.as_str(),
                        r.value.as_deref().unwrap_or("")
                    ),
                    &r.pos,
                    &subject,
                    &r.sites,
                ),
            ),
            Status::OutsideImage if native_value => push(
                v,
                finding(
                    "image_outside_image",
                    20,
                    format!(
                        "{} loads {} from off the image (not followed: {})",
                        r.kind.as_str(),
                        r.value.as_deref().unwrap_or(""),
                        r.note.as_deref().unwrap_or("")
                    ),
                    &r.pos,
                    &subject,
                    &r.sites,
                ),
            ),
            Status::NotInstalled => push(
                v,
                finding(
                    "module_enabled_not_installed",
                    30,
                    format!("module {name} is enabled but globalModules never installs it"),
                    &r.pos,
                    &name,
                    &r.sites,
                ),
            ),
            Status::TypeMissing => push(
                v,
                finding(
                    "managed_type_missing",
                    40,
                    format!(
                        "managed type {} is not defined in its assembly",
                        r.value.as_deref().unwrap_or("")
                    ),
                    &r.pos,
                    &subject,
                    &r.sites,
                ),
            ),
            Status::TypeNotComponent => push(
                v,
                finding(
                    "managed_type_not_component",
                    30,
                    format!(
                        "managed type {} exists but implements no IIS module or handler interface",
                        r.value.as_deref().unwrap_or("")
                    ),
                    &r.pos,
                    &subject,
                    &r.sites,
                ),
            ),
            Status::AssemblyMissing => push(
                v,
                finding(
                    "managed_assembly_missing",
                    40,
                    format!(
                        "no assembly on the image holds managed type {}",
                        r.value.as_deref().unwrap_or("")
                    ),
                    &r.pos,
                    &subject,
                    &r.sites,
                ),
            ),
            _ => {}
        }
        if name.chars().any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')) {
            push(v, finding("name_has_bidi_override", 70,
                "a registration name holds a bidirectional control character, so it reads differently from what it is".into(), &r.pos, &name, &r.sites));
        }
    }
    v.registrations = regs;
}

/// A removal: where, which module, which site, `removes` or `clears`.
type Removal = (Pos, String, String, &'static str);

/// Applies `modules` directives to a list; a site- or path-level `remove`
/// or `clear` that drops a global module is recorded in `out`.
fn apply_removals<'e>(
    list: &mut impl server::ModuleOps<'e>,
    es: &[&'e Entry],
    t: &server::PoolTraits,
    site: &str,
    globals: &HashSet<String>,
    out: &mut Vec<Removal>,
) {
    for e in es {
        let site_scope = !e.scope.is_empty();
        match &e.directive {
            Directive::ModuleAdd {
                name, precondition, ..
            } => {
                if server::precondition_holds(precondition.as_deref(), t) {
                    list.add(name);
                }
            }
            Directive::ModuleRemove { name } => {
                if site_scope && list.contains(name) && globals.contains(name) {
                    out.push((e.pos.clone(), name.clone(), site.to_string(), "removes"));
                }
                list.remove(name);
            }
            Directive::ModuleClear => {
                if site_scope {
                    for n in list.listed().iter().filter(|n| globals.contains(**n)) {
                        out.push((e.pos.clone(), n.to_string(), site.to_string(), "clears"));
                    }
                }
                list.clear();
            }
            _ => {}
        }
    }
}

/// `remove` / `clear` at site or path scope that drop an installed global
/// module from a served URL's list.
fn removed_modules(v: &mut ServerView, entries: &[Entry], served: &ServedList, merged: &Merged) {
    let globals: HashSet<String> = v
        .registrations
        .iter()
        .filter(|r| r.kind == RegistrationKind::GlobalModule)
        .filter_map(|r| r.name.clone())
        .collect();
    let index = server::ModuleIndex::new(v, entries);
    let mut out = Vec::new();
    // The server-level list once per pool, then each URL's own directives.
    let server_level = index.server();
    let mut base: HashMap<Option<&str>, server::ModuleList<'_>> = HashMap::new();
    for s in served.iter() {
        let t = server::pool_traits(&v.structure, s.pool.as_deref());
        let rest = index.below_server(&s.url);
        if rest.is_empty() {
            continue;
        }
        let b = base.entry(s.pool.as_deref()).or_insert_with(|| {
            let mut l = server::ModuleList::default();
            apply_removals(&mut l, &server_level, &t, &s.site, &globals, &mut out);
            l
        });
        let mut list = server::Overlay::new(b);
        apply_removals(&mut list, &rest, &t, &s.site, &globals, &mut out);
    }
    let _ = merged;
    let mut by: HashMap<(Pos, String), (BTreeSet<String>, &str)> = HashMap::new();
    let mut order = Vec::new();
    for (pos, name, site, how) in out {
        let key = (pos, name);
        if !by.contains_key(&key) {
            order.push(key.clone());
        }
        by.entry(key)
            .or_insert_with(|| (BTreeSet::new(), how))
            .0
            .insert(site);
    }
    for key in order {
        let (sites, how) = &by[&key];
        let (pos, name) = key;
        let guard = GUARD_MODULES.iter().any(|g| g.eq_ignore_ascii_case(&name));
        let sites: Vec<String> = sites.iter().cloned().collect();
        push(
            v,
            finding(
                "site_removes_global_module",
                if guard { 60 } else { 40 },
                format!(
                    "a {} the module list and drops global module {name}{}",
                    if *how == "clears" {
                        "<clear/> empties"
                    } else {
                        "<remove> edits"
                    },
                    if guard {
                        ", which logs or guards requests"
                    } else {
                        ""
                    }
                ),
                &pos,
                &name,
                &sites,
            ),
        );
    }
}

/// Status codes of `statusCodes` (`100-999`, `404,500`) include one below 400.
fn includes_success(codes: &str) -> bool {
    codes.split(',').any(|part| {
        let start = part
            .trim()
            .split('-')
            .next()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        start.trim().parse::<u32>().is_ok_and(|c| c < 400)
    })
}

fn logging(v: &mut ServerView, entries: &[Entry], served: &ServedList) {
    for e in entries {
        match &e.directive {
            Directive::HttpLogging {
                dont_log,
                selective,
            } => {
                let sites =
                    server::affected_sites(v, served, &e.scope, None, server::Pipeline::Any);
                if *dont_log == Some(true) {
                    push(v, finding("http_logging_disabled", 70,
                        "httpLogging dontLog=\"true\": successful requests are no longer logged".into(), &e.pos, "httpLogging/@dontLog", &sites));
                }
                if let Some(s) = selective
                    .as_deref()
                    .filter(|s| !s.eq_ignore_ascii_case("LogAll"))
                {
                    push(v, finding("http_logging_selective", 40,
                        format!("httpLogging selectiveLogging=\"{s}\": only some requests are logged"), &e.pos, "httpLogging/@selectiveLogging", &sites));
                }
            }
            Directive::CgiRestrictionPolicy {
                not_listed_isapis,
                not_listed_cgis,
            } => {
                let sites =
                    server::affected_sites(v, served, &e.scope, None, server::Pipeline::Any);
                if *not_listed_isapis == Some(true) {
                    push(v, finding("not_listed_isapis_allowed", 60,
                        "isapiCgiRestriction notListedIsapisAllowed=\"true\": any ISAPI extension may run".into(), &e.pos, "isapiCgiRestriction/@notListedIsapisAllowed", &sites));
                }
                if *not_listed_cgis == Some(true) {
                    push(v, finding("not_listed_cgis_allowed", 50,
                        "isapiCgiRestriction notListedCgisAllowed=\"true\": any CGI program may run".into(), &e.pos, "isapiCgiRestriction/@notListedCgisAllowed", &sites));
                }
            }
            Directive::TraceFailedRequests { path, status_codes } => {
                if path.trim() != "*" || !status_codes.as_deref().is_some_and(includes_success) {
                    continue;
                }
                let s = &v.structure;
                let in_scope =
                    server::affected_sites(v, served, &e.scope, None, server::Pipeline::Any);
                let sites: Vec<String> = s
                    .sites
                    .iter()
                    .filter(|site| in_scope.contains(&site.name))
                    .filter(|site| site.frt_enabled.or(s.site_frt_default) == Some(true))
                    .map(|site| site.name.clone())
                    .collect();
                if !sites.is_empty() {
                    push(v, finding("failed_request_tracing_broad", 40,
                        format!("failed-request tracing captures every URL with status codes {} (successful requests included)", status_codes.as_deref().unwrap_or("")),
                        &e.pos, "traceFailedRequests/add[@path='*']", &sites));
                }
            }
            _ => {}
        }
    }
    log_files(v);
}

/// `logFile` in effect for each site: disabled, or a W3C target without
/// ETW or without the file.
fn log_files(v: &mut ServerView) {
    let s = v.structure.clone();
    let d = &s.site_log_defaults;
    for site in &s.sites {
        let l = &site.log_file;
        let (enabled, enabled_pos) = match (l.enabled, d.enabled) {
            (Some(e), _) => (Some(e), l.pos.clone()),
            (None, Some(e)) => (Some(e), d.pos.clone()),
            _ => (None, None),
        };
        let sites = [site.name.clone()];
        if let (Some(false), Some(pos)) = (enabled, &enabled_pos) {
            push(
                v,
                finding(
                    "site_log_file_disabled",
                    60,
                    format!(
                        "logFile enabled=\"false\" for site {}: it writes no request log",
                        site.name
                    ),
                    pos,
                    "logFile/@enabled",
                    &sites,
                ),
            );
        }
        let (target, tpos) = match (&l.target, &d.target) {
            (Some(t), _) => (Some(t.clone()), l.pos.clone()),
            (None, Some(t)) => (Some(t.clone()), d.pos.clone()),
            _ => (None, None),
        };
        if let (Some(t), Some(pos)) = (target, tpos) {
            let has = |x: &str| t.split(',').any(|p| p.trim().eq_ignore_ascii_case(x));
            if !has("ETW") {
                push(
                    v,
                    finding(
                        "log_target_etw_removed",
                        40,
                        format!(
                            "logTargetW3C=\"{t}\" for site {}: no ETW log events",
                            site.name
                        ),
                        &pos,
                        "logFile/@logTargetW3C",
                        &sites,
                    ),
                );
            }
            if !has("File") {
                push(
                    v,
                    finding(
                        "log_target_file_removed",
                        50,
                        format!(
                            "logTargetW3C=\"{t}\" for site {}: no log file on disk",
                            site.name
                        ),
                        &pos,
                        "logFile/@logTargetW3C",
                        &sites,
                    ),
                );
            }
        }
    }
}

/// `redirection.config` points off the image.
pub fn shared_config_outside(v: &mut ServerView, r: &Redirection) {
    if r.enabled && r.target.is_none() {
        push(v, Finding {
            id: "shared_config_outside_image",
            score: 10,
            reason: format!("the server reads its configuration from {} (shared configuration off the image; not followed)", r.path),
            pos: r.pos.clone(),
            subject: "configurationRedirection/@path".into(),
            sites: Vec::new(),
            file: None,
            attack: T_IIS,
        });
    }
}

impl ServerView {
    /// The findings that need the registered files analysed: native
    /// components that are not Microsoft-signed. `files` maps a host path
    /// to what the sweep learnt about it. Sorts the findings, strongest
    /// first.
    pub fn judge_files(&mut self, files: &HashMap<std::path::PathBuf, FileSummary>) {
        // Taken out while findings are pushed (push needs the view), and
        // put back after: no copy of every registration.
        let regs = std::mem::take(&mut self.registrations);
        for r in &regs {
            if !native_dll(r) || r.status != Status::Resolved || !is_native(r.kind, r.value_kind) {
                continue;
            }
            let Some(host) = &r.resolved else { continue };
            let Some(s) = files.get(host) else { continue };
            if s.microsoft_signed {
                continue;
            }
            let subject = r
                .name
                .clone()
                .or_else(|| r.value.clone())
                .unwrap_or_default();
            let (score, why) = match (s.signed, s.signature_valid, &s.signer) {
                (false, _, _) => (50, "is not signed".to_string()),
                (true, false, _) => (70, "carries a signature that does not verify".to_string()),
                (true, true, Some(n)) => (20, format!("is signed by {n}, not by Microsoft")),
                (true, true, None) => (20, "is signed, not by Microsoft".to_string()),
            };
            let mut f = finding(
                "module_not_microsoft_signed",
                score,
                format!(
                    "registered {} {} {why}",
                    r.kind.as_str(),
                    self.image.rel(host)
                ),
                &r.pos,
                &subject,
                &r.sites,
            );
            f.file = Some(host.clone());
            push(self, f);
        }
        self.registrations = regs;
        self.findings.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.pos.file.cmp(&b.pos.file))
                .then_with(|| a.pos.line.cmp(&b.pos.line))
                .then_with(|| a.id.cmp(b.id))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_code_ranges() {
        assert!(includes_success("100-999"));
        assert!(includes_success("404,200"));
        assert!(includes_success("302.1"));
        assert!(!includes_success("500"));
        assert!(!includes_success("400-599"));
    }
}
