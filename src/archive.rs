//! Archives swept in place: ZIP (stored and deflate; ZipCrypto and AES
//! encryption, tried with a password list), gzip, and tar (plain or
//! gzipped), nested up to a depth cap.
//!
//! Entries are expanded into memory, one at a time, and never written
//! anywhere. Each entry is named `archive.zip!dir/entry.dll` (nested:
//! `outer.zip!inner.tar.gz!x.dll`) and carries its container chain. Every
//! cap is reported where it is hit, on the entry it stops:
//!
//! - an entry larger than the per-entry cap (`--max-filesize`) is skipped
//!   as `too_large`, and one that expands more than [`MAX_RATIO`] times
//!   its compressed size (past 1 MiB) as `archive_cap`;
//! - once the total expanded from one archive on disk reaches
//!   `--archive-max-total`, the rest of it is not expanded (`archive_cap`
//!   on the entry where it happened);
//! - an archive nested deeper than `--archive-depth` is not opened
//!   (`archive_cap`), and at most [`MAX_ENTRIES`] entries are looked at per
//!   archive.
//!
//! A corrupt archive is an error on the archive; a corrupt or
//! undecryptable entry is an error on that entry, and the others are still
//! swept. Entry names are kept as the archive writes them (`..`, control
//! characters and all: they are never used as a path on disk), and the
//! printers escape them like any name.

use std::io::{self, Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use crate::platform::{path_bytes, path_from_bytes};

/// Entries looked at per archive.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Largest expansion ratio of one entry (past 1 MiB expanded).
pub const MAX_RATIO: u64 = 250;
/// Default `--archive-depth`: archives inside archives inside archives.
pub const DEFAULT_DEPTH: u32 = 3;
/// Default `--archive-max-total`.
pub const DEFAULT_MAX_TOTAL: u64 = 4 << 30;

/// Archive settings, fixed for a sweep.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    /// Passwords tried on encrypted entries, in order.
    pub passwords: Vec<Vec<u8>>,
    /// Nesting levels opened (1: only archives on disk).
    pub max_depth: u32,
    /// Largest entry expanded.
    pub max_entry: u64,
    /// Most bytes expanded from one archive on disk, nested ones included.
    pub max_total: u64,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            passwords: vec![b"infected".to_vec()],
            max_depth: DEFAULT_DEPTH,
            max_entry: 64 << 20,
            max_total: DEFAULT_MAX_TOTAL,
        }
    }
}

/// What kind of archive, from the first bytes (and, for plain tar, the
/// name: its magic is at offset 257).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ZIP.
    Zip,
    /// gzip (a tar inside is found by its magic).
    Gzip,
    /// tar.
    Tar,
}

/// The archive kind of a file starting with `head`, named `path`.
pub fn kind_of(head: &[u8], path: &Path) -> Option<Kind> {
    match head {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] | [b'P', b'K', 7, 8, ..] => Some(Kind::Zip),
        [0x1f, 0x8b, ..] => Some(Kind::Gzip),
        _ if is_tar(head) => Some(Kind::Tar),
        _ if crate::util::path::extension(path).as_deref() == Some("tar") => Some(Kind::Tar),
        _ => None,
    }
}

/// How a sweep's probe judges a file: by its first four bytes (fewer in a
/// shorter file; the rest are not looked at) and its name. An `MZ` file
/// is never an archive.
pub fn probe_kind(head: &[u8], path: &Path) -> Option<Kind> {
    let head = &head[..head.len().min(4)];
    if head.starts_with(b"MZ") {
        return None;
    }
    kind_of(head, path)
}

fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// Why an entry was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Over the per-entry cap (its size).
    TooLarge(u64),
    /// A cap of this module was reached (the detail says which).
    Cap(String),
    /// Could not be read (corrupt, no password fits, unsupported method).
    Error(String),
}

/// One entry of an archive.
#[derive(Debug)]
pub struct Entry {
    /// `archive!entry` (nested: `outer!inner!entry`).
    pub path: PathBuf,
    /// The containers, outermost first: the archive on disk, then the
    /// names of nested archives within it.
    pub chain: Vec<String>,
    /// The bytes, or why there are none.
    pub data: Result<Vec<u8>, Problem>,
}

