//! `iisweep inspect FILE`: everything known about one file, for a person.

use std::io::{self, Write};

use super::sanitize::{display, escape};
use crate::analyze::{FileReport, Outcome};

/// Write the human report of `r`.
pub fn write_inspect(o: &mut dyn Write, r: &FileReport) -> io::Result<()> {
    writeln!(o, "path        {}", display(&r.path))?;
    if let Some(s) = r.size {
        writeln!(o, "size        {s}")?;
    }
    let a = match &r.outcome {
        Outcome::NotPe => return writeln!(o, "status      not a PE (no MZ magic)"),
        Outcome::Skipped(reason, d) => {
            return writeln!(
                o,
                "status      skipped ({}): {}",
                reason.as_str(),
                escape(d)
            )
        }
        Outcome::Error(e) => return writeln!(o, "status      error: {}", escape(e)),
        Outcome::Analyzed(a) => a,
    };
    writeln!(o, "sha256      {}", a.sha256)?;
    let Some(pe) = &a.pe else {
        return writeln!(
            o,
            "status      MZ but not a PE: {}",
            escape(a.not_pe_reason.as_deref().unwrap_or(""))
        );
    };
    write_verdict(o, a)?;
    let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
    writeln!(
        o,
        "IIS roles   {}",
        if roles.is_empty() {
            "none".to_string()
        } else {
            roles.join(", ")
        }
    )?;
    for role in &pe.export_roles.incomplete {
        writeln!(o, "            incomplete export set: {}", role.as_str())?;
    }
    for role in &pe.export_roles.decorated {
        writeln!(
            o,
            "            decorated export set (IIS would not find it): {}",
            role.as_str()
        )?;
    }
    for e in &pe.export_roles.exports {
        write!(
            o,
            "            {} {} ordinal {}",
            e.role.as_str(),
            escape(&e.name),
            e.ordinal
        )?;
        if let Some(f) = &e.forwarder {
            write!(o, " -> forwarded to {}", escape(f))?;
        }
        writeln!(o)?;
    }
    writeln!(
        o,
        "format      {} {} {}",
        pe.format,
        pe.machine,
        if pe.is_dll { "DLL" } else { "EXE" }
    )?;
    writeln!(o, "subsystem   {}", pe.subsystem)?;
    writeln!(
        o,
        "timestamp   {} ({:#010x})",
        pe.timestamp_utc, pe.timestamp
    )?;
    writeln!(
        o,
        "entry point {:#x}   image base {:#x}",
        pe.entry_point, pe.image_base
    )?;
    if let Some(h) = &pe.imphash {
        writeln!(o, "imphash     {h}")?;
    }
    if let Some(p) = &pe.pdb_path {
        writeln!(o, "pdb         {}", escape(p))?;
    }
    let v = &pe.version_info;
    for (k, val) in [
        ("original name", &v.original_file_name),
        ("internal name", &v.internal_name),
        ("company", &v.company),
        ("description", &v.description),
        ("product", &v.product),
        ("file version", &v.file_version),
    ] {
        if let Some(val) = val {
            writeln!(o, "{k:<12}{}", escape(val))?;
        }
    }
    match (&a.code_signature, pe.certificate_table.is_some()) {
        (_, false) => writeln!(o, "signature   none")?,
        (None, true) => writeln!(o, "signature   certificate table present (not checked)")?,
        (Some(cs), true) => {
            writeln!(
                o,
                "signature   {}   microsoft_signed={}",
                cs.status(),
                cs.microsoft_signed
            )?;
            for s in &cs.signatures {
                let who = s.signer.as_ref().map(|c| c.subject.as_str()).unwrap_or("?");
                writeln!(
                    o,
                    "  #{} {} digest {}  signer signature {}  chain {}",
                    s.depth,
                    escape(&s.digest_algorithm),
                    if s.digest_valid {
                        "matches"
                    } else {
                        "MISMATCH"
                    },
                    if s.signer_signature_valid && s.message_digest_valid {
                        "verifies"
                    } else {
                        "FAILS"
                    },
                    match &s.trusted_root {
                        Some(r) if s.chain_trusted => format!("trusted ({r})"),
                        _ => "untrusted".to_string(),
                    }
                )?;
                writeln!(o, "     signer {}", escape(who))?;
                if let Some(t) = &s.timestamp {
                    writeln!(o, "     timestamp {t}")?;
                }
                for e in &s.errors {
                    writeln!(o, "     note: {}", escape(e))?;
                }
            }
            for e in &cs.errors {
                writeln!(o, "  note: {}", escape(e))?;
            }
        }
    }
    match &a.dotnet {
        None => writeln!(o, ".NET        no")?,
        Some(d) => write_dotnet(o, d)?,
    }
    if let Some(ov) = pe.overlay {
        writeln!(o, "overlay     {} bytes at {:#x}", ov.size, ov.offset)?;
    }
    writeln!(o, "sections")?;
    for s in &pe.sections {
        write!(
            o,
            "  {:<10} {} va {:#010x} vsize {:#09x} raw {:#09x}+{:#09x}",
            escape(&s.name),
            s.flags,
            s.virtual_address,
            s.virtual_size,
            s.raw_offset,
            s.raw_size
        )?;
        if let Some(e) = s.entropy {
            write!(o, " entropy {e:.3}")?;
        }
        writeln!(o)?;
    }
    if let Some(ex) = &pe.exports {
        writeln!(
            o,
            "exports     {} (dll name {})",
            ex.exports.len(),
            escape(ex.dll_name.as_deref().unwrap_or("-"))
        )?;
        for e in &ex.exports {
            write!(
                o,
                "  {:>5} {:#010x} {}",
                e.ordinal,
                e.rva,
                escape(e.name.as_deref().unwrap_or("(by ordinal)"))
            )?;
            if let Some(f) = &e.forwarder {
                write!(o, " -> {}", escape(f))?;
            }
            writeln!(o)?;
        }
    }
    for (title, list) in [
        ("imports", &pe.imports),
        ("delay imports", &pe.delay_imports),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(o, "{title}")?;
        for d in list {
            let names: Vec<String> = d
                .functions
                .iter()
                .map(|f| match (&f.name, f.ordinal) {
                    (Some(n), _) => escape(n).into_owned(),
                    (None, Some(ord)) => format!("#{ord}"),
                    _ => "?".into(),
                })
                .collect();
            writeln!(o, "  {}: {}", escape(&d.dll), names.join(", "))?;
        }
    }
    if !pe.errors.is_empty() {
        writeln!(o, "problems (partial parse)")?;
        for e in &pe.errors {
            writeln!(o, "  {}", escape(e))?;
        }
    }
    Ok(())
}

