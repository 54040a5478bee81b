//! Start-up: build the state, bind a listener, return the running server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::HttpServer;
use anyhow::Context;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::email::sender::{self, Sender, SenderHandle};
use crate::state::AppState;

/// How often the server checkpoints SQLite's write-ahead log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Checkpoints SQLite's write-ahead log every [`CHECKPOINT_EVERY`] for as
/// long as the server lives (see [`DbPool::checkpoint`]); running on a
/// timer, it also shrinks the log once a long reader ends, even if nothing
/// is written after it.
fn spawn_checkpoints(pool: DbPool, server_alive: std::sync::Weak<()>) {
    if !pool.is_sqlite() {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if server_alive.strong_count() == 0 {
                break;
            }
            let pool = pool.clone();
            match tokio::task::spawn_blocking(move || pool.checkpoint()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint task failed"),
            }
        }
    });
}

pub struct Application {
    server: Server,
    port: u16,
    pub state: AppState,
    sender: SenderHandle,
}

impl Application {
    /// Migrates the database, builds the pool, binds the listener and starts
    /// the email sender, which runs as long as the server does.
    pub fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let (pool, backend) = db::connect(
            &settings.database_url,
            settings.pool_size,
            settings.sqlite_wal_max_bytes,
        )?;
        // Held while the server lives, so a restore knows not to run.
        let database_lock = db::backup::sqlite_path(&backend)
            .map(db::backup::hold)
            .map(|held| held.map(Arc::new))
            .transpose()
            .context("cannot lock the database file")?;
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let state = AppState::new(pool, backend, clock, Arc::new(settings))
            .context("cannot start the group-commit writer")?;
        crate::checkin::ops::ensure_secret(&state.pool, &state.settings, state.now())
            .context("cannot store the check-in secret")?;
        let sender = Sender::new(
            state.pool.clone(),
            &state.settings,
            state.clock.clone(),
            sender::DEFAULT_POLL,
        )?
        .spawn();
        let sender_alive = sender.keep_alive();
        let server_alive = Arc::new(());
        spawn_checkpoints(state.pool.clone(), Arc::downgrade(&server_alive));
        crate::privacy::job::spawn(
            state.pool.clone(),
            state.settings.clone(),
            state.clock.clone(),
            Arc::downgrade(&server_alive),
        );
        let app_state = state.clone();
        let timeout = Duration::from_secs(state.settings.request_timeout_secs);
        let server = HttpServer::new(move || {
            let _ = (&sender_alive, &server_alive, &database_lock);
            crate::api::app(app_state.clone())
        })
        .client_request_timeout(timeout)
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            port,
            state,
            sender,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then finishes requests in flight and
    /// the email send in flight.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.sender.shutdown().await;
        served
    }

    /// The server alone; the email sender stops once the server is dropped.
    pub fn into_server(self) -> Server {
        self.server
    }
}
