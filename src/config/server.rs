//! From files to the server: follow the redirection, read the effective
//! `applicationHost.config`, find and read the `web.config` of every
//! folder the sites serve, then merge the directives into registrations
//! (with their scope, affected sites and `enabled` state) and the module
//! list of every application.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::image::{DiskImage, Location};
use super::read::{self, Contents, Directive, Entry, Reader, Role, Structure};
use super::xml::{self, ConfigError, ErrorKind};
use super::{
    findings, history, resolve, ConfigFile, FileKind, Pos, Redirection, Registration,
    RegistrationKind, ServerView, Status, ValueKind,
};

/// Most `web.config` files read per image.
pub const MAX_WEB_CONFIGS: usize = 100_000;
/// Deepest folder descended below a site's physical path looking for
/// `web.config` files.
pub const MAX_SITE_DEPTH: usize = 32;

/// One URL the sites serve from a physical folder.
#[derive(Debug, Clone)]
pub struct Served {
    /// `Site` + application path + virtual directory path, without a
    /// trailing `/` (`Default Web Site`, `Default Web Site/app1`).
    pub url: String,
    /// The site.
    pub site: String,
    /// The application path (`/`, `/app1`).
    pub app: String,
    /// The application's pool.
    pub pool: Option<String>,
    /// The folder on the image.
    pub physical: Option<PathBuf>,
    /// The application's root folder (its `bin/` and `App_Code/`).
    pub app_root: Option<PathBuf>,
}

/// Builds the view of the server whose `applicationHost.config` is
/// `apphost` (a host path on `image`).
pub fn build(image: DiskImage, apphost: &Path) -> ServerView {
    let mut v = ServerView {
        image,
        files: Vec::new(),
        errors: Vec::new(),
        redirection: None,
        structure: Structure::default(),
        entries: Vec::new(),
        registrations: Vec::new(),
        findings: Vec::new(),
        history: Vec::new(),
        history_dir: None,
        by_file: HashMap::new(),
        finding_index: (0, HashMap::new()),
    };
    let Some(effective) = follow_redirection(&mut v, apphost) else {
        if let Some(r) = v.redirection.clone() {
            findings::shared_config_outside(&mut v, &r);
        }
        return v;
    };
    let index = add_file(
        &mut v,
        effective.clone(),
        FileKind::ApplicationHost,
        true,
        None,
    );
    let mut reader = Reader::new(&v.image, Role::ApplicationHost, SOURCE_BASE);
    let read = reader.read_file(&effective, index, "");
    let contents = reader.out;
    absorb(&mut v, index, read, contents);
    let served = served(&v);
    read_web_configs(&mut v, &served);
    let entries = std::mem::take(&mut v.entries);
    registrations(&mut v, &entries, &served);
    resolve::resolve_all(&mut v, &served);
    let merged = merge_modules(&v, &entries, &served);
    apply_enabled(&mut v, &merged);
    findings::configuration(&mut v, &entries, &served, &merged);
    v.entries = entries;
    history::compare(&mut v, &effective);
    v.index_files();
    v
}

/// `configSource` files get file indexes from here while being read; they
/// are renumbered when the reader's contents join the view.
const SOURCE_BASE: usize = 1 << 40;

fn add_file(
    v: &mut ServerView,
    host: PathBuf,
    kind: FileKind,
    active: bool,
    url: Option<String>,
) -> usize {
    v.files.push(ConfigFile {
        host,
        kind,
        encoding: None,
        active,
        url,
    });
    v.files.len() - 1
}

/// Merges what one reader gathered into the view, giving its
/// `configSource` files their indexes.
fn absorb(
    v: &mut ServerView,
    index: usize,
    read: Result<xml::Encoding, ConfigError>,
    mut c: Contents,
) {
    match read {
        Ok(enc) => v.files[index].encoding = Some(enc),
        Err(e) => v.errors.push((index, e)),
    }
    let url = v.files[index].url.clone();
    let mut remap: HashMap<usize, usize> = HashMap::new();
    for s in c.sources {
        let global = add_file(v, s.host, FileKind::ConfigSource, true, url.clone());
        v.files[global].encoding = s.encoding;
        remap.insert(s.index, global);
    }
    let fix = |f: &mut usize| {
        if let Some(g) = remap.get(f) {
            *f = *g;
        }
    };
    for e in &mut c.entries {
        fix(&mut e.pos.file);
    }
    for (f, _) in &mut c.errors {
        fix(f);
    }
    for l in &mut c.structure.locations {
        fix(&mut l.pos.file);
    }
    for s in &mut c.structure.sites {
        if let Some(p) = &mut s.log_file.pos {
            fix(&mut p.file);
        }
    }
    if let Some(p) = &mut c.structure.site_log_defaults.pos {
        fix(&mut p.file);
    }
    v.errors.extend(c.errors);
    v.entries.extend(c.entries);
    if v.files[index].kind == FileKind::ApplicationHost {
        v.structure = c.structure;
    }
}

