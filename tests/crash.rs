//! Crash durability: the real `plenary` binary takes a burst of concurrent
//! registrations, is killed with SIGKILL in the middle of it, and restarts
//! on the same database. Every registration that was answered 201 must be
//! there with its emails in the outbox, nothing may be half-written, and a
//! request whose answer was lost must, when retried with its
//! Idempotency-Key, either replay what was committed or run afresh.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::binary::{create_staff, next_years_conference, Api, Server};
use common::{Backend, TestDb};
use diesel::prelude::*;
use plenary::db::{schema, DatabaseTarget, Manager};
use plenary::registrations::{DelegateRow, RegistrationRow};
use serde_json::{json, Value};

backend_tests!(sigkill_mid_burst_loses_no_accepted_registration);

/// Concurrent clients in the burst.
const CLIENTS: usize = 32;
/// Accepted registrations before the server is killed.
const KILL_AFTER: usize = 120;
const ORGANISATIONS: usize = 8;
const STAFF_EMAIL: &str = "chair@party.example";
const PASSWORD: &str = "a long enough passphrase";

/// One registration request of the burst: one to three delegates.
fn registration(client: usize, n: usize) -> Value {
    let delegates: Vec<Value> = (0..=(client + n) % 3)
        .map(|d| {
            json!({
                "name": format!("Delegate {client}-{n}-{d}"),
                "email": format!("d{client}.{n}.{d}@delegates.example"),
                "dinner": (client + n + d).is_multiple_of(2),
            })
        })
        .collect();
    json!({"payment_method": "invoice", "delegates": delegates})
}

/// What a client sent and what, if anything, came back.
enum Outcome {
    Accepted(Value),
    /// The connection failed: the request may or may not have committed.
    Lost {
        client: usize,
        key: String,
        body: Value,
    },
}

/// Counts per registration id: (confirmations, summaries).
type Emails = HashMap<String, (usize, usize)>;

fn count_emails<'a>(rows: impl Iterator<Item = (&'a str, &'a str)>) -> Emails {
    let mut emails = Emails::new();
    for (registration, kind) in rows {
        let e = emails.entry(registration.to_owned()).or_default();
        match kind {
            "registration_confirmation" => e.0 += 1,
            "registration_summary" => e.1 += 1,
            _ => {}
        }
    }
    emails
}

/// Reads the database directly and checks that nothing is half-written.
/// Returns the number of registrations.
fn check_database(database_url: &str, conference_id: &str) -> usize {
    let target = DatabaseTarget::parse(database_url).unwrap();
    let mut conn = Manager::new(target).establish().unwrap();
    let regs: Vec<RegistrationRow> = schema::registrations::table
        .filter(schema::registrations::conference_id.eq(conference_id))
        .select(RegistrationRow::as_select())
        .load(&mut conn)
        .unwrap();
    let delegates: Vec<DelegateRow> = schema::delegates::table
        .select(DelegateRow::as_select())
        .load(&mut conn)
        .unwrap();
    let (places_taken, dinners_taken): (i32, i32) = schema::conferences::table
        .find(conference_id)
        .select((
            schema::conferences::places_taken,
            schema::conferences::dinners_taken,
        ))
        .first(&mut conn)
        .unwrap();
    let outbox: Vec<(Option<String>, String)> = plenary::email::schema::outbox::table
        .select((
            plenary::email::schema::outbox::registration_id,
            plenary::email::schema::outbox::kind,
        ))
        .load(&mut conn)
        .unwrap();

    let ids: HashSet<&str> = regs.iter().map(|r| r.id.as_str()).collect();
    let orphans: Vec<_> = delegates
        .iter()
        .filter(|d| !ids.contains(d.registration_id.as_str()))
        .map(|d| &d.id)
        .collect();
    assert!(
        orphans.is_empty(),
        "delegates without a registration: {orphans:?}"
    );

    let mut by_registration: HashMap<&str, Vec<&DelegateRow>> = HashMap::new();
    for d in &delegates {
        by_registration
            .entry(d.registration_id.as_str())
            .or_default()
            .push(d);
    }
    let emails = count_emails(
        outbox
            .iter()
            .filter_map(|(r, kind)| Some((r.as_deref()?, kind.as_str()))),
    );
    for r in &regs {
        let ds = by_registration
            .get(r.id.as_str())
            .cloned()
            .unwrap_or_default();
        assert!(!ds.is_empty(), "registration {} has no delegates", r.id);
        let fees: i64 = ds
            .iter()
            .filter(|d| d.status.as_str() == "active")
            .map(|d| d.fee_minor)
            .sum();
        assert_eq!(r.total_minor, fees, "total of registration {}", r.id);
        assert_eq!(
            emails.get(r.id.as_str()).copied().unwrap_or_default(),
            (ds.len(), 1),
            "confirmations and summary queued for registration {}",
            r.id
        );
    }
    let active: Vec<_> = delegates
        .iter()
        .filter(|d| d.status.as_str() == "active")
        .collect();
    assert_eq!(places_taken as usize, active.len(), "places_taken");
    assert_eq!(
        dinners_taken as usize,
        active.iter().filter(|d| d.dinner).count(),
        "dinners_taken"
    );
    regs.len()
}

