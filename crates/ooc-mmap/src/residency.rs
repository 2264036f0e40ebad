//! Which pages of a mapping are in memory (`mincore`), so [`ooc_core::Footprint`] can tell
//! mapped bytes from resident ones.

/// Pages asked about per `mincore` call, so the answer buffer stays small and fixed.
const PAGES_PER_CALL: usize = 4096;

/// Bytes of `mapped` resident in memory, in whole pages, capped at its length.
pub(crate) fn resident_bytes(mapped: &[u8]) -> std::io::Result<usize> {
    if mapped.is_empty() {
        return Ok(0);
    }
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(std::io::Error::last_os_error)?;
    let start = mapped.as_ptr() as usize & !(page - 1);
    let end = mapped.as_ptr() as usize + mapped.len();
    let pages = (end - start).div_ceil(page);
    let mut status = [0_u8; PAGES_PER_CALL];
    let mut resident_pages = 0_usize;
    let mut first = 0;
    while first < pages {
        let n = (pages - first).min(PAGES_PER_CALL);
        let addr = (start + first * page) as *mut libc::c_void;
        // SAFETY: `addr` is page-aligned and `addr .. addr + n * page` lies within the
        // pages spanned by `mapped`, which stays mapped while it is borrowed; `status` has
        // room for `n` entries.
        let rc = unsafe { libc::mincore(addr, n * page, status.as_mut_ptr()) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        resident_pages += status[..n].iter().filter(|&&s| s & 1 == 1).count();
        first += n;
    }
    Ok((resident_pages * page).min(mapped.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_memory_is_resident_and_capped_at_its_length() {
        let v = vec![1_u8; 5 * 4096 + 17];
        assert_eq!(resident_bytes(&v).unwrap(), v.len());
        assert_eq!(resident_bytes(&v[..100]).unwrap(), 100);
        assert_eq!(resident_bytes(&[]).unwrap(), 0);
    }
}