/// Reads `redirection.config` beside `apphost`; returns the effective
/// `applicationHost.config`, or `None` when it is off the image.
fn follow_redirection(v: &mut ServerView, apphost: &Path) -> Option<PathBuf> {
    let dir = apphost.parent()?.to_path_buf();
    let Some(r) = read_redirection(v, &dir) else {
        return Some(apphost.to_path_buf());
    };
    let out = if !r.enabled || r.path.trim().is_empty() {
        Some(apphost.to_path_buf())
    } else if let Some(target) = r.target.clone() {
        // The local file is stale while the redirection holds.
        add_file(
            v,
            apphost.to_path_buf(),
            FileKind::ApplicationHost,
            false,
            None,
        );
        // IIS reads only the local redirection.config: one at the target
        // that is enabled too is a loop, reported and not followed.
        if let Some(next) = read_redirection(v, &target) {
            if next.enabled && !next.path.trim().is_empty() {
                v.errors.push((
                    next.pos.file,
                    ConfigError::at(
                        ErrorKind::RedirectionLoop,
                        format!(
                            "the redirection target holds an enabled redirection.config ({}); not followed",
                            next.path
                        ),
                        next.pos.line,
                        next.column,
                    ),
                ));
            }
        }
        match v.image.lookup(&target, &["applicationHost.config"]) {
            Location::Found { host } => Some(host),
            Location::Missing { host } => {
                v.errors.push((
                    r.pos.file,
                    ConfigError::at(
                        ErrorKind::Io,
                        format!(
                            "the shared configuration {} does not exist",
                            v.image.rel(&host)
                        ),
                        r.pos.line,
                        0,
                    ),
                ));
                None
            }
            Location::Outside { .. } => None,
        }
    } else {
        // Off the image: reported, never followed.
        add_file(
            v,
            apphost.to_path_buf(),
            FileKind::ApplicationHost,
            false,
            None,
        );
        None
    };
    if v.redirection.is_none() {
        v.redirection = Some(r);
    }
    out
}

/// `redirection.config` in host folder `dir`, when there is one.
fn read_redirection(v: &mut ServerView, dir: &Path) -> Option<Redirection> {
    let Location::Found { host } = v.image.lookup(dir, &["redirection.config"]) else {
        return None;
    };
    let index = add_file(v, host.clone(), FileKind::Redirection, true, None);
    let (text, enc) = match xml::read_text(&host) {
        Ok(t) => t,
        Err(e) => {
            v.errors.push((index, e));
            return None;
        }
    };
    v.files[index].encoding = Some(enc);
    let doc = match xml::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            v.errors.push((index, e));
            return None;
        }
    };
    let n = doc
        .descendants()
        .find(|n| n.tag_name().name() == "configurationRedirection")?;
    let enabled = n
        .attribute("enabled")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("true"));
    let path = n.attribute("path").unwrap_or("").to_string();
    let target = if enabled && !path.trim().is_empty() {
        match v.image.locate(&path, None, false) {
            Location::Found { host } => Some(host),
            _ => None,
        }
    } else {
        None
    };
    let (line, column) = xml::position(&text, n.range().start);
    Some(Redirection {
        pos: Pos {
            file: index,
            line,
            xpath: "/configuration/configurationRedirection".into(),
        },
        column,
        enabled,
        path,
        target,
    })
}

