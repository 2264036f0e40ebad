//! Where commands write whole files: a temporary name beside the destination, renamed into
//! place only once everything was written and synced. A failed, interrupted (SIGINT,
//! SIGTERM, SIGHUP, SIGPIPE) or crashed run therefore never leaves a partial file under the real
//! name, and an existing file is replaced only with `--force`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::failure::{AtPath, CliResult, Failure};

/// The temporary file a signal handler must remove, as a C string (null when none).
///
/// Strings stored here are leaked on purpose: a handler may be reading one at any moment,
/// so none is ever freed.
static PENDING: AtomicPtr<libc::c_char> = AtomicPtr::new(ptr::null_mut());

/// The names the libraries build a new file under before renaming it onto the temporary
/// file (`ooc_mmap::staging_path` for maps, `ooc_sparse::npz_staging_path` for archives),
/// removed by the signal handler too.
static PENDING_STAGING: [AtomicPtr<libc::c_char>; 2] = [
    AtomicPtr::new(ptr::null_mut()),
    AtomicPtr::new(ptr::null_mut()),
];

/// How temporary names begin: `.ooc-PID-N-NAME` beside the destination `NAME`.
pub(crate) const TEMP_PREFIX: &str = ".ooc-";

/// A file being written under a temporary name until [`Destination::commit`].
#[derive(Debug)]
pub(crate) struct Destination {
    real: PathBuf,
    temp: PathBuf,
    force: bool,
    committed: bool,
    /// The file this one replaces, whose mode and owner the new one takes.
    replaced: Option<std::fs::Metadata>,
    /// The destination directory, locked (`flock`) while an existing file is copied,
    /// changed and renamed back, so two writers to it take turns instead of one losing
    /// the other's change.
    _lock: Option<std::fs::File>,
}

/// The longest file name most file systems take.
const NAME_MAX: usize = 255;
/// Room kept beside a temporary name for the staging name `ooc-mmap` builds from it
/// (`.NAME.ooc-PID.tmp`).
const STAGING_ROOM: usize = 32;

/// The end of `name` (its extension included, so writers that choose a format by
/// extension see the right one) that fits after a `prefix_len`-byte prefix in a file
/// name, with room for a staging name: a legal long destination name still gets a legal
/// temporary one.
fn name_tail(name: &str, prefix_len: usize) -> &str {
    let room = NAME_MAX.saturating_sub(prefix_len + STAGING_ROOM);
    if name.len() <= room {
        return name;
    }
    let mut start = name.len() - room;
    while !name.is_char_boundary(start) {
        start += 1;
    }
    &name[start..]
}

/// The file `path` names, following symbolic links (a dangling link names its target),
/// so a destination that is a link updates the file it points to instead of replacing
/// the link.
fn through_links(path: &Path) -> CliResult<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&path).at(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(Failure::at(&path, "too many levels of symbolic links"))
}

impl Destination {
    /// Prepares to write `real`: refuses an existing file without `force` and a missing or
    /// unwritable directory, and creates the (empty) temporary file beside it.
    pub(crate) fn new(real: &Path, force: bool) -> CliResult<Self> {
        let real = &through_links(real)?;
        if real.is_dir() {
            return Err(Failure::at(real, "is a directory"));
        }
        let replaced = std::fs::metadata(real).ok();
        if let Some(m) = &replaced {
            use std::os::unix::fs::MetadataExt;
            if m.nlink() > 1 {
                return Err(Failure::at(
                    real,
                    format!(
                        "has {} hard links: replacing it would leave the other names with the old contents; write to another name",
                        m.nlink()
                    ),
                ));
            }
        }
        if real.exists() && !force {
            return Err(Failure::at(
                real,
                "already exists (use --force to overwrite it)",
            ));
        }
        let name = real
            .file_name()
            .ok_or_else(|| Failure::at(real, "is not a file name"))?;
        let dir = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Failure::at(
                real,
                format!("cannot write: {} is not a directory", dir.display()),
            ));
        }
        report_stale_temporaries(&dir);
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        // Hidden, unique, and ending in the real name, so writers that choose the format
        // by extension (images) see the right one.
        let prefix = format!(
            "{TEMP_PREFIX}{}-{}-",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
        );
        let temp = dir.join(format!(
            "{prefix}{}",
            name_tail(&name.to_string_lossy(), prefix.len())
        ));
        std::fs::File::create_new(&temp).map_err(|e| {
            Failure::at(
                real,
                format!("cannot create a file in {}: {e}", dir.display()),
            )
        })?;
        register(&temp);
        Ok(Destination {
            real: real.to_path_buf(),
            temp,
            force,
            committed: false,
            replaced,
            _lock: None,
        })
    }

    /// Prepares to change the existing file `real`: locks its directory against other
    /// `ooc` writers (waiting for them), then copies the file as it is now to the
    /// temporary name, which is renamed over it on [`Destination::commit`].
    pub(crate) fn replacing(real: &Path) -> CliResult<Self> {
        let real = through_links(real)?;
        let dir = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let lock = std::fs::File::open(&dir).at(&dir)?;
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns; it blocks until the lock
            // is free and is released when the descriptor closes.
            if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(Failure::at(
                    &real,
                    format!(
                        "cannot lock {}: {}",
                        dir.display(),
                        std::io::Error::last_os_error()
                    ),
                ));
            }
        }
        let mut d = Destination::new(&real, true)?;
        d._lock = Some(lock);
        std::fs::copy(&real, d.temp_path()).at(&real)?;
        Ok(d)
    }

    /// The name to write to now.
    pub(crate) fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The name the file will have.
    pub(crate) fn real_path(&self) -> &Path {
        &self.real
    }

    /// Syncs the temporary file and moves it to the real name.
    pub(crate) fn commit(mut self) -> CliResult<()> {
        if let Some(m) = &self.replaced {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            std::fs::set_permissions(&self.temp, std::fs::Permissions::from_mode(m.mode()))
                .at(&self.real)?;
            // Keeping the owner needs privileges; without them the file is the writer's.
            let _ = std::os::unix::fs::chown(&self.temp, Some(m.uid()), Some(m.gid()));
        }
        std::fs::File::open(&self.temp)
            .and_then(|f| f.sync_all())
            .at(&self.real)?;
        if self.force {
            std::fs::rename(&self.temp, &self.real).at(&self.real)?;
        } else {
            // A hard link fails if the name was taken meanwhile: no file is ever clobbered.
            match std::fs::hard_link(&self.temp, &self.real) {
                Ok(()) => std::fs::remove_file(&self.temp).at(&self.real)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Failure::at(
                        &self.real,
                        "already exists (use --force to overwrite it)",
                    ));
                }
                // Filesystems without hard links: check, then rename.
                Err(_) if self.real.exists() => {
                    return Err(Failure::at(
                        &self.real,
                        "already exists (use --force to overwrite it)",
                    ));
                }
                Err(_) => std::fs::rename(&self.temp, &self.real).at(&self.real)?,
            }
        }
        self.committed = true;
        unregister();
        Ok(())
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if !self.committed {
            unregister();
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Warns (on stderr, one line each) about temporary files in `dir` left by `ooc`
/// processes that are no longer running (killed with `SIGKILL`, which no handler sees),
/// so they do not pile up unnoticed. They are named `.ooc-PID-N-NAME`.
fn report_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(pid) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            eprintln!(
                "ooc: warning: {} is a temporary file left by ooc process {pid}, which is no longer running; remove it",
                dir.join(&*name).display()
            );
        }
    }
}