/// The verdict, explained rule by rule (like capa's verbose mode).
fn write_verdict(o: &mut dyn Write, a: &crate::analyze::Analysis) -> io::Result<()> {
    writeln!(
        o,
        "verdict     {} (score {})",
        a.verdict.level.as_str(),
        a.verdict.score
    )?;
    if let Some(e) = &a.rules_error {
        writeln!(o, "            rules did not complete: {}", escape(e))?;
    }
    for h in &a.rule_hits {
        let family = h
            .family
            .as_deref()
            .map(|f| format!(", family {}", escape(f)))
            .unwrap_or_default();
        writeln!(o, "  [{:>3}] {} ({}{family})", h.score, h.rule, h.layer)?;
        writeln!(o, "        {}", escape(&h.description))?;
        if !h.attack.is_empty() {
            writeln!(o, "        ATT&CK: {}", h.attack.join(", "))?;
        }
        if !h.reference.is_empty() {
            writeln!(o, "        reference: {}", escape(&h.reference))?;
        }
        if !h.facts.is_empty() {
            let facts: Vec<String> = h.facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(o, "        facts: {}", escape(&facts.join(" ")))?;
        }
        for e in &h.evidence {
            writeln!(
                o,
                "        {} at {:#x}: {}",
                e.pattern,
                e.offset,
                escape(&e.excerpt)
            )?;
        }
    }
    if a.verdict.score > 0 {
        let scores: Vec<String> = a
            .rule_hits
            .iter()
            .filter(|h| h.score > 0)
            .map(|h| h.score.to_string())
            .collect();
        writeln!(
            o,
            "  score = 100*(1 - prod(1 - s_i/100/2^i)) over [{}] = {}",
            scores.join(", "),
            a.verdict.score
        )?;
    }
    Ok(())
}

fn write_dotnet(o: &mut dyn Write, d: &crate::dotnet::DotnetInfo) -> io::Result<()> {
    let asm = d
        .assembly
        .as_ref()
        .map(|a| format!("{} {}", escape(&a.name), a.version))
        .unwrap_or_else(|| "(no Assembly row)".into());
    writeln!(
        o,
        ".NET        {asm}, runtime {}{}",
        escape(d.runtime_version.as_deref().unwrap_or("?")),
        if d.mixed_mode {
            ", mixed mode (native code)"
        } else {
            ""
        }
    )?;
    if let Some(m) = &d.mvid {
        writeln!(o, "            MVID {m}")?;
    }
    for c in &d.components {
        writeln!(
            o,
            "  component {} [{}] via {}",
            escape(&c.type_name),
            c.kinds.join(","),
            escape(&c.base_chain.join(" <- "))
        )?;
    }
    if !d.http_events.is_empty() {
        writeln!(o, "  HttpApplication events: {}", d.http_events.join(", "))?;
    }
    for (cap, list) in &d.capabilities {
        writeln!(o, "  {cap}: {}", escape(&list.join(", ")))?;
    }
    let refs: Vec<String> = d
        .assembly_refs
        .iter()
        .map(|r| format!("{} {}", r.name, r.version))
        .collect();
    if !refs.is_empty() {
        writeln!(o, "  references: {}", escape(&refs.join(", ")))?;
    }
    for s in &d.interesting_strings {
        writeln!(
            o,
            "  string {:?} ({})",
            escape(&s.value),
            s.reasons.join(",")
        )?;
    }
    for r in &d.resources {
        writeln!(
            o,
            "  resource {} ({})",
            escape(&r.name),
            r.size
                .map(|s| format!("{s} bytes"))
                .unwrap_or_else(|| r.location.clone())
        )?;
    }
    for e in &d.errors {
        writeln!(o, "  metadata problem: {}", escape(e))?;
    }
    Ok(())
}
