//! Authenticode: who signed a PE file, whether the signature still matches
//! the file, and whether the signer chains to a trusted code-signing root,
//! all checked offline.
//!
//! Why it exists: a native module in `inetsrv` signed by Microsoft with a
//! matching digest is routine; the same name unsigned, signed by a
//! certificate that merely calls itself Microsoft, or signed with a digest
//! that no longer matches, is not. See `knowledge/iis-components.md`.
//!
//! What is checked, per signature (the primary one and every nested one):
//! 1. The image digest (Authenticode hash of the file: headers without the
//!    checksum and the security directory entry, sections in file order,
//!    then the data up to the certificate table, which must end the file)
//!    against the digest
//!    in `SpcIndirectDataContent`.
//! 2. The `messageDigest` signed attribute against the hash of the signed
//!    content, and the signer's RSA signature over the signed attributes.
//! 3. The chain: from the signer certificate up through the certificates in
//!    the bag, verifying each signature, to one of the embedded roots
//!    ([`roots::ROOTS`]). A bag certificate never becomes a trust anchor,
//!    whatever its name.
//! 4. When a timestamp (RFC 3161 or PKCS #9 countersignature) is present,
//!    every certificate of the chain must be valid at that time.
//!
//! Also enforced: only the first WIN_CERTIFICATE counts (as in Windows) and
//! data hidden beside it invalidates the signature (CVE-2013-3900); bag
//! issuers must be CAs; unknown critical extensions and MD5 are refused;
//! the signer's extKeyUsage must allow code signing.
//!
//! Not checked, on purpose (offline tool): revocation (CRL, OCSP), validity
//! at the current time, the timestamp's own signature and chain, keyUsage
//! and path-length constraints, and Microsoft's disallowed-certificate list. Only RSA
//! (PKCS #1 v1.5) signatures are verified; other algorithms are reported as
//! unsupported, which leaves the signature unverified.
//!
//! Error policy: the certificate table is hostile input. Nothing here
//! panics; every problem becomes a message in [`SignatureInfo::errors`] or
//! [`CodeSignature::errors`] and the affected verdicts stay `false`.
//! Nesting is capped at [`MAX_NESTED`], chains at [`MAX_CHAIN`],
//! certificates per bag at [`MAX_CERTS`].

mod der_walk;
mod digest;
pub mod roots;

use std::ops::Range;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

use crate::pe::{Image, Layout};
use crate::util::{hex, u16_at, u32_at, Problems};
use x509_cert::Certificate;

/// Signatures followed through nested-signature attributes.
pub const MAX_NESTED: usize = 8;
/// Longest certificate chain built (signer to root).
pub const MAX_CHAIN: usize = 8;
/// Certificates read from one signature's bag.
pub const MAX_CERTS: usize = 64;
/// Largest certificate table parsed (bytes).
pub const MAX_CERT_TABLE: usize = 1 << 20;
/// Largest certificate (DER bytes) taken from a bag.
pub const MAX_CERT_LEN: usize = 64 << 10;

const OID_SPC_NESTED_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.4.1");
const OID_MS_RFC3161_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.3.3.1");
const OID_COUNTERSIGNATURE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.6");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// Authenticode facts of one PE file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeSignature {
    /// At least one signature could be parsed.
    pub signed: bool,
    /// The primary signature's image digest matches the file.
    pub digest_valid: bool,
    /// The primary signature's signer signature and message digest verify.
    pub signature_valid: bool,
    /// The primary signature is valid (digest, message digest, signer
    /// signature) and its chain reaches a trusted root. Per-signature chain
    /// results, whatever the digest, are in [`SignatureInfo::chain_trusted`].
    pub chain_trusted: bool,
    /// Name of that root.
    pub trusted_root: Option<String>,
    /// The primary signer's subject common name and organization.
    pub signer: Option<Signer>,
    /// Some signature (primary or nested) has a matching digest, a valid
    /// signer signature and a chain to a Microsoft root. A certificate that
    /// only says "Microsoft Corporation" does not count.
    pub microsoft_signed: bool,
    /// Timestamp of the primary signature (RFC 3339), when present.
    pub timestamp: Option<String>,
    /// Every signature: the primary first, then nested ones.
    pub signatures: Vec<SignatureInfo>,
    /// Problems with the certificate table itself.
    pub errors: Vec<String>,
}

