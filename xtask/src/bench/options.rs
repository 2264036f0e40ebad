//! The options of `cargo xtask bench`.

use crate::Result;

/// What the user asked for.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// `quick`, `notebook` or `huge`.
    pub(crate) scale: String,
    /// Add cold-cache variants of the cases that read files.
    pub(crate) cold: bool,
    /// Run only cases whose name contains one of these (ceilings always run).
    pub(crate) filters: Vec<String>,
    /// Threads for the workloads (default: all cores).
    pub(crate) threads: Option<usize>,
    /// Runs per case.
    pub(crate) repeat: usize,
    /// Run the Python equivalents side by side.
    pub(crate) compare_python: bool,
}

/// The help text.
pub(crate) const USAGE: &str = "\
usage: cargo xtask bench [options]

  --scale quick|notebook|huge  sizes: quick (default, about a tenth of the notebook),
                               notebook (1000 x 100,000 f32 matrices, 400 MB each) or
                               huge (a 32 GiB matrix, GEMV under a 1 GiB budget)
  --cold                       also run the file-reading cases with a cold page cache
  --filter NAME                only cases whose name contains NAME (repeatable)
  --threads N                  threads for the workloads (default: all cores)
  --repeat N                   runs per case (default 5 quick, 3 notebook, 1 huge)
  --compare python             run the numpy/h5py/scipy/dask equivalents side by side

Writes target/bench/report.json, report.md, throughput.svg and memory.svg;
data files live in target/bench/data/<scale>.";

impl Options {
    /// Parses the arguments after `bench`.
    pub(crate) fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            scale: "quick".into(),
            cold: false,
            filters: Vec::new(),
            threads: None,
            repeat: 0,
            compare_python: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |flag: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
            };
            let number = |flag: &str, v: String| {
                v.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{flag} expects a positive number, got {v:?}"))
            };
            match arg.as_str() {
                "--scale" => {
                    let v = value("--scale")?;
                    if !["quick", "notebook", "huge"].contains(&v.as_str()) {
                        return Err(format!(
                            "unknown scale {v:?}: expected quick, notebook or huge"
                        ));
                    }
                    o.scale = v;
                }
                "--cold" => o.cold = true,
                "--filter" => o.filters.push(value("--filter")?),
                "--threads" => o.threads = Some(number("--threads", value("--threads")?)?),
                "--repeat" => o.repeat = number("--repeat", value("--repeat")?)?,
                "--compare" => {
                    let v = value("--compare")?;
                    if v != "python" {
                        return Err(format!("--compare {v:?}: only `python` is known"));
                    }
                    o.compare_python = true;
                }
                "--help" | "-h" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
            }
        }
        if o.repeat == 0 {
            o.repeat = match o.scale.as_str() {
                "quick" => 5,
                "notebook" => 3,
                _ => 1,
            };
        }
        Ok(o)
    }

    /// Whether `case` passes the filters.
    pub(crate) fn selects(&self, case: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| case.contains(f.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(&args.iter().map(ToString::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_depend_on_the_scale() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.scale.as_str(), o.repeat, o.cold), ("quick", 5, false));
        assert_eq!(parse(&["--scale", "notebook"]).unwrap().repeat, 3);
        assert_eq!(parse(&["--scale", "huge"]).unwrap().repeat, 1);
        assert_eq!(
            parse(&["--scale", "huge", "--repeat", "2"]).unwrap().repeat,
            2
        );
    }

    #[test]
    fn every_option_is_read() {
        let o = parse(&[
            "--cold",
            "--filter",
            "gemv",
            "--filter",
            "fill",
            "--threads",
            "2",
            "--compare",
            "python",
        ])
        .unwrap();
        assert!(o.cold && o.compare_python);
        assert_eq!(o.threads, Some(2));
        assert!(o.selects("gemv-mmap") && o.selects("fill-h5") && !o.selects("spmv"));
    }

    #[test]
    fn bad_options_are_named() {
        for (args, needle) in [
            (&["--scale", "big"][..], "\"big\""),
            (&["--threads", "0"][..], "--threads"),
            (&["--threads", "x"][..], "\"x\""),
            (&["--compare", "julia"][..], "julia"),
            (&["--frobnicate"][..], "--frobnicate"),
            (&["--filter"][..], "--filter needs a value"),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
    }
}
