//! The registry of workloads: what each case is called, which prepared data it reads,
//! which ceiling it is compared with, its Python equivalents, and how to run it and check
//! its result. `workloads list` prints this table for `cargo xtask bench`, which keeps no
//! second copy of it.

use serde_json::{Value, json};

use crate::ceilings;
use crate::data::{Dataset, Result};
use crate::measure::{Ctx, Outcome};
use crate::scale::{Scale, Sizes};

/// Which measured ceiling a case's throughput is divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ceiling {
    /// This case is itself a ceiling.
    Itself,
    /// Memory read bandwidth.
    Memory,
    /// Sequential file read: from the page cache, or from the disk in a cold run.
    FileRead,
    /// Sequential file write, synced.
    FileWrite,
    /// Sequential file read from the disk, warm run or not (for files larger than memory).
    ColdRead,
}

impl Ceiling {
    /// The name of the ceiling case, as `cargo xtask bench` looks it up.
    pub(crate) fn name(self, cold: bool) -> &'static str {
        match self {
            Ceiling::Itself => "",
            // A cold run of a memory-speed case is bound by the disk, not by memory.
            Ceiling::FileRead | Ceiling::Memory if cold => "ceiling-read-cold",
            Ceiling::Memory => "ceiling-memory",
            Ceiling::FileRead => "ceiling-read-warm",
            Ceiling::FileWrite => "ceiling-write",
            Ceiling::ColdRead => "ceiling-read-cold",
        }
    }
}

/// One workload.
pub(crate) struct Case {
    /// Unique name, used by `--filter`.
    pub(crate) name: &'static str,
    /// Group shown in the report (ceilings, fill, gemv, sparse).
    pub(crate) group: &'static str,
    /// One line saying what it does.
    pub(crate) about: &'static str,
    /// The ceiling it is compared with.
    pub(crate) ceiling: Ceiling,
    /// Prepared data it reads.
    pub(crate) inputs: &'static [Dataset],
    /// Whether a cold-cache variant makes sense (it reads prepared files).
    pub(crate) coldable: bool,
    /// A fixed thread count, for cases that compare thread counts.
    pub(crate) threads: Option<usize>,
    /// Equivalent Python workloads in `benches/python/workloads.py`.
    pub(crate) python: &'static [&'static str],
    /// Whether the checksum of the Python side must equal ours (same input files).
    pub(crate) same_checksum: bool,
    /// Runs it once.
    pub(crate) run: fn(&Ctx) -> Result<Outcome>,
    /// The checksum a correct run produces, computed the simple way.
    pub(crate) reference: fn(&Ctx) -> Result<f64>,
    /// Relative tolerance of the checksum comparison.
    pub(crate) tolerance: f64,
}

impl Case {
    /// Sizes and file names the Python side needs, derived from the same table.
    pub(crate) fn params(&self, sizes: &Sizes) -> Value {
        json!({
            "fill": sizes.fill,
            "fill_chunk": sizes.fill_chunk,
            "gemv": sizes.gemv,
            "gemv_small_chunk": sizes.gemv_small_chunk,
            "gemv_gzip_chunk": sizes.gemv_gzip_chunk,
            "sparse": sizes.sparse,
            "density": sizes.density,
            "budget": sizes.budget,
            "fill_advised_chunk": crate::data::advised_chunk(sizes.fill),
            "gemv_advised_chunk": crate::data::advised_chunk(sizes.gemv),
            "inputs": self.inputs.iter().map(|d| d.file_name()).collect::<Vec<_>>(),
        })
    }

    /// The line `workloads list` prints for this case.
    pub(crate) fn describe(&self, sizes: &Sizes) -> String {
        json!({
            "name": self.name,
            "group": self.group,
            "about": self.about,
            "ceiling": self.ceiling.name(false),
            "ceiling_cold": self.ceiling.name(true),
            "inputs": self.inputs.iter().map(|d| d.name()).collect::<Vec<_>>(),
            "coldable": self.coldable,
            "threads": self.threads,
            "python": self.python,
            "same_checksum": self.same_checksum,
            "params": self.params(sizes),
        })
        .to_string()
    }
}

/// A ceiling case: the machine's limit itself, with no Python twin and no cold variant.
fn ceiling(
    name: &'static str,
    about: &'static str,
    inputs: &'static [Dataset],
    run: fn(&Ctx) -> Result<Outcome>,
    reference: fn(&Ctx) -> Result<f64>,
) -> Case {
    Case {
        name,
        group: "ceiling",
        about,
        ceiling: Ceiling::Itself,
        inputs,
        coldable: false,
        threads: None,
        python: &[],
        same_checksum: false,
        run,
        reference,
        tolerance: 0.0,
    }
}

/// Every case, ceilings first.
pub(crate) fn all() -> Vec<Case> {
    let mut cases = vec![
        ceiling(
            "ceiling-memory",
            "parallel sum over resident memory (memory read bandwidth)",
            &[],
            ceilings::memory,
            ceilings::memory_reference,
        ),
        ceiling(
            "ceiling-read-warm",
            "sequential read of the GEMV matrix file from the page cache",
            &[Dataset::Dense],
            ceilings::read_warm,
            ceilings::read_reference,
        ),
        ceiling(
            "ceiling-read-cold",
            "sequential read of the GEMV matrix file after posix_fadvise(DONTNEED)",
            &[Dataset::Dense],
            ceilings::read_cold,
            ceilings::read_reference,
        ),
        ceiling(
            "ceiling-write",
            "sequential write of the fill's bytes, synced to disk",
            &[],
            ceilings::write,
            ceilings::write_reference,
        ),
    ];
    cases.extend(crate::fill::cases());
    cases.extend(crate::dense::cases());
    cases.extend(crate::sparse::cases());
    cases
}

/// Cases that run at the huge scale: a matrix larger than memory leaves no room for the
/// others (each would write its own 32 GiB file).
const HUGE: [&str; 3] = ["ceiling-memory", "ceiling-read-cold", "gemv-huge-mmap"];

/// The cases of `scale`.
pub(crate) fn for_scale(scale: Scale) -> Vec<Case> {
    all()
        .into_iter()
        .filter(|c| match scale {
            Scale::Huge => HUGE.contains(&c.name),
            Scale::Micro => true,
            Scale::Quick | Scale::Notebook => c.name != "gemv-huge-mmap",
        })
        .collect()
}

/// The case called `name`.
pub(crate) fn find(name: &str) -> Option<Case> {
    all().into_iter().find(|c| c.name == name)
}
