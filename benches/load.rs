//! Load generator: starts the release `plenary` binary on a fresh database,
//! drives it over HTTP with N concurrent clients and prints a table of
//! throughput, latency percentiles and the server's memory.
//!
//! ```sh
//! cargo bench --bench load                          # SQLite, 1/8/32 clients
//! BENCH_POSTGRES_URL=postgres://plenary:plenary@127.0.0.1:5432/plenary \
//!   cargo bench --bench load -- --backend both --seed 100000
//! ```
//!
//! Options: `--backend sqlite|postgres|both`, `--clients 1,8,32`,
//! `--seconds 10`, `--seed N` (registrations made before measuring, to show
//! the cost does not grow with the number already taken),
//! `--scenario quotes,registrations,exports` (exports time one CSV and one
//! XLSX download of every delegate; the p50 column is that download's time).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Options {
    backends: Vec<String>,
    clients: Vec<usize>,
    seconds: u64,
    seed: usize,
    scenarios: Vec<String>,
}

fn options() -> Options {
    let mut o = Options {
        backends: vec!["sqlite".into()],
        clients: vec![1, 8, 32],
        seconds: 10,
        seed: 0,
        scenarios: vec!["quotes".into(), "registrations".into()],
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
            "--scenario" => o.scenarios = value.split(',').map(str::to_owned).collect(),
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
    _dir: tempfile::TempDir,
    drop_db: Option<(String, String)>,
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
    let bin = env!("CARGO_BIN_EXE_plenary");
    let port = free_port();
    let env = |c: &mut Command| {
        c.env("DATABASE_URL", &url)
            .env("PLENARY_LISTEN", format!("127.0.0.1:{port}"))
            .env("PLENARY_MAIL_DIR", dir.path().join("mail"))
            .env("PLENARY_POOL_SIZE", "16")
            .env("RUST_LOG", "warn")
            .env_remove("PLENARY_CONFIG");
    };
    let mut create = Command::new(bin);
    env(&mut create);
    let out = create
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
    let mut serve = Command::new(bin);
    env(&mut serve);
    let child = serve.arg("serve").stdout(Stdio::null()).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/readyz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server {
        child,
        base,
        _dir: dir,
        drop_db,
    }
}

struct Setup {
    token: String,
    conference: String,
    organisations: Vec<String>,
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
    let conference: Value = client
        .post(format!("{base}/api/v1/conferences"))
        .bearer_auth(&token)
        .json(&json!({
            "slug": "bench", "name": "Benchmark Conference", "venue": "Loopback",
            "timezone": "Europe/London", "starts_on": "2099-09-09", "ends_on": "2099-09-11",
            "currency": "GBP",
            "deadlines": {"registration": "2099-08-22", "motions": "2099-04-04", "amendments": "2099-08-01",
                          "policy_submissions": "2099-08-01", "cac_nominations": "2099-08-01", "award_nominations": "2099-08-01"},
            "price_tiers": [
                {"code": "early", "name": "Early bird", "until": "2099-06-30", "pass_fee": "90.00", "dinner_fee": "45.00"},
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
    Setup {
        token,
        conference: conference["id"].as_str().unwrap().to_owned(),
        organisations,
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
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, setup, counter) = (client.clone(), setup.clone(), counter.clone());
        let (base, scenario) = (base.to_owned(), scenario.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
            let quote = format!("{base}/api/v1/conferences/{}/quote?dinner=true", setup.conference);
            let register = format!("{base}/api/v1/conferences/{}/registrations", setup.conference);
            loop {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if total.is_some_and(|t| n >= t) || (total.is_none() && started.elapsed() >= duration) {
                    break;
                }
                let t = Instant::now();
                let res = if scenario == "quotes" {
                    client.get(&quote).send().await
                } else {
                    let org = &setup.organisations[(c + n) % setup.organisations.len()];
                    client
                        .post(&register)
                        .bearer_auth(&setup.token)
                        .json(&json!({"organisation_id": org, "payment_method": "invoice",
                            "delegates": [{"name": format!("Delegate {n}"), "email": format!("d{n}@bench.example"),
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

#[tokio::main]
async fn main() {
    let o = options();
    println!(
        "| backend | scenario | clients | seeded | requests | failed | req/s | p50 ms | p99 ms | server RSS MiB | peak RSS MiB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for backend in &o.backends {
        let server = start(backend).await;
        let client = reqwest::Client::new();
        let setup = Arc::new(setup(&client, &server.base).await);
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
        for scenario in &o.scenarios {
            if scenario == "exports" {
                for format in ["csv", "xlsx"] {
                    let url = format!(
                        "{}/api/v1/conferences/{}/delegates.{format}",
                        server.base, setup.conference
                    );
                    let t = Instant::now();
                    let res = client
                        .get(&url)
                        .bearer_auth(&setup.token)
                        .send()
                        .await
                        .unwrap();
                    let ok = res.status().is_success();
                    let bytes = res.bytes().await.map(|b| b.len()).unwrap_or(0);
                    let secs = t.elapsed().as_secs_f64();
                    let (rss, peak) = server.rss_kib();
                    println!(
                        "| {backend} | export {format} ({:.1} MiB) | 1 | {} | {} | {} | - | {:.0} | - | {:.1} | {:.1} |",
                        bytes as f64 / 1048576.0,
                        o.seed,
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
                println!(
                    "| {backend} | {scenario} | {clients} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} |",
                    o.seed,
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