/// Called for every entry; `false` stops.
pub type OnEntry<'a> = dyn FnMut(Entry) -> bool + 'a;

/// Asked with each entry's `archive!entry` path before it is expanded;
/// `true` leaves the entry out unread (`--skip-done`: an earlier sweep
/// reported it). A nested archive is asked about itself too (it is never
/// reported as a file, so never done), then about each of its entries.
pub type Skip<'a> = dyn Fn(&Path) -> bool + 'a;

struct Ctx<'a, 'b> {
    opts: &'a ArchiveOptions,
    total: u64,
    stopped: bool,
    skip: Option<&'a Skip<'b>>,
    on_entry: &'a mut OnEntry<'b>,
}

impl Ctx<'_, '_> {
    /// Whether `skip` leaves entry `name` of `c` out (its path is built
    /// only when there is a `skip`).
    fn skips(&self, c: &Container, name: &[u8]) -> bool {
        self.skip.is_some_and(|skip| skip(&c.entry_path(name)))
    }

    fn emit(&mut self, e: Entry) {
        if !(self.on_entry)(e) {
            self.stopped = true;
        }
    }
}

/// Sweep the archive at `path` (already known to be of `kind`), read from
/// `reader` (a file, or bytes in a `Cursor`): every file entry that
/// `skip` (when given) does not leave out is handed to `on_entry`. `Err` when the
/// archive itself cannot be read (the entries before the fault have been
/// handed over).
pub fn sweep<R: Read + Seek>(
    path: &Path,
    reader: R,
    kind: Kind,
    opts: &ArchiveOptions,
    skip: Option<&Skip<'_>>,
    on_entry: &mut OnEntry<'_>,
) -> Result<(), String> {
    let mut ctx = Ctx {
        opts,
        total: 0,
        stopped: false,
        skip,
        on_entry,
    };
    let base = Container {
        path: path.to_path_buf(),
        chain: vec![path.to_string_lossy().into_owned()],
        depth: 1,
    };
    match kind {
        Kind::Zip => zip(io::BufReader::new(reader), &base, &mut ctx),
        Kind::Gzip => gzip(io::BufReader::new(reader), &base, &mut ctx),
        Kind::Tar => tar(io::BufReader::new(reader), &base, &mut ctx),
    }
}

/// An archive being swept: its display path, chain and nesting depth.
struct Container {
    path: PathBuf,
    chain: Vec<String>,
    depth: u32,
}

impl Container {
    fn entry_path(&self, name: &[u8]) -> PathBuf {
        let mut b = path_bytes(self.path.as_os_str()).into_owned();
        b.push(b'!');
        b.extend_from_slice(name);
        path_from_bytes(&b)
    }
}

/// Read at most `cap + 1` bytes (so that "over the cap" shows).
fn read_capped(r: &mut dyn Read, cap: u64, hint: u64) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(hint.min(cap).min(16 << 20) as usize);
    Read::take(r, cap.saturating_add(1)).read_to_end(&mut v)?;
    Ok(v)
}

/// Hand an expanded entry over, or open it when it is an archive itself.
fn deliver(c: &Container, name: &[u8], data: Vec<u8>, packed: u64, ctx: &mut Ctx<'_, '_>) {
    let path = c.entry_path(name);
    let len = data.len() as u64;
    ctx.total = ctx.total.saturating_add(len);
    let problem = if len > ctx.opts.max_entry {
        Some(Problem::TooLarge(len))
    } else if len > (1 << 20) && len / packed.max(1) > MAX_RATIO {
        Some(Problem::Cap(format!(
            "expands {}x ({len} bytes from {packed}): over the ratio cap of {MAX_RATIO}x",
            len / packed.max(1)
        )))
    } else {
        None
    };
    if let Some(p) = problem {
        ctx.emit(Entry {
            path,
            chain: c.chain.clone(),
            data: Err(p),
        });
        return;
    }
    if let Some(kind) = kind_of(&data, &path) {
        if c.depth >= ctx.opts.max_depth {
            ctx.emit(Entry {
                path,
                chain: c.chain.clone(),
                data: Err(Problem::Cap(format!(
                    "an archive nested {} deep: over --archive-depth {}; not opened",
                    c.depth + 1,
                    ctx.opts.max_depth
                ))),
            });
            return;
        }
        let mut chain = c.chain.clone();
        chain.push(String::from_utf8_lossy(name).into_owned());
        let inner = Container {
            path: path.clone(),
            chain,
            depth: c.depth + 1,
        };
        let r = match kind {
            Kind::Zip => zip(Cursor::new(data), &inner, ctx),
            Kind::Gzip => gzip(Cursor::new(data), &inner, ctx),
            Kind::Tar => tar(Cursor::new(data), &inner, ctx),
        };
        if let Err(e) = r {
            ctx.emit(Entry {
                path,
                chain: c.chain.clone(),
                data: Err(Problem::Error(e)),
            });
        }
        return;
    }
    ctx.emit(Entry {
        path,
        chain: c.chain.clone(),
        data: Ok(data),
    });
}

