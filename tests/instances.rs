//! Two instances of the real binary on one database, each gathering its
//! own registrations into group commits: the places and every
//! organisation's entitlement of voting passes still hold across them.

mod common;

use common::binary::{create_staff, next_years_conference, Api, Server};
use common::{Backend, TestDb};
use serde_json::{json, Value};

backend_tests!(two_instances_never_oversell);

const STAFF_EMAIL: &str = "chair@party.example";
const PASSWORD: &str = "a long enough passphrase";
const CAPACITY: usize = 10;
const ORGANISATIONS: usize = 3;
const ENTITLEMENT: usize = 4;
/// Registrations sent to each instance at once.
const EACH: usize = 24;

async fn two_instances_never_oversell(backend: Backend) {
    let (_db, database_url) = TestDb::create(&backend);
    let dir = tempfile::tempdir().unwrap();
    create_staff(
        &database_url,
        &dir.path().join("mail"),
        STAFF_EMAIL,
        PASSWORD,
    );
    let first = Server::start(&database_url, &dir.path().join("first")).await;
    let second = Server::start(&database_url, &dir.path().join("second")).await;
    let (a, b) = (Api::new(&first.base), Api::new(&second.base));
    let staff = a.login(STAFF_EMAIL, PASSWORD).await;
    let mut conference = next_years_conference();
    conference["capacity"] = json!(CAPACITY);
    let conference = a
        .post("/api/v1/conferences", Some(&staff), &conference)
        .await;
    let id = conference["id"].as_str().unwrap().to_owned();
    let mut organisations = Vec::new();
    for i in 0..ORGANISATIONS {
        let org = a.local_party(&staff, i).await;
        organisations.push(org["id"].as_str().unwrap().to_owned());
    }
    let (status, _, body) = a
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/conferences/{id}/entitlements"),
            Some(&staff),
            Some(&json!({"default": ENTITLEMENT})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");

    let path = format!("/api/v1/conferences/{id}/registrations");
    let mut requests = Vec::new();
    for (instance, api) in [a, b].into_iter().enumerate() {
        let api = std::sync::Arc::new(api);
        for n in 0..EACH {
            let (api, path, staff) = (api.clone(), path.clone(), staff.clone());
            let organisation = organisations[n % ORGANISATIONS].clone();
            requests.push(tokio::spawn(async move {
                let body = json!({
                    "organisation_id": organisation,
                    "payment_method": "cheque",
                    "delegates": [{"name": format!("Delegate {instance}-{n}"),
                                   "email": format!("d{instance}-{n}@example.org")}],
                });
                let (status, _, answer) = api
                    .send(
                        reqwest::Method::POST,
                        &path,
                        Some(&staff),
                        Some(&body),
                        None,
                    )
                    .await
                    .unwrap();
                (organisation, status, answer)
            }));
        }
    }
    let mut accepted: Vec<String> = Vec::new();
    for r in requests {
        let (organisation, status, answer) = r.await.unwrap();
        match status {
            201 => accepted.push(organisation),
            409 => assert!(
                matches!(
                    answer["code"].as_str(),
                    Some("capacity_reached" | "entitlement_exceeded")
                ),
                "{answer}"
            ),
            other => panic!("registration answered {other}: {answer}"),
        }
    }
    assert_eq!(accepted.len(), CAPACITY, "every place taken, none twice");
    for organisation in &organisations {
        let held = accepted.iter().filter(|o| *o == organisation).count();
        assert!(held <= ENTITLEMENT, "{organisation} holds {held} passes");
    }

    // What each instance reads agrees with what was answered.
    for server in [&first, &second] {
        let api = Api::new(&server.base);
        let listed = api
            .all(&format!("/api/v1/conferences/{id}/registrations"), &staff)
            .await;
        assert_eq!(listed.len(), CAPACITY);
        let entitlements = api
            .get(&format!("/api/v1/conferences/{id}/entitlements"), &staff)
            .await;
        let used: u64 = entitlements["usage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o: &Value| o["used"].as_u64().unwrap())
            .sum();
        assert_eq!(used as usize, CAPACITY);
    }
}
