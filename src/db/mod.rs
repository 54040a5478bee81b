//! Storage: one diesel `MultiConnection` over SQLite and PostgreSQL, chosen
//! from the `DATABASE_URL` scheme, behind an r2d2 pool.

pub mod backup;
pub mod group;
pub mod schema;
pub mod sql;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type PooledConn = PooledConnection<Manager>;

/// The connection pool, and on SQLite the queue of writers.
///
/// SQLite lets one connection write at a time; a writer that finds the lock
/// taken sleeps in SQLite's busy handler (1, 2, 5, 10 … ms) and retries, so
/// under load the lock sits idle between sleeps and unlucky writers wait
/// far longer than their turn. Writers from this process instead queue on
/// a mutex and take the lock the moment it is released. Writers from other
/// processes (a second instance, the CLI) still meet the busy handler.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    /// FIFO, so every writer waits only for those queued before it.
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite: keeps the write-ahead log under its bound.
    wal: Option<Arc<WalBound>>,
}

impl DbPool {
    pub fn get(&self) -> Result<PooledConn, r2d2::PoolError> {
        self.pool.get()
    }

    pub fn is_sqlite(&self) -> bool {
        self.writers.is_some()
    }

    pub fn get_timeout(&self, timeout: Duration) -> Result<PooledConn, r2d2::PoolError> {
        self.pool.get_timeout(timeout)
    }

