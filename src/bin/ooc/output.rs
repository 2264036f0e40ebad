//! Printing results: sizes and rates for people, JSON for scripts.

use crate::failure::{CliResult, Failure};

use std::time::Duration;

/// `bytes` with a binary unit, e.g. `381.47 MiB`.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

/// Bytes per second over `elapsed`, in GB/s (10^9 bytes, as bandwidth is quoted).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn gb_per_s(bytes: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        bytes as f64 / secs / 1e9
    } else {
        0.0
    }
}

/// A duration for people: `12.3 ms`, `4.56 s`.
pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json(value: &serde_json::Value) -> CliResult {
    emit(&format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    ))
}

/// Writes `text` to standard output; a failed write (a full disk, a closed pipe, stdout
/// on `/dev/full`) is a one-line error, not a panic.
pub(crate) fn emit(text: &str) -> CliResult {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(format!("writing to standard output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_rates_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 20), "3.00 MiB");
        assert_eq!(human_bytes(400_000_000), "381.47 MiB");
        assert!((gb_per_s(2_000_000_000, Duration::from_secs(2)) - 1.0).abs() < 1e-12);
        assert_eq!(gb_per_s(5, Duration::ZERO), 0.0);
        assert_eq!(human_duration(Duration::from_millis(12)), "12.0 ms");
        assert_eq!(human_duration(Duration::from_millis(4560)), "4.56 s");
    }
}
