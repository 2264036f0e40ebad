//! Explicit parallelism: callers say how many threads an operation may use.

use std::num::NonZeroUsize;

/// How an operation may run: on the calling thread, or on a rayon pool of `n` threads.
///
/// Never a hidden global: every parallel operation takes one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Par {
    /// On the calling thread only.
    Seq,
    /// On `n` rayon threads.
    Rayon(NonZeroUsize),
    /// On every core of the machine (rayon's global pool).
    #[default]
    All,
}

impl Par {
    /// `n` threads; `0` or `1` means [`Par::Seq`].
    #[must_use]
    pub fn threads(n: usize) -> Par {
        match NonZeroUsize::new(n) {
            Some(n) if n.get() > 1 => Par::Rayon(n),
            _ => Par::Seq,
        }
    }

    /// How many threads this value allows.
    #[must_use]
    pub fn degree(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Rayon(n) => n.get(),
            Par::All => rayon::current_num_threads(),
        }
    }

    /// Runs `f` inside a rayon pool of this size; [`Par::Seq`] and [`Par::All`] run it
    /// directly (with `Seq`, callers must not fork work).
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] when the operating system refuses to start threads.
    pub fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> crate::Result<R> {
        match self {
            Par::Seq | Par::All => Ok(f()),
            Par::Rayon(n) => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(n.get())
                    .build()
                    .map_err(|e| crate::Error::Unsupported(format!("thread pool: {e}")))?;
                Ok(pool.install(f))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_maps_small_counts_to_seq() {
        assert_eq!(Par::threads(0), Par::Seq);
        assert_eq!(Par::threads(1), Par::Seq);
        assert_eq!(Par::threads(3).degree(), 3);
        assert_eq!(Par::Seq.degree(), 1);
    }

    #[test]
    fn install_runs_in_a_pool_of_that_size() {
        let n = Par::threads(3).install(rayon::current_num_threads).unwrap();
        assert_eq!(n, 3);
    }
}
