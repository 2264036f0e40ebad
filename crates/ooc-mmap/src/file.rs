//! Opening and creating the files behind maps: refusing directories and other non-regular
//! files, and reserving disk space up front so that a full disk is an error at creation
//! rather than a `SIGBUS` on a later write through the map.

use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::Path;

use crate::error::{MmapError, Result};

/// Opens an existing regular file, for reading and, if `write`, writing; returns it with its
/// length.
pub(crate) fn open_existing(path: &Path, write: bool) -> Result<(File, u64)> {
    let file = OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .map_err(|e| {
            // Opening a directory for writing fails with EISDIR: report it as what it is.
            if e.raw_os_error() == Some(libc::EISDIR) {
                MmapError::NotAFile {
                    path: path.to_path_buf(),
                }
            } else {
                MmapError::io("open", path, e)
            }
        })?;
    let meta = file
        .metadata()
        .map_err(|e| MmapError::io("stat", path, e))?;
    if !meta.is_file() {
        return Err(MmapError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    Ok((file, meta.len()))
}

/// Creates (or truncates) `path` and makes it `total` bytes long, all zero, with the disk
/// blocks allocated now.
pub(crate) fn create_sized(path: &Path, total: u64) -> Result<File> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(MmapError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| MmapError::io("create", path, e))?;
    if let Err(e) = reserve(&file, path, total) {
        // Leave no half-sized file behind under the name the caller asked for.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(file)
}

/// Extends `file` to `total` zero bytes with the blocks allocated (`posix_fallocate`), so
/// writes through a map of it cannot fail for lack of space.
fn reserve(file: &File, path: &Path, total: u64) -> Result<()> {
    if total == 0 {
        return Ok(());
    }
    let len = libc::off_t::try_from(total).map_err(|_| MmapError::NoSpace {
        path: path.to_path_buf(),
        bytes: total,
        source: std::io::Error::from_raw_os_error(libc::EFBIG),
    })?;
    // SAFETY: the descriptor is open for writing for the whole call (`file` is borrowed);
    // posix_fallocate only changes the file's size and allocation.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    match rc {
        0 => Ok(()),
        // Filesystems without fallocate support: fall back to a plain size change (the
        // space is then not reserved; documented on `Mode::Create`'s users).
        libc::EOPNOTSUPP | libc::EINVAL => file
            .set_len(total)
            .map_err(|e| MmapError::io("resize", path, e)),
        code => Err(MmapError::NoSpace {
            path: path.to_path_buf(),
            bytes: total,
            source: std::io::Error::from_raw_os_error(code),
        }),
    }
}
