//! Memory measurement, the `%memit` of ooc: how much resident memory a closure took at its
//! peak, over what the process held when it started.
//!
//! On Linux the kernel keeps the high-water mark of resident memory (`VmHWM`); writing `5`
//! to `/proc/self/clear_refs` resets it to the current size, so the peak during a closure
//! is exact, however briefly it was reached. Elsewhere measuring returns
//! [`Error::Unsupported`].
//!
//! ```
//! let (sum, report) = ooc_core::measure(|| {
//!     let v = vec![1_u8; 64 << 20];
//!     v.iter().map(|&b| u64::from(b)).sum::<u64>()
//! })?;
//! assert_eq!(sum, 64 << 20);
//! assert!(report.increment_bytes() >= 60 << 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};

/// Resident memory of this process at one moment, from `/proc/self/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessMemory {
    /// Resident set size (`VmRSS`), bytes.
    pub rss: usize,
    /// Peak resident set size since start or the last reset (`VmHWM`), bytes.
    pub peak_rss: usize,
    /// Resident anonymous memory (`RssAnon`): heap and stacks, not file pages, bytes.
    pub anon: usize,
    /// Resident file-backed memory (`RssFile`): mapped file pages, bytes.
    pub file: usize,
}

/// What [`measure`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryReport {
    /// Memory before the closure ran (after the peak was reset).
    pub before: ProcessMemory,
    /// Memory after it returned; `after.peak_rss` is the peak during the closure.
    pub after: ProcessMemory,
}

impl MemoryReport {
    /// Peak resident memory while the closure ran, bytes (`%memit`'s "peak memory").
    #[must_use]
    pub fn peak_bytes(&self) -> usize {
        self.after.peak_rss.max(self.before.rss)
    }

    /// Peak minus the starting size (`%memit`'s "increment").
    #[must_use]
    pub fn increment_bytes(&self) -> usize {
        self.peak_bytes().saturating_sub(self.before.rss)
    }

    /// Growth of resident anonymous memory from start to end, bytes (may be negative).
    #[must_use]
    pub fn anon_growth_bytes(&self) -> isize {
        isize::try_from(self.after.anon).unwrap_or(isize::MAX)
            - isize::try_from(self.before.anon).unwrap_or(isize::MAX)
    }
}

impl std::fmt::Display for MemoryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[allow(clippy::cast_precision_loss)]
        let mib = |b: usize| b as f64 / f64::from(1 << 20);
        write!(
            f,
            "peak memory: {:.2} MiB, increment: {:.2} MiB",
            mib(self.peak_bytes()),
            mib(self.increment_bytes())
        )
    }
}

/// Reads this process's current memory figures.
///
/// # Errors
/// [`Error::Unsupported`] off Linux; [`Error::Io`] when `/proc/self/status` cannot be read.
pub fn current() -> Result<ProcessMemory> {
    if !cfg!(target_os = "linux") {
        return Err(Error::Unsupported(
            "memory measurement needs Linux /proc".into(),
        ));
    }
    let text = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::io("reading /proc/self/status", e))?;
    Ok(parse_status(&text))
}

fn parse_status(text: &str) -> ProcessMemory {
    let mut m = ProcessMemory::default();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let field = match key {
            "VmRSS" => &mut m.rss,
            "VmHWM" => &mut m.peak_rss,
            "RssAnon" => &mut m.anon,
            "RssFile" => &mut m.file,
            _ => continue,
        };
        let kib: usize = rest
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap_or(0);
        *field = kib * 1024;
    }
    m
}

/// Resets the kernel's peak-resident mark (`VmHWM`) to the current resident size.
///
/// # Errors
/// [`Error::Unsupported`] off Linux; [`Error::Io`] when `/proc/self/clear_refs` refuses.
pub fn reset_peak() -> Result<()> {
    if !cfg!(target_os = "linux") {
        return Err(Error::Unsupported(
            "memory measurement needs Linux /proc".into(),
        ));
    }
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|e| Error::io("resetting peak memory via /proc/self/clear_refs", e))
}

/// Runs `f` and reports peak and increment of resident memory while it ran.
///
/// The peak is process-wide: other threads' allocations during `f` count too.
///
/// # Errors
/// As [`current`] and [`reset_peak`]; `f` is not run when measuring is impossible.
pub fn measure<R>(f: impl FnOnce() -> R) -> Result<(R, MemoryReport)> {
    reset_peak()?;
    let before = current()?;
    let value = f();
    let after = current()?;
    Ok((value, MemoryReport { before, after }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let text = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nRssAnon:\t 512 kB\nRssFile:\t 256 kB\n";
        let m = parse_status(text);
        assert_eq!(
            m,
            ProcessMemory {
                rss: 1 << 20,
                peak_rss: 2 << 20,
                anon: 512 << 10,
                file: 256 << 10
            }
        );
    }

    /// Other tests allocate concurrently in this process, which would show in a
    /// process-wide peak, so the measurement runs alone in a child test process.
    #[test]
    fn touching_256_mib_reports_it_within_a_few_percent() {
        const NAME: &str = "mem::tests::touching_256_mib_reports_it_within_a_few_percent";
        if std::env::var_os("OOC_MEM_CHILD").is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([NAME, "--exact", "--test-threads=1", "--nocapture"])
                .env("OOC_MEM_CHILD", "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "child failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.contains("measured increment"),
                "child did not measure: {text}"
            );
            return;
        }
        const N: usize = 256 << 20;
        let ((), report) = measure(|| {
            let mut v = vec![0_u8; N];
            for page in v.chunks_mut(4096) {
                page[0] = 1;
            }
            assert_eq!(
                std::hint::black_box(&v).iter().step_by(4096).count(),
                N / 4096
            );
        })
        .unwrap();
        #[allow(clippy::cast_precision_loss)]
        let ratio = report.increment_bytes() as f64 / N as f64;
        println!("measured increment ratio {ratio}: {report}");
        assert!((0.97..1.04).contains(&ratio), "ratio {ratio}: {report}");
        // Freed on return: the increment is a peak, not what remains.
        assert!(report.after.rss < report.peak_bytes());
    }
}
