//! [`map_blocks`]: read an array block by block, transform each block, and write the
//! results to a sink backend of the same shape.

use ooc_core::{Element, ReadBlock, Region, WriteBlock};

use crate::dense::{check_dtype, stream};
use crate::error::{LinalgError, Result};
use crate::operation::{Operation, matrix_shape};
use crate::options::Options;

/// Reads `src` block by block, calls `f(region, input, output)` on each block (in
/// parallel), and writes each output block to the same region of `sink`.
///
/// `input` and `output` are C order over the region's shape. Writes to `sink` happen one
/// at a time, in block order; the output buffers (one per slot in flight) are scratch the
/// plan accounts for.
///
/// ```
/// use ooc_core::{MemArray, Region, ReadBlock};
/// use ooc_linalg::{Options, map_blocks};
///
/// let src = MemArray::from_vec(vec![2, 2], vec![1_i32, -2, 3, -4])?;
/// let mut sink = MemArray::<f64>::zeros(&[2, 2])?;
/// map_blocks(&src, &mut sink, |_: &Region, a: &[i32], out: &mut [f64]| {
///     for (o, &v) in out.iter_mut().zip(a) { *o = f64::from(v).abs(); }
/// }, &Options::new())?;
/// assert_eq!(sink.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::WrongSink`] when `sink`'s shape differs from `src`'s or it does not
/// hold `U`; [`LinalgError::NotMatrix`] for inputs that are not 2-D;
/// [`LinalgError::BudgetTooSmall`]; read and write errors of either backend (after which
/// the blocks before the failing one have been written, the rest not).
pub fn map_blocks<T, U, A, W, F>(src: &A, sink: &mut W, f: F, opts: &Options) -> Result<()>
where
    T: Element,
    U: Element,
    A: ReadBlock<T>,
    W: WriteBlock<U>,
    F: Fn(&Region, &[T], &mut [U]) + Sync,
{
    if sink.shape() != src.shape() || sink.dtype() != U::DTYPE {
        return Err(LinalgError::WrongSink {
            expected_shape: src.shape().to_vec(),
            expected_dtype: U::DTYPE,
            found_shape: sink.shape().to_vec(),
            found_dtype: sink.dtype(),
        });
    }
    matrix_shape("map_blocks", src.shape())?;
    check_dtype::<T>(src)?;
    let op = Operation::Map {
        out_elem_size: std::mem::size_of::<U>(),
    };
    stream(
        &op,
        src,
        opts,
        U::default(),
        |[br, bc]| br * bc,
        |region, data, out| {
            f(region, data, &mut out[..region.len()]);
            Ok(())
        },
        |_, region, out| {
            sink.write_region(region, &out[..region.len()])?;
            Ok(())
        },
    )
}
