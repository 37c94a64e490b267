//! Leaf utilities shared by every stage: little-endian reads and C strings
//! over hostile bytes, hex, UTF-8-safe truncation, RFC 3339 time, terminal
//! escaping, path bytes and display, and the bounded problem collector.
//!
//! Nothing here imports another iisweep module: every stage may use it.
//! Error policy: readers return `None` past the end of the input; nothing
//! here panics on input bytes.

pub mod bytes;
pub mod escape;
pub mod path;
pub mod problems;
pub mod text;

pub use bytes::{cstr_at, cstr_at_or_eof, u16_at, u32_at, u64_at, u8_at};
pub use escape::{escape, escape_bytes};
pub use problems::Problems;
pub use text::{hex, rfc3339, truncate_utf8};
