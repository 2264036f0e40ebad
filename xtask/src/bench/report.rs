//! Showing the results: the terminal table, `report.md` and `report.json`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::bench::results::{Report, Row, Runs};
use crate::bench::targets::Target;

/// Three significant digits.
fn sig3(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Seconds as people read them: µs, ms or s with three significant digits.
pub(crate) fn seconds(s: f64) -> String {
    if s < 1e-3 {
        format!("{} µs", sig3(s * 1e6))
    } else if s < 1.0 {
        format!("{} ms", sig3(s * 1e3))
    } else {
        format!("{} s", sig3(s))
    }
}

/// Bytes as MiB with one decimal.
pub(crate) fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / f64::from(1 << 20))
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

/// The columns of one line of the table, ooc side.
fn ooc_cells(row: &Row, report: &Report) -> Vec<String> {
    let runs = &row.ooc;
    let s = runs.seconds();
    if let Some(e) = &runs.error {
        let short: String = e.chars().take(60).collect();
        return vec![row.label(), format!("FAILED: {short}")];
    }
    vec![
        row.label(),
        opt(s.map(|s| s.median), seconds),
        opt(s.map(|s| s.min), seconds),
        opt(s.map(|s| s.max), seconds),
        opt(runs.gbps(), |g| format!("{g:.2}")),
        if row.case.group == "ceiling" {
            "(ceiling)".to_string()
        } else {
            row.ceiling_name()
                .trim_start_matches("ceiling-")
                .to_string()
        },
        opt(row.ratio(&report.ceilings), |r| format!("{r:.2}")),
        opt(runs.peak(), mib),
        opt(runs.increment(), mib),
        opt(runs.anon_growth(), mib),
    ]
}

/// Python's columns: variant, median time, and how many times faster ooc is.
fn python_cells(ooc: &Runs, py: &crate::bench::results::PythonRow) -> Vec<String> {
    if let Some(e) = &py.runs.error {
        let short: String = e.chars().take(50).collect();
        return vec![py.variant.clone(), format!("FAILED: {short}")];
    }
    let mine = ooc.seconds().map(|s| s.median);
    let theirs = py.runs.seconds().map(|s| s.median);
    let speedup = match (mine, theirs) {
        (Some(a), Some(b)) if a > 0.0 => Some(b / a),
        _ => None,
    };
    vec![
        py.variant.clone(),
        opt(theirs, seconds),
        opt(speedup, |x| format!("{x:.2}x")),
        opt(py.runs.peak(), mib),
        match py.checksum_agrees {
            Some(true) => "yes".into(),
            Some(false) => "NO".into(),
            None => "-".into(),
        },
    ]
}

const OOC_HEAD: [&str; 10] = [
    "case",
    "median",
    "min",
    "max",
    "GB/s",
    "vs ceiling",
    "ratio",
    "peak MiB",
    "incr MiB",
    "anon MiB",
];
const PY_HEAD: [&str; 5] = [
    "python",
    "py median",
    "ooc faster",
    "py peak MiB",
    "same result",
];

/// The table's lines as cells (header first).
fn table(report: &Report, with_python: bool) -> Vec<Vec<String>> {
    let mut head: Vec<String> = OOC_HEAD.iter().map(ToString::to_string).collect();
    if with_python {
        head.extend(PY_HEAD.iter().map(ToString::to_string));
    }
    let mut lines = vec![head];
    for row in &report.rows {
        let mut cells = ooc_cells(row, report);
        if !with_python || row.python.is_empty() {
            lines.push(cells);
            continue;
        }
        cells.resize(OOC_HEAD.len(), String::new());
        for (k, py) in row.python.iter().enumerate() {
            let mut line = if k == 0 {
                cells.clone()
            } else {
                vec![String::new(); OOC_HEAD.len()]
            };
            line.extend(python_cells(&row.ooc, py));
            lines.push(line);
        }
    }
    lines
}

/// The terminal table, columns aligned.
pub(crate) fn text_table(report: &Report) -> String {
    let with_python = report.rows.iter().any(|r| !r.python.is_empty());
    let lines = table(report, with_python);
    let ncols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; ncols];
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let mut text = String::new();
        for (k, cell) in line.iter().enumerate() {
            let pad = widths[k].saturating_sub(cell.chars().count());
            if k == 0 || cell.starts_with("FAILED") || (with_python && k == OOC_HEAD.len()) {
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(text, "{}{cell}  ", " ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&"-".repeat(widths.iter().map(|w| w + 2).sum::<usize>()));
            out.push('\n');
        }
    }
    out
}

