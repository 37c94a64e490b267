//! Unix (Linux, BSD, macOS) implementation of [`crate::platform`].

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The exact bytes of a path (on Unix, the bytes the kernel stores).
pub fn path_bytes(p: &OsStr) -> Cow<'_, [u8]> {
    Cow::Borrowed(p.as_bytes())
}

/// A path from exact bytes (a line of `--files-from`).
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}

/// Opens `path` for reading without blocking (`O_NONBLOCK`: a FIFO swapped
/// in after the walk cannot hang the sweep), without becoming a controlling
/// terminal (`O_NOCTTY`), and, unless `follow_symlinks`, refusing a
/// symlink (`O_NOFOLLOW`). The caller checks the file type with `fstat`
/// (`File::metadata`) before reading.
pub fn open_for_probe(path: &Path, follow_symlinks: bool) -> io::Result<File> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if !follow_symlinks {
        flags |= libc::O_NOFOLLOW;
    }
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

/// What a non-regular, non-directory file is: `fifo`, `socket`, `device`
/// or `special file`.
pub fn special_kind(ft: &FileType) -> &'static str {
    if ft.is_fifo() {
        "fifo"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "device"
    } else {
        "special file"
    }
}

/// Modification time in Unix seconds.
pub fn mtime(m: &Metadata) -> Option<i64> {
    Some(m.mtime())
}

/// Restores the default SIGPIPE action, so that `iisweep scan … | head`
/// ends quietly when the reader goes away instead of reporting write errors
/// (Rust ignores SIGPIPE by default).
pub fn default_sigpipe() {
    // SAFETY: `signal` with `SIG_DFL` installs no handler code, so no
    // async-signal-safety rule applies; it is called once at start-up,
    // before any thread exists, so no other thread can race on the
    // signal disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The pseudo file system (`/proc`, `/sys`, `/dev`) that `canonical`
/// (an absolute, resolved path) lies in, if any. A followed link into one
/// would sweep the host through `/proc/self/root` and the like.
pub fn pseudo_fs(canonical: &Path) -> Option<&'static str> {
    ["/proc", "/sys", "/dev"]
        .into_iter()
        .find(|p| canonical.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let raw = b"/tmp/a\xffb";
        let p = path_from_bytes(raw);
        assert_eq!(&*path_bytes(p.as_os_str()), raw);
    }
}