/// Whether the total cap stops the sweep of this archive; reports it once.
fn over_total(c: &Container, name: &[u8], ctx: &mut Ctx<'_, '_>) -> bool {
    if ctx.total < ctx.opts.max_total {
        return false;
    }
    ctx.emit(Entry {
        path: c.entry_path(name),
        chain: c.chain.clone(),
        data: Err(Problem::Cap(format!(
            "{} bytes expanded from this archive: --archive-max-total reached; the rest is not expanded",
            ctx.total
        ))),
    });
    ctx.stopped = true;
    true
}

fn zip<R: Read + Seek>(r: R, c: &Container, ctx: &mut Ctx<'_, '_>) -> Result<(), String> {
    let mut z = zip::ZipArchive::new(r).map_err(|e| format!("not a readable ZIP: {e}"))?;
    for i in 0..z.len().min(MAX_ENTRIES) {
        if ctx.stopped {
            return Ok(());
        }
        let (name, encrypted, is_dir, size, packed) = match z.by_index_raw(i) {
            Ok(f) => (
                f.name_raw().to_vec(),
                f.encrypted(),
                f.is_dir(),
                f.size(),
                f.compressed_size(),
            ),
            Err(e) => {
                let name = format!("#{i}");
                ctx.emit(Entry {
                    path: c.entry_path(name.as_bytes()),
                    chain: c.chain.clone(),
                    data: Err(Problem::Error(format!("entry {i}: {e}"))),
                });
                continue;
            }
        };
        if is_dir || ctx.skips(c, &name) {
            continue;
        }
        if over_total(c, &name, ctx) {
            return Ok(());
        }
        if size > ctx.opts.max_entry {
            // Declared too large: not expanded (a lie the other way is
            // caught by the capped read).
            ctx.emit(Entry {
                path: c.entry_path(&name),
                chain: c.chain.clone(),
                data: Err(Problem::TooLarge(size)),
            });
            continue;
        }
        let cap = ctx.opts.max_entry;
        let read = if !encrypted {
            z.by_index(i)
                .map_err(|e| e.to_string())
                .and_then(|mut f| read_capped(&mut f, cap, size).map_err(|e| e.to_string()))
        } else {
            let mut result = Err(format!(
                "encrypted, and none of the {} passwords opens it (--archive-password)",
                ctx.opts.passwords.len()
            ));
            for pw in &ctx.opts.passwords {
                // A wrong ZipCrypto password passes its one-byte check 1 time
                // in 256; the CRC at the end of the read then fails.
                let Ok(mut f) = z.by_index_decrypt(i, pw) else {
                    continue;
                };
                if let Ok(v) = read_capped(&mut f, cap, size) {
                    result = Ok(v);
                    break;
                }
            }
            result
        };
        match read {
            Ok(data) => deliver(c, &name, data, packed, ctx),
            Err(e) => ctx.emit(Entry {
                path: c.entry_path(&name),
                chain: c.chain.clone(),
                data: Err(Problem::Error(e)),
            }),
        }
    }
    if z.len() > MAX_ENTRIES {
        ctx.emit(Entry {
            path: c.entry_path(b"..."),
            chain: c.chain.clone(),
            data: Err(Problem::Cap(format!(
                "{} entries: only the first {MAX_ENTRIES} were looked at",
                z.len()
            ))),
        });
    }
    Ok(())
}

