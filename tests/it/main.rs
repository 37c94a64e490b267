//! The integration tests, in one binary (one link of the whole crate
//! instead of one per file): the real `iisweep` binary over the samples and
//! hostile trees, the differential tests against reference parsers, the
//! rule pack, the output contract (schema and golden files) and the fuzz
//! regressions.

mod common;

mod authenticode;
mod behaviour;
mod bulk;
mod contract;
mod diff_dnfile;
mod diff_pefile;
mod evasions;
mod fuzz_regressions;
mod hostile_fs;
mod layout;
mod limits;
mod output_safety;
mod rule_pack;
mod samples;
mod server_cli;
mod server_view;
