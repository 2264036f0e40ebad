//! What a benchmark run measured: the runs of each case (and of its Python equivalents),
//! summarised as median, minimum and maximum, throughput and ratios to the ceilings.

use std::collections::BTreeMap;

use crate::bench::runner::{CaseInfo, Run};

/// Median, minimum and maximum of some numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spread {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            f64::midpoint(v[n / 2 - 1], v[n / 2])
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }
}

/// The runs of one program (ooc's workload or one Python equivalent) for one case.
#[derive(Debug, Clone, Default)]
pub(crate) struct Runs {
    pub(crate) runs: Vec<Run>,
    /// The first failure, if a run failed (the case is then reported as failed).
    pub(crate) error: Option<String>,
}

impl Runs {
    /// Seconds: median, min, max.
    pub(crate) fn seconds(&self) -> Option<Spread> {
        Spread::of(self.runs.iter().map(|r| r.seconds))
    }

    /// Bytes moved per run.
    pub(crate) fn bytes(&self) -> f64 {
        self.runs.first().map_or(0.0, |r| r.bytes)
    }

    /// Throughput at the median time, GB/s.
    pub(crate) fn gbps(&self) -> Option<f64> {
        let s = self.seconds()?;
        (s.median > 0.0 && self.error.is_none()).then(|| self.bytes() / s.median / 1e9)
    }

    /// Median peak resident memory, bytes.
    pub(crate) fn peak(&self) -> Option<f64> {
        Spread::of(self.runs.iter().map(|r| r.peak_bytes)).map(|s| s.median)
    }

    /// Median memory increment, bytes.
    pub(crate) fn increment(&self) -> Option<f64> {
        Spread::of(self.runs.iter().map(|r| r.increment_bytes)).map(|s| s.median)
    }

    /// Median growth of anonymous resident memory (heap, not the page cache a map
    /// shows), bytes, when the program reports it.
    pub(crate) fn anon_growth(&self) -> Option<f64> {
        Spread::of(self.runs.iter().filter_map(|r| r.anon_growth_bytes)).map(|s| s.median)
    }

    /// The checksum of the first run.
    pub(crate) fn checksum(&self) -> Option<f64> {
        self.runs.first().map(|r| r.checksum)
    }
}

/// One Python equivalent of a case.
#[derive(Debug, Clone)]
pub(crate) struct PythonRow {
    pub(crate) variant: String,
    pub(crate) runs: Runs,
    /// Whether its checksum agrees with ooc's (None when not comparable).
    pub(crate) checksum_agrees: Option<bool>,
}

/// One line of the report: a case, warm or cold.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) case: CaseInfo,
    pub(crate) cold: bool,
    pub(crate) ooc: Runs,
    pub(crate) python: Vec<PythonRow>,
}

impl Row {
    /// The case name, with ` (cold)` for cold runs.
    pub(crate) fn label(&self) -> String {
        if self.cold {
            format!("{} (cold)", self.case.name)
        } else {
            self.case.name.clone()
        }
    }

    /// The ceiling case this row is divided by ("" for ceilings).
    pub(crate) fn ceiling_name(&self) -> &str {
        if self.cold {
            &self.case.ceiling_cold
        } else {
            &self.case.ceiling
        }
    }

    /// Throughput over the ceiling's throughput.
    pub(crate) fn ratio(&self, ceilings: &Ceilings) -> Option<f64> {
        let c = ceilings.gbps.get(self.ceiling_name())?;
        Some(self.ooc.gbps()? / c)
    }
}

/// Measured ceilings: case name → GB/s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ceilings {
    pub(crate) gbps: BTreeMap<String, f64>,
}

impl Ceilings {
    /// The ceilings among `rows`.
    pub(crate) fn from_rows(rows: &[Row]) -> Ceilings {
        Ceilings {
            gbps: rows
                .iter()
                .filter(|r| r.case.group == "ceiling" && !r.cold)
                .filter_map(|r| Some((r.case.name.clone(), r.ooc.gbps()?)))
                .collect(),
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) scale: String,
    pub(crate) threads: Option<usize>,
    pub(crate) repeat: usize,
    pub(crate) machine: Machine,
    pub(crate) rows: Vec<Row>,
    pub(crate) ceilings: Ceilings,
    /// Why Python was not compared, when it was asked for and could not be.
    pub(crate) python_note: Option<String>,
}

impl Report {
    /// The row of `case` (warm or cold).
    pub(crate) fn row(&self, case: &str, cold: bool) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.case.name == case && r.cold == cold)
    }
}

/// The machine the figures came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Machine {
    pub(crate) cpu: String,
    pub(crate) cores: usize,
    pub(crate) memory_bytes: u64,
    pub(crate) kernel: String,
}

impl Machine {
    /// Reads `/proc` (fields stay empty elsewhere).
    pub(crate) fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let memory_bytes = std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            memory_bytes,
            kernel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Spread::of([4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        assert!(Spread::of([]).is_none());
    }

    #[test]
    fn anonymous_growth_is_the_median_of_the_runs_that_report_it() {
        let run = |anon| Run {
            seconds: 1.0,
            bytes: 0.0,
            peak_bytes: 0.0,
            increment_bytes: 0.0,
            anon_growth_bytes: anon,
            checksum: 0.0,
        };
        let runs = Runs {
            runs: vec![run(Some(5.0)), run(None), run(Some(1.0)), run(Some(3.0))],
            error: None,
        };
        assert_eq!(runs.anon_growth(), Some(3.0));
        let python = Runs {
            runs: vec![run(None)],
            error: None,
        };
        assert_eq!(python.anon_growth(), None);
        assert!(
            Run::parse(
                r#"{"seconds":1,"bytes":2,"peak_bytes":3,"increment_bytes":4,"checksum":5}"#
            )
            .unwrap()
            .anon_growth_bytes
            .is_none()
        );
        assert_eq!(Run::parse(r#"{"seconds":1,"bytes":2,"peak_bytes":3,"increment_bytes":4,"anon_growth_bytes":7,"checksum":5}"#).unwrap().anon_growth_bytes, Some(7.0));
    }

    #[test]
    fn throughput_and_ratio_use_the_median() {
        let run = |seconds| Run {
            seconds,
            bytes: 1e9,
            peak_bytes: 0.0,
            increment_bytes: 0.0,
            anon_growth_bytes: None,
            checksum: 0.0,
        };
        let rows = vec![
            Row {
                case: CaseInfo::named("ceiling-memory", "ceiling", ""),
                cold: false,
                ooc: Runs {
                    runs: vec![run(0.1), run(0.1), run(0.5)],
                    error: None,
                },
                python: vec![],
            },
            Row {
                case: CaseInfo::named("gemv", "gemv", "ceiling-memory"),
                cold: false,
                ooc: Runs {
                    runs: vec![run(0.2), run(0.4), run(0.3)],
                    error: None,
                },
                python: vec![],
            },
        ];
        let ceilings = Ceilings::from_rows(&rows);
        assert_eq!(ceilings.gbps["ceiling-memory"], 10.0);
        let r = rows[1].ratio(&ceilings).unwrap();
        assert!((r - (1.0 / 0.3) / 10.0).abs() < 1e-12, "{r}");
    }
}