fn tar<R: Read>(r: R, c: &Container, ctx: &mut Ctx<'_, '_>) -> Result<(), String> {
    let mut a = tar::Archive::new(r);
    let entries = a
        .entries()
        .map_err(|e| format!("not a readable tar: {e}"))?;
    for (n, e) in entries.enumerate() {
        if ctx.stopped {
            return Ok(());
        }
        if n >= MAX_ENTRIES {
            ctx.emit(Entry {
                path: c.entry_path(b"..."),
                chain: c.chain.clone(),
                data: Err(Problem::Cap(format!(
                    "over {MAX_ENTRIES} entries: the rest were not looked at"
                ))),
            });
            return Ok(());
        }
        // A broken header ends the stream: the entries before it stand.
        let mut e = e.map_err(|err| format!("tar entry {n}: {err}"))?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e.path_bytes().into_owned();
        if ctx.skips(c, &name) {
            continue;
        }
        if over_total(c, &name, ctx) {
            return Ok(());
        }
        let size = e.size();
        if size > ctx.opts.max_entry {
            ctx.emit(Entry {
                path: c.entry_path(&name),
                chain: c.chain.clone(),
                data: Err(Problem::TooLarge(size)),
            });
            continue;
        }
        match read_capped(&mut e, ctx.opts.max_entry, size) {
            Ok(data) => deliver(c, &name, data, size, ctx),
            Err(err) => {
                ctx.emit(Entry {
                    path: c.entry_path(&name),
                    chain: c.chain.clone(),
                    data: Err(Problem::Error(err.to_string())),
                });
                return Ok(());
            }
        }
    }
    Ok(())
}

