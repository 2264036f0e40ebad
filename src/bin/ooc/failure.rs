//! How the binary fails: one line on stderr naming the file and the problem, exit status 1
//! for anything the files or the system got wrong, 2 for a command line that cannot work.

use std::fmt;
use std::path::Path;

/// Exit status for a failure caused by files, data or the system.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit status for a command line that cannot work (clap uses it too).
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a command failed, as the one line the user sees.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    usage: bool,
}

impl Failure {
    /// A failure of the files, data or system (exit status 1).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: false,
        }
    }

    /// A command line that cannot work (exit status 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: true,
        }
    }

    /// A failure about `path`: `PATH: message`.
    ///
    /// Library messages that already name the file are kept as they are.
    pub(crate) fn at(path: &Path, message: impl fmt::Display) -> Self {
        let message = message.to_string();
        let name = path.display().to_string();
        if message.contains(&name) {
            Failure::new(message)
        } else {
            Failure::new(format!("{name}: {message}"))
        }
    }

    /// The exit status this failure ends the process with.
    pub(crate) fn exit_code(&self) -> u8 {
        if self.usage { EXIT_USAGE } else { EXIT_FAILURE }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Library messages may span lines (HDF5's error stack); the user gets one line.
        let mut first = true;
        for part in self
            .message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            if !first {
                f.write_str("; ")?;
            }
            f.write_str(part)?;
            first = false;
        }
        Ok(())
    }
}

/// Results of the binary.
pub(crate) type CliResult<T = ()> = Result<T, Failure>;

/// The library's errors already name the file; a source that needs more from the
/// command line (an inner path, `--dtype`/`--shape`) is a usage error.
impl From<ooc::Error> for Failure {
    fn from(e: ooc::Error) -> Self {
        if e.is_incomplete() {
            Failure::usage(e.to_string())
        } else {
            Failure::new(e.to_string())
        }
    }
}

/// Attaching the file a library error is about.
pub(crate) trait AtPath<T> {
    /// Turns the error into a [`Failure`] that names `path`.
    fn at(self, path: &Path) -> CliResult<T>;
}

impl<T, E: fmt::Display> AtPath<T> for Result<T, E> {
    fn at(self, path: &Path) -> CliResult<T> {
        self.map_err(|e| Failure::at(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_become_one_line_naming_the_file() {
        let f = Failure::at(Path::new("a.h5"), "first\n  second\n\nthird");
        assert_eq!(f.to_string(), "a.h5: first; second; third");
        assert_eq!(f.exit_code(), EXIT_FAILURE);
        assert_eq!(Failure::usage("x").exit_code(), EXIT_USAGE);
        let named = Failure::at(Path::new("b.npy"), "\"b.npy\" is too short");
        assert_eq!(named.to_string(), "\"b.npy\" is too short");
    }
}
