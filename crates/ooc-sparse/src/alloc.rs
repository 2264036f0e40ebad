//! Fallible allocation for arrays sized by a matrix's shape (row pointers, dense forms,
//! transposition counts): a shape of 2⁵⁹ rows is valid, but its `rows + 1` pointer is
//! not memory any machine has, and asking the allocator for it would abort the process.
//! Requests larger than the machine's RAM and swap together (which Linux refuses anyway)
//! are refused before the allocator is called; others are tried with `try_reserve`.
//! Either way the caller gets [`SparseError::Allocation`] naming the size, as scipy
//! raises `MemoryError`.

use std::sync::OnceLock;

use ooc_core::pages::advise_huge_pages;

use crate::error::{Result, SparseError};

/// RAM plus swap in bytes (from `/proc/meminfo`), or `None` where that is unknown.
fn memory_limit() -> Option<u128> {
    static LIMIT: OnceLock<Option<u128>> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let kib = |key: &str| -> Option<u128> {
            let line = text.lines().find(|l| l.starts_with(key))?;
            line[key.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        };
        Some((kib("MemTotal:")? + kib("SwapTotal:").unwrap_or(0)) * 1024)
    })
}

/// Refuses a request of `count` elements of `size` bytes that cannot be satisfied.
fn check(count: usize, size: usize, what: &'static str) -> Result<()> {
    let bytes = count as u128 * size as u128;
    let too_big = bytes > isize::MAX as u128 || memory_limit().is_some_and(|limit| bytes > limit);
    if too_big {
        return Err(SparseError::Allocation { what, bytes });
    }
    Ok(())
}

/// An empty vector with room for exactly `cap` elements.
pub(crate) fn with_capacity<T>(cap: usize, what: &'static str) -> Result<Vec<T>> {
    check(cap, std::mem::size_of::<T>(), what)?;
    let mut v = Vec::new();
    v.try_reserve_exact(cap)
        .map_err(|_| SparseError::Allocation {
            what,
            bytes: cap as u128 * std::mem::size_of::<T>() as u128,
        })?;
    advise_spare_capacity(&mut v);
    Ok(v)
}

/// `len` copies of `value`.
pub(crate) fn filled<T: Clone>(len: usize, value: T, what: &'static str) -> Result<Vec<T>> {
    let mut v = with_capacity(len, what)?;
    v.resize(len, value);
    Ok(v)
}

/// `len` zero elements, from zeroed pages (no fill pass). Large arrays ask for
/// transparent huge pages, as numpy does, so filling them faults 512 times less often.
pub(crate) fn zeroed<T: bytemuck::Zeroable>(len: usize, what: &'static str) -> Result<Vec<T>> {
    check(len, std::mem::size_of::<T>(), what)?;
    let mut v: Vec<T> =
        bytemuck::allocation::try_zeroed_vec(len).map_err(|()| SparseError::Allocation {
            what,
            bytes: len as u128 * std::mem::size_of::<T>() as u128,
        })?;
    // Untouched so far: calloc hands large arrays over as fresh zero pages.
    advise_huge_pages(v.as_mut_slice());
    Ok(v)
}

/// An empty vector with room for `cap` elements, on huge pages when large; for
/// infallible conversions, which abort on exhausted memory as `Vec` does.
pub(crate) fn advised<T>(cap: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(cap);
    advise_spare_capacity(&mut v);
    v
}

/// Advises huge pages for the spare capacity of `v`, before anything is written there.
fn advise_spare_capacity<T>(v: &mut Vec<T>) {
    advise_huge_pages(v.spare_capacity_mut());
}

#[cfg(test)]
mod tests {
    use super::*;
    use ooc_core::pages::HUGE_PAGE;

    #[test]
    fn absurd_requests_are_typed_errors() {
        for len in [usize::MAX, 1 << 59, isize::MAX as usize / 8 + 1] {
            let e = with_capacity::<u64>(len, "row pointer").unwrap_err();
            assert!(
                matches!(e, SparseError::Allocation { what: "row pointer", bytes } if bytes == len as u128 * 8),
                "{e}"
            );
            assert!(e.to_string().contains(&(len as u128 * 8).to_string()));
            assert!(filled(len, 0_u32, "counts").is_err());
            assert!(zeroed::<f64>(len, "dense form").is_err());
        }
    }

    #[test]
    fn small_requests_succeed() {
        assert_eq!(filled(3, 7_u8, "x").unwrap(), [7, 7, 7]);
        assert_eq!(zeroed::<f64>(4, "x").unwrap(), [0.0; 4]);
        assert!(zeroed::<f64>(0, "x").unwrap().is_empty());
        assert!(with_capacity::<u64>(5, "x").unwrap().capacity() >= 5);
    }

    /// Arrays large enough to be advised onto huge pages (at odd lengths, so the advised
    /// range starts and ends inside the allocation) are zero and writable end to end, and
    /// reserved ones take exactly what is pushed.
    #[test]
    fn huge_page_arrays_are_zero_and_writable() {
        for len in [
            4 * HUGE_PAGE / 8,
            5 * HUGE_PAGE / 8 + 3,
            9 * HUGE_PAGE / 8 - 1,
        ] {
            let mut v = zeroed::<u64>(len, "dense form").unwrap();
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0));
            for (i, x) in v.iter_mut().enumerate().step_by(511) {
                *x = i as u64;
            }
            v[len - 1] = 7;
            assert_eq!(v[511], 511);
            assert_eq!(v[len - 1], 7);
            assert_eq!(v[1], 0);
            let mut w = with_capacity::<u64>(len, "index array").unwrap();
            w.extend((0..len as u64).rev());
            assert_eq!((w.len(), w[0], w[len - 1]), (len, len as u64 - 1, 0));
        }
    }
}
