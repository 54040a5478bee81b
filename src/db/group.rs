//! Group commit: concurrent write transactions gathered by one writer
//! thread and committed together.
//!
//! A write that joins ([`GroupCommit::run`]) is queued; the writer takes
//! whatever is waiting when its previous commit ends (at most
//! `max` of them, never waiting for more), opens one write transaction
//! (queued behind this process's other writers on SQLite, as
//! [`DbPool::write`] does), runs each write inside a savepoint of its own,
//! commits once, and only then answers every waiting caller. A write that
//! fails rolls back to its savepoint, so it changes nothing and the others
//! in its batch are untouched; if the commit itself fails, or a write
//! panics, nothing in the batch is kept and every caller whose write had
//! succeeded is told so. One commit (one log write and, on PostgreSQL, one
//! flush to disk and one hold of each conference row's lock) then serves
//! the whole batch.
//!
//! Writes run in the order of their `order` key (the conference they lock,
//! for registrations), so that batches in several instances sharing one
//! PostgreSQL database take conference rows in the same order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use diesel::r2d2::PoolError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use tokio::sync::oneshot;

use super::{DbConnection, DbPool};

/// The handle writes join through; cloned freely. The writer thread ends
/// when the last handle is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Box<dyn Pending>>,
    counts: Arc<Counts>,
}

/// What the writer has done so far, for the metrics.
#[derive(Debug, Default)]
struct Counts {
    /// Writes queued and not yet taken into a batch.
    waiting: AtomicU64,
    /// Transactions run (committed or not).
    batches: AtomicU64,
    /// Writes taken into them.
    writes: AtomicU64,
}

/// A reading of [`GroupCommit::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub waiting: u64,
    pub batches: u64,
    pub writes: u64,
}

impl GroupCommit {
    /// Starts the writer thread over `pool`, taking at most `max` writes
    /// into one transaction.
    pub fn start(pool: DbPool, max: usize) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let seen = counts.clone();
        std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || writer(&pool, &waiting, &seen, max.max(1)))?;
        Ok(Self { queue, counts })
    }

    /// How many writes wait, and how many batches and writes have run.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            waiting: self.counts.waiting.load(Ordering::Relaxed),
            batches: self.counts.batches.load(Ordering::Relaxed),
            writes: self.counts.writes.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` in the next batch's transaction, inside a savepoint of its
    /// own, and returns its result once the batch has committed (an `Ok`
    /// is committed; an `Err` changed nothing).
    pub async fn run<T, E, F>(&self, order: String, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DieselError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            order,
            f: Some(f),
            result: None,
            reply,
        };
        self.counts.waiting.fetch_add(1, Ordering::Relaxed);
        if self.queue.send(Box::new(job)).is_err() {
            self.counts.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(failed("the writer has stopped").into());
        }
        answer
            .await
            .unwrap_or_else(|_| Err(failed("the write was lost with its batch").into()))
    }
}

/// The error a write whose batch could not commit is answered with.
fn failed(why: &str) -> DieselError {
    DieselError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!("group commit: {why}")),
    )
}

/// A queued write, with its result type erased.
trait Pending: Send {
    fn order(&self) -> &str;
    /// Runs the write in a savepoint of the open transaction.
    fn run(&mut self, conn: &mut DbConnection);
    /// Answers the caller: `committed` is the batch's outcome.
    fn answer(self: Box<Self>, committed: Result<(), &str>);
}

struct Job<T, E, F> {
    order: String,
    f: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Pending for Job<T, E, F>
where
    T: Send,
    E: From<DieselError> + Send,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
{
    fn order(&self) -> &str {
        &self.order
    }

    fn run(&mut self, conn: &mut DbConnection) {
        if let Some(f) = self.f.take() {
            self.result = Some(conn.transaction(f));
        }
    }

    fn answer(self: Box<Self>, committed: Result<(), &str>) {
        let result = match (self.result, committed) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Err(refused)), _) => Err(refused),
            (Some(Ok(_)), Err(why)) | (None, Err(why)) => Err(failed(why).into()),
            (None, Ok(())) => Err(failed("the write did not run").into()),
        };
        // A caller that has gone away (its client disconnected) still had
        // its write committed or refused; there is no one left to tell.
        let _ = self.reply.send(result);
    }
}

/// Why a batch's transaction did not commit.
#[derive(Debug)]
enum BatchError {
    Database(DieselError),
    Pool(PoolError),
}

impl From<DieselError> for BatchError {
    fn from(e: DieselError) -> Self {
        Self::Database(e)
    }
}

impl From<PoolError> for BatchError {
    fn from(e: PoolError) -> Self {
        Self::Pool(e)
    }
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database(e) => write!(f, "the batch did not commit: {e}"),
            Self::Pool(e) => write!(f, "no database connection: {e}"),
        }
    }
}

fn writer(pool: &DbPool, waiting: &mpsc::Receiver<Box<dyn Pending>>, counts: &Counts, max: usize) {
    while let Ok(first) = waiting.recv() {
        let mut batch = vec![first];
        while batch.len() < max {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let taken = batch.len() as u64;
        counts.waiting.fetch_sub(taken, Ordering::Relaxed);
        counts.batches.fetch_add(1, Ordering::Relaxed);
        counts.writes.fetch_add(taken, Ordering::Relaxed);
        batch.sort_by(|a, b| a.order().cmp(b.order()));
        // A panicking write unwinds out of the transaction: the connection
        // is dropped while panicking, so the pool discards it, and nothing
        // in the batch was committed.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.write(|conn| {
                for job in batch.iter_mut() {
                    job.run(conn);
                }
                Ok::<(), BatchError>(())
            })
        }));
        let why = match &outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                tracing::error!(error = %e, writes = batch.len(), "a group commit failed");
                Some(e.to_string())
            }
            Err(_) => {
                tracing::error!(
                    writes = batch.len(),
                    "a write panicked; its batch was rolled back"
                );
                Some("a write in the batch failed".to_owned())
            }
        };
        for job in batch {
            job.answer(why.as_deref().map_or(Ok(()), Err));
        }
    }
}
