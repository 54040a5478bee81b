//! The background sender: claims due outbox rows in batches under one
//! lease, renders and sends them, several at a time, through SMTP (or into
//! `.eml` files when no SMTP server is configured) and records their
//! outcomes in batches. Any number of senders may share one database: rows
//! are claimed by a conditional update, so exactly one sender wins each,
//! and an outcome is recorded only by the sender still holding the row's
//! lease.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::NaiveDateTime;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::headers;
use super::messages::header_text;
use super::outbox::{self, Claimed, Failure, OutboxRow, Settlement, Status};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::values::EmailAddress;

/// How often an idle sender looks for due emails.
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);
/// How long a claim protects its rows from other senders.
const LEASE_SECS: i64 = 120;
/// Network timeout of one SMTP conversation step.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on one whole send.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// A send starts only while this much of the lease is left, so that it
/// ends (or times out) and is recorded before another sender may take the
/// row over; claimed rows not started by then are released.
const LEASE_RESERVE: Duration = Duration::from_secs(70);
/// Outcomes recorded in one transaction while a batch is still sending.
const SETTLE_EVERY: usize = 64;
/// How long a sender waits for a database connection.
const DB_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest stored error text.
const MAX_ERROR_LEN: usize = 500;

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        dir: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
}

impl Transport {
    /// Makes the mail folder, once per batch.
    async fn prepare(&self) -> Result<(), String> {
        match self {
            Transport::Smtp(_) => Ok(()),
            Transport::Files { dir, .. } => tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| format!("cannot create {}: {e}", dir.display())),
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }
}

#[derive(Clone)]
pub struct Sender {
    pool: DbPool,
    clock: Arc<dyn Clock>,
    transport: Transport,
    from: Mailbox,
    retry_secs: u64,
    max_attempts: u32,
    batch: i64,
    concurrency: usize,
    poll: Duration,
}

/// A claimed email, rendered: the message, or why it cannot be built.
struct Ready {
    row: OutboxRow,
    message: Result<Message, String>,
}

