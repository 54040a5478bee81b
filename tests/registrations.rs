//! Registration: pricing at receipt, deadlines and extensions, capacity under
//! concurrency, idempotency, payments, substitutions and cancellations.

mod common;

use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    organisation_registers_with_early_bird_and_dinner,
    price_is_fixed_at_receipt_at_the_tier_boundary,
    registration_deadline_extensions_and_overrides,
    capacity_holds_under_concurrency,
    concurrent_changes_never_fail,
    cancelled_places_are_freed,
    idempotency_key_replays_the_first_response,
    payments_drive_payment_status,
    substitution_keeps_the_place_and_fee,
    who_may_register_for_whom,
    listing_filters_and_isolation,
);

fn delegate(name: &str, dinner: bool) -> Value {
    json!({
        "name": name,
        "email": format!("{}@delegates.example", name.to_lowercase().replace(' ', ".")),
        "dinner": dinner,
        "dietary_requirements": if dinner { "vegetarian" } else { "" },
        "access_requirements": ""
    })
}

struct Fixture {
    app: TestApp,
    staff: String,
    org: String,
    member: String,
    conference: String,
}

async fn fixture(b: Backend, changes: Value) -> Fixture {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, changes).await;
    Fixture {
        conference: c["id"].as_str().unwrap().to_owned(),
        app,
        staff,
        org,
        member,
    }
}

impl Fixture {
    fn path(&self) -> String {
        format!("/api/v1/conferences/{}/registrations", self.conference)
    }

    async fn register(&self, token: &str, body: Value) -> common::Response {
        self.app.post(&self.path(), Some(token), &body).await
    }

    async fn count(&self) -> usize {
        self.app
            .get(&format!("{}?limit=500", self.path()), Some(&self.staff))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len()
    }
}

async fn organisation_registers_with_early_bird_and_dinner(b: Backend) {
    let f = fixture(b, json!({})).await;
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [delegate("Ada Lovelace", true), delegate("Robert Owen", false)]}),
        )
        .await
        .expect(201);
    assert_eq!(r["tier"], "early");
    assert_eq!(r["currency"], "GBP");
    assert_eq!(r["delegates"][0]["fee"], "135.00");
    assert_eq!(r["delegates"][0]["dinner_fee"], "45.00");
    assert_eq!(r["delegates"][1]["fee"], "90.00");
    assert_eq!(r["delegates"][1]["status"], "active");
    assert_eq!(r["total"], "225.00");
    assert_eq!(r["amount_paid"], "0.00");
    assert_eq!(r["balance"], "225.00");
    assert_eq!(r["payment_status"], "unpaid");
    assert_eq!(r["organisation_id"], f.org.as_str());
    let reference = r["reference"].as_str().unwrap();
    assert!(
        reference.len() == 12 && reference.starts_with("PL-"),
        "{reference}"
    );

    let id = r["id"].as_str().unwrap();
    let got = f
        .app
        .get(&format!("/api/v1/registrations/{id}"), Some(&f.member))
        .await
        .expect(200);
    assert_eq!(got, r);
}

async fn price_is_fixed_at_receipt_at_the_tier_boundary(b: Backend) {
    let f = fixture(b, json!({})).await;
    // 23:59:59 BST on 30 June: early bird.
    f.app.clock.set(london(2016, 6, 30, 23, 59, 59));
    let early = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("Early Bird", true)]}),
        )
        .await
        .expect(201);
    assert_eq!(early["total"], "135.00");
    assert_eq!(early["tier"], "early");
    // 00:00:00 BST on 1 July (still 30 June in UTC): standard.
    f.app.clock.set(london(2016, 7, 1, 0, 0, 0));
    let standard = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("Late Comer", true)]}),
        )
        .await
        .expect(201);
    assert_eq!(standard["total"], "155.00");
    assert_eq!(standard["tier"], "standard");

    // Re-pricing the conference changes nothing already registered.
    f.app
        .patch(
            &format!("/api/v1/conferences/{}", f.conference),
            Some(&f.staff),
            &json!({"price_tiers": [{"code": "flat", "name": "Flat", "until": null, "pass_fee": "1.00", "dinner_fee": "1.00"}]}),
        )
        .await
        .expect(200);
    let again = f
        .app
        .get(
            &format!("/api/v1/registrations/{}", early["id"].as_str().unwrap()),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(again["total"], "135.00");
    assert_eq!(again["tier"], "early");
    assert_eq!(again["delegates"][0]["pass_fee"], "90.00");
}

