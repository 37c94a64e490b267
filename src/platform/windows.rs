//! Windows implementation of [`crate::platform`].
//!
//! Paths: a Windows path is UTF-16 code units, not necessarily valid
//! UTF-16. Its exact bytes are their WTF-8 form ([`super::wtf8`]): valid
//! names give their UTF-8 bytes, an unpaired surrogate gives the three
//! bytes `ED A0 80`..`ED BF BF`, and [`path_from_bytes`] turns those bytes
//! back into the same code units. So `iisweep.path_hex` (present when the
//! bytes are not UTF-8) holds the WTF-8 bytes, and display escapes an
//! unpaired surrogate as `\xed\xa0\x80`.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io;
use std::os::windows::ffi::{OsStrExt, OsStringExt};
use std::os::windows::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use windows_sys::Win32::Storage::FileSystem::{
    FILE_ATTRIBUTE_REPARSE_POINT, FILE_FLAG_OPEN_REPARSE_POINT, FILE_SHARE_DELETE, FILE_SHARE_READ,
    FILE_SHARE_WRITE,
};

/// The exact bytes of a path: the WTF-8 form of its UTF-16 code units
/// (see the module documentation).
pub fn path_bytes(p: &OsStr) -> Cow<'_, [u8]> {
    match p.to_str() {
        Some(s) => Cow::Borrowed(s.as_bytes()),
        None => Cow::Owned(super::wtf8::encode(p.encode_wide())),
    }
}

/// A path from exact bytes (a line of `--files-from`): the inverse of
/// [`path_bytes`]. Bytes that are not WTF-8 cannot name a Windows file;
/// each becomes U+FFFD.
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    match std::str::from_utf8(b) {
        Ok(s) => PathBuf::from(s),
        Err(_) => PathBuf::from(OsString::from_wide(&super::wtf8::decode(b))),
    }
}

/// Opens `path` for reading, sharing read, write and delete with every
/// other handle (IIS's `w3wp.exe` holds the modules it loaded open; a
/// file opened without sharing by someone else still fails, with the
/// system's "used by another process" error, reported on that file).
/// Unless `follow_symlinks`, the link itself is opened
/// (`FILE_FLAG_OPEN_REPARSE_POINT`), so the caller sees a symlink or
/// junction in the handle's metadata and does not read through it. A
/// reparse point that is not a link (deduplicated, cloud or HSM files,
/// whose data is the file's own) is opened again normally.
///
/// Windows has no FIFOs; named pipes and devices live in the `\\.\`
/// namespace, which the walk never reaches by itself.
pub fn open_for_probe(path: &Path, follow_symlinks: bool) -> io::Result<File> {
    let share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    let plain = || OpenOptions::new().read(true).share_mode(share).open(path);
    if follow_symlinks {
        return plain();
    }
    let f = OpenOptions::new()
        .read(true)
        .share_mode(share)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    let meta = f.metadata()?;
    if meta.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0 && !meta.file_type().is_symlink()
    {
        drop(f);
        return plain();
    }
    Ok(f)
}

/// What a non-regular, non-directory file is. On Windows that is a link:
/// a symlink to a file, or a symlink or junction to a folder.
pub fn special_kind(ft: &FileType) -> &'static str {
    if ft.is_symlink_dir() {
        "directory link"
    } else if ft.is_symlink_file() {
        "symlink"
    } else {
        "special file"
    }
}

/// Modification time in Unix seconds (negative before 1970).
pub fn mtime(m: &Metadata) -> Option<i64> {
    let t = m.modified().ok()?;
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok()?,
        Err(e) => {
            let d = e.duration();
            let s = i64::try_from(d.as_secs()).ok()?;
            if d.subsec_nanos() > 0 {
                -s - 1
            } else {
                -s
            }
        }
    })
}

/// Windows has no SIGPIPE: a write to a closed pipe fails with
/// `ERROR_NO_DATA` (`BrokenPipe`), which the printers already treat as the
/// reader going away. Nothing to do.
pub fn default_sigpipe() {}

/// Sets up the console, when stdout or stderr is one: UTF-8 output (code
/// page 65001), so names print as they are, and virtual-terminal
/// processing, so the progress line's ANSI escapes move the cursor
/// instead of showing. Returns whether stderr can show ANSI escapes
/// (false: a console that cannot, such as an old conhost; pipes and files
/// are not consoles and return false as well).
pub fn setup_console() -> bool {
    use windows_sys::Win32::System::Console::{
        GetConsoleMode, GetStdHandle, SetConsoleMode, SetConsoleOutputCP,
        ENABLE_VIRTUAL_TERMINAL_PROCESSING, STD_ERROR_HANDLE, STD_OUTPUT_HANDLE,
    };
    const CP_UTF8: u32 = 65001;
    let mut stderr_vt = false;
    // SAFETY: plain Win32 calls on this process's standard handles; the
    // mode is written into a local.
    unsafe {
        let mut any_console = false;
        for (which, is_err) in [(STD_OUTPUT_HANDLE, false), (STD_ERROR_HANDLE, true)] {
            let h = GetStdHandle(which);
            let mut mode = 0u32;
            if h.is_null() || GetConsoleMode(h, &mut mode) == 0 {
                continue;
            }
            any_console = true;
            let vt = mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
                || SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
            if is_err {
                stderr_vt = vt;
            }
        }
        if any_console {
            SetConsoleOutputCP(CP_UTF8);
        }
    }
    stderr_vt
}

