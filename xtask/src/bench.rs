//! `cargo xtask bench`: builds the `workloads` benchmark binary in release mode, prepares
//! its data under `target/bench/data/<scale>` (untimed), runs every case in a fresh
//! process `--repeat` times (ceilings first, so every case has a ratio to them), optionally
//! runs the Python equivalents on the same files, then prints a table and writes
//! `target/bench/report.{json,md}` and SVG charts.

mod charts;
mod compare;
mod options;
mod report;
mod results;
mod runner;
mod targets;

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::bench::options::Options;
use crate::bench::results::{Ceilings, Machine, PythonRow, Report, Row, Runs};
use crate::bench::runner::CaseInfo;
use crate::{Result, root};

/// `cargo xtask bench [options]`.
pub(crate) fn run(args: &[String]) -> Result {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", options::USAGE);
        return Ok(());
    }
    let opts = Options::parse(args)?;
    crate::sysdeps::ensure()?;
    let out_dir = root().join("target").join("bench");
    let data_dir = out_dir.join("data").join(&opts.scale);
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("creating {}: {e}", data_dir.display()))?;

    let exe = runner::build()?;
    let all = runner::list(&exe, &opts.scale)?;
    let cases: Vec<CaseInfo> = all
        .into_iter()
        .filter(|c| c.group == "ceiling" || opts.selects(&c.name))
        .collect();
    if cases.iter().all(|c| c.group == "ceiling") && !opts.filters.is_empty() {
        return Err(format!(
            "no case matches --filter {}",
            opts.filters.join(", ")
        ));
    }

    let python = if opts.compare_python {
        match compare::interpreter() {
            Ok(p) => Some(p),
            Err(note) => {
                println!("xtask: WARNING: {note}");
                None
            }
        }
    } else {
        None
    };
    let python_note = (opts.compare_python && python.is_none())
        .then(|| "unavailable: comparison skipped".to_string());

    prepare(&exe, &cases, &opts, &data_dir)?;

    let mut rows: Vec<Row> = Vec::new();
    for cold in [false, true] {
        for case in &cases {
            if cold && !(opts.cold && case.coldable) {
                continue;
            }
            rows.push(Row {
                case: case.clone(),
                cold,
                ooc: Runs::default(),
                python: Vec::new(),
            });
        }
    }
    let python_runs: usize = rows
        .iter()
        .map(|r| {
            if python.is_some() {
                r.case.python.len()
            } else {
                0
            }
        })
        .sum();
    let total = (rows.len() + python_runs) * opts.repeat;
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs  {wide_msg}",
        )
        .map_err(|e| e.to_string())?,
    );
    bar.enable_steady_tick(Duration::from_millis(200));

    for row in &mut rows {
        let label = row.label();
        for k in 0..opts.repeat {
            bar.set_message(format!("{label} ({}/{})", k + 1, opts.repeat));
            if row.ooc.error.is_none() {
                match runner::run_case(
                    &exe,
                    &row.case.name,
                    &opts.scale,
                    &data_dir,
                    row.case.threads.or(opts.threads),
                    row.cold,
                ) {
                    Ok(run) => row.ooc.runs.push(run),
                    Err(e) => {
                        bar.println(format!("xtask: {label}: {e}"));
                        row.ooc.error = Some(e);
                    }
                }
            }
            bar.inc(1);
        }
        let Some(py) = &python else { continue };
        for variant in row.case.python.clone() {
            let mut runs = Runs::default();
            for k in 0..opts.repeat {
                bar.set_message(format!(
                    "{label}: python {variant} ({}/{})",
                    k + 1,
                    opts.repeat
                ));
                if runs.error.is_none() {
                    match compare::run(
                        py,
                        &variant,
                        &data_dir,
                        &row.case.params,
                        row.case.threads.or(opts.threads),
                        row.cold,
                    ) {
                        Ok(run) => runs.runs.push(run),
                        Err(e) => {
                            bar.println(format!("xtask: {label}: {e}"));
                            runs.error = Some(e);
                        }
                    }
                }
                bar.inc(1);
            }
            let checksum_agrees =
                match (row.case.same_checksum, row.ooc.checksum(), runs.checksum()) {
                    (true, Some(a), Some(b)) => Some((a - b).abs() <= 1e-3 * a.abs().max(1.0)),
                    _ => None,
                };
            row.python.push(PythonRow {
                variant,
                runs,
                checksum_agrees,
            });
        }
    }
    bar.finish_and_clear();

    let ceilings = Ceilings::from_rows(&rows);
    let report = Report {
        scale: opts.scale.clone(),
        threads: opts.threads,
        repeat: opts.repeat,
        machine: Machine::detect(),
        rows,
        ceilings,
        python_note,
    };
    let targets = targets::judge(&report);
    print!("\n{}\n", report::preamble(&report));
    print!("{}", report::text_table(&report));
    if !targets.is_empty() {
        println!("\nperformance targets measured in this run:");
        print!("{}", report::targets_text(&targets));
    }
    write_outputs(&report, &targets, &out_dir)?;
    let failed: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.ooc.error.is_some())
        .map(Row::label)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} case(s) failed: {}",
            failed.len(),
            failed.join(", ")
        ))
    }
}

/// Prepares every dataset the selected cases read, once, before any timing.
fn prepare(
    exe: &std::path::Path,
    cases: &[CaseInfo],
    opts: &Options,
    dir: &std::path::Path,
) -> Result {
    let mut datasets: Vec<&str> = Vec::new();
    for c in cases {
        for d in &c.inputs {
            if !datasets.contains(&d.as_str()) {
                datasets.push(d);
            }
        }
    }
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(200));
    for d in datasets {
        spinner.set_message(format!(
            "preparing {d} ({} scale) in {}",
            opts.scale,
            dir.display()
        ));
        runner::prepare(exe, d, &opts.scale, dir)?;
    }
    spinner.finish_and_clear();
    Ok(())
}

/// Writes report.json, report.md and the charts.
fn write_outputs(report: &Report, targets: &[targets::Target], dir: &std::path::Path) -> Result {
    let write = |name: &str, text: String| -> Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok(path)
    };
    let json =
        serde_json::to_string_pretty(&report::json(report, targets)).map_err(|e| e.to_string())?;
    let j = write("report.json", json)?;
    let m = write("report.md", report::markdown(report, targets))?;
    charts::write(report, dir)?;
    println!(
        "\nwrote {}, {}, {} and {}",
        j.display(),
        m.display(),
        dir.join("throughput.svg").display(),
        dir.join("memory.svg").display()
    );
    Ok(())
}
