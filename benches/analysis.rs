//! Per-file analysis benchmark (no I/O): PE facts, .NET facts and the rule
//! scan, each timed over a corpus held in memory, several rounds, medians
//! printed. `cargo bench --bench analysis [-- DIR]` (default: Debian wine64's
//! DLLs, else the synthetic samples). Numbers go to docs/PERFORMANCE.md.
//! With `IISWEEP_BENCH_CONFIG=IMAGE` it times the config stage instead
//! (benches/config.sh).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                if b.starts_with(b"MZ") && b.len() <= 64 << 20 {
                    out.push((p, b));
                }
            }
        }
    }
    out.sort();
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(rounds: usize, mut f: F) -> Duration {
    f(); // warm-up
    median(
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

/// `IISWEEP_BENCH_CONFIG=IMAGE`: time only the config stage (reading an
/// image's configuration, every web.config included) and stop.
fn config_only(image: &Path) {
    let opts = iisweep::config::ConfigOptions::default();
    let v = iisweep::config::load(image, &opts).expect("an image with applicationHost.config");
    let webconfigs = v
        .files
        .iter()
        .filter(|f| f.kind == iisweep::config::FileKind::WebConfig)
        .count();
    let d = time(7, || {
        std::hint::black_box(iisweep::config::load(image, &opts));
    });
    println!(
        "config::load {}: {} files ({} web.config), {} registrations, {} findings: median {:.1} ms",
        image.display(),
        v.files.len(),
        webconfigs,
        v.registrations.len(),
        v.findings.len(),
        d.as_secs_f64() * 1e3
    );
}

fn main() {
    if let Some(img) = std::env::var_os("IISWEEP_BENCH_CONFIG") {
        config_only(Path::new(&img));
        return;
    }
    let arg = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let dir = arg.map(PathBuf::from).unwrap_or_else(|| {
        let wine = PathBuf::from("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows");
        if wine.is_dir() {
            wine
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("samples-synthetic")
        }
    });
    let files = corpus(&dir);
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    println!(
        "corpus: {} ({} files, {:.1} MiB)",
        dir.display(),
        files.len(),
        bytes as f64 / 1048576.0
    );
    let rounds = 7;
    let mib = bytes as f64 / 1048576.0;
    let report = |name: &str, d: Duration| {
        println!(
            "{name:<34} median {:>8.1} ms  {:>7.1} us/file  {:>7.0} MiB/s",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() * 1e6 / files.len() as f64,
            mib / d.as_secs_f64()
        );
    };
    use sha2::Digest;
    report(
        "sha256 only",
        time(rounds, || {
            for (_, b) in &files {
                std::hint::black_box(sha2::Sha256::digest(b));
            }
        }),
    );
    report(
        "pe facts only (iisweep::pe::analyze)",
        time(rounds, || {
            for (_, b) in &files {
                let _ = std::hint::black_box(iisweep::pe::analyze(b));
            }
        }),
    );
    let no_dotnet = iisweep::AnalyzeOptions {
        no_dotnet: true,
        ..Default::default()
    };
    report(
        "analyze_bytes, no .NET",
        time(rounds, || {
            for (_, b) in &files {
                std::hint::black_box(iisweep::analyze_bytes(b, &no_dotnet));
            }
        }),
    );
    let full = iisweep::AnalyzeOptions::default();
    report(
        "analyze_bytes (with .NET)",
        time(rounds, || {
            for (_, b) in &files {
                std::hint::black_box(iisweep::analyze_bytes(b, &full));
            }
        }),
    );
    let t = Instant::now();
    let rules = iisweep::rules::compile(&iisweep::rules::RuleOptions::default()).unwrap();
    println!(
        "rule pack: {} rules compiled in {:.1} ms",
        rules.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let analyses: Vec<_> = files
        .iter()
        .map(|(_, b)| iisweep::analyze_bytes(b, &full))
        .collect();
    report(
        "rule scan (pack, facts as globals)",
        time(rounds, || {
            for ((p, b), a) in files.iter().zip(&analyses) {
                let values = iisweep::rules::globals::values(&iisweep::rules::Subject {
                    path: p,
                    facts: a,
                    registrations: &[],
                });
                let _ = std::hint::black_box(rules.scan(b, &values));
            }
        }),
    );
}