fn register(temp: &Path) {
    let staging = [
        ooc_mmap::staging_path(temp),
        ooc_sparse::npz_staging_path(temp),
    ];
    for (slot, path) in PENDING_STAGING.iter().zip(staging) {
        if let Ok(c) = CString::new(path.as_os_str().as_bytes()) {
            slot.store(c.into_raw(), Ordering::SeqCst);
        }
    }
    if let Ok(c) = CString::new(temp.as_os_str().as_bytes()) {
        PENDING.store(c.into_raw(), Ordering::SeqCst);
    }
}

fn unregister() {
    PENDING.store(ptr::null_mut(), Ordering::SeqCst);
    for slot in &PENDING_STAGING {
        slot.store(ptr::null_mut(), Ordering::SeqCst);
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    unlink_pending();
    // SAFETY: signal and raise are async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Unlinks every pending temporary file; async-signal-safe.
fn unlink_pending() {
    let path = PENDING.swap(ptr::null_mut(), Ordering::SeqCst);
    let map = PENDING_STAGING[0].swap(ptr::null_mut(), Ordering::SeqCst);
    let npz = PENDING_STAGING[1].swap(ptr::null_mut(), Ordering::SeqCst);
    // SAFETY: the paths are null or NUL-terminated strings leaked by `register` and never
    // freed; unlink is async-signal-safe.
    unsafe {
        for p in [path, map, npz] {
            if !p.is_null() {
                libc::unlink(p);
            }
        }
    }
}

/// A fault reading a memory-mapped input: another process truncated the file under
/// the map. The temporaries are removed and the command ends with one line, exit 1.
extern "C" fn on_bus_error(_: libc::c_int) {
    const MESSAGE: &[u8] = b"ooc: an input file was truncated by another process while it was being read (SIGBUS); nothing was written\n";
    unlink_pending();
    // SAFETY: write and _exit are async-signal-safe; MESSAGE is a static buffer.
    unsafe {
        libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
        libc::_exit(1);
    }
}

/// Removes the pending temporary file when the process is interrupted or terminated, then
/// dies of the same signal (so the shell sees the usual status); a bus error (a mapped
/// input truncated under the map) also removes them and ends with one line, exit 1.
pub(crate) fn remove_temporaries_on_signals() {
    // SAFETY: `on_bus_error` only performs async-signal-safe calls.
    unsafe {
        libc::signal(
            libc::SIGBUS,
            on_bus_error as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGPIPE] {
        // SAFETY: `on_signal` only performs async-signal-safe calls.
        unsafe {
            libc::signal(
                signal,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_moves_and_drop_removes() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("out.bin");
        let d = Destination::new(&real, false).unwrap();
        std::fs::write(d.temp_path(), b"data").unwrap();
        assert!(!real.exists());
        d.commit().unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"data");

        let err = Destination::new(&real, false).unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");

        let d = Destination::new(&real, true).unwrap();
        std::fs::write(d.temp_path(), b"new").unwrap();
        let temp = d.temp_path().to_path_buf();
        drop(d);
        assert!(!temp.exists());
        assert_eq!(std::fs::read(&real).unwrap(), b"data");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_name_taken_meanwhile_is_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("out.bin");
        let d = Destination::new(&real, false).unwrap();
        std::fs::write(&real, b"theirs").unwrap();
        assert!(d.commit().is_err());
        assert_eq!(std::fs::read(&real).unwrap(), b"theirs");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directories_are_reported_with_the_destination() {
        let err = Destination::new(Path::new("/nonexistent-ooc/x/out.npy"), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/nonexistent-ooc/x/out.npy: cannot write"),
            "{err}"
        );
    }
}