/// Every URL the sites serve, with its folder and application.
pub fn served(v: &ServerView) -> ServedList {
    let s = &v.structure;
    let mut out = Vec::new();
    for site in &s.sites {
        for app in &site.apps {
            let pool = app.pool.clone().or_else(|| s.default_pool.clone());
            let root_vdir = app
                .vdirs
                .iter()
                .find(|d| d.path.trim_matches('/').is_empty());
            let locate = |p: &str| match v.image.locate(p, None, false) {
                Location::Found { host } => Some(host),
                _ => None,
            };
            let app_root = root_vdir.and_then(|d| locate(&d.physical_path));
            for d in &app.vdirs {
                let url = read::join_scope(&read::join_scope(&site.name, &app.path), &d.path);
                out.push(Served {
                    url,
                    site: site.name.clone(),
                    app: app.path.clone(),
                    pool: pool.clone(),
                    physical: locate(&d.physical_path),
                    app_root: app_root.clone(),
                });
            }
        }
    }
    ServedList::new(out)
}

/// The served URLs, indexed by URL and by site, so that finding what
/// serves a scope costs its prefixes, not every URL of the server.
pub struct ServedList {
    list: Vec<Served>,
    by_url: HashMap<String, usize>,
    by_site: HashMap<String, Vec<usize>>,
}

impl ServedList {
    /// Indexes `list` (the first of equal URLs wins, as a scan would find).
    pub fn new(list: Vec<Served>) -> Self {
        let mut by_url = HashMap::new();
        let mut by_site: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in list.iter().enumerate() {
            by_url.entry(s.url.clone()).or_insert(i);
            by_site.entry(s.site.clone()).or_default().push(i);
        }
        ServedList {
            list,
            by_url,
            by_site,
        }
    }

    /// The served URLs of `site`.
    pub fn of_site<'a>(&'a self, site: &str) -> impl Iterator<Item = &'a Served> + 'a {
        self.by_site
            .get(site)
            .into_iter()
            .flatten()
            .map(|&i| &self.list[i])
    }
}

impl std::ops::Deref for ServedList {
    type Target = [Served];
    fn deref(&self) -> &[Served] {
        &self.list
    }
}

/// Finds the `web.config` files below every served folder and reads them
/// in parallel, each at its URL.
fn read_web_configs(v: &mut ServerView, served: &ServedList) {
    let roots: BTreeMap<PathBuf, String> = served
        .iter()
        .filter_map(|s| Some((s.physical.clone()?, s.url.clone())))
        .collect();
    let mut found: Vec<(PathBuf, String)> = Vec::new();
    for (root, url) in &roots {
        find_web_configs(&v.image, root, url, &roots, 0, &mut found);
        if found.len() >= MAX_WEB_CONFIGS {
            found.truncate(MAX_WEB_CONFIGS);
            break;
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    let first = v.files.len();
    for (host, url) in &found {
        add_file(
            v,
            host.clone(),
            FileKind::WebConfig,
            true,
            Some(url.clone()),
        );
    }
    let image = &v.image;
    let results: Vec<(usize, Result<xml::Encoding, ConfigError>, Contents)> = found
        .par_iter()
        .enumerate()
        .map(|(i, (host, url))| {
            let index = first + i;
            let mut r = Reader::new(image, Role::WebConfig, SOURCE_BASE);
            let res = r.read_file(host, index, url);
            (index, res, r.out)
        })
        .collect();
    for (index, res, contents) in results {
        absorb(v, index, res, contents);
    }
}

/// `web.config` files in `dir` and below (not below another served root).
fn find_web_configs(
    image: &DiskImage,
    dir: &Path,
    url: &str,
    roots: &BTreeMap<PathBuf, String>,
    depth: usize,
    out: &mut Vec<(PathBuf, String)>,
) {
    if depth > MAX_SITE_DEPTH || out.len() >= MAX_WEB_CONFIGS {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs = Vec::new();
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name();
        let lower = name.to_string_lossy().to_lowercase();
        if ft.is_dir() {
            // bin/ and App_Code/ hold no configuration that applies.
            if lower != "bin" && lower != "app_code" {
                subdirs.push(e.path());
            }
        } else if lower == "web.config" {
            out.push((e.path(), url.to_string()));
        }
    }
    let _ = image;
    subdirs.sort();
    for d in subdirs {
        if roots.contains_key(&d) {
            continue; // served on its own
        }
        let name = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sub = format!("{url}/{name}");
        find_web_configs(image, &d, &sub, roots, depth + 1, out);
    }
}

/// The site a URL scope belongs to (`""` for the server).
pub fn scope_site(scope: &str) -> &str {
    scope.split('/').next().unwrap_or("")
}

/// The served URL that serves `scope` (the longest served prefix).
pub fn serving<'a>(served: &'a ServedList, scope: &str) -> Option<&'a Served> {
    // The longest prefix of `scope` ending at a `/` (or the whole scope)
    // that is a served URL.
    let mut best = None;
    let mut end = 0;
    for part in scope.split('/') {
        end += part.len();
        if let Some(&i) = served.by_url.get(&scope[..end]) {
            best = Some(&served.list[i]);
        }
        end += 1;
    }
    best
}

