//! The configuration history (`inetpub/history/CFGHISTORY_*/`, moved by
//! `system.applicationHost/configHistory/@path`): consecutive snapshots and
//! the live file compared for modules added, removed or re-pointed and
//! logging changed. The static twin of the IIS-Configuration event 29
//! rules; the snapshot names are timestamps of IIS's own backups.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::image::Location;
use super::read::{Directive, Reader, Role};
use super::{FileKind, Finding, HistoryChange, Pos, ServerView};

/// Most snapshots compared.
pub const MAX_SNAPSHOTS: usize = 256;

/// What a snapshot says about the things the history tracks.
#[derive(Default)]
struct Snapshot {
    modules: BTreeMap<String, (String, Pos)>,
    logging: BTreeMap<&'static str, (String, Pos)>,
}

fn snapshot(v: &mut ServerView, host: &Path, kind: FileKind, active: bool) -> Option<Snapshot> {
    let index = v.files.len();
    v.files.push(super::ConfigFile {
        host: host.to_path_buf(),
        kind,
        encoding: None,
        active,
        url: None,
    });
    let mut r = Reader::new(&v.image, Role::ApplicationHost, usize::MAX / 2);
    match r.read_file(host, index, "") {
        Ok(enc) => v.files[index].encoding = Some(enc),
        Err(e) => {
            v.errors.push((index, e));
            return None;
        }
    }
    let c = r.out;
    let mut s = Snapshot::default();
    for e in c.entries.iter().filter(|e| e.pos.file == index) {
        match &e.directive {
            Directive::GlobalModule { name, image, .. } => {
                s.modules
                    .insert(name.clone(), (image.clone(), e.pos.clone()));
            }
            Directive::HttpLogging {
                dont_log,
                selective,
            } if e.scope.is_empty() => {
                if let Some(d) = dont_log {
                    s.logging
                        .insert("httpLogging/@dontLog", (d.to_string(), e.pos.clone()));
                }
                if let Some(sl) = selective {
                    s.logging
                        .insert("httpLogging/@selectiveLogging", (sl.clone(), e.pos.clone()));
                }
            }
            _ => {}
        }
    }
    let d = &c.structure.site_log_defaults;
    if let Some(pos) = &d.pos {
        if let Some(en) = d.enabled {
            s.logging.insert(
                "siteDefaults/logFile/@enabled",
                (en.to_string(), pos.clone()),
            );
        }
        if let Some(t) = &d.target {
            s.logging.insert(
                "siteDefaults/logFile/@logTargetW3C",
                (t.clone(), pos.clone()),
            );
        }
    }
    Some(s)
}

/// Defaults of the logging settings the history tracks.
fn logging_default(key: &str) -> &'static str {
    match key {
        "httpLogging/@dontLog" => "false",
        "httpLogging/@selectiveLogging" => "LogAll",
        "siteDefaults/logFile/@enabled" => "true",
        _ => "File",
    }
}

/// A logging change that makes the server see less.
fn weakens(key: &str, to: &str) -> bool {
    match key {
        "httpLogging/@dontLog" => to.eq_ignore_ascii_case("true"),
        "httpLogging/@selectiveLogging" => !to.eq_ignore_ascii_case("LogAll"),
        "siteDefaults/logFile/@enabled" => to.eq_ignore_ascii_case("false"),
        _ => {
            let has = |x: &str| to.split(',').any(|p| p.trim().eq_ignore_ascii_case(x));
            !(has("ETW") && has("File"))
        }
    }
}

/// Compares the history snapshots with each other and with `live`.
pub fn compare(v: &mut ServerView, live: &Path) {
    let written = v.structure.history_path.clone();
    let dir = written
        .as_deref()
        .unwrap_or("%SystemDrive%\\inetpub\\history");
    let Location::Found { host: dir } = v.image.locate(dir, None, false) else {
        return;
    };
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut snaps: Vec<(String, PathBuf)> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.to_ascii_uppercase()
                .starts_with("CFGHISTORY_")
                .then(|| (name, e.path()))
        })
        .collect();
    snaps.sort();
    snaps.truncate(MAX_SNAPSHOTS);
    if snaps.is_empty() {
        return;
    }
    v.history_dir = Some(dir);
    let mut prev: Option<Snapshot> = None;
    let mut list: Vec<(String, PathBuf, FileKind, bool)> = Vec::new();
    for (name, d) in snaps {
        if let Location::Found { host } = v.image.lookup(&d, &["applicationHost.config"]) {
            list.push((name, host, FileKind::History, false));
        }
    }
    list.push((
        "live".into(),
        live.to_path_buf(),
        FileKind::ApplicationHost,
        true,
    ));
    for (name, host, kind, _) in list {
        let cur = if kind == FileKind::ApplicationHost {
            live_snapshot(v, &host)
        } else {
            snapshot(v, &host, kind, false)
        };
        let Some(cur) = cur else { continue };
        if let Some(p) = &prev {
            diff(v, &name, p, &cur);
        }
        prev = Some(cur);
    }
}

