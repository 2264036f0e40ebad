//! `cargo xtask fuzz [--time DURATION] [--runs N] [--jobs J] [--no-minimize] [TARGET...]`:
//! libFuzzer campaigns over the targets in `fuzz/fuzz_targets/` (cargo fuzz, nightly).
//!
//! Each target runs from its committed corpus (`fuzz/corpus/<target>/`) for `--runs`
//! executions (default 10,000,000, a full campaign) or until `--time` runs out. Crashing
//! inputs are copied into `fuzz/regressions/<target>/`, which `cargo xtask test` replays
//! on stable (`tests/fuzz_corpus.rs`); afterwards the corpus is minimised (`cargo fuzz cmin`)
//! so the committed corpus stays small. The table at the end gives executions and crashes
//! per target, and is also written to `fuzz/target/last-campaign.tsv`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Result, root, toolchain};

/// Executions per target in a full campaign.
const FULL_RUNS: u64 = 10_000_000;

/// Inputs longer than this are not generated: small inputs reach the same code and keep
/// the committed corpus small.
const MAX_LEN: u32 = 4096;

struct Options {
    time: Option<u64>,
    runs: u64,
    jobs: usize,
    minimize: bool,
    targets: Vec<String>,
}

/// What one campaign did.
struct Outcome {
    target: String,
    executions: u64,
    crashes: Vec<PathBuf>,
    corpus_files: usize,
    seconds: f64,
}

/// Parses `30s`, `10m`, `2h` or plain seconds.
pub(crate) fn parse_duration(text: &str) -> Result<u64> {
    let bad = || format!("cannot read duration {text:?} (use e.g. 90s, 10m, 1h)");
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).ok_or_else(bad)
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        time: None,
        runs: FULL_RUNS,
        jobs: 1,
        minimize: true,
        targets: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--time" => o.time = Some(parse_duration(&value("--time")?)?),
            "--runs" => {
                let v = value("--runs")?;
                o.runs = v
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("bad --runs {v:?}"))?;
            }
            "--jobs" => {
                let v = value("--jobs")?;
                o.jobs = v.parse().map_err(|_| format!("bad --jobs {v:?}"))?;
                o.jobs = o.jobs.max(1);
            }
            "--no-minimize" => o.minimize = false,
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "unknown option {flag:?} for `fuzz` \
                     (--time DURATION, --runs N, --jobs J, --no-minimize, TARGET...)"
                ));
            }
            target => o.targets.push(target.to_string()),
        }
    }
    Ok(o)
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

