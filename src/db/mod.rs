//! Storage: one diesel `MultiConnection` over SQLite and PostgreSQL, chosen
//! from the `DATABASE_URL` scheme, behind an r2d2 pool.

pub mod backup;
pub mod schema;
pub mod sql;

use std::sync::Arc;
use std::time::Duration;

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

    /// Copies what the SQLite write-ahead log holds back into the database
    /// file, without waiting for readers or writers (`PASSIVE`). Pooled
    /// connections never checkpoint on commit (`wal_autocheckpoint = 0`), so
    /// that work stays off the writers' queue; the server calls this every
    /// second instead. A no-op on PostgreSQL.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        if self.is_sqlite() {
            self.pool
                .get()?
                .batch_execute("PRAGMA wal_checkpoint(PASSIVE);")?;
        }
        Ok(())
    }

    /// Runs `f` in a write transaction (see [`write_transaction`]), after
    /// the writers queued before it. The turn is taken before the
    /// connection, so queued writers never hold pooled connections. Call it
    /// from a blocking thread (`web::block`, `spawn_blocking`).
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError> + From<r2d2::PoolError>,
    {
        let _turn = self.writers.as_ref().map(|w| w.blocking_lock());
        let mut conn = self.pool.get()?;
        write_transaction(&mut conn, f)
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
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                 PRAGMA wal_autocheckpoint = 0;",
            )
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

/// Migrates, then builds the pool.
pub fn connect(url: &str, pool_size: u32) -> Result<(DbPool, DatabaseTarget), SetupError> {
    let target = DatabaseTarget::parse(url).map_err(SetupError::Migrate)?;
    migrate(&target)?;
    let pool = Pool::builder()
        .max_size(pool_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(Manager::new(target.clone()))?;
    let writers = target
        .is_sqlite()
        .then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok((DbPool { pool, writers }, target))
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
