//! Command line: `serve` (the default), `migrate`, `create-staff`, `demo`.

use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::accounts::ops::{self as accounts, AccountError, AccountKind};
use crate::accounts::UserRole;
use crate::app::Application;
use crate::clock::SystemClock;
use crate::config::{LogFormat, Settings};
use crate::db::{self, backup};
use crate::ops::role::{StaffRole, StaffRoles};
use crate::security;
use crate::values::EmailAddress;

#[derive(Debug, Parser)]
#[command(
    name = "plenary",
    version,
    about = "Conference registration and delegate management"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// Say which migrations would run, without running them (exit
        /// status 1 when some would).
        #[arg(long)]
        check: bool,
    },
    /// Write a checked copy of the live database to PATH (SQLite: while
    /// servers run; PostgreSQL: with pg_dump).
    Backup { path: std::path::PathBuf },
    /// Put a checked backup back as the database (SQLite, with no server
    /// running on it).
    Restore { path: std::path::PathBuf },
    /// Check a backup file (SQLite) without restoring it.
    CheckBackup { path: std::path::PathBuf },
    /// Create a staff account.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// At least 12 characters.
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Staff")]
        name: String,
        /// A role the account holds: admin, conference, finance,
        /// credentials or data_protection. Repeat it for several; admin
        /// when none is given.
        #[arg(long = "role", value_name = "ROLE", value_parser = staff_role)]
        roles: Vec<StaffRole>,
    },
    /// Set up something to try the organisation portal with: next year's
    /// Annual Conference (the 2016 rules, a year ahead), the Cardiff
    /// Co-operative Party and its secretary's account
    /// (secretary@cardiff.example). Made by the staff account named, as if
    /// through the API, and audited as such.
    Demo {
        /// An existing staff account's email (see `create-staff`).
        #[arg(long)]
        staff: String,
        /// The secretary's password (at least 12 characters).
        #[arg(long, default_value = "another long one")]
        password: String,
    },
    /// Apply the retention rules of the personal data register once (the
    /// server also runs them every `retention_every_minutes`).
    Retention {
        /// Print what a run would remove or anonymise, changing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write everything held about the person with an email address to
    /// stdout as JSON (the API's subject access file), audited as a
    /// request by the staff account named.
    SubjectAccess {
        /// The person's email address.
        #[arg(long)]
        email: String,
        /// The staff account answering the request (see `create-staff`).
        #[arg(long)]
        staff: String,
    },
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), as readable
/// lines or one JSON object per line.
pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

/// Logs to the test harness's captured output (shown for failing tests).
pub fn init_test_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
}

