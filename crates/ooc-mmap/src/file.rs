//! Opening and creating the files behind maps: refusing directories and other non-regular
//! files, and reserving disk space up front so that a full disk is an error at creation
//! rather than a `SIGBUS` on a later write through the map.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{MmapError, Result};

/// Opens an existing regular file, for reading and, if `write`, writing; returns it with its
/// length.
pub(crate) fn open_existing(path: &Path, write: bool) -> Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, so a FIFO is refused below instead of waiting for a writer forever;
    // regular files ignore the flag.
    let file = OpenOptions::new()
        .read(true)
        .write(write)
        .custom_flags(libc::O_NONBLOCK)
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

/// Creates the file at `path` holding `total` bytes — `head` first, zeros after — with its
/// blocks reserved, and returns it open for reading and writing.
///
/// The file is built under a temporary name beside `path` and renamed into place only
/// when complete, so a process killed midway never leaves an empty, short or header-less
/// file under `path`; an existing file there is replaced whole by the rename (maps of the
/// old file keep their pages), and stays untouched when creation fails.
pub(crate) fn create_sized(path: &Path, total: u64, head: &[u8]) -> Result<File> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(MmapError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let (temp, file) = open_staging(path)?;
    let built = reserve(&file, path, total)
        .and_then(|()| {
            file.write_all_at(head, 0)
                .map_err(|e| MmapError::io("write header of", path, e))
        })
        .and_then(|()| {
            std::fs::rename(&temp, path).map_err(|e| MmapError::io("rename into place", path, e))
        });
    if let Err(e) = built {
        drop(file);
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(file)
}

/// The hidden name beside `path` under which creating `path` builds the file before
/// renaming it into place: `.NAME.ooc-PID.tmp`.
///
/// Callers that remove their own temporary files when interrupted (a command line tool's
/// signal handler) can remove this one too; a second creation of the same `path` running
/// at the same time in the same process uses a numbered variant instead.
#[must_use]
pub fn staging_path(path: &Path) -> PathBuf {
    staging_name(path, None)
}

fn staging_name(path: &Path, n: Option<usize>) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    match n {
        None => path.with_file_name(format!(".{name}.ooc-{pid}.tmp")),
        Some(n) => path.with_file_name(format!(".{name}.ooc-{pid}-{n}.tmp")),
    }
}

/// Creates the staging file for `path` ([`staging_path`], or a numbered variant when that
/// name is taken).
fn open_staging(path: &Path) -> Result<(PathBuf, File)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut temp = staging_name(path, None);
    loop {
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let n = COUNTER.fetch_add(1, Ordering::Relaxed);
                if n > 1 << 20 {
                    return Err(MmapError::io("create", path, e));
                }
                temp = staging_name(path, Some(n));
            }
            Err(e) => return Err(MmapError::io("create", path, e)),
        }
    }
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

#[cfg(test)]
mod tests {
    use crate::{MmapArray, MmapError, Mode, RawLayout};

    fn leftovers(dir: &std::path::Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    // Found by `cargo xtask crash` (writers killed at exact system calls): killed at the
    // `fallocate` or the header `pwrite` of `create_npy`, a writer left an empty or
    // header-less `.npy` under the real name. Now the name appears only once complete, and
    // an existing file is replaced whole: a map of the old file keeps reading it.
    #[test]
    fn a_taken_staging_name_falls_back_to_a_numbered_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.npy");
        let staging = crate::staging_path(&path);
        assert_eq!(
            staging.file_name().unwrap().to_string_lossy(),
            format!(".b.npy.ooc-{}.tmp", std::process::id())
        );
        std::fs::write(&staging, b"someone else's").unwrap();
        let a = MmapArray::<u8>::create_npy(&path, &[3], false).unwrap();
        assert_eq!(a.as_slice(), &[0, 0, 0]);
        assert_eq!(std::fs::read(&staging).unwrap(), b"someone else's");
        assert_eq!(
            leftovers(dir.path()),
            [staging.file_name().unwrap().to_string_lossy()]
        );
    }

    #[test]
    fn creation_replaces_by_rename_so_old_maps_stay_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        let mut old = MmapArray::<f32>::create_npy(&path, &[4, 4], false).unwrap();
        old.as_slice_mut().unwrap().fill(3.0);
        old.flush().unwrap();
        let reader = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap();
        let new = MmapArray::<f32>::create_npy(&path, &[2, 8], false).unwrap();
        assert!(reader.as_slice().iter().all(|&v| v == 3.0));
        assert!(new.as_slice().iter().all(|&v| v == 0.0));
        drop(new);
        assert_eq!(
            MmapArray::<f32>::open_npy(&path, Mode::ReadOnly)
                .unwrap()
                .shape(),
            [2, 8]
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn failed_creation_keeps_the_existing_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.raw");
        std::fs::write(&path, b"precious").unwrap();
        // 2^62 bytes: no filesystem reserves that.
        let layout = RawLayout::c_order(vec![1 << 62]);
        let err = MmapArray::<u8>::create_raw(&path, &layout).err().unwrap();
        assert!(matches!(err, MmapError::NoSpace { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }
}
