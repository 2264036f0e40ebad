//! The seven sparse formats (CSR, CSC, COO, BSR, LIL, DOK, DIA), random generation,
//! conversions, SpMV, and on-disk storage compatible with scipy (`.npz`) and anndata (HDF5).
