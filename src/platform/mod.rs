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
