//! Load generator: starts the release `plenary` binary on a fresh database,
//! drives it over HTTP with N concurrent clients and prints a table of
//! throughput, latency percentiles and the server's memory.
//!
//! ```sh
//! cargo bench --bench load                          # SQLite, 1/8/32 clients
//! BENCH_POSTGRES_URL=postgres://plenary:plenary@127.0.0.1:5432/plenary \
//!   cargo bench --bench load -- --backend both --seed 100000
//! BENCH_POSTGRES_URL=postgres://plenary:plenary@127.0.0.1:5432/plenary \
//!   cargo bench --bench load -- --backend both --bulk 100000 --scenario exports
//! cargo bench --bench load -- --bulk 1000 --scenario badges   # 1,000 badges as one PDF
//! ```
//!
//! `BENCH_SERVER_BIN=path` runs that server binary instead of this build's.
//!
//! Options: `--backend sqlite|postgres|both`, `--clients 1,8,32`,
//! `--seconds 10`, `--payment invoice|cheque|online` (how the
//! registrations pay; invoice, the default, also issues an invoice whose
//! PDF the email sender renders), `--seed N` (registrations made through the API before
//! measuring, to show the cost does not grow with the number already
//! taken), `--bulk N` (N one-delegate registrations inserted straight into
//! the database after `--seed`, without emails; see [`bulk_seed`]; the
//! `seeded` column counts both), `--scenario
//! quotes,registrations,pages,exports` (pages: a signed-in organisation
//! user's portal home page and bookings list, in turn; exports restart the server on the seeded database, then time one CSV
//! and one XLSX download of every delegate: the p50 column is that
//! download's time, the peak RSS column the server's peak during that
//! download alone, and for any scenario after it, the peak since; badges
//! does the same for one badges PDF of every delegate).
//!
//! Two more scenarios run on their own:
//!
//! - `--scenario soak --soak 100000`: that many single-delegate
//!   registrations at full speed with the largest `--clients` count,
//!   printing for each 10,000 the rate, latency, WAL and database file
//!   sizes and the outbox backlog, then the same while the outbox drains
//!   (for at most `--drain-secs`, default 900), the server's WAL
//!   checkpoints (from its debug log) and the latency of the registrations
//!   that overlapped one. `--reader-during N` holds a read transaction on
//!   the database from N registrations for `--reader-secs` (10), as a CSV
//!   export streaming to a slow client holds its snapshot, to show what a
//!   long reader does to the WAL.
//! - `--scenario emails --emails 20000`: that many emails (a confirmation
//!   and a summary per registration) written into the outbox while the
//!   server is stopped, then the server restarted and timed until the
//!   outbox is empty, once writing `.eml` files and once to a local SMTP
//!   server (`tests/common/smtp.rs`) in the bench process.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "../tests/common/smtp.rs"]
mod smtp;

struct Options {
    backends: Vec<String>,
    clients: Vec<usize>,
    seconds: u64,
    seed: usize,
    bulk: usize,
    scenarios: Vec<String>,
    soak: usize,
    drain_secs: u64,
    reader_during: Option<usize>,
    reader_secs: u64,
    emails: usize,
    payment: String,
}