fn gzip<R: Read>(r: R, c: &Container, ctx: &mut Ctx<'_, '_>) -> Result<(), String> {
    let mut d = flate2::read::MultiGzDecoder::new(r);
    let mut head = Vec::with_capacity(512);
    Read::take(&mut d, 512)
        .read_to_end(&mut head)
        .map_err(|e| format!("not a readable gzip stream: {e}"))?;
    if is_tar(&head) {
        return tar(Cursor::new(head).chain(d), c, ctx);
    }
    // One compressed file: named after the archive without `.gz`.
    let name: Vec<u8> = {
        let own = c.chain.last().map(String::as_str).unwrap_or("");
        let base = Path::new(own)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = base
            .strip_suffix(".gz")
            .or_else(|| base.strip_suffix(".GZ"))
            .unwrap_or(&base);
        stem.as_bytes().to_vec()
    };
    if ctx.skips(c, &name) {
        return Ok(());
    }
    if over_total(c, &name, ctx) {
        return Ok(());
    }
    let mut rest = Cursor::new(head).chain(d);
    match read_capped(&mut rest, ctx.opts.max_entry, 0) {
        Ok(data) => {
            let packed = ctx.opts.max_entry; // unknown: no ratio cap
            deliver(c, &name, data, packed, ctx);
        }
        Err(e) => ctx.emit(Entry {
            path: c.entry_path(&name),
            chain: c.chain.clone(),
            data: Err(Problem::Error(format!("gzip: {e}"))),
        }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(
        bytes: Vec<u8>,
        name: &str,
        opts: &ArchiveOptions,
    ) -> (Vec<Entry>, Result<(), String>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let kind = kind_of(&bytes, &p).expect("an archive");
        let mut out = Vec::new();
        let r = sweep(
            Path::new(name),
            std::fs::File::open(&p).unwrap(),
            kind,
            opts,
            None,
            &mut |e| {
                out.push(e);
                true
            },
        );
        (out, r)
    }

    /// A ZIP; a password `aes:PW` encrypts with AES-256.
    fn zip_of(files: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, pw) in files {
            let mut o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            if let Some(pw) = pw {
                o = match pw.strip_prefix("aes:") {
                    Some(p) => o.with_aes_encryption(zip::AesMode::Aes256, p),
                    None => panic!("the zip crate writes AES only; ZipCrypto comes from tests/fixtures/archives"),
                };
            }
            w.start_file(*name, o).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn zip_entries_nested_and_encrypted() {
        let inner = zip_of(&[("deep/x.dll", b"MZ inner", None)]);
        let outer = zip_of(&[
            ("a.dll", b"MZ plain", None),
            ("enc.dll", b"MZ secret", Some("aes:infected")),
            ("other.dll", b"MZ locked", Some("aes:not-in-the-list")),
            ("in.zip", &inner, None),
            ("aes.dll", b"MZ aes", Some("aes:infected")),
            ("aes_locked.dll", b"MZ aes", Some("aes:other")),
        ]);
        let (entries, r) = collect(outer, "c.zip", &ArchiveOptions::default());
        r.unwrap();
        let by: Vec<(String, Result<Vec<u8>, Problem>)> = entries
            .into_iter()
            .map(|e| (e.path.to_string_lossy().into_owned(), e.data))
            .collect();
        assert_eq!(by[0], ("c.zip!a.dll".into(), Ok(b"MZ plain".to_vec())));
        assert_eq!(by[1], ("c.zip!enc.dll".into(), Ok(b"MZ secret".to_vec())));
        assert!(
            matches!(&by[2].1, Err(Problem::Error(e)) if e.contains("passwords")),
            "{by:?}"
        );
        assert_eq!(
            by[3],
            ("c.zip!in.zip!deep/x.dll".into(), Ok(b"MZ inner".to_vec()))
        );
        assert_eq!(by[4], ("c.zip!aes.dll".into(), Ok(b"MZ aes".to_vec())));
        assert!(
            matches!(&by[5].1, Err(Problem::Error(e)) if e.contains("passwords")),
            "{by:?}"
        );
        // ZipCrypto (built by Info-ZIP's zip: tests/fixtures/archives).
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archives");
        let (entries, r) = collect(
            std::fs::read(dir.join("zipcrypto.zip")).unwrap(),
            "z.zip",
            &ArchiveOptions::default(),
        );
        r.unwrap();
        assert_eq!(entries.len(), 4);
        assert!(entries
            .iter()
            .all(|e| e.data.as_ref().is_ok_and(|d| d.starts_with(b"MZ"))));
        let (entries, _) = collect(
            std::fs::read(dir.join("wrong_password.zip")).unwrap(),
            "w.zip",
            &ArchiveOptions::default(),
        );
        assert!(matches!(&entries[0].data, Err(Problem::Error(e)) if e.contains("passwords")));
    }

    #[test]
    fn caps_are_reported_where_hit() {
        let big = vec![0u8; 8 << 20];
        let z = zip_of(&[("bomb.bin", &big, None), ("b.dll", b"MZ", None)]);
        let (entries, _) = collect(z.clone(), "b.zip", &ArchiveOptions::default());
        assert!(matches!(&entries[0].data, Err(Problem::Cap(m)) if m.contains("ratio")));
        assert_eq!(entries[1].data, Ok(b"MZ".to_vec()), "the rest is swept");
        let small = ArchiveOptions {
            max_entry: 1 << 20,
            ..Default::default()
        };
        let (entries, _) = collect(z, "b.zip", &small);
        assert_eq!(entries[0].data, Err(Problem::TooLarge(8 << 20)));
        // Depth: a zip in a zip in a zip with depth 2.
        let l3 = zip_of(&[("x.dll", b"MZ", None)]);
        let l2 = zip_of(&[("l3.zip", &l3, None)]);
        let l1 = zip_of(&[("l2.zip", &l2, None)]);
        let shallow = ArchiveOptions {
            max_depth: 2,
            ..Default::default()
        };
        let (entries, _) = collect(l1, "l1.zip", &shallow);
        assert_eq!(entries.len(), 1);
        assert!(matches!(&entries[0].data, Err(Problem::Cap(m)) if m.contains("--archive-depth")));
        assert_eq!(entries[0].path, Path::new("l1.zip!l2.zip!l3.zip"));
        // Total.
        let many = zip_of(&[("1.dll", &[b'M'; 600], None), ("2.dll", b"MZ", None)]);
        let tight = ArchiveOptions {
            max_total: 500,
            ..Default::default()
        };
        let (entries, _) = collect(many, "t.zip", &tight);
        assert_eq!(entries.len(), 2);
        assert!(
            matches!(&entries[1].data, Err(Problem::Cap(m)) if m.contains("--archive-max-total"))
        );
    }

    #[test]
    fn tar_gz_and_corrupt_archives() {
        let mut t = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(4);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, "dir/m.dll", &b"MZab"[..]).unwrap();
        let tar_bytes = t.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar_bytes).unwrap();
        let tgz = gz.finish().unwrap();
        let (entries, r) = collect(tgz, "x.tar.gz", &ArchiveOptions::default());
        r.unwrap();
        assert_eq!(entries[0].path, Path::new("x.tar.gz!dir/m.dll"));
        assert_eq!(entries[0].data, Ok(b"MZab".to_vec()));
        assert_eq!(entries[0].chain, vec!["x.tar.gz".to_string()]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"MZ single").unwrap();
        let (entries, _) = collect(gz.finish().unwrap(), "m.dll.gz", &ArchiveOptions::default());
        assert_eq!(entries[0].path, Path::new("m.dll.gz!m.dll"));
        // A cut ZIP: an error on the archive, no panic.
        let z = zip_of(&[("a.dll", b"MZ", None)]);
        let (_, r) = collect(
            z[..z.len() - 10].to_vec(),
            "cut.zip",
            &ArchiveOptions::default(),
        );
        assert!(r.is_err());
        // Garbage after a gzip magic.
        let (_, r) = collect(
            vec![0x1f, 0x8b, 0, 0, 1, 2, 3],
            "g.gz",
            &ArchiveOptions::default(),
        );
        assert!(r.is_err());
    }

    #[test]
    fn skipped_entries_are_not_expanded_and_bytes_sweep_alike() {
        let inner = zip_of(&[("x.dll", b"MZ x", None), ("y.dll", b"MZ y", None)]);
        let outer = zip_of(&[
            ("a.dll", b"MZ a", None),
            // A bomb that is done: left out unread, so no ratio cap fires.
            ("done-bomb.bin", &vec![0u8; 8 << 20], None),
            ("in.zip", &inner, None),
        ]);
        let asked = std::cell::RefCell::new(Vec::new());
        let skip = |p: &Path| {
            asked.borrow_mut().push(p.to_string_lossy().into_owned());
            p == Path::new("o.zip!done-bomb.bin") || p == Path::new("o.zip!in.zip!x.dll")
        };
        let mut out = Vec::new();
        // From bytes in memory (the Python bindings' route).
        sweep(
            Path::new("o.zip"),
            Cursor::new(outer),
            Kind::Zip,
            &ArchiveOptions::default(),
            Some(&skip),
            &mut |e| {
                out.push((e.path.to_string_lossy().into_owned(), e.data));
                true
            },
        )
        .unwrap();
        assert_eq!(
            out,
            vec![
                ("o.zip!a.dll".to_string(), Ok(b"MZ a".to_vec())),
                ("o.zip!in.zip!y.dll".to_string(), Ok(b"MZ y".to_vec())),
            ]
        );
        // The nested archive is asked about itself, then its entries.
        assert!(asked.borrow().contains(&"o.zip!in.zip!x.dll".to_string()));
        assert!(asked.borrow().contains(&"o.zip!in.zip".to_string()));
        // tar: the skipped entry's data is passed over.
        let mut t = tar::Builder::new(Vec::new());
        for (name, data) in [("d.dll", &b"MZ d"[..]), ("e.dll", &b"MZ e"[..])] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, name, data).unwrap();
        }
        let mut got = Vec::new();
        sweep(
            Path::new("t.tar"),
            Cursor::new(t.into_inner().unwrap()),
            Kind::Tar,
            &ArchiveOptions::default(),
            Some(&|p: &Path| p == Path::new("t.tar!d.dll")),
            &mut |e| {
                got.push((e.path, e.data));
                true
            },
        )
        .unwrap();
        assert_eq!(
            got,
            vec![(PathBuf::from("t.tar!e.dll"), Ok(b"MZ e".to_vec()))]
        );
    }
}
