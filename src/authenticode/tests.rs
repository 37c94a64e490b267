use super::roots::ROOTS;
use super::*;

#[test]
fn roots_match_their_pins_and_decode() {
    for r in ROOTS.iter() {
        assert_eq!(
            digest::hex_digest("sha256", r.der).as_deref(),
            Some(r.sha256),
            "{}",
            r.file
        );
        let c = r
            .certificate()
            .unwrap_or_else(|| panic!("{} does not decode", r.file));
        assert_eq!(
            name_attr(&c.tbs_certificate.subject, OID_CN).as_deref(),
            Some(r.name)
        );
        // Each root is self-signed and its own key verifies it, except the
        // 1997 root: its self-signature is MD5, which is refused.
        let md5 = r.file == "microsoft_root_authority_1997.der";
        assert_eq!(
            digest::verify_cert(c, &c.tbs_certificate.subject_public_key_info),
            !md5,
            "{}",
            r.file
        );
        assert!(md5 || is_ca(c), "{} is not a CA", r.file);
    }
}

/// The certificate table at `table` of `file`, with no PE headers around it.
fn check(file: &[u8], table: std::ops::Range<usize>) -> CodeSignature {
    check_table(file, &Layout::default(), table, &[])
}

#[test]
fn hostile_tables_give_reasons() {
    let file = vec![0u8; 64];
    // past end of file
    let cs = check(&file, 32..4096);
    assert!(!cs.signed);
    assert!(
        cs.errors[0].contains("runs past end of file"),
        "{:?}",
        cs.errors
    );
    // too short for a header
    let cs = check(&file, 60..64);
    assert!(
        cs.errors.iter().any(|e| e.contains("too short")),
        "{:?}",
        cs.errors
    );
    // dwLength lies
    let mut f = file.clone();
    f[32..36].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    let cs = check(&f, 32..64);
    assert!(
        cs.errors.iter().any(|e| e.contains("dwLength")),
        "{:?}",
        cs.errors
    );
    // right header, garbage PKCS #7
    let mut f = file.clone();
    f[32..36].copy_from_slice(&32u32.to_le_bytes());
    f[36..38].copy_from_slice(&0x200u16.to_le_bytes());
    f[38..40].copy_from_slice(&2u16.to_le_bytes());
    f[40..64].fill(0x30);
    let cs = check(&f, 32..64);
    assert!(!cs.signed);
    assert!(
        cs.errors.iter().any(|e| e.contains("ContentInfo")),
        "{:?}",
        cs.errors
    );
    assert_eq!(cs.status(), "unparsable");
}

/// Constraint checks on the throwaway certificates of the signed samples.
#[test]
fn ca_and_code_signing_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/signed");
    let root = load_roots(&[dir.join("throwaway_root.pem")]).unwrap();
    assert!(is_ca(&root[0].cert));
    assert!(unusable(&root[0].cert).is_none());
    let leaf = load_roots(&[dir.join("throwaway_selfsigned.pem")]).unwrap();
    assert!(!is_ca(&leaf[0].cert), "the self-signed leaf has cA=FALSE");
    assert!(may_sign_code(&leaf[0].cert));
}
