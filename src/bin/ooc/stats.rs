//! `ooc stats SOURCE`: element count, sum, min, max and mean of an array streamed under the
//! memory budget with `ooc-linalg`'s reductions (nnz too for sparse matrices), with the
//! time, throughput and peak memory it took.
//!
//! Integers are summed as 64-bit integers and `f32` as `f64`, as numpy does
//! ([`ooc_linalg::summarize`]), so sums of small types do not wrap. Complex arrays have no
//! min or max. Infinities and NaN print as `inf`, `-inf` and `nan` (strings in JSON), apart
//! from the `-` (text) and `null` (JSON) of "no value".

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use ooc::SparseRows;
use ooc_core::{AsMatrix, DType, MemoryReport, ReadBlock, ReadSparseRows, mem};
use ooc_linalg::{Options, Summarize, Summary, Value, summarize, summarize_sparse};
use serde_json::{Value as JsonValue, json};

use crate::failure::{AtPath, CliResult};
use crate::open::{DenseVisit, SparseDesc, SparseVisit, with_source};
use crate::output::{emit, gb_per_s, human_bytes, human_duration, print_json};
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

/// A summary value as JSON: integers and finite floats as numbers; infinities and NaN as
/// the strings `"inf"`, `"-inf"` and `"nan"` (JSON has no such numbers, and `null` means
/// "no value", as for the min of an empty array); complex numbers as `[re, im]`.
fn value_json(v: &Value) -> JsonValue {
    let float = |f: f64| {
        if f.is_finite() {
            json!(f)
        } else {
            json!(Value::Float(f).to_string())
        }
    };
    match *v {
        Value::Int(i) => json!(i),
        Value::UInt(u) => json!(u),
        Value::Float(f) => float(f),
        Value::Complex(c) => json!([float(c.re), float(c.im)]),
        _ => json!(v.to_string()),
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
    pub(crate) fn json(&self) -> JsonValue {
        json!({
            "seconds": self.seconds,
            "bytes_read": self.bytes_read,
            "gb_per_s": gb_per_s(self.bytes_read, std::time::Duration::from_secs_f64(self.seconds)),
            "peak_memory_bytes": self.peak_bytes,
            "memory_increment_bytes": self.increment_bytes,
        })
    }

    /// Adds the facts' fields to the JSON object `j`, a command's report.
    pub(crate) fn add_to(&self, j: &mut JsonValue) {
        if let (JsonValue::Object(map), JsonValue::Object(run)) = (j, self.json()) {
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
    type Output = (JsonValue, String);

    fn visit<T: Summarize, A: ReadBlock<T>>(self, a: &A) -> CliResult<Self::Output> {
        let shape = a.shape().to_vec();
        let dtype = a.dtype();
        let bytes = (shape.iter().product::<usize>() * dtype.size()) as u64;
        let m = AsMatrix::new(a);
        let (summary, facts) = measured(self.common, bytes, "stats", |opts| summarize(&m, opts));
        let s = summary.at(Path::new(self.source))?;
        let facts = RunFacts {
            bytes_read: bytes,
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
) -> (JsonValue, String) {
    let opt = |v: &Option<Value>| v.as_ref().map_or(JsonValue::Null, value_json);
    let mut j = json!({
        "source": source,
        "dtype": dtype.name(),
        "shape": shape,
        "elements": s.count,
        "sum": value_json(&s.sum),
        "min": opt(&s.min),
        "max": opt(&s.max),
        "mean": opt(&s.mean),
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
    type Output = (JsonValue, String);

    fn visit<T: Summarize>(self, a: &SparseRows<T>, desc: &SparseDesc) -> CliResult<Self::Output> {
        let shape = a.sparse_shape();
        let bytes = (a.nnz() * (std::mem::size_of::<T>() + std::mem::size_of::<usize>())) as u64;
        let (summary, facts) = measured(self.common, bytes, "stats", |opts| {
            summarize_sparse(a, opts)
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
    let (json, text) = with_source(&args.source, &common.open_options(&args.raw), stats)?;
    if args.json {
        print_json(&json)?;
    } else {
        emit(&text)?;
    }
    Ok(())
}