impl CodeSignature {
    /// One-word status for ECS `file.code_signature.status`.
    pub fn status(&self) -> &'static str {
        if !self.signed {
            "unparsable"
        } else if !self.digest_valid {
            "digest_mismatch"
        } else if !self.signature_valid {
            "bad_signature"
        } else if !self.chain_trusted {
            "untrusted_root"
        } else {
            "trusted"
        }
    }
}

/// Signer identity in brief.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signer {
    /// Subject CN.
    pub common_name: Option<String>,
    /// Subject O.
    pub organization: Option<String>,
}

/// One certificate, as reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name (RFC 4514).
    pub subject: String,
    /// Issuer distinguished name (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial_number: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// SHA-1 of the DER certificate (the Windows thumbprint), hex.
    pub thumbprint_sha1: String,
    /// SHA-256 of the DER certificate, hex.
    pub thumbprint_sha256: String,
}

/// One Authenticode signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureInfo {
    /// 0 for the primary signature, 1.. for nested ones.
    pub depth: usize,
    /// Image digest algorithm (`sha1`, `sha256`, ...).
    pub digest_algorithm: String,
    /// Image digest stored in the signature, hex.
    pub signed_digest: String,
    /// Image digest computed from the file, hex (absent when the algorithm
    /// is unknown or the headers are unreadable).
    pub computed_digest: Option<String>,
    /// `signed_digest == computed_digest`.
    pub digest_valid: bool,
    /// The `messageDigest` attribute matches the signed content.
    pub message_digest_valid: bool,
    /// The signer's signature over the signed attributes verifies.
    pub signer_signature_valid: bool,
    /// The signer certificate.
    pub signer: Option<CertInfo>,
    /// Subjects from the signer up to the last certificate reached.
    pub chain: Vec<String>,
    /// The chain reached an embedded root, each link verified.
    pub chain_trusted: bool,
    /// That root's name.
    pub trusted_root: Option<String>,
    /// That root is one of Microsoft's code-signing roots.
    pub microsoft_root: bool,
    /// Countersignature time (RFC 3339), when present.
    pub timestamp: Option<String>,
    /// `rfc3161` or `pkcs9` when a timestamp is present.
    pub timestamp_kind: Option<&'static str>,
    /// Certificates in the bag.
    pub certificates: Vec<CertInfo>,
    /// Problems found in this signature.
    pub errors: Vec<String>,
}

/// A trust anchor added by the user (`--trust-root`), e.g. an
/// organisation's own code-signing root. Never counts as Microsoft.
#[derive(Debug, Clone)]
pub struct UserRoot {
    /// Subject common name (or the whole subject when it has none).
    pub name: String,
    /// The certificate.
    pub cert: Certificate,
}

/// Reads trust anchors from files: PEM (any number of `CERTIFICATE`
/// blocks) or one DER certificate each. Errors name the file.
pub fn load_roots(paths: &[std::path::PathBuf]) -> Result<Vec<UserRoot>, String> {
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let ders =
            if bytes.starts_with(b"-----BEGIN") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
                der_walk::pem_certificates(&bytes)
            } else {
                vec![bytes]
            };
        if ders.is_empty() {
            return Err(format!("{}: no CERTIFICATE block", p.display()));
        }
        for d in ders {
            let cert = Certificate::from_der(&d)
                .map_err(|e| format!("{}: not an X.509 certificate: {e}", p.display()))?;
            let subject = &cert.tbs_certificate.subject;
            let name = name_attr(subject, OID_CN).unwrap_or_else(|| dn(subject));
            out.push(UserRoot { name, cert });
        }
    }
    Ok(out)
}

/// Reads and verifies the Authenticode signatures of `file` against the
/// embedded roots.
pub fn check(image: &Image<'_>) -> CodeSignature {
    check_with(image, &[])
}

/// [`check`], also trusting `extra` roots. A file without a certificate
/// table gives an empty (unsigned) result.
pub fn check_with(image: &Image<'_>, extra: &[UserRoot]) -> CodeSignature {
    let Some(t) = image.layout.certificate_table() else {
        return CodeSignature::default();
    };
    let table = usize::try_from(t.offset).unwrap_or(usize::MAX)
        ..usize::try_from(t.offset.saturating_add(t.size)).unwrap_or(usize::MAX);
    check_table(image.bytes, image.layout, table, extra)
}

