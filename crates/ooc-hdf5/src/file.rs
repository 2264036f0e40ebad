//! HDF5 files: the five open modes of h5py (`w`, `w-`/`x`, `r`, `r+`, `a`), chunk cache
//! settings, and the checks that turn a missing, empty or foreign file into a typed error
//! before the library sees it. A [`File`] is also its root [`Group`].

use std::ffi::CString;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Context, Error, Result};
use crate::group::Group;
use crate::raw;

/// How to open a file, with h5py's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `r`: read only; the file must exist.
    Read,
    /// `r+`: read and write; the file must exist.
    ReadWrite,
    /// `w`: create, truncating an existing file.
    Create,
    /// `w-` or `x`: create; fail if the file exists.
    CreateNew,
    /// `a`: read and write if the file exists, create it otherwise.
    Append,
}

impl Mode {
    /// Whether files opened this way can be written.
    #[must_use]
    pub fn writable(self) -> bool {
        self != Mode::Read
    }
}

/// Settings of the library's per-dataset chunk cache, applied to every dataset of a file.
///
/// A cache that holds every chunk one access touches is what makes row-by-row writes into
/// small chunks fast; the library default is 1 MiB and 521 slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkCache {
    /// Bytes of decoded chunks kept per dataset.
    pub bytes: usize,
    /// Hash table slots (a prime about 100 times the number of chunks that fit).
    pub slots: usize,
    /// Preference for evicting fully read or written chunks, from 0 to 1.
    pub preemption: f64,
}

impl Default for ChunkCache {
    fn default() -> Self {
        ChunkCache {
            bytes: 1 << 20,
            slots: 521,
            preemption: 0.75,
        }
    }
}

/// What groups and datasets of one open file share: its name and whether it is writable.
#[derive(Debug)]
pub(crate) struct FileInfo {
    pub(crate) path: PathBuf,
    pub(crate) writable: bool,
}

impl FileInfo {
    pub(crate) fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// An open HDF5 file. Dereferences to its root [`Group`], so groups, datasets and
/// attributes are reached with the group methods.
///
/// ```
/// use ooc_hdf5::File;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("example.h5");
/// let file = File::create(&path)?;
/// file.create_group_all("/group/subgroup")?;
/// let mut ds = file.new_dataset::<i32>("/group/subgroup/dataset2").shape([2, 3]).create()?;
/// ds.write_all(&[1, 2, 3, 4, 5, 6])?;
/// drop(ds);
/// file.close()?;
///
/// let file = File::open_rw(&path)?;
/// let ds = file.dataset("/group/subgroup/dataset2")?;
/// let mut row = [0_i32; 3];
/// ds.read_rows(1, &mut row)?;
/// assert_eq!(row, [4, 5, 6]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct File {
    inner: hdf5::File,
    root: Group,
}

impl File {
    /// Creates a file, truncating an existing one (h5py `w`).
    ///
    /// # Errors
    /// [`Error::Library`] when the library cannot create it (missing directory, no
    /// permission, the file open elsewhere).
    pub fn create(path: impl AsRef<Path>) -> Result<File> {
        File::open_with(path, Mode::Create)
    }

    /// Creates a file that must not exist yet (h5py `w-` / `x`).
    ///
    /// # Errors
    /// [`Error::Library`] when it exists or cannot be created.
    pub fn create_new(path: impl AsRef<Path>) -> Result<File> {
        File::open_with(path, Mode::CreateNew)
    }

