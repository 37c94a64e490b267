//! `iisweep inspect FILE`: everything known about one file, for a person.
//! Every value that comes from the file is escaped before it is written.

use std::io::{self, Write};

use crate::authenticode::CodeSignature;
use crate::dotnet::DotnetInfo;
use crate::model::{Analyzed, FileReport, Outcome};
use crate::pe::{ImportedDll, PeFacts};
use crate::util::escape;
use crate::util::path::display;
use crate::util::rfc3339;

/// Width of the label column.
const LABEL: usize = 12;

/// Writes `label` padded to the label column (always followed by at least
/// one space), then `value`.
fn field(o: &mut dyn Write, label: &str, value: impl std::fmt::Display) -> io::Result<()> {
    let pad = LABEL.max(label.len() + 1);
    writeln!(o, "{label:<pad$}{value}")
}

/// Write the human report of `r`.
pub fn write_inspect(o: &mut dyn Write, r: &FileReport) -> io::Result<()> {
    field(o, "path", display(&r.path))?;
    if let Some(s) = r.size {
        field(o, "size", s)?;
    }
    let a = match &r.outcome {
        Outcome::NotPe => return field(o, "status", "not a PE (no MZ magic)"),
        Outcome::Skipped(reason, d) => {
            return field(
                o,
                "status",
                format_args!("skipped ({}): {}", reason.as_str(), escape(d)),
            )
        }
        Outcome::Error(e) => return field(o, "status", format_args!("error: {}", escape(e))),
        Outcome::Analyzed(a) => a,
    };
    field(o, "sha256", &a.facts.sha256)?;
    let Some(pe) = &a.facts.pe else {
        return field(
            o,
            "status",
            format_args!(
                "MZ but not a PE: {}",
                escape(a.facts.not_pe_reason.as_deref().unwrap_or(""))
            ),
        );
    };
    write_verdict(o, a)?;
    write_roles(o, a, pe)?;
    write_headers(o, pe)?;
    write_signature(o, pe, a.facts.code_signature.as_ref())?;
    match &a.facts.dotnet {
        None => field(o, ".NET", "no")?,
        Some(d) => write_dotnet(o, d)?,
    }
    if let Some(ov) = pe.overlay {
        field(
            o,
            "overlay",
            format_args!("{} bytes at {:#x}", ov.size, ov.offset),
        )?;
    }
    write_sections(o, pe)?;
    write_exports(o, pe)?;
    for (title, list) in [
        ("imports", &pe.imports),
        ("delay imports", &pe.delay_imports),
    ] {
        write_imports(o, title, list)?;
    }
    if !pe.capabilities.is_empty() || !pe.request_names.is_empty() {
        writeln!(o, "capabilities (from the imports)")?;
        for (cap, list) in &pe.capabilities {
            writeln!(o, "  {cap}: {}", escape(&list.join(", ")))?;
        }
        if !pe.request_names.is_empty() {
            writeln!(
                o,
                "  request names: {}",
                escape(&pe.request_names.join(", "))
            )?;
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

/// IIS roles and the exports behind them.
fn write_roles(o: &mut dyn Write, a: &Analyzed, pe: &PeFacts) -> io::Result<()> {
    let roles: Vec<&str> = a.facts.roles.iter().map(|r| r.as_str()).collect();
    field(
        o,
        "IIS roles",
        if roles.is_empty() {
            "none".to_string()
        } else {
            roles.join(", ")
        },
    )?;
    let indent = "";
    for role in &pe.export_roles.incomplete {
        writeln!(o, "{indent:LABEL$}incomplete export set: {}", role.as_str())?;
    }
    for role in &pe.export_roles.decorated {
        writeln!(
            o,
            "{indent:LABEL$}decorated export set (IIS would not find it): {}",
            role.as_str()
        )?;
    }
    for e in &pe.export_roles.exports {
        write!(
            o,
            "{indent:LABEL$}{} {} ordinal {}",
            e.role.as_str(),
            escape(&e.name),
            e.ordinal
        )?;
        if let Some(f) = &e.forwarder {
            write!(o, " -> forwarded to {}", escape(f))?;
        }
        writeln!(o)?;
    }
    Ok(())
}

/// Format, headers, debug and version information.
fn write_headers(o: &mut dyn Write, pe: &PeFacts) -> io::Result<()> {
    let l = &pe.layout;
    field(
        o,
        "format",
        format_args!(
            "{} {} {}",
            l.format(),
            pe.machine(),
            if l.is_dll() { "DLL" } else { "EXE" }
        ),
    )?;
    field(o, "subsystem", pe.subsystem())?;
    field(
        o,
        "timestamp",
        format_args!(
            "{} ({:#010x})",
            rfc3339(i64::from(l.time_date_stamp)),
            l.time_date_stamp
        ),
    )?;
    field(
        o,
        "entry point",
        format_args!(
            "{:#x}   image base {:#x}",
            pe.entry_point(),
            pe.image_base()
        ),
    )?;
    if let Some(h) = &pe.imphash {
        field(o, "imphash", h)?;
    }
    if let Some(p) = &pe.pdb_path {
        field(o, "pdb", escape(p))?;
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
            field(o, k, escape(val))?;
        }
    }
    Ok(())
}

/// Authenticode: the verdict, then each signature.
fn write_signature(o: &mut dyn Write, pe: &PeFacts, cs: Option<&CodeSignature>) -> io::Result<()> {
    let cs = match (cs, pe.has_certificate_table()) {
        (_, false) => return field(o, "signature", "none"),
        (None, true) => return field(o, "signature", "certificate table present (not checked)"),
        (Some(cs), true) => cs,
    };
    field(
        o,
        "signature",
        format_args!("{}   microsoft_signed={}", cs.status(), cs.microsoft_signed),
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
                Some(r) if s.chain_trusted => format!("trusted ({})", escape(r)),
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
    Ok(())
}

fn write_sections(o: &mut dyn Write, pe: &PeFacts) -> io::Result<()> {
    writeln!(o, "sections")?;
    for (i, s) in pe.layout.sections.iter().enumerate() {
        write!(
            o,
            "  {:<10} {} va {:#010x} vsize {:#09x} raw {:#09x}+{:#09x}",
            escape(&s.name),
            crate::pe::section_flags(s.characteristics),
            s.virtual_address,
            s.virtual_size,
            s.pointer_to_raw_data,
            s.size_of_raw_data
        )?;
        if let Some(e) = pe.section_entropy.get(i) {
            write!(o, " entropy {e:.3}")?;
        }
        writeln!(o)?;
    }
    Ok(())
}

fn write_exports(o: &mut dyn Write, pe: &PeFacts) -> io::Result<()> {
    let Some(ex) = &pe.exports else {
        return Ok(());
    };
    field(
        o,
        "exports",
        format_args!(
            "{} (dll name {})",
            ex.exports.len(),
            escape(ex.dll_name.as_deref().unwrap_or("-"))
        ),
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
    Ok(())
}

fn write_imports(o: &mut dyn Write, title: &str, list: &[ImportedDll]) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
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
    Ok(())
}

/// The verdict, explained rule by rule (like capa's verbose mode).
fn write_verdict(o: &mut dyn Write, a: &Analyzed) -> io::Result<()> {
    let j = &a.judgement;
    field(
        o,
        "verdict",
        format_args!("{} (score {})", j.verdict.level.as_str(), j.verdict.score),
    )?;
    if let Some(e) = &j.rules_error {
        writeln!(o, "{:LABEL$}rules did not complete: {}", "", escape(e))?;
    }
    for h in &j.hits {
        let family = h
            .family
            .as_deref()
            .map(|f| format!(", family {}", escape(f)))
            .unwrap_or_default();
        writeln!(
            o,
            "  [{:>3}] {} ({}{family})",
            h.score,
            escape(&h.rule),
            escape(&h.layer)
        )?;
        writeln!(o, "        {}", escape(&h.description))?;
        if !h.attack.is_empty() {
            writeln!(o, "        ATT&CK: {}", escape(&h.attack.join(", ")))?;
        }
        if !h.reference.is_empty() {
            writeln!(o, "        reference: {}", escape(&h.reference))?;
        }
        if !h.facts.is_empty() {
            let mut facts: Vec<(&str, String)> = h
                .facts
                .iter()
                .map(|(k, v)| (*k, super::record::fact_json(v).to_string()))
                .collect();
            facts.sort();
            let facts: Vec<String> = facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(o, "        facts: {}", escape(&facts.join(" ")))?;
        }
        for e in &h.evidence {
            writeln!(
                o,
                "        {} at {:#x}: {}",
                escape(&e.pattern),
                e.offset,
                escape(&e.excerpt)
            )?;
        }
    }
    if j.verdict.score > 0 {
        let scores: Vec<String> = j
            .hits
            .iter()
            .filter(|h| h.score > 0)
            .map(|h| h.score.to_string())
            .collect();
        writeln!(
            o,
            "  score = 100*(1 - prod(1 - s_i/100/2^i)) over [{}] = {}",
            scores.join(", "),
            j.verdict.score
        )?;
    }
    Ok(())
}

fn write_dotnet(o: &mut dyn Write, d: &DotnetInfo) -> io::Result<()> {
    let asm = d
        .assembly
        .as_ref()
        .map(|a| format!("{} {}", escape(&a.name), escape(&a.version)))
        .unwrap_or_else(|| "(no Assembly row)".into());
    field(
        o,
        ".NET",
        format_args!(
            "{asm}, runtime {}{}",
            escape(d.runtime_version.as_deref().unwrap_or("?")),
            if d.mixed_mode {
                ", mixed mode (native code)"
            } else {
                ""
            }
        ),
    )?;
    if let Some(m) = &d.mvid {
        writeln!(o, "{:LABEL$}MVID {m}", "")?;
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
        writeln!(
            o,
            "  HttpApplication events: {}",
            escape(&d.http_events.join(", "))
        )?;
    }
    for (cap, list) in &d.capabilities {
        writeln!(o, "  {cap}: {}", escape(&list.join(", ")))?;
    }
    if let Some(b) = &d.behaviour {
        behaviour(o, b)?;
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
                .unwrap_or_else(|| escape(&r.location).into_owned())
        )?;
    }
    for e in &d.errors {
        writeln!(o, "  metadata problem: {}", escape(e))?;
    }
    Ok(())
}

/// The IL view: each entry point and what it reaches, one line per
/// capability with the path from the entry point (`A::Init -> A::OnBegin:
/// decodes via System.Convert::FromBase64String`).
fn behaviour(o: &mut dyn Write, b: &crate::dotnet::Behaviour) -> std::io::Result<()> {
    writeln!(
        o,
        "  behaviour ({} method bodies{})",
        b.methods,
        if b.truncated {
            ", truncated at a cap"
        } else {
            ""
        }
    )?;
    let short = |m: &str| match m.split_once("::") {
        Some((t, name)) => format!("{}::{name}", t.rsplit('.').next().unwrap_or(t)),
        None => m.to_string(),
    };
    for ep in &b.entry_points {
        if ep.reaches.is_empty() {
            continue;
        }
        writeln!(o, "    entry {} ({})", escape(&ep.method), escape(&ep.why))?;
        for r in &ep.reaches {
            let path: Vec<String> = r.path.iter().map(|m| short(m)).collect();
            writeln!(
                o,
                "      {}: {} via {}",
                r.capability,
                escape(&path.join(" -> ")),
                escape(&r.via)
            )?;
        }
    }
    if !b.request_names.is_empty() {
        writeln!(
            o,
            "    request names: {}",
            escape(&b.request_names.join(", "))
        )?;
    }
    if !b.reflection_names.is_empty() {
        writeln!(
            o,
            "    reflection names: {}",
            escape(&b.reflection_names.join(", "))
        )?;
    }
    Ok(())
}
