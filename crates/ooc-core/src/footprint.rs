//! [`Footprint`]: the true size of a value, counting its heap and any file mappings, for
//! when `size_of_val` (or Python's `sys.getsizeof`) says "a few bytes".

/// How much memory a value really takes.
///
/// `heap_bytes` counts what the value owns on the heap; [`Footprint::deep_size`] adds the
/// value itself. Mapped data (memory maps) is not heap: it is reported apart by
/// [`Footprint::mapped_bytes`] and [`Footprint::resident_bytes`], since a map of 32 GiB may
/// have only a few pages in memory.
///
/// ```
/// use ooc_core::Footprint;
/// let v = vec![0.0_f64; 1000];
/// assert_eq!(v.heap_bytes(), 8000);
/// assert_eq!(v.deep_size(), 8000 + std::mem::size_of::<Vec<f64>>());
/// ```
pub trait Footprint {
    /// Bytes this value owns on the heap (capacity, not length, for growable buffers).
    fn heap_bytes(&self) -> usize;

    /// The value itself plus its heap.
    fn deep_size(&self) -> usize {
        std::mem::size_of_val(self) + self.heap_bytes()
    }

    /// Bytes of files this value maps into memory (0 for ordinary values).
    fn mapped_bytes(&self) -> usize {
        0
    }

    /// Of [`Footprint::mapped_bytes`], how many are resident in memory right now.
    fn resident_bytes(&self) -> usize {
        0
    }
}

macro_rules! plain_footprint {
    ($($t:ty),*) => {$(
        impl Footprint for $t {
            fn heap_bytes(&self) -> usize { 0 }
        }
    )*};
}
plain_footprint!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    usize,
    isize,
    f32,
    f64,
    bool,
    num_complex::Complex<f32>,
    num_complex::Complex<f64>
);

impl<T: Footprint> Footprint for Vec<T> {
    fn heap_bytes(&self) -> usize {
        self.capacity() * std::mem::size_of::<T>() + self.iter().map(T::heap_bytes).sum::<usize>()
    }
}

impl<T: Footprint> Footprint for Option<T> {
    fn heap_bytes(&self) -> usize {
        self.as_ref().map_or(0, T::heap_bytes)
    }
}

impl<T: Footprint> Footprint for Box<T> {
    fn heap_bytes(&self) -> usize {
        std::mem::size_of::<T>() + (**self).heap_bytes()
    }
}

impl Footprint for String {
    fn heap_bytes(&self) -> usize {
        self.capacity()
    }
}

impl<T: Footprint, D: ndarray::Dimension> Footprint for ndarray::Array<T, D> {
    fn heap_bytes(&self) -> usize {
        // An owned array's buffer holds exactly `len` elements; IxDyn shapes and strides
        // live on the heap too once they exceed ndarray's inline capacity, which we ignore.
        self.len() * std::mem::size_of::<T>() + self.iter().map(T::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_vectors_count_inner_heaps() {
        let v = vec![vec![0_u8; 10], vec![0_u8; 20]];
        assert_eq!(v.heap_bytes(), 2 * std::mem::size_of::<Vec<u8>>() + 30);
    }

    #[test]
    fn ndarray_counts_its_buffer() {
        let a = ndarray::Array2::<f32>::zeros((100, 1000));
        assert_eq!(a.heap_bytes(), 400_000);
        assert!(a.deep_size() > 400_000);
    }
}
