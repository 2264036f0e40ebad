//! The machine's ceilings, measured in the same run as the workloads so every case can be
//! reported as a fraction of what the hardware allows: memory read bandwidth, sequential
//! file reads from the page cache and from the disk, and sequential writes to the disk.

use std::io::{Read, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::data::{Dataset, Result};
use crate::measure::{Ctx, Outcome, evict, timed};

/// Block size of the sequential file ceilings: large enough that system-call overhead
/// does not count.
const IO_BLOCK: usize = 8 << 20;

/// Parallel sum over `memory_ceiling_bytes` of resident memory, on all allowed threads.
pub(crate) fn memory(ctx: &Ctx) -> Result<Outcome> {
    let words = ctx.sizes.memory_ceiling_bytes / 8;
    ctx.par.install(|| {
        let mut data = vec![0_u64; words];
        // First touch in parallel, so the pages are spread as the sum will read them.
        data.par_chunks_mut(1 << 16)
            .enumerate()
            .for_each(|(c, chunk)| {
                for (k, v) in chunk.iter_mut().enumerate() {
                    *v = ((c << 16) + k) as u64 & 0xff;
                }
            });
        timed(words * 8, || {
            let sum = data
                .par_chunks(1 << 16)
                .map(|c| c.iter().fold(0_u64, |a, &b| a.wrapping_add(b)))
                .reduce(|| 0, u64::wrapping_add);
            #[allow(clippy::cast_precision_loss)]
            Ok(sum as f64)
        })
    })?
}

/// What [`memory`] must sum to.
pub(crate) fn memory_reference(ctx: &Ctx) -> Result<f64> {
    let words = ctx.sizes.memory_ceiling_bytes / 8;
    let full = (words / 256) as u64 * (255 * 256 / 2);
    let rest: u64 = (0..(words % 256) as u64).sum();
    #[allow(clippy::cast_precision_loss)]
    Ok((full + rest) as f64)
}

/// Reads `path` start to end in large blocks; the checksum samples one byte per page.
fn read_file(path: &Path) -> Result<(usize, f64)> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0_u8; IO_BLOCK];
    let (mut total, mut sample) = (0_usize, 0_u64);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // Blocks are whole pages except the last, so page starts stay aligned to `total`.
        sample += buf[..n]
            .iter()
            .step_by(4096)
            .map(|&b| u64::from(b))
            .sum::<u64>();
        total += n;
    }
    #[allow(clippy::cast_precision_loss)]
    Ok((total, sample as f64))
}

/// Sequential read of the GEMV matrix file from the page cache (read once untimed first).
pub(crate) fn read_warm(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::Dense);
    read_file(&path)?;
    let bytes = usize::try_from(std::fs::metadata(&path)?.len())?;
    timed(bytes, || Ok(read_file(&path)?.1))
}

/// Sequential read of the GEMV matrix file after dropping its cached pages.
pub(crate) fn read_cold(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::Dense);
    evict(&path)?;
    let bytes = usize::try_from(std::fs::metadata(&path)?.len())?;
    timed(bytes, || Ok(read_file(&path)?.1))
}

/// What the read ceilings must sample: the same pages read naively.
pub(crate) fn read_reference(ctx: &Ctx) -> Result<f64> {
    let bytes = std::fs::read(ctx.input(Dataset::Dense))?;
    #[allow(clippy::cast_precision_loss)]
    Ok(bytes
        .iter()
        .step_by(4096)
        .map(|&b| u64::from(b))
        .sum::<u64>() as f64)
}

/// Sequential write of as many bytes as the fill workload writes, synced to the disk.
pub(crate) fn write(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.scratch("ceiling-write.bin")?;
    let bytes = ctx.sizes.fill_bytes();
    let block = vec![0x5a_u8; IO_BLOCK.min(bytes.max(1))];
    let outcome = timed(bytes, || {
        let mut file = std::fs::File::create(&path)?;
        let mut left = bytes;
        while left > 0 {
            let n = left.min(block.len());
            file.write_all(&block[..n])?;
            left -= n;
        }
        file.sync_data()?;
        #[allow(clippy::cast_precision_loss)]
        Ok(std::fs::metadata(&path)?.len() as f64)
    });
    std::fs::remove_file(&path)?;
    outcome
}

/// What [`write`] must have written.
pub(crate) fn write_reference(ctx: &Ctx) -> Result<f64> {
    #[allow(clippy::cast_precision_loss)]
    Ok(ctx.sizes.fill_bytes() as f64)
}
