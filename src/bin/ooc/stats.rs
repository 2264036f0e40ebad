//! `ooc stats SOURCE`: element count, sum, min, max and mean of an array streamed under the
//! memory budget with `ooc-linalg`'s reductions (nnz too for sparse matrices), with the
//! time, throughput and peak memory it took.
//!
//! Integers are summed as 64-bit integers and `f32` as `f64` (through a widening view), as
//! numpy does, so sums of small types do not wrap. Complex arrays have no min or max.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use ooc_core::{Complex, CsrBlock, DType, MemoryReport, ReadBlock, ReadSparseRows, mem};
use ooc_linalg::{Along, LinalgError, Options, Scalar, max, min, plan_sparse, sum};
use serde_json::{Value, json};

use crate::failure::{AtPath, CliResult};
use crate::matrix::{AsMatrix, Widened};
use crate::open::{DenseVisit, SparseDesc, SparseSource, SparseVisit, with_source};
use crate::output::{gb_per_s, human_bytes, human_duration, print_json};
use crate::{CommonArgs, RawArgs, progress};

/// Arguments of `ooc stats`.
#[allow(clippy::doc_markdown)] // doc comments are the --help text, shown verbatim
#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// A file, or FILE.h5:/group/dataset.
    source: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    raw: RawArgs,
}

/// What `stats` found.
pub(crate) struct Summary {
    /// Elements counted.
    pub(crate) count: u64,
    /// Their sum.
    pub(crate) sum: Value,
    /// Smallest element (`None` for complex types).
    pub(crate) min: Option<Value>,
    /// Largest element.
    pub(crate) max: Option<Value>,
    /// `sum / count` (`None` when there is no element).
    pub(crate) mean: Option<Value>,
    /// Stored entries of a sparse matrix.
    pub(crate) nnz: Option<u64>,
    /// Passes over the data it took.
    pub(crate) passes: u64,
}

/// Element types `stats` can summarise: every type, each through the reductions of the
/// type it widens to.
pub(crate) trait Summarize: Scalar {
    /// Reduces `a` (a matrix view) to a [`Summary`].
    fn summarize<A: ReadBlock<Self>>(a: &A, opts: &Options) -> Result<Summary, LinalgError>;

    /// Reduces the sparse matrix `a`, implicit zeros included, to a [`Summary`].
    fn summarize_sparse<S: ReadSparseRows<Self>>(
        a: &S,
        opts: &Options,
    ) -> Result<Summary, LinalgError>;
}

/// The stored values of `a`, row block by row block under the budget's plan.
///
/// `ooc-linalg` has no sparse reductions yet; this loop over the planned CSR blocks is the
/// stand-in until it does.
fn for_each_stored<T: Scalar, S: ReadSparseRows<T>>(
    a: &S,
    opts: &Options,
    mut f: impl FnMut(&[T]),
) -> Result<(), LinalgError> {
    let offsets = a.row_offsets()?;
    let plan = plan_sparse::<T>(&offsets, opts)?;
    let mut block = CsrBlock::default();
    for b in &plan.blocks {
        a.read_rows(b.row0, b.rows, &mut block)?;
        f(&block.data);
    }
    Ok(())
}

