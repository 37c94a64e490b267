//! iisweep: find IIS components (native IIS modules, ISAPI extensions and
//! filters, managed modules and handlers) in files and report the facts
//! that say what each one is, and how suspicious it is.
//!
//! The pipeline flows one way (see `docs/ARCHITECTURE.md`): [`discover`]
//! walks paths, [`load`] reads a file's bytes once, [`analyze`] turns bytes
//! into [`Facts`] (pure; [`pe`] does the PE format and the one layout every
//! reader maps through, [`dotnet`] ECMA-335 metadata, [`authenticode`] the
//! signatures), [`rules`] runs YARA-X with the facts as globals and
//! [`score`] turns hits into a verdict, [`scan`] runs these in parallel and
//! streams [`FileReport`]s to one consumer, and [`report`] maps them into
//! output records and prints them. [`model`] is the per-file model every
//! stage shares; [`util`] and [`platform`] are leaves. [`cli`] is the
//! command line; `main.rs` only calls it.
#![deny(missing_docs)]

pub mod analyze;
pub mod archive;
pub mod authenticode;
pub mod cli;
pub mod config;
pub mod dedupe;
pub mod discover;
pub mod dotnet;
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod pe;
pub mod platform;
pub mod report;
pub mod rules;
pub mod scan;
pub mod score;
pub mod select;
pub mod summary;
pub mod util;

pub use analyze::{analyze_bytes, AnalyzeOptions};
pub use model::{Analyzed, Facts, FileReport, Judgement, Outcome, Role};
pub use pe::PeFacts;