/// Reads and verifies the signatures in the certificate table at `table`
/// of `file` (whose headers and sections `layout` describes), trusting the
/// embedded roots and `extra`.
pub fn check_table(
    file: &[u8],
    layout: &Layout,
    table: Range<usize>,
    extra: &[UserRoot],
) -> CodeSignature {
    let mut cs = CodeSignature::default();
    let mut errs = Problems::new();
    check_into(&mut cs, &mut errs, file, layout, &table, extra);
    cs.errors = errs.finish();
    cs
}

fn check_into(
    cs: &mut CodeSignature,
    errs: &mut Problems,
    file: &[u8],
    layout: &Layout,
    table: &Range<usize>,
    extra: &[UserRoot],
) {
    let Some(data) = file.get(table.clone()) else {
        errs.push(format!(
            "certificate table at {:#x} (+{:#x}) runs past end of file ({:#x})",
            table.start,
            table.len(),
            file.len()
        ));
        return;
    };
    if data.len() > MAX_CERT_TABLE {
        errs.push(format!(
            "certificate table of {} bytes is above MAX_CERT_TABLE; not parsed",
            data.len()
        ));
        return;
    }
    let mut sigs = Vec::new();
    // Windows reads the first WIN_CERTIFICATE only; so do we.
    let (entry, hidden) = win_certificates(data, table.start, errs);
    let Some(entry) = entry else {
        return;
    };
    let der = der_walk::first_tlv(entry).unwrap_or(entry);
    // Bytes after the PKCS #7 blob (beyond 7 bytes of zero padding), or
    // after the entry: where CVE-2013-3900 payloads hide in signed files.
    let hidden = hidden + hidden_bytes(&entry[der.len()..]);
    if hidden > 0 {
        errs.push(format!(
            "{hidden} bytes of data hidden in the certificate table beside the signature (CVE-2013-3900 padding); the signature is not counted as valid"
        ));
    }
    if !der_walk::bounded(der, 0) {
        errs.push(format!(
            "PKCS #7 signature nests deeper than {} levels or holds a set or sequence of more than {} elements; not decoded",
            der_walk::MAX_DEPTH,
            der_walk::MAX_CHILDREN
        ));
        return;
    }
    match ContentInfo::from_der(der) {
        Ok(ci) => collect(ci, 0, &mut sigs, errs),
        Err(e) => errs.push(format!(
            "WIN_CERTIFICATE: PKCS #7 ContentInfo does not decode: {e}"
        )),
    }
    if sigs.is_empty() {
        return;
    }
    let mut image_digests: Vec<(String, Result<Vec<u8>, digest::DigestError>)> = Vec::new();
    let mut infos = Vec::new();
    for (depth, sd) in &sigs {
        infos.push(verify_one(
            file,
            layout,
            table,
            *depth,
            sd,
            &mut image_digests,
            extra,
        ));
    }
    cs.signed = true;
    if hidden > 0 {
        for s in &mut infos {
            s.digest_valid = false;
        }
    }
    let p = &infos[0];
    cs.digest_valid = p.digest_valid;
    cs.signature_valid = p.signer_signature_valid && p.message_digest_valid;
    cs.chain_trusted = cs.digest_valid && cs.signature_valid && p.chain_trusted;
    cs.trusted_root = p.trusted_root.clone().filter(|_| cs.chain_trusted);
    cs.timestamp = p.timestamp.clone();
    cs.signer = sigs[0].1.signer_infos.0.get(0).and_then(|si| {
        signer_cert(si, &bag(&sigs[0].1)).map(|c| Signer {
            common_name: name_attr(&c.tbs_certificate.subject, OID_CN),
            organization: name_attr(&c.tbs_certificate.subject, OID_O),
        })
    });
    cs.microsoft_signed = infos.iter().any(|s| {
        s.digest_valid
            && s.message_digest_valid
            && s.signer_signature_valid
            && s.chain_trusted
            && s.microsoft_root
    });
    cs.signatures = infos;
}

