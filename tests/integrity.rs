//! Money and input integrity, and the defects found from outside: merge
//! patches, currency and caps after sales, payment bounds, dates that fit
//! the conference, one place per person, nominations of a person who
//! leaves, the member's own region, and idempotency on every creating POST.

mod common;

use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    conference_patch_is_a_json_merge_patch,
    currency_is_fixed_once_registrations_exist,
    caps_never_fall_below_what_is_taken,
    dates_must_fit_the_conference,
    payments_are_bounded_by_what_is_due,
    concurrent_payments_never_pay_twice,
    a_person_holds_one_place_per_conference,
    a_nomination_falls_when_its_candidate_leaves,
    cac_eligibility_follows_the_members_region,
    every_creating_post_is_idempotent,
);

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

fn person(name: &str, dinner: bool) -> Value {
    json!({
        "name": name,
        "email": format!("{}@delegates.example", name.to_lowercase().replace(' ', ".")),
        "dinner": dinner,
    })
}

impl Fixture {
    fn conf(&self, tail: &str) -> String {
        format!("/api/v1/conferences/{}{tail}", self.conference)
    }

    async fn register(&self, token: &str, body: Value) -> common::Response {
        self.app
            .post(&self.conf("/registrations"), Some(token), &body)
            .await
    }

    async fn patch(&self, body: Value) -> common::Response {
        self.app
            .patch(&self.conf(""), Some(&self.staff), &body)
            .await
    }

    async fn conference(&self) -> Value {
        self.app.get(&self.conf(""), None).await.expect(200)
    }

    /// Audit actions about the conference, newest first.
    async fn audit(&self) -> Vec<String> {
        self.app
            .get(
                &format!("/api/v1/audit?conference_id={}", self.conference),
                Some(&self.staff),
            )
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn conference_patch_is_a_json_merge_patch(b: Backend) {
    let f = fixture(b, json!({"capacity": 100})).await;
    // One deadline moves; the other five stay.
    let c = f
        .patch(json!({"deadlines": {"cac_nominations": "2016-08-08"}}))
        .await
        .expect(200);
    assert_eq!(c["deadlines"]["cac_nominations"], "2016-08-08");
    assert_eq!(c["deadlines"]["registration"], "2016-08-22");
    assert_eq!(c["deadlines"]["motions"], "2016-04-04");
    // cac merges member by member.
    let c = f.patch(json!({"cac": {"vacancies": 3}})).await.expect(200);
    assert_eq!(c["cac"]["vacancies"], 3);
    assert_eq!(c["cac"]["excluded_regions"].as_array().unwrap().len(), 2);
    // Arrays replace whole.
    let c = f
        .patch(json!({"price_tiers": [
            {"code": "flat", "name": "Flat rate", "until": null, "pass_fee": "100.00", "dinner_fee": "40.00"}
        ]}))
        .await
        .expect(200);
    assert_eq!(c["price_tiers"].as_array().unwrap().len(), 1);
    // null removes an optional value …
    let c = f.patch(json!({"capacity": null})).await.expect(200);
    assert_eq!(c["capacity"], Value::Null);
    // … and is refused for a required one, changing nothing.
    let p = f
        .patch(json!({"name": null, "timezone": null, "currency": null, "price_tiers": null}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["name", "timezone", "currency", "price_tiers"]);
    // Every deadline is optional: null removes one, and the conference
    // then takes none of that kind.
    let c = f
        .patch(json!({"deadlines": {"motions": null}}))
        .await
        .expect(200);
    assert_eq!(c["deadlines"].get("motions"), None);
    assert_eq!(c["deadlines"]["registration"], "2016-08-22");
    // A value of the wrong shape is a malformed body.
    f.patch(json!({"capacity": "lots"}))
        .await
        .problem(400, "malformed_request");
}

async fn currency_is_fixed_once_registrations_exist(b: Backend) {
    let f = fixture(b, json!({})).await;
    // Before any sale the currency may change (and back).
    f.patch(json!({"currency": "EUR"})).await.expect(200);
    f.patch(json!({"currency": "GBP"})).await.expect(200);
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "delegates": [person("Ada Lovelace", true)]}),
    )
    .await
    .expect(201);
    let p = f
        .patch(json!({"currency": "EUR"}))
        .await
        .problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("GBP"), "{p}");
    assert_eq!(f.conference().await["currency"], "GBP");
    let summary = f
        .app
        .get(&f.conf("/summary"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(summary["money"]["currency"], "GBP");
    assert_eq!(summary["money"]["registered"], "135.00");
    assert_eq!(
        summary["money_by_currency"],
        json!([{"currency": "GBP", "registered": "135.00", "paid": "0.00", "outstanding": "135.00", "refunds_due": "0.00"}])
    );
}

async fn caps_never_fall_below_what_is_taken(b: Backend) {
    let f = fixture(b, json!({"capacity": 6, "dinner_capacity": 5})).await;
    let people: Vec<Value> = (0..6)
        .map(|i| person(&format!("Person {i}"), i < 3))
        .collect();
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "delegates": people}),
    )
    .await
    .expect(201);
    let c = f.conference().await;
    assert_eq!(
        (
            &c["places_taken"],
            &c["places_left"],
            &c["dinner_seats_taken"],
            &c["dinner_seats_left"]
        ),
        (&json!(6), &json!(0), &json!(3), &json!(2))
    );
    let p = f
        .patch(json!({"capacity": 2, "dinner_capacity": 0}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["capacity", "dinner_capacity"]);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("6 places"));
    assert!(p["errors"][1]["message"]
        .as_str()
        .unwrap()
        .contains("3 dinner seats"));
    assert_eq!(f.conference().await["capacity"], 6);
    // Exactly what is taken, or no cap at all, is fine.
    f.patch(json!({"capacity": 6, "dinner_capacity": 3}))
        .await
        .expect(200);
    let c = f.patch(json!({"capacity": null})).await.expect(200);
    assert_eq!(c["places_left"], Value::Null);
}

