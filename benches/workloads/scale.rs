//! How big each workload is at each scale. One table, shared by the workloads, the smoke
//! test and (through `list`) the Python side, so both sides always use the same sizes.

use std::fmt;
use std::str::FromStr;

/// A named size for the whole benchmark run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Tiny sizes for the smoke test `cargo test` runs.
    Micro,
    /// About a tenth of the notebook sizes: the default, minutes on two cores.
    Quick,
    /// The sizes of the notebook the project replaces (400 MB matrices).
    Notebook,
    /// A matrix larger than the machine's memory (32 GiB of f32).
    Huge,
}

impl FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "micro" => Ok(Scale::Micro),
            "quick" => Ok(Scale::Quick),
            "notebook" => Ok(Scale::Notebook),
            "huge" => Ok(Scale::Huge),
            other => Err(format!(
                "unknown scale {other:?} (expected micro, quick, notebook or huge)"
            )),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scale::Micro => "micro",
            Scale::Quick => "quick",
            Scale::Notebook => "notebook",
            Scale::Huge => "huge",
        })
    }
}

/// Every size a workload needs at one scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sizes {
    /// Rows × columns of the row-by-row fill (the notebook's 100 × 1,000,000).
    pub(crate) fill: [usize; 2],
    /// The classic small chunks of the fill (100, 100).
    pub(crate) fill_chunk: [usize; 2],
    /// Rows × columns of the dense GEMV matrix (the notebook's 1000 × 100,000).
    pub(crate) gemv: [usize; 2],
    /// The classic small chunks for GEMV (100, 100).
    pub(crate) gemv_small_chunk: [usize; 2],
    /// Chunks of the deflate + shuffle dataset (100, 10,000).
    pub(crate) gemv_gzip_chunk: [usize; 2],
    /// Rows × columns of the random sparse matrix.
    pub(crate) sparse: [usize; 2],
    /// Fraction of non-zero entries of the sparse matrix.
    pub(crate) density: f64,
    /// Bytes summed by the memory-bandwidth ceiling.
    pub(crate) memory_ceiling_bytes: usize,
    /// Memory budget of out-of-core passes, bytes.
    pub(crate) budget: usize,
}

impl Sizes {
    /// The sizes of `scale`.
    pub(crate) fn of(scale: Scale) -> Sizes {
        match scale {
            Scale::Micro => Sizes {
                fill: [7, 1003],
                fill_chunk: [5, 100],
                gemv: [37, 1001],
                gemv_small_chunk: [10, 10],
                gemv_gzip_chunk: [10, 100],
                sparse: [23, 411],
                density: 0.1,
                memory_ceiling_bytes: 4 << 20,
                budget: 4 << 20,
            },
            Scale::Quick => Sizes {
                fill: [100, 100_000],
                fill_chunk: [100, 100],
                gemv: [1000, 10_000],
                gemv_small_chunk: [100, 100],
                gemv_gzip_chunk: [100, 1000],
                sparse: [1000, 10_000],
                density: 0.1,
                memory_ceiling_bytes: 1 << 30,
                budget: 256 << 20,
            },
            Scale::Notebook => Sizes {
                fill: [100, 1_000_000],
                fill_chunk: [100, 100],
                gemv: [1000, 100_000],
                gemv_small_chunk: [100, 100],
                gemv_gzip_chunk: [100, 10_000],
                sparse: [1000, 100_000],
                density: 0.1,
                memory_ceiling_bytes: 1 << 30,
                budget: 256 << 20,
            },
            Scale::Huge => Sizes {
                gemv: [8192, 1 << 20],
                budget: 1 << 30,
                ..Sizes::of(Scale::Notebook)
            },
        }
    }

    /// Bytes of the dense GEMV matrix.
    pub(crate) fn gemv_bytes(&self) -> usize {
        self.gemv[0] * self.gemv[1] * 4
    }

    /// Bytes of the fill matrix.
    pub(crate) fn fill_bytes(&self) -> usize {
        self.fill[0] * self.fill[1] * 4
    }
}