impl Sender {
    /// A sender for the configured transport; fails on an unusable
    /// `smtp_url` or `mail_from`.
    pub fn new(
        pool: DbPool,
        settings: &Settings,
        clock: Arc<dyn Clock>,
        poll: Duration,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("key `mail_from`: {e}"))?;
        let concurrency = settings.email_concurrency as usize;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("key `smtp_url`: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .pool_config(PoolConfig::new().max_size(settings.email_concurrency))
                    .build(),
            ),
            None => Transport::Files {
                dir: settings.mail_dir.clone(),
                transport: AsyncFileTransport::new(&settings.mail_dir),
            },
        };
        Ok(Self {
            pool,
            clock,
            transport,
            from,
            retry_secs: settings.email_retry_secs,
            max_attempts: settings.email_max_attempts,
            batch: i64::from(settings.email_batch_size),
            concurrency,
            poll,
        })
    }

    /// Sends every email due now, then returns how many were delivered.
    pub async fn deliver_due(&self) -> usize {
        self.deliver(None).await
    }

    /// Runs the sender until [`SenderHandle::shutdown`] is called or the
    /// handle is dropped.
    pub fn spawn(self) -> SenderHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        SenderHandle {
            stop: Arc::new(stop),
            task,
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        while !*stopped.borrow() {
            self.deliver(Some(&stopped)).await;
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::debug!("email sender stopped");
    }

    /// Claims and sends batches until none is left, checking for a stop
    /// request before each claim and each send (never during one).
    async fn deliver(&self, stopped: Option<&watch::Receiver<bool>>) -> usize {
        let is_stopping = || stopped.is_some_and(|s| *s.borrow() || s.has_changed().is_err());
        let mut delivered = 0;
        while !is_stopping() {
            let token = uuid::Uuid::new_v4().to_string();
            let claimed_at = Instant::now();
            let batch = match self.claim(token.clone()).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, "email sender cannot claim emails");
                    break;
                }
            };
            if batch.is_empty() {
                break;
            }
            delivered += self
                .send_batch(batch, &token, claimed_at, &is_stopping)
                .await;
        }
        delivered
    }

    /// Claims up to a batch of due rows under `token` (one write
    /// transaction), then reads and renders them off the writers' queue.
    async fn claim(&self, token: String) -> anyhow::Result<Vec<Ready>> {
        let now = self.now();
        let lease_until = now + chrono::Duration::seconds(LEASE_SECS);
        let limit = self.batch;
        let claim_token = token.clone();
        let n = self
            .write(move |c| outbox::claim_due(c, &claim_token, now, lease_until, limit))
            .await?;
        if n == 0 {
            return Ok(Vec::new());
        }
        let claimed = self.db(move |c| outbox::claimed(c, &token)).await?;
        let (from, date) = (self.from.clone(), SystemTime::from(self.clock.now()));
        Ok(tokio::task::spawn_blocking(move || {
            claimed
                .into_iter()
                .map(|c| Ready {
                    message: message(&c, &from, date),
                    row: c.row,
                })
                .collect()
        })
        .await?)
    }

    /// Sends a claimed batch, `concurrency` at a time, recording outcomes
    /// every [`SETTLE_EVERY`] without holding up the sends; returns how
    /// many were delivered.
    async fn send_batch(
        &self,
        batch: Vec<Ready>,
        token: &str,
        claimed_at: Instant,
        is_stopping: &impl Fn() -> bool,
    ) -> usize {
        let start_by = claimed_at + Duration::from_secs(LEASE_SECS as u64) - LEASE_RESERVE;
        let prepared = self.transport.prepare().await;
        let mut waiting = batch.into_iter();
        let mut sending = JoinSet::new();
        let mut settlement = Settlement::default();
        let mut settling = JoinSet::new();
        let mut delivered = 0;
        loop {
            while sending.len() < self.concurrency {
                let Some(ready) = waiting.next() else { break };
                if is_stopping() || Instant::now() >= start_by {
                    settlement.released.push(ready.row.id);
                    settlement
                        .released
                        .extend(waiting.by_ref().map(|r| r.row.id));
                    break;
                }
                let transport = self.transport.clone();
                let prepared = prepared.clone();
                sending.spawn(async move {
                    let outcome = match (prepared, ready.message) {
                        (Err(e), _) | (_, Err(e)) => Err(e),
                        (Ok(()), Ok(message)) => {
                            match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await
                            {
                                Ok(result) => result,
                                Err(_) => {
                                    Err(format!("timed out after {}s", SEND_TIMEOUT.as_secs()))
                                }
                            }
                        }
                    };
                    (ready.row, outcome)
                });
            }
            let Some(joined) = sending.join_next().await else {
                break;
            };
            // A send task that panicked leaves its row leased; it is taken
            // over when the lease runs out.
            let Ok((row, outcome)) = joined else {
                tracing::warn!("an email send task failed");
                continue;
            };
            match outcome {
                Ok(()) => {
                    tracing::debug!(email_id = %row.id, kind = %row.kind, "email sent");
                    delivered += 1;
                    settlement.sent.push(row.id);
                }
                Err(error) => {
                    let failure = self.failure(&row, &error, self.now());
                    tracing::warn!(
                        email_id = %row.id,
                        kind = %row.kind,
                        attempts = failure.attempts,
                        status = %failure.status,
                        error = %failure.error,
                        "email not sent"
                    );
                    settlement.failed.push((row.id, failure));
                }
            }
            if settlement.len() >= SETTLE_EVERY {
                let this = self.clone();
                let (token, done) = (token.to_owned(), std::mem::take(&mut settlement));
                settling.spawn(async move { this.settle(&token, done).await });
            }
        }
        self.settle(token, settlement).await;
        while settling.join_next().await.is_some() {}
        delivered
    }

    /// Records outcomes in one write transaction.
    async fn settle(&self, token: &str, settlement: Settlement) {
        if settlement.is_empty() {
            return;
        }
        let (now, expected) = (self.now(), settlement.len());
        let token = token.to_owned();
        match self
            .write(move |c| outbox::settle(c, &token, &settlement, now))
            .await
        {
            Ok(n) if n == expected => {}
            Ok(n) => tracing::warn!(
                lost = expected - n,
                "email leases were lost before the outcomes were recorded"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot record emails' outcomes"),
        }
    }

    /// The next state of a row whose attempt failed: retried after
    /// `email_retry_secs`, doubling each attempt, until the last attempt.
    fn failure(&self, row: &OutboxRow, error: &str, now: NaiveDateTime) -> Failure {
        let attempts = row.attempts.saturating_add(1);
        let status = if attempts as u32 >= self.max_attempts {
            Status::Failed
        } else {
            Status::Pending
        };
        let doublings = (attempts - 1).clamp(0, 20) as u32;
        let delay = self.retry_secs.saturating_mul(1 << doublings);
        let delay = chrono::Duration::seconds(i64::try_from(delay).unwrap_or(i64::MAX / 1000))
            .min(chrono::Duration::days(365));
        let mut error = header_text(error);
        if error.len() > MAX_ERROR_LEN {
            let mut cut = MAX_ERROR_LEN;
            while !error.is_char_boundary(cut) {
                cut -= 1;
            }
            error.truncate(cut);
        }
        Failure {
            attempts,
            status,
            next_attempt_at: now + delay,
            error,
        }
    }

    fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    async fn db<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get_timeout(DB_TIMEOUT)?;
            Ok(f(&mut conn)?)
        })
        .await?
    }

    /// Like `db`, as a write transaction in turn with the app's writers.
    async fn write<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.write(|c| Ok(f(c)?))).await?
    }
}

