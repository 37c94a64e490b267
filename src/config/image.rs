//! Windows paths onto a disk image: drive letters mapped to folders
//! (`C:` is the swept root by default, `--drive X:=DIR` adds others),
//! environment variables as a server has them, case-insensitive lookup on
//! case-sensitive file systems, the WOW64 view of `System32` for 32-bit
//! workers, and paths that leave the image (UNC shares, unmapped drives,
//! `..` past a drive's root), which are reported and never followed.
//!
//! Folder listings are cached (one read per folder), so resolving
//! thousands of registrations costs one `read_dir` per folder touched.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Environment variables of an IIS worker on a server, lowercase name ->
/// value, for a 64-bit process. A 32-bit process sees the `(x86)` folders
/// under the `ProgramFiles` names.
const ENV: &[(&str, &str)] = &[
    ("systemdrive", "C:"),
    ("systemroot", "C:\\Windows"),
    ("windir", "C:\\Windows"),
    ("programfiles", "C:\\Program Files"),
    ("programfiles(x86)", "C:\\Program Files (x86)"),
    ("programw6432", "C:\\Program Files"),
    ("commonprogramfiles", "C:\\Program Files\\Common Files"),
    (
        "commonprogramfiles(x86)",
        "C:\\Program Files (x86)\\Common Files",
    ),
    ("commonprogramw6432", "C:\\Program Files\\Common Files"),
    ("programdata", "C:\\ProgramData"),
    ("allusersprofile", "C:\\ProgramData"),
    ("public", "C:\\Users\\Public"),
    ("temp", "C:\\Windows\\Temp"),
    ("tmp", "C:\\Windows\\Temp"),
    (
        "userprofile",
        "C:\\Windows\\system32\\config\\systemprofile",
    ),
    (
        "appdata",
        "C:\\Windows\\system32\\config\\systemprofile\\AppData\\Roaming",
    ),
    (
        "localappdata",
        "C:\\Windows\\system32\\config\\systemprofile\\AppData\\Local",
    ),
    ("inetpub", "C:\\inetpub"),
];

/// Where a Windows path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An existing file or folder on the image.
    Found {
        /// The host path (real case).
        host: PathBuf,
    },
    /// On the image, but nothing is there.
    Missing {
        /// The host path it would have.
        host: PathBuf,
    },
    /// Off the image: another drive, a UNC share, or `..` past a root.
    Outside {
        /// Why.
        why: String,
    },
}

/// A mounted disk image (or several drives), as a Windows server sees it.
#[derive(Debug)]
pub struct DiskImage {
    /// Drive letter (uppercase) -> folder.
    drives: Vec<(char, PathBuf)>,
    /// Folder -> its entries, lowercase name -> real name.
    listings: Mutex<HashMap<PathBuf, Option<HashMap<String, OsString>>>>,
    /// Values taken from the live system (lowercase name -> value) ahead
    /// of the defaults in `ENV`: set when `C:` is the running Windows
    /// system's own system drive.
    live_env: Vec<(String, String)>,
}

impl DiskImage {
    /// An image whose `C:` is `root`, plus `extra` drives.
    pub fn new(root: PathBuf, extra: &[(char, PathBuf)]) -> DiskImage {
        let mut drives = vec![('C', root)];
        for (d, p) in extra {
            let d = d.to_ascii_uppercase();
            drives.retain(|(x, _)| *x != d);
            drives.push((d, p.clone()));
        }
        DiskImage {
            drives,
            listings: Mutex::new(HashMap::new()),
            live_env: Vec::new(),
        }
    }

    /// An image of the running system itself (a sweep on a live Windows
    /// server): `%windir%` and the other system-wide variables take the
    /// live values, and every fixed drive the system has is mapped onto
    /// itself unless `extra` maps that letter already. `None` when `root`
    /// is not the live system drive (always on Unix).
    pub fn live(root: &Path, extra: &[(char, PathBuf)]) -> Option<DiskImage> {
        let live = crate::platform::live_system(root, LIVE_VARIABLES)?;
        let mut drives = live.drives;
        drives.retain(|(d, _)| *d != 'C' && !extra.iter().any(|(x, _)| x.eq_ignore_ascii_case(d)));
        drives.extend(extra.iter().cloned());
        // The live system drive plays `C:` whatever its letter: the
        // variables below name it by its own letter, so map that too.
        let mut img = DiskImage::new(root.to_path_buf(), &drives);
        if let Some(letter) = live.letter.filter(|l| *l != 'C') {
            img.drives.retain(|(x, _)| *x != letter);
            img.drives.push((letter, root.to_path_buf()));
        }
        img.live_env = live.env;
        Some(img)
    }

    /// The folder that plays `C:`.
    pub fn root(&self) -> &Path {
        self.drive('C').expect("C: is always mapped")
    }

