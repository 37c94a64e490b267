//! Load stage: the bytes of one file, or the reason there are none.
//!
//! The file is opened without blocking and without following a symlink
//! unless asked ([`platform::open_for_probe`]), then checked with `fstat` on
//! the open descriptor,
//! so a path swapped for a FIFO or a device after the walk cannot hang the
//! sweep or touch a device. The first bytes decide "not a PE" before anything
//! else is read. A PE under the size cap is read once, into a buffer or, from
//! `mmap_threshold` up, through a read-only memory map, and the same bytes go
//! to every later stage.
//!
//! Memory-map caveat: if another process truncates a mapped file while it is
//! being analysed, touching the lost pages raises SIGBUS and ends the process.
//! The CLI therefore never maps unless asked (`--mmap-threshold`; threshold
//! `u64::MAX` otherwise): reads measure as fast (`docs/PERFORMANCE.md`).
//!
//! Error policy: every failure is an `io::Error` for this one file; nothing
//! here panics.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

use crate::platform;

/// How many leading bytes the magic check reads.
pub const MAGIC_PROBE: usize = 64;

/// Load settings, fixed for a sweep.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Files larger than this are not read (reported as skipped).
    pub max_filesize: u64,
    /// Files of at least this size are memory-mapped instead of read.
    pub mmap_threshold: u64,
    /// Follow a symlink given as the path (otherwise opening it fails).
    pub follow_symlinks: bool,
}

/// A file's bytes, owned or mapped.
pub enum Data {
    /// Read into memory.
    Buf(Vec<u8>),
    /// Memory-mapped read-only.
    Map(memmap2::Mmap),
}

impl Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Buf(v) => v,
            Data::Map(m) => m,
        }
    }
}

/// An open file that starts with `MZ` and is under the size cap: what the
/// probe hands to a worker, so the file is opened once.
#[derive(Debug)]
pub struct Candidate {
    file: File,
    size: u64,
    mtime: Option<i64>,
    /// The bytes the probe read (the file is positioned after them).
    head: [u8; 4],
    head_len: usize,
}

/// What the cheap first look at a file found.
#[derive(Debug)]
pub enum Probe {
    /// Not `MZ`: counted, not analysed.
    NotPe {
        /// File size.
        size: u64,
        /// The archive kind its first bytes (or its name, for tar) say,
        /// when it looks like one.
        archive: Option<crate::archive::Kind>,
    },
    /// `MZ` but over the size cap.
    TooLarge {
        /// File size.
        size: u64,
    },
    /// Not a regular file.
    Special {
        /// What it is.
        kind: &'static str,
    },
    /// A candidate PE, still open.
    Candidate(Candidate),
}

/// Open `path` and decide from `fstat` and the first two bytes whether it is
/// worth reading. Cheap: one open, one fstat, one small read.
pub fn probe(path: &Path, opts: &LoadOptions) -> io::Result<Probe> {
    let mut file = platform::open_for_probe(path, opts.follow_symlinks)?;
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let kind = if ft.is_dir() {
            "directory"
        } else {
            platform::special_kind(&ft)
        };
        return Ok(Probe::Special { kind });
    }
    let size = meta.len();
    let mut head = [0u8; 4];
    let n = read_full(&mut file, &mut head)?;
    if n < 2 || head[..2] != *b"MZ" {
        let archive = crate::archive::probe_kind(&head[..n], path);
        return Ok(Probe::NotPe { size, archive });
    }
    if size > opts.max_filesize {
        return Ok(Probe::TooLarge { size });
    }
    Ok(Probe::Candidate(Candidate {
        file,
        size,
        mtime: platform::mtime(&meta),
        head,
        head_len: n,
    }))
}

/// Read a candidate whole (the probed bytes included). A file that is
/// read (not mapped) goes into `buf`'s allocation (taken out of it), so a
/// caller that hands the same buffer back reuses one allocation per thread.
/// Returns the bytes and the modification time (Unix seconds).
pub fn read_candidate(
    c: Candidate,
    opts: &LoadOptions,
    buf: &mut Vec<u8>,
) -> io::Result<(Data, Option<i64>)> {
    let Candidate {
        mut file,
        size,
        mtime,
        head,
        head_len,
    } = c;
    let data = if size >= opts.mmap_threshold {
        // SAFETY: the map is read-only and private to this process; a file
        // truncated underneath it is the documented SIGBUS caveat above.
        Data::Map(unsafe { memmap2::Mmap::map(&file)? })
    } else {
        let mut v = std::mem::take(buf);
        v.clear();
        v.reserve(size as usize);
        v.extend_from_slice(&head[..head_len]);
        // `take` bounds the read even if the file grows meanwhile.
        (&mut file)
            .take(opts.max_filesize.saturating_sub(head_len as u64))
            .read_to_end(&mut v)?;
        Data::Buf(v)
    };
    Ok((data, mtime))
}

/// Read until `buf` is full or the file ends; returns the bytes read.
fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The load stage for one path: the bytes of a candidate, or the probe.
    fn load(path: &Path, opts: &LoadOptions) -> io::Result<Result<Data, Probe>> {
        match probe(path, opts)? {
            Probe::Candidate(c) => Ok(Ok(read_candidate(c, opts, &mut Vec::new())?.0)),
            other => Ok(Err(other)),
        }
    }

    fn opts() -> LoadOptions {
        LoadOptions {
            max_filesize: 1 << 20,
            mmap_threshold: 1 << 30,
            follow_symlinks: false,
        }
    }

    #[test]
    fn magic_and_cap() {
        let dir = tempfile::tempdir().unwrap();
        let txt = dir.path().join("a.txt");
        std::fs::write(&txt, b"hello").unwrap();
        assert!(matches!(
            load(&txt, &opts()).unwrap(),
            Err(Probe::NotPe { size: 5, .. })
        ));
        let mz = dir.path().join("b.dll");
        std::fs::write(&mz, b"MZ rest").unwrap();
        match load(&mz, &opts()).unwrap() {
            Ok(data) => assert_eq!(&*data, b"MZ rest"),
            _ => panic!("expected bytes"),
        }
        let small_cap = LoadOptions {
            max_filesize: 3,
            ..opts()
        };
        assert!(matches!(
            load(&mz, &small_cap).unwrap(),
            Err(Probe::TooLarge { size: 7 })
        ));
        let mapped = LoadOptions {
            mmap_threshold: 1,
            ..opts()
        };
        match load(&mz, &mapped).unwrap() {
            Ok(Data::Map(m)) => assert_eq!(&m[..], b"MZ rest"),
            _ => panic!("expected a map"),
        }
    }

    #[test]
    fn fifo_is_not_read_and_symlink_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            load(&fifo, &opts()).unwrap(),
            Err(Probe::Special { kind: "fifo" })
        ));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(load(&link, &opts()).is_err(), "O_NOFOLLOW refuses the link");
        let follow = LoadOptions {
            follow_symlinks: true,
            ..opts()
        };
        assert!(matches!(
            load(&link, &follow).unwrap(),
            Err(Probe::Special { kind: "device" })
        ));
    }
}
