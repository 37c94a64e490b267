//! What iisweep reads from one configuration file: every element that
//! registers a component or changes logging, tracing or the server's
//! structure, with its scope (the URL path it applies to), its line and
//! its XML path. `location` elements and `configSource` files are
//! followed here; merging across files is [`super::server`]'s job.

use std::path::{Path, PathBuf};

use roxmltree::Node;

use super::image::{DiskImage, Location};
use super::xml::{self, ConfigError, Encoding, ErrorKind};

/// Where an element stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// Index of its file in [`super::ServerView::files`].
    pub file: usize,
    /// 1-based line of its start tag.
    pub line: u32,
    /// XML path (`/configuration/system.webServer/globalModules/add[@name='X']`).
    pub xpath: String,
}

/// A directive: one element that matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `globalModules/add`.
    GlobalModule {
        /// `name`.
        name: String,
        /// `image`.
        image: String,
        /// `preCondition`.
        precondition: Option<String>,
    },
    /// `modules/add`.
    ModuleAdd {
        /// `name`.
        name: String,
        /// `type` (managed modules).
        type_name: Option<String>,
        /// `preCondition`.
        precondition: Option<String>,
    },
    /// `modules/remove`.
    ModuleRemove {
        /// `name`.
        name: String,
    },
    /// `modules/clear`.
    ModuleClear,
    /// `handlers/add`.
    HandlerAdd {
        /// `name`.
        name: String,
        /// `path`.
        path: String,
        /// `modules`.
        modules: Option<String>,
        /// `scriptProcessor`.
        script_processor: Option<String>,
        /// `type`.
        type_name: Option<String>,
        /// `preCondition`.
        precondition: Option<String>,
    },
    /// `isapiFilters/filter`.
    Filter {
        /// `name`.
        name: String,
        /// `path`.
        path: String,
        /// `enabled` (default true).
        enabled: bool,
        /// `preCondition`.
        precondition: Option<String>,
    },
    /// `security/isapiCgiRestriction/add`.
    CgiRestriction {
        /// `path`.
        path: String,
        /// `allowed`.
        allowed: bool,
    },
    /// `security/isapiCgiRestriction` attributes.
    CgiRestrictionPolicy {
        /// `notListedIsapisAllowed`.
        not_listed_isapis: Option<bool>,
        /// `notListedCgisAllowed`.
        not_listed_cgis: Option<bool>,
    },
    /// `fastCgi/application`.
    FastCgi {
        /// `fullPath`.
        full_path: String,
    },
    /// `system.web/httpModules/add`.
    HttpModule {
        /// `name`.
        name: String,
        /// `type`.
        type_name: String,
    },
    /// `system.web/httpHandlers/add`.
    HttpHandler {
        /// `path`.
        path: String,
        /// `verb`.
        verb: String,
        /// `type`.
        type_name: String,
    },
    /// `httpLogging`.
    HttpLogging {
        /// `dontLog`.
        dont_log: Option<bool>,
        /// `selectiveLogging`.
        selective: Option<String>,
    },
    /// `tracing/traceFailedRequests/add`.
    TraceFailedRequests {
        /// `path`.
        path: String,
        /// `failureDefinitions/@statusCodes`.
        status_codes: Option<String>,
    },
}

/// A directive with the URL path it applies to (`""` for the server,
/// `Site` or `Site/app/dir`) and its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What it says.
    pub directive: Directive,
    /// Where it applies.
    pub scope: String,
    /// Where it stands.
    pub pos: Pos,
}

/// A `logFile` element (site or `siteDefaults`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFile {
    /// `enabled`.
    pub enabled: Option<bool>,
    /// `logTargetW3C` as written.
    pub target: Option<String>,
    /// `directory`.
    pub directory: Option<String>,
    /// Where it stands.
    pub pos: Option<Pos>,
}