fn options() -> Options {
    let mut o = Options {
        backends: vec!["sqlite".into()],
        clients: vec![1, 8, 32],
        seconds: 10,
        seed: 0,
        bulk: 0,
        scenarios: vec!["quotes".into(), "registrations".into()],
        soak: 100_000,
        drain_secs: 900,
        reader_during: None,
        reader_secs: 10,
        emails: 20_000,
        payment: "invoice".into(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--backend" => {
                o.backends = match value.as_str() {
                    "both" => vec!["sqlite".into(), "postgres".into()],
                    v => vec![v.to_owned()],
                }
            }
            "--clients" => {
                o.clients = value
                    .split(',')
                    .map(|c| c.parse().expect("--clients"))
                    .collect()
            }
            "--seconds" => o.seconds = value.parse().expect("--seconds"),
            "--seed" => o.seed = value.parse().expect("--seed"),
            "--bulk" => o.bulk = value.parse().expect("--bulk"),
            "--scenario" => o.scenarios = value.split(',').map(str::to_owned).collect(),
            "--soak" => o.soak = value.parse().expect("--soak"),
            "--drain-secs" => o.drain_secs = value.parse().expect("--drain-secs"),
            "--reader-during" => o.reader_during = Some(value.parse().expect("--reader-during")),
            "--reader-secs" => o.reader_secs = value.parse().expect("--reader-secs"),
            "--emails" => o.emails = value.parse().expect("--emails"),
            "--payment" => o.payment = value,
            // `cargo bench` passes `--bench`; ignore what is not ours.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

struct Server {
    child: Child,
    base: String,
    url: String,
    port: u16,
    dir: tempfile::TempDir,
    drop_db: Option<(String, String)>,
    /// Extra environment of the next (re)start, e.g. `PLENARY_SMTP_URL`.
    env: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin, name)) = &self.drop_db {
            let _ = Command::new("psql")
                .args([
                    admin.as_str(),
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .status();
        }
    }
}

impl Server {
    /// A fresh server process on the same database, so that its memory
    /// shows only what comes after.
    async fn restart(&mut self) {
        self.stop();
        self.spawn();
        wait_ready(&self.base).await;
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server process again, without waiting for it to be ready.
    fn spawn(&mut self) {
        self.child = serve(&self.url, self.port, self.dir.path(), &self.env);
    }

    fn log_path(&self) -> std::path::PathBuf {
        self.dir.path().join("server.log")
    }

    fn db_path(&self) -> Option<std::path::PathBuf> {
        self.url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
    }

    /// Sizes of the SQLite database file and its write-ahead log, in bytes.
    fn file_sizes(&self) -> Option<(u64, u64)> {
        let db = self.db_path()?;
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
        Some((size(&db), size(&wal)))
    }

    /// Starts the peak RSS (`VmHWM`) again from the current RSS.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")
            .expect("reset the server's peak RSS");
    }

    fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(backend: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (url, drop_db) = match backend {
        "sqlite" => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
        _ => {
            let admin = std::env::var("BENCH_POSTGRES_URL")
                .or_else(|_| std::env::var("TEST_DATABASE_URL"))
                .expect("set BENCH_POSTGRES_URL to a PostgreSQL URL for --backend postgres");
            let name = format!("plenary_bench_{}", uuid::Uuid::new_v4().simple());
            let ok = Command::new("psql")
                .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
                .status()
                .expect("psql");
            assert!(ok.success(), "could not create the bench database");
            let base = &admin[..admin.rfind('/').unwrap()];
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
    };
    let port = free_port();
    let out = command(&url, port, dir.path())
        .args([
            "create-staff",
            "--email",
            "bench@party.example",
            "--password",
            "benchmark password",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child = serve(&url, port, dir.path(), &[]);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    Server {
        child,
        base,
        url,
        port,
        dir,
        drop_db,
        env: Vec::new(),
    }
}

/// `plenary serve` for a bench server, with `env` added, its log (warnings,
/// and the database layer's debug lines: WAL checkpoints) in
/// `server.log` in its folder.
fn serve(url: &str, port: u16, dir: &std::path::Path, env: &[(String, String)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    command(url, port, dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "warn,plenary::db=debug")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// `plenary` with a bench server's database, address and mail folder.
fn command(url: &str, port: u16, dir: &std::path::Path) -> Command {
    // BENCH_SERVER_BIN runs another build (say, the one before a change) under
    // the same load.
    let bin =
        std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_plenary").into());
    let mut c = Command::new(bin);
    c.env("DATABASE_URL", url)
        .env("PLENARY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PLENARY_MAIL_DIR", dir.join("mail"))
        .env("PLENARY_POOL_SIZE", "16")
        .env("RUST_LOG", "warn")
        .env_remove("PLENARY_CONFIG");
    c
}

async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/readyz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready at {base}");
}

struct Setup {
    token: String,
    conference: String,
    organisations: Vec<String>,
    /// The browser session cookie of the first organisation's user.
    cookie: String,
    /// How the generator's registrations pay (`--payment`): `invoice`
    /// issues an invoice, whose PDF the email sender renders.
    payment: String,
}

async fn setup(client: &reqwest::Client, base: &str) -> Setup {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "bench@party.example", "password": "benchmark password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    // Next year: conferences may start at most a few years ahead.
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    let day = |md: &str| format!("{year}-{md}");
    let conference: Value = client
        .post(format!("{base}/api/v1/conferences"))
        .bearer_auth(&token)
        .json(&json!({
            "slug": "bench", "name": "Benchmark Conference", "venue": "Loopback",
            "timezone": "Europe/London", "starts_on": day("09-09"), "ends_on": day("09-11"),
            "currency": "GBP",
            "deadlines": {"registration": day("08-22"), "motions": day("04-04"), "amendments": day("08-01"),
                          "policy_submissions": day("08-01"), "cac_nominations": day("08-01"), "award_nominations": day("08-01")},
            "price_tiers": [
                {"code": "early", "name": "Early bird", "until": day("06-30"), "pass_fee": "90.00", "dinner_fee": "45.00"},
                {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}],
            "cac": {"vacancies": 2, "excluded_regions": []}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut organisations = Vec::new();
    for i in 0..32 {
        let org: Value = client
            .post(format!("{base}/api/v1/organisations"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Bench Party {i}"), "kind": "local_party", "region": "Wales",
                          "contact_email": format!("sec{i}@bench.example")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        organisations.push(org["id"].as_str().unwrap().to_owned());
    }
    // A signed-in browser of the first organisation, for the pages.
    client
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(
            &json!({"email": "secretary@bench.example", "name": "Secretary",
                      "password": "benchmark password", "role": "organisation",
                      "organisation_id": organisations[0]}),
        )
        .send()
        .await
        .unwrap();
    let signed_in = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/login"))
        .form(&[
            ("email", "secretary@bench.example"),
            ("password", "benchmark password"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    Setup {
        token,
        conference: conference["id"].as_str().unwrap().to_owned(),
        organisations,
        cookie,
        payment: "invoice".into(),
    }
}

const FIRST_NAMES: [&str; 16] = [
    "Ada",
    "Aneurin",
    "Bessie",
    "Catherine",
    "Dai",
    "Eleanor",
    "Gwen",
    "Harold",
    "Ioan",
    "Jennie",
    "Keir",
    "Mary",
    "Nye",
    "Olive",
    "Robert",
    "Sian",
];
const SURNAMES: [&str; 16] = [
    "Bevan",
    "Braddock",
    "Davies",
    "Evans",
    "Hardie",
    "Jones",
    "Lee",
    "Lovelace",
    "Morgan",
    "Owen",
    "Pankhurst",
    "Price",
    "Roberts",
    "Thomas",
    "Williams",
    "Wilkinson",
];

/// Inserts `n` registrations of one active delegate each straight into
/// the bench database, in one transaction: the early-bird rate, spread
/// over the 32 organisations, a third paid (with a payment row), half
/// dining, some with dietary and access requirements, and the conference's
/// place counters moved to match. Rows have the shape the API writes for
/// `--seed` (v7 UUIDs, booking references, UTC timestamps) but no emails are
/// queued: through the API, 100,000 registrations take minutes and leave
/// 200,000 emails for the server's sender to work through while the export
/// is timed, which a real conference's outbox would long have sent.
fn bulk_seed(url: &str, setup: &Setup, n: usize) {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use plenary::db::schema::users;

    let target = plenary::db::DatabaseTarget::parse(url).unwrap();
    let mut conn = plenary::db::Manager::new(target).establish().unwrap();
    if let plenary::db::DbConnection::Sqlite(c) = &mut conn {
        c.batch_execute("PRAGMA busy_timeout = 10000").unwrap();
    }
    let staff: String = users::table
        .filter(users::email.eq("bench@party.example"))
        .select(users::id)
        .first(&mut conn)
        .unwrap();
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    let base = chrono::NaiveDate::from_ymd_opt(year, 5, 1)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let conference = &setup.conference;
    let (mut registrations, mut delegates, mut payments) = (Vec::new(), Vec::new(), Vec::new());
    let mut dinners = 0;
    for i in 0..n {
        let registration = uuid::Uuid::now_v7().to_string();
        let at = (base + chrono::Duration::seconds(i as i64)).format("%Y-%m-%d %H:%M:%S");
        let dinner = i % 2 == 0;
        let fee = if dinner { 13500 } else { 9000 };
        dinners += usize::from(dinner);
        let paid = if i % 3 == 0 { fee } else { 0 };
        registrations.push(format!(
            "('{registration}', '{conference}', '{}', 'PL-{:04}-{:04}', 'invoice', 'early', 'GBP', {fee}, {paid}, '{staff}', '{at}', '{at}')",
            setup.organisations[i % setup.organisations.len()],
            i / 10_000,
            i % 10_000,
        ));
        delegates.push(format!(
            "('{}', '{registration}', '{conference}', 0, '{} {}', 'd{i}@bulk.example', 'd{i}@bulk.example', {dinner}, '{}', '{}', 9000, {}, {fee}, 'active', NULL, '{at}', '{at}')",
            uuid::Uuid::now_v7(),
            FIRST_NAMES[i % FIRST_NAMES.len()],
            SURNAMES[(i / FIRST_NAMES.len()) % SURNAMES.len()],
            ["", "", "vegetarian", "", "vegan", "", "halal"][i % 7],
            if i % 20 == 0 { "wheelchair" } else { "" },
            fee - 9000,
        ));
        if paid > 0 {
            payments.push(format!(
                "('{}', '{registration}', {paid}, 'invoice', 'bulk {i}', '{staff}', '{at}')",
                uuid::Uuid::now_v7()
            ));
        }
    }
    let insert = |conn: &mut plenary::db::DbConnection, head: &str, rows: &[String]| {
        for batch in rows.chunks(500) {
            conn.batch_execute(&format!("{head} VALUES {}", batch.join(", ")))?;
        }
        Ok::<_, diesel::result::Error>(())
    };
    conn.transaction(|c| {
        insert(c, "INSERT INTO registrations (id, conference_id, organisation_id, reference, payment_method, tier_code, currency, total_minor, amount_paid_minor, created_by, created_at, updated_at)", &registrations)?;
        insert(c, "INSERT INTO delegates (id, registration_id, conference_id, position, name, email, email_key, dinner, dietary_requirements, access_requirements, pass_fee_minor, dinner_fee_minor, fee_minor, status, cancelled_at, created_at, updated_at)", &delegates)?;
        insert(c, "INSERT INTO payments (id, registration_id, amount_minor, method, reference, recorded_by, created_at)", &payments)?;
        c.batch_execute(&format!(
            "UPDATE conferences SET places_taken = places_taken + {n}, dinners_taken = dinners_taken + {dinners} WHERE id = '{conference}'"
        ))
    })
    .unwrap();
    // PostgreSQL's autovacuum analyses tables this size soon after a load
    // like this; analyse now so that the timing does not depend on whether
    // it has yet. SQLite keeps no statistics unless asked, and Plenary
    // never asks.
    if let plenary::db::DbConnection::Postgres(c) = &mut conn {
        c.batch_execute("ANALYZE registrations, delegates, payments")
            .unwrap();
    }
}

struct Outcome {
    ok: usize,
    failed: usize,
    latencies_us: Vec<u64>,
    elapsed: Duration,
}

/// Runs `clients` loops for `duration` (or until `total` requests are done).
async fn drive(
    base: &str,
    setup: &Arc<Setup>,
    scenario: &str,
    clients: usize,
    duration: Duration,
    total: Option<usize>,
) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let started = Instant::now();
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Each run's people are new: the same address twice at one conference
    // is refused (one person, one place).
    let run: Arc<str> = uuid::Uuid::new_v4().simple().to_string()[..8].into();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, setup, counter) = (client.clone(), setup.clone(), counter.clone());
        let run = run.clone();
        let (base, scenario) = (base.to_owned(), scenario.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
            let quote = format!("{base}/api/v1/conferences/{}/quote?dinner=true", setup.conference);
            let register = format!("{base}/api/v1/conferences/{}/registrations", setup.conference);
            let (home, bookings) = (format!("{base}/portal"), format!("{base}/portal/bookings"));
            loop {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if total.is_some_and(|t| n >= t) || (total.is_none() && started.elapsed() >= duration) {
                    break;
                }
                let t = Instant::now();
                let res = if scenario == "quotes" {
                    client.get(&quote).send().await
                } else if scenario == "pages" {
                    // The home page and the bookings list, in turn.
                    let page = if n % 2 == 0 { &home } else { &bookings };
                    client.get(page).header("cookie", &setup.cookie).send().await
                } else {
                    let org = &setup.organisations[(c + n) % setup.organisations.len()];
                    client
                        .post(&register)
                        .bearer_auth(&setup.token)
                        .json(&json!({"organisation_id": org, "payment_method": setup.payment,
                            "delegates": [{"name": format!("Delegate {n}"), "email": format!("d{run}-{n}@bench.example"),
                                           "dinner": n % 2 == 0, "dietary_requirements": "", "access_requirements": ""}]}))
                        .send()
                        .await
                };
                let good = match res {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                lat.push(t.elapsed().as_micros() as u64);
                if good {
                    ok += 1
                } else {
                    failed += 1
                }
            }
            (ok, failed, lat)
        }));
    }
    let mut out = Outcome {
        ok: 0,
        failed: 0,
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (ok, failed, lat) = t.await.unwrap();
        out.ok += ok;
        out.failed += failed;
        out.latencies_us.extend(lat);
    }
    out.elapsed = started.elapsed();
    out.latencies_us.sort_unstable();
    out
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Seconds from the end of a round until the outbox holds nothing
/// unsettled (the emails the round queued all written), or how many were
/// left after two minutes.
fn drain_secs(url: &str) -> String {
    let mut conn = open_db(url);
    let t = Instant::now();
    loop {
        let left = backlog(&mut conn);
        if left == 0 {
            return format!("{:.1}", t.elapsed().as_secs_f64());
        }
        if t.elapsed() > Duration::from_secs(120) {
            return format!("{left} left after 120");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Emails not yet settled (pending or being sent), read straight from the
/// database.
fn backlog(conn: &mut plenary::db::DbConnection) -> i64 {
    use diesel::prelude::*;
    use plenary::email::schema::outbox;
    outbox::table
        .filter(outbox::status.eq_any(["pending", "sending"]))
        .count()
        .get_result(conn)
        .unwrap_or(-1)
}

fn open_db(url: &str) -> plenary::db::DbConnection {
    use diesel::connection::SimpleConnection;
    let target = plenary::db::DatabaseTarget::parse(url).unwrap();
    let mut conn = plenary::db::Manager::new(target).establish().unwrap();
    if let plenary::db::DbConnection::Sqlite(c) = &mut conn {
        c.batch_execute("PRAGMA busy_timeout = 10000").unwrap();
    }
    conn
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// One WAL checkpoint the server logged: when it ended and how long it
/// took.
struct Checkpoint {
    end_us: i64,
    duration_us: i64,
    mode: String,
    busy: bool,
}

/// The checkpoints in the server's debug log (`plenary::db` lines with a
/// `duration_us` field).
fn checkpoints(log: &std::path::Path) -> Vec<Checkpoint> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains("plenary::db") && l.contains("duration_us="))
        .filter_map(|l| {
            let stamp = l.split_whitespace().next()?;
            let end = chrono::DateTime::parse_from_rfc3339(stamp).ok()?;
            let field = |name: &str| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{name}=")))
                    .map(|v| v.trim_matches('"').to_owned())
            };
            Some(Checkpoint {
                end_us: end.timestamp_micros(),
                duration_us: field("duration_us")?.parse().ok()?,
                mode: field("mode").unwrap_or_default(),
                busy: field("busy").is_some_and(|b| b == "true"),
            })
        })
        .collect()
}

fn epoch_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Holds a read transaction on the database for `secs` seconds, as a CSV
/// export streaming to a slow client holds its snapshot.
async fn hold_reader(url: String, secs: u64) {
    use diesel::connection::SimpleConnection;
    let t = Instant::now();
    tokio::task::spawn_blocking(move || {
        let mut conn = open_db(&url);
        conn.batch_execute("BEGIN; SELECT count(*) FROM delegates;")
            .unwrap();
        std::thread::sleep(Duration::from_secs(secs));
        conn.batch_execute("COMMIT").unwrap();
    })
    .await
    .unwrap();
    eprintln!(
        "held a read transaction for {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// One request of the soak: when it started (µs since the epoch) and how
/// long it took (µs).
type Timing = (i64, u64);

/// `--scenario soak`: see the module documentation.
async fn soak(server: &Server, setup: &Arc<Setup>, o: &Options) {
    const BLOCK: usize = 10_000;
    let n = o.soak;
    let clients = o.clients.iter().copied().max().unwrap_or(32);
    let blocks = n.div_ceil(BLOCK);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let timings: Arc<Vec<std::sync::Mutex<Vec<Timing>>>> =
        Arc::new((0..blocks).map(|_| Default::default()).collect());
    let block_ends: Arc<std::sync::Mutex<Vec<(usize, Instant)>>> = Default::default();
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, setup, next, done) =
            (client.clone(), setup.clone(), next.clone(), done.clone());
        let (timings, block_ends, failed) = (timings.clone(), block_ends.clone(), failed.clone());
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let register = format!("{base}/api/v1/conferences/{}/registrations", setup.conference);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let org = &setup.organisations[(c + i) % setup.organisations.len()];
                let (at, t) = (epoch_us(), Instant::now());
                let res = client
                    .post(&register)
                    .bearer_auth(&setup.token)
                    .json(&json!({"organisation_id": org, "payment_method": "invoice",
                        "delegates": [{"name": format!("Delegate {i}"), "email": format!("s{i}@soak.example"),
                                       "dinner": i % 2 == 0, "dietary_requirements": "", "access_requirements": ""}]}))
                    .send()
                    .await;
                let good = match res {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if !good {
                    failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                timings[i / BLOCK]
                    .lock()
                    .unwrap()
                    .push((at, t.elapsed().as_micros() as u64));
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if finished % BLOCK == 0 || finished == n {
                    block_ends.lock().unwrap().push((finished, Instant::now()));
                }
            }
        }));
    }
    if let Some(at) = o.reader_during {
        let (done, url, secs) = (done.clone(), server.url.clone(), o.reader_secs);
        tasks.push(tokio::spawn(async move {
            while done.load(std::sync::atomic::Ordering::Relaxed) < at {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            eprintln!("holding a read transaction from {at} registrations");
            hold_reader(url, secs).await;
        }));
    }

    println!();
    println!(
        "soak: {n} single-delegate registrations, {clients} clients, {}",
        server.url.split("://").next().unwrap()
    );
    println!();
    println!("| registrations | elapsed s | reg/s in block | p50 ms | p99 ms | WAL MiB | peak WAL MiB | DB MiB | outbox backlog |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut conn = open_db(&server.url);
    let mut peak_wal = 0u64;
    let (mut printed, mut last_end) = (0usize, Duration::ZERO);
    let mut rates = Vec::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (db, wal) = server.file_sizes().unwrap_or((0, 0));
        peak_wal = peak_wal.max(wal);
        let ends: Vec<(usize, Instant)> = block_ends.lock().unwrap().clone();
        let mut ends: Vec<_> = ends.into_iter().filter(|(k, _)| *k > printed).collect();
        ends.sort_by_key(|(k, _)| *k);
        for (k, at) in ends {
            let elapsed = at - started;
            let count = k - printed;
            let rate = count as f64 / (elapsed - last_end).as_secs_f64();
            rates.push(rate);
            let mut lat: Vec<u64> = timings[(k - 1) / BLOCK]
                .lock()
                .unwrap()
                .iter()
                .map(|t| t.1)
                .collect();
            lat.sort_unstable();
            println!(
                "| {k} | {:.1} | {rate:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} | {} |",
                elapsed.as_secs_f64(),
                percentile(&lat, 0.50),
                percentile(&lat, 0.99),
                mib(wal),
                mib(peak_wal),
                mib(db),
                backlog(&mut conn)
            );
            printed = k;
            last_end = elapsed;
        }
        if printed >= n {
            break;
        }
    }
    let load_end = Instant::now();
    let load_secs = (load_end - started).as_secs_f64();
    for t in tasks {
        t.await.unwrap();
    }
    println!();
    println!(
        "load: {n} registrations ({} failed) in {load_secs:.1} s, {:.0}/s; last 10,000 at {:.0}/s against {:.0}/s for the first",
        failed.load(std::sync::atomic::Ordering::Relaxed),
        n as f64 / load_secs,
        rates.last().copied().unwrap_or(0.0),
        rates.first().copied().unwrap_or(0.0),
    );
    println!();
    println!("| after the load s | WAL MiB | DB MiB | outbox backlog |");
    println!("| --- | --- | --- | --- |");
    let mut next_print = 0.0;
    let mut emptied = None;
    loop {
        let since = load_end.elapsed().as_secs_f64();
        let left = backlog(&mut conn);
        let (db, wal) = server.file_sizes().unwrap_or((0, 0));
        peak_wal = peak_wal.max(wal);
        if left == 0 && emptied.is_none() {
            emptied = Some(since);
            println!(
                "| {since:.1} (outbox empty) | {:.1} | {:.1} | 0 |",
                mib(wal),
                mib(db)
            );
        }
        if since >= next_print {
            println!("| {since:.0} | {:.1} | {:.1} | {left} |", mib(wal), mib(db));
            next_print += if next_print < 10.0 { 1.0 } else { 30.0 };
        }
        if (emptied.is_some() && since >= 12.0) || since >= o.drain_secs as f64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (db, wal) = server.file_sizes().unwrap_or((0, 0));
    let sent = std::fs::read_dir(server.dir.path().join("mail"))
        .map(|d| d.count())
        .unwrap_or(0);
    println!();
    println!(
        "outbox empty {}; {sent} .eml files; now WAL {:.1} MiB, DB {:.1} MiB; peak WAL {:.1} MiB",
        emptied.map_or(format!("not within {} s", o.drain_secs), |s| format!(
            "{s:.1} s after the load"
        )),
        mib(wal),
        mib(db),
        mib(peak_wal)
    );

    let cps = checkpoints(&server.log_path());
    let mut durations: Vec<u64> = cps
        .iter()
        .filter(|c| c.mode != "passive")
        .map(|c| c.duration_us as u64)
        .collect();
    durations.sort_unstable();
    let busy = cps.iter().filter(|c| c.mode != "passive" && c.busy).count();
    let mut passive: Vec<u64> = cps
        .iter()
        .filter(|c| c.mode == "passive")
        .map(|c| c.duration_us as u64)
        .collect();
    passive.sort_unstable();
    println!(
        "checkpoints on the writers' queue: {} ({busy} busy), p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; passive: {}, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        durations.len(),
        percentile(&durations, 0.5),
        percentile(&durations, 0.99),
        durations.last().copied().unwrap_or(0) as f64 / 1000.0,
        passive.len(),
        percentile(&passive, 0.5),
        percentile(&passive, 0.99),
        passive.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
    // Registrations whose time in flight overlapped a checkpoint on the
    // writers' queue.
    let windows: Vec<(i64, i64)> = cps
        .iter()
        .filter(|c| c.mode != "passive")
        .map(|c| (c.end_us - c.duration_us, c.end_us))
        .collect();
    let (mut during, mut all) = (Vec::new(), Vec::new());
    for block in timings.iter() {
        for &(at, lat) in block.lock().unwrap().iter() {
            all.push(lat);
            let end = at + lat as i64;
            let i = windows.partition_point(|w| w.1 < at);
            if windows.get(i).is_some_and(|w| w.0 <= end) {
                during.push(lat);
            }
        }
    }
    during.sort_unstable();
    all.sort_unstable();
    println!(
        "registrations overlapping such a checkpoint: {} of {}, p50 {:.2} ms, p99 {:.2} ms (all: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms)",
        during.len(),
        all.len(),
        percentile(&during, 0.5),
        percentile(&during, 0.99),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
}

/// `--scenario emails`: see the module documentation.
async fn emails(server: &mut Server, setup: &Setup, n: usize) {
    use plenary::email::messages::{self, ConferenceInfo, DelegateInfo, RegistrationInfo};
    use plenary::email::outbox;
    use plenary::values::money::Money;

    println!();
    println!("| transport | emails | seconds | emails/s |");
    println!("| --- | --- | --- | --- |");
    let mut sink = smtp::SmtpServer::start().await;
    for transport in ["eml files", "smtp"] {
        server.stop();
        server.env = match transport {
            "smtp" => vec![("PLENARY_SMTP_URL".into(), sink.url())],
            _ => Vec::new(),
        };
        let mut conn = open_db(&server.url);
        let now = chrono::Utc::now().naive_utc();
        let c = ConferenceInfo {
            id: setup.conference.clone(),
            name: "Benchmark Conference".into(),
            venue: "Loopback".into(),
            starts_on: chrono::NaiveDate::from_ymd_opt(2099, 9, 9).unwrap(),
            ends_on: chrono::NaiveDate::from_ymd_opt(2099, 9, 11).unwrap(),
            timezone: "Europe/London".into(),
            programme: Vec::new(),
            privacy_notice: None,
        };
        diesel::Connection::transaction(&mut conn, |conn| {
            for i in 0..n.div_ceil(2) {
                let r = RegistrationInfo {
                    id: uuid::Uuid::now_v7().to_string(),
                    reference: format!("PL-{:04}-{:04}", i / 10_000, i % 10_000),
                    organisation_name: format!("Bench Party {}", i % 32),
                    contact_email: format!("sec{}@bench.example", i % 32),
                    payment_method: "invoice".into(),
                    delegates: vec![DelegateInfo {
                        id: uuid::Uuid::now_v7().to_string(),
                        name: format!("Delegate {i}"),
                        email: format!("e{i}@emails.example"),
                        dinner: i % 2 == 0,
                        dietary_requirements: String::new(),
                        access_requirements: String::new(),
                        fee: Money::from_minor(13500),
                    }],
                    total: Money::from_minor(13500),
                    amount_paid: Money::ZERO,
                    balance: Money::from_minor(13500),
                    currency: "GBP".into(),
                };
                let links = outbox::Links {
                    conference_id: Some(&setup.conference),
                    registration_id: Some(&r.id),
                    submission_id: None,
                };
                let confirmation =
                    messages::registration_confirmation(&c, &r, &r.delegates[0], now.and_utc());
                outbox::enqueue(conn, &confirmation, links, now)?;
                let summary = messages::registration_summary(&c, &r, "The Co-operative Party");
                outbox::enqueue(conn, &summary, links, now)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
        let queued = backlog(&mut conn);
        let t = Instant::now();
        server.spawn();
        while backlog(&mut conn) > 0 && t.elapsed() < Duration::from_secs(600) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "| {transport} | {queued} | {secs:.2} | {:.0} |",
            queued as f64 / secs
        );
    }
    eprintln!("smtp sink received {} messages", sink.messages().len());
    sink.stop().await;
    wait_ready(&server.base).await;
}

#[tokio::main]
async fn main() {
    let o = options();
    println!(
        "| backend | scenario | clients | seeded | requests | failed | req/s | p50 ms | p99 ms | server RSS MiB | peak RSS MiB | outbox drained s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for backend in &o.backends {
        let mut server = start(backend).await;
        let client = reqwest::Client::new();
        let mut made = setup(&client, &server.base).await;
        made.payment.clone_from(&o.payment);
        let setup = Arc::new(made);
        let (idle, _) = server.rss_kib();
        println!(
            "| {backend} | idle | 0 | 0 | 0 | 0 | - | - | - | {:.1} | - |",
            idle as f64 / 1024.0
        );
        if o.seed > 0 {
            let s = drive(
                &server.base,
                &setup,
                "registrations",
                32,
                Duration::MAX,
                Some(o.seed),
            )
            .await;
            eprintln!(
                "{backend}: seeded {} registrations in {:.1} s",
                s.ok,
                s.elapsed.as_secs_f64()
            );
        }
        if o.bulk > 0 {
            let t = Instant::now();
            bulk_seed(&server.url, &setup, o.bulk);
            eprintln!(
                "{backend}: inserted {} delegates in {:.1} s",
                o.bulk,
                t.elapsed().as_secs_f64()
            );
        }
        let seeded = o.seed + o.bulk;
        for scenario in &o.scenarios {
            if scenario == "soak" {
                soak(&server, &setup, &o).await;
                continue;
            }
            if scenario == "emails" {
                emails(&mut server, &setup, o.emails).await;
                continue;
            }
            if scenario == "exports" || scenario == "badges" {
                server.restart().await;
                let (idle, _) = server.rss_kib();
                println!(
                    "| {backend} | idle, restarted | 0 | {seeded} | 0 | 0 | - | - | - | {:.1} | - |",
                    idle as f64 / 1024.0
                );
                let files: &[&str] = if scenario == "exports" {
                    &["delegates.csv", "delegates.xlsx"]
                } else {
                    &["badges.pdf"]
                };
                for file in files {
                    let url = format!(
                        "{}/api/v1/conferences/{}/{file}",
                        server.base, setup.conference
                    );
                    server.reset_peak();
                    let t = Instant::now();
                    let res = client
                        .get(&url)
                        .bearer_auth(&setup.token)
                        .send()
                        .await
                        .unwrap();
                    let ok = res.status().is_success();
                    let body = res.bytes().await.unwrap_or_default();
                    let secs = t.elapsed().as_secs_f64();
                    let (rss, peak) = server.rss_kib();
                    let rows = match *file {
                        "delegates.csv" => format!(
                            "{} rows, ",
                            body.iter()
                                .filter(|&&b| b == b'\n')
                                .count()
                                .saturating_sub(1)
                        ),
                        _ => String::new(),
                    };
                    println!(
                        "| {backend} | {scenario} {file} ({rows}{:.1} MiB) | 1 | {seeded} | {} | {} | - | {:.0} | - | {:.1} | {:.1} |",
                        body.len() as f64 / 1048576.0,
                        usize::from(ok),
                        usize::from(!ok),
                        secs * 1000.0,
                        rss as f64 / 1024.0,
                        peak as f64 / 1024.0,
                    );
                }
                continue;
            }
            for &clients in &o.clients {
                let r = drive(
                    &server.base,
                    &setup,
                    scenario,
                    clients,
                    Duration::from_secs(o.seconds),
                    None,
                )
                .await;
                let (rss, peak) = server.rss_kib();
                let drained = if scenario == "registrations" {
                    drain_secs(&server.url)
                } else {
                    "-".to_owned()
                };
                println!(
                    "| {backend} | {scenario} | {clients} | {seeded} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {drained} |",
                    r.ok,
                    r.failed,
                    r.ok as f64 / r.elapsed.as_secs_f64(),
                    percentile(&r.latencies_us, 0.50),
                    percentile(&r.latencies_us, 0.99),
                    rss as f64 / 1024.0,
                    peak as f64 / 1024.0,
                );
            }
        }
    }
}