    fn drive(&self, d: char) -> Option<&Path> {
        let d = d.to_ascii_uppercase();
        self.drives
            .iter()
            .find(|(x, _)| *x == d)
            .map(|(_, p)| p.as_path())
    }

    /// Expands `%VAR%` references (names case-insensitive); unknown names
    /// are left as written. `wow64` gives a 32-bit worker's values.
    pub fn expand(&self, s: &str, wow64: bool) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find('%') {
                Some(j) => {
                    let name = after[..j].to_ascii_lowercase();
                    match self.env_value(&name, wow64) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push('%');
                            out.push_str(&after[..j]);
                            out.push('%');
                        }
                    }
                    rest = &after[j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Where the Windows path `win` (environment variables already
    /// expanded, or not) leads. Relative paths are taken from `base` (a host
    /// folder on the image) when given. `wow64` applies the 32-bit view:
    /// `System32` is `SysWOW64`.
    pub fn locate(&self, win: &str, base: Option<&Path>, wow64: bool) -> Location {
        let p = self.expand(win.trim(), wow64);
        let p = p.trim_matches('"');
        let norm = p.replace('/', "\\");
        if norm.starts_with("\\\\") {
            return Location::Outside {
                why: format!("UNC path {p}"),
            };
        }
        let (start, rest): (PathBuf, &str) = match norm.as_bytes() {
            [d, b':', ..] if d.is_ascii_alphabetic() => match self.drive(*d as char) {
                Some(root) => (root.to_path_buf(), &norm[2..]),
                None => {
                    return Location::Outside {
                        why: format!(
                            "drive {}: is not on the image",
                            (*d as char).to_ascii_uppercase()
                        ),
                    }
                }
            },
            [b'\\', ..] => (self.root().to_path_buf(), &norm[..]),
            _ => (self.root().to_path_buf(), &norm[..]),
        };
        // A relative path starts from `base`'s place on its drive, so `..`
        // climbs through `base`'s folders and stops only at the root.
        let (start, base_comps): (PathBuf, Vec<String>) = match (relative(&norm), base) {
            (true, Some(b)) => match self.drive_of(b) {
                Some((root, comps)) => (root, comps),
                None => (b.to_path_buf(), Vec::new()),
            },
            _ => (start, Vec::new()),
        };
        let mut comps: Vec<&str> = base_comps.iter().map(String::as_str).collect();
        for c in rest.split('\\').filter(|c| !c.is_empty() && *c != ".") {
            if c == ".." {
                if comps.pop().is_none() {
                    return Location::Outside {
                        why: format!("{p} climbs above its drive's root"),
                    };
                }
            } else {
                comps.push(c);
            }
        }
        if wow64 && start == self.root() {
            if let [w, s, ..] = comps.as_mut_slice() {
                if w.eq_ignore_ascii_case("windows") && s.eq_ignore_ascii_case("system32") {
                    *s = "SysWOW64";
                }
            }
        }
        self.lookup(&start, &comps)
    }

    /// The drive root holding host path `p` and `p`'s components below it.
    fn drive_of(&self, p: &Path) -> Option<(PathBuf, Vec<String>)> {
        self.drives.iter().find_map(|(_, root)| {
            let rest = p.strip_prefix(root).ok()?;
            Some((
                root.clone(),
                rest.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect(),
            ))
        })
    }

    /// Case-insensitive lookup of `comps` below the host folder `start`.
    pub fn lookup(&self, start: &Path, comps: &[&str]) -> Location {
        let mut cur = start.to_path_buf();
        for (i, c) in comps.iter().enumerate() {
            match self.entry(&cur, c) {
                Some(real) => cur.push(real),
                None => {
                    let mut host = cur;
                    for c in &comps[i..] {
                        host.push(c);
                    }
                    return Location::Missing { host };
                }
            }
        }
        Location::Found { host: cur }
    }

    /// The real name of `name` (any case) in host folder `dir`.
    fn entry(&self, dir: &Path, name: &str) -> Option<OsString> {
        let key = name.to_lowercase();
        let mut cache = self.listings.lock().unwrap_or_else(|e| e.into_inner());
        let listing = cache.entry(dir.to_path_buf()).or_insert_with(|| {
            let rd = std::fs::read_dir(dir).ok()?;
            let mut m = HashMap::new();
            for e in rd.flatten() {
                let n = e.file_name();
                m.entry(n.to_string_lossy().to_lowercase()).or_insert(n);
            }
            Some(m)
        });
        listing.as_ref()?.get(&key).cloned()
    }

    /// `host` relative to the drive it is on, with `/` separators (the
    /// manifest form), or the host path when it is on no drive.
    pub fn rel(&self, host: &Path) -> String {
        for (_, root) in &self.drives {
            if let Ok(r) = host.strip_prefix(root) {
                return r
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
            }
        }
        host.to_string_lossy().into_owned()
    }

    /// `host` as Windows writes it (`C:\Windows\...`).
    pub fn windows_path(&self, host: &Path) -> String {
        for (d, root) in &self.drives {
            if let Ok(r) = host.strip_prefix(root) {
                let tail: Vec<String> = r
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                return format!("{d}:\\{}", tail.join("\\"));
            }
        }
        host.to_string_lossy().into_owned()
    }
}

/// A Windows path with neither a drive nor a leading separator.
fn relative(p: &str) -> bool {
    !p.starts_with('\\') && !matches!(p.as_bytes(), [d, b':', ..] if d.is_ascii_alphabetic())
}

impl DiskImage {
    /// The value of the variable `name` (lowercase) for a worker of the
    /// given bitness: the live system's when this image is the live
    /// system, else the defaults of a server.
    fn env_value(&self, name: &str, wow64: bool) -> Option<&str> {
        let name = match (name, wow64) {
            ("programfiles", true) => "programfiles(x86)",
            ("commonprogramfiles", true) => "commonprogramfiles(x86)",
            (n, _) => n,
        };
        self.live_env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| ENV.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }
}

/// The system-wide variables whose live values a sweep on a Windows
/// server takes (the per-user ones, `TEMP` or `APPDATA`, differ between
/// iisweep's account and the worker's, so the defaults stay).
pub const LIVE_VARIABLES: &[&str] = &[
    "systemdrive",
    "systemroot",
    "windir",
    "programfiles",
    "programfiles(x86)",
    "programw6432",
    "commonprogramfiles",
    "commonprogramfiles(x86)",
    "commonprogramw6432",
    "programdata",
    "allusersprofile",
    "public",
];

/// The `applicationHost.config` of `root` when it looks like a Windows
/// system drive: `Windows/System32/inetsrv/config/` (any case) holds
/// `applicationHost.config`, or a `redirection.config` that names the
/// shared one. The path is returned even when only the redirection exists.
pub fn system_drive_config(root: &Path) -> Option<PathBuf> {
    let image = DiskImage::new(root.to_path_buf(), &[]);
    let dir = match image.lookup(root, &["Windows", "System32", "inetsrv", "config"]) {
        Location::Found { host } if host.is_dir() => host,
        _ => return None,
    };
    let file = |name: &str| match image.lookup(&dir, &[name]) {
        Location::Found { host } if host.is_file() => Some(host),
        _ => None,
    };
    file("applicationHost.config").or_else(|| {
        file("redirection.config")?;
        Some(dir.join("applicationHost.config"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> (tempfile::TempDir, DiskImage) {
        let d = tempfile::tempdir().unwrap();
        let inetsrv = d.path().join("Windows/System32/inetsrv");
        std::fs::create_dir_all(&inetsrv).unwrap();
        std::fs::write(inetsrv.join("CachUri.dll"), b"MZ").unwrap();
        std::fs::create_dir_all(d.path().join("Windows/SysWOW64/inetsrv")).unwrap();
        std::fs::write(d.path().join("Windows/SysWOW64/inetsrv/x.dll"), b"MZ").unwrap();
        let img = DiskImage::new(d.path().to_path_buf(), &[]);
        (d, img)
    }

    #[test]
    fn variables_case_and_wow64() {
        let (d, img) = image();
        let want = d.path().join("Windows/System32/inetsrv/CachUri.dll");
        assert_eq!(
            img.locate("%WinDir%\\system32\\INETSRV\\cachuri.DLL", None, false),
            Location::Found { host: want }
        );
        assert_eq!(
            img.locate("%windir%\\System32\\inetsrv\\x.dll", None, true),
            Location::Found {
                host: d.path().join("Windows/SysWOW64/inetsrv/x.dll")
            }
        );
        assert!(matches!(
            img.locate("%windir%\\System32\\inetsrv\\x.dll", None, false),
            Location::Missing { .. }
        ));
        assert_eq!(
            img.expand("%ProgramFiles%\\a", true),
            "C:\\Program Files (x86)\\a"
        );
        assert_eq!(img.expand("%NoSuch%\\%", false), "%NoSuch%\\%");
    }

    #[test]
    fn paths_off_the_image() {
        let (_d, img) = image();
        assert!(matches!(
            img.locate("\\\\fileserver\\share\\x.dll", None, false),
            Location::Outside { .. }
        ));
        assert!(matches!(
            img.locate("D:\\mods\\x.dll", None, false),
            Location::Outside { .. }
        ));
        assert!(matches!(
            img.locate("C:\\..\\..\\etc\\passwd", None, false),
            Location::Outside { .. }
        ));
        let rel = img.rel(&img.root().join("Windows/System32"));
        assert_eq!(rel, "Windows/System32");
        assert_eq!(
            img.windows_path(&img.root().join("Windows/System32")),
            "C:\\Windows\\System32"
        );
    }
}
