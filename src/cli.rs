//! Command line: `serve` (the default), `migrate`, `create-staff`.

use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::accounts::{self, AccountError};
use crate::app::Application;
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::db;
use crate::domain::values::EmailAddress;
use crate::security;

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
    Migrate,
    /// Create a staff account.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// At least 12 characters.
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Staff")]
        name: String,
    },
}

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
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
        Command::Migrate => {
            let target = db::DatabaseTarget::parse(&settings.database_url)
                .map_err(|e| anyhow::anyhow!("database_url: {e}"))?;
            let n = db::migrate(&target)?;
            println!("applied {n} migration(s)");
            Ok(())
        }
        Command::CreateStaff {
            email,
            password,
            name,
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            if let Err(e) = security::check_password_policy(&password) {
                bail!("--password {e}");
            }
            let (pool, _) = db::connect(&settings.database_url, 1, settings.sqlite_wal_max_bytes)?;
            let mut conn = pool.get().context("cannot connect to the database")?;
            let now = chrono::Utc::now().naive_utc();
            match accounts::create(&mut conn, &email, &name, "staff", None, &password, now) {
                Ok(user) => {
                    println!("created staff account {}", user.id);
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
    }
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
