//! HDF5 files, groups, attributes and datasets (contiguous, chunked, compressed, resizable),
//! hyperslab I/O, chunk advice and a parallel read path that bypasses the library lock.
//! Implements the `ooc-core` block traits.
