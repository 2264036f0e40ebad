//! [`Options`]: how an operation may run — memory budget, parallelism, read-ahead depth and
//! an optional progress callback — and the [`Progress`] values that callback receives.

use std::fmt;
use std::sync::Arc;

use ooc_core::{MemoryBudget, Par};

/// How far an operation has come, as reported to a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Blocks finished and combined so far (they finish in block order).
    pub blocks_done: usize,
    /// Blocks in the plan.
    pub blocks_total: usize,
    /// Bytes of input consumed so far (read into buffers or seen through views; for
    /// sparse matrices, the stored values and column indices).
    pub bytes_read: u64,
}

/// A progress callback: called once per block, in block order.
pub type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// How an out-of-core operation may run.
///
/// ```
/// use ooc_core::{MemoryBudget, Par};
/// use ooc_linalg::Options;
///
/// let opts = Options::new()
///     .with_budget(MemoryBudget::mib(64))
///     .with_par(Par::threads(2))
///     .with_read_ahead(2)
///     .with_progress(|p| eprintln!("{}/{}", p.blocks_done, p.blocks_total));
/// assert_eq!(opts.in_flight(), 2 * 3);
/// ```
#[derive(Clone)]
pub struct Options {
    budget: MemoryBudget,
    par: Par,
    read_ahead: usize,
    progress: Option<Arc<ProgressFn>>,
}

impl Options {
    /// The defaults: a 1 GiB budget, every core, double buffering (read-ahead 1), no
    /// progress callback.
    #[must_use]
    pub fn new() -> Self {
        Options {
            budget: MemoryBudget::default(),
            par: Par::All,
            read_ahead: 1,
            progress: None,
        }
    }

    /// Sets the memory budget for block buffers and scratch together.
    #[must_use]
    pub fn with_budget(mut self, budget: MemoryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Sets the parallelism.
    #[must_use]
    pub fn with_par(mut self, par: Par) -> Self {
        self.par = par;
        self
    }

    /// Sets how many blocks per worker may be read ahead of the one being computed
    /// (0 = no overlap, 1 = double buffering).
    ///
    /// The plan always budgets workers × (1 + depth) block buffers. Backends read by one
    /// reader thread use them all, so reading runs that far ahead of computing; backends
    /// that lend views need none, and backends read concurrently use one per worker
    /// (their reads overlap other workers' computing).
    #[must_use]
    pub fn with_read_ahead(mut self, depth: usize) -> Self {
        self.read_ahead = depth;
        self
    }

    /// Sets a callback told about every finished block, in block order.
    #[must_use]
    pub fn with_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The memory budget.
    #[must_use]
    pub fn budget(&self) -> MemoryBudget {
        self.budget
    }

    /// The parallelism.
    #[must_use]
    pub fn par(&self) -> Par {
        self.par
    }

    /// The read-ahead depth per worker.
    #[must_use]
    pub fn read_ahead(&self) -> usize {
        self.read_ahead
    }

    /// Worker threads this value allows.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.par.degree().max(1)
    }

    /// Block buffers (and partial results) alive at once: workers × (1 + read-ahead).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.workers().saturating_mul(1 + self.read_ahead)
    }

    pub(crate) fn report(&self, progress: Progress) {
        if let Some(f) = &self.progress {
            f(progress);
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("budget", &self.budget)
            .field("par", &self.par)
            .field("read_ahead", &self.read_ahead)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}
