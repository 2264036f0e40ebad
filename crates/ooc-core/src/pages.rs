//! Giving back the pages of a file mapping that a pass has finished with, so that the
//! resident set of a process streaming a mapped file stays within its memory budget.
//!
//! Backends that lend views of mapped files (`ooc-mmap`, `ooc-hdf5`'s parallel reader)
//! call [`release`] from `ViewBlock::release_region`; the scheduler calls that after each
//! lent block. [`Release::FromProcess`] unmaps the pages from this process only: they stay
//! in the page cache, so the next pass (or the next run) is still warm.
//! [`Release::FromCache`] also asks the kernel to reclaim them, for passes over files
//! larger than memory.

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