pub fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate { check } => {
            let target = target(&settings)?;
            if check {
                let pending = db::pending_migrations(&target)?;
                if pending.is_empty() {
                    println!("the database is up to date");
                    return Ok(());
                }
                for m in &pending {
                    println!("would apply {m}");
                }
                bail!("{} migration(s) pending", pending.len());
            }
            let n = db::migrate(&target)?;
            println!("applied {n} migration(s)");
            Ok(())
        }
        Command::Backup { path } => match target(&settings)? {
            db::DatabaseTarget::Sqlite(database) => {
                let checked = backup::backup_sqlite(std::path::Path::new(&database), &path)?;
                println!("backed up to {}: {checked}", path.display());
                Ok(())
            }
            db::DatabaseTarget::Postgres(url) => backup_postgres(&url, &path),
        },
        Command::Restore { path } => match target(&settings)? {
            db::DatabaseTarget::Sqlite(database) => {
                let checked = backup::restore_sqlite(&path, std::path::Path::new(&database))?;
                println!("restored {} into {database}: {checked}", path.display());
                Ok(())
            }
            db::DatabaseTarget::Postgres(_) => bail!(
                "restore a PostgreSQL backup with pg_restore (see docs/administration.md): \
                 pg_restore --clean --if-exists --no-owner --dbname=DATABASE_URL {}",
                path.display()
            ),
        },
        Command::CheckBackup { path } => {
            let checked = backup::check_sqlite(&path)?;
            println!("{} is a good backup: {checked}", path.display());
            Ok(())
        }
        Command::CreateStaff {
            email,
            password,
            name,
            roles,
        } => {
            let roles = StaffRoles::new(roles).unwrap_or_else(StaffRoles::admin);
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            if let Err(e) = security::check_password_policy(&password) {
                bail!("--password {e}");
            }
            let (pool, _) = db::connect(&settings.database_url, 1, settings.sqlite_wal_max_bytes)?;
            let mut conn = pool.get().context("cannot connect to the database")?;
            let now = crate::clock::Clock::now(&SystemClock).naive_utc();
            match accounts::create(
                &mut conn,
                &email,
                &name,
                AccountKind::Staff(roles.clone()),
                Some(&password),
                now,
            ) {
                Ok(user) => {
                    println!("created staff account {} ({roles})", user.id);
                    Ok(())
                }
                Err(AccountError::EmailTaken) => {
                    bail!(
                        "an account with email {} already exists",
                        email.normalised()
                    )
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Demo { staff, password } => demo(settings, &staff, &password),
        Command::Retention { dry_run } => retention(&settings, dry_run),
        Command::SubjectAccess { email, staff } => subject_access(settings, &email, &staff),
    }
}

/// The application state for a one-off command.
fn one_off_state(settings: Settings) -> anyhow::Result<crate::state::AppState> {
    let (pool, backend) = db::connect(&settings.database_url, 2, settings.sqlite_wal_max_bytes)?;
    Ok(crate::state::AppState::new(
        pool,
        backend,
        Arc::new(SystemClock),
        Arc::new(settings),
    )?)
}

/// The staff account named on the command line, as an actor holding `role`.
async fn staff_actor(
    state: &crate::state::AppState,
    staff: &str,
    role: StaffRole,
) -> anyhow::Result<crate::ops::Actor> {
    let email = EmailAddress::parse(staff)
        .map_err(|e| anyhow::anyhow!("--staff {e}"))?
        .normalised();
    state
        .db(move |conn| Ok(crate::accounts::store::by_email(conn, &email)?))
        .await?
        .filter(|u| u.disabled_at.is_none())
        .and_then(crate::accounts::ops::actor_of)
        .filter(|a| a.permits(role))
        .with_context(|| {
            format!(
                "no staff account {staff} with the {} role: create one with create-staff",
                role.as_str()
            )
        })
}

/// `plenary subject-access`: the subject access file as JSON on stdout.
fn subject_access(settings: Settings, email: &str, staff: &str) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let state = one_off_state(settings)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let actor = staff_actor(&state, staff, StaffRole::DataProtection).await?;
        let file = state
            .run(&actor, crate::privacy::ops::SubjectAccess { email })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("{}", serde_json::to_string_pretty(&file)?);
        Ok(())
    })
}

/// One retention run now (or its counts only), printed rule by rule.
fn retention(settings: &Settings, dry_run: bool) -> anyhow::Result<()> {
    use crate::clock::{Clock, SystemClock};
    let (pool, _) = db::connect(&settings.database_url, 1, settings.sqlite_wal_max_bytes)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
    let counts = crate::privacy::retention::run(&mut conn, settings, SystemClock.now(), dry_run)?;
    let verb = if dry_run { "would clear" } else { "cleared" };
    for (rule, n) in counts.rules() {
        println!("{rule}: {verb} {n}");
    }
    Ok(())
}

/// The demonstration conference: the reference rules, in `year`.
fn demo_conference(year: i32) -> serde_json::Value {
    let d = |m: u32, day: u32| format!("{year}-{m:02}-{day:02}");
    serde_json::json!({
        "slug": format!("annual-{year}"),
        "name": format!("Annual Conference {year}"),
        "venue": "Radisson Blu Hotel Cardiff",
        "timezone": "Europe/London",
        "starts_on": d(9, 9), "ends_on": d(9, 11),
        "currency": "GBP",
        "deadlines": {
            "registration": d(8, 22), "motions": d(4, 4), "amendments": d(8, 1),
            "policy_submissions": d(8, 1), "cac_nominations": d(8, 1), "award_nominations": d(8, 1)
        },
        "price_tiers": [
            {"code": "early", "name": "Early bird", "until": d(6, 30), "pass_fee": "90.00", "dinner_fee": "45.00"},
            {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}
        ],
        "capacity": 600, "dinner_capacity": 300, "motion_word_limit": 300,
        "cac": {"vacancies": 2, "excluded_regions": ["North East & North Cumbria", "West Midlands"]}
    })
}