    /// Opens an existing file read-only (h5py `r`).
    ///
    /// # Errors
    /// [`Error::Io`] for a missing or unreadable file, [`Error::NotHdf5`] for an empty or
    /// foreign one, [`Error::Library`] for a damaged (truncated) one.
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        File::open_with(path, Mode::Read)
    }

    /// Opens an existing file for reading and writing (h5py `r+`).
    ///
    /// # Errors
    /// As [`File::open`].
    pub fn open_rw(path: impl AsRef<Path>) -> Result<File> {
        File::open_with(path, Mode::ReadWrite)
    }

    /// Opens a file for reading and writing, creating it if missing (h5py `a`).
    ///
    /// # Errors
    /// As [`File::open`] for an existing file, as [`File::create`] for a new one.
    pub fn append(path: impl AsRef<Path>) -> Result<File> {
        File::open_with(path, Mode::Append)
    }

    /// Opens a file in `mode` with the library's default chunk cache.
    ///
    /// # Errors
    /// As the mode's own constructor.
    pub fn open_with(path: impl AsRef<Path>, mode: Mode) -> Result<File> {
        File::open_inner(path.as_ref(), mode, None)
    }

    /// Opens a file in `mode` with a chunk cache of the given size for each dataset.
    ///
    /// The settings apply when the library opens the file: if this process still has it
    /// open (another [`File`], or a [`Dataset`](crate::Dataset) or [`Group`] of it still
    /// alive), the library reuses that open file and its cache settings.
    ///
    /// # Errors
    /// As the mode's own constructor.
    pub fn open_with_cache(path: impl AsRef<Path>, mode: Mode, cache: ChunkCache) -> Result<File> {
        File::open_inner(path.as_ref(), mode, Some(cache))
    }

    fn open_inner(path: &Path, mode: Mode, cache: Option<ChunkCache>) -> Result<File> {
        let name = path.display().to_string();
        let must_exist = matches!(mode, Mode::Read | Mode::ReadWrite);
        let exists = path.exists();
        if must_exist || (mode == Mode::Append && exists) {
            check_is_hdf5(path)?;
        }
        let h5mode = match mode {
            Mode::Read => hdf5::file::OpenMode::Read,
            Mode::ReadWrite => hdf5::file::OpenMode::ReadWrite,
            Mode::Create => hdf5::file::OpenMode::Create,
            Mode::CreateNew => hdf5::file::OpenMode::CreateExcl,
            Mode::Append => hdf5::file::OpenMode::Append,
        };
        let open = || {
            let mut builder = hdf5::File::with_options();
            if let Some(c) = cache {
                builder.with_fapl(|p| p.chunk_cache(c.slots, c.bytes, c.preemption));
            }
            builder
                .open_as(path, h5mode)
                .context(|| format!("open {name} ({mode:?})"))
        };
        let inner = retry_while_locked(open)?;
        close_on_exec(&inner, path);
        let info = Arc::new(FileInfo {
            path: path.to_path_buf(),
            writable: mode.writable(),
        });
        let root_group = inner.group("/").context(|| format!("{name}: open /"))?;
        Ok(File {
            root: Group::from_parts(root_group, info, "/".to_owned()),
            inner,
        })
    }

    /// The file's path as given when it was opened.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.root.file_info().path
    }

    /// Whether the file was opened for writing.
    #[must_use]
    pub fn is_writable(&self) -> bool {
        self.root.file_info().writable
    }

    /// The root group `/`.
    #[must_use]
    pub fn root(&self) -> &Group {
        &self.root
    }

    /// Writes everything the library holds in its caches to the file.
    ///
    /// # Errors
    /// [`Error::Library`] when the library cannot write.
    pub fn flush(&self) -> Result<()> {
        self.inner
            .flush()
            .context(|| format!("flush {}", self.root.file_info().name()))
    }

    /// Flushes and closes the file, or refuses while groups or datasets opened from it
    /// (or clones of its root group) are alive: they would keep the file open, and
    /// locked against other processes, after a `close` that said it succeeded. h5py
    /// closes the file anyway and invalidates such handles; ooc keeps every handle
    /// valid, so it reports them instead. On refusal this `File` handle is released all
    /// the same (after the flush) and the library closes the file when the last of those
    /// objects is dropped. Dropping a `File` without `close` also flushes.
    ///
    /// ```
    /// use ooc_hdf5::{Error, File};
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("c.h5"))?;
    /// let ds = file.create_dataset("x", &[1.0_f32, 2.0][..])?;
    /// let err = file.close().unwrap_err();
    /// assert!(matches!(err, Error::StillOpen { objects: 1, .. }));
    /// drop(ds); // now the file is closed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::StillOpen`] naming how many objects are still open; [`Error::Library`]
    /// when the final flush fails.
    pub fn close(self) -> Result<()> {
        if self.is_writable() {
            self.flush()?;
        }
        match self.open_objects() {
            0 => Ok(()),
            objects => Err(Error::StillOpen {
                path: self.root.file_info().name(),
                objects,
            }),
        }
    }

    /// Groups, datasets and named types opened through this file, besides its own root
    /// group, counting each extra reference to the root group as one more.
    fn open_objects(&self) -> usize {
        use hdf5_sys::h5f::{
            H5F_OBJ_ATTR, H5F_OBJ_DATASET, H5F_OBJ_DATATYPE, H5F_OBJ_GROUP, H5F_OBJ_LOCAL,
            H5Fget_obj_count,
        };
        let kinds =
            H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL;
        raw::locked(|| {
            // SAFETY: both ids are open for as long as `self` lives.
            let (ids, root_refs) = unsafe {
                (
                    H5Fget_obj_count(self.inner.id(), kinds),
                    hdf5_sys::h5i::H5Iget_ref(self.root.inner().id()),
                )
            };
            let others = usize::try_from(ids).unwrap_or(0).saturating_sub(1);
            others + usize::try_from(root_refs).unwrap_or(1).saturating_sub(1)
        })
    }
}

impl Deref for File {
    type Target = Group;
    fn deref(&self) -> &Group {
        &self.root
    }
}