/// A pool's bitness, pipeline and runtime, with the defaults.
pub struct PoolTraits {
    /// Runs 32-bit (`enable32BitAppOnWin64`).
    pub bit32: bool,
    /// Classic pipeline.
    pub classic: bool,
    /// `managedRuntimeVersion`.
    pub runtime: String,
}

/// The traits of pool `name`.
pub fn pool_traits(s: &Structure, name: Option<&str>) -> PoolTraits {
    let p = name.and_then(|n| s.pools.iter().find(|p| p.name.eq_ignore_ascii_case(n)));
    let d = &s.pool_defaults;
    let pick = |a: Option<&String>, b: Option<&String>| a.or(b).cloned();
    PoolTraits {
        bit32: p.and_then(|p| p.wow64).or(d.wow64).unwrap_or(false),
        classic: pick(p.and_then(|p| p.pipeline.as_ref()), d.pipeline.as_ref())
            .is_some_and(|m| m.eq_ignore_ascii_case("Classic")),
        runtime: pick(p.and_then(|p| p.runtime.as_ref()), d.runtime.as_ref())
            .unwrap_or_else(|| "v4.0".into()),
    }
}

/// Does `precondition` hold in a pool with `t`?
pub fn precondition_holds(precondition: Option<&str>, t: &PoolTraits) -> bool {
    let Some(p) = precondition else { return true };
    p.split(',').map(str::trim).all(|tok| {
        let tok = tok.to_ascii_lowercase();
        match tok.as_str() {
            "bitness32" => t.bit32,
            "bitness64" => !t.bit32,
            "integratedmode" => !t.classic,
            "isapimode" | "classicmode" => t.classic,
            _ => match tok.strip_prefix("runtimeversion") {
                Some(v) => t.runtime.to_ascii_lowercase().starts_with(v),
                None => true,
            },
        }
    })
}

/// `bitness32` in a precondition: the 32-bit (WOW64) view of paths.
pub fn wants_wow64(precondition: Option<&str>) -> bool {
    precondition.is_some_and(|p| {
        p.split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("bitness32"))
    })
}

/// Sites within `scope` with an application whose pool satisfies
/// `precondition` (and, for `pipeline`, the pipeline).
pub fn affected_sites(
    v: &ServerView,
    served: &ServedList,
    scope: &str,
    precondition: Option<&str>,
    pipeline: Pipeline,
) -> Vec<String> {
    let mut sites: BTreeSet<&str> = BTreeSet::new();
    let ok = |s: &Served| {
        let t = pool_traits(&v.structure, s.pool.as_deref());
        precondition_holds(precondition, &t)
            && match pipeline {
                Pipeline::Any => true,
                Pipeline::Integrated => !t.classic,
                Pipeline::Classic => t.classic,
            }
    };
    // The check depends on the pool only: decide it once per pool.
    let mut by_pool: HashMap<Option<String>, bool> = HashMap::new();
    let mut ok_cached = |s: &Served| match by_pool.get(&s.pool) {
        Some(&b) => b,
        None => {
            let b = ok(s);
            by_pool.insert(s.pool.clone(), b);
            b
        }
    };
    if scope.is_empty() {
        for (site, idx) in &served.by_site {
            if idx.iter().any(|&i| ok_cached(&served.list[i])) {
                sites.insert(site);
            }
        }
    } else if !scope.contains('/') {
        if served.of_site(scope).any(&mut ok_cached) {
            sites.insert(scope);
        }
    } else if let Some(s) = serving(served, scope).filter(|s| ok(s)) {
        sites.insert(&s.site);
    }
    sites.into_iter().map(str::to_string).collect()
}

/// Which pipeline a registration needs to count for a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipeline {
    /// Either.
    Any,
    /// Integrated (managed `modules` / `handlers` entries).
    Integrated,
    /// Classic (`system.web/httpModules` and `httpHandlers`).
    Classic,
}