/// The payload of the first WIN_CERTIFICATE (type PKCS_SIGNED_DATA,
/// revision 2.0 or 1.0) and the number of bytes after it that are not
/// alignment padding (at most 7 zero bytes). Windows reads only the first
/// entry; whatever follows is data hidden beside the signature.
fn win_certificates<'a>(
    data: &'a [u8],
    base: usize,
    errs: &mut Problems,
) -> (Option<&'a [u8]>, usize) {
    let (Some(len), Some(revision), Some(kind)) =
        (u32_at(data, 0), u16_at(data, 4), u16_at(data, 6))
    else {
        errs.push(format!(
            "certificate table at {base:#x}: {} bytes, too short for a WIN_CERTIFICATE header",
            data.len()
        ));
        return (None, 0);
    };
    let len = len as usize;
    if len < 8 || len > data.len() {
        errs.push(format!(
            "WIN_CERTIFICATE at {base:#x}: dwLength {len} does not fit the table ({} bytes)",
            data.len()
        ));
        return (None, 0);
    }
    if kind != 2 || !(revision == 0x200 || revision == 0x100) {
        errs.push(format!(
            "WIN_CERTIFICATE at {base:#x}: type {kind:#x} revision {revision:#x} is not PKCS signed data"
        ));
        return (None, 0);
    }
    (Some(&data[8..len]), hidden_bytes(&data[len..]))
}

/// Bytes of `rest` that are not alignment padding (up to 7 zero bytes).
fn hidden_bytes(rest: &[u8]) -> usize {
    if rest.len() > 7 || rest.iter().any(|&b| b != 0) {
        rest.len()
    } else {
        0
    }
}

/// Decodes the SignedData in `ci` and, recursively, nested signatures.
fn collect(ci: ContentInfo, depth: usize, out: &mut Vec<(usize, SignedData)>, errs: &mut Problems) {
    if out.len() >= MAX_NESTED {
        errs.push(format!(
            "more than MAX_NESTED ({MAX_NESTED}) signatures; rest ignored"
        ));
        return;
    }
    let sd = match ci.content.decode_as::<SignedData>() {
        Ok(sd) => sd,
        Err(e) => {
            errs.push(format!(
                "signature {}: SignedData does not decode: {e}",
                out.len()
            ));
            return;
        }
    };
    let nested: Vec<ContentInfo> = sd
        .signer_infos
        .0
        .iter()
        .flat_map(|si| si.unsigned_attrs.iter().flat_map(|a| a.iter()))
        .filter(|a| a.oid == OID_SPC_NESTED_SIGNATURE)
        .flat_map(|a| a.values.iter())
        .take(MAX_NESTED)
        .filter_map(|v| v.decode_as::<ContentInfo>().ok())
        .collect();
    out.push((depth, sd));
    for n in nested {
        collect(n, depth + 1, out, errs);
    }
}

/// Certificates of a signature's bag (at most [`MAX_CERTS`]).
fn bag(sd: &SignedData) -> Vec<&Certificate> {
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            _ => None,
        })
        .filter(|c| {
            c.encoded_len()
                .is_ok_and(|l| usize::try_from(l).is_ok_and(|l| l <= MAX_CERT_LEN))
        })
        .take(MAX_CERTS)
        .collect()
}

/// The bag certificate named by the signer identifier.
fn signer_cert<'c>(si: &SignerInfo, certs: &[&'c Certificate]) -> Option<&'c Certificate> {
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => certs.iter().copied().find(|c| {
            c.tbs_certificate.serial_number == ias.serial_number
                && c.tbs_certificate.issuer == ias.issuer
        }),
        SignerIdentifier::SubjectKeyIdentifier(ski) => certs.iter().copied().find(|c| {
            c.tbs_certificate.extensions.iter().flatten().any(|e| {
                e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER
                    && e.extn_value.as_bytes().ends_with(ski.0.as_bytes())
            })
        }),
    }
}

/// A distinguished name as RFC 4514 writes it (last RDN first, short
/// names for the usual attributes, dotted OIDs otherwise). Written here
/// because `Name`'s `Display` looks every OID up in a large table, which
/// showed up in profiles of signed-tree sweeps.
fn dn(name: &x509_cert::name::Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let short = match atv.oid.as_bytes() {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x0A] => "O",
                [0x55, 0x04, 0x0B] => "OU",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x05] => "SERIALNUMBER",
                [0x55, 0x04, 0x09] => "STREET",
                [0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x19] => "DC",
                [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01] => "E",
                _ => "",
            };
            if short.is_empty() {
                out.push_str(&atv.oid.to_string());
            } else {
                out.push_str(short);
            }
            out.push('=');
            let v = der_walk::any_text(&atv.value);
            let last = v.chars().count().saturating_sub(1);
            for (k, ch) in v.chars().enumerate() {
                let special = matches!(ch, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                    || (k == 0 && (ch == '#' || ch == ' '))
                    || (k == last && ch == ' ');
                if special {
                    out.push('\\');
                }
                out.push(ch);
            }
        }
    }
    out
}