/// Renders a claimed email into the message to send.
fn message(claimed: &Claimed, from: &Mailbox, date: SystemTime) -> Result<Message, String> {
    let row = &claimed.row;
    let to = EmailAddress::parse(&row.recipient)
        .map_err(|e| format!("invalid recipient address: {e}"))?
        .into_address();
    let body = claimed.content()?.render(&row.kind, &row.subject)?;
    let alternative = MultiPart::alternative_plain_html(body.text, body.html);
    let mut files = Vec::new();
    if let Some(a) = body.attachment {
        let content_type = ContentType::parse(&a.content_type)
            .map_err(|e| format!("invalid attachment content type: {e}"))?;
        files.push(MailAttachment::new(a.filename).body(a.body, content_type));
    }
    if let Some(pdf) = body.pdf {
        let content_type = ContentType::parse("application/pdf").expect("a valid content type");
        files.push(MailAttachment::new(pdf.filename).body(pdf.bytes, content_type));
    }
    let body = if files.is_empty() {
        alternative
    } else {
        files
            .into_iter()
            .fold(MultiPart::mixed().multipart(alternative), |m, f| {
                m.singlepart(f)
            })
    };
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .raw_header(headers::subject(&header_text(&row.subject)))
        .message_id(Some(format!("<{}@{}>", row.id, from.email.domain())))
        .date(date)
        .multipart(body)
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// A running sender. It stops when told to, or once this handle and every
/// [`SenderHandle::keep_alive`] token are dropped.
pub struct SenderHandle {
    stop: Arc<watch::Sender<bool>>,
    task: JoinHandle<()>,
}

impl SenderHandle {
    /// An opaque token that keeps the sender running while it lives, for
    /// tying the sender's life to another owner's (such as the HTTP server).
    pub fn keep_alive(&self) -> Arc<dyn std::any::Any + Send + Sync> {
        self.stop.clone()
    }

    /// Stops claiming and starting sends, lets the sends in flight finish
    /// and be recorded (claimed emails not yet started are released), and
    /// waits for the sender to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "email sender ended abnormally");
        }
    }
}