/// Summary of a sparse matrix of a real type, summed and compared as `W`.
fn sparse_real<T, W, S>(
    a: &S,
    opts: &Options,
    widen: fn(T) -> W,
    to_f64: fn(W) -> f64,
) -> Result<Summary, LinalgError>
where
    T: Scalar,
    W: Scalar + PartialOrd + Into<Value>,
    S: ReadSparseRows<T>,
{
    let [rows, cols] = a.sparse_shape();
    let count = (rows as u64) * (cols as u64);
    let nnz = a.nnz() as u64;
    let mut total = W::default();
    let mut lo: Option<W> = None;
    let mut hi: Option<W> = None;
    #[allow(clippy::eq_op)]
    let nan = |v: W| v != v;
    for_each_stored(a, opts, |values| {
        for &v in values {
            let w = widen(v);
            total = total.plus(w);
            lo = Some(match lo {
                Some(l) if nan(l) || (!nan(w) && l <= w) => l,
                _ => w,
            });
            hi = Some(match hi {
                Some(h) if nan(h) || (!nan(w) && h >= w) => h,
                _ => w,
            });
        }
    })?;
    if nnz < count {
        // Entries not stored are zeros, and count as such (as scipy's min and max do).
        let zero = W::default();
        lo = Some(lo.map_or(zero, |l| if nan(l) || l <= zero { l } else { zero }));
        hi = Some(hi.map_or(zero, |h| if nan(h) || h >= zero { h } else { zero }));
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = (count > 0).then(|| json!(to_f64(total) / count as f64));
    Ok(Summary {
        count,
        sum: total.into(),
        min: lo.map(Into::into),
        max: hi.map(Into::into),
        mean,
        nnz: Some(nnz),
        passes: 1,
    })
}

fn sparse_complex<T: Scalar, S: ReadSparseRows<T>>(
    a: &S,
    opts: &Options,
    widen: fn(T) -> Complex<f64>,
) -> Result<Summary, LinalgError> {
    let [rows, cols] = a.sparse_shape();
    let count = (rows as u64) * (cols as u64);
    let mut total = Complex::new(0.0, 0.0);
    for_each_stored(a, opts, |values| {
        for &v in values {
            total += widen(v);
        }
    })?;
    Ok(complex_summary(count, total, Some(a.nnz() as u64)))
}

/// Sum, min, max and mean of a matrix of a real type `W`.
fn real<W, A>(a: &A, opts: &Options, to_f64: fn(W) -> f64) -> Result<Summary, LinalgError>
where
    W: Scalar + PartialOrd + Into<Value>,
    A: ReadBlock<W>,
{
    let count = a.shape().iter().product::<usize>() as u64;
    let total = sum(a, Along::All, opts)?[0];
    let (lo, hi) = if count == 0 {
        (None, None)
    } else {
        (
            Some(min(a, Along::All, opts)?[0].into()),
            Some(max(a, Along::All, opts)?[0].into()),
        )
    };
    #[allow(clippy::cast_precision_loss)]
    let mean = (count > 0).then(|| json!(to_f64(total) / count as f64));
    Ok(Summary {
        count,
        sum: total.into(),
        min: lo,
        max: hi,
        mean,
        nnz: None,
        passes: if count == 0 { 1 } else { 3 },
    })
}

fn complex<A: ReadBlock<Complex<f64>>>(a: &A, opts: &Options) -> Result<Summary, LinalgError> {
    let count = a.shape().iter().product::<usize>() as u64;
    let total = sum(a, Along::All, opts)?[0];
    Ok(complex_summary(count, total, None))
}

/// The summary of `count` complex elements summing to `total`, read in one pass (complex
/// numbers have no order, so no min or max).
#[allow(clippy::cast_precision_loss)]
fn complex_summary(count: u64, total: Complex<f64>, nnz: Option<u64>) -> Summary {
    Summary {
        count,
        sum: json!([total.re, total.im]),
        min: None,
        max: None,
        mean: (count > 0).then(|| json!([total.re / count as f64, total.im / count as f64])),
        nnz,
        passes: 1,
    }
}

macro_rules! summarize_widened {
    ($($t:ty => $w:ty, $dt:ident);* $(;)?) => {$(
        impl Summarize for $t {
            fn summarize<A: ReadBlock<Self>>(a: &A, opts: &Options) -> Result<Summary, LinalgError> {
                let wide = Widened::<_, $t>::new(a, DType::$dt);
                #[allow(clippy::cast_precision_loss)]
                real::<$w, _>(&wide, opts, |v| v as f64)
            }

            fn summarize_sparse<S: ReadSparseRows<Self>>(
                a: &S,
                opts: &Options,
            ) -> Result<Summary, LinalgError> {
                #[allow(clippy::cast_precision_loss)]
                sparse_real(a, opts, <$w>::from, |v: $w| v as f64)
            }
        }
    )*};
}
summarize_widened!(i8 => i64, I64; i16 => i64, I64; i32 => i64, I64;
    u8 => u64, U64; u16 => u64, U64; u32 => u64, U64; f32 => f64, F64);

macro_rules! summarize_direct {
    ($($t:ty),*) => {$(
        impl Summarize for $t {
            fn summarize<A: ReadBlock<Self>>(a: &A, opts: &Options) -> Result<Summary, LinalgError> {
                #[allow(clippy::cast_precision_loss)]
                real::<$t, _>(a, opts, |v| v as f64)
            }

            fn summarize_sparse<S: ReadSparseRows<Self>>(
                a: &S,
                opts: &Options,
            ) -> Result<Summary, LinalgError> {
                #[allow(clippy::cast_precision_loss)]
                sparse_real(a, opts, |v: $t| v, |v: $t| v as f64)
            }
        }
    )*};
}
summarize_direct!(i64, u64, f64);

impl Summarize for Complex<f32> {
    fn summarize<A: ReadBlock<Self>>(a: &A, opts: &Options) -> Result<Summary, LinalgError> {
        complex(&Widened::<_, Complex<f32>>::new(a, DType::C128), opts)
    }

    fn summarize_sparse<S: ReadSparseRows<Self>>(
        a: &S,
        opts: &Options,
    ) -> Result<Summary, LinalgError> {
        sparse_complex(a, opts, |v| Complex::new(f64::from(v.re), f64::from(v.im)))
    }
}

impl Summarize for Complex<f64> {
    fn summarize<A: ReadBlock<Self>>(a: &A, opts: &Options) -> Result<Summary, LinalgError> {
        complex(a, opts)
    }

    fn summarize_sparse<S: ReadSparseRows<Self>>(
        a: &S,
        opts: &Options,
    ) -> Result<Summary, LinalgError> {
        sparse_complex(a, opts, |v| v)
    }
}

/// How a run went: time, bytes, memory.
pub(crate) struct RunFacts {
    pub(crate) seconds: f64,
    pub(crate) bytes_read: u64,
    pub(crate) peak_bytes: Option<usize>,
    pub(crate) increment_bytes: Option<usize>,
}

/// Runs `work` with options carrying the budget, threads and a progress bar over
/// `total_bytes` per pass, measuring time, bytes read and peak memory.
pub(crate) fn measured<R>(
    common: &CommonArgs,
    total_bytes: u64,
    what: &str,
    work: impl FnOnce(&Options) -> R,
) -> (R, RunFacts) {
    let bar = progress::bytes(total_bytes, what);
    let read = Arc::new(AtomicU64::new(0));
    let opts = {
        let bar = bar.clone();
        let read = Arc::clone(&read);
        // Several passes each report from zero: count what every pass read.
        let last = Arc::new(AtomicU64::new(0));
        common.options().with_progress(move |p| {
            let before = last.swap(p.bytes_read, Ordering::Relaxed);
            let delta = if p.bytes_read >= before {
                p.bytes_read - before
            } else {
                p.bytes_read
            };
            let now = read.fetch_add(delta, Ordering::Relaxed) + delta;
            bar.set_length(bar.length().unwrap_or(0).max(now));
            bar.set_position(now);
        })
    };
    let start = Instant::now();
    // Memory is measured where the platform allows; the work runs either way.
    let before = mem::reset_peak().and_then(|()| mem::current()).ok();
    let value = work(&opts);
    let report = before
        .zip(mem::current().ok())
        .map(|(before, after)| MemoryReport { before, after });
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let facts = RunFacts {
        seconds,
        bytes_read: read.load(Ordering::Relaxed),
        peak_bytes: report.map(|r| r.peak_bytes()),
        increment_bytes: report.map(|r| r.increment_bytes()),
    };
    (value, facts)
}

impl RunFacts {
    /// The facts as JSON fields.
    pub(crate) fn json(&self) -> Value {
        json!({
            "seconds": self.seconds,
            "bytes_read": self.bytes_read,
            "gb_per_s": gb_per_s(self.bytes_read, std::time::Duration::from_secs_f64(self.seconds)),
            "peak_memory_bytes": self.peak_bytes,
            "memory_increment_bytes": self.increment_bytes,
        })
    }

    /// Adds the facts' fields to the JSON object `j`, a command's report.
    pub(crate) fn add_to(&self, j: &mut Value) {
        if let (Value::Object(map), Value::Object(run)) = (j, self.json()) {
            map.extend(run);
        }
    }

    /// One line for people.
    pub(crate) fn text(&self, common: &CommonArgs) -> String {
        let d = std::time::Duration::from_secs_f64(self.seconds);
        let mut line = format!(
            "read {} in {} ({:.2} GB/s)",
            human_bytes(self.bytes_read),
            human_duration(d),
            gb_per_s(self.bytes_read, d)
        );
        if let (Some(peak), Some(inc)) = (self.peak_bytes, self.increment_bytes) {
            // Resident memory, as the kernel counts it: pages of mapped files included.
            line.push_str(&format!(
                ", peak RSS {} (+{})",
                human_bytes(peak as u64),
                human_bytes(inc as u64)
            ));
        }
        line.push_str(&format!(
            ", budget {}, {} threads",
            common.budget,
            common.par().degree()
        ));
        line
    }
}

/// The summary of a dense or a sparse array, as JSON and as text.
struct Stats<'c> {
    common: &'c CommonArgs,
    source: &'c str,
}