/// The target names: the harness files under `fuzz/fuzz_targets/`.
pub(crate) fn targets() -> Result<Vec<String>> {
    let dir = fuzz_dir().join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    Ok(names)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// `cargo +nightly fuzz ...` from the workspace root, with the fuzz crate's own target
/// directory (nightly, instrumented artifacts stay apart from the stable ones).
fn cargo_fuzz() -> Command {
    let mut cmd = toolchain::nightly_cargo();
    cmd.current_dir(root())
        .env_remove("CARGO_TARGET_DIR")
        .arg("fuzz");
    cmd
}

/// Makes sure `cargo fuzz` works, installing it from crates.io when missing.
fn ensure_cargo_fuzz() -> Result {
    toolchain::ensure_nightly(&[])?;
    let works = |_: ()| {
        cargo_fuzz()
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(()) {
        return Ok(());
    }
    println!("xtask: cargo-fuzz is missing; installing it from crates.io");
    crate::run(crate::cargo().args(["install", "cargo-fuzz", "--locked"])).map_err(|e| {
        format!(
            "cargo-fuzz cannot be had ({e}); fuzzing needs it. The committed corpus still \
             replays on stable in `cargo xtask test`"
        )
    })?;
    if works(()) {
        Ok(())
    } else {
        Err("cargo-fuzz was installed but `cargo +nightly fuzz --version` still fails".into())
    }
}

/// Runs one campaign, streaming libFuzzer's progress lines prefixed by the target name.
fn campaign(target: &str, o: &Options) -> Result<Outcome> {
    let fuzz = fuzz_dir();
    let corpus = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    let logs = fuzz.join("target").join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let before = files_in(&artifacts);
    let mut cmd = cargo_fuzz();
    cmd.args(["run", "-O", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-runs={}", o.runs))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args(["-print_final_stats=1", "-timeout=30", "-rss_limit_mb=2048"]);
    if let Some(t) = o.time {
        cmd.arg(format!("-max_total_time={t}"));
    }
    println!(
        "[{target}] starting: up to {} executions{}",
        o.runs,
        o.time.map_or(String::new(), |t| format!(" or {t} s"))
    );
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    let log_path = logs.join(format!("{target}.log"));
    let mut log =
        std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut executions = 0_u64;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr)
            .lines()
            .map_while(std::result::Result::ok)
        {
            let _ = writeln!(log, "{line}");
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                executions = n.trim().parse().unwrap_or(executions);
            } else if let Some(rest) = line.strip_prefix('#') {
                // Progress lines: "#1234\tpulse ..." / "#1234\tNEW ...".
                if let Some(n) = rest.split_whitespace().next().and_then(|n| n.parse().ok()) {
                    executions = executions.max(n);
                }
                if line.contains("pulse") || line.contains("DONE") {
                    println!("[{target}] {line}");
                }
            } else if line.contains("panicked")
                || line.contains("ERROR")
                || line.contains("SUMMARY")
                || line.starts_with("stat::")
                || line.starts_with("error")
            {
                println!("[{target}] {line}");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo fuzz: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let new: Vec<PathBuf> = files_in(&artifacts)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    let regressions = fuzz.join("regressions").join(target);
    let mut crashes = Vec::new();
    for file in &new {
        std::fs::create_dir_all(&regressions)
            .map_err(|e| format!("{}: {e}", regressions.display()))?;
        let dest = regressions.join(file.file_name().unwrap_or_default());
        std::fs::copy(file, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        println!(
            "[{target}] CRASH saved as regression input {}",
            dest.display()
        );
        crashes.push(dest);
    }
    if !status.success() && crashes.is_empty() {
        return Err(format!(
            "cargo fuzz run {target} failed with {status} and left no crash input; see {}",
            log_path.display()
        ));
    }
    if o.minimize {
        minimize(target)?;
    }
    Ok(Outcome {
        target: target.to_string(),
        executions,
        crashes,
        corpus_files: files_in(&corpus).len(),
        seconds,
    })
}

/// Replaces the corpus by a minimal one with the same coverage (`cargo fuzz cmin`).
fn minimize(target: &str) -> Result {
    let corpus = fuzz_dir().join("corpus").join(target);
    let out = cargo_fuzz()
        .args(["cmin", "-O", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_len={MAX_LEN}"))
        .output()
        .map_err(|e| format!("cannot start cargo fuzz cmin: {e}"))?;
    if out.status.success() {
        println!(
            "[{target}] corpus minimised to {} files",
            files_in(&corpus).len()
        );
        Ok(())
    } else {
        Err(format!(
            "cargo fuzz cmin {target} failed with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `cargo xtask fuzz`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut o = parse(args)?;
    let all = targets()?;
    if o.targets.is_empty() {
        o.targets.clone_from(&all);
    }
    for t in &o.targets {
        if !all.contains(t) {
            return Err(format!("no fuzz target {t:?}; targets: {}", all.join(", ")));
        }
    }
    ensure_cargo_fuzz()?;
    crate::run(cargo_fuzz().args(["build", "-O"]))?;
    let queue = std::sync::Mutex::new(o.targets.clone());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..o.jobs.min(o.targets.len()) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                    let Some(target) = next else { break };
                    let r = campaign(&target, &o);
                    if let Ok(mut res) = results.lock() {
                        res.push((target, r));
                    }
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .map_err(|_| "a campaign thread panicked".to_string())?;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut table = String::from("target\texecutions\tcrashes\tcorpus files\tseconds\n");
    let mut failures = Vec::new();
    let mut crashes = 0;
    for (target, r) in results {
        match r {
            Ok(out) => {
                crashes += out.crashes.len();
                table.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{:.0}\n",
                    out.target,
                    out.executions,
                    out.crashes.len(),
                    out.corpus_files,
                    out.seconds
                ));
            }
            Err(e) => failures.push(format!("{target}: {e}")),
        }
    }
    println!("\n{table}");
    let record = fuzz_dir().join("target").join("last-campaign.tsv");
    let _ = std::fs::write(&record, &table);
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    if crashes > 0 {
        return Err(format!(
            "{crashes} crashing input(s) saved under fuzz/regressions/: fix the bugs, then \
             `cargo xtask test` replays them"
        ));
    }
    println!("xtask: fuzz campaigns finished without crashes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), 90);
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("10m").unwrap(), 600);
        assert_eq!(parse_duration("2h").unwrap(), 7200);
        for bad in ["", "m", "10 parsecs", "1.5h", "-3s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options() {
        let args: Vec<String> = [
            "--runs",
            "1_000",
            "--time",
            "1m",
            "--jobs",
            "2",
            "npy_header",
        ]
        .map(String::from)
        .to_vec();
        let o = parse(&args).unwrap();
        assert_eq!((o.runs, o.time, o.jobs), (1000, Some(60), 2));
        assert_eq!(o.targets, ["npy_header"]);
        assert!(parse(&["--bogus".to_string()]).is_err());
        assert!(parse(&["--runs".to_string()]).is_err());
    }

    #[test]
    fn every_harness_has_a_seed_corpus() {
        let names = targets().unwrap();
        assert!(names.len() >= 4, "targets: {names:?}");
        for name in names {
            let corpus = fuzz_dir().join("corpus").join(&name);
            assert!(!files_in(&corpus).is_empty(), "no corpus for {name}");
        }
    }
}