async fn registration_deadline_extensions_and_overrides(b: Backend) {
    let f = fixture(b, json!({})).await;
    // Each attempt is a new person (a person holds one place at a conference).
    let body =
        |name: &str| json!({"payment_method": "invoice", "delegates": [delegate(name, false)]});
    f.app.clock.set(london(2016, 8, 22, 23, 59, 59));
    f.register(&f.member, body("Person 1")).await.expect(201);

    f.app.clock.set(london(2016, 8, 23, 0, 0, 0));
    let p = f
        .register(&f.member, body("Person 2"))
        .await
        .problem(409, "deadline_passed");
    assert!(p["detail"].as_str().unwrap().contains("2016-08-22"));
    assert_eq!(f.count().await, 1, "a refused registration creates nothing");

    // Organisations may not override.
    let mut late = body("Person 3");
    late["late_override"] = json!(true);
    f.register(&f.member, late.clone())
        .await
        .problem(403, "forbidden");

    // Staff may, and it is audited.
    let mut staff_late = late.clone();
    staff_late["organisation_id"] = json!(f.org);
    f.register(&f.staff, staff_late).await.expect(201);

    // An extension for this organisation only.
    let other = f
        .app
        .organisation(&f.staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let other_member = f.app.org_user(&other).await;
    let ext = f
        .app
        .post(
            &format!("/api/v1/conferences/{}/extensions", f.conference),
            Some(&f.staff),
            &json!({"organisation_id": f.org, "deadline": "registration", "until": "2016-08-29"}),
        )
        .await
        .expect(201);
    assert_eq!(ext["until"], "2016-08-29");
    f.register(&f.member, body("Person 4")).await.expect(201);
    f.register(&other_member, body("Person 5"))
        .await
        .problem(409, "deadline_passed");
    f.app.clock.set(london(2016, 8, 30, 0, 0, 0));
    f.register(&f.member, body("Person 6"))
        .await
        .problem(409, "deadline_passed");

    // Extensions must move the date later, and only staff grant them.
    f.app
        .post(
            &format!("/api/v1/conferences/{}/extensions", f.conference),
            Some(&f.staff),
            &json!({"organisation_id": f.org, "deadline": "motions", "until": "2016-04-01"}),
        )
        .await
        .problem(422, "validation_failed");
    f.app
        .post(
            &format!("/api/v1/conferences/{}/extensions", f.conference),
            Some(&f.member),
            &json!({"organisation_id": f.org, "deadline": "motions", "until": "2016-04-10"}),
        )
        .await
        .problem(403, "forbidden");
    let list = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/extensions", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let audit = f
        .app
        .get(
            &format!("/api/v1/audit?conference_id={}", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["extension_granted", "late_override"]);
    assert_eq!(audit["items"][1]["detail"]["deadline"], "registration");
    assert!(audit["items"][1]["actor_id"].is_string());
    f.app
        .get("/api/v1/audit", Some(&f.member))
        .await
        .problem(403, "forbidden");
}

async fn capacity_holds_under_concurrency(b: Backend) {
    let f = fixture(b, json!({"capacity": 10, "dinner_capacity": 4})).await;
    let app = std::sync::Arc::new(f);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let f = app.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"payment_method": "online", "delegates": [delegate(&format!("Racer {i}"), i % 2 == 0)]});
            let res = f.register(&f.member, body).await;
            (res.status.as_u16(), res.body)
        }));
    }
    let mut sold = 0;
    let mut dinners = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => {
                sold += 1;
                if body["delegates"][0]["dinner"] == true {
                    dinners += 1;
                }
            }
            409 => assert_eq!(body["code"], "capacity_reached", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(sold <= 10, "sold {sold} places against a cap of 10");
    assert!(dinners <= 4, "sold {dinners} dinners against a cap of 4");
    assert_eq!(sold, 10, "non-dinner requests alone fill the places");
    assert_eq!(app.count().await, sold);
    // The counters agree with the rows.
    let id = plenary::ids::ConferenceId::parse(&app.conference).unwrap();
    let (places, seats) = app
        .app
        .state
        .db(move |conn| Ok(plenary::registrations::capacity::taken(conn, &id)?))
        .await
        .unwrap();
    assert_eq!((places, seats), (sold as i32, dinners));
}

