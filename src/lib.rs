//! iisweep: find IIS components (native IIS modules, ISAPI extensions and
//! filters, managed modules and handlers) in files and report the facts that say what each one is.
//!
//! The pipeline flows one way: [`discover`] walks paths, [`load`] reads a
//! file's bytes once, [`analyze`] turns bytes into facts (pure; [`pe`] does
//! the PE format, [`dotnet`] ECMA-335 metadata), [`rules`] runs YARA-X and
//! [`score`] turns hits into a verdict, [`scan`] runs these in parallel and streams
//! [`analyze::FileReport`]s to one consumer, and [`report`] prints them.
//! [`cli`] is the command line; `main.rs` only calls it.
#![deny(missing_docs)]

pub mod analyze;
pub mod authenticode;
pub mod cli;
pub mod discover;
pub mod dotnet;
pub mod load;
pub mod pe;
pub mod report;
pub mod rules;
pub mod scan;
pub mod score;
pub mod summary;

pub use analyze::{analyze_bytes, Analysis, AnalyzeOptions, FileReport, Outcome};
pub use pe::{PeFacts, Role};