/// One registration per registering directive.
fn registrations(v: &mut ServerView, entries: &[Entry], served: &ServedList) {
    let mut out = Vec::new();
    for e in entries {
        let (kind, name, value, value_kind, pre, pipeline, enabled) = match &e.directive {
            Directive::GlobalModule {
                name,
                image,
                precondition,
            } => (
                RegistrationKind::GlobalModule,
                Some(name.clone()),
                Some(image.clone()),
                Some(ValueKind::Image),
                precondition.clone(),
                Pipeline::Any,
                None,
            ),
            Directive::ModuleAdd {
                name,
                type_name,
                precondition,
            } => (
                RegistrationKind::Module,
                Some(name.clone()),
                type_name.clone(),
                type_name.as_ref().map(|_| ValueKind::Type),
                precondition.clone(),
                if type_name.is_some() {
                    Pipeline::Integrated
                } else {
                    Pipeline::Any
                },
                None,
            ),
            Directive::HandlerAdd {
                name,
                script_processor,
                type_name,
                precondition,
                ..
            } => {
                let (value, vk, pipeline) = match (script_processor, type_name) {
                    (Some(sp), _) => (sp.clone(), ValueKind::ScriptProcessor, Pipeline::Any),
                    (None, Some(t)) => (t.clone(), ValueKind::Type, Pipeline::Integrated),
                    (None, None) => continue,
                };
                (
                    RegistrationKind::Handler,
                    Some(name.clone()),
                    Some(value),
                    Some(vk),
                    precondition.clone(),
                    pipeline,
                    None,
                )
            }
            Directive::Filter {
                name,
                path,
                enabled,
                precondition,
            } => (
                RegistrationKind::IsapiFilter,
                Some(name.clone()),
                Some(path.clone()),
                Some(ValueKind::Path),
                precondition.clone(),
                Pipeline::Any,
                Some(*enabled),
            ),
            Directive::CgiRestriction { path, allowed } => (
                RegistrationKind::IsapiCgiRestriction,
                None,
                Some(path.clone()),
                Some(ValueKind::Path),
                None,
                Pipeline::Any,
                Some(*allowed),
            ),
            Directive::FastCgi { full_path } => (
                RegistrationKind::FastCgiApplication,
                None,
                Some(full_path.clone()),
                Some(ValueKind::FullPath),
                None,
                Pipeline::Any,
                None,
            ),
            Directive::HttpModule { name, type_name } => (
                RegistrationKind::HttpModule,
                Some(name.clone()),
                Some(type_name.clone()),
                Some(ValueKind::Type),
                None,
                Pipeline::Classic,
                None,
            ),
            Directive::HttpHandler { type_name, .. } => (
                RegistrationKind::HttpHandler,
                None,
                Some(type_name.clone()),
                Some(ValueKind::Type),
                None,
                Pipeline::Classic,
                None,
            ),
            _ => continue,
        };
        // A native module reference also needs the global module's precondition.
        let global_pre = if kind == RegistrationKind::Module && value.is_none() {
            entries.iter().find_map(|g| match &g.directive {
                Directive::GlobalModule {
                    name: n,
                    precondition,
                    ..
                } if Some(n) == name.as_ref() => Some(precondition.clone()),
                _ => None,
            })
        } else {
            None
        };
        let mut sites = affected_sites(v, served, &e.scope, pre.as_deref(), pipeline);
        if let Some(Some(gp)) = &global_pre {
            let g = affected_sites(v, served, &e.scope, Some(gp), pipeline);
            sites.retain(|s| g.contains(s));
        }
        out.push(Registration {
            kind,
            name,
            value,
            value_kind,
            precondition: pre,
            pos: e.pos.clone(),
            scope: e.scope.clone(),
            sites,
            enabled,
            status: Status::Missing,
            resolved: None,
            bitness: None,
            note: None,
        });
    }
    v.registrations = out;
}

/// The `modules` directives by scope, each scope's `applicationHost.config`
/// entries before its `web.config` entries, in document order: built once,
/// so listing a URL's directives costs its prefixes, not every entry.
pub struct ModuleIndex<'e> {
    by_scope: HashMap<&'e str, (Vec<&'e Entry>, Vec<&'e Entry>)>,
}

