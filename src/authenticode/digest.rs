//! Hashes and RSA verification for Authenticode: the image digest of a PE
//! file, digests by algorithm name, PKCS #1 v1.5 signature checks.
//!
//! Error policy: unknown algorithms and unreadable layouts give `None` or
//! `Err(message)`; nothing panics.

use std::collections::HashMap;
use std::sync::Mutex;

use const_oid::ObjectIdentifier;
use md5::Digest as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use crate::pe::Layout;
use crate::util::hex;

/// `ObjectIdentifier` from its dotted form, at compile time.
const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
/// (digest OID, `*WithRSAEncryption` OID, name). Some signers put the
/// `*WithRSAEncryption` OID in `digestAlgorithm`; both are accepted.
const DIGESTS: &[(ObjectIdentifier, ObjectIdentifier, &str)] = &[
    (oid("1.3.14.3.2.26"), oid("1.2.840.113549.1.1.5"), "sha1"),
    (
        oid("2.16.840.1.101.3.4.2.1"),
        oid("1.2.840.113549.1.1.11"),
        "sha256",
    ),
    (
        oid("2.16.840.1.101.3.4.2.2"),
        oid("1.2.840.113549.1.1.12"),
        "sha384",
    ),
    (
        oid("2.16.840.1.101.3.4.2.3"),
        oid("1.2.840.113549.1.1.13"),
        "sha512",
    ),
    (
        oid("1.2.840.113549.2.5"),
        oid("1.2.840.113549.1.1.4"),
        "md5",
    ),
];

/// Name of a digest algorithm OID (plain or `*WithRSAEncryption`).
pub(super) fn alg_name(o: &ObjectIdentifier) -> &'static str {
    DIGESTS
        .iter()
        .find(|(d, r, _)| d == o || r == o)
        .map_or("unknown", |&(_, _, n)| n)
}

/// One running hash of a supported algorithm.
enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(alg: &str) -> Option<Self> {
        Some(match alg {
            "md5" => Hasher::Md5(md5::Md5::new()),
            "sha1" => Hasher::Sha1(sha1::Digest::new()),
            "sha256" => Hasher::Sha256(sha2::Digest::new()),
            "sha384" => Hasher::Sha384(sha2::Digest::new()),
            "sha512" => Hasher::Sha512(sha2::Digest::new()),
            _ => return None,
        })
    }

    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(b),
            Hasher::Sha1(h) => sha1::Digest::update(h, b),
            Hasher::Sha256(h) => sha2::Digest::update(h, b),
            Hasher::Sha384(h) => sha2::Digest::update(h, b),
            Hasher::Sha512(h) => sha2::Digest::update(h, b),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => sha1::Digest::finalize(h).to_vec(),
            Hasher::Sha256(h) => sha2::Digest::finalize(h).to_vec(),
            Hasher::Sha384(h) => sha2::Digest::finalize(h).to_vec(),
            Hasher::Sha512(h) => sha2::Digest::finalize(h).to_vec(),
        }
    }
}

/// Digest of `data` with algorithm `alg` (`None` when unsupported).
pub(super) fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    let mut h = Hasher::new(alg)?;
    h.update(data);
    Some(h.finish())
}

/// Hex digest of `data`.
pub(super) fn hex_digest(alg: &str, data: &[u8]) -> Option<String> {
    digest(alg, data).map(|d| hex(&d))
}

/// Why an image digest could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DigestError {
    /// Data follows the certificate table, which must end the file.
    TableNotAtEnd,
    /// The algorithm is not supported, or the headers or section table
    /// cannot be laid out as the specification requires.
    Unreadable,
}

/// The file ranges the Authenticode image digest covers, in order, as the
/// Authenticode specification lays them out: the headers without the
/// checksum and the security directory entry, each section's raw data
/// sorted by file offset, then the data after the last section up to the
/// certificate table (`table`), which must end the file.
pub(super) fn image_ranges(
    file_len: usize,
    layout: &Layout,
    table: &std::ops::Range<usize>,
) -> Result<Vec<std::ops::Range<usize>>, DigestError> {
    use DigestError::*;
    if table.end != file_len {
        return Err(TableNotAtEnd);
    }
    let opt = layout.optional.as_ref().ok_or(Unreadable)?;
    let secdir = layout.security_directory_offset().ok_or(Unreadable)?;
    let checksum = opt.checksum_offset;
    let headers = opt.size_of_headers as usize;
    if !(checksum + 4 <= secdir && secdir + 8 <= headers && headers <= file_len) {
        return Err(Unreadable);
    }
    let mut r = vec![0..checksum, checksum + 4..secdir, secdir + 8..headers];
    let mut sections: Vec<(usize, usize)> = layout
        .sections
        .iter()
        .filter(|s| s.size_of_raw_data != 0)
        .map(|s| (s.pointer_to_raw_data as usize, s.size_of_raw_data as usize))
        .collect();
    sections.sort_unstable();
    let mut hashed = headers;
    for (p, s) in sections {
        let end = p.checked_add(s).ok_or(Unreadable)?;
        if end > file_len {
            return Err(Unreadable);
        }
        r.push(p..end);
        hashed = hashed.checked_add(s).ok_or(Unreadable)?;
    }
    if table.start > hashed {
        r.push(hashed..table.start);
    }
    Ok(r)
}

