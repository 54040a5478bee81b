//! What every front door (the JSON API, the web pages, the command line)
//! holds: the database pool, the clock and the settings, and the ways
//! operations run against them.

use std::sync::Arc;

use chrono::Duration;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{DatabaseTarget, DbConnection, DbPool};
use crate::metrics::Metrics;
use crate::ops::idempotency::{self, IdempotencyKey};
use crate::ops::{Actor, Command, Ctx, Error, Outcome};
use crate::security;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub backend: DatabaseTarget,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Runs blocking database work on the blocking pool, never on the
    /// async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Like [`AppState::db`], inside one write transaction (queued behind
    /// this process's other writers on SQLite): committed before it
    /// returns, rolled back entirely on any error.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.write(f))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    fn ctx(&self, actor: &Actor) -> Ctx {
        Ctx {
            actor: actor.clone(),
            now: self.now(),
            settings: self.settings.clone(),
        }
    }

    /// Runs an operation in its own write transaction.
    pub async fn run<C: Command>(&self, actor: &Actor, command: C) -> Result<C::Output, Error> {
        let result = self.apply(actor, command).await;
        self.metrics.observe_operation(C::NAME, &result, false);
        result
    }

    async fn apply<C: Command>(&self, actor: &Actor, command: C) -> Result<C::Output, Error> {
        let ctx = self.ctx(actor);
        self.tx(move |conn| command.apply(conn, &ctx)).await
    }

    /// Runs an operation once per `Idempotency-Key`: with a key the same
    /// account used for the same operation and input in the last 24 hours,
    /// the stored result is returned and nothing changes; the same key with
    /// another input is refused; a repeat while the first is still running
    /// is [`Error::InProgress`]. The result is stored in the operation's
    /// transaction; a refused operation releases the key.
    pub async fn run_once<C: Command>(
        &self,
        actor: &Actor,
        key: Option<&IdempotencyKey>,
        command: C,
    ) -> Result<Outcome<C::Output>, Error> {
        let result = self.apply_once(actor, key, command).await;
        let replayed = result.as_ref().is_ok_and(|o| o.replayed);
        self.metrics.observe_operation(C::NAME, &result, replayed);
        result
    }

    async fn apply_once<C: Command>(
        &self,
        actor: &Actor,
        key: Option<&IdempotencyKey>,
        command: C,
    ) -> Result<Outcome<C::Output>, Error> {
        let Some(key) = key else {
            let value = self.apply(actor, command).await?;
            return Ok(Outcome {
                value,
                replayed: false,
            });
        };
        let input = serde_json::to_string(&command)
            .map_err(|e| Error::Internal(anyhow::anyhow!("request hash: {e}")))?;
        let hash = security::digest(&format!("{}\n{input}", C::NAME));
        let ctx = self.ctx(actor);
        let now = ctx.now;
        let (user, k, h) = (actor.user_id.clone(), key.as_str().to_owned(), hash.clone());
        let existing = self
            .tx(move |conn| {
                Ok(idempotency::claim(
                    conn,
                    &user,
                    &k,
                    &h,
                    now.naive_utc(),
                    (now - Duration::hours(idempotency::RETENTION_HOURS)).naive_utc(),
                    (now - Duration::seconds(idempotency::ABANDONED_AFTER_SECS)).naive_utc(),
                )?)
            })
            .await?;
        if let Some(existing) = existing {
            if existing.request_hash != hash {
                return Err(Error::validation(
                    idempotency::HEADER,
                    "was already used with a different request",
                ));
            }
            let Some(stored) = existing.response_body else {
                return Err(Error::InProgress);
            };
            let value = serde_json::from_str(&stored)
                .map_err(|e| Error::Internal(anyhow::anyhow!("stored result: {e}")))?;
            return Ok(Outcome {
                value,
                replayed: true,
            });
        }

        let (user, k) = (actor.user_id.clone(), key.as_str().to_owned());
        let outcome = self
            .tx(move |conn| {
                let value = command.apply(conn, &ctx)?;
                let stored = serde_json::to_string(&value)
                    .map_err(|e| Error::Internal(anyhow::anyhow!("result: {e}")))?;
                idempotency::complete(conn, &user, &k, &stored)?;
                Ok(value)
            })
            .await;
        match outcome {
            Ok(value) => Ok(Outcome {
                value,
                replayed: false,
            }),
            Err(e) => {
                // A refused request changes nothing, the key included.
                let (user, k) = (actor.user_id.clone(), key.as_str().to_owned());
                if let Err(release) = self
                    .db(move |conn| Ok(idempotency::release(conn, &user, &k)?))
                    .await
                {
                    tracing::warn!(error = %release, "could not release an idempotency key");
                }
                Err(e)
            }
        }
    }
}
