//! The block scheduler: runs an operation's per-block compute on worker threads and
//! combines the per-block partial results in block order.
//!
//! Blocks come from a [`Source`]. When the source lends views (or reads concurrently),
//! workers claim block indices in order and fetch their own data; otherwise one reader
//! thread reads blocks into a pool of buffers and feeds the workers through a bounded
//! channel, so reading overlaps computing. Either way, a worker must hold one of `window`
//! partial-result slots to claim a block, slots are claimed in block order, and finished
//! partials are combined strictly in block order (one at a time) before their slot is
//! reused. That fixed order makes every result independent of the thread count, and bounds
//! memory: at most `window` partials and at most `in_flight` buffers exist, all allocated
//! once per run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::error::{LinalgError, Result};
use crate::options::{Options, Progress};

/// Where blocks come from: a dense array's plan, or a sparse matrix's row blocks.
pub(crate) trait Source: Sync {
    /// A reusable buffer one block is read into.
    type Buf: Send;
    /// What the compute step sees of one block.
    type Data: ?Sized;

    /// Number of blocks.
    fn len(&self) -> usize;
    /// Bytes of input in block `i` (for progress).
    fn bytes(&self, i: usize) -> u64;
    /// Whether reads from several threads at once are safe and useful.
    fn concurrent_reads(&self) -> bool;
    /// Whether the source may lend views (so no reader thread is needed).
    fn lends_views(&self) -> bool;
    /// A buffer big enough for any block.
    fn new_buf(&self) -> Self::Buf;
    /// Block `i` without copying, when the source lends it.
    fn view(&self, i: usize) -> Result<Option<&Self::Data>>;
    /// Says block `i`, lent by [`Source::view`], has been used (a no-op unless the source
    /// drops file pages behind a pass).
    fn release(&self, i: usize) {
        let _ = i;
    }
    /// Reads block `i` into `buf`.
    fn read(&self, i: usize, buf: &mut Self::Buf) -> Result<()>;
    /// Block `i` as read into `buf`.
    fn data<'b>(&self, i: usize, buf: &'b Self::Buf) -> &'b Self::Data;
}

struct State<R, C> {
    next: usize,
    free: Vec<R>,
    pending: Vec<Option<R>>,
    done: usize,
    bytes: u64,
    error: Option<LinalgError>,
    combine: C,
}

/// The ordered window of partial results.
struct Window<'o, R, C> {
    state: Mutex<State<R, C>>,
    wake: Condvar,
    failed: AtomicBool,
    total: usize,
    opts: &'o Options,
}

impl<R, C> Window<'_, R, C>
where
    C: FnMut(usize, &mut R) -> Result<()>,
{
    fn lock(&self) -> MutexGuard<'_, State<R, C>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// The next block index with a free partial slot; `None` when all blocks are claimed
    /// or the run failed.
    fn claim(&self) -> Option<(usize, R)> {
        let mut st = self.lock();
        loop {
            if self.failed() || st.next >= self.total {
                return None;
            }
            if let Some(r) = st.free.pop() {
                let i = st.next;
                st.next += 1;
                return Some((i, r));
            }
            st = self.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn fail(&self, e: LinalgError) {
        let mut st = self.lock();
        st.error.get_or_insert(e);
        self.failed.store(true, Ordering::Release);
        drop(st);
        self.wake.notify_all();
    }

    /// Hands in block `i`'s partial and combines every partial that is next in order.
    fn finish(&self, i: usize, r: R, bytes: &dyn Fn(usize) -> u64) {
        let mut st = self.lock();
        let w = st.pending.len();
        st.pending[i % w] = Some(r);
        loop {
            let k = st.done;
            if k >= self.total {
                break;
            }
            let Some(mut r) = st.pending[k % w].take() else {
                break;
            };
            if !self.failed() {
                if let Err(e) = (st.combine)(k, &mut r) {
                    st.error.get_or_insert(e);
                    self.failed.store(true, Ordering::Release);
                } else {
                    st.bytes += bytes(k);
                    self.opts.report(Progress {
                        blocks_done: k + 1,
                        blocks_total: self.total,
                        bytes_read: st.bytes,
                    });
                }
            }
            st.free.push(r);
            st.done += 1;
        }
        drop(st);
        self.wake.notify_all();
    }
}

/// Marks the run failed if a worker unwinds, so no thread waits for its slot forever.
struct PanicGuard<'a>(&'a AtomicBool, &'a Condvar);

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
            self.1.notify_all();
        }
    }
}