/// Cancellations and substitutions read before they write; racing them
/// against registrations (and the email sender's writes) must never end in
/// a 500 such as SQLite's "database is locked".
async fn concurrent_changes_never_fail(b: Backend) {
    let f = std::sync::Arc::new(fixture(b, json!({})).await);
    let mut delegates = Vec::new();
    for i in 0..12 {
        let r = f
            .register(
                &f.member,
                json!({"payment_method": "online", "delegates": [delegate(&format!("Early {i}"), true)]}),
            )
            .await
            .expect(201);
        delegates.push(r["delegates"][0]["id"].as_str().unwrap().to_owned());
    }
    let mut tasks = Vec::new();
    for (i, id) in delegates.into_iter().enumerate() {
        let change = f.clone();
        tasks.push(tokio::spawn(async move {
            let f = change;
            let (path, body) = if i % 2 == 0 {
                (format!("/api/v1/delegates/{id}/cancellation"), None)
            } else {
                (
                    format!("/api/v1/delegates/{id}/substitution"),
                    Some(json!({"name": format!("Stand-in {i}"), "email": format!("stand-in.{i}@delegates.example")})),
                )
            };
            let res = f
                .app
                .request(reqwest::Method::POST, &path, Some(&f.member), body.as_ref(), &[])
                .await;
            (res.status.as_u16(), res.text)
        }));
        let register = f.clone();
        tasks.push(tokio::spawn(async move {
            let f = register;
            let body = json!({"payment_method": "online", "delegates": [delegate(&format!("Late {i}"), false)]});
            let res = f.register(&f.member, body).await;
            (res.status.as_u16(), res.text)
        }));
    }
    for t in tasks {
        let (status, text) = t.await.unwrap();
        assert!(matches!(status, 200 | 201), "{status}: {text}");
    }
}

async fn cancelled_places_are_freed(b: Backend) {
    let f = fixture(b, json!({"capacity": 1, "dinner_capacity": 1})).await;
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("First", true)]}),
        )
        .await
        .expect(201);
    let p = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("Second", false)]}),
        )
        .await
        .problem(409, "capacity_reached");
    assert!(p["detail"].as_str().unwrap().contains("places"));
    let delegate_id = r["delegates"][0]["id"].as_str().unwrap();
    let after = f
        .app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{delegate_id}/cancellation"),
            Some(&f.member),
            None,
            &[],
        )
        .await
        .expect(200);
    assert_eq!(after["delegates"][0]["status"], "cancelled");
    assert_eq!(after["total"], "0.00");
    f.app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{delegate_id}/cancellation"),
            Some(&f.member),
            None,
            &[],
        )
        .await
        .problem(409, "conflict");
    f.register(
        &f.member,
        json!({"payment_method": "online", "delegates": [delegate("Second", true)]}),
    )
    .await
    .expect(201);
}