/// First value of attribute `oid` in a distinguished name, as text.
fn name_attr(name: &x509_cert::name::Name, oid: ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .map(|atv| der_walk::any_text(&atv.value))
}

fn cert_info(c: &Certificate) -> CertInfo {
    let der = c.to_der().unwrap_or_default();
    CertInfo {
        subject: dn(&c.tbs_certificate.subject),
        issuer: dn(&c.tbs_certificate.issuer),
        serial_number: hex(c.tbs_certificate.serial_number.as_bytes()),
        not_before: c
            .tbs_certificate
            .validity
            .not_before
            .to_date_time()
            .to_string(),
        not_after: c
            .tbs_certificate
            .validity
            .not_after
            .to_date_time()
            .to_string(),
        thumbprint_sha1: digest::hex_digest("sha1", &der).unwrap_or_default(),
        thumbprint_sha256: digest::hex_digest("sha256", &der).unwrap_or_default(),
    }
}

/// Verifies one signature. `image_digests` caches the file's Authenticode
/// digest per algorithm (nested signatures usually repeat one).
fn verify_one(
    file: &[u8],
    layout: &Layout,
    table: &Range<usize>,
    depth: usize,
    sd: &SignedData,
    image_digests: &mut Vec<(String, Result<Vec<u8>, digest::DigestError>)>,
    extra: &[UserRoot],
) -> SignatureInfo {
    let mut s = SignatureInfo {
        depth,
        ..SignatureInfo::default()
    };
    let mut errs = Problems::new();
    verify_into(
        &mut s,
        &mut errs,
        file,
        layout,
        table,
        sd,
        image_digests,
        extra,
    );
    s.errors = errs.finish();
    s
}

/// [`verify_one`]'s checks, in order; problems go to `errs`.
#[allow(clippy::too_many_arguments)]
fn verify_into(
    s: &mut SignatureInfo,
    errs: &mut Problems,
    file: &[u8],
    layout: &Layout,
    table: &Range<usize>,
    sd: &SignedData,
    image_digests: &mut Vec<(String, Result<Vec<u8>, digest::DigestError>)>,
    extra: &[UserRoot],
) {
    let certs = bag(sd);
    s.certificates = certs.iter().map(|c| cert_info(c)).collect();
    // The signed content: SpcIndirectDataContent with the image digest.
    // `messageDigest` covers its value octets, without the SEQUENCE header.
    let Some(econtent) = sd.encap_content_info.econtent.as_ref() else {
        errs.push("SignedData has no encapsulated content");
        return;
    };
    let body = econtent.value();
    let content = econtent.to_der().unwrap_or_default();
    match der_walk::indirect_digest(&content) {
        Some((alg, digest)) => {
            s.digest_algorithm = digest::alg_name(&alg).to_string();
            s.signed_digest = hex(digest);
            let cached = image_digests.iter().find(|(a, _)| *a == s.digest_algorithm);
            let computed = match cached {
                Some((_, d)) => d.clone(),
                None => {
                    let d = digest::image_digest(&s.digest_algorithm, file, layout, table);
                    image_digests.push((s.digest_algorithm.clone(), d.clone()));
                    d
                }
            };
            match computed {
                Ok(c) => {
                    s.digest_valid = c == digest;
                    s.computed_digest = Some(hex(&c));
                }
                Err(digest::DigestError::TableNotAtEnd) => errs.push(format!(
                    "{} bytes follow the certificate table (it must end the file); image digest not computed",
                    file.len().saturating_sub(table.end)
                )),
                Err(digest::DigestError::Unreadable) => errs.push(format!(
                    "image digest with {} not computed (unknown algorithm or unreadable headers)",
                    s.digest_algorithm
                )),
            }
        }
        None => errs.push("SpcIndirectDataContent does not decode"),
    }
    let Some(si) = sd.signer_infos.0.get(0) else {
        errs.push("SignedData has no SignerInfo");
        return;
    };
    let si_alg = digest::alg_name(&si.digest_alg.oid);
    // messageDigest: hash of the SpcIndirectDataContent value (without its
    // own SEQUENCE header).
    let signed_attrs = si.signed_attrs.as_ref();
    let md_attr = signed_attrs
        .and_then(|a| a.iter().find(|a| a.oid == OID_MESSAGE_DIGEST))
        .and_then(|a| a.values.get(0))
        .map(|v| v.value().to_vec());
    match (md_attr, digest::digest(si_alg, body)) {
        (Some(md), Some(h)) => s.message_digest_valid = md == h,
        (None, _) => errs.push("SignerInfo has no messageDigest attribute"),
        (_, None) => errs.push(format!(
            "SignerInfo digest algorithm {si_alg} is not supported"
        )),
    }
    let signer = signer_cert(si, &certs);
    match signer {
        None => errs.push("signer certificate is not in the bag"),
        Some(c) => {
            s.signer = certs
                .iter()
                .position(|b| std::ptr::eq(*b, c))
                .map(|i| s.certificates[i].clone());
            match signed_attrs.map(|a| a.to_der()) {
                Some(Ok(attrs_der)) => {
                    match digest::verify_rsa(
                        &c.tbs_certificate.subject_public_key_info,
                        si_alg,
                        &attrs_der,
                        si.signature.as_bytes(),
                    ) {
                        Ok(ok) => s.signer_signature_valid = ok,
                        Err(e) => errs.push(format!("signer signature: {e}")),
                    }
                }
                Some(Err(e)) => errs.push(format!("signed attributes do not re-encode: {e}")),
                None => errs.push("SignerInfo has no signed attributes"),
            }
        }
    }
    // Timestamp.
    if let Some((t, kind)) = timestamp(si) {
        s.timestamp = Some(t.to_string());
        s.timestamp_kind = Some(kind);
        chain(signer, &certs, Some(t), extra, s, errs);
    } else {
        chain(signer, &certs, None, extra, s, errs);
    }
}

