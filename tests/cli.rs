//! The `plenary` binary: migrate, create-staff, demo, and refusing bad
//! settings.

use std::process::Command;

fn plenary(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plenary"));
    c.current_dir(dir).env_remove("PLENARY_CONFIG").env(
        "DATABASE_URL",
        format!("sqlite://{}", dir.join("cli.db").display()),
    );
    c
}

#[test]
fn migrate_and_create_staff() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let create = |email: &str, password: &str| {
        plenary(dir.path())
            .args(["create-staff", "--email", email, "--password", password])
            .output()
            .unwrap()
    };
    let out = create("chair@party.example", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));

    let out = create("chair@party.example", "a long enough password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(String::from_utf8_lossy(&out.stdout).contains("(admin)"));

    let out = create("Chair@Party.Example", "a long enough password");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn create_staff_takes_roles() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, roles: &[&str]| {
        let mut c = plenary(dir.path());
        c.args([
            "create-staff",
            "--email",
            email,
            "--password",
            "a long enough password",
        ]);
        for r in roles {
            c.args(["--role", r]);
        }
        c.output().unwrap()
    };
    let out = create(
        "desk@party.example",
        &["credentials", "finance", "credentials"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(finance,credentials)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = create("root@party.example", &["root"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("admin, conference, finance, credentials, data_protection"),
        "{said}"
    );

    // The demonstration data needs someone who may set up a conference.
    let out = plenary(dir.path())
        .args(["demo", "--staff", "desk@party.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("with the conference role"));
}

#[test]
fn demo_sets_up_a_conference_a_party_and_its_secretary() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path())
        .args(["demo", "--staff", "chair@party.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no staff account"));

    let out = plenary(dir.path())
        .args([
            "create-staff",
            "--email",
            "chair@party.example",
            "--password",
            "a long enough password",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = plenary(dir.path())
        .args(["demo", "--staff", "Chair@Party.Example"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let next_year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        + 1;
    assert!(
        said.contains(&format!("Annual Conference {next_year}")),
        "{said}"
    );
    assert!(said.contains("secretary@cardiff.example"), "{said}");
    assert!(said.contains("\"another long one\""), "{said}");
    assert!(said.contains("http://127.0.0.1:8080"), "{said}");
    // A second run finds the conference already there.
    let out = plenary(dir.path())
        .args(["demo", "--staff", "chair@party.example"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_EMAIL_RETRY_SECS", "soon")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("email_retry_secs"), "{err}");

    let out = plenary(dir.path())
        .env("DATABASE_URL", "mysql://localhost/plenary")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    let out = plenary(dir.path())
        .env("PLENARY_METRICS_TOKEN", "short")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("metrics_token") && !err.contains("short"),
        "{err}"
    );

    let out = plenary(dir.path())
        .env("PLENARY_CHECKIN_SECRET", "too-short-a-secret")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("checkin_secret") && !err.contains("too-short-a-secret"),
        "{err}"
    );

    let out = plenary(dir.path())
        .env(
            "PLENARY_TRUSTED_PROXIES",
            "[\"10.0.0.0/8\", \"proxy.internal\"]",
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("trusted_proxies") && err.contains("proxy.internal"),
        "{err}"
    );
    let out = plenary(dir.path())
        .env("PLENARY_TRUSTED_PROXIES", "[\"10.0.0.0/8\", \"::1\"]")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let cfg = dir.path().join("plenary.toml");
    std::fs::write(&cfg, "listen = \"not an address\"\n").unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_CONFIG", &cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));
}

/// Kills the server when the test ends, passed or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn healthz(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serves_beside_kubernetes_and_docker_link_variables() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Running(
        plenary(dir.path())
            .env("PLENARY_LISTEN", format!("127.0.0.1:{port}"))
            // What Kubernetes sets for a Service named `plenary`…
            .env("PLENARY_SERVICE_HOST", "10.0.0.11")
            .env("PLENARY_SERVICE_PORT", "8080")
            .env("PLENARY_SERVICE_PORT_HTTP", "8080")
            .env("PLENARY_PORT", "tcp://10.0.0.11:8080")
            .env("PLENARY_PORT_8080_TCP", "tcp://10.0.0.11:8080")
            .env("PLENARY_PORT_8080_TCP_PROTO", "tcp")
            .env("PLENARY_PORT_8080_TCP_PORT", "8080")
            .env("PLENARY_PORT_8080_TCP_ADDR", "10.0.0.11")
            // …for one named `plenary-db`, and unrelated names.
            .env("PLENARY_DB_SERVICE_HOST", "10.0.0.12")
            .env("PLENARY_DB_PORT_5432_TCP_ADDR", "10.0.0.12")
            .env("PLENARY_VERSION", "1.2.3")
            .arg("serve")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let response = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("plenary exited ({status}): {err}");
        }
        if let Some(response) = healthz(port) {
            break response;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "plenary did not answer on port {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#"{"status":"ok"}"#), "{response}");
}

#[test]
fn a_misspelt_variable_names_the_one_meant() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_LISTN", "127.0.0.1:0")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("`PLENARY_LISTN`: did you mean `PLENARY_LISTEN`?"),
        "{err}"
    );
    assert!(!dir.path().join("cli.db").exists(), "migrated anyway");
}

#[test]
fn an_unknown_key_in_the_configuration_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("plenary.toml");
    std::fs::write(&cfg, "listn = \"127.0.0.1:0\"\n").unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_CONFIG", &cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("key `listn`: unknown field"), "{err}");
    assert!(!dir.path().join("cli.db").exists(), "migrated anyway");
}

#[test]
fn retention_dry_run_counts_and_a_run_clears() {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let mut conn =
        SqliteConnection::establish(dir.path().join("cli.db").to_str().unwrap()).unwrap();
    diesel::sql_query(
        "INSERT INTO login_throttle (key_hash, failures, last_failure_at) \
         VALUES ('a', 1, '2020-01-01 00:00:00'), ('b', 2, '2020-01-01 00:00:00')",
    )
    .execute(&mut conn)
    .unwrap();
    let retention = |args: &[&str]| {
        let out = plenary(dir.path())
            .arg("retention")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let dry = retention(&["--dry-run"]);
    assert!(dry.contains("login_throttle: would clear 2\n"), "{dry}");
    assert!(
        dry.contains("idempotency_records: would clear 0\n"),
        "{dry}"
    );
    assert_eq!(dry.lines().count(), 8, "{dry}");
    assert!(retention(&[]).contains("login_throttle: cleared 2\n"));
    assert!(retention(&["--dry-run"]).contains("login_throttle: would clear 0\n"));
}

#[test]
fn subject_access_writes_the_file_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = plenary(dir.path()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&[
        "create-staff",
        "--email",
        "chair@party.example",
        "--password",
        "a long enough password",
    ]);
    run(&["demo", "--staff", "chair@party.example"]);
    let out = run(&[
        "subject-access",
        "--email",
        "Secretary@Cardiff.example",
        "--staff",
        "chair@party.example",
    ]);
    let file: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(file["email"], "Secretary@cardiff.example");
    assert_eq!(file["accounts"][0]["email"], "secretary@cardiff.example");
    assert_eq!(file["accounts"][0]["name"], "Cardiff secretary");
    assert_eq!(
        file["organisation_contacts"][0]["organisation"],
        "Cardiff Co-operative Party"
    );
    assert_eq!(file["delegate_places"], serde_json::json!([]));

    let out = plenary(dir.path())
        .args([
            "subject-access",
            "--email",
            "secretary@cardiff.example",
            "--staff",
            "nobody@party.example",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no staff account"));
}
