//! The background sender: claims due outbox rows with a lease, sends them
//! through SMTP (or into `.eml` files when no SMTP server is configured) and
//! records the outcome. Any number of senders may share one database: a row
//! is claimed by a conditional update, so exactly one sender wins it, and an
//! outcome is recorded only by the sender still holding the row's lease.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::NaiveDateTime;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::headers;
use super::messages::header_text;
use super::outbox::{self, Failure, OutboxRow, Status};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::values::EmailAddress;

/// How often an idle sender looks for due emails.
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);
/// How long a claim protects a row from other senders; longer than any send.
const LEASE_SECS: i64 = 120;
/// Network timeout of one SMTP conversation step.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on one whole send, well inside the lease.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Candidate rows read per look at the queue.
const BATCH: i64 = 10;
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
    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files { dir, transport } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
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
    poll: Duration,
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
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("key `smtp_url`: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
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

    /// Claims and sends due rows one at a time until none is left, checking
    /// for a stop request before each claim (never during a send).
    async fn deliver(&self, stopped: Option<&watch::Receiver<bool>>) -> usize {
        let is_stopping = || stopped.is_some_and(|s| *s.borrow() || s.has_changed().is_err());
        let mut delivered = 0;
        loop {
            let now = self.now();
            let ids = match self.db(move |c| outbox::due(c, now, BATCH)).await {
                Ok(ids) => ids,
                Err(e) => {
                    tracing::warn!(error = %e, "email sender cannot read the outbox");
                    return delivered;
                }
            };
            let mut claimed_any = false;
            for id in ids {
                if is_stopping() {
                    return delivered;
                }
                let now = self.now();
                let token = uuid::Uuid::new_v4().to_string();
                let lease_until = now + chrono::Duration::seconds(LEASE_SECS);
                let claim_token = token.clone();
                let row = match self
                    .write(move |c| outbox::claim(c, &id, &claim_token, now, lease_until))
                    .await
                {
                    Ok(Some(row)) => row,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "email sender cannot claim an email");
                        return delivered;
                    }
                };
                claimed_any = true;
                if self.send_claimed(row, token).await {
                    delivered += 1;
                }
            }
            if !claimed_any {
                return delivered;
            }
        }
    }

    /// Sends one claimed row and records the outcome; true if delivered.
    async fn send_claimed(&self, row: OutboxRow, token: String) -> bool {
        let id = row.id.clone();
        let outcome = match self.message(&row) {
            Ok(message) => {
                match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("timed out after {}s", SEND_TIMEOUT.as_secs())),
                }
            }
            Err(e) => Err(e),
        };
        let now = self.now();
        let recorded = match &outcome {
            Ok(()) => {
                tracing::info!(email_id = %id, kind = %row.kind, "email sent");
                self.write(move |c| outbox::mark_sent(c, &id, &token, now))
                    .await
            }
            Err(error) => {
                let failure = self.failure(&row, error, now);
                tracing::warn!(
                    email_id = %id,
                    kind = %row.kind,
                    attempts = failure.attempts,
                    status = %failure.status,
                    error = %failure.error,
                    "email not sent"
                );
                self.write(move |c| outbox::mark_failed(c, &id, &token, &failure, now))
                    .await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(email_id = %row.id, "email lease was lost before the outcome was recorded")
            }
            Err(e) => {
                tracing::warn!(email_id = %row.id, error = %e, "cannot record an email's outcome")
            }
        }
        outcome.is_ok()
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

    fn message(&self, row: &OutboxRow) -> Result<Message, String> {
        let to = EmailAddress::parse(&row.recipient)
            .map_err(|e| format!("invalid recipient address: {e}"))?
            .into_address();
        let alternative =
            MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
        let body = match row.attachment() {
            Some(a) => {
                let content_type = ContentType::parse(&a.content_type)
                    .map_err(|e| format!("invalid attachment content type: {e}"))?;
                MultiPart::mixed()
                    .multipart(alternative)
                    .singlepart(MailAttachment::new(a.filename).body(a.body, content_type))
            }
            None => alternative,
        };
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .raw_header(headers::subject(&header_text(&row.subject)))
            .message_id(Some(format!("<{}@{}>", row.id, self.from.email.domain())))
            .date(SystemTime::from(self.clock.now()))
            .multipart(body)
            .map_err(|e| format!("cannot build the message: {e}"))
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

    /// Stops claiming new emails, lets a send in flight finish and be
    /// recorded, and waits for the sender to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "email sender ended abnormally");
        }
    }
}
