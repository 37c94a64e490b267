//! What depends on the operating system, behind one small interface: the
//! exact bytes of a path, opening a file for reading without following
//! links or blocking on special files, naming a special file from its
//! metadata, modification times, the standard streams' and console's
//! set-up, the fixed drives (`--all-drives`) and lowering the process's
//! priority (`--low-priority`, `--cpu-limit`).
//!
//! Every other module is portable and calls these functions; no `cfg` for
//! an operating system appears outside this folder. Leaf: imports nothing
//! from the crate. `unix.rs` and `windows.rs` implement the same functions;
//! `wtf8` is the byte form of Windows paths (compiled everywhere so its
//! tests run on Linux).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

#[cfg_attr(not(windows), allow(dead_code))]
mod wtf8;

use std::path::PathBuf;

/// The running Windows system, when a sweep's root is its system drive
/// (see `live_system`): what the server view takes from the live system
/// instead of a server's defaults.
#[derive(Debug, Clone, Default)]
pub struct LiveSystem {
    /// The system drive's letter (`%SystemDrive%`), uppercase.
    pub letter: Option<char>,
    /// Every fixed drive, letter -> its root (`D:\`).
    pub drives: Vec<(char, PathBuf)>,
    /// The live values of the variables asked for, lowercase name -> value.
    pub env: Vec<(String, String)>,
}