impl DenseVisit for Stats<'_> {
    type Output = (Value, String);

    fn visit<T: Summarize, A: ReadBlock<T>>(self, a: &A) -> CliResult<Self::Output> {
        let shape = a.shape().to_vec();
        let dtype = a.dtype();
        let bytes = (shape.iter().product::<usize>() * dtype.size()) as u64;
        // The scheduler reports bytes of the widened elements, over every pass.
        let (wide, passes) = if dtype.kind() == 'c' { (16, 1) } else { (8, 3) };
        let progress_total = shape.iter().product::<usize>() as u64 * wide * passes;
        let m = AsMatrix::new(a);
        let (summary, facts) = measured(self.common, progress_total, "stats", |opts| {
            T::summarize(&m, opts)
        });
        let s = summary.at(Path::new(self.source))?;
        // Count the bytes of the file read by every pass, not the widened copies.
        let facts = RunFacts {
            bytes_read: bytes * s.passes,
            ..facts
        };
        Ok(render(self.source, dtype, &shape, &s, &facts, self.common))
    }
}

fn render(
    source: &str,
    dtype: DType,
    shape: &[usize],
    s: &Summary,
    facts: &RunFacts,
    common: &CommonArgs,
) -> (Value, String) {
    let mut j = json!({
        "source": source,
        "dtype": dtype.name(),
        "shape": shape,
        "elements": s.count,
        "sum": s.sum,
        "min": s.min,
        "max": s.max,
        "mean": s.mean,
        "budget_bytes": common.budget.bytes(),
        "threads": common.par().degree(),
    });
    if let Some(nnz) = s.nnz {
        j["nnz"] = json!(nnz);
    }
    facts.add_to(&mut j);
    let show = |v: &Option<Value>| v.as_ref().map_or("-".to_string(), ToString::to_string);
    let mut text = format!(
        "{source}: {dtype}, shape {shape:?}\n  elements {}\n",
        s.count
    );
    if let Some(nnz) = s.nnz {
        text.push_str(&format!("  nnz      {nnz}\n"));
    }
    text.push_str(&format!(
        "  sum      {}\n  min      {}\n  max      {}\n  mean     {}\n  {}\n",
        s.sum,
        show(&s.min),
        show(&s.max),
        show(&s.mean),
        facts.text(common)
    ));
    (j, text)
}