/// Runs `compute` on every block of `src` and `combine` on each block's partial, in block
/// order. `partials` are the window's slots (at least one); `in_flight` the number of read
/// buffers the reader thread may use.
///
/// # Errors
/// The first error from reading, computing or combining; then no further block is
/// combined, and the caller must treat its output as garbage.
pub(crate) fn run<S, R, F, C>(
    src: &S,
    opts: &Options,
    partials: Vec<R>,
    compute: F,
    combine: C,
) -> Result<()>
where
    S: Source,
    R: Send,
    F: Fn(usize, &S::Data, &mut R) -> Result<()> + Sync,
    C: FnMut(usize, &mut R) -> Result<()> + Send,
{
    let total = src.len();
    if total == 0 {
        return Ok(());
    }
    assert!(
        !partials.is_empty(),
        "the scheduler needs at least one slot"
    );
    let w = partials.len();
    let window = Window {
        state: Mutex::new(State {
            next: 0,
            pending: (0..w).map(|_| None).collect(),
            free: partials,
            done: 0,
            bytes: 0,
            error: None,
            combine,
        }),
        wake: Condvar::new(),
        failed: AtomicBool::new(false),
        total,
        opts,
    };
    let workers = opts.workers();
    let bytes = |i| src.bytes(i);
    if src.lends_views() || src.concurrent_reads() {
        let worker = || {
            let _guard = PanicGuard(&window.failed, &window.wake);
            let mut buf: Option<S::Buf> = None;
            while let Some((i, mut r)) = window.claim() {
                let result = match src.view(i) {
                    Ok(Some(data)) => {
                        let done = compute(i, data, &mut r);
                        src.release(i);
                        done
                    }
                    Ok(None) => {
                        let b = buf.get_or_insert_with(|| src.new_buf());
                        src.read(i, b)
                            .and_then(|()| compute(i, src.data(i, b), &mut r))
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    window.fail(e);
                }
                window.finish(i, r, &bytes);
            }
        };
        on_workers(workers, &worker);
    } else {
        let in_flight = opts.in_flight().max(1);
        std::thread::scope(|ts| {
            let (work_tx, work_rx) = sync_channel::<(usize, S::Buf, R)>(in_flight);
            let (free_tx, free_rx) = sync_channel::<S::Buf>(in_flight);
            for _ in 0..in_flight {
                // Cannot fail: the channel has room for every buffer and its receiver lives.
                let _ = free_tx.send(src.new_buf());
            }
            let window = &window;
            ts.spawn(move || {
                let _guard = PanicGuard(&window.failed, &window.wake);
                while let Some((i, r)) = window.claim() {
                    let Ok(mut buf) = free_rx.recv() else { break };
                    if let Err(e) = src.read(i, &mut buf) {
                        window.fail(e);
                        window.finish(i, r, &bytes);
                        break;
                    }
                    if work_tx.send((i, buf, r)).is_err() {
                        break;
                    }
                }
            });
            let work_rx: Mutex<Receiver<(usize, S::Buf, R)>> = Mutex::new(work_rx);
            let worker = || {
                let _guard = PanicGuard(&window.failed, &window.wake);
                loop {
                    let msg = work_rx
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv();
                    let Ok((i, buf, mut r)) = msg else { break };
                    if !window.failed()
                        && let Err(e) = compute(i, src.data(i, &buf), &mut r)
                    {
                        window.fail(e);
                    }
                    // The reader may have stopped; then the buffer is simply dropped.
                    let _ = free_tx.send(buf);
                    window.finish(i, r, &bytes);
                }
            };
            on_workers(workers, &worker);
        });
    }
    let mut st = window.lock();
    if let Some(e) = st.error.take() {
        return Err(e);
    }
    if st.done != total {
        // Only a worker that panicked can leave blocks uncombined; its panic propagates
        // from the scope above, so this is unreachable in practice.
        return Err(LinalgError::Backend(ooc_core::Error::Unsupported(format!(
            "scheduler stopped after {} of {total} blocks",
            st.done
        ))));
    }
    Ok(())
}

/// Runs `worker` once on each of `workers` threads: the calling thread alone for one,
/// scoped threads otherwise.
///
/// Workers are plain threads rather than rayon tasks on purpose: a worker blocks (waiting
/// for a slot or for the reader), and a rayon thread that waits for a nested pool (as a
/// backend's own parallel reads do) runs other queued tasks meanwhile — such as another
/// worker, which then blocks on the one suspended beneath it, forever.
fn on_workers(workers: usize, worker: &(dyn Fn() + Sync)) {
    if workers <= 1 {
        worker();
        return;
    }
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(worker);
        }
        worker();
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::options::Options;

    /// `n` one-element blocks lent as views; records the blocks computed and released.
    struct Lent {
        data: Vec<u64>,
        computed: Mutex<Vec<usize>>,
        released: Mutex<Vec<usize>>,
    }

    impl Source for Lent {
        type Buf = Vec<u64>;
        type Data = [u64];
        fn len(&self) -> usize {
            self.data.len()
        }
        fn bytes(&self, _i: usize) -> u64 {
            8
        }
        fn concurrent_reads(&self) -> bool {
            true
        }
        fn lends_views(&self) -> bool {
            true
        }
        fn new_buf(&self) -> Vec<u64> {
            vec![0]
        }
        fn view(&self, i: usize) -> Result<Option<&[u64]>> {
            // Odd blocks are not lent, so they are read into a buffer instead.
            Ok(i.is_multiple_of(2).then(|| &self.data[i..=i]))
        }
        fn read(&self, i: usize, buf: &mut Vec<u64>) -> Result<()> {
            buf[0] = self.data[i];
            Ok(())
        }
        fn data<'b>(&self, _i: usize, buf: &'b Vec<u64>) -> &'b [u64] {
            buf
        }
        fn release(&self, i: usize) {
            assert!(
                self.computed.lock().unwrap().contains(&i),
                "block {i} released before it was computed"
            );
            self.released.lock().unwrap().push(i);
        }
    }

    /// Every lent block is released once, after its compute step, and no other block is;
    /// the result is the same on one thread and two.
    #[test]
    fn lent_blocks_are_released_once_after_use() {
        for threads in [1, 2] {
            let src = Lent {
                data: (1..=9).collect(),
                computed: Mutex::new(Vec::new()),
                released: Mutex::new(Vec::new()),
            };
            let opts = Options::new().with_par(ooc_core::Par::threads(threads));
            let mut sum = 0;
            run(
                &src,
                &opts,
                vec![vec![0_u64; 1]; 2],
                |i, data: &[u64], part: &mut Vec<u64>| {
                    part[0] = data[0];
                    src.computed.lock().unwrap().push(i);
                    Ok(())
                },
                |_, part: &mut Vec<u64>| {
                    sum += part[0];
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(sum, 45, "{threads} threads");
            let mut released = src.released.into_inner().unwrap();
            released.sort_unstable();
            assert_eq!(released, [0, 2, 4, 6, 8], "{threads} threads");
        }
    }
}
