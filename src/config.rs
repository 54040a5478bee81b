//! Settings: `config/default.toml` (compiled in), then the file named in
//! `PLENARY_CONFIG`, then environment variables (`DATABASE_URL` and
//! `PLENARY_<KEY>`). A bad value stops start-up with a line naming the key,
//! as does an unknown key in the file; unknown `PLENARY_*` variables are
//! ignored unless they look like a misspelt key (see `env`).

mod env;

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use ipnet::IpNet;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// The shortest bearer token `/metrics` accepts being configured with.
pub const MIN_METRICS_TOKEN_CHARS: usize = 16;
/// The shortest check-in secret accepted from configuration.
pub const MIN_CHECKIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub pool_size: u32,
    /// The most registrations, cancellations and substitutions committed
    /// in one transaction (see `db::group`); 0: each its own.
    pub group_commit_max: u32,
    pub sqlite_wal_max_bytes: u64,
    #[serde(default)]
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: String,
    pub email_retry_secs: u64,
    pub email_max_attempts: u32,
    pub email_batch_size: u32,
    pub email_concurrency: u32,
    pub cheque_payee: String,
    /// The party named on invoices, credit notes and receipts.
    pub invoice_party_name: String,
    /// Its postal address (lines separated by newlines).
    pub invoice_party_address: String,
    /// How to pay an invoice: bank, sort code, account (lines).
    pub invoice_payment_details: String,
    /// Days from issue to an invoice's due date (never after the day
    /// before the conference starts).
    pub invoice_due_days: u32,
    pub public_url: String,
    pub timezone: chrono_tz::Tz,
    pub token_ttl_hours: u32,
    pub web_session_idle_minutes: u32,
    pub web_session_max_hours: u32,
    pub invitation_days: u32,
    pub password_reset_minutes: u32,
    pub password_reset_every_secs: u64,
    pub login_max_failures: u32,
    pub login_client_max_failures: u32,
    pub login_lockout_secs: u64,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or
    /// CIDR networks); none by default.
    pub trusted_proxies: Vec<TrustedProxy>,
    pub log_format: LogFormat,
    /// When set, `GET /metrics` is served to requests bearing it; unset,
    /// `/metrics` is not found.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// The key of the badges' check-in codes (at least
    /// [`MIN_CHECKIN_SECRET_CHARS`] characters). Unset, the
    /// first server to start stores a random one in the database.
    #[serde(default)]
    pub checkin_secret: Option<String>,
    pub body_limit_bytes: usize,
    pub json_max_depth: usize,
    pub request_timeout_secs: u64,
    pub max_delegates_per_registration: usize,
    pub regions: Vec<String>,
    pub retention_every_minutes: u32,
    pub retention_idempotency_hours: u32,
    pub retention_email_payload_days: u32,
    pub retention_requirements_days: u32,
    pub retention_delegate_identity_months: u32,
}

/// A proxy in front of the server: an address (`10.0.0.2`, `::1`) or a
/// network (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub IpNet);

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
            .map(Self)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{s}` is neither an IP address nor a network such as 10.0.0.0/8"
                ))
            })
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads the layered configuration from the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let misspelt =
            env::near_misses(std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()));
        if !misspelt.is_empty() {
            return Err(ConfigError(misspelt.join("; ")));
        }
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Ok(path) = std::env::var("PLENARY_CONFIG") {
            if !std::path::Path::new(&path).is_file() {
                return Err(ConfigError(format!(
                    "PLENARY_CONFIG names {path}, which is not a readable file"
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        let figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(env::provider());
        let settings: Settings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            ConfigError(if key.is_empty() {
                e.to_string()
            } else {
                format!("key `{key}`: {}", e.kind)
            })
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// The public address without a trailing slash, for building links.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// The compiled-in defaults, for tests and tools that set fields directly.
    pub fn defaults() -> Self {
        Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("config/default.toml is valid")
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::db::DatabaseTarget::parse(&self.database_url)
            .map_err(|e| ConfigError(format!("key `database_url`: {e}")))?;
        if self.group_commit_max > 1024 {
            return Err(ConfigError(
                "key `group_commit_max`: at most 1024 (0 turns group commit off)".into(),
            ));
        }
        let positive = [
            ("pool_size", self.pool_size as u64),
            ("sqlite_wal_max_bytes", self.sqlite_wal_max_bytes),
            ("email_batch_size", self.email_batch_size as u64),
            ("email_concurrency", self.email_concurrency as u64),
            ("email_retry_secs", self.email_retry_secs),
            ("email_max_attempts", self.email_max_attempts as u64),
            ("token_ttl_hours", self.token_ttl_hours as u64),
            (
                "web_session_idle_minutes",
                self.web_session_idle_minutes as u64,
            ),
            ("web_session_max_hours", self.web_session_max_hours as u64),
            ("invitation_days", self.invitation_days as u64),
            ("password_reset_minutes", self.password_reset_minutes as u64),
            ("login_max_failures", self.login_max_failures as u64),
            (
                "login_client_max_failures",
                self.login_client_max_failures as u64,
            ),
            ("body_limit_bytes", self.body_limit_bytes as u64),
            ("json_max_depth", self.json_max_depth as u64),
            ("request_timeout_secs", self.request_timeout_secs),
            (
                "max_delegates_per_registration",
                self.max_delegates_per_registration as u64,
            ),
            (
                "retention_every_minutes",
                self.retention_every_minutes as u64,
            ),
            (
                "retention_idempotency_hours",
                self.retention_idempotency_hours as u64,
            ),
            (
                "retention_email_payload_days",
                self.retention_email_payload_days as u64,
            ),
            (
                "retention_requirements_days",
                self.retention_requirements_days as u64,
            ),
            (
                "retention_delegate_identity_months",
                self.retention_delegate_identity_months as u64,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(ConfigError(format!("key `{key}`: must be greater than 0")));
            }
        }
        if self.regions.is_empty() || self.regions.iter().any(|r| r.trim().is_empty()) {
            return Err(ConfigError(
                "key `regions`: must list at least one non-empty region".into(),
            ));
        }
        let public = self.public_url.trim_end_matches('/');
        if !(public.starts_with("http://") || public.starts_with("https://"))
            || public.contains(char::is_whitespace)
            || public.split("://").nth(1).is_none_or(str::is_empty)
        {
            return Err(ConfigError(
                "key `public_url`: must be an http:// or https:// address such as https://conference.party.example".into(),
            ));
        }
        if let Some(url) = &self.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError(
                    "key `smtp_url`: must start with smtp:// or smtps://".into(),
                ));
            }
        }
        if let Some(token) = &self.metrics_token {
            if token.chars().count() < MIN_METRICS_TOKEN_CHARS
                || token.contains(char::is_whitespace)
            {
                return Err(ConfigError(format!(
                    "key `metrics_token`: must be at least {MIN_METRICS_TOKEN_CHARS} characters with no spaces (for example from `openssl rand -hex 32`)"
                )));
            }
        }
        if let Some(secret) = &self.checkin_secret {
            let min = MIN_CHECKIN_SECRET_CHARS;
            if secret.chars().count() < min || secret.contains(char::is_whitespace) {
                return Err(ConfigError(format!(
                    "key `checkin_secret`: must be at least {min} characters with no spaces (for example from `openssl rand -hex 32`)"
                )));
            }
        }
        if !self.mail_from.contains('@') {
            return Err(ConfigError(
                "key `mail_from`: must be an email address".into(),
            ));
        }
        Ok(())
    }
}
