//! The retention job in the server's process: every minute it tries to
//! claim the run (see [`retention::claim`]); the instance that wins runs it
//! and logs the counts, never data.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::retention;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;

/// How often an instance checks whether the run is due.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Runs the retention job while `server_alive` has a strong reference.
pub fn spawn(pool: DbPool, settings: Arc<Settings>, clock: Arc<dyn Clock>, server_alive: Weak<()>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if server_alive.strong_count() == 0 {
                break;
            }
            let (pool, settings, clock) = (pool.clone(), settings.clone(), clock.clone());
            match tokio::task::spawn_blocking(move || run_if_due(&pool, &settings, &*clock)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "retention run failed"),
                Err(e) => tracing::warn!(error = %e, "retention task failed"),
            }
        }
    });
}

/// Claims the run if it is due, runs it, logs its counts.
pub fn run_if_due(pool: &DbPool, settings: &Settings, clock: &dyn Clock) -> anyhow::Result<()> {
    let token = uuid::Uuid::new_v4().to_string();
    if !pool.write(|c| -> anyhow::Result<bool> {
        Ok(retention::claim(c, settings, clock.now(), &token)?)
    })? {
        return Ok(());
    }
    let c = pool.write(|c| -> anyhow::Result<retention::Counts> {
        Ok(retention::apply(c, settings, clock.now())?)
    })?;
    pool.write(|conn| -> anyhow::Result<()> {
        Ok(retention::finish(conn, clock.now().naive_utc(), &token)?)
    })?;
    tracing::info!(
        idempotency_records = c.idempotency_records,
        email_payloads = c.email_payloads,
        requirements = c.requirements,
        delegate_identities = c.delegate_identities,
        api_sessions = c.api_sessions,
        web_sessions = c.web_sessions,
        account_tokens = c.account_tokens,
        login_throttle = c.login_throttle,
        "retention run"
    );
    Ok(())
}
