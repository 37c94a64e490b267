//! Analyze stage: bytes in, [`Facts`] out. Pure: no I/O, no printing, no
//! globals.
//!
//! `analyze_bytes` runs every analyser over the same bytes: the hash, the PE
//! facts (with the one [`Layout`](crate::pe::Layout) the other readers map
//! through), .NET metadata, Authenticode, and the IIS roles of all of them.
//! `analyze_guarded` wraps it in `catch_unwind`, so a parser panic on a
//! hostile file becomes that file's error and the sweep goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::authenticode;
use crate::dotnet;
use crate::model::Facts;
use crate::pe::{self, Image};
use crate::util::hex;

/// Options of the analyze stage.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// Compute section entropy for every PE, not just IIS components.
    pub entropy_all: bool,
    /// Skip .NET metadata (no managed roles). For measurement.
    pub no_dotnet: bool,
    /// Skip the IL analysis of assemblies with components (no behaviour
    /// facts). For measurement.
    pub no_il: bool,
    /// Also list every TypeDef, TypeRef and MemberRef row in the .NET facts
    /// (see [`dotnet::parse_with_tables`]); for tests and differential
    /// checks, a sweep does not need them.
    pub dotnet_tables: bool,
    /// Skip Authenticode parsing and verification. For measurement.
    pub no_authenticode: bool,
    /// Trust anchors added to the embedded roots (`--trust-root`), shared by
    /// every worker.
    pub trust_roots: Arc<[authenticode::UserRoot]>,
}

/// Analyse the bytes of one file.
pub fn analyze_bytes(bytes: &[u8], opts: &AnalyzeOptions) -> Facts {
    analyze_hashed(bytes, sha256(bytes), opts)
}

/// The SHA-256 of `bytes` as the facts carry it (lowercase hex).
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// [`analyze_bytes`] for bytes whose SHA-256 the caller has already
/// computed (the dedupe cache keys on it).
pub fn analyze_hashed(bytes: &[u8], sha256: String, opts: &AnalyzeOptions) -> Facts {
    let mut facts = Facts {
        sha256,
        ..Facts::default()
    };
    let mut pe = match pe::analyze(bytes) {
        Ok(pe) => pe,
        Err(pe::NotPe(reason)) => {
            facts.not_pe_reason = Some(reason);
            return facts;
        }
    };
    facts.roles.extend(pe.export_roles.roles.iter().copied());
    let image = Image {
        bytes,
        layout: &pe.layout,
    };
    if let (Some((rva, size)), false) = (pe.layout.clr_header(), opts.no_dotnet) {
        let info = if opts.dotnet_tables {
            dotnet::parse_with_tables(&image, rva, size)
        } else if opts.no_il {
            dotnet::parse_without_il(&image, rva, size)
        } else {
            dotnet::parse(&image, rva, size)
        };
        for c in &info.components {
            facts.roles.extend(c.roles.iter().copied());
        }
        facts.dotnet = Some(info);
    }
    facts.roles.sort();
    facts.roles.dedup();
    if pe.has_certificate_table() && !opts.no_authenticode {
        facts.code_signature = Some(authenticode::check_with(&image, &opts.trust_roots));
    }
    if facts.is_component() {
        pe.capabilities = pe::capabilities::from_imports(&[&pe.imports, &pe.delay_imports]);
        if !pe.export_roles.roles.is_empty() {
            pe.request_names = pe::capabilities::request_names(bytes);
        }
    }
    if opts.entropy_all || facts.is_component() {
        pe::compute_entropy(&mut pe, bytes);
    }
    facts.pe = Some(pe);
    facts
}

/// `analyze_bytes` with a parser panic turned into an error message.
pub fn analyze_guarded(bytes: &[u8], opts: &AnalyzeOptions) -> Result<Facts, String> {
    analyze_guarded_hashed(bytes, sha256(bytes), opts)
}

/// [`analyze_hashed`] with a parser panic turned into an error message.
pub fn analyze_guarded_hashed(
    bytes: &[u8],
    sha256: String,
    opts: &AnalyzeOptions,
) -> Result<Facts, String> {
    catch_unwind(AssertUnwindSafe(|| analyze_hashed(bytes, sha256, opts))).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("analysis panicked (parser bug, please report): {msg}")
    })
}