impl SparseVisit for Stats<'_> {
    type Output = (Value, String);

    fn visit<T: Summarize>(
        self,
        a: &SparseSource<T>,
        desc: &SparseDesc,
    ) -> CliResult<Self::Output> {
        let shape = a.sparse_shape();
        let bytes = (a.nnz() * (std::mem::size_of::<T>() + std::mem::size_of::<usize>())) as u64;
        let (summary, facts) = measured(self.common, bytes, "stats", |opts| {
            T::summarize_sparse(a, opts)
        });
        let s = summary.at(Path::new(self.source))?;
        let facts = RunFacts {
            bytes_read: bytes,
            ..facts
        };
        let (mut j, text) = render(self.source, T::DTYPE, &shape, &s, &facts, self.common);
        j["sparse_format"] = json!(desc.format);
        j["storage"] = json!(desc.storage);
        let text = text.replacen(
            &format!(", shape {shape:?}"),
            &format!(
                ", shape {shape:?}, sparse {} ({})",
                desc.format, desc.storage
            ),
            1,
        );
        Ok((j, text))
    }
}

/// Runs `ooc stats`.
pub(crate) fn run(args: &StatsArgs, common: &CommonArgs) -> CliResult {
    let stats = Stats {
        common,
        source: &args.source,
    };
    let (json, text) = with_source(&args.source, &args.raw, stats)?;
    if args.json {
        print_json(&json);
    } else {
        print!("{text}");
    }
    Ok(())
}
