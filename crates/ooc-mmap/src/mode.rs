//! How a file is opened ([`Mode`], numpy's `mode` letters) and how its pages will be
//! accessed ([`Access`], the `madvise` hints).

use std::fmt;

/// How a map is opened, matching numpy's `np.memmap` / `np.load(mmap_mode=...)` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `'r'`: read an existing file; writes are errors.
    ReadOnly,
    /// `'r+'`: read and write an existing file; writes reach the file.
    ReadWrite,
    /// `'w+'`: create or overwrite the file, sized up front and zero-filled, then read and
    /// write it. The space is reserved on disk at creation.
    Create,
    /// `'c'`: copy-on-write. Writes change the array in memory only and never reach the
    /// file; other processes keep seeing the file's contents.
    CopyOnWrite,
}

impl Mode {
    /// numpy's letter for this mode (`r`, `r+`, `w+`, `c`).
    #[must_use]
    pub fn numpy_letter(self) -> &'static str {
        match self {
            Mode::ReadOnly => "r",
            Mode::ReadWrite => "r+",
            Mode::Create => "w+",
            Mode::CopyOnWrite => "c",
        }
    }

    /// Whether the array's elements may be changed (in the file or, for
    /// [`Mode::CopyOnWrite`], in memory).
    #[must_use]
    pub fn is_writable(self) -> bool {
        self != Mode::ReadOnly
    }

    /// Whether writes reach the file.
    #[must_use]
    pub fn writes_to_file(self) -> bool {
        matches!(self, Mode::ReadWrite | Mode::Create)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.numpy_letter())
    }
}

/// How the pages of a map are about to be used, passed to the kernel with `madvise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Pages will be read in order: read ahead aggressively, drop pages behind.
    Sequential,
    /// Pages will be read in no particular order: do not read ahead.
    Random,
    /// Pages will be needed soon: start reading them now.
    WillNeed,
    /// Pages are not needed for now: the kernel may drop them from this process (they are
    /// read back from the file on the next access).
    DontNeed,
}

impl Access {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Access::Sequential => "sequential",
            Access::Random => "random",
            Access::WillNeed => "will-need",
            Access::DontNeed => "dont-need",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_match_numpy_letters_and_write_rules() {
        let all = [
            Mode::ReadOnly,
            Mode::ReadWrite,
            Mode::Create,
            Mode::CopyOnWrite,
        ];
        let letters: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(letters, ["r", "r+", "w+", "c"]);
        let writable: Vec<bool> = all.iter().map(|m| m.is_writable()).collect();
        assert_eq!(writable, [false, true, true, true]);
        let to_file: Vec<bool> = all.iter().map(|m| m.writes_to_file()).collect();
        assert_eq!(to_file, [false, true, true, false]);
    }
}