async fn idempotency_key_replays_the_first_response(b: Backend) {
    let f = fixture(b, json!({})).await;
    let body = json!({"payment_method": "online", "delegates": [delegate("Double Click", true)]});
    let key = [("Idempotency-Key", "reg-123")];
    let first = f
        .app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(first.status.as_u16(), 201);
    let second = f
        .app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(second.status.as_u16(), 201);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(f.count().await, 1);

    let mut changed = body.clone();
    changed["payment_method"] = json!("cheque");
    let p = f
        .app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&changed),
            &key,
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");

    // Keys belong to one account.
    let colleague = f.app.org_user(&f.org).await;
    let colleagues_body =
        json!({"payment_method": "online", "delegates": [delegate("Colleague Pick", true)]});
    f.app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&colleague),
            Some(&colleagues_body),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(f.count().await, 2);

    // A refused request does not use up its key.
    f.app.clock.set(london(2016, 8, 23, 9, 0, 0));
    let late_key = [("Idempotency-Key", "reg-late")];
    let late_body =
        json!({"payment_method": "online", "delegates": [delegate("Late Comer", true)]});
    f.app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&late_body),
            &late_key,
        )
        .await
        .problem(409, "deadline_passed");
    f.app
        .post(
            &format!("/api/v1/conferences/{}/extensions", f.conference),
            Some(&f.staff),
            &json!({"organisation_id": f.org, "deadline": "registration", "until": "2016-08-24"}),
        )
        .await
        .expect(201);
    f.app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&late_body),
            &late_key,
        )
        .await
        .expect(201);

    // After 24 hours the key may be used afresh, for another request (the
    // extension runs to the end of 24 August, local time).
    f.app.clock.set(london(2016, 8, 24, 23, 0, 0));
    let next_day = json!({"payment_method": "online", "delegates": [delegate("Next Day", true)]});
    let fresh = f
        .app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&next_day),
            &key,
        )
        .await
        .expect(201);
    assert_ne!(fresh["id"], first.body["id"]);

    f.app
        .request(
            reqwest::Method::POST,
            &f.path(),
            Some(&f.member),
            Some(&body),
            &[("Idempotency-Key", "")],
        )
        .await
        .problem(422, "validation_failed");
}

