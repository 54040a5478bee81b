//! Test support: spawn the real app on a random port against a fresh
//! database (a SQLite file, or a PostgreSQL database on the server named by
//! `TEST_DATABASE_URL`), and talk to it over HTTP.

#![allow(dead_code)]

pub mod binary;
pub mod smtp;
pub mod visitor;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use plenary::app::Application;
use plenary::clock::FixedClock;
use plenary::config::Settings;
use plenary::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL server for tests, if `TEST_DATABASE_URL` names one.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => Some(Backend::Postgres(url)),
            _ => {
                eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant");
                None
            }
        }
    }
}

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and once
/// on PostgreSQL (when `TEST_DATABASE_URL` is set).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(b) = $crate::common::Backend::postgres() {
                        super::$name(b).await
                    }
                }
            )*
        }
    };
}

/// A database made for one test and removed after it.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn create(backend: &Backend) -> (TestDb, String) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("plenary.db").display());
                (TestDb::Sqlite(dir), url)
            }
            Backend::Postgres(admin_url) => {
                let name = format!("plenary_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn =
                    PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let base = admin_url.split('?').next().unwrap();
                let base = &base[..base.rfind('/').expect("URL has a database path")];
                let url = format!("{base}/{name}");
                (
                    TestDb::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                    url,
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

/// A time in London's local clock, converted to UTC.
pub fn london(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    chrono_tz::Europe::London
        .with_ymd_and_hms(y, m, d, h, min, s)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub state: AppState,
    pub database_url: String,
    /// Where `.eml` files go when no SMTP URL is set.
    pub mail_dir: std::path::PathBuf,
    server: actix_web::dev::ServerHandle,
    _mail: tempfile::TempDir,
    // Dropped last: the database outlives the server.
    _db: TestDb,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self.body
    }

    /// Asserts a problem+json error with the given status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        for key in ["type", "title", "detail"] {
            assert!(
                self.body[key].is_string(),
                "problem lacks {key}: {}",
                self.text
            );
        }
        self.body
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        plenary::cli::init_test_tracing();
        let (db, database_url) = TestDb::create(&backend);
        let mut settings = Settings::defaults();
        settings.database_url = database_url.clone();
        settings.listen = "127.0.0.1:0".parse().unwrap();
        settings.pool_size = 4;
        let mail = tempfile::tempdir().expect("temp dir");
        settings.mail_dir = mail.path().join("mail");
        // Tests move the clock by months; sessions should outlive that
        // unless a test is about expiry.
        settings.token_ttl_hours = 24 * 366;
        adjust(&mut settings);
        let mail_dir = settings.mail_dir.clone();
        let clock = Arc::new(FixedClock::new(london(2016, 5, 1, 12, 0, 0)));
        let app = tokio::task::spawn_blocking({
            let clock = clock.clone();
            move || Application::build(settings, clock).expect("app starts")
        })
        .await
        .unwrap();
        let port = app.port();
        let state = app.state.clone();
        let server = app.into_server();
        let handle = server.handle();
        tokio::spawn(server);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            clock,
            state,
            database_url,
            mail_dir,
            server: handle,
            _mail: mail,
            _db: db,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token, Some(body), &[])
            .await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: String) -> Response {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    /// A request with a body of any bytes, sent with the given
    /// `Content-Type` (or none) and extra headers.
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(c) = content_type {
            req = req.header("content-type", c);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    /// Creates an account straight in the database (staff as `admin`).
    pub async fn create_user(&self, email: &str, role: &str, organisation_id: Option<&str>) {
        self.create_user_with_roles(email, role, organisation_id, &[])
            .await
    }

    /// Creates an account straight in the database; staff hold
    /// `staff_roles` (`admin` when empty).
    pub async fn create_user_with_roles(
        &self,
        email: &str,
        role: &str,
        organisation_id: Option<&str>,
        staff_roles: &[&str],
    ) {
        let staff_roles: Vec<String> = staff_roles.iter().map(|r| (*r).to_owned()).collect();
        let (email, role, org) = (
            email.to_owned(),
            role.to_owned(),
            organisation_id.map(str::to_owned),
        );
        let now = self.clock_now().naive_utc();
        self.state
            .db(move |conn| {
                let email = plenary::values::EmailAddress::parse(&email).unwrap();
                let kind = match plenary::accounts::UserRole::parse(&role).unwrap() {
                    plenary::accounts::UserRole::Staff => {
                        plenary::accounts::ops::AccountKind::Staff(
                            plenary::ops::role::StaffRoles::new(
                                staff_roles
                                    .iter()
                                    .map(|r| plenary::ops::role::StaffRole::parse(r).unwrap()),
                            )
                            .unwrap_or_else(plenary::ops::role::StaffRoles::admin),
                        )
                    }
                    plenary::accounts::UserRole::Organisation => {
                        plenary::accounts::ops::AccountKind::Organisation(
                            plenary::ids::OrganisationId::parse(&org.unwrap()).unwrap(),
                        )
                    }
                };
                plenary::accounts::ops::create(
                    conn,
                    &email,
                    "Test User",
                    kind,
                    Some(PASSWORD),
                    now,
                )
                .unwrap();
                Ok(())
            })
            .await
            .unwrap();
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use plenary::clock::Clock;
        self.clock.now()
    }

    pub async fn login(&self, email: &str) -> String {
        let body = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": PASSWORD}),
            )
            .await
            .expect(200);
        body["token"].as_str().unwrap().to_owned()
    }

    /// A new staff account's token.
    pub async fn staff(&self) -> String {
        let email = format!("staff-{}@party.example", uuid::Uuid::new_v4().simple());
        self.create_user(&email, "staff", None).await;
        self.login(&email).await
    }

    /// A new staff account holding these roles, and its token.
    pub async fn staff_with_roles(&self, roles: &[&str]) -> String {
        let email = format!("staff-{}@party.example", uuid::Uuid::new_v4().simple());
        self.create_user_with_roles(&email, "staff", None, roles)
            .await;
        self.login(&email).await
    }

    /// Creates an organisation (as staff) and returns its id.
    pub async fn organisation(&self, staff: &str, name: &str, region: &str) -> String {
        let body = self
            .post(
                "/api/v1/organisations",
                Some(staff),
                &json!({
                    "name": name,
                    "kind": "local_party",
                    "region": region,
                    "contact_email": "secretary@org.example"
                }),
            )
            .await
            .expect(201);
        body["id"].as_str().unwrap().to_owned()
    }

    /// A new user of the organisation, logged in.
    pub async fn org_user(&self, organisation_id: &str) -> String {
        let email = format!("member-{}@org.example", uuid::Uuid::new_v4().simple());
        self.create_user(&email, "organisation", Some(organisation_id))
            .await;
        self.login(&email).await
    }

    /// Creates the reference conference (Cardiff 2016) with changes, returns it.
    pub async fn conference(&self, staff: &str, changes: Value) -> Value {
        let mut body = cardiff();
        merge(&mut body, changes);
        self.post("/api/v1/conferences", Some(staff), &body)
            .await
            .expect(201)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and let the workers go before the database is dropped.
        let handle = self.server.clone();
        drop(handle.stop(false));
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// An email in the outbox, rendered as the sender would send it.
#[derive(Debug, Clone)]
pub struct Queued {
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The attached PDF (invoice, credit note, receipt), if any.
    pub pdf: Option<Vec<u8>>,
    /// The attached calendar (confirmations, substitutions), if any.
    pub ics: Option<String>,
}

impl TestApp {
    /// The emails of one kind queued so far, oldest first, rendered.
    pub async fn queued(&self, kind: &'static str) -> Vec<Queued> {
        let rows: Vec<(String, String, Option<String>)> = self
            .state
            .db(move |conn| {
                use diesel::prelude::*;
                use plenary::email::schema::outbox;
                Ok(outbox::table
                    .filter(outbox::kind.eq(kind))
                    .order(outbox::id.asc())
                    .select((outbox::recipient, outbox::subject, outbox::payload))
                    .load(conn)?)
            })
            .await
            .unwrap();
        rows.into_iter()
            .map(|(recipient, subject, payload)| {
                let content: plenary::email::messages::Content =
                    serde_json::from_str(&payload.expect("content kept")).unwrap();
                let body = content.render(kind, &subject).unwrap();
                Queued {
                    recipient,
                    subject,
                    text: body.text,
                    html: body.html,
                    pdf: body.pdf.map(|p| p.bytes),
                    ics: body.attachment.map(|a| a.body),
                }
            })
            .collect()
    }
}

/// The 2016 Annual Conference as an API body.
pub fn cardiff() -> Value {
    json!({
        "slug": format!("annual-2016-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        "name": "Co-operative Party Annual Conference 2016",
        "venue": "Radisson Blu Hotel Cardiff",
        "timezone": "Europe/London",
        "starts_on": "2016-09-09",
        "ends_on": "2016-09-11",
        "currency": "GBP",
        "deadlines": {
            "registration": "2016-08-22",
            "motions": "2016-04-04",
            "amendments": "2016-08-01",
            "policy_submissions": "2016-08-01",
            "cac_nominations": "2016-08-01",
            "award_nominations": "2016-08-01"
        },
        "price_tiers": [
            {"code": "early", "name": "Early bird", "until": "2016-06-30", "pass_fee": "90.00", "dinner_fee": "45.00"},
            {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}
        ],
        "motion_word_limit": 300,
        "cac": {"vacancies": 2, "excluded_regions": ["North East & North Cumbria", "West Midlands"]}
    })
}

/// Shallow-merges `changes` into `target`.
pub fn merge(target: &mut Value, changes: Value) {
    if let (Some(t), Value::Object(c)) = (target.as_object_mut(), changes) {
        for (k, v) in c {
            t.insert(k, v);
        }
    }
}

/// The text of a PDF as `pdftotext -layout` (Debian's poppler-utils) lays
/// it out, as printed.
pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}

impl TestApp {
    /// A server started on a database as an earlier version left it: every
    /// migration before the one whose name ends with `before`, then the
    /// `legacy` SQL (rows that version wrote); the server applies the rest
    /// at start-up, as an upgrade does.
    pub async fn spawn_upgraded(backend: Backend, before: &'static str, legacy: String) -> TestApp {
        use diesel::connection::SimpleConnection;
        use diesel_migrations::MigrationHarness;

        fn upgrade_to_before<
            C: MigrationHarness<B> + SimpleConnection,
            B: diesel::backend::Backend,
        >(
            c: &mut C,
            migrations: fn() -> diesel_migrations::EmbeddedMigrations,
            before: &str,
            legacy: &str,
        ) {
            while !c.pending_migrations(migrations()).unwrap()[0]
                .name()
                .to_string()
                .ends_with(before)
            {
                c.run_next_migration(migrations()).unwrap();
            }
            c.batch_execute(legacy).unwrap();
        }
        TestApp::spawn_with(backend, move |s| {
            match s.database_url.strip_prefix("sqlite://") {
                Some(path) => upgrade_to_before(
                    &mut <diesel::SqliteConnection as diesel::Connection>::establish(path).unwrap(),
                    || plenary::db::SQLITE_MIGRATIONS,
                    before,
                    &legacy,
                ),
                None => upgrade_to_before(
                    &mut <diesel::PgConnection as diesel::Connection>::establish(&s.database_url)
                        .unwrap(),
                    || plenary::db::POSTGRES_MIGRATIONS,
                    before,
                    &legacy,
                ),
            }
        })
        .await
    }
}
