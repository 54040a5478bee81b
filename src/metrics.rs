//! What the server counts for Prometheus (`GET /metrics`, served only with
//! a configured bearer token): requests and their latency per route,
//! operations accepted and refused by the contract's error code, and, read
//! when scraped, the outbox, the database pool and the SQLite log.
//!
//! Labels are route patterns (`/api/v1/conferences/{id}`), methods, status
//! codes, operation names and error codes: never an id, a name, an email or
//! anything else a request carried.

use std::time::Duration;

use chrono::NaiveDateTime;
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::ops::Error;

/// Request latency buckets in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The route label of a request no route matched: random paths must not
/// make new series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// What is read from the database and the pool when scraped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Snapshot {
    pub emails_pending: i64,
    pub emails_failed: i64,
    /// Seconds since the oldest email still waiting was queued (0 when none
    /// waits).
    pub oldest_pending_email_secs: f64,
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    pub sqlite_wal_bytes: u64,
    /// The group commit's transactions and the writes they took, so far.
    pub group_commit_batches: u64,
    pub group_commit_writes: u64,
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    operations: IntCounterVec,
    emails_pending: IntGauge,
    emails_failed: IntGauge,
    oldest_pending_email: Gauge,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    sqlite_wal_bytes: IntGauge,
    group_commit_batches: IntCounter,
    group_commit_writes: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("plenary".into()), None)
            .expect("the prefix is a valid metric name");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["route", "method", "status"],
        )
        .expect("valid counter");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's head to its response",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("valid histogram");
        let operations = IntCounterVec::new(
            Opts::new(
                "operations_total",
                "Operations run: accepted, replayed (the stored result of an Idempotency-Key), or refused with the contract's error code",
            ),
            &["operation", "outcome"],
        )
        .expect("valid counter");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid gauge");
        let metrics = Self {
            requests,
            latency,
            operations,
            emails_pending: gauge("outbox_pending", "Emails waiting to be sent or being sent"),
            emails_failed: gauge(
                "outbox_failed",
                "Emails given up on after every attempt (retry them from the outbox)",
            ),
            oldest_pending_email: Gauge::new(
                "outbox_oldest_pending_age_seconds",
                "Age of the oldest email still waiting to be sent",
            )
            .expect("valid gauge"),
            pool_connections: gauge("db_pool_connections", "Database connections open"),
            pool_idle: gauge(
                "db_pool_idle_connections",
                "Open database connections not in use",
            ),
            pool_max: gauge(
                "db_pool_max_connections",
                "Most database connections the pool opens",
            ),
            sqlite_wal_bytes: gauge(
                "sqlite_wal_bytes",
                "Size of the SQLite write-ahead log file (0 on PostgreSQL)",
            ),
            group_commit_batches: IntCounter::new(
                "group_commit_batches_total",
                "Transactions the group-commit writer has run",
            )
            .expect("valid counter"),
            group_commit_writes: IntCounter::new(
                "group_commit_writes_total",
                "Writes (registrations, cancellations, substitutions) the group-commit writer has run, each in its own savepoint",
            )
            .expect("valid counter"),
            registry,
        };
        metrics.register_all();
        metrics
    }

    fn register_all(&self) {
        let collectors: [Box<dyn prometheus::core::Collector>; 12] = [
            Box::new(self.requests.clone()),
            Box::new(self.latency.clone()),
            Box::new(self.operations.clone()),
            Box::new(self.emails_pending.clone()),
            Box::new(self.emails_failed.clone()),
            Box::new(self.oldest_pending_email.clone()),
            Box::new(self.pool_connections.clone()),
            Box::new(self.pool_idle.clone()),
            Box::new(self.pool_max.clone()),
            Box::new(self.sqlite_wal_bytes.clone()),
            Box::new(self.group_commit_batches.clone()),
            Box::new(self.group_commit_writes.clone()),
        ];
        for collector in collectors {
            self.registry
                .register(collector)
                .expect("each metric is registered once");
        }
    }

    /// Counts one answered request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one operation's outcome.
    pub fn observe_operation<T>(&self, operation: &str, result: &Result<T, Error>, replayed: bool) {
        let outcome = match result {
            Ok(_) if replayed => "replayed",
            Ok(_) => "accepted",
            Err(e) => e.code(),
        };
        self.operations
            .with_label_values(&[operation, outcome])
            .inc();
    }

    /// The Prometheus text exposition of every metric, with the scrape-time
    /// figures set from `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        self.emails_pending.set(snapshot.emails_pending);
        self.emails_failed.set(snapshot.emails_failed);
        self.oldest_pending_email
            .set(snapshot.oldest_pending_email_secs);
        self.pool_connections.set(snapshot.pool_connections.into());
        self.pool_idle.set(snapshot.pool_idle.into());
        self.pool_max.set(snapshot.pool_max.into());
        self.sqlite_wal_bytes
            .set(i64::try_from(snapshot.sqlite_wal_bytes).unwrap_or(i64::MAX));
        for (counter, total) in [
            (&self.group_commit_batches, snapshot.group_commit_batches),
            (&self.group_commit_writes, snapshot.group_commit_writes),
        ] {
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encoding to memory cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

/// Seconds from `queued_at` to `now`, never negative.
pub fn age_secs(queued_at: Option<NaiveDateTime>, now: NaiveDateTime) -> f64 {
    queued_at.map_or(0.0, |at| {
        ((now - at).num_milliseconds() as f64 / 1000.0).max(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_outcomes_are_counted_without_request_data() {
        let m = Metrics::new();
        m.observe_request(
            "/api/v1/conferences/{id}",
            "GET",
            200,
            Duration::from_millis(3),
        );
        m.observe_operation::<()>(
            "register",
            &Err(Error::CapacityReached("full".into())),
            false,
        );
        m.observe_operation("register", &Ok(()), false);
        m.observe_operation("register", &Ok(()), true);
        let text = m.render(&Snapshot {
            emails_pending: 3,
            sqlite_wal_bytes: 4096,
            group_commit_batches: 2,
            group_commit_writes: 7,
            ..Snapshot::default()
        });
        assert!(text.contains(
            "plenary_http_requests_total{method=\"GET\",route=\"/api/v1/conferences/{id}\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "plenary_operations_total{operation=\"register\",outcome=\"capacity_reached\"} 1"
        ));
        assert!(text
            .contains("plenary_operations_total{operation=\"register\",outcome=\"accepted\"} 1"));
        assert!(text
            .contains("plenary_operations_total{operation=\"register\",outcome=\"replayed\"} 1"));
        assert!(text.contains("plenary_outbox_pending 3"));
        assert!(text.contains("plenary_sqlite_wal_bytes 4096"));
        assert!(text.contains("plenary_group_commit_batches_total 2"));
        assert!(text.contains("plenary_group_commit_writes_total 7"));
        let again = m.render(&Snapshot {
            group_commit_batches: 3,
            ..Snapshot::default()
        });
        assert!(again.contains("plenary_group_commit_batches_total 3"));
        assert!(!text.contains("full"), "messages are not labels");
    }

    #[test]
    fn the_age_of_nothing_waiting_is_zero() {
        let now = chrono::NaiveDate::from_ymd_opt(2027, 9, 9)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(age_secs(None, now), 0.0);
        assert_eq!(
            age_secs(Some(now - chrono::Duration::seconds(90)), now),
            90.0
        );
        assert_eq!(age_secs(Some(now + chrono::Duration::seconds(5)), now), 0.0);
    }
}