async fn dates_must_fit_the_conference(b: Backend) {
    let f = fixture(b, json!({})).await;
    let p = f
        .patch(json!({"deadlines": {"registration": "2016-09-10", "amendments": "2016-09-12"}}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&p),
        ["deadlines.registration", "deadlines.amendments"]
    );
    let p = f
        .patch(json!({"price_tiers": [
            {"code": "early", "name": "Early", "until": "2016-12-31", "pass_fee": "90", "dinner_fee": "45"},
            {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110", "dinner_fee": "45"}
        ]}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["price_tiers[0].until"]);
    let mut ancient = common::cardiff();
    common::merge(
        &mut ancient,
        json!({"starts_on": "0001-01-01", "ends_on": "0001-01-01"}),
    );
    let p = f
        .app
        .post("/api/v1/conferences", Some(&f.staff), &ancient)
        .await
        .problem(422, "validation_failed");
    assert!(fields(&p).contains(&"starts_on"), "{p}");
    // Extensions end on or before the conference (registration: its first day).
    for (deadline, until) in [("motions", "2099-01-01"), ("registration", "2016-09-10")] {
        let p = f
            .app
            .post(
                &f.conf("/extensions"),
                Some(&f.staff),
                &json!({"organisation_id": f.org, "deadline": deadline, "until": until}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["until"]);
    }
    f.app
        .post(
            &f.conf("/extensions"),
            Some(&f.staff),
            &json!({"organisation_id": f.org, "deadline": "registration", "until": "2016-09-09"}),
        )
        .await
        .expect(201);
}

async fn payments_are_bounded_by_what_is_due(b: Backend) {
    let f = fixture(b, json!({})).await;
    let r = f
        .register(&f.member, json!({"payment_method": "cheque", "delegates": [person("Ada Lovelace", true), person("Robert Owen", false)]}))
        .await
        .expect(201);
    let pay = |amount: &str, extra: Value| {
        let mut body = json!({"amount": amount, "method": "cheque", "reference": "cheque 1"});
        common::merge(&mut body, extra);
        let path = format!(
            "/api/v1/registrations/{}/payments",
            r["id"].as_str().unwrap()
        );
        let f = &f;
        async move { f.app.post(&path, Some(&f.staff), &body).await }
    };
    let p = pay("1000000000.00", json!({}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["amount"]);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("225.00"));
    let paid = pay("225.00", json!({})).await.expect(201);
    assert_eq!(paid["registration"]["payment_status"], "paid");
    // Nothing due: refused, even on purpose.
    pay("1.00", json!({})).await.problem(409, "conflict");
    pay("1.00", json!({"overpayment": true}))
        .await
        .problem(409, "conflict");

    // An overpayment on purpose is recorded and audited.
    let r2 = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [person("Mary Barbour", false)]}),
        )
        .await
        .expect(201);
    let path = format!(
        "/api/v1/registrations/{}/payments",
        r2["id"].as_str().unwrap()
    );
    let over = f
        .app
        .post(
            &path,
            Some(&f.staff),
            &json!({"amount": "100.00", "method": "cheque", "reference": "cheque 2", "overpayment": true}),
        )
        .await
        .expect(201);
    assert_eq!(over["registration"]["balance"], "-10.00");
    assert_eq!(over["registration"]["payment_status"], "refund_due");
    assert_eq!(f.audit().await[0], "overpayment_recorded");

    // A registration whose delegates are all cancelled owes nothing.
    let r3 = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [person("Gone Soon", false)]}),
        )
        .await
        .expect(201);
    let d = r3["delegates"][0]["id"].as_str().unwrap();
    f.app
        .post(
            &format!("/api/v1/delegates/{d}/cancellation"),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    f.app
        .post(
            &format!(
                "/api/v1/registrations/{}/payments",
                r3["id"].as_str().unwrap()
            ),
            Some(&f.staff),
            &json!({"amount": "90.00", "method": "cheque", "reference": "cheque 3"}),
        )
        .await
        .problem(409, "conflict");
}