async fn payments_drive_payment_status(b: Backend) {
    let f = fixture(b, json!({})).await;
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [delegate("Payer", true)]}),
        )
        .await
        .expect(201);
    let id = r["id"].as_str().unwrap();
    let path = format!("/api/v1/registrations/{id}/payments");
    let p = f
        .app
        .post(
            &path,
            Some(&f.staff),
            &json!({"amount": "35.00", "method": "cheque", "reference": "cheque 000123"}),
        )
        .await
        .expect(201);
    assert_eq!(p["amount"], "35.00");
    assert_eq!(p["registration"]["payment_status"], "part_paid");
    assert_eq!(p["registration"]["balance"], "100.00");
    let p = f
        .app
        .post(
            &path,
            Some(&f.staff),
            &json!({"amount": "100", "method": "bank_transfer", "reference": "BACS 77"}),
        )
        .await
        .expect(201);
    assert_eq!(p["registration"]["payment_status"], "paid");
    assert_eq!(p["registration"]["balance"], "0.00");

    // Cancelling a paid delegate leaves a refund due.
    let delegate_id = r["delegates"][0]["id"].as_str().unwrap();
    let after = f
        .app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{delegate_id}/cancellation"),
            Some(&f.staff),
            None,
            &[],
        )
        .await
        .expect(200);
    assert_eq!(after["payment_status"], "refund_due");
    assert_eq!(after["balance"], "-135.00");

    f.app
        .post(
            &path,
            Some(&f.member),
            &json!({"amount": "1.00", "method": "online", "reference": "x"}),
        )
        .await
        .problem(403, "forbidden");
    let v = f
        .app
        .post(
            &path,
            Some(&f.staff),
            &json!({"amount": "0.001", "method": "online", "reference": ""}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    f.app
        .post(
            &path,
            Some(&f.staff),
            &json!({"amount": "1.00", "method": "barter", "reference": "x"}),
        )
        .await
        .problem(400, "malformed_request");
    f.app
        .post(
            "/api/v1/registrations/00000000-0000-0000-0000-000000000000/payments",
            Some(&f.staff),
            &json!({"amount": "1.00", "method": "online", "reference": "x"}),
        )
        .await
        .problem(404, "not_found");
}

async fn substitution_keeps_the_place_and_fee(b: Backend) {
    let f = fixture(b, json!({})).await;
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("Original Person", true)]}),
        )
        .await
        .expect(201);
    let delegate_id = r["delegates"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/delegates/{delegate_id}/substitution");
    f.app.clock.set(london(2016, 9, 8, 23, 59, 59));
    let d = f
        .app
        .post(&path, Some(&f.member), &json!({"name": "New Person", "email": "new@delegates.example", "dietary_requirements": "vegan"}))
        .await
        .expect(200);
    assert_eq!(d["id"], delegate_id);
    assert_eq!(d["name"], "New Person");
    assert_eq!(d["dinner"], true);
    assert_eq!(d["fee"], "135.00");
    assert_eq!(d["dietary_requirements"], "vegan");

    // From the first day of the conference only staff may substitute.
    f.app.clock.set(london(2016, 9, 9, 0, 0, 0));
    f.app
        .post(
            &path,
            Some(&f.member),
            &json!({"name": "Too Late", "email": "late@delegates.example"}),
        )
        .await
        .problem(409, "deadline_passed");
    f.app
        .post(
            &path,
            Some(&f.staff),
            &json!({"name": "Desk Swap", "email": "desk@delegates.example"}),
        )
        .await
        .expect(200);
    f.app
        .post(&path, Some(&f.staff), &json!({"name": "", "email": "bad"}))
        .await
        .problem(422, "validation_failed");

    // Another organisation cannot see the delegate at all.
    let other = f
        .app
        .organisation(&f.staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let stranger = f.app.org_user(&other).await;
    f.app
        .post(
            &path,
            Some(&stranger),
            &json!({"name": "Hijack", "email": "h@x.example"}),
        )
        .await
        .problem(404, "not_found");
    f.app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{delegate_id}/cancellation"),
            Some(&stranger),
            None,
            &[],
        )
        .await
        .problem(404, "not_found");

    // Organisations may not cancel after the registration deadline.
    f.app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{delegate_id}/cancellation"),
            Some(&f.member),
            None,
            &[],
        )
        .await
        .problem(409, "deadline_passed");

    let audit = f
        .app
        .get(
            &format!("/api/v1/audit?conference_id={}", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    // The member's substitution, and the staff one after the deadline with
    // its late override.
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);
    assert_eq!(audit["items"][0]["action"], "delegate_substituted");
    assert_eq!(audit["items"][0]["detail"]["late_override"], true);
    assert_eq!(audit["items"][1]["action"], "late_override");
    assert_eq!(audit["items"][1]["detail"]["action"], "substitution");
    assert!(
        !audit.to_string().contains("New Person"),
        "no personal data in the audit log"
    );
}

async fn who_may_register_for_whom(b: Backend) {
    let f = fixture(b, json!({})).await;
    let body = json!({"payment_method": "online", "delegates": [delegate("Someone", false)]});
    f.register(&f.staff, body.clone())
        .await
        .problem(422, "validation_failed");
    let other = f
        .app
        .organisation(&f.staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let mut named = body.clone();
    named["organisation_id"] = json!(other);
    f.register(&f.member, named.clone())
        .await
        .problem(403, "forbidden");
    let r = f.register(&f.staff, named).await.expect(201);
    assert_eq!(r["organisation_id"], other.as_str());

    f.app
        .post(
            "/api/v1/conferences/00000000-0000-0000-0000-000000000000/registrations",
            Some(&f.member),
            &body,
        )
        .await
        .problem(404, "not_found");
    f.app
        .post(&f.path(), None, &body)
        .await
        .problem(401, "unauthenticated");

    let v = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [
                {"name": "", "email": "not-an-email", "dinner": false},
                {"name": "x".repeat(201), "email": "ok@example.org", "access_requirements": "y".repeat(1001)}
            ]}),
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "delegates[0].name",
            "delegates[0].email",
            "delegates[1].name",
            "delegates[1].access_requirements"
        ]
    );
    f.register(
        &f.member,
        json!({"payment_method": "online", "delegates": []}),
    )
    .await
    .problem(422, "validation_failed");
    let many: Vec<Value> = (0..51)
        .map(|i| delegate(&format!("Person {i}"), false))
        .collect();
    f.register(
        &f.member,
        json!({"payment_method": "online", "delegates": many}),
    )
    .await
    .problem(422, "validation_failed");
    f.register(
        &f.member,
        json!({"payment_method": "barter", "delegates": [delegate("X", false)]}),
    )
    .await
    .problem(400, "malformed_request");
    assert_eq!(f.count().await, 1);
}

