//! Backups that restore, with the real binary: a backup taken while a
//! burst of registrations is running restores into a fresh database that a
//! server then serves with every registration acknowledged before the
//! backup began; a restore refuses while a server holds the database;
//! `migrate --check` says what would run; JSON logs are one object a line.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::binary::{create_staff, next_years_conference, plenary, Api, Server};
use common::{Backend, TestDb};
use serde_json::{json, Value};

backend_tests!(a_backup_taken_under_load_restores_every_acknowledged_registration);

const STAFF: &str = "chair@party.example";
const PASSWORD: &str = "a long enough passphrase";

fn run(c: &mut std::process::Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}{}",
        c,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn registration(n: usize) -> Value {
    json!({"payment_method": "invoice", "delegates": [
        {"name": format!("Delegate {n}"), "email": format!("d{n}@delegates.example"), "dinner": n.is_multiple_of(2)}
    ]})
}

async fn a_backup_taken_under_load_restores_every_acknowledged_registration(backend: Backend) {
    if matches!(backend, Backend::Postgres(_))
        && std::process::Command::new("pg_dump")
            .arg("--version")
            .output()
            .is_err()
    {
        assert!(
            std::env::var("PLENARY_BACKUP_TESTS").as_deref() != Ok("require"),
            "pg_dump is required"
        );
        eprintln!("pg_dump is not installed: skipping the PostgreSQL restore drill");
        return;
    }
    let (_db, database_url) = TestDb::create(&backend);
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    create_staff(&database_url, &mail, STAFF, PASSWORD);
    let server = Server::start(&database_url, dir.path()).await;
    let api = Api::new(&server.base);
    let staff = api.login(STAFF, PASSWORD).await;
    let conference = api
        .post(
            "/api/v1/conferences",
            Some(&staff),
            &next_years_conference(),
        )
        .await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    let org = api
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Cardiff", "kind": "local_party", "region": "Wales", "contact_email": "sec@cardiff.example"}),
        )
        .await;
    let mut before = Vec::new();
    for n in 0..20 {
        let mut body = registration(n);
        body["organisation_id"] = org["id"].clone();
        let r = api.post(&path, Some(&staff), &body).await;
        before.push(r["id"].as_str().unwrap().to_owned());
    }

    // A burst of registrations goes on while the backup is taken.
    let api = Arc::new(api);
    let stop = Arc::new(AtomicBool::new(false));
    let mut burst = Vec::new();
    for client in 0..4 {
        let (api, path, stop, staff, org_id) = (
            api.clone(),
            path.clone(),
            stop.clone(),
            staff.clone(),
            org["id"].clone(),
        );
        burst.push(tokio::spawn(async move {
            let mut n = 1000 * (client + 1);
            let mut accepted = 0;
            while !stop.load(Ordering::Relaxed) {
                let mut body = registration(n);
                body["organisation_id"] = org_id.clone();
                let (status, _, _) = api
                    .send(
                        reqwest::Method::POST,
                        &path,
                        Some(&staff),
                        Some(&body),
                        None,
                    )
                    .await
                    .unwrap();
                assert_eq!(status, 201);
                accepted += 1;
                n += 1;
            }
            accepted
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copy = dir.path().join("plenary-backup.db");
    let (db_url, mail_dir, copy_path) = (database_url.clone(), mail.clone(), copy.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(plenary(&db_url, &mail_dir).arg("backup").arg(&copy_path))
    })
    .await
    .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("backed up to"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stop.store(true, Ordering::Relaxed);
    let mut during = 0;
    for b in burst {
        during += b.await.unwrap();
    }
    assert!(during > 0, "registrations went on during the backup");
    drop(server);

    // Restore into a fresh database and serve it.
    let (_restored_db, restored_url) = TestDb::create(&backend);
    match &backend {
        Backend::Sqlite => {
            // A backup that is not a database is refused, and so is a
            // restore under a running server.
            let junk = dir.path().join("junk.db");
            std::fs::write(&junk, b"not a database").unwrap();
            let out = plenary(&restored_url, &mail)
                .arg("restore")
                .arg(&junk)
                .output()
                .unwrap();
            assert!(!out.status.success());
            run(plenary(&restored_url, &mail).arg("restore").arg(&copy));
            let holder = Server::start(&restored_url, &dir.path().join("holder")).await;
            let out = plenary(&restored_url, &mail)
                .arg("restore")
                .arg(&copy)
                .output()
                .unwrap();
            assert!(!out.status.success());
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("server is running"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            drop(holder);
            run(plenary(&restored_url, &mail).arg("check-backup").arg(&copy));
        }
        Backend::Postgres(_) => {
            run(std::process::Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&restored_url)
                .arg(&copy));
        }
    }
    let out = run(plenary(&restored_url, &mail).args(["migrate", "--check"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    let restored = Server::start(&restored_url, &dir.path().join("restored")).await;
    let api = Api::new(&restored.base);
    let staff = api.login(STAFF, PASSWORD).await;
    for id in &before {
        api.get(&format!("/api/v1/registrations/{id}"), &staff)
            .await;
    }
    let all = api.all(&path, &staff).await;
    assert!(
        all.len() >= before.len() && all.len() <= before.len() + during,
        "{} registrations restored; {} before the backup, {during} during it",
        all.len(),
        before.len()
    );
}

#[test]
fn migrate_check_says_what_would_run() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let mail = dir.path().join("mail");
    let out = plenary(&url, &mail)
        .args(["migrate", "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("would apply 2026-11-27-000001_foundation"),
        "{said}"
    );
    run(plenary(&url, &mail).arg("migrate"));
    let out = run(plenary(&url, &mail).args(["migrate", "--check"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let server = Server::start_with(
        &url,
        dir.path(),
        &[("PLENARY_LOG_FORMAT", "json"), ("RUST_LOG", "info")],
    )
    .await;
    let api = Api::new(&server.base);
    let (status, _, _) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(
                &json!({"email": "someone.private@example.org", "password": "wrong password here"}),
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 401);
    drop(server);
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["path"] == "/api/v1/auth/login")
        .expect("a request line");
    assert_eq!(request["status"], 401);
    assert!(request["request_id"].is_string());
    assert!(!log.contains("someone.private"), "{log}");
}
