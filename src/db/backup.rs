//! Backups that restore. On SQLite, `backup` writes a consistent copy of
//! the live database with `VACUUM INTO` (a read transaction: writers go on
//! while it runs, and the copy is one instant of the database) and checks
//! it before saying so; `restore` refuses while a server holds the database
//! and checks the copy first. PostgreSQL is backed up with its own tools
//! (`pg_dump`); here it is only checked.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;

use super::{DatabaseTarget, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("the copy failed its check: {0}")]
    Damaged(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What a check of a database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The newest migration applied.
    pub schema_version: String,
    /// Migrations this build knows that the database lacks (it is older).
    pub pending: usize,
    pub registrations: i64,
    pub delegates: i64,
    pub bytes: u64,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "schema {} ({} migration(s) behind this build), {} registration(s), {} delegate(s)",
            self.schema_version, self.pending, self.registrations, self.delegates
        )?;
        if self.bytes > 0 {
            write!(f, ", {} bytes", self.bytes)?;
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct IntegrityLine {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Rows of the two tables that say most about what a copy holds.
macro_rules! counts {
    ($conn:expr) => {{
        let mut n = |table: &str| {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<Count>($conn)
                .map(|c| c.n)
        };
        (n("registrations")?, n("delegates")?)
    }};
}

/// The newest applied migration and how many this build has that the
/// database lacks; refuses a database migrated by a newer build.
fn versions<C>(
    conn: &mut C,
    source: diesel_migrations::EmbeddedMigrations,
) -> Result<(String, usize), BackupError>
where
    C: MigrationHarness<<C as Connection>::Backend> + Connection,
{
    use diesel::migration::MigrationSource;
    let embedded: Vec<String> = MigrationSource::<C::Backend>::migrations(&source)
        .map_err(|e| BackupError::Damaged(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied: Vec<String> = conn
        .applied_migrations()
        .map_err(|e| BackupError::Damaged(format!("no migrations recorded: {e}")))?
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    if let Some(unknown) = applied.iter().find(|v| !embedded.contains(v)) {
        return Err(BackupError::Refused(format!(
            "the database has migration {unknown}, which this build does not know: it comes from a newer Plenary"
        )));
    }
    let newest = applied
        .iter()
        .max()
        .cloned()
        .ok_or_else(|| BackupError::Damaged("no migrations recorded".into()))?;
    let pending = embedded.iter().filter(|v| !applied.contains(v)).count();
    Ok((newest, pending))
}

/// The lock file beside a SQLite database: every server holds it shared
/// while it runs, so a restore (which needs it alone) knows.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a running server: a shared lock on the database's lock file,
/// released when dropped.
#[derive(Debug)]
pub struct ServerLock {
    _file: std::fs::File,
}

/// Takes the shared lock a server holds while it serves a SQLite
/// database. Several servers may share a database; a restore may not run
/// beside any of them.
pub fn hold(database: &Path) -> std::io::Result<ServerLock> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    file.lock_shared()?;
    Ok(ServerLock { _file: file })
}

/// Checks a SQLite database file: `PRAGMA integrity_check` says `ok`, its
/// migrations are ones this build knows, and it can be read.
pub fn check_sqlite(path: &Path) -> Result<Checked, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Refused(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let url = format!("file:{}?mode=ro", path.display());
    let mut conn = SqliteConnection::establish(&url)?;
    let lines: Vec<IntegrityLine> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
    let report: Vec<String> = lines.into_iter().map(|l| l.integrity_check).collect();
    if report != ["ok"] {
        return Err(BackupError::Damaged(report.join("; ")));
    }
    let (schema_version, pending) = versions(&mut conn, SQLITE_MIGRATIONS)?;
    let (registrations, delegates) = counts!(&mut conn);
    Ok(Checked {
        schema_version,
        pending,
        registrations,
        delegates,
        bytes: std::fs::metadata(path)?.len(),
    })
}

/// Writes a consistent copy of the live SQLite database at `database` to
/// `dest` (which must not exist) while servers go on serving, then checks
/// the copy.
pub fn backup_sqlite(database: &Path, dest: &Path) -> Result<Checked, BackupError> {
    if dest.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already; choose a new file",
            dest.display()
        )));
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| BackupError::Refused("the backup path must be UTF-8".into()))?;
    let mut conn = SqliteConnection::establish(&database.display().to_string())?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(dest_text)
        .execute(&mut conn)?;
    match check_sqlite(dest) {
        Ok(checked) => Ok(checked),
        Err(e) => {
            let _ = std::fs::remove_file(dest);
            Err(e)
        }
    }
}

/// Puts a checked copy back as the database at `database`, when no server
/// holds it: the copy is checked, written beside the database and renamed
/// over it (so a failure leaves the old one), and the old write-ahead log
/// is removed.
pub fn restore_sqlite(copy: &Path, database: &Path) -> Result<Checked, BackupError> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    if lock.try_lock().is_err() {
        return Err(BackupError::Refused(format!(
            "a Plenary server is running on {}: stop it first",
            database.display()
        )));
    }
    let checked = check_sqlite(copy)?;
    let mut staging = database.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    std::fs::copy(copy, &staging)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::rename(&staging, database)?;
    drop(lock);
    Ok(checked)
}

/// Checks what can be checked of a PostgreSQL database: it answers, and
/// its migrations are ones this build knows.
pub fn check_postgres(url: &str) -> Result<Checked, BackupError> {
    let mut conn = PgConnection::establish(url)?;
    let (schema_version, pending) = versions(&mut conn, POSTGRES_MIGRATIONS)?;
    let (registrations, delegates) = counts!(&mut conn);
    Ok(Checked {
        schema_version,
        pending,
        registrations,
        delegates,
        bytes: 0,
    })
}

/// The database a target names, for the commands.
pub fn sqlite_path(target: &DatabaseTarget) -> Option<&Path> {
    match target {
        DatabaseTarget::Sqlite(path) => Some(Path::new(path)),
        DatabaseTarget::Postgres(_) => None,
    }
}