/// How long an open waits for a file lock that another process holds.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs `open` again while it fails because another process holds the file's lock
/// (`EAGAIN` from the library's `flock`), for at most [`LOCK_WAIT`]. A child process that
/// any thread of this program is starting inherits the descriptors of files open at that
/// moment, with their locks, until it executes its program; a file closed and reopened
/// meanwhile would otherwise fail to open for no lasting reason. A lock held for longer
/// (another program writing the file) is still reported, as the library's error.
fn retry_while_locked(open: impl Fn() -> Result<hdf5::File>) -> Result<hdf5::File> {
    let start = std::time::Instant::now();
    loop {
        match open() {
            Err(Error::Library { message, .. })
                if message.contains("unable to lock file, errno = 11")
                    && start.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Marks the library's file descriptor close-on-exec. The library opens files without
/// `O_CLOEXEC`, so a child process started while the file is open (a Python check, say)
/// would inherit the descriptor and with it the library's file lock, and a later open of
/// the file elsewhere would fail. Only done when the descriptor is verifiably this file.
fn close_on_exec(file: &hdf5::File, path: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    raw::locked(|| {
        let mut handle: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: the file id is open; `handle` is a live out-pointer.
        let status = unsafe {
            hdf5_sys::h5f::H5Fget_vfd_handle(file.id(), hdf5_sys::h5p::H5P_DEFAULT, &raw mut handle)
        };
        if status < 0 || handle.is_null() {
            return;
        }
        // SAFETY: for the default (sec2) driver the handle points at the `int` descriptor;
        // it is only used after `fstat` confirms it is this very file.
        let fd = unsafe { *handle.cast::<libc::c_int>() };
        // SAFETY: `stat` is a plain struct, valid when zeroed.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fstat` on any integer is safe; `st` is a live out-pointer.
        let same = fd >= 0
            && unsafe { libc::fstat(fd, &raw mut st) } == 0
            && st.st_ino == meta.ino()
            && st.st_dev == meta.dev();
        if same {
            // SAFETY: `fd` is the library's open descriptor of this file; setting the
            // close-on-exec flag does not change how the library uses it.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
    });
}

/// Refuses missing, empty and foreign files with a typed error before the library opens
/// them, so the user sees "is not an HDF5 file" rather than a library stack.
fn check_is_hdf5(path: &Path) -> Result<()> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("open {name}"), e))?;
    if meta.is_dir() {
        return Err(Error::NotHdf5 {
            path: name,
            reason: "it is a directory".to_owned(),
        });
    }
    if meta.len() == 0 {
        return Err(Error::NotHdf5 {
            path: name,
            reason: "the file is empty".to_owned(),
        });
    }
    let c_name = CString::new(name.as_bytes()).map_err(|_| Error::NotHdf5 {
        path: name.clone(),
        reason: "the name contains a NUL byte".to_owned(),
    })?;
    // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
    let status = raw::locked(|| unsafe {
        hdf5_sys::h5f::H5Fis_accessible(c_name.as_ptr(), hdf5_sys::h5p::H5P_DEFAULT)
    });
    if status == 0 {
        return Err(Error::NotHdf5 {
            path: name,
            reason: format!("no HDF5 signature in its {} bytes", meta.len()),
        });
    }
    // A negative status (unreadable) is left to the open call, which reports the reason.
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;

    use super::*;

    /// Takes an exclusive `flock` on `path` through a separate open file description, as
    /// another process (or a child that inherited a descriptor) would hold it.
    fn lock(path: &Path) -> std::fs::File {
        let f = std::fs::File::open(path).unwrap();
        // SAFETY: the descriptor is open for the duration of the call.
        assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
        f
    }

    #[test]
    fn a_lock_released_within_the_wait_is_waited_for_and_a_held_one_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.h5");
        File::create(&path).unwrap().close().unwrap();

        let held = lock(&path);
        let err = File::open(&path).unwrap_err();
        assert!(err.to_string().contains("unable to lock file"), "{err}");
        drop(held);

        // The lock is released by the first failed attempt itself, so the retry that
        // follows finds it free: the order fail, release, retry needs no second thread
        // and no sleep racing the wait.
        let held = std::cell::Cell::new(Some(lock(&path)));
        let attempts = std::cell::Cell::new(0);
        let inner = retry_while_locked(|| {
            attempts.set(attempts.get() + 1);
            let result = hdf5::File::open(&path).context(|| "open locked.h5".to_owned());
            if let Some(lock) = held.take() {
                let err = result.as_ref().err().map(ToString::to_string);
                assert!(
                    err.as_deref()
                        .is_some_and(|e| e.contains("unable to lock file")),
                    "the first attempt must meet the lock, got {err:?}"
                );
                drop(lock);
            }
            result
        })
        .unwrap();
        assert_eq!(
            attempts.get(),
            2,
            "one failed attempt, then one that succeeds"
        );
        drop(inner);
        let file = File::open(&path).unwrap();
        assert!(!file.is_writable());
    }
}