async fn sigkill_mid_burst_loses_no_accepted_registration(backend: Backend) {
    let (_db, database_url) = TestDb::create(&backend);
    let dir = tempfile::tempdir().unwrap();
    create_staff(
        &database_url,
        &dir.path().join("mail"),
        STAFF_EMAIL,
        PASSWORD,
    );

    let mut server = Server::start(&database_url, dir.path()).await;
    let api = Api::new(&server.base);
    let staff = api.login(STAFF_EMAIL, PASSWORD).await;
    let conference = api
        .post(
            "/api/v1/conferences",
            Some(&staff),
            &next_years_conference(),
        )
        .await;
    let conference_id = conference["id"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for i in 0..ORGANISATIONS {
        let org = api.local_party(&staff, i).await;
        let email = format!("member{i}@org.example");
        api.post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": email, "name": "Secretary", "password": PASSWORD,
                    "role": "organisation", "organisation_id": org["id"]}),
        )
        .await;
        members.push(api.login(&email, PASSWORD).await);
    }

    // The burst: every client registers until its connection fails.
    let path = format!("/api/v1/conferences/{conference_id}/registrations");
    let accepted = Arc::new(AtomicUsize::new(0));
    let api = Arc::new(api);
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (api, path, accepted) = (api.clone(), path.clone(), accepted.clone());
        let token = members[client % ORGANISATIONS].clone();
        clients.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            // Each client stops at its first failed connection.
            let mut n = 0;
            loop {
                let key = format!("burst-{client}-{n}");
                let body = registration(client, n);
                match api
                    .send(
                        reqwest::Method::POST,
                        &path,
                        Some(&token),
                        Some(&body),
                        Some(&key),
                    )
                    .await
                {
                    Ok((201, _, created)) => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                        outcomes.push(Outcome::Accepted(created));
                        n += 1;
                    }
                    Ok((status, _, body)) => panic!("registration answered {status}: {body}"),
                    Err(_) => {
                        outcomes.push(Outcome::Lost { client, key, body });
                        return outcomes;
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    while accepted.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the burst stalled"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    let mut outcomes = Vec::new();
    for c in clients {
        outcomes.extend(c.await.unwrap());
    }
    let before: Vec<Value> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Accepted(v) => Some(v.clone()),
            Outcome::Lost { .. } => None,
        })
        .collect();
    assert!(before.len() >= KILL_AFTER);
    assert_eq!(
        outcomes.len() - before.len(),
        CLIENTS,
        "each client lost one"
    );

    // Restart on the same database.
    let server = Server::start(&database_url, dir.path()).await;
    let api = Api::new(&server.base);
    let staff = api.login(STAFF_EMAIL, PASSWORD).await;

    // Every 201 is there, as it was answered.
    for r in &before {
        let id = r["id"].as_str().unwrap();
        let stored = api
            .get(&format!("/api/v1/registrations/{id}"), &staff)
            .await;
        for field in ["reference", "total", "tier", "organisation_id"] {
            assert_eq!(stored[field], r[field], "{field} of registration {id}");
        }
        let ids = |v: &Value| -> Vec<Value> {
            v["delegates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].clone())
                .collect()
        };
        assert_eq!(ids(&stored), ids(r), "delegates of registration {id}");
    }

    // Every 201 has its emails in the outbox.
    let outbox = api
        .all(
            &format!("/api/v1/outbox?conference_id={conference_id}"),
            &staff,
        )
        .await;
    let emails = count_emails(
        outbox
            .iter()
            .filter_map(|e| Some((e["registration_id"].as_str()?, e["kind"].as_str()?))),
    );
    for r in &before {
        let id = r["id"].as_str().unwrap();
        let delegates = r["delegates"].as_array().unwrap().len();
        assert_eq!(
            emails.get(id).copied().unwrap_or_default(),
            (delegates, 1),
            "emails of registration {id}"
        );
    }

    // A lost answer, retried with its key: the committed registration is
    // replayed, a request that never committed runs now, and one that died
    // after claiming its key is refused as still in flight (the key is
    // freed after a minute). Nothing is registered twice.
    let (mut replayed, mut fresh, mut in_flight) = (0, 0, 0);
    for o in &outcomes {
        let Outcome::Lost { client, key, body } = o else {
            continue;
        };
        let token = &members[client % ORGANISATIONS];
        let (status, was_replayed, res) = api
            .send(
                reqwest::Method::POST,
                &path,
                Some(token),
                Some(body),
                Some(key),
            )
            .await
            .unwrap();
        match (status, was_replayed) {
            (201, true) => replayed += 1,
            (201, false) => fresh += 1,
            (409, _) => {
                assert_eq!(res["code"], "conflict", "{res}");
                in_flight += 1;
            }
            _ => panic!("retry of {key} answered {status}: {res}"),
        }
    }
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    eprintln!(
        "{name}: {} accepted before SIGKILL; lost answers retried: {replayed} replayed, \
         {fresh} run afresh, {in_flight} still in flight",
        before.len()
    );

    // Nothing half-written, and nothing committed that no answer accounts for.
    let url = database_url.clone();
    let id = conference_id.clone();
    let stored = tokio::task::spawn_blocking(move || check_database(&url, &id))
        .await
        .unwrap();
    assert_eq!(stored, before.len() + replayed + fresh);

    // The restarted server takes registrations as before (of people not
    // yet registered: a person holds one place at a conference).
    let (status, _, body) = api
        .send(
            reqwest::Method::POST,
            &path,
            Some(&members[0]),
            Some(&registration(0, usize::MAX / 2)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let url = database_url.clone();
    let stored = tokio::task::spawn_blocking(move || check_database(&url, &conference_id))
        .await
        .unwrap();
    assert_eq!(stored, before.len() + replayed + fresh + 1);
    drop(server);
}