    /// The server's checkpoint, run ten times a second (a no-op on
    /// PostgreSQL). It copies what the log holds back into the database
    /// file and syncs it without waiting for readers or writers
    /// (`PASSIVE`), off the writers' queue; then, if the log holds more
    /// than half its bound, it takes a writer's turn and restarts it (see
    /// [`WalBound`]), with only the frames written meanwhile left to copy.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        let mut conn = self.pool.get()?;
        let Some(frames) = wal.passive(&mut conn)? else {
            return Ok(());
        };
        if wal.frame_bytes * frames > wal.max_bytes / 2 && wal.may_try() && !wal.restarted(frames) {
            let _turn = self.writers.as_ref().map(|w| w.blocking_lock());
            wal.restart(&mut conn)?;
        }
        Ok(())
    }

    /// Connections open, of them idle, and the most the pool opens.
    pub fn usage(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections,
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// The size of the SQLite write-ahead log file in bytes (0 when there
    /// is none, and on PostgreSQL).
    pub fn wal_bytes(&self) -> u64 {
        self.wal.as_ref().map_or(0, |w| w.bytes())
    }

    /// Runs `f` in a write transaction (see [`write_transaction`]), after
    /// the writers queued before it. The turn is taken before the
    /// connection, so queued writers never hold pooled connections. On
    /// SQLite a writer that finds the log file past three quarters of its
    /// bound (the server's checkpoint has not kept up, or a long reader
    /// pins the log) truncates it before giving up its turn. Call it from a
    /// blocking thread (`web::block`, `spawn_blocking`).
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError> + From<r2d2::PoolError>,
    {
        let _turn = self.writers.as_ref().map(|w| w.blocking_lock());
        let mut conn = self.pool.get()?;
        let result = write_transaction(&mut conn, f);
        if let Some(wal) = &self.wal {
            if wal.bytes() > wal.max_bytes / 4 * 3 && wal.may_try() {
                if let Err(e) = wal.restart(&mut conn) {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        }
        result
    }
}

/// Longest a truncating checkpoint waits for readers of older snapshots.
const CHECKPOINT_WAIT_MS: u64 = 20;
/// A `PASSIVE` checkpoint slower than this leaves the writers' frames of
/// meanwhile to the next one before any is taken on the queue.
const SLOW_PASSIVE: Duration = Duration::from_millis(100);
/// The connection's usual `busy_timeout`.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// Keeps SQLite's write-ahead log under `max_bytes`.
///
/// Pooled connections never checkpoint on commit (`wal_autocheckpoint =
/// 0`). A `PASSIVE` checkpoint cannot restart the log while any reader is
/// on an older snapshot, which under steady load is nearly always, so the
/// log would grow for ever. Instead, once the log holds more than half the
/// bound, the server's checkpoint takes a writer's turn and runs
/// `wal_checkpoint(RESTART)`: no other writer of this process can commit
/// meanwhile, so it waits only for the readers already running (up to
/// [`CHECKPOINT_WAIT_MS`]), copies the last frames back and syncs, and the
/// next writer starts the log again from the beginning of the file. It
/// runs just after a `PASSIVE` checkpoint has copied and synced the rest off
/// the queue: syncing is what takes the time. The file is reused rather
/// than truncated, since freeing and reallocating its blocks costs more
/// (with online discard, much more), so it stays about half the bound in
/// size; when it has grown past three quarters of the bound (a long reader
/// pinned the log, or a checkpoint was slow) it is truncated (`TRUNCATE`)
/// instead. A reader that holds its snapshot longer (a CSV export
/// streaming to a slow client) pins the log until it ends: no checkpoint is taken on the writers' queue while the last `PASSIVE`
/// one left more than a quarter of the bound uncopied, so such a reader
/// costs the writers nothing, and once it ends that backlog is copied back
/// off the queue (over as many passes as it takes for one to be quick)
/// before the log is restarted. A restart that still finds a
/// reader in the way is tried again after a pause that doubles with each
/// such failure (100 ms up to 3.2 s). Past three quarters of the bound,
/// writers truncate it themselves, under the same conditions, so that one
/// slow checkpoint cannot let it through.
/// `journal_size_limit` also truncates the file to the bound whenever a
/// writer restarts the log.
pub struct WalBound {
    path: PathBuf,
    max_bytes: u64,
    /// Bytes a frame takes in the log: a page and its header.
    frame_bytes: u64,
    /// When a restart may next be tried, and how many in a row failed.
    retry: Mutex<(Instant, u32)>,
    /// Held by this process's checkpoint in progress. SQLite lets one
    /// checkpoint run at a time and fails any other at once, so each skips
    /// its turn instead while another runs.
    running: Mutex<()>,
    /// The frames the log held when it was last restarted: until the next
    /// write starts it again SQLite still reports them.
    restarted_at: AtomicU64,
    /// Bytes of log the last `PASSIVE` checkpoint could not copy back (a
    /// reader's snapshot was in the way).
    uncopied: AtomicU64,
}

#[derive(QueryableByName)]
struct CheckpointOutcome {
    /// 1 when a reader or another checkpoint was in the way.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    /// Frames in the log (-1 when another checkpoint was running).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    /// Frames copied back into the database file.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

#[derive(QueryableByName)]
struct PageSize {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    page_size: i32,
}

impl WalBound {
    fn new(database: &str, max_bytes: u64, page_size: u64) -> Self {
        Self {
            path: PathBuf::from(format!("{database}-wal")),
            max_bytes,
            frame_bytes: page_size + 24,
            retry: Mutex::new((Instant::now(), 0)),
            running: Mutex::new(()),
            restarted_at: AtomicU64::new(u64::MAX),
            uncopied: AtomicU64::new(0),
        }
    }

    /// Whether a checkpoint on the writers' queue may be tried now: the
    /// pause after failed ones is over, and the last `PASSIVE` checkpoint
    /// left little to copy, so that the writers wait for the last frames
    /// only. After a long reader, the log it pinned is copied back off the
    /// queue first.
    fn may_try(&self) -> bool {
        self.uncopied.load(Ordering::Relaxed) <= self.max_bytes / 4
            && Instant::now() >= self.retry.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// Whether the log holding `frames` is the one last restarted, with
    /// nothing written since.
    fn restarted(&self, frames: u64) -> bool {
        self.restarted_at.load(Ordering::Relaxed) == frames
    }

    /// The size of the log file.
    fn bytes(&self) -> u64 {
        std::fs::metadata(&self.path).map_or(0, |m| m.len())
    }

    /// `wal_checkpoint(RESTART)`, or `TRUNCATE` when the file is past three
    /// quarters of the bound; call it holding the writers' turn.
    fn restart(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let DbConnection::Sqlite(c) = conn else {
            return Ok(());
        };
        let Ok(_running) = self.running.try_lock() else {
            return Ok(());
        };
        let (before, started) = (self.bytes(), Instant::now());
        let mode = if before > self.max_bytes / 4 * 3 {
            "truncate"
        } else {
            "restart"
        };
        c.batch_execute(&format!("PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}"))?;
        let outcome = diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})"))
            .get_result::<CheckpointOutcome>(c);
        c.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))?;
        let outcome = outcome?;
        let busy = outcome.busy != 0;
        if !busy {
            self.restarted_at
                .store(outcome.log.max(0) as u64, Ordering::Relaxed);
        }
        let mut retry = self.retry.lock().unwrap_or_else(|e| e.into_inner());
        *retry = if busy {
            let failures = retry.1.saturating_add(1);
            let pause = Duration::from_millis(100 << failures.min(6).saturating_sub(1));
            (Instant::now() + pause, failures)
        } else {
            (Instant::now(), 0)
        };
        tracing::debug!(
            mode,
            busy,
            duration_us = started.elapsed().as_micros() as u64,
            wal_bytes = before,
            log_bytes = self.frame_bytes * outcome.log.max(0) as u64,
            "WAL checkpoint"
        );
        Ok(())
    }

    /// `wal_checkpoint(PASSIVE)`, off the writers' queue; returns how many
    /// frames the log holds, or `None` if another checkpoint was running.
    fn passive(&self, conn: &mut DbConnection) -> QueryResult<Option<u64>> {
        let DbConnection::Sqlite(c) = conn else {
            return Ok(None);
        };
        let Ok(_running) = self.running.try_lock() else {
            return Ok(None);
        };
        let (before, started) = (self.bytes(), Instant::now());
        let outcome = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
            .get_result::<CheckpointOutcome>(c)?;
        let frames = u64::try_from(outcome.log).ok();
        if let (Some(log), Ok(copied)) = (frames, u64::try_from(outcome.checkpointed)) {
            // A slow pass had much to copy, and writers went on meanwhile:
            // what they wrote is still to copy, so count it as behind.
            let uncopied = if started.elapsed() > SLOW_PASSIVE {
                u64::MAX
            } else {
                log.saturating_sub(copied) * self.frame_bytes
            };
            self.uncopied.store(uncopied, Ordering::Relaxed);
        }
        tracing::debug!(
            mode = "passive",
            busy = outcome.busy != 0,
            duration_us = started.elapsed().as_micros() as u64,
            wal_bytes = before,
            log_bytes = frames.map(|f| f * self.frame_bytes),
            "WAL checkpoint"
        );
        Ok(frames)
    }
}

