//! Thin helpers over the HDF5 C API for what the `hdf5` crate does not expose without
//! allocation or at all: hyperslab reads and writes into caller buffers, dataset file
//! offsets, chunk index queries. Every call runs under the `hdf5` crate's global lock.

use hdf5_sys::h5i::hid_t;

/// Runs `f` holding the HDF5 library lock (with the library's error printing silenced,
/// and ooc's Zstandard decoder registered).
pub(crate) fn locked<R>(f: impl FnOnce() -> R) -> R {
    hdf5::sync::sync(|| {
        crate::decode::register_zstd();
        f()
    })
}

/// A negative return value (`herr_t`, `hid_t`, `htri_t`) as the library's error, read
/// from its error stack (call with the lock held).
pub(crate) fn check<T: Copy + PartialOrd + Default>(value: T) -> hdf5::Result<T> {
    if value < T::default() {
        Err(hdf5::Error::query().unwrap_or_else(|e| e))
    } else {
        Ok(value)
    }
}

/// An identifier that is closed on drop with the matching `H5*close`.
pub(crate) struct Id {
    id: hid_t,
    close: unsafe extern "C" fn(hid_t) -> hdf5_sys::h5::herr_t,
}

impl Id {
    /// Takes ownership of `id` (checked: a negative id is the library's error).
    pub(crate) fn new(
        id: hid_t,
        close: unsafe extern "C" fn(hid_t) -> hdf5_sys::h5::herr_t,
    ) -> hdf5::Result<Self> {
        check(id).map(|id| Id { id, close })
    }

    /// The raw identifier.
    pub(crate) fn id(&self) -> hid_t {
        self.id
    }
}

impl Drop for Id {
    fn drop(&mut self) {
        locked(|| {
            // SAFETY: `id` is a valid identifier owned by this value, closed exactly once.
            unsafe {
                (self.close)(self.id);
            }
        });
    }
}

/// Maximum rank HDF5 supports (`H5S_MAX_RANK`).
pub(crate) const MAX_RANK: usize = 32;

/// Start and count of a region as `hsize_t` arrays on the stack.
pub(crate) fn hyperslab(region: &ooc_core::Region) -> ([u64; MAX_RANK], [u64; MAX_RANK]) {
    let mut start = [0_u64; MAX_RANK];
    let mut count = [0_u64; MAX_RANK];
    for (d, (&s, &n)) in region.start.iter().zip(&region.shape).enumerate() {
        start[d] = s as u64;
        count[d] = n as u64;
    }
    (start, count)
}
