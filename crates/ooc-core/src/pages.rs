//! Giving back the pages of a file mapping that a pass has finished with, so that the
//! resident set of a process streaming a mapped file stays within its memory budget.
//!
//! Backends that lend views of mapped files (`ooc-mmap`, `ooc-hdf5`'s parallel reader)
//! call [`release`] from `ViewBlock::release_region`; the scheduler calls that after each
//! lent block. [`Release::FromProcess`] unmaps the pages from this process only: they stay
//! in the page cache, so the next pass (or the next run) is still warm.
//! [`Release::FromCache`] also asks the kernel to reclaim them, for passes over files
//! larger than memory.
//!
//! Also where large buffers ask for transparent huge pages ([`advise_huge_pages`]), as
//! numpy does for its large arrays, so first touching them faults 512 times less often.

/// How far released pages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Out of this process's resident set (`MADV_DONTNEED`); still cached by the kernel.
    FromProcess,
    /// Out of memory altogether (`MADV_PAGEOUT`); read back from the file when touched.
    FromCache,
}

/// Releases the whole pages inside `bytes`, a part of a shared (or read-only) file
/// mapping. A hint: refusals are ignored, and other platforms do nothing.
///
/// # Safety
/// `bytes` must lie in a mapping of a file that is either shared (`MAP_SHARED`) or never
/// written through: released pages are read back from the file on the next access, so a
/// private mapping's own changes would be lost. No reference sees a change otherwise.
pub unsafe fn release(bytes: &[u8], how: Release) {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .unwrap_or(4096)
            .max(1);
        let start = bytes.as_ptr() as usize;
        let first = start.next_multiple_of(page);
        let end = (start + bytes.len()) / page * page;
        if end > first {
            let advice = match how {
                Release::FromProcess => libc::MADV_DONTNEED,
                Release::FromCache => libc::MADV_PAGEOUT,
            };
            // SAFETY: `first..end` lies inside the caller's file mapping, alive while
            // `bytes` is borrowed; the caller guarantees the contents come back unchanged
            // from the file.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, advice);
            }
        }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    let _ = (bytes, how);
}

/// The size of a transparent huge page on x86-64 and most aarch64 kernels.
pub const HUGE_PAGE: usize = 2 << 20;

/// Advises the kernel to back the whole huge pages inside `memory` with transparent huge
/// pages (`MADV_HUGEPAGE`), best before anything is written there: a buffer of many
/// megabytes then faults in 512 times less often. Only the memory's backing changes, never
/// its contents, so a refusal is ignored; a no-op for buffers under four huge pages, and
/// where the kernel has huge pages off or always on.
pub fn advise_huge_pages<T>(memory: &mut [T]) {
    let bytes = std::mem::size_of_val(memory);
    if cfg!(miri) || bytes < 4 * HUGE_PAGE {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let start = memory.as_mut_ptr().cast::<u8>();
        let offset = start.align_offset(HUGE_PAGE);
        let whole = bytes.saturating_sub(offset) / HUGE_PAGE * HUGE_PAGE;
        if whole > 0 {
            // SAFETY: `offset + whole <= bytes`, so the range lies inside `memory`, which
            // the caller holds exclusively; MADV_HUGEPAGE only changes how those pages are
            // backed and keeps their contents. `wrapping_add` keeps the arithmetic defined.
            unsafe {
                libc::madvise(
                    start.wrapping_add(offset).cast(),
                    whole,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
}
