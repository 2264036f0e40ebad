//! SVG charts of a run: throughput per case (with the ceilings drawn as lines) and peak
//! memory per case, horizontal bars so long case names stay readable.

use std::path::Path;

use plotters::prelude::*;

use crate::Result;
use crate::bench::results::{PythonRow, Report, Row};

/// One bar: label, value, and an optional second value drawn beside it (Python).
struct Bar {
    label: String,
    value: f64,
    other: Option<f64>,
}

fn draw(path: &Path, title: &str, unit: &str, bars: &[Bar], lines: &[(String, f64)]) -> Result {
    if bars.is_empty() {
        return Ok(());
    }
    let height = 120 + 26 * u32::try_from(bars.len()).unwrap_or(u32::MAX / 64);
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.other.unwrap_or(0.0)])
        .chain(lines.iter().map(|l| l.1))
        .fold(0.0_f64, f64::max)
        .max(1e-9)
        * 1.1;
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    let fail = |e: &dyn std::fmt::Display| format!("drawing {}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let n = bars.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(260)
        .build_cartesian_2d(0.0..max, -0.5..n as f64 - 0.5)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            // Bars are centred on whole numbers; other tick values get no label.
            let k = y.round();
            if (y - k).abs() < 1e-6 && k >= 0.0 {
                bars.get(n - 1 - k as usize)
                    .map(|b| b.label.clone())
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(unit)
        .draw()
        .map_err(|e| fail(&e))?;
    let ooc_color = RGBColor(31, 119, 180);
    let py_color = RGBColor(255, 127, 14);
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let y = (n - 1 - i) as f64;
            let low = if b.other.is_some() { y } else { y - 0.35 };
            Rectangle::new([(0.0, low), (b.value, y + 0.35)], ooc_color.filled())
        }))
        .map_err(|e| fail(&e))?
        .label("ooc")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], ooc_color.filled()));
    if bars.iter().any(|b| b.other.is_some()) {
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                let y = (n - 1 - i) as f64;
                Some(Rectangle::new(
                    [(0.0, y - 0.35), (b.other?, y)],
                    py_color.filled(),
                ))
            }))
            .map_err(|e| fail(&e))?
            .label("python")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], py_color.filled()));
    }
    for (k, (name, value)) in lines.iter().enumerate() {
        let color = Palette99::pick(k + 2).to_rgba();
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(*value, -0.5), (*value, n as f64 - 0.5)],
                color.stroke_width(2),
            )))
            .map_err(|e| fail(&e))?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 12, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}

/// The first Python equivalent of a row that ran.
fn python_of(r: &Row) -> Option<&PythonRow> {
    r.python.first().filter(|p| p.runs.error.is_none())
}

/// Writes `throughput.svg` and `memory.svg` into `dir`.
pub(crate) fn write(report: &Report, dir: &Path) -> Result {
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.case.group != "ceiling" && r.ooc.error.is_none())
        .collect();
    let throughput: Vec<Bar> = rows
        .iter()
        .filter_map(|r| {
            let g = r.ooc.gbps()?;
            let other = python_of(r).and_then(|p| {
                let s = p.runs.seconds()?.median;
                (s > 0.0).then(|| r.ooc.bytes() / s / 1e9)
            });
            Some(Bar {
                label: r.label(),
                value: g,
                other,
            })
        })
        .collect();
    let lines: Vec<(String, f64)> = report
        .ceilings
        .gbps
        .iter()
        .map(|(k, v)| (k.trim_start_matches("ceiling-").to_string(), *v))
        .collect();
    draw(
        &dir.join("throughput.svg"),
        &format!("ooc throughput per case ({} scale)", report.scale),
        "GB/s (bytes moved / median time)",
        &throughput,
        &lines,
    )?;
    let memory: Vec<Bar> = rows
        .iter()
        .filter_map(|r| {
            Some(Bar {
                label: r.label(),
                value: r.ooc.peak()? / f64::from(1 << 20),
                other: python_of(r)
                    .and_then(|p| p.runs.peak())
                    .map(|b| b / f64::from(1 << 20)),
            })
        })
        .collect();
    draw(
        &dir.join("memory.svg"),
        &format!("peak resident memory per case ({} scale)", report.scale),
        "MiB (median of the runs' peaks)",
        &memory,
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::{Ceilings, Machine, Runs};
    use crate::bench::runner::{CaseInfo, Run};

    fn row(name: &str, group: &str, seconds: f64) -> Row {
        Row {
            case: CaseInfo::named(name, group, "ceiling-memory"),
            cold: false,
            ooc: Runs {
                runs: vec![Run {
                    seconds,
                    bytes: 1e9,
                    peak_bytes: 1e8,
                    increment_bytes: 1e7,
                    anon_growth_bytes: None,
                    checksum: 0.0,
                }],
                error: None,
            },
            python: vec![],
        }
    }

    #[test]
    fn charts_name_every_case_and_ceiling() {
        let rows = vec![
            row("ceiling-memory", "ceiling", 0.1),
            row("gemv-first", "gemv", 0.5),
            row("gemv-second", "gemv", 0.25),
            row("spmv-third", "sparse", 1.0),
        ];
        let report = Report {
            scale: "quick".into(),
            threads: None,
            repeat: 1,
            machine: Machine::default(),
            ceilings: Ceilings::from_rows(&rows),
            rows,
            python_note: None,
        };
        let dir = std::env::temp_dir().join(format!("ooc-charts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(&report, &dir).unwrap();
        for file in ["throughput.svg", "memory.svg"] {
            let svg = std::fs::read_to_string(dir.join(file)).unwrap();
            for name in ["gemv-first", "gemv-second", "spmv-third"] {
                assert!(svg.contains(name), "{file} lacks {name}");
            }
            assert!(
                !svg.contains("ceiling-memory"),
                "{file} shows a ceiling as a case"
            );
        }
        let svg = std::fs::read_to_string(dir.join("throughput.svg")).unwrap();
        assert!(
            svg.contains(">\nmemory\n<"),
            "the memory ceiling line is in the legend"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