/// Countersignature time of `si`: RFC 3161 token or PKCS #9 countersignature.
fn timestamp(si: &SignerInfo) -> Option<(der::DateTime, &'static str)> {
    for a in si.unsigned_attrs.iter().flat_map(|a| a.iter()) {
        let Some(v) = a.values.get(0) else { continue };
        if a.oid == OID_MS_RFC3161_TIMESTAMP {
            // Walked by hand: time-stamp tokens often repeat a certificate
            // in their bag, which the strict SET OF decoder refuses.
            let token = v.to_der().ok()?;
            let tst = der_walk::rfc3161_tst_info(&token, &OID_TST_INFO)?;
            return der_walk::tst_gen_time(tst).map(|t| (t, "rfc3161"));
        }
        if a.oid == OID_COUNTERSIGNATURE {
            let cs = v.decode_as::<SignerInfo>().ok()?;
            let t = cs
                .signed_attrs
                .iter()
                .flat_map(|a| a.iter())
                .find(|a| a.oid == OID_SIGNING_TIME)
                .and_then(|a| a.values.get(0))
                .and_then(|v| x509_cert::time::Time::from_der(&v.to_der().ok()?).ok())?;
            return Some((t.to_date_time(), "pkcs9"));
        }
    }
    None
}

/// Extension OIDs (DER content bytes) a chain certificate may mark
/// critical: the RFC 5280 ones a code-signing chain uses. Anything else
/// critical (Microsoft's Terminal Server licensing "Hydra" extension, for
/// one) makes the certificate unusable, as in Windows.
const KNOWN_CRITICAL: &[&[u8]] = &[
    &[0x55, 0x1D, 0x13], // basicConstraints
    &[0x55, 0x1D, 0x0F], // keyUsage
    &[0x55, 0x1D, 0x25], // extKeyUsage
    &[0x55, 0x1D, 0x20], // certificatePolicies
    &[0x55, 0x1D, 0x11], // subjectAltName
    &[0x55, 0x1D, 0x1E], // nameConstraints
    &[0x55, 0x1D, 0x24], // policyConstraints
    &[0x55, 0x1D, 0x36], // inhibitAnyPolicy
    &[0x55, 0x1D, 0x23], // authorityKeyIdentifier
    &[0x55, 0x1D, 0x0E], // subjectKeyIdentifier
];
const OID_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const OID_ANY_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// Extension `oid` of `c`, if present.
fn extension<'c>(c: &'c Certificate, oid: &[u8]) -> Option<&'c x509_cert::ext::Extension> {
    c.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id.as_bytes() == oid)
}

