//! [`MemoryBudget`]: how many bytes of buffers an out-of-core pass may hold at once.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A limit, in bytes, on the memory an operation's buffers and scratch may take together.
///
/// Parses from text as people write sizes: `1GiB`, `512MiB`, `2GB`, `64k`, `1000000`.
///
/// ```
/// use ooc_core::MemoryBudget;
/// let b: MemoryBudget = "512MiB".parse()?;
/// assert_eq!(b.bytes(), 512 << 20);
/// assert_eq!("2GB".parse::<MemoryBudget>()?.bytes(), 2_000_000_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemoryBudget {
    bytes: usize,
}

impl MemoryBudget {
    /// A budget of exactly `bytes`.
    #[must_use]
    pub const fn new(bytes: usize) -> Self {
        MemoryBudget { bytes }
    }

    /// A budget of `mib` mebibytes.
    #[must_use]
    pub const fn mib(mib: usize) -> Self {
        MemoryBudget { bytes: mib << 20 }
    }

    /// The limit in bytes.
    #[must_use]
    pub const fn bytes(self) -> usize {
        self.bytes
    }

    /// Parses a size such as `1GiB`, `512MiB`, `2GB`, `64k` or plain bytes.
    ///
    /// Units are case-insensitive; `k`, `m`, `g`, `t` with `iB` are powers of 1024, with
    /// `B` or nothing after a `k/m/g/t` they are powers of 1000 (`64k` = 64,000).
    ///
    /// # Errors
    /// [`Error::InvalidSize`] for anything else, or a size above `usize::MAX`.
    pub fn parse_size(text: &str) -> Result<usize> {
        let invalid = || Error::InvalidSize(text.to_string());
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let unit = unit.trim().to_ascii_lowercase();
        let multiplier: u128 = match unit.as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "m" | "mb" => 1_000_000,
            "g" | "gb" => 1_000_000_000,
            "t" | "tb" => 1_000_000_000_000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "tib" => 1 << 40,
            _ => return Err(invalid()),
        };
        if number.is_empty() {
            return Err(invalid());
        }
        let bytes: u128 = if let Some((whole, frac)) = number.split_once('.') {
            let whole: u128 = if whole.is_empty() {
                0
            } else {
                whole.parse().map_err(|_| invalid())?
            };
            if frac.is_empty() || frac.len() > 9 || frac.contains('.') {
                return Err(invalid());
            }
            let frac_val: u128 = frac.parse().map_err(|_| invalid())?;
            let scale = 10_u128.pow(u32::try_from(frac.len()).map_err(|_| invalid())?);
            whole
                .checked_mul(multiplier)
                .and_then(|w| w.checked_add(frac_val * multiplier / scale))
                .ok_or_else(invalid)?
        } else {
            number
                .parse::<u128>()
                .ok()
                .and_then(|n| n.checked_mul(multiplier))
                .ok_or_else(invalid)?
        };
        usize::try_from(bytes).map_err(|_| invalid())
    }
}

impl MemoryBudget {
    /// A vector of `len` default elements for `what` (an output vector, a row pointer:
    /// buffers sized by the data), refused with [`Error::OverBudget`] when its bytes are
    /// more than the budget or the allocator cannot give them, never an abort.
    ///
    /// ```
    /// use ooc_core::MemoryBudget;
    /// let y = MemoryBudget::mib(1).zeroed::<f64>(1000, "y")?;
    /// assert_eq!(y.len(), 1000);
    /// assert!(MemoryBudget::mib(1).zeroed::<f64>(1 << 40, "y").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::OverBudget`] naming `what`, the length, the bytes and the budget.
    pub fn zeroed<T: Clone + Default>(self, len: usize, what: &str) -> Result<Vec<T>> {
        let needed = len.checked_mul(std::mem::size_of::<T>());
        let over = || Error::OverBudget {
            what: what.to_string(),
            len,
            needed: needed.unwrap_or(usize::MAX),
            budget: self.bytes,
        };
        if needed.is_none_or(|n| n > self.bytes) {
            return Err(over());
        }
        let mut v = Vec::new();
        v.try_reserve_exact(len).map_err(|_| over())?;
        v.resize(len, T::default());
        Ok(v)
    }
}

impl Default for MemoryBudget {
    /// One gibibyte.
    fn default() -> Self {
        MemoryBudget::new(1 << 30)
    }
}

impl FromStr for MemoryBudget {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse_size(s).map(MemoryBudget::new)
    }
}

impl fmt::Display for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, usize); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        for (name, size) in UNITS {
            if self.bytes >= size && self.bytes.is_multiple_of(size) {
                return write!(f, "{}{name}", self.bytes / size);
            }
        }
        write!(f, "{}B", self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_units() {
        let cases = [
            ("1GiB", 1 << 30),
            ("512MiB", 512 << 20),
            ("2GB", 2_000_000_000),
            ("64k", 64_000),
            ("64KiB", 65_536),
            ("1000", 1000),
            ("1.5GiB", 3 << 29),
            (" 7 mb ", 7_000_000),
        ];
        for (text, bytes) in cases {
            assert_eq!(MemoryBudget::parse_size(text).unwrap(), bytes, "{text}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "GiB",
            "1.2.3G",
            "-5",
            "12 parsecs",
            "99999999999999999999999TiB",
            "1.",
        ] {
            let err = MemoryBudget::parse_size(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidSize(_)), "{bad}: {err}");
        }
    }

    proptest! {
        #[test]
        fn display_parses_back(bytes in 0_usize..1 << 45) {
            let b = MemoryBudget::new(bytes);
            prop_assert_eq!(b.to_string().parse::<MemoryBudget>().unwrap(), b);
        }

        #[test]
        fn arbitrary_text_parses_only_when_it_starts_with_a_number(text in ".{0,20}") {
            if MemoryBudget::parse_size(&text).is_ok() {
                let first = text.trim().chars().next().unwrap();
                prop_assert!(first.is_ascii_digit() || first == '.', "{text:?}");
            }
        }
    }
}