async fn concurrent_payments_never_pay_twice(b: Backend) {
    let f = std::sync::Arc::new(fixture(b, json!({})).await);
    f.app.clock.set(london(2016, 7, 10, 12, 0, 0));
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "online", "delegates": [person("Ada Lovelace", false)]}),
        )
        .await
        .expect(201);
    assert_eq!(r["total"], "110.00");
    let path = format!(
        "/api/v1/registrations/{}/payments",
        r["id"].as_str().unwrap()
    );
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (f, path) = (f.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            f.app
                .post(
                    &path,
                    Some(&f.staff),
                    &json!({"amount": "110.00", "method": "online", "reference": "txn-1"}),
                )
                .await
                .status
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    let after = f
        .app
        .get(
            &format!("/api/v1/registrations/{}", r["id"].as_str().unwrap()),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(after["amount_paid"], "110.00");
}

async fn a_person_holds_one_place_per_conference(b: Backend) {
    let f = fixture(b, json!({})).await;
    let ada = json!({"name": "Ada Lovelace", "email": "ada@example.org"});
    // Twice in one registration.
    let p = f
        .register(&f.member, json!({"payment_method": "cheque", "delegates": [ada, {"name": "Ada L.", "email": "ADA@example.org"}]}))
        .await
        .problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("named twice"), "{p}");
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "delegates": [ada]}),
    )
    .await
    .expect(201);
    // Again later, typed in another case or Unicode form, by anyone.
    let other_org = f
        .app
        .organisation(&f.staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let other = f.app.org_user(&other_org).await;
    let p = f
        .register(&other, json!({"payment_method": "cheque", "delegates": [{"name": "Ada", "email": " Ada@Example.org "}]}))
        .await
        .problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("already registered"),
        "{p}"
    );
    assert!(
        !p["detail"].as_str().unwrap().contains("Cardiff"),
        "the other booking is not named: {p}"
    );
    let cafe = json!({"name": "Café Owner", "email": "caf\u{e9}@example.org"});
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "delegates": [cafe]}),
    )
    .await
    .expect(201);
    f.register(&other, json!({"payment_method": "cheque", "delegates": [{"name": "Café", "email": "cafe\u{301}@example.org"}]}))
        .await
        .problem(409, "conflict");
    // Organisations may not override; staff may, audited.
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "duplicate_override": true, "delegates": [ada]}),
    )
    .await
    .problem(403, "forbidden");
    f.register(&f.staff, json!({"payment_method": "cheque", "organisation_id": other_org, "duplicate_override": true, "delegates": [ada]}))
        .await
        .expect(201);
    assert_eq!(f.audit().await[0], "duplicate_allowed");

    // Substituting in someone who already holds a place is refused too.
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [person("Robert Owen", false)]}),
        )
        .await
        .expect(201);
    let robert = r["delegates"][0]["id"].as_str().unwrap().to_owned();
    f.app
        .post(
            &format!("/api/v1/delegates/{robert}/substitution"),
            Some(&f.member),
            &json!({"name": "Ada Again", "email": "ada@example.org"}),
        )
        .await
        .problem(409, "conflict");
    // Once the earlier place is cancelled the person may register again.
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [person("Comes Back", false)]}),
        )
        .await
        .expect(201);
    let d = r["delegates"][0]["id"].as_str().unwrap();
    f.app
        .post(
            &format!("/api/v1/delegates/{d}/cancellation"),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    f.register(
        &f.member,
        json!({"payment_method": "cheque", "delegates": [person("Comes Back", false)]}),
    )
    .await
    .expect(201);
}

