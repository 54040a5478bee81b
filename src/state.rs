//! What every front door (the JSON API, the web pages, the command line)
//! holds: the database pool, the clock and the settings, and the ways
//! operations run against them.

use std::sync::Arc;

use chrono::Duration;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::group::GroupCommit;
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
    /// Gathers the writes of [`Command::grouped`] operations into shared
    /// transactions (`None` when `group_commit_max` is 0).
    pub writer: Option<GroupCommit>,
}

impl AppState {
    /// The state over a connected pool, with its group-commit writer
    /// started.
    pub fn new(
        pool: DbPool,
        backend: DatabaseTarget,
        clock: Arc<dyn Clock>,
        settings: Arc<Settings>,
    ) -> std::io::Result<Self> {
        let writer = match settings.group_commit_max {
            0 => None,
            max => Some(GroupCommit::start(pool.clone(), max as usize)?),
        };
        Ok(Self {
            pool,
            backend,
            clock,
            settings,
            metrics: Arc::new(Metrics::new()),
            writer,
        })
    }

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
        let group = command.grouped();
        self.write(group, move |conn| command.apply(conn, &ctx))
            .await
    }

    /// Runs `f` in a write transaction: its own ([`AppState::tx`]), or,
    /// given an order key (and group commit on), a savepoint in the group
    /// commit's next batch.
    async fn write<T, F>(&self, group: Option<String>, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    {
        match (group, &self.writer) {
            (Some(order), Some(writer)) => writer.run(order, f).await,
            _ => self.tx(f).await,
        }
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
        let group = command.grouped();
        let (user, k, h) = (actor.user_id.clone(), key.as_str().to_owned(), hash.clone());
        let existing = self
            .write(group.as_ref().map(|_| String::new()), move |conn| {
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

        // A refused operation rolls back to its savepoint and releases the
        // key in the same transaction: it changes nothing, the key included.
        let (user, k) = (actor.user_id.clone(), key.as_str().to_owned());
        let outcome = self
            .write(group, move |conn| {
                use diesel::Connection;
                let applied = conn.transaction(|conn| {
                    let value = command.apply(conn, &ctx)?;
                    let stored = serde_json::to_string(&value)
                        .map_err(|e| Error::Internal(anyhow::anyhow!("result: {e}")))?;
                    idempotency::complete(conn, &user, &k, &stored)?;
                    Ok::<_, Error>(value)
                });
                if applied.is_err() {
                    idempotency::release(conn, &user, &k)?;
                }
                Ok(applied)
            })
            .await?;
        outcome.map(|value| Outcome {
            value,
            replayed: false,
        })
    }
}
