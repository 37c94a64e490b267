//! Authenticode against real Microsoft-signed DLLs: the PyPI wheel
//! `msvc-runtime` (fetched by `tests/authenticode/fetch_msvc_runtime.sh`,
//! which `.ci/run` runs; not committed), plus the synthetic signed samples
//! under `samples-synthetic/signed/` seen from every angle the manifest
//! does not cover (inspect, globals, the `--no-authenticode` switch).

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const MSVC_DIR: &str = "/tmp/iisweep-msvc-runtime";

fn scan(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["scan", "--format", "ndjson", "--report-all"];
    all.extend_from_slice(args);
    common::file_records(&common::iisweep(all))
}

fn signed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic/signed")
}

#[test]
fn msvc_runtime_dlls_are_microsoft_signed() {
    let dir = Path::new(MSVC_DIR);
    let dlls = common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dll"))
        .collect::<Vec<_>>();
    if !common::prerequisite(
        dlls.len() >= 10,
        "msvc-runtime DLLs (bash tests/authenticode/fetch_msvc_runtime.sh)",
    ) {
        return;
    }
    let recs = scan(&[MSVC_DIR]);
    let mut checked = 0;
    for r in recs.iter().filter(|r| r["iisweep"]["is_pe"] == true) {
        let path = r["file"]["path"].as_str().unwrap();
        let cs = &r["iisweep"]["code_signature"];
        assert_eq!(cs["signed"], true, "{path}: {cs}");
        assert_eq!(cs["digest_valid"], true, "{path}: {cs}");
        assert_eq!(cs["signature_valid"], true, "{path}: {cs}");
        assert_eq!(cs["chain_trusted"], true, "{path}: {cs}");
        assert_eq!(cs["microsoft_signed"], true, "{path}: {cs}");
        assert_eq!(
            cs["trusted_root"], "Microsoft Root Certificate Authority 2011",
            "{path}"
        );
        assert_eq!(
            cs["signer"]["organization"], "Microsoft Corporation",
            "{path}"
        );
        let ecs = &r["file"]["code_signature"];
        assert_eq!(ecs["status"], "trusted", "{path}");
        assert_eq!(ecs["valid"], true, "{path}");
        assert_eq!(ecs["digest_algorithm"], "sha256", "{path}");
        assert!(
            ecs["timestamp"]
                .as_str()
                .is_some_and(|t| t.starts_with("20")),
            "{path}"
        );
        // Two signatures (primary + nested), each verified to Root 2011.
        let sigs = cs["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), 2, "{path}");
        for s in sigs {
            assert_eq!(s["chain_trusted"], true, "{path}: {s}");
            assert_eq!(s["microsoft_root"], true, "{path}: {s}");
            assert_eq!(s["timestamp_kind"], "rfc3161", "{path}: {s}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} msvc-runtime DLLs checked");
}

/// The same bytes with one byte changed in a section: the digest no longer
/// matches, the signer signature still does, nothing is Microsoft-signed.
#[test]
fn tampering_a_microsoft_dll_is_detected() {
    let src = Path::new(MSVC_DIR).join("vcruntime140.dll");
    if !common::prerequisite(src.exists(), "msvc-runtime vcruntime140.dll") {
        return;
    }
    let mut b = std::fs::read(&src).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    b[0x1200] ^= 0x01; // inside .text
    let p = tmp.path().join("vcruntime140.dll");
    std::fs::write(&p, &b).unwrap();
    let r = &scan(&[p.to_str().unwrap()])[0];
    let cs = &r["iisweep"]["code_signature"];
    assert_eq!(cs["digest_valid"], false, "{cs}");
    assert_eq!(cs["signature_valid"], true, "{cs}");
    assert_eq!(cs["microsoft_signed"], false, "{cs}");
    assert_eq!(r["file"]["code_signature"]["status"], "digest_mismatch");
}

#[test]
fn inspect_explains_signatures_and_the_switch_turns_them_off() {
    let f = signed_dir().join("fake_microsoft_fullchain.dll");
    let out = common::iisweep(["inspect".as_ref(), f.as_os_str()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("signature   untrusted_root   microsoft_signed=false"),
        "{text}"
    );
    assert!(text.contains("is not an embedded root"), "{text}");
    assert!(text.contains("heur_fake_microsoft_signer"), "{text}");

    let off = scan(&["--no-authenticode", f.to_str().unwrap()]);
    assert!(off[0]["iisweep"].get("code_signature").is_none());
    assert_eq!(off[0]["file"]["code_signature"]["exists"], true);
    // Without verification the globals read false: no fake-signer finding.
    let fired: Vec<&str> = off[0]["iisweep"]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["rule"].as_str())
        .collect();
    assert!(!fired.contains(&"heur_fake_microsoft_signer"), "{fired:?}");
}

/// `--trust-root` makes a throwaway chain trusted (never Microsoft), and a
/// bag certificate that copies a trusted root's name still does not count.
#[test]
fn trust_root_adds_an_anchor() {
    let dir = signed_dir();
    let root = dir.join("throwaway_root.pem");
    let selfsigned = dir.join("throwaway_selfsigned.pem");
    let recs = scan(&[
        "--trust-root",
        root.to_str().unwrap(),
        "--trust-root",
        selfsigned.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    let by_name = |n: &str| {
        recs.iter()
            .find(|r| r["file"]["name"] == n)
            .unwrap_or_else(|| panic!("{n} not reported"))
    };
    for n in ["chained.dll", "timestamped.dll", "selfsigned.dll"] {
        let cs = &by_name(n)["iisweep"]["code_signature"];
        assert_eq!(cs["chain_trusted"], true, "{n}: {cs}");
        assert_eq!(cs["microsoft_signed"], false, "{n}: {cs}");
        assert!(
            cs["trusted_root"]
                .as_str()
                .unwrap()
                .ends_with("(--trust-root)"),
            "{n}: {cs}"
        );
        assert_eq!(
            by_name(n)["file"]["code_signature"]["status"],
            "trusted",
            "{n}"
        );
    }
    // Tampered: the chain is fine, the digest is not.
    let t = &by_name("tampered.dll")["iisweep"]["code_signature"];
    assert_eq!(t["chain_trusted"], false, "{t}");
    assert_eq!(t["signatures"][0]["chain_trusted"], true, "{t}");
    // The fake Microsoft chains stay untrusted.
    for n in ["fake_microsoft.dll", "fake_microsoft_fullchain.dll"] {
        let cs = &by_name(n)["iisweep"]["code_signature"];
        assert_eq!(cs["chain_trusted"], false, "{n}: {cs}");
    }
    // A file that is not a certificate is a fatal error with the file named.
    let manifest = dir.join("manifest.json");
    let out = common::iisweep([
        "scan".as_ref(),
        "--trust-root".as_ref(),
        manifest.as_os_str(),
        dir.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--trust-root") && err.contains("manifest.json"),
        "{err}"
    );
}

/// CVE-2013-3900, as in the 3CX attack: data appended inside the
/// certificate table of a genuine Microsoft-signed DLL leaves the image
/// digest intact (the table is outside it) but must not stay
/// "Microsoft-signed".
#[test]
fn data_hidden_in_the_certificate_table_voids_the_signature() {
    let src = Path::new(MSVC_DIR).join("vcruntime140.dll");
    if !common::prerequisite(src.exists(), "msvc-runtime vcruntime140.dll") {
        return;
    }
    let mut b = std::fs::read(&src).unwrap();
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let opt = u32_at(&b, 0x3C) as usize + 24;
    assert_eq!(u16::from_le_bytes([b[opt], b[opt + 1]]), 0x20B, "PE32+");
    let secdir = opt + 112 + 4 * 8;
    let (off, size) = (u32_at(&b, secdir) as usize, u32_at(&b, secdir + 4) as usize);
    assert_eq!(off + size, b.len(), "certificate table ends the file");
    let payload = [0x41u8; 64];
    let dw = u32_at(&b, off) + 64;
    b[off..off + 4].copy_from_slice(&dw.to_le_bytes());
    b[secdir + 4..secdir + 8].copy_from_slice(&((size + 64) as u32).to_le_bytes());
    b.extend_from_slice(&payload);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("vcruntime140.dll");
    std::fs::write(&p, &b).unwrap();
    let r = &scan(&[p.to_str().unwrap()])[0];
    let cs = &r["iisweep"]["code_signature"];
    assert_eq!(cs["microsoft_signed"], false, "{cs}");
    assert_eq!(cs["digest_valid"], false, "{cs}");
    assert!(cs["errors"].to_string().contains("CVE-2013-3900"), "{cs}");
}
