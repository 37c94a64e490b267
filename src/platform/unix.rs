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

/// Nothing to set up on Unix: terminals take UTF-8 and ANSI escapes.
/// Returns true (stderr can show ANSI escapes when it is a terminal).
pub fn setup_console() -> bool {
    true
}

/// `--all-drives` is a Windows notion: there are no drive letters here.
pub fn fixed_drives() -> io::Result<Vec<PathBuf>> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "--all-drives needs Windows (drive letters); give the mount points to sweep instead",
    ))
}

/// Lowers this process's CPU priority to nice 10 (`setpriority`); called
/// at start-up, before any thread exists, so every thread made later
/// inherits it (on Linux the nice value is per thread). Returns what was
/// done.
pub fn lower_priority() -> io::Result<&'static str> {
    // SAFETY: a plain system call with integer arguments.
    let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok("nice 10")
}

/// A hard CPU rate cap is a Windows job-object feature; on Unix
/// `--cpu-limit` only caps the threads (use `cpulimit` or a cgroup's
/// `cpu.max` for a hard cap).
pub fn cap_cpu_rate(_percent: u32) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no hard CPU cap on this system (use a cgroup's cpu.max)",
    ))
}

/// A Unix system is never the live Windows server a configuration
/// describes: a mounted image always gets a server's default variables.
pub fn live_system(_root: &Path, _variables: &[&str]) -> Option<super::LiveSystem> {
    None
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
