//! Running one workload once: the context it gets, what it reports, timing with the
//! `%memit` analogue around it, and dropping a file's cached pages for cold runs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ooc_core::{MemoryReport, Par};

use crate::data::{Dataset, Result};
use crate::scale::{Scale, Sizes};

/// What a workload is given.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// Directory of the prepared data and of scratch files.
    pub(crate) dir: PathBuf,
    /// The run's scale.
    pub(crate) scale: Scale,
    /// Its sizes.
    pub(crate) sizes: Sizes,
    /// Threads the operation may use.
    pub(crate) par: Par,
    /// Whether the inputs' cached pages are dropped before timing.
    pub(crate) cold: bool,
}

impl Ctx {
    /// The path of a prepared dataset.
    pub(crate) fn input(&self, dataset: Dataset) -> PathBuf {
        dataset.path(&self.dir)
    }

    /// A scratch file path for workloads that write; removed first if it exists.
    pub(crate) fn scratch(&self, name: &str) -> Result<PathBuf> {
        let dir = self.dir.join("scratch");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)?;
        }
        Ok(path)
    }

    /// Puts `path` in the state the run asks for before timing starts: its cached pages
    /// dropped, then for a warm run read back through once.
    pub(crate) fn settle(&self, path: &Path) -> Result {
        // Warm runs first drop the file's pages and read it back in order, so every input
        // sits in the page cache the same way (readahead's large folios), however it was
        // written; HDF5 files written in small pieces otherwise fault in four times as
        // many pieces. The Python side settles the same way.
        evict(path)?;
        if !self.cold {
            let mut file = std::fs::File::open(path)?;
            std::io::copy(&mut file, &mut std::io::sink())?;
        }
        Ok(())
    }
}

/// One measured run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    /// Wall-clock seconds of the timed part.
    pub(crate) seconds: f64,
    /// Bytes the workload moved (read or written), for throughput.
    pub(crate) bytes: u64,
    /// Memory while it ran.
    pub(crate) memory: MemoryReport,
    /// A number derived from the result, checked against a reference.
    pub(crate) checksum: f64,
}

impl Outcome {
    /// The JSON line `workloads run` prints.
    pub(crate) fn json(&self, case: &str, ctx: &Ctx) -> String {
        serde_json::json!({
            "case": case,
            "scale": ctx.scale.to_string(),
            "threads": ctx.par.degree(),
            "cold": ctx.cold,
            "seconds": self.seconds,
            "bytes": self.bytes,
            "peak_bytes": self.memory.peak_bytes(),
            "increment_bytes": self.memory.increment_bytes(),
            "anon_growth_bytes": self.memory.anon_growth_bytes(),
            "checksum": self.checksum,
        })
        .to_string()
    }
}

/// Times `f` and measures resident memory while it runs; `f` returns the checksum.
pub(crate) fn timed(bytes: usize, f: impl FnOnce() -> Result<f64>) -> Result<Outcome> {
    let (result, memory) = ooc_core::measure(|| {
        let start = Instant::now();
        let checksum = f();
        (checksum, start.elapsed().as_secs_f64())
    })?;
    let (checksum, seconds) = result;
    Ok(Outcome {
        seconds,
        bytes: bytes as u64,
        memory,
        checksum: checksum?,
    })
}

/// Drops the page cache of one file (`posix_fadvise(DONTNEED)` after a sync), so the next
/// read comes from the disk. Needs no privileges and leaves other files' pages alone.
pub(crate) fn evict(path: &Path) -> Result {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    file.sync_all()?;
    // SAFETY: the descriptor is open for the duration of the call; fadvise only advises.
    let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!(
            "posix_fadvise(DONTNEED) on {}: {}",
            path.display(),
            std::io::Error::from_raw_os_error(rc)
        )
        .into())
    }
}

/// Sum of `y` in f64, the checksum of vector results.
pub(crate) fn sum_f32(y: &[f32]) -> f64 {
    y.iter().map(|v| f64::from(*v)).sum()
}