/// The device namespace that `canonical` lies in, if any: `\\.\` paths
/// (named pipes, raw volumes, devices) and `\\?\GLOBALROOT\` (the NT
/// object namespace). A followed link into one would read devices.
pub fn pseudo_fs(canonical: &Path) -> Option<&'static str> {
    let units: Vec<u16> = canonical.as_os_str().encode_wide().take(16).collect();
    let s = String::from_utf16_lossy(&units)
        .to_ascii_uppercase()
        .replace('/', "\\");
    if s.starts_with("\\\\.\\") {
        Some("\\\\.\\")
    } else if s.starts_with("\\\\?\\GLOBALROOT\\") {
        Some("\\\\?\\GLOBALROOT")
    } else {
        None
    }
}

/// Every fixed local drive (`GetDriveTypeW` is `DRIVE_FIXED`), as `C:\`.
/// Removable, network, optical and RAM drives are left out.
pub fn fixed_drives() -> io::Result<Vec<PathBuf>> {
    use windows_sys::Win32::Storage::FileSystem::{GetDriveTypeW, GetLogicalDrives};
    const DRIVE_FIXED: u32 = 3;
    // SAFETY: no arguments; returns a bit mask.
    let mask = unsafe { GetLogicalDrives() };
    if mask == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    for i in 0..26u8 {
        if mask & (1 << i) == 0 {
            continue;
        }
        let root = format!("{}:\\", (b'A' + i) as char);
        let wide: Vec<u16> = root.encode_utf16().chain([0]).collect();
        // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives
        // the call.
        if unsafe { GetDriveTypeW(wide.as_ptr()) } == DRIVE_FIXED {
            out.push(PathBuf::from(root));
        }
    }
    Ok(out)
}

/// Lowers this process's priority so that a sweep yields to the server's
/// own work: the below-normal priority class (threads created later
/// inherit it), and background processing mode, which also lowers the
/// process's I/O and memory priority. Returns what was done.
pub fn lower_priority() -> io::Result<&'static str> {
    use windows_sys::Win32::System::Threading::{
        GetCurrentProcess, SetPriorityClass, BELOW_NORMAL_PRIORITY_CLASS,
        PROCESS_MODE_BACKGROUND_BEGIN,
    };
    // SAFETY: the pseudo handle of this process; no memory is passed.
    unsafe {
        if SetPriorityClass(GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS) == 0 {
            return Err(io::Error::last_os_error());
        }
        if SetPriorityClass(GetCurrentProcess(), PROCESS_MODE_BACKGROUND_BEGIN) == 0 {
            return Ok("below-normal priority class (background mode refused)");
        }
    }
    Ok("below-normal priority class, background mode (low I/O priority)")
}

/// Caps this process's CPU time at `percent` of the machine with a job
/// object's hard CPU rate limit (Windows 8 / Server 2012 and later). The
/// process stays in the job until it ends.
pub fn cap_cpu_rate(percent: u32) -> io::Result<()> {
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectCpuRateControlInformation,
        SetInformationJobObject, JOBOBJECT_CPU_RATE_CONTROL_INFORMATION,
        JOB_OBJECT_CPU_RATE_CONTROL_ENABLE, JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP,
    };
    use windows_sys::Win32::System::Threading::GetCurrentProcess;
    let percent = percent.clamp(1, 100);
    // SAFETY: an unnamed job with default security; `info` is a properly
    // sized local; the job handle is deliberately kept open (closing it
    // would not end the limit, and the process lives in the job anyway).
    unsafe {
        let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if job.is_null() {
            return Err(io::Error::last_os_error());
        }
        let mut info: JOBOBJECT_CPU_RATE_CONTROL_INFORMATION = std::mem::zeroed();
        info.ControlFlags =
            JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP;
        // In 1/100 of a percent of all processors.
        info.Anonymous.CpuRate = percent * 100;
        if SetInformationJobObject(
            job,
            JobObjectCpuRateControlInformation,
            (&info as *const JOBOBJECT_CPU_RATE_CONTROL_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_CPU_RATE_CONTROL_INFORMATION>() as u32,
        ) == 0
        {
            return Err(io::Error::last_os_error());
        }
        if AssignProcessToJobObject(job, GetCurrentProcess()) == 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The live system, when `root` is its system drive (`%SystemDrive%\`,
/// compared after resolving both): a sweep of `C:\` on the server itself.
/// Then `%windir%` and the other `variables` take their values from this
/// process's environment (system-wide ones: the same for IIS's workers),
/// and the other fixed drives map onto themselves.
pub fn live_system(root: &Path, variables: &[&str]) -> Option<super::LiveSystem> {
    let sd = std::env::var("SystemDrive").ok()?;
    let sys_root = PathBuf::from(format!("{sd}\\"));
    let same = match (
        std::fs::canonicalize(root),
        std::fs::canonicalize(&sys_root),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    let letter = sd.chars().next().map(|c| c.to_ascii_uppercase());
    let drives = fixed_drives()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let c = p.to_str()?.chars().next()?.to_ascii_uppercase();
            Some((c, p))
        })
        .collect();
    let env = variables
        .iter()
        .filter_map(|n| Some((n.to_string(), std::env::var(n).ok()?)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    Some(super::LiveSystem {
        letter,
        drives,
        env,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let raw = OsString::from_wide(&[0x43, 0x3A, 0x5C, 0xD800, 0x61]);
        let b = path_bytes(&raw).into_owned();
        assert_eq!(b, b"C:\\\xed\xa0\x80a");
        assert_eq!(path_from_bytes(&b).as_os_str(), raw.as_os_str());
    }
}
