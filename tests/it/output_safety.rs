//! Names that come from a file never reach a terminal raw: samples patched
//! in place so a field carries control bytes, checked in every printer
//! that shows it.

use crate::common::{iisweep, samples_root};

/// `data` with `from` replaced by `to` (same length) everywhere.
fn patch(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = data.to_vec();
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = out[i..].windows(from.len()).position(|w| w == from) {
        out[i + p..i + p + from.len()].copy_from_slice(to);
        i += p + from.len();
        n += 1;
    }
    assert!(n > 0, "{:?} not found", String::from_utf8_lossy(from));
    out
}

/// A .NET `HttpApplication` event name (from the hostile `#Strings` heap)
/// that sets the terminal title: `inspect` and the table show it escaped.
#[test]
fn dotnet_event_names_are_escaped() {
    let data = std::fs::read(samples_root().join("dotnet/DirectModule.dll")).unwrap();
    let evil = patch(&data, b"add_BeginRequest", b"add_\x1b]0;pwn!\x07qst");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil_events.dll");
    std::fs::write(&f, evil).unwrap();
    let out = iisweep(["inspect".as_ref(), f.as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("HttpApplication events:"), "{text}");
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "{text}"
    );
    assert!(text.contains("add_\\x1b]0;pwn!\\x07qst"), "{text}");
    let out = iisweep(["scan".as_ref(), f.as_os_str()]);
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
}

/// `inspect` labels longer than their column keep a space before the value.
#[test]
fn inspect_labels_never_run_into_values() {
    let out = iisweep([
        "inspect".as_ref(),
        samples_root().join("native/x64/rich.dll").as_os_str(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    for label in ["original name ", "internal name ", "file version "] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "no line starts with {label:?}:\n{text}"
        );
    }
    assert!(!text.contains("entropy -0.000"), "{text}");
}

/// UTF-16LE bytes of an ASCII string (version resources, `#US`).
fn wide(s: &[u8]) -> Vec<u8> {
    s.iter().flat_map(|&b| [b, 0]).collect()
}

/// UTF-16LE code units of any string.
fn wide_str(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// Control bytes that act on a terminal: ESC, BEL, C1 CSI (raw or as
/// UTF-8), and the UTF-8 of a right-to-left override, the raw bytes of the
/// patches below.
fn raw_controls(out: &[u8]) -> bool {
    out.iter().any(|&b| matches!(b, 0x1b | 0x07 | 0x9b))
        || out.windows(2).any(|w| w == [0xc2, 0x9b])
        || out.windows(3).any(|w| w == [0xe2, 0x80, 0xae])
}

/// Every field a file controls, patched to carry terminal escapes, in every
/// printer: the text of `inspect` shows each field escaped (so the field is
/// really printed), and `inspect`, the table, NDJSON and JSON never carry a
/// raw control byte.
#[test]
fn every_file_field_is_escaped_in_every_printer() {
    let dir = tempfile::tempdir().unwrap();
    let rich = std::fs::read(samples_root().join("native/x64/rich.dll")).unwrap();
    let direct = std::fs::read(samples_root().join("dotnet/DirectModule.dll")).unwrap();
    let chained = std::fs::read(samples_root().join("signed/chained.dll")).unwrap();
    // (field, file name, bytes, what inspect must show for it)
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "PDB path",
            "pdb.dll",
            patch(&rich, b"IISRich", b"\x1b[2Jxyz"),
            "C:\\build\\\\x1b[2Jxyz",
        ),
        (
            "export DLL name",
            "dllname.dll",
            patch(&rich, b"richmod.dll", b"ric\x1b]0;x\x07.d"),
            "ric\\x1b]0;x\\x07.d",
        ),
        (
            "version string",
            "version.dll",
            patch(&rich, &wide(b"Synthetic"), &wide(b"\x1b]0;pwn!\x07")),
            "\\x1b]0;pwn!\\x07 Samples Ltd",
        ),
        (
            "version string with a C1 CSI",
            "version_c1.dll",
            patch(&rich, &wide(b"Synthetic"), &wide_str("Synth\u{9b}2Jc")),
            "Synth\\u{9b}2Jc Samples Ltd",
        ),
        (
            "version string with a right-to-left override",
            "version_bidi.dll",
            patch(&rich, &wide(b"Synthetic"), &wide_str("Syn\u{202e}cihte")),
            "Syn\\u{202e}cihte Samples Ltd",
        ),
        (
            "section name",
            "section.dll",
            patch(&rich, b".buildid", b".b\x1b[5mid"),
            ".b\\x1b[5mid",
        ),
        (
            "import DLL name",
            "import.dll",
            patch(&rich, b"oleaut32.dll", b"ol\x1b[2J32.dll"),
            "ol\\x1b[2J32.dll",
        ),
        (
            ".NET type and assembly names",
            "dotnet.dll",
            patch(&direct, b"DirectModule", b"Dir\x1b]0;x\x07ule"),
            "Dir\\x1b]0;x\\x07ule",
        ),
        (
            "certificate subject",
            "cert.dll",
            patch(&chained, b"chained signer", b"c\x1b]0;x\x07 signer"),
            "c\\x1b]0\\;x\\x07 signer",
        ),
    ];
    for (field, name, bytes, shown) in &cases {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        let out = iisweep(["inspect".as_ref(), f.as_os_str()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(shown),
            "{field}: inspect lacks {shown:?}:\n{text}"
        );
        assert!(!raw_controls(&out.stdout), "{field}: inspect:\n{text}");
        assert!(!raw_controls(&out.stderr), "{field}: inspect stderr");
        for format in ["table", "ndjson", "json"] {
            let out = iisweep([
                "scan".as_ref(),
                "--format".as_ref(),
                format.as_ref(),
                f.as_os_str(),
            ]);
            assert!(
                !raw_controls(&out.stdout) && !raw_controls(&out.stderr),
                "{field}: scan --format {format}:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
    // A user rule whose match data is the escape itself: the match excerpt
    // is escaped too.
    let rule = dir.path().join("esc.yar");
    std::fs::write(
        &rule,
        "rule esc { strings: $e = { 1b 5b 32 4a } condition: $e }\n",
    )
    .unwrap();
    let f = dir.path().join("pdb.dll");
    for cmd in ["inspect", "scan"] {
        let out = iisweep([
            cmd.as_ref(),
            "--rules".as_ref(),
            rule.as_os_str(),
            f.as_os_str(),
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("esc"), "{cmd}: rule did not match:\n{text}");
        assert!(!raw_controls(&out.stdout), "{cmd} --rules:\n{text}");
    }
}
