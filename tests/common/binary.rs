//! The real `plenary` binary, started on a database for tests that need a
//! separate process (crash durability, backups): a server killed when
//! dropped, and a small HTTP client for it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The `plenary serve` process, killed when dropped; its log is printed if
/// the test fails.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

pub fn plenary(database_url: &str, mail_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plenary"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PLENARY_") {
            c.env_remove(key);
        }
    }
    c.env("DATABASE_URL", database_url)
        .env("PLENARY_MAIL_DIR", mail_dir)
        .env("RUST_LOG", "warn");
    c
}

/// Makes a staff account with the binary's `create-staff`, as an
/// administrator would before the first start.
pub fn create_staff(database_url: &str, mail_dir: &Path, email: &str, password: &str) {
    let out = plenary(database_url, mail_dir)
        .args(["create-staff", "--email", email, "--password", password])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    pub async fn start(database_url: &str, dir: &Path) -> Server {
        Self::start_with(database_url, dir, &[]).await
    }

    /// Like [`Server::start`], with more environment variables.
    pub async fn start_with(database_url: &str, dir: &Path, env: &[(&str, &str)]) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let log = dir.join("server.log");
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = plenary(database_url, &dir.join("mail"))
            .arg("serve")
            .envs(env.iter().copied())
            .env("PLENARY_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("plenary starts");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_ready().await;
        server
    }

    pub async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(res) = client.get(format!("{}/readyz", self.base)).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("plenary exited with {status} before it was ready");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "plenary was not ready within a minute"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown hook, no draining, no flushing.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            if let Ok(log) = std::fs::read_to_string(&self.log) {
                eprintln!("--- plenary log ---\n{log}");
            }
        }
    }
}

pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: base.to_owned(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> reqwest::Result<(u16, bool, Value)> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let replayed = res.headers().contains_key("idempotent-replayed");
        // A body cut off by the kill is a lost answer, like a refused
        // connection.
        let bytes = res.bytes().await?;
        Ok((
            status,
            replayed,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Value {
        let (status, _, body) = self
            .send(reqwest::Method::POST, path, token, Some(body), None)
            .await
            .unwrap();
        assert!(matches!(status, 200 | 201), "POST {path}: {status} {body}");
        body
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let (status, _, body) = self
            .send(reqwest::Method::GET, path, Some(token), None, None)
            .await
            .unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": password}),
            )
            .await;
        body["token"].as_str().unwrap().to_owned()
    }

    /// The `n`th local party of a test (in Wales, its secretary at
    /// `secretary{n}@org.example`).
    pub async fn local_party(&self, staff: &str, n: usize) -> Value {
        self.post(
            "/api/v1/organisations",
            Some(staff),
            &json!({"name": format!("Local Party {n}"), "kind": "local_party",
                    "region": "Wales", "contact_email": format!("secretary{n}@org.example")}),
        )
        .await
    }

    /// Every item of a list, following `next_cursor`.
    pub async fn all(&self, path: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = match &cursor {
                None => format!("{path}{sep}limit=500"),
                Some(c) => format!("{path}{sep}limit=500&cursor={c}"),
            };
            let body = self.get(&page, token).await;
            items.extend(body["items"].as_array().unwrap().iter().cloned());
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }
}

/// Next year's conference: the binary runs on the system clock, so its
/// registration is open and the early-bird price in force today.
pub fn next_years_conference() -> Value {
    let y = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    json!({
        "slug": format!("annual-{y}"),
        "name": format!("Annual Conference {y}"),
        "venue": "Radisson Blu Hotel Cardiff",
        "timezone": "Europe/London",
        "starts_on": format!("{y}-09-09"),
        "ends_on": format!("{y}-09-11"),
        "currency": "GBP",
        "deadlines": {
            "registration": format!("{y}-08-22"),
            "motions": format!("{y}-04-04"),
            "amendments": format!("{y}-08-01"),
            "policy_submissions": format!("{y}-08-01"),
            "cac_nominations": format!("{y}-08-01"),
            "award_nominations": format!("{y}-08-01")
        },
        "price_tiers": [
            {"code": "early", "name": "Early bird", "until": format!("{y}-06-30"), "pass_fee": "90.00", "dinner_fee": "45.00"},
            {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}
        ],
        "capacity": 100000,
        "dinner_capacity": 100000,
        "motion_word_limit": 300,
        "cac": {"vacancies": 2, "excluded_regions": []}
    })
}
