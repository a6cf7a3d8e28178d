//! Password hashing on a small fixed pool of threads: never more argon2 hashes at once than the
//! pool has threads (one per core by default), so a burst of sign-ups queues instead of holding
//! 19 MiB per request, and the memory the hashes used stays with those few threads.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{ApiError, ApiResult};

type Job = Box<dyn FnOnce() + Send>;

/// The pool; cheap to clone.
#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: Sender<Job>,
    threads: usize,
}

impl HashPool {
    /// A pool of `threads` hashing threads (at least one).
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            // A pool that cannot start a thread runs with fewer; `run` says so if it has none.
            let _ = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&queue));
        }
        Self { jobs, threads }
    }

    /// One thread per available core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// How many hashes may run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f` on a pool thread and waits for its result without blocking the async threads.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(f());
            }))
            .map_err(|_| ApiError::internal("the password hashing pool has stopped"))?;
        result
            .await
            .map_err(|_| ApiError::internal("a password hash failed"))
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only to take the next job, never while one runs.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // A panicking job drops its answer (its caller sees `internal`); the thread carries on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panicking_one() {
        let pool = HashPool::new(2);
        assert_eq!(pool.run(|| 2 + 2).await, Ok(4));
        let failed = pool.run(|| -> u8 { panic!("boom") }).await;
        assert_eq!(
            failed.map_err(|e| e.code),
            Err(carecircle_shared::wire::ErrorCode::Internal)
        );
        let all = futures_join(&pool).await;
        assert_eq!(all, (0..8).collect::<Vec<_>>());
    }

    async fn futures_join(pool: &HashPool) -> Vec<i32> {
        let mut out = Vec::new();
        let handles: Vec<_> = (0..8).map(|i| pool.run(move || i)).collect();
        for h in handles {
            out.push(h.await.expect("job"));
        }
        out
    }
}
