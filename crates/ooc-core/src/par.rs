//! Explicit parallelism: callers say how many threads an operation may use.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

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

    /// The rayon pool this value runs on: `None` for [`Par::Seq`] and [`Par::All`] (the
    /// calling thread, or rayon's global pool); for [`Par::Rayon`] a pool of that many
    /// threads, made on first use and shared by every later call with the same count.
    ///
    /// # Errors
    /// [`crate::Error::Unsupported`] when the pool's threads cannot start.
    pub fn pool(self) -> crate::Result<Option<Arc<rayon::ThreadPool>>> {
        let Par::Rayon(n) = self else {
            return Ok(None);
        };
        static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());
        let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, pool)) = pools.iter().find(|(k, _)| *k == n.get()) {
            return Ok(Some(Arc::clone(pool)));
        }
        let pool = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.get())
                .build()
                .map_err(|e| crate::Error::Unsupported(format!("thread pool: {e}")))?,
        );
        pools.push((n.get(), Arc::clone(&pool)));
        Ok(Some(pool))
    }

    /// Runs `f` with this parallelism: on the calling thread for [`Par::Seq`] and
    /// [`Par::All`] (whose rayon calls use the global pool), inside the cached pool of
    /// [`Par::pool`] for [`Par::Rayon`].
    ///
    /// # Errors
    /// As [`Par::pool`].
    pub fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> crate::Result<R> {
        match self.pool()? {
            None => Ok(f()),
            Some(pool) => Ok(pool.install(f)),
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
        let (a, b) = (
            Par::threads(3).pool().unwrap(),
            Par::threads(3).pool().unwrap(),
        );
        assert!(
            Arc::ptr_eq(&a.unwrap(), &b.unwrap()),
            "pools are made once per size"
        );
        assert!(Par::Seq.pool().unwrap().is_none());
    }
}