/// Why `c` may not appear in a chain at all, if it may not.
fn unusable(c: &Certificate) -> Option<String> {
    let bad = c
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.critical && !KNOWN_CRITICAL.contains(&e.extn_id.as_bytes()))?;
    Some(format!(
        "certificate {} has an unknown critical extension {}",
        dn(&c.tbs_certificate.subject),
        bad.extn_id
    ))
}

/// `c` may issue certificates: basicConstraints with cA set.
fn is_ca(c: &Certificate) -> bool {
    extension(c, &[0x55, 0x1D, 0x13])
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|bc| bc.ca)
}

/// `c` may sign code: no extKeyUsage, or one listing code signing (or any).
fn may_sign_code(c: &Certificate) -> bool {
    match extension(c, &[0x55, 0x1D, 0x25]) {
        None => true,
        Some(e) => x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
            .is_ok_and(|eku| {
                eku.0
                    .iter()
                    .any(|o| *o == OID_CODE_SIGNING || *o == OID_ANY_EKU)
            }),
    }
}

/// Builds and verifies the chain from `signer` to an embedded root.
/// Issuers taken from the bag must be CAs; no certificate may carry an
/// unknown critical extension; the signer must be allowed to sign code.
fn chain(
    signer: Option<&Certificate>,
    certs: &[&Certificate],
    at: Option<der::DateTime>,
    extra: &[UserRoot],
    s: &mut SignatureInfo,
    errs: &mut Problems,
) {
    let Some(mut cur) = signer else { return };
    let valid_at = |c: &Certificate, t: der::DateTime| {
        let v = &c.tbs_certificate.validity;
        v.not_before.to_date_time() <= t && t <= v.not_after.to_date_time()
    };
    s.chain.push(dn(&cur.tbs_certificate.subject));
    if !may_sign_code(cur) {
        errs.push(format!(
            "signer {} is not allowed to sign code (extKeyUsage lacks codeSigning)",
            dn(&cur.tbs_certificate.subject)
        ));
        return;
    }
    for _ in 0..MAX_CHAIN {
        if let Some(why) = unusable(cur) {
            errs.push(why);
            return;
        }
        if let Some(t) = at {
            if !valid_at(cur, t) {
                errs.push(format!(
                    "certificate {} is not valid at the timestamp {t}",
                    dn(&cur.tbs_certificate.subject)
                ));
                return;
            }
        }
        // An embedded root that signed `cur` ends the chain, trusted.
        // A trust anchor (embedded, then `--trust-root`) that signed `cur`
        // ends the chain, trusted: (name, certificate, microsoft, user).
        let anchors = roots::ROOTS
            .iter()
            .filter_map(|r| Some((r.name, r.certificate()?, r.microsoft, false)))
            .chain(
                extra
                    .iter()
                    .map(|u| (u.name.as_str(), &u.cert, false, true)),
            );
        for (name, rc, microsoft, user) in anchors {
            if rc.tbs_certificate.subject == cur.tbs_certificate.issuer
                && at.is_none_or(|t| valid_at(rc, t))
                && digest::verify_cert(cur, &rc.tbs_certificate.subject_public_key_info)
            {
                s.chain_trusted = true;
                s.trusted_root = Some(if user {
                    format!("{name} (--trust-root)")
                } else {
                    name.to_string()
                });
                s.microsoft_root = microsoft;
                s.chain.push(name.to_string());
                return;
            }
        }
        if cur.tbs_certificate.subject == cur.tbs_certificate.issuer {
            errs.push(format!(
                "chain ends at self-signed {} which is not an embedded root",
                dn(&cur.tbs_certificate.subject)
            ));
            return;
        }
        let next = certs.iter().copied().find(|c| {
            !std::ptr::eq(*c, cur)
                && c.tbs_certificate.subject == cur.tbs_certificate.issuer
                && is_ca(c)
                && digest::verify_cert(cur, &c.tbs_certificate.subject_public_key_info)
        });
        match next {
            Some(n) => {
                cur = n;
                s.chain.push(dn(&cur.tbs_certificate.subject));
            }
            None => {
                errs.push(format!(
                    "no verifiable issuer for {} (issuer {}) in the bag or the embedded roots",
                    dn(&cur.tbs_certificate.subject),
                    dn(&cur.tbs_certificate.issuer)
                ));
                return;
            }
        }
    }
    errs.push(format!("chain longer than MAX_CHAIN ({MAX_CHAIN})"));
}

#[cfg(test)]
mod tests;
