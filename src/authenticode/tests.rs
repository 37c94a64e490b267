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
        // 1997 root whose self-signature is MD5 (still verifiable here).
        assert!(
            digest::verify_cert(c, &c.tbs_certificate.subject_public_key_info),
            "{}",
            r.file
        );
    }
}

fn layout(table: std::ops::Range<usize>) -> Layout {
    Layout {
        sections: Vec::new(),
        cert_table: table,
    }
}

#[test]
fn hostile_tables_give_reasons() {
    let file = vec![0u8; 64];
    // past end of file
    let cs = check(&file, &layout(32..4096));
    assert!(!cs.signed);
    assert!(
        cs.errors[0].contains("runs past end of file"),
        "{:?}",
        cs.errors
    );
    // too short for a header
    let cs = check(&file, &layout(60..64));
    assert!(
        cs.errors.iter().any(|e| e.contains("too short")),
        "{:?}",
        cs.errors
    );
    // dwLength lies
    let mut f = file.clone();
    f[32..36].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    let cs = check(&f, &layout(32..64));
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
    let cs = check(&f, &layout(32..64));
    assert!(!cs.signed);
    assert!(
        cs.errors.iter().any(|e| e.contains("ContentInfo")),
        "{:?}",
        cs.errors
    );
    assert_eq!(cs.status(), "unparsable");
}
