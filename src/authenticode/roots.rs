//! The embedded trust anchors: public Microsoft code-signing root
//! certificates, DER, each pinned by the SHA-256 of the certificate.
//! Sources, fingerprints and the policy behind this list are in
//! `src/authenticode/roots/ROOTS.md`.
//!
//! `microsoft` marks the roots under which Microsoft signs its own code; a
//! chain to one of them (with a valid digest and signer signature) is what
//! `microsoft_signed` means. The Identity Verification Root 2020 is
//! trusted for `chain_trusted` but is not a Microsoft publisher root: it
//! anchors Microsoft's signing service for third parties.

use std::sync::OnceLock;

use der::Decode;
use x509_cert::Certificate;

/// One embedded root certificate.
pub struct Root {
    /// Subject common name.
    pub name: &'static str,
    /// File under `src/authenticode/roots/`.
    pub file: &'static str,
    /// DER certificate.
    pub der: &'static [u8],
    /// Pinned SHA-256 of `der`, hex.
    pub sha256: &'static str,
    /// Microsoft signs its own code under this root.
    pub microsoft: bool,
}

macro_rules! root {
    ($name:expr, $file:expr, $sha:expr, $ms:expr) => {
        Root {
            name: $name,
            file: $file,
            der: include_bytes!(concat!("roots/", $file)),
            sha256: $sha,
            microsoft: $ms,
        }
    };
}

/// Every embedded root, newest first (the likeliest match first).
pub static ROOTS: [Root; 5] = [
    root!(
        "Microsoft Identity Verification Root Certificate Authority 2020",
        "microsoft_identity_verification_root_2020.der",
        "5367f20c7ade0e2bca790915056d086b720c33c1fa2a2661acf787e3292e1270",
        false
    ),
    root!(
        "Microsoft Root Certificate Authority 2011",
        "microsoft_root_2011.der",
        "847df6a78497943f27fc72eb93f9a637320a02b561d0a91b09e87a7807ed7c61",
        true
    ),
    root!(
        "Microsoft Root Certificate Authority 2010",
        "microsoft_root_2010.der",
        "df545bf919a2439c36983b54cdfc903dfa4f37d3996d8d84b4c31eec6f3c163e",
        true
    ),
    root!(
        "Microsoft Root Certificate Authority",
        "microsoft_root_2001.der",
        "885de64c340e3ea70658f01e1145f957fcda27aabeea1ab9faa9fdb0102d4077",
        true
    ),
    root!(
        "Microsoft Root Authority",
        "microsoft_root_authority_1997.der",
        "f38406e540d7a9d90cb4a9479299640ffb6df9e224ecc7a01c0d9558d8dad77d",
        true
    ),
];

impl Root {
    /// The decoded certificate, `None` if the embedded bytes do not match
    /// their pin or do not decode (checked by a test; never expected).
    pub fn certificate(&self) -> Option<&'static Certificate> {
        static PARSED: OnceLock<Vec<Option<Certificate>>> = OnceLock::new();
        let all = PARSED.get_or_init(|| {
            ROOTS
                .iter()
                .map(|r| {
                    let pinned =
                        super::digest::hex_digest("sha256", r.der).as_deref() == Some(r.sha256);
                    pinned.then(|| Certificate::from_der(r.der).ok()).flatten()
                })
                .collect()
        });
        let i = ROOTS.iter().position(|r| std::ptr::eq(r, self))?;
        all.get(i)?.as_ref()
    }
}
