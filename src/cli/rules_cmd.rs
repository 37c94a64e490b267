//! `iisweep rules list | check | globals`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{LoadArgs, RuleArgs, RulesCommand, EXIT_FATAL};
use crate::analyze::AnalyzeOptions;
use crate::model::FactValue;
use crate::report::record::rule_list_record;
use crate::rules::{self, RuleOptions, RuleSet, GLOBALS};
use crate::scan;
use crate::util::escape;

/// Runs one `rules` subcommand; returns the exit code.
pub fn run(c: RulesCommand) -> i32 {
    let res = match c {
        RulesCommand::List { rules, json } => return list(&rules, json),
        RulesCommand::Check { paths, samples } => return check(&paths, samples),
        RulesCommand::Globals { json, yr_defines } => globals(json, yr_defines),
    };
    if res.is_err() {
        return EXIT_FATAL;
    }
    0
}

fn list(rules: &RuleArgs, json: bool) -> i32 {
    let set = match rules.compile() {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!("iisweep: no rules (--no-default-rules without --rules)");
            return EXIT_FATAL;
        }
        Err(e) => {
            eprintln!("iisweep: rules: {e}");
            return EXIT_FATAL;
        }
    };
    let mut out = io::stdout().lock();
    let res = if json {
        let records: Vec<_> = set.info.iter().map(rule_list_record).collect();
        crate::report::safe_json::to_writer_pretty(&mut out, &records)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out))
    } else {
        list_table(&mut out, &set)
    };
    if res.is_err() {
        return EXIT_FATAL;
    }
    0
}

fn list_table(out: &mut dyn Write, set: &RuleSet) -> io::Result<()> {
    writeln!(
        out,
        "{:<15} {:>5}  {:<44} DESCRIPTION",
        "LAYER", "SCORE", "RULE"
    )?;
    for r in &set.info {
        writeln!(
            out,
            "{:<15} {:>5}  {:<44} {}",
            escape(&r.layer),
            r.score,
            escape(&r.name),
            escape(&r.description)
        )?;
    }
    writeln!(
        out,
        "{} rules, compiled in {:.1} ms",
        set.len(),
        set.compile_time.as_secs_f64() * 1000.0
    )
}

/// `rules globals`: the table, JSON, or `yr` `--define` arguments.
fn globals(json: bool, yr_defines: bool) -> io::Result<()> {
    let mut out = io::stdout().lock();
    if yr_defines {
        for g in GLOBALS {
            let v = match g.default_value() {
                FactValue::Bool(b) => b.to_string(),
                FactValue::Str(s) => format!("{s:?}"),
            };
            writeln!(out, "--define\n{}={v}", g.name)?;
        }
        return Ok(());
    }
    if json {
        let list: Vec<_> = GLOBALS
            .iter()
            .map(|g| serde_json::json!({"name": g.name, "type": g.type_name(), "description": g.doc}))
            .collect();
        crate::report::safe_json::to_writer_pretty(&mut out, &list)?;
        return writeln!(out);
    }
    writeln!(out, "{:<22} {:<7} MEANING", "GLOBAL", "TYPE")?;
    for g in GLOBALS {
        writeln!(out, "{:<22} {:<7} {}", g.name, g.type_name(), g.doc)?;
    }
    Ok(())
}

/// `iisweep rules check`: compile, check metadata, and fire each rule on its sample.
fn check(paths: &[PathBuf], samples: Option<PathBuf>) -> i32 {
    let opts = RuleOptions {
        default_pack: false,
        extra: paths.to_vec(),
        ..RuleOptions::default()
    };
    let set = match rules::compile(&opts) {
        Ok(s) => s,
        Err(e) => {
            println!("FAIL compile: {e}");
            return 1;
        }
    };
    let mut problems = set.check_metadata();
    for w in &set.warnings {
        println!("warning: {w}");
    }
    let samples = samples.or_else(|| samples_beside(paths));
    let mut fired = 0;
    if let Some(root) = &samples {
        fired = fire_on_samples(&set, root, &mut problems);
    }
    for p in &problems {
        println!("FAIL {}", escape(p));
    }
    println!(
        "{} rules, {} problems{}",
        set.len(),
        problems.len(),
        samples
            .map(|s| format!(", {fired} fired on their samples under {}", s.display()))
            .unwrap_or_default()
    );
    if problems.is_empty() {
        0
    } else {
        1
    }
}

/// A `samples-synthetic` folder next to the (first) rules folder.
fn samples_beside(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = paths.first()?;
    let dir = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    let cand = dir.parent().unwrap_or(&dir).join("samples-synthetic");
    cand.is_dir().then_some(cand)
}

/// Scans each rule's `sample` under `root`; counts the rules that fire and
/// records those that do not (or whose sample is missing) in `problems`.
fn fire_on_samples(set: &RuleSet, root: &Path, problems: &mut Vec<String>) -> usize {
    let load = LoadArgs::default().options(false);
    let analyze = AnalyzeOptions::default();
    let stages = scan::Stages::new(&load, &analyze, Some(set));
    let mut fired = 0;
    for r in &set.info {
        let Some(sample) = &r.sample else { continue };
        let path = root.join(sample);
        if !path.is_file() {
            problems.push(format!(
                "{}: rule {}: sample {} does not exist",
                r.origin,
                r.name,
                path.display()
            ));
            continue;
        }
        let hit = if r.layer == "trace" {
            // Trace rules run on scripts, never through the PE stages.
            rules::traces::scan_path(set, &path, false)
                .is_ok_and(|t| t.iter().any(|t| t.rule == r.name))
        } else {
            let rep = scan::process_path(path.clone(), &stages);
            rep.analyzed().is_some_and(|a| {
                a.judgement
                    .hits
                    .iter()
                    .any(|h| h.rule == r.name && h.namespace == r.namespace)
            })
        };
        if hit {
            fired += 1;
        } else {
            problems.push(format!(
                "{}: rule {} does not fire on its sample {}",
                r.origin,
                r.name,
                path.display()
            ));
        }
    }
    fired
}
