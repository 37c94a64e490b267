//! The per-file model every stage shares: what happened to a path
//! ([`FileReport`], [`Outcome`], [`SkipReason`]), the facts the analyzers
//! established ([`Facts`], with the IIS [`Role`]s), and, apart from them,
//! the judgement of the rule and score stages ([`Judgement`]: rule hits,
//! verdict, rules error).
//!
//! [`role`] and [`judgement`] are leaves (parsers may return a [`Role`]);
//! [`file`] gathers the parsers' outputs. Nothing here serializes: the
//! report stage maps these types into the output records it owns.

pub mod file;
pub mod judgement;
pub mod role;

pub use file::{Analyzed, Facts, FileReport, Outcome, RegistrationRef, SkipReason, Trace};
pub use judgement::{Evidence, FactValue, Judgement, Level, RuleHit, Verdict};
pub use role::Role;