async fn listing_filters_and_isolation(b: Backend) {
    let f = fixture(b, json!({})).await;
    let other = f
        .app
        .organisation(&f.staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let other_member = f.app.org_user(&other).await;
    let mine = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [delegate("Mine", false)]}),
        )
        .await
        .expect(201);
    let theirs = f
        .register(
            &other_member,
            json!({"payment_method": "online", "delegates": [delegate("Theirs", false)]}),
        )
        .await
        .expect(201);
    f.app
        .post(
            &format!(
                "/api/v1/registrations/{}/payments",
                theirs["id"].as_str().unwrap()
            ),
            Some(&f.staff),
            &json!({"amount": "90.00", "method": "online", "reference": "card"}),
        )
        .await
        .expect(201);

    let own = f.app.get(&f.path(), Some(&f.member)).await.expect(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["id"], mine["id"]);
    let sneaky = f
        .app
        .get(
            &format!("{}?organisation_id={other}", f.path()),
            Some(&f.member),
        )
        .await
        .expect(200);
    assert_eq!(sneaky["items"].as_array().unwrap().len(), 0);
    f.app
        .get(
            &format!("/api/v1/registrations/{}", theirs["id"].as_str().unwrap()),
            Some(&f.member),
        )
        .await
        .problem(404, "not_found");

    let paid = f
        .app
        .get(&format!("{}?payment_status=paid", f.path()), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(paid["items"].as_array().unwrap().len(), 1);
    assert_eq!(paid["items"][0]["id"], theirs["id"]);
    let unpaid = f
        .app
        .get(
            &format!(
                "{}?payment_status=unpaid&organisation_id={}",
                f.path(),
                f.org
            ),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(unpaid["items"][0]["id"], mine["id"]);
    let page = f
        .app
        .get(&format!("{}?limit=1", f.path()), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(page["items"][0]["id"], theirs["id"], "newest first");
    assert!(page["next_cursor"].is_string());

    f.app
        .get(
            &format!("{}?payment_status=overdue", f.path()),
            Some(&f.staff),
        )
        .await
        .problem(422, "validation_failed");
    f.app
        .get(
            &format!("{}?organisation_id=nope", f.path()),
            Some(&f.staff),
        )
        .await
        .problem(422, "validation_failed");
}

mod in_flight {
    use super::common::{Backend, TestApp};
    use plenary::ops::idempotency::claim;

    /// A key whose first request is still running is refused (409 with
    /// `Retry-After` over HTTP); one abandoned by a request that died is
    /// taken over after a minute.
    async fn in_flight_keys(b: Backend) {
        let app = TestApp::spawn(b).await;
        app.create_user("chair@party.example", "staff", None).await;
        let t0 = app.clock_now().naive_utc();
        let minute = chrono::Duration::seconds(60);
        let day = chrono::Duration::hours(24);
        let outcome = app
            .state
            .db(move |conn| {
                use diesel::prelude::*;
                use plenary::db::schema::users;
                let user: plenary::ids::UserId = users::table.select(users::id).first(conn)?;
                let first = claim(conn, &user, "k", "h", t0, t0 - day, t0 - minute)?;
                let again = claim(conn, &user, "k", "h", t0, t0 - day, t0 - minute)?;
                let t1 = t0 + minute + chrono::Duration::seconds(1);
                let later = claim(conn, &user, "k", "h", t1, t1 - day, t1 - minute)?;
                Ok((
                    first.is_none(),
                    again.map(|r| r.status_code),
                    later.is_none(),
                ))
            })
            .await
            .unwrap();
        assert_eq!(outcome, (true, Some(None), true));
    }

    crate::backend_tests!(in_flight_keys);
}
