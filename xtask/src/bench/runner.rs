//! The `workloads` benchmark binary, seen from xtask: building it in release mode, asking
//! it for its cases, having it prepare data, and running one case in a fresh process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{Result, cargo, executables};

/// A case as `workloads list` describes it.
#[derive(Debug, Clone)]
pub(crate) struct CaseInfo {
    pub(crate) name: String,
    pub(crate) group: String,
    pub(crate) about: String,
    /// Ceiling case for warm runs ("" for ceilings themselves).
    pub(crate) ceiling: String,
    /// Ceiling case for cold runs.
    pub(crate) ceiling_cold: String,
    pub(crate) inputs: Vec<String>,
    pub(crate) coldable: bool,
    pub(crate) threads: Option<usize>,
    pub(crate) python: Vec<String>,
    pub(crate) same_checksum: bool,
    /// Sizes and file names, handed to the Python side as they are.
    pub(crate) params: Value,
}

#[cfg(test)]
impl CaseInfo {
    /// A case with a name, a group and a warm-run ceiling, the rest empty (for tests).
    pub(crate) fn named(name: &str, group: &str, ceiling: &str) -> CaseInfo {
        CaseInfo {
            name: name.into(),
            group: group.into(),
            about: String::new(),
            ceiling: ceiling.into(),
            ceiling_cold: String::new(),
            inputs: vec![],
            coldable: false,
            threads: None,
            python: vec![],
            same_checksum: false,
            params: Value::Null,
        }
    }
}

/// One measured run of a case, as the JSON line it printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Run {
    pub(crate) seconds: f64,
    pub(crate) bytes: f64,
    pub(crate) peak_bytes: f64,
    pub(crate) increment_bytes: f64,
    /// Growth of anonymous (heap, not file-backed) resident memory, when reported.
    pub(crate) anon_growth_bytes: Option<f64>,
    pub(crate) checksum: f64,
}

impl Run {
    /// Parses the JSON line of `workloads run` (or of the Python script).
    pub(crate) fn parse(line: &str) -> Result<Run> {
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("bad result line {line:?}: {e}"))?;
        let field = |name: &str| {
            v.get(name)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("result line {line:?} has no number {name:?}"))
        };
        Ok(Run {
            seconds: field("seconds")?,
            bytes: field("bytes")?,
            peak_bytes: field("peak_bytes")?,
            increment_bytes: field("increment_bytes")?,
            anon_growth_bytes: v.get("anon_growth_bytes").and_then(Value::as_f64),
            checksum: field("checksum")?,
        })
    }
}

/// Builds the workloads binary in release mode and returns its path.
pub(crate) fn build() -> Result<PathBuf> {
    println!("$ cargo bench --bench workloads --no-run");
    let out = cargo()
        .args([
            "bench",
            "--bench",
            "workloads",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("building the workloads failed with {}", out.status));
    }
    executables::parse(&out.stdout)
        .into_iter()
        .find(|e| e.target == "workloads")
        .map(|e| e.path)
        .ok_or_else(|| "cargo built no `workloads` executable".to_string())
}

/// Runs the workloads binary with `args`; returns its standard output.
fn call(exe: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`workloads {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The cases the binary knows at `scale`.
pub(crate) fn list(exe: &Path, scale: &str) -> Result<Vec<CaseInfo>> {
    let text = call(exe, &["list", "--scale", scale])?;
    text.lines()
        .map(|line| {
            let v: Value =
                serde_json::from_str(line).map_err(|e| format!("bad case line {line:?}: {e}"))?;
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let list = |k: &str| {
                v[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            Ok(CaseInfo {
                name: s("name"),
                group: s("group"),
                about: s("about"),
                ceiling: s("ceiling"),
                ceiling_cold: s("ceiling_cold"),
                inputs: list("inputs"),
                coldable: v["coldable"].as_bool().unwrap_or(false),
                threads: v["threads"].as_u64().and_then(|n| usize::try_from(n).ok()),
                python: list("python"),
                same_checksum: v["same_checksum"].as_bool().unwrap_or(false),
                params: v["params"].clone(),
            })
        })
        .collect()
}

/// Has the binary write `dataset` under `dir` (it skips data an earlier run wrote).
pub(crate) fn prepare(exe: &Path, dataset: &str, scale: &str, dir: &Path) -> Result {
    let dir = dir.to_string_lossy();
    call(exe, &["prepare", dataset, "--scale", scale, "--dir", &dir]).map(drop)
}

/// Runs `case` once in a fresh process.
pub(crate) fn run_case(
    exe: &Path,
    case: &str,
    scale: &str,
    dir: &Path,
    threads: Option<usize>,
    cold: bool,
) -> Result<Run> {
    let dir = dir.to_string_lossy();
    let threads = threads.map(|n| n.to_string());
    let mut args = vec!["run", case, "--scale", scale, "--dir", &dir];
    if let Some(n) = &threads {
        args.extend(["--threads", n]);
    }
    if cold {
        args.push("--cold");
    }
    let out = call(exe, &args)?;
    let line = out
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("`workloads {}` printed no result", args.join(" ")))?;
    Run::parse(line)
}