impl<'e> ModuleIndex<'e> {
    /// Indexes the `modules` directives of `entries`.
    pub fn new(v: &ServerView, entries: &'e [Entry]) -> Self {
        let mut by_scope: HashMap<&'e str, (Vec<&'e Entry>, Vec<&'e Entry>)> = HashMap::new();
        for e in entries {
            if !matches!(
                e.directive,
                Directive::ModuleAdd { .. }
                    | Directive::ModuleRemove { .. }
                    | Directive::ModuleClear
            ) {
                continue;
            }
            let from_apphost = v
                .files
                .get(e.pos.file)
                .is_some_and(|f| matches!(f.kind, FileKind::ApplicationHost) || f.url.is_none());
            let slot = by_scope.entry(e.scope.as_str()).or_default();
            if from_apphost {
                slot.0.push(e);
            } else {
                slot.1.push(e);
            }
        }
        ModuleIndex { by_scope }
    }

    /// The server-level `modules` directives, in order.
    pub fn server(&self) -> Vec<&'e Entry> {
        self.at("")
    }

    /// The directives at exactly `scope`: `applicationHost.config`'s, then
    /// the `web.config`'s.
    fn at(&self, scope: &str) -> Vec<&'e Entry> {
        self.by_scope
            .get(scope)
            .map(|(a, w)| a.iter().chain(w).copied().collect())
            .unwrap_or_default()
    }

    /// The directives below the server level that apply at `url`, in the
    /// order IIS applies them: each longer URL prefix in turn.
    pub fn below_server(&self, url: &str) -> Vec<&'e Entry> {
        if url.is_empty() {
            // The server level applies once more (as the empty URL's own).
            return self.server();
        }
        let mut out = Vec::new();
        let mut end = 0;
        for part in url.split('/') {
            end += part.len();
            out.extend(self.at(&url[..end]));
            end += 1;
        }
        out
    }
}

/// A module list under construction: order kept, membership in O(1).
#[derive(Default, Clone)]
pub struct ModuleList<'e> {
    /// Names in order.
    pub names: Vec<&'e str>,
    set: HashSet<&'e str>,
}

impl<'e> ModuleList<'e> {
    /// Adds `name` unless present.
    pub fn add(&mut self, name: &'e str) {
        if self.set.insert(name) {
            self.names.push(name);
        }
    }
    /// Is `name` listed?
    pub fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }
    /// Removes `name`.
    pub fn remove(&mut self, name: &str) {
        if self.set.remove(name) {
            self.names.retain(|n| *n != name);
        }
    }
    /// Empties the list.
    pub fn clear(&mut self) {
        self.set.clear();
        self.names.clear();
    }
}

/// Operations of a `modules` section on a list.
pub(super) trait ModuleOps<'e> {
    fn add(&mut self, name: &'e str);
    fn remove(&mut self, name: &str);
    fn clear(&mut self);
    fn contains(&self, name: &str) -> bool;
    /// The names listed, in no particular order.
    fn listed(&self) -> Vec<&'e str>;
}

impl<'e> ModuleOps<'e> for ModuleList<'e> {
    fn add(&mut self, name: &'e str) {
        ModuleList::add(self, name);
    }
    fn remove(&mut self, name: &str) {
        ModuleList::remove(self, name);
    }
    fn clear(&mut self) {
        ModuleList::clear(self);
    }
    fn contains(&self, name: &str) -> bool {
        ModuleList::contains(self, name)
    }
    fn listed(&self) -> Vec<&'e str> {
        self.names.clone()
    }
}

/// A URL's own directives applied over its pool's server-level list
/// without copying it: which names of the base are gone, and what was
/// added. The merged list is the base minus `removed` (or nothing after a
/// `clear`) plus `added`.
pub(super) struct Overlay<'b, 'e> {
    base: &'b ModuleList<'e>,
    cleared: bool,
    removed: HashSet<&'e str>,
    added: ModuleList<'e>,
}

impl<'b, 'e> Overlay<'b, 'e> {
    pub(super) fn new(base: &'b ModuleList<'e>) -> Self {
        Overlay {
            base,
            cleared: false,
            removed: HashSet::new(),
            added: ModuleList::default(),
        }
    }
    fn in_base(&self, name: &str) -> bool {
        !self.cleared && self.base.contains(name) && !self.removed.contains(name)
    }
}