/// The live file as a snapshot, from the entries already read.
fn live_snapshot(v: &ServerView, host: &Path) -> Option<Snapshot> {
    let index = v
        .files
        .iter()
        .position(|f| f.host == host && f.kind == FileKind::ApplicationHost && f.active)?;
    let mut s = Snapshot::default();
    for r in &v.registrations {
        if r.kind == super::RegistrationKind::GlobalModule && r.pos.file == index {
            if let (Some(n), Some(img)) = (&r.name, &r.value) {
                s.modules.insert(n.clone(), (img.clone(), r.pos.clone()));
            }
        }
    }
    Some(s).map(|mut s| {
        s.logging = live_logging(v, index);
        s
    })
}

fn live_logging(v: &ServerView, index: usize) -> BTreeMap<&'static str, (String, Pos)> {
    let mut m = BTreeMap::new();
    for e in &v.entries {
        if e.pos.file != index || !e.scope.is_empty() {
            continue;
        }
        if let Directive::HttpLogging {
            dont_log,
            selective,
        } = &e.directive
        {
            if let Some(d) = dont_log {
                m.insert("httpLogging/@dontLog", (d.to_string(), e.pos.clone()));
            }
            if let Some(sl) = selective {
                m.insert("httpLogging/@selectiveLogging", (sl.clone(), e.pos.clone()));
            }
        }
    }
    let d = &v.structure.site_log_defaults;
    if let Some(pos) = &d.pos {
        if let Some(en) = d.enabled {
            m.insert(
                "siteDefaults/logFile/@enabled",
                (en.to_string(), pos.clone()),
            );
        }
        if let Some(t) = &d.target {
            m.insert(
                "siteDefaults/logFile/@logTargetW3C",
                (t.clone(), pos.clone()),
            );
        }
    }
    m
}

fn diff(v: &mut ServerView, name: &str, before: &Snapshot, after: &Snapshot) {
    let mut changes = Vec::new();
    for (m, (img, pos)) in &after.modules {
        match before.modules.get(m) {
            None => changes.push((
                name,
                "module_added",
                m.clone(),
                None,
                Some(img.clone()),
                pos.clone(),
            )),
            Some((old, _)) if !old.eq_ignore_ascii_case(img) => changes.push((
                name,
                "module_repointed",
                m.clone(),
                Some(old.clone()),
                Some(img.clone()),
                pos.clone(),
            )),
            _ => {}
        }
    }
    for (m, (img, pos)) in &before.modules {
        if !after.modules.contains_key(m) {
            changes.push((
                name,
                "module_removed",
                m.clone(),
                Some(img.clone()),
                None,
                pos.clone(),
            ));
        }
    }
    let keys: std::collections::BTreeSet<&&str> =
        before.logging.keys().chain(after.logging.keys()).collect();
    for k in keys {
        let old = before
            .logging
            .get(*k)
            .map(|x| x.0.as_str())
            .unwrap_or(logging_default(k));
        let (new, pos) = match (after.logging.get(*k), before.logging.get(*k)) {
            (Some((n, p)), _) => (n.as_str(), p.clone()),
            (None, Some((_, p))) => (logging_default(k), p.clone()),
            (None, None) => continue,
        };
        if !old.eq_ignore_ascii_case(new) {
            changes.push((
                name,
                "logging_changed",
                k.to_string(),
                Some(old.to_string()),
                Some(new.to_string()),
                pos,
            ));
        }
    }
    // Server-level settings: every site is affected.
    let sites: Vec<String> = {
        let mut s: Vec<String> = v.structure.sites.iter().map(|s| s.name.clone()).collect();
        s.sort();
        s
    };
    for (snap, change, subject, from, to, pos) in changes {
        let (score, why) = match change {
            "module_added" => (
                40,
                format!(
                    "global module {subject} was installed ({})",
                    to.as_deref().unwrap_or("")
                ),
            ),
            "module_removed" => (
                30,
                format!(
                    "global module {subject} was removed ({})",
                    from.as_deref().unwrap_or("")
                ),
            ),
            "module_repointed" => (
                60,
                format!(
                    "global module {subject} was re-pointed from {} to {}",
                    from.as_deref().unwrap_or(""),
                    to.as_deref().unwrap_or("")
                ),
            ),
            _ => {
                let weaker = weakens(&subject, to.as_deref().unwrap_or(""));
                (
                    if weaker { 60 } else { 20 },
                    format!(
                        "{subject} changed from {} to {}{}",
                        from.as_deref().unwrap_or(""),
                        to.as_deref().unwrap_or(""),
                        if weaker { ": the server logs less" } else { "" }
                    ),
                )
            }
        };
        let id = match change {
            "module_added" => "history_module_added",
            "module_removed" => "history_module_removed",
            "module_repointed" => "history_module_repointed",
            _ => "history_logging_changed",
        };
        v.findings.push(Finding {
            id,
            score,
            reason: format!("{why} (first seen in {snap})"),
            pos: pos.clone(),
            subject: subject.clone(),
            sites: sites.clone(),
            file: None,
            attack: if change == "logging_changed" {
                &["T1562.002"]
            } else {
                &["T1505.004"]
            },
        });
        v.history.push(HistoryChange {
            snapshot: snap.to_string(),
            change,
            subject,
            from,
            to,
            pos,
        });
    }
}