/// Which backend a `DATABASE_URL` names, decided by its scheme alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A file path for SQLite.
    Sqlite(String),
    /// A libpq connection URL.
    Postgres(String),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://plenary.db".into());
            }
            if path.starts_with(":memory:") {
                return Err("an in-memory SQLite database cannot be shared by a pool".into());
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err("must start with sqlite:// or postgres://".into())
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// r2d2 manager that opens the connection type the URL scheme named.
#[derive(Debug, Clone)]
pub struct Manager {
    target: DatabaseTarget,
}

impl Manager {
    pub fn new(target: DatabaseTarget) -> Self {
        Self { target }
    }

    pub fn establish(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.target {
            DatabaseTarget::Sqlite(path) => {
                SqliteConnection::establish(path).map(DbConnection::Sqlite)
            }
            DatabaseTarget::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgres)
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        std::thread::panicking()
    }
}

/// Per-connection SQLite settings; PostgreSQL needs none.
#[derive(Debug)]
struct SqlitePragmas {
    /// The bound on the write-ahead log (see [`WalBound`]).
    wal_max_bytes: u64,
}

impl CustomizeConnection<DbConnection, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(&format!(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; \
                 PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
                 PRAGMA journal_size_limit = {};",
                self.wal_max_bytes
            ))
            .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("cannot prepare the database: {0}")]
    Prepare(#[from] DieselError),
    #[error("cannot apply migrations: {0}")]
    Migrate(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] r2d2::PoolError),
}

/// The key of the PostgreSQL advisory lock that migrations run under, so
/// that of several instances starting at once one applies them and the
/// others wait, then find nothing to do (`'plenary'` in ASCII).
const MIGRATION_LOCK: i64 = 0x0070_6c65_6e61_7279;

/// Applies pending migrations (and turns on WAL for SQLite). Each migration
/// is one transaction; on PostgreSQL they run under an advisory lock.
pub fn migrate(target: &DatabaseTarget) -> Result<usize, SetupError> {
    let mut conn = Manager::new(target.clone()).establish()?;
    let applied = match &mut conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
        }
        DbConnection::Postgres(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            applied
        }
    }
    .map_err(|e| SetupError::Migrate(e.to_string()))?;
    Ok(applied)
}

/// The migrations this build would apply, by name, without applying them.
pub fn pending_migrations(target: &DatabaseTarget) -> Result<Vec<String>, SetupError> {
    let mut conn = Manager::new(target.clone()).establish()?;
    match &mut conn {
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Postgres(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
    }
    .map_err(|e| SetupError::Migrate(e.to_string()))
}

/// Migrates, then builds the pool. On SQLite the write-ahead log is kept
/// under `wal_max_bytes` (see [`WalBound`]).
pub fn connect(
    url: &str,
    pool_size: u32,
    wal_max_bytes: u64,
) -> Result<(DbPool, DatabaseTarget), SetupError> {
    let target = DatabaseTarget::parse(url).map_err(SetupError::Migrate)?;
    migrate(&target)?;
    let pool = Pool::builder()
        .max_size(pool_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas { wal_max_bytes }))
        .build(Manager::new(target.clone()))?;
    let (writers, wal) = match &target {
        DatabaseTarget::Sqlite(path) => {
            let page_size = diesel::sql_query("PRAGMA page_size")
                .get_result::<PageSize>(&mut pool.get()?)?
                .page_size;
            (
                Some(Arc::new(tokio::sync::Mutex::new(()))),
                Some(Arc::new(WalBound::new(
                    path,
                    wal_max_bytes,
                    page_size.max(512) as u64,
                ))),
            )
        }
        DatabaseTarget::Postgres(_) => (None, None),
    };
    Ok((DbPool { pool, writers, wal }, target))
}

/// Runs `f` in a transaction that may write. On SQLite it begins with
/// `BEGIN IMMEDIATE`, taking the write lock (waiting up to `busy_timeout`)
/// before the first read: a deferred transaction that read first and then
/// writes after another connection committed fails at once with "database
/// is locked", since SQLite cannot upgrade its stale snapshot.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    type Tx = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Tx::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Tx::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match Tx::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether the database answers (the readiness probe).
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