impl<'e> ModuleOps<'e> for Overlay<'_, 'e> {
    fn add(&mut self, name: &'e str) {
        if !self.in_base(name) {
            self.added.add(name);
        }
    }
    fn remove(&mut self, name: &str) {
        self.added.remove(name);
        if !self.cleared {
            if let Some(&n) = self.base.set.get(name) {
                self.removed.insert(n);
            }
        }
    }
    fn clear(&mut self) {
        self.cleared = true;
        self.added.clear();
    }
    fn contains(&self, name: &str) -> bool {
        self.added.contains(name) || self.in_base(name)
    }
    fn listed(&self) -> Vec<&'e str> {
        let mut v: Vec<&'e str> = if self.cleared {
            Vec::new()
        } else {
            self.base
                .names
                .iter()
                .copied()
                .filter(|n| !self.removed.contains(n) && !self.added.contains(n))
                .collect()
        };
        v.extend(self.added.names.iter().copied());
        v
    }
}

/// The modules enabled somewhere: in the merged `modules` list of at least
/// one served URL.
pub type Merged = HashSet<String>;

/// Applies `add` / `remove` / `clear` in IIS's order for every served URL:
/// the server level, then for each prefix of the URL the `location` of
/// `applicationHost.config` and the `web.config` at that prefix. Entries
/// whose preconditions the URL's pool does not satisfy are left out. The
/// server-level list is built once per pool.
pub fn merge_modules(v: &ServerView, entries: &[Entry], served: &ServedList) -> Merged {
    let globals: HashMap<&str, Option<&str>> = entries
        .iter()
        .filter_map(|e| match &e.directive {
            Directive::GlobalModule {
                name, precondition, ..
            } => Some((name.as_str(), precondition.as_deref())),
            _ => None,
        })
        .collect();
    let index = ModuleIndex::new(v, entries);
    let server = index.server();
    let mut base: HashMap<Option<&str>, ModuleList<'_>> = HashMap::new();
    let mut enabled: HashSet<&str> = HashSet::new();
    for s in served.iter() {
        let t = pool_traits(&v.structure, s.pool.as_deref());
        let b = base.entry(s.pool.as_deref()).or_insert_with(|| {
            let mut l = ModuleList::default();
            apply_modules(&mut l, &server, &t, &globals);
            enabled.extend(l.names.iter().copied());
            l
        });
        let rest = index.below_server(&s.url);
        if rest.is_empty() {
            continue;
        }
        // The base's names are already in `enabled`; only what this URL
        // adds can be new.
        let mut list = Overlay::new(b);
        apply_modules(&mut list, &rest, &t, &globals);
        enabled.extend(list.added.names.iter().copied());
    }
    enabled.into_iter().map(str::to_string).collect()
}

/// Applies `modules` directives to a list, as [`merge_modules`] does.
fn apply_modules<'e>(
    list: &mut impl ModuleOps<'e>,
    es: &[&'e Entry],
    t: &PoolTraits,
    globals: &HashMap<&str, Option<&str>>,
) {
    for e in es {
        match &e.directive {
            Directive::ModuleAdd {
                name,
                type_name,
                precondition,
            } => {
                let global_ok = type_name.is_some()
                    || globals
                        .get(name.as_str())
                        .is_none_or(|gp| precondition_holds(*gp, t));
                let pipeline_ok = type_name.is_none() || !t.classic;
                if global_ok && pipeline_ok && precondition_holds(precondition.as_deref(), t) {
                    list.add(name);
                }
            }
            Directive::ModuleRemove { name } => list.remove(name),
            Directive::ModuleClear => list.clear(),
            _ => {}
        }
    }
}

/// `enabled` of every global module: listed in the merged module list of
/// at least one served URL.
fn apply_enabled(v: &mut ServerView, merged: &Merged) {
    for r in &mut v.registrations {
        if r.kind == RegistrationKind::GlobalModule {
            r.enabled = Some(merged.contains(r.name.as_deref().unwrap_or("")));
        }
    }
}

/// Status of a native module reference: its global module's.
pub fn copy_global_status(v: &mut ServerView) {
    let globals: HashMap<String, (Status, Option<PathBuf>, Option<u8>)> = v
        .registrations
        .iter()
        .filter(|r| r.kind == RegistrationKind::GlobalModule)
        .filter_map(|r| Some((r.name.clone()?, (r.status, r.resolved.clone(), r.bitness))))
        .collect();
    for r in &mut v.registrations {
        if r.kind == RegistrationKind::Module && r.value.is_none() {
            match r.name.as_ref().and_then(|n| globals.get(n)) {
                Some((s, p, b)) => {
                    r.status = *s;
                    r.resolved = p.clone();
                    r.bitness = *b;
                }
                None => r.status = Status::NotInstalled,
            }
        }
    }
}
