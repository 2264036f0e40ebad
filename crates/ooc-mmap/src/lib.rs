//! Memory-mapped N-D arrays (`numpy.memmap`), `.npy` files numpy reads and writes, and raw
//! files with explicit element type, shape and offset. Implements the `ooc-core` block traits
//! with zero-copy views.
