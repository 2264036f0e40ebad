//! The block scheduler: out-of-core GEMV, GEMVᵀ, GEMM, SpMV, blockwise maps and reductions
//! over any backend that implements the `ooc-core` block traits, under a memory budget.