/// A virtual directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualDirectory {
    /// `path` (`/`, `/images`).
    pub path: String,
    /// `physicalPath` as written.
    pub physical_path: String,
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// `path` (`/`, `/app1`).
    pub path: String,
    /// `applicationPool` (the `applicationDefaults` pool when absent).
    pub pool: Option<String>,
    /// Its virtual directories.
    pub vdirs: Vec<VirtualDirectory>,
}

/// A site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `name`.
    pub name: String,
    /// `id`.
    pub id: Option<u32>,
    /// Its applications.
    pub apps: Vec<Application>,
    /// Its `logFile`.
    pub log_file: LogFile,
    /// `traceFailedRequestsLogging/@enabled`.
    pub frt_enabled: Option<bool>,
}

/// An application pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    /// `name`.
    pub name: String,
    /// `enable32BitAppOnWin64`.
    pub wow64: Option<bool>,
    /// `managedPipelineMode` (`Integrated`, `Classic`).
    pub pipeline: Option<String>,
    /// `managedRuntimeVersion`.
    pub runtime: Option<String>,
}

/// A `location` element of `applicationHost.config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationInfo {
    /// `path`.
    pub path: String,
    /// `overrideMode`.
    pub override_mode: Option<String>,
    /// `allowOverride`.
    pub allow_override: Option<bool>,
    /// Where it stands.
    pub pos: Pos,
}

/// The server structure, read from `applicationHost.config` only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Structure {
    /// Sites.
    pub sites: Vec<Site>,
    /// Application pools.
    pub pools: Vec<Pool>,
    /// `applicationPoolDefaults`.
    pub pool_defaults: Pool,
    /// `siteDefaults/logFile`.
    pub site_log_defaults: LogFile,
    /// `siteDefaults/traceFailedRequestsLogging/@enabled`.
    pub site_frt_default: Option<bool>,
    /// `applicationDefaults/@applicationPool`.
    pub default_pool: Option<String>,
    /// `configHistory/@path`.
    pub history_path: Option<String>,
    /// `location` elements.
    pub locations: Vec<LocationInfo>,
}

/// What one file (and the `configSource` files it names) holds.
#[derive(Debug, Default)]
pub struct Contents {
    /// The directives.
    pub entries: Vec<Entry>,
    /// The structure (applicationHost.config only).
    pub structure: Structure,
    /// Problems in the file or in files it names, with the file index.
    pub errors: Vec<(usize, ConfigError)>,
    /// Files read for `configSource`: (host path, encoding, problem).
    pub sources: Vec<SourceFile>,
}

/// A file read because a section named it with `configSource`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Host path.
    pub host: PathBuf,
    /// Its index in the view's file list.
    pub index: usize,
    /// How it was encoded, when read.
    pub encoding: Option<Encoding>,
}

/// The kind of file being read, which decides what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `applicationHost.config` (all sections).
    ApplicationHost,
    /// A `web.config` (no AppHostOnly sections).
    WebConfig,
}

/// Reading state for one file and its `configSource` chain.
pub struct Reader<'a> {
    /// The image, for `configSource` paths.
    pub image: &'a DiskImage,
    /// What kind of file.
    pub role: Role,
    /// Index the next `configSource` file gets.
    pub next_index: usize,
    /// The contents being gathered.
    pub out: Contents,
    /// Files on the current `configSource` chain (loop detection).
    chain: Vec<PathBuf>,
    /// Line indexes of the texts being read (innermost last).
    lines: Vec<xml::LineIndex>,
}

/// Sections only `applicationHost.config` may hold.
const APPHOST_ONLY: &[&str] = &[
    "globalModules",
    "isapiCgiRestriction",
    "sites",
    "applicationPools",
    "configHistory",
];

fn attr(n: Node<'_, '_>, name: &str) -> Option<String> {
    n.attribute(name).map(str::to_string)
}

