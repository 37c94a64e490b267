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
