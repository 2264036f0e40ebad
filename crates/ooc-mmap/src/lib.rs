//! Memory-mapped N-D arrays (`numpy.memmap`), `.npy` files numpy reads and writes, and raw
//! files with explicit element type, shape and offset, built on `ooc-core`.
//!
//! - [`MmapArray`]: a typed array of any [`ooc_core::Element`] mapped from a file, in C or
//!   Fortran order, opened in one of numpy's [`Mode`]s, with ndarray views, row access,
//!   [`MmapArray::flush`], [`MmapArray::advise`] ([`Access`]) and
//!   [`MmapArray::resident_bytes`]. It implements the `ooc-core` block traits with
//!   zero-copy views and [`ooc_core::Footprint`].
//! - `.npy` files (format 1.0, 2.0, 3.0): [`MmapArray::open_npy`],
//!   [`MmapArray::create_npy`], [`inspect_npy`] to learn the element type at run time, and
//!   [`SwappedArray`] to stream files in the other byte order (numpy's `>f8` on a
//!   little-endian machine) and [`read_npy_converted`] to load them whole.
//! - Raw files: [`MmapArray::open_raw`] and [`MmapArray::create_raw`] with a [`RawLayout`].
//!
//! Everything a file can get wrong (lengths, headers, alignment, types) is checked before
//! mapping and reported as an [`MmapError`]; nothing past the end of a file is mapped.
//! Creating a file reserves its disk space, so a full disk is an error at creation.
//!
//! # The contract a map cannot check
//! A memory map shares its pages with the file. If another process truncates the file
//! while it is mapped, touching the pages that were cut off raises `SIGBUS`, which kills
//! the process; if another process rewrites it, mapped values change underneath. No check
//! at open time can prevent this: do not shrink or rewrite files while ooc maps them.
//!
//! ```
//! use ooc_mmap::{MmapArray, Mode, inspect_npy};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("data.npy");
//! let mut a = MmapArray::<f64>::create_npy(&path, &[2, 3], false)?;
//! a.view_mut()?.fill(1.5);
//! drop(a); // flushes, like numpy's `del`
//! assert_eq!(inspect_npy(&path)?.dtype, ooc_core::DType::F64);
//! let b = MmapArray::<f64>::open_npy(&path, Mode::ReadOnly)?;
//! assert_eq!(b.view().sum(), 9.0);
//! assert!(MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod array;
mod blocks;
mod error;
mod file;
mod layout;
mod mode;
mod npy;
mod raw;
mod residency;
mod swapped;
mod whole;

pub use array::MmapArray;
pub use error::{MmapError, Result};
pub use file::staging_path;
pub use layout::RawLayout;
pub use mode::{Access, Mode};
pub use npy::{inspect_npy, read_npy_converted};
pub use ooc_core::npy::NpyHeader;
pub use swapped::SwappedArray;
pub use whole::{load_npy, save_npy};