/// `plenary demo`: runs the same operations as the API, as the staff
/// account named.
fn demo(settings: Settings, staff: &str, password: &str) -> anyhow::Result<()> {
    use crate::conferences::ops::CreateConference;
    use crate::conferences::spec::ConferenceInput;
    use crate::organisations::ops::CreateOrganisation;
    use crate::organisations::rules::NewOrganisation;
    use crate::organisations::OrganisationKind;
    use crate::state::AppState;

    if let Err(e) = security::check_password_policy(password) {
        bail!("--password {e}");
    }
    let (pool, backend) = db::connect(&settings.database_url, 2, settings.sqlite_wal_max_bytes)?;
    let state = AppState::new(pool, backend, Arc::new(SystemClock), Arc::new(settings))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let email = staff.trim().to_lowercase();
        let user = state
            .db(move |conn| Ok(crate::accounts::store::by_email(conn, &email)?))
            .await?
            .and_then(crate::accounts::ops::actor_of)
            .filter(|a| a.permits(StaffRole::Conference))
            .with_context(|| {
                format!("no staff account {staff} with the conference role: create one with create-staff")
            })?;
        let actor = user;
        let today = state.now().date_naive();
        let year = today.format("%Y").to_string().parse::<i32>()? + 1;
        let input: ConferenceInput = serde_json::from_value(demo_conference(year))?;
        let spec = input
            .parse(&state.settings.regions, today)
            .map_err(|e| anyhow::anyhow!("demo conference: {e:?}"))?;
        let conference = state
            .run(&actor, CreateConference { spec })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let organisation = NewOrganisation::parse(
            "Cardiff Co-operative Party",
            OrganisationKind::LocalParty,
            "Wales",
            "secretary@cardiff.example",
            &state.settings.regions,
        )
        .map_err(|e| anyhow::anyhow!("demo organisation: {e:?}"))?;
        let organisation = state
            .run(&actor, CreateOrganisation(organisation))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secretary =
            EmailAddress::parse("secretary@cardiff.example").map_err(|e| anyhow::anyhow!("{e}"))?;
        state
            .run(
                &actor,
                crate::accounts::ops::CreateUser {
                    email: secretary,
                    name: "Cardiff secretary".into(),
                    role: UserRole::Organisation,
                    organisation_id: Some(organisation.id),
                    roles: None,
                    password: Some(password.to_owned()),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "created {} and the Cardiff Co-operative Party.\n\
             Start the server (plenary serve), open {} and sign in as \
             secretary@cardiff.example with the password {password:?}.",
            conference.spec.name, state.settings.public_url
        );
        Ok(())
    })
}

fn target(settings: &Settings) -> anyhow::Result<db::DatabaseTarget> {
    db::DatabaseTarget::parse(&settings.database_url)
        .map_err(|e| anyhow::anyhow!("database_url: {e}"))
}

/// A PostgreSQL backup: `pg_dump` in its custom format, read back with
/// `pg_restore --list` before it counts, after checking the database.
fn backup_postgres(url: &str, path: &std::path::Path) -> anyhow::Result<()> {
    let checked = backup::check_postgres(url)?;
    if path.exists() {
        bail!("{} exists already; choose a new file", path.display());
    }
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(path)
        .arg(url)
        .status()
        .context("cannot run pg_dump (install PostgreSQL's client tools)")?;
    if !dumped.success() {
        bail!("pg_dump failed ({dumped})");
    }
    let listed = std::process::Command::new("pg_restore")
        .arg("--list")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run pg_restore to check the dump")?;
    if !listed.success() {
        let _ = std::fs::remove_file(path);
        bail!("the dump did not read back ({listed})");
    }
    println!("backed up to {}: {checked}", path.display());
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listen = settings.listen;
        let app = Application::build(settings, Arc::new(SystemClock))?;
        tracing::info!(%listen, port = app.port(), "plenary listening");
        app.run().await?;
        tracing::info!("plenary stopped");
        Ok(())
    })
}

/// A `--role` value.
fn staff_role(s: &str) -> Result<StaffRole, String> {
    StaffRole::parse(s).ok_or_else(|| format!("must be one of: {}", StaffRole::choices()))
}
