//! Differential test: iisweep's ECMA-335 reader against dnfile (PyPI) over
//! the .NET samples and every assembly under Debian mono's
//! `/usr/lib/mono/4.5/`. TypeDef and TypeRef names, InterfaceImpl pairs,
//! MemberRef names and AssemblyRef names must agree for every file dnfile
//! reads cleanly. Naming conventions are in `tests/diff/dotnet_reference.py`.

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

const MONO_DIR: &str = "/usr/lib/mono/4.5";

fn ours(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let opts = iisweep::AnalyzeOptions {
        dotnet_tables: true,
        ..Default::default()
    };
    let a = iisweep::analyze_bytes(&bytes, &opts);
    let Some(info) = a.dotnet else {
        return json!({"dotnet": false});
    };
    let impls: Vec<[&str; 2]> = info
        .type_defs
        .iter()
        .flat_map(|t| {
            t.interfaces
                .iter()
                .map(move |i| [t.full_name.as_str(), i.as_str()])
        })
        .collect();
    json!({
        "typedefs": info.type_defs.iter().map(|t| t.full_name.as_str()).collect::<Vec<_>>(),
        "typerefs": info.type_refs.iter().map(|t| t.full_name.as_str()).collect::<Vec<_>>(),
        "interface_impls": impls,
        "memberrefs": info.member_refs.iter().map(|m| [m.class.as_str(), m.name.as_str()]).collect::<Vec<_>>(),
        "assemblyrefs": info.assembly_refs.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
    })
}

/// Compare `files` with the reference on the fields this test covers.
fn agree(label: &str, files: &[PathBuf], min_compared: usize) {
    common::assert_agree(
        label,
        "dotnet_reference.py",
        files,
        &[
            "typedefs",
            "typerefs",
            "interface_impls",
            "memberrefs",
            "assemblyrefs",
        ],
        // Whatever dnfile read without raising: pefile's warnings (such as
        // "mostly zero bytes") do not make its tables wrong.
        |r| r["raised"] != Value::Bool(true) && r["typedefs"].is_array(),
        ours,
        min_compared,
    );
}

#[test]
fn mono_assemblies_agree_with_dnfile() {
    if !common::prerequisite(
        Path::new(MONO_DIR).is_dir() && common::python_has("dnfile"),
        "mono (/usr/lib/mono/4.5) and python3 with dnfile",
    ) {
        return;
    }
    let files: Vec<PathBuf> = common::files_under(Path::new(MONO_DIR))
        .into_iter()
        .filter(|p| common::is_mz(p))
        .collect();
    agree("diff_dnfile mono", &files, 20);
}

#[test]
fn dotnet_samples_agree_with_dnfile() {
    if !common::prerequisite(common::python_has("dnfile"), "python3 with dnfile") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic");
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["dotnet", "families"] {
        files.extend(
            common::files_under(&root.join(sub))
                .into_iter()
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "dll")
                        && !p.to_string_lossy().contains("malformed")
                        && common::is_mz(p)
                }),
        );
    }
    agree("diff_dnfile samples", &files, 15);
}