fn attr_bool(n: Node<'_, '_>, name: &str) -> Option<bool> {
    n.attribute(name)
        .map(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn children<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(|c| c.is_element())
}

/// `[@name='x']`-style predicate for an element's identifying attribute(s).
fn predicate(n: Node<'_, '_>) -> String {
    for keys in [
        &["name"][..],
        &["path", "verb"],
        &["path"],
        &["fullPath"],
        &["value"],
    ] {
        if keys.iter().all(|k| n.attribute(*k).is_some()) {
            return keys
                .iter()
                .map(|k| format!("[@{k}='{}']", n.attribute(*k).unwrap_or("")))
                .collect();
        }
    }
    String::new()
}

/// Joins a base URL scope and a relative `location` path.
pub fn join_scope(base: &str, path: &str) -> String {
    let path = path.trim().trim_matches('/').replace('\\', "/");
    let path = path.trim_start_matches("./");
    if path.is_empty() || path == "." {
        return base.to_string();
    }
    if base.is_empty() {
        path.to_string()
    } else {
        format!("{base}/{path}")
    }
}

impl<'a> Reader<'a> {
    /// A reader for a file of `role`; `configSource` files get indexes from
    /// `next_index`.
    pub fn new(image: &'a DiskImage, role: Role, next_index: usize) -> Self {
        Reader {
            image,
            role,
            next_index,
            out: Contents::default(),
            chain: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Reads the file at `host` (index `file`) applying at URL `scope`.
    /// Returns its encoding, or the problem that stopped it.
    pub fn read_file(
        &mut self,
        host: &Path,
        file: usize,
        scope: &str,
    ) -> Result<Encoding, ConfigError> {
        let (text, enc) = xml::read_text(host)?;
        let doc = xml::parse(&text)?;
        self.chain.push(host.to_path_buf());
        self.lines.push(xml::LineIndex::new(&text));
        let root = doc.root_element();
        if root.tag_name().name() == "configuration" {
            self.configuration(&text, root, file, scope, host, "/configuration");
        }
        self.lines.pop();
        self.chain.pop();
        Ok(enc)
    }

    fn pos(&self, text: &str, n: Node<'_, '_>, file: usize, xpath: String) -> Pos {
        Pos {
            file,
            line: self.position(text, n.range().start).0,
            xpath,
        }
    }

    /// (line, column) of `offset` in `text`, through its line index when
    /// it is a text being read.
    fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        match self.lines.iter().rev().find(|l| l.of(text)) {
            Some(l) => l.position(text, offset),
            None => xml::position(text, offset),
        }
    }

    /// The children of `<configuration>` (or of a `location`).
    fn configuration(
        &mut self,
        text: &str,
        n: Node<'_, '_>,
        file: usize,
        scope: &str,
        host: &Path,
        xp: &str,
    ) {
        for c in children(n) {
            let name = c.tag_name().name();
            match name {
                "location" => {
                    let path = c.attribute("path").unwrap_or("");
                    let lxp = format!("{xp}/location[@path='{path}']");
                    if self.role == Role::ApplicationHost {
                        let pos = self.pos(text, c, file, lxp.clone());
                        self.out.structure.locations.push(LocationInfo {
                            path: path.to_string(),
                            override_mode: attr(c, "overrideMode"),
                            allow_override: attr_bool(c, "allowOverride"),
                            pos,
                        });
                    }
                    let inner = join_scope(scope, path);
                    self.configuration(text, c, file, &inner, host, &lxp);
                }
                "system.webServer" | "system.web" | "system.applicationHost" => {
                    self.group(text, c, file, scope, host, &format!("{xp}/{name}"));
                }
                _ => {}
            }
        }
    }

    /// A section group: its sections (and `security` / `tracing` groups).
    fn group(
        &mut self,
        text: &str,
        n: Node<'_, '_>,
        file: usize,
        scope: &str,
        host: &Path,
        xp: &str,
    ) {
        for c in children(n) {
            let name = c.tag_name().name();
            let cxp = format!("{xp}/{name}");
            if matches!(name, "security" | "tracing") {
                self.group(text, c, file, scope, host, &cxp);
                continue;
            }
            if !is_section(name) {
                continue;
            }
            if self.role == Role::WebConfig && APPHOST_ONLY.contains(&name) {
                let (line, column) = self.position(text, c.range().start);
                self.out.errors.push((
                    file,
                    ConfigError::at(
                        ErrorKind::SectionNotAllowed,
                        format!("{name} may only be set in applicationHost.config; ignored here"),
                        line,
                        column,
                    ),
                ));
                continue;
            }
            match c.attribute("configSource") {
                Some(src) => self.config_source(text, c, src, file, scope, host, name),
                None => self.section(text, c, file, scope, &cxp),
            }
        }
    }

    /// A section moved to another file: read that file's root as the
    /// section (same folder or below only, no loops).
    #[allow(clippy::too_many_arguments)]
    fn config_source(
        &mut self,
        text: &str,
        n: Node<'_, '_>,
        src: &str,
        file: usize,
        scope: &str,
        host: &Path,
        name: &str,
    ) {
        let (line, column) = self.position(text, n.range().start);
        let err = |kind, message: String| (file, ConfigError::at(kind, message, line, column));
        let dir = host.parent().unwrap_or(Path::new(""));
        let rel = src.replace('/', "\\");
        let escapes = rel.split('\\').any(|c| c == "..");
        if rel.starts_with('\\') || rel.get(1..2) == Some(":") {
            self.out.errors.push(err(
                ErrorKind::ConfigSourceInvalid,
                format!("configSource must be a relative path: {src:?}"),
            ));
            return;
        }
        if escapes {
            // Where does it lead? Off the image, or only out of the folder.
            let kind = match self.image.locate(&rel, Some(dir), false) {
                Location::Outside { .. } => ErrorKind::OutsideImage,
                _ => ErrorKind::ConfigSourceInvalid,
            };
            let msg = if kind == ErrorKind::OutsideImage {
                format!("configSource escapes the image: {src:?}; not read")
            } else {
                format!("configSource must name a file in the same folder or below: {src:?}")
            };
            self.out.errors.push(err(kind, msg));
            return;
        }
        let target = match self.image.locate(&rel, Some(dir), false) {
            Location::Found { host } => host,
            Location::Missing { host } => {
                let msg = format!("configSource file {} does not exist", self.image.rel(&host));
                self.out
                    .errors
                    .push(err(ErrorKind::ConfigSourceInvalid, msg));
                return;
            }
            Location::Outside { why } => {
                self.out.errors.push(err(ErrorKind::OutsideImage, why));
                return;
            }
        };
        if self.chain.contains(&target) {
            let msg = format!("configSource loop back to {}", self.image.rel(&target));
            // Reported at the file that closes the loop.
            self.out.errors.push((
                file,
                ConfigError::at(ErrorKind::ConfigSourceLoop, msg, line, column),
            ));
            return;
        }
        let index = self.next_index;
        self.next_index += 1;
        let read = (|| {
            let (stext, enc) = xml::read_text(&target)?;
            let sdoc = xml::parse(&stext)?;
            let root = sdoc.root_element();
            if root.tag_name().name() != name {
                return Err(ConfigError::at(
                    ErrorKind::ConfigSourceInvalid,
                    format!(
                        "the root element is <{}>, not <{name}>",
                        root.tag_name().name()
                    ),
                    1,
                    1,
                ));
            }
            self.chain.push(target.clone());
            if let Some(nested) = root.attribute("configSource") {
                self.config_source(&stext, root, nested, index, scope, &target, name);
            } else {
                self.section(&stext, root, index, scope, &format!("/{name}"));
            }
            self.chain.pop();
            Ok(enc)
        })();
        let encoding = match read {
            Ok(e) => Some(e),
            Err(e) => {
                self.out.errors.push((index, e));
                None
            }
        };
        self.out.sources.push(SourceFile {
            host: target,
            index,
            encoding,
        });
    }

    /// One section's elements.
    fn section(&mut self, text: &str, n: Node<'_, '_>, file: usize, scope: &str, xp: &str) {
        let name = n.tag_name().name();
        match name {
            "sites" => return self.sites(text, n, file, xp),
            "applicationPools" => return self.pools(n),
            "configHistory" => {
                self.out.structure.history_path = attr(n, "path");
                return;
            }
            "httpLogging" => {
                let d = Directive::HttpLogging {
                    dont_log: attr_bool(n, "dontLog"),
                    selective: attr(n, "selectiveLogging"),
                };
                return self.push(text, n, file, scope, xp.to_string(), d);
            }
            "isapiCgiRestriction" => {
                if n.attribute("notListedIsapisAllowed").is_some()
                    || n.attribute("notListedCgisAllowed").is_some()
                {
                    let d = Directive::CgiRestrictionPolicy {
                        not_listed_isapis: attr_bool(n, "notListedIsapisAllowed"),
                        not_listed_cgis: attr_bool(n, "notListedCgisAllowed"),
                    };
                    self.push(text, n, file, scope, xp.to_string(), d);
                }
            }
            _ => {}
        }
        for c in children(n) {
            let el = c.tag_name().name();
            let cxp = format!("{xp}/{el}{}", predicate(c));
            let s = |k: &str| attr(c, k).unwrap_or_default();
            let d = match (name, el) {
                ("globalModules", "add") => Directive::GlobalModule {
                    name: s("name"),
                    image: s("image"),
                    precondition: attr(c, "preCondition"),
                },
                ("modules", "add") => Directive::ModuleAdd {
                    name: s("name"),
                    type_name: attr(c, "type").filter(|t| !t.trim().is_empty()),
                    precondition: attr(c, "preCondition"),
                },
                ("modules", "remove") => Directive::ModuleRemove { name: s("name") },
                ("modules", "clear") => Directive::ModuleClear,
                ("handlers", "add") => Directive::HandlerAdd {
                    name: s("name"),
                    path: s("path"),
                    modules: attr(c, "modules"),
                    script_processor: attr(c, "scriptProcessor").filter(|v| !v.trim().is_empty()),
                    type_name: attr(c, "type").filter(|t| !t.trim().is_empty()),
                    precondition: attr(c, "preCondition"),
                },
                ("isapiFilters", "filter") => Directive::Filter {
                    name: s("name"),
                    path: s("path"),
                    enabled: attr_bool(c, "enabled").unwrap_or(true),
                    precondition: attr(c, "preCondition"),
                },
                ("isapiCgiRestriction", "add") => Directive::CgiRestriction {
                    path: s("path"),
                    allowed: attr_bool(c, "allowed").unwrap_or(false),
                },
                ("fastCgi", "application") => Directive::FastCgi {
                    full_path: s("fullPath"),
                },
                ("httpModules", "add") => Directive::HttpModule {
                    name: s("name"),
                    type_name: s("type"),
                },
                ("httpHandlers", "add") => Directive::HttpHandler {
                    path: s("path"),
                    verb: s("verb"),
                    type_name: s("type"),
                },
                ("traceFailedRequests", "add") => Directive::TraceFailedRequests {
                    path: s("path"),
                    status_codes: children(c)
                        .find(|x| x.tag_name().name() == "failureDefinitions")
                        .and_then(|x| attr(x, "statusCodes")),
                },
                _ => continue,
            };
            self.push(text, c, file, scope, cxp, d);
        }
    }

    fn push(
        &mut self,
        text: &str,
        n: Node<'_, '_>,
        file: usize,
        scope: &str,
        xpath: String,
        directive: Directive,
    ) {
        let pos = self.pos(text, n, file, xpath);
        self.out.entries.push(Entry {
            directive,
            scope: scope.to_string(),
            pos,
        });
    }

    fn log_file(&self, text: &str, n: Node<'_, '_>, file: usize, xp: String) -> LogFile {
        LogFile {
            enabled: attr_bool(n, "enabled"),
            target: attr(n, "logTargetW3C"),
            directory: attr(n, "directory"),
            pos: Some(self.pos(text, n, file, xp)),
        }
    }

    fn sites(&mut self, text: &str, n: Node<'_, '_>, file: usize, xp: &str) {
        for c in children(n) {
            match c.tag_name().name() {
                "site" => {
                    let sxp = format!("{xp}/site{}", predicate(c));
                    let mut site = Site {
                        name: attr(c, "name").unwrap_or_default(),
                        id: c.attribute("id").and_then(|v| v.trim().parse().ok()),
                        apps: Vec::new(),
                        log_file: LogFile::default(),
                        frt_enabled: None,
                    };
                    for a in children(c) {
                        match a.tag_name().name() {
                            "application" => site.apps.push(Application {
                                path: attr(a, "path").unwrap_or_else(|| "/".into()),
                                pool: attr(a, "applicationPool"),
                                vdirs: children(a)
                                    .filter(|v| v.tag_name().name() == "virtualDirectory")
                                    .map(|v| VirtualDirectory {
                                        path: attr(v, "path").unwrap_or_else(|| "/".into()),
                                        physical_path: attr(v, "physicalPath").unwrap_or_default(),
                                    })
                                    .collect(),
                            }),
                            "logFile" => {
                                site.log_file =
                                    self.log_file(text, a, file, format!("{sxp}/logFile"))
                            }
                            "traceFailedRequestsLogging" => {
                                site.frt_enabled = attr_bool(a, "enabled")
                            }
                            _ => {}
                        }
                    }
                    self.out.structure.sites.push(site);
                }
                "siteDefaults" => {
                    for d in children(c) {
                        match d.tag_name().name() {
                            "logFile" => {
                                self.out.structure.site_log_defaults = self.log_file(
                                    text,
                                    d,
                                    file,
                                    format!("{xp}/siteDefaults/logFile"),
                                )
                            }
                            "traceFailedRequestsLogging" => {
                                self.out.structure.site_frt_default = attr_bool(d, "enabled")
                            }
                            _ => {}
                        }
                    }
                }
                "applicationDefaults" => {
                    self.out.structure.default_pool = attr(c, "applicationPool")
                }
                _ => {}
            }
        }
    }

    fn pools(&mut self, n: Node<'_, '_>) {
        let pool = |c: Node<'_, '_>| Pool {
            name: attr(c, "name").unwrap_or_default(),
            wow64: attr_bool(c, "enable32BitAppOnWin64"),
            pipeline: attr(c, "managedPipelineMode"),
            runtime: attr(c, "managedRuntimeVersion"),
        };
        for c in children(n) {
            match c.tag_name().name() {
                "add" => self.out.structure.pools.push(pool(c)),
                "applicationPoolDefaults" => self.out.structure.pool_defaults = pool(c),
                _ => {}
            }
        }
    }
}

/// Sections iisweep reads.
fn is_section(name: &str) -> bool {
    matches!(
        name,
        "globalModules"
            | "modules"
            | "handlers"
            | "isapiFilters"
            | "isapiCgiRestriction"
            | "fastCgi"
            | "httpModules"
            | "httpHandlers"
            | "httpLogging"
            | "traceFailedRequests"
            | "sites"
            | "applicationPools"
            | "configHistory"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_join() {
        assert_eq!(join_scope("", ""), "");
        assert_eq!(join_scope("", "."), "");
        assert_eq!(join_scope("", "Default Web Site"), "Default Web Site");
        assert_eq!(
            join_scope("Default Web Site", "app1/"),
            "Default Web Site/app1"
        );
        assert_eq!(join_scope("S/a", "b\\c"), "S/a/b/c");
    }
}