/// The CAC candidate list and what the nominating body was told.
async fn candidates(f: &Fixture) -> Value {
    f.app
        .get(&f.conf("/cac-nominations"), Some(&f.staff))
        .await
        .expect(200)
}

async fn a_nomination_falls_when_its_candidate_leaves(b: Backend) {
    let f = fixture(b, json!({})).await;
    f.app.clock.set(london(2016, 7, 1, 10, 0, 0));
    let society = f
        .app
        .post(
            "/api/v1/organisations",
            Some(&f.staff),
            &json!({"name": "Bristol Society", "kind": "society", "region": "South West", "contact_email": "sec@bristol.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let society_user = f.app.org_user(&society).await;
    let r = f
        .register(&f.member, json!({"payment_method": "cheque", "delegates": [person("Ada Lovelace", false), person("Robert Owen", false)]}))
        .await
        .expect(201);
    let ada = r["delegates"][0]["id"].as_str().unwrap().to_owned();
    let robert = r["delegates"][1]["id"].as_str().unwrap().to_owned();
    let mut nominations = Vec::new();
    for id in [&ada, &robert] {
        let n = f
            .app
            .post(
                &f.conf("/cac-nominations"),
                Some(&society_user),
                &json!({"delegate_id": id, "statement": "A fine candidate."}),
            )
            .await
            .expect(201);
        nominations.push(n["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(candidates(&f).await["items"].as_array().unwrap().len(), 2);

    // Ada's place goes to someone else: her nomination is withdrawn, not
    // transferred to the substitute.
    f.app
        .post(
            &format!("/api/v1/delegates/{ada}/substitution"),
            Some(&f.member),
            &json!({"name": "Mary Barbour", "email": "mary@example.org"}),
        )
        .await
        .expect(200);
    // Robert cancels.
    f.app
        .post(
            &format!("/api/v1/delegates/{robert}/cancellation"),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    let list = candidates(&f).await;
    assert_eq!(list["items"], json!([]), "{list}");
    for id in &nominations {
        let n = f
            .app
            .get(&format!("/api/v1/submissions/{id}"), Some(&f.staff))
            .await
            .expect(200);
        assert_eq!(n["status"], "withdrawn");
        assert_eq!(n["status_reason"], "candidate no longer a delegate");
    }
    // Each withdrawal is audited and emailed to the nominating body, naming
    // the person nominated.
    let actions = f.audit().await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "submission_reviewed")
            .count(),
        2,
        "{actions:?}"
    );
    let outbox = f
        .app
        .get(
            &format!("/api/v1/outbox?conference_id={}&limit=100", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    let decisions: Vec<(&str, &str)> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "submission_decision")
        .map(|e| {
            (
                e["recipient"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    for (recipient, subject) in decisions {
        assert_eq!(recipient, "sec@bristol.example");
        assert!(subject.contains("withdrawn"), "{subject}");
    }
    // The email names the person nominated, not the substitute.
    let bodies: Vec<String> = f
        .app
        .queued("submission_decision")
        .await
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("Ada Lovelace")),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().all(|b| !b.contains("Mary Barbour")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| b.contains("candidate no longer a delegate")),
        "{bodies:?}"
    );
    // The society may nominate the newcomer afresh.
    f.app
        .post(
            &f.conf("/cac-nominations"),
            Some(&society_user),
            &json!({"delegate_id": ada, "statement": "The new delegate."}),
        )
        .await
        .expect(201);
    let list = candidates(&f).await;
    assert_eq!(list["items"][0]["name"], "Mary Barbour");
    assert_eq!(list["items"][0]["nominations"].as_array().unwrap().len(), 1);
}

async fn cac_eligibility_follows_the_members_region(b: Backend) {
    let f = fixture(b, json!({})).await;
    f.app.clock.set(london(2016, 7, 1, 10, 0, 0));
    let society = f
        .app
        .post(
            "/api/v1/organisations",
            Some(&f.staff),
            &json!({"name": "Midcounties Society", "kind": "society", "region": "South West", "contact_email": "sec@midcounties.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let society_user = f.app.org_user(&society).await;
    let r = f
        .register(
            &society_user,
            json!({"payment_method": "invoice", "delegates": [
                {"name": "Brum Member", "email": "brum@example.org", "region": "West Midlands"},
                {"name": "Bath Member", "email": "bath@example.org"}
            ]}),
        )
        .await
        .expect(201);
    assert_eq!(r["delegates"][0]["region"], "West Midlands");
    assert_eq!(
        r["delegates"][1]["region"], "South West",
        "defaults to the society's"
    );
    let nominate = |delegate: &str| {
        let body = json!({"delegate_id": delegate, "statement": "Ready to serve."});
        let f = &f;
        async move {
            f.app
                .post(&f.conf("/cac-nominations"), Some(&f.member), &body)
                .await
        }
    };
    let e = nominate(r["delegates"][0]["id"].as_str().unwrap())
        .await
        .problem(422, "not_eligible");
    assert!(
        e["detail"].as_str().unwrap().contains("West Midlands"),
        "{e}"
    );
    nominate(r["delegates"][1]["id"].as_str().unwrap())
        .await
        .expect(201);
    let list = candidates(&f).await;
    assert_eq!(list["items"][0]["region"], "South West");
    // An unknown region is a field error.
    let p = f
        .register(
            &society_user,
            json!({"payment_method": "invoice", "delegates": [{"name": "X", "email": "x@example.org", "region": "Atlantis"}]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["delegates[0].region"]);
}

async fn every_creating_post_is_idempotent(b: Backend) {
    let f = fixture(b, json!({})).await;
    let key = |k: &str| [("Idempotency-Key", k.to_owned())];
    let post = |path: String, token: String, body: Value, k: &'static str| {
        let f = &f;
        async move {
            let headers = key(k);
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(a, b)| (*a, b.as_str())).collect();
            f.app
                .request(
                    reqwest::Method::POST,
                    &path,
                    Some(&token),
                    Some(&body),
                    &headers,
                )
                .await
        }
    };
    let org_body = json!({"name": "Leeds", "kind": "local_party", "region": "Yorkshire & the Humber", "contact_email": "sec@leeds.example"});
    let first = post(
        "/api/v1/organisations".into(),
        f.staff.clone(),
        org_body.clone(),
        "org-1",
    )
    .await;
    assert_eq!(first.status.as_u16(), 201);
    let again = post(
        "/api/v1/organisations".into(),
        f.staff.clone(),
        org_body,
        "org-1",
    )
    .await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);

    let user_body = json!({"email": "new@leeds.example", "name": "New", "password": "a long enough passphrase", "role": "organisation", "organisation_id": first.body["id"]});
    let u1 = post(
        "/api/v1/users".into(),
        f.staff.clone(),
        user_body.clone(),
        "user-1",
    )
    .await;
    let u2 = post("/api/v1/users".into(), f.staff.clone(), user_body, "user-1").await;
    assert_eq!((u1.status.as_u16(), u2.status.as_u16()), (201, 201));
    assert_eq!(u2.body["id"], u1.body["id"]);

    let mut conf_body = common::cardiff();
    common::merge(&mut conf_body, json!({"slug": "idempotent-conference"}));
    let c1 = post(
        "/api/v1/conferences".into(),
        f.staff.clone(),
        conf_body.clone(),
        "conf-1",
    )
    .await;
    let c2 = post(
        "/api/v1/conferences".into(),
        f.staff.clone(),
        conf_body,
        "conf-1",
    )
    .await;
    assert_eq!((c1.status.as_u16(), c2.status.as_u16()), (201, 201));
    assert_eq!(c2.body["id"], c1.body["id"]);

    // Cancellation twice with one key: the first answer again, not 409.
    let r = f
        .register(
            &f.member,
            json!({"payment_method": "cheque", "delegates": [person("Ada Lovelace", false)]}),
        )
        .await
        .expect(201);
    let d = r["delegates"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/delegates/{d}/cancellation");
    let x1 = post(path.clone(), f.member.clone(), json!({}), "cancel-1").await;
    let x2 = post(path, f.member.clone(), json!({}), "cancel-1").await;
    assert_eq!(
        (x1.status.as_u16(), x2.status.as_u16()),
        (200, 200),
        "{}",
        x2.text
    );
    assert_eq!(x2.headers["idempotent-replayed"], "true");
}
