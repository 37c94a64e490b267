//! What depends on the operating system, behind one small interface: the
//! exact bytes of a path, opening a file for reading without following
//! links or blocking on special files, naming a special file from its
//! metadata, modification times, and the standard streams' set-up.
//!
//! Every other module is portable and calls these functions; no `cfg` for
//! an operating system appears outside this folder. Leaf: imports nothing
//! from the crate.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