/// The header lines: machine, scale, ceilings.
pub(crate) fn preamble(report: &Report) -> String {
    let m = &report.machine;
    let mut s = format!(
        "machine: {} ({} cores, {:.1} GiB RAM, Linux {})\nscale: {}, {} run(s) per case, threads: {}\n",
        if m.cpu.is_empty() {
            "unknown CPU"
        } else {
            &m.cpu
        },
        m.cores,
        m.memory_bytes as f64 / f64::from(1 << 30),
        m.kernel,
        report.scale,
        report.repeat,
        report
            .threads
            .map_or_else(|| "all cores".to_string(), |n| n.to_string()),
    );
    let ceilings: Vec<String> = report
        .ceilings
        .gbps
        .iter()
        .map(|(k, v)| format!("{} {v:.2} GB/s", k.trim_start_matches("ceiling-")))
        .collect();
    if !ceilings.is_empty() {
        let _ = writeln!(s, "ceilings: {}", ceilings.join(", "));
    }
    if let Some(note) = &report.python_note {
        let _ = writeln!(s, "python: {note}");
    }
    s
}

/// The targets section as text lines.
pub(crate) fn targets_text(targets: &[Target]) -> String {
    let mut s = String::new();
    for t in targets {
        let _ = writeln!(s, "  [{}] {}: {}", t.verdict(), t.name, t.measured);
    }
    s
}

/// `report.md`.
pub(crate) fn markdown(report: &Report, targets: &[Target]) -> String {
    let with_python = report.rows.iter().any(|r| !r.python.is_empty());
    let mut s = String::from("# ooc benchmark report\n\n");
    for line in preamble(report).lines() {
        let _ = writeln!(s, "- {line}");
    }
    s.push('\n');
    let lines = table(report, with_python);
    let ncols = lines.iter().map(Vec::len).max().unwrap_or(0);
    for (n, line) in lines.iter().enumerate() {
        let mut cells = line.clone();
        cells.resize(ncols, String::new());
        let _ = writeln!(s, "| {} |", cells.join(" | "));
        if n == 0 {
            let _ = writeln!(s, "|{}", "---|".repeat(ncols));
        }
    }
    s.push_str(
        "\nTimes are medians over fresh processes; GB/s is bytes moved over the median time; \
         ratio is that throughput over the ceiling named beside it, measured in the same run; \
         peak is the process's peak resident memory during the timed part and incr its growth \
         over the start, anon the growth of its anonymous (heap) memory alone, without the page \
         cache a memory map shows as resident. `ooc faster` is Python's median time over ooc's.\n",
    );
    if !targets.is_empty() {
        s.push_str("\n## Performance targets\n\n| target | measured | verdict |\n|---|---|---|\n");
        for t in targets {
            let _ = writeln!(s, "| {} | {} | {} |", t.name, t.measured, t.verdict());
        }
    }
    s.push_str("\n## Cases\n\n");
    for row in report.rows.iter().filter(|r| !r.cold) {
        let _ = writeln!(s, "- `{}`: {}", row.case.name, row.case.about);
    }
    s
}

fn runs_json(runs: &Runs) -> Value {
    let s = runs.seconds();
    json!({
        "seconds": s.map(|s| json!({"median": s.median, "min": s.min, "max": s.max})),
        "all_seconds": runs.runs.iter().map(|r| r.seconds).collect::<Vec<_>>(),
        "bytes": runs.bytes(),
        "gb_per_s": runs.gbps(),
        "peak_bytes": runs.peak(),
        "increment_bytes": runs.increment(),
        "anon_growth_bytes": runs.anon_growth(),
        "checksum": runs.checksum(),
        "error": runs.error,
    })
}

/// `report.json`.
pub(crate) fn json(report: &Report, targets: &[Target]) -> Value {
    let m = &report.machine;
    json!({
        "machine": {"cpu": m.cpu, "cores": m.cores, "memory_bytes": m.memory_bytes, "kernel": m.kernel},
        "scale": report.scale,
        "threads": report.threads,
        "repeat": report.repeat,
        "ceilings_gb_per_s": report.ceilings.gbps,
        "python_note": report.python_note,
        "cases": report.rows.iter().map(|row| {
            let mut v = runs_json(&row.ooc);
            v["case"] = json!(row.case.name);
            v["group"] = json!(row.case.group);
            v["about"] = json!(row.case.about);
            v["cold"] = json!(row.cold);
            v["ceiling"] = json!(row.ceiling_name());
            v["ratio_to_ceiling"] = json!(row.ratio(&report.ceilings));
            v["python"] = row.python.iter().map(|p| {
                let mut pv = runs_json(&p.runs);
                pv["variant"] = json!(p.variant);
                pv["checksum_agrees"] = json!(p.checksum_agrees);
                pv
            }).collect();
            v
        }).collect::<Vec<_>>(),
        "targets": targets.iter().map(|t| json!({
            "target": t.name, "measured": t.measured, "met": t.met,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(0.000_012_3), "12.3 µs");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(0.5), "500 ms");
        assert_eq!(seconds(2.346), "2.35 s");
    }
}