/// Authenticode image digest of `file` with `alg`.
pub(super) fn image_digest(
    alg: &str,
    file: &[u8],
    layout: &Layout,
    table: &std::ops::Range<usize>,
) -> Result<Vec<u8>, DigestError> {
    let mut h = Hasher::new(alg).ok_or(DigestError::Unreadable)?;
    for r in image_ranges(file.len(), layout, table)? {
        h.update(file.get(r).ok_or(DigestError::Unreadable)?);
    }
    Ok(h.finish())
}

/// DER `DigestInfo` prefix of a PKCS #1 v1.5 signature per algorithm.
fn digest_info_prefix(alg: &str) -> Option<&'static [u8]> {
    Some(match alg {
        "sha1" => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        "sha256" => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        "sha384" => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        "sha512" => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
        _ => return None,
    })
}

/// Verifies an RSA PKCS #1 v1.5 `signature` over `data` hashed with `alg`.
/// `Ok(false)`: the signature does not verify; `Err`: it cannot be checked.
pub(super) fn verify_rsa(
    key: &SubjectPublicKeyInfoOwned,
    alg: &str,
    data: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    if key.algorithm.oid != RSA_ENCRYPTION {
        return Err(format!(
            "key algorithm {} is not supported (RSA only)",
            key.algorithm.oid
        ));
    }
    // MD5 is refused (collisions: Flame's forged Microsoft certificate).
    let Some(prefix) = digest_info_prefix(alg) else {
        return Err(format!("digest algorithm {alg} is not supported"));
    };
    // 4096-bit keys are the largest in use; larger ones only cost time.
    if key.subject_public_key.raw_bytes().len() > 600 {
        return Err("RSA key larger than 4096 bits".into());
    }
    let key = rsa::RsaPublicKey::from_pkcs1_der(key.subject_public_key.raw_bytes())
        .map_err(|e| format!("RSA public key does not decode: {e}"))?;
    let hashed = digest(alg, data).ok_or_else(|| format!("digest {alg} unsupported"))?;
    let scheme = rsa::Pkcs1v15Sign {
        hash_len: Some(hashed.len()),
        prefix: prefix.into(),
    };
    Ok(key.verify(scheme, &hashed, signature).is_ok())
}

/// Hash algorithm of an RSA certificate signature algorithm OID (MD5 and
/// unknown algorithms give `None`: the link does not verify).
fn cert_sig_alg(o: &ObjectIdentifier) -> Option<&'static str> {
    if *o == oid("1.3.14.3.2.29") {
        return Some("sha1"); // sha1WithRSASignature (OIW)
    }
    DIGESTS
        .iter()
        .find(|(_, r, n)| r == o && *n != "md5")
        .map(|&(_, _, n)| n)
}

/// Certificate links already verified, keyed by SHA-256 over the child's
/// signed part, its signature and the issuer key. A sweep meets the same
/// intermediates (and often the same leaves) in file after file; an RSA
/// verification costs far more than the key.
static LINKS: Mutex<Option<HashMap<[u8; 32], bool>>> = Mutex::new(None);
/// Entries kept in [`LINKS`]; the cache is emptied when full.
const MAX_CACHED_LINKS: usize = 4096;

/// True when `issuer_key` verifies `child`'s signature over its TBS part.
pub(super) fn verify_cert(child: &Certificate, issuer_key: &SubjectPublicKeyInfoOwned) -> bool {
    use der::Encode;
    let Some(alg) = cert_sig_alg(&child.signature_algorithm.oid) else {
        return false;
    };
    let (Ok(tbs), Ok(key_der)) = (child.tbs_certificate.to_der(), issuer_key.to_der()) else {
        return false;
    };
    let Some(sig) = child.signature.as_bytes() else {
        return false;
    };
    let mut h = sha2::Sha256::new();
    sha2::Digest::update(&mut h, (tbs.len() as u64).to_le_bytes());
    sha2::Digest::update(&mut h, &tbs);
    sha2::Digest::update(&mut h, (sig.len() as u64).to_le_bytes());
    sha2::Digest::update(&mut h, sig);
    sha2::Digest::update(&mut h, &key_der);
    let key: [u8; 32] = sha2::Digest::finalize(h).into();
    let cached = LINKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(&key).copied());
    if let Some(v) = cached {
        return v;
    }
    let v = verify_rsa(issuer_key, alg, &tbs, sig).unwrap_or(false);
    let mut guard = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if map.len() >= MAX_CACHED_LINKS {
        map.clear();
    }
    map.insert(key, v);
    v
}
