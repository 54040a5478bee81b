//! Entitlements: how many voting passes each organisation may hold. A
//! 40-way race for an entitlement of 3 sells exactly 3; a cancellation
//! frees one; staff may override (audited); visitors never count; an
//! organisation user reads only its own figures and may not set them.

mod common;

use std::sync::Arc;

use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    forty_racers_for_an_entitlement_of_three_get_exactly_three,
    a_registration_past_the_entitlement_is_refused_whole_with_the_figures,
    cancelling_a_voting_person_frees_one,
    staff_may_override_and_it_is_audited,
    visitors_never_count,
    an_organisation_reads_only_its_own_figures_and_sets_nothing,
);

struct Fixture {
    app: TestApp,
    staff: String,
    org: String,
    member: String,
    other_org: String,
    other_member: String,
    conference: String,
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 6, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app
        .organisation(&staff, "Cardiff Co-operative Party", "Wales")
        .await;
    let member = app.org_user(&org).await;
    let other_org = app
        .organisation(&staff, "Swansea Co-operative Party", "Wales")
        .await;
    let other_member = app.org_user(&other_org).await;
    let conference = app
        .conference(
            &staff,
            json!({
                "pass_kinds": [
                    {"code": "delegate", "name": "Delegate", "votes": true},
                    {"code": "visitor", "name": "Visitor", "votes": false}
                ],
                "price_tiers": [
                    {"code": "standard", "name": "Standard", "until": null,
                     "pass_fees": {"delegate": "110.00", "visitor": "50.00"}, "dinner_fee": "45.00"}
                ]
            }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        app,
        staff,
        org,
        member,
        other_org,
        other_member,
        conference,
    }
}

fn person(n: usize, kind: &str) -> Value {
    json!({"name": format!("Person {n}"), "email": format!("person{n}@cardiff.example"),
           "pass_kind": kind})
}

impl Fixture {
    fn conf(&self, tail: &str) -> String {
        format!("/api/v1/conferences/{}/{tail}", self.conference)
    }

    async fn set(&self, body: Value) -> Value {
        self.app
            .request(
                reqwest::Method::PUT,
                &self.conf("entitlements"),
                Some(&self.staff),
                Some(&body),
                &[],
            )
            .await
            .expect(200)
    }

    async fn register(&self, token: &str, people: Vec<Value>) -> common::Response {
        self.app
            .post(
                &self.conf("registrations"),
                Some(token),
                &json!({"payment_method": "cheque", "delegates": people}),
            )
            .await
    }

    async fn used(&self, token: &str, organisation: &str) -> Value {
        let v = self
            .app
            .get(&self.conf("entitlements"), Some(token))
            .await
            .expect(200);
        v["usage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["organisation_id"] == organisation)
            .cloned()
            .unwrap_or(Value::Null)
    }
}

async fn forty_racers_for_an_entitlement_of_three_get_exactly_three(b: Backend) {
    let f = Arc::new(fixture(b).await);
    f.set(json!({"default": 3})).await;
    let mut racers = Vec::new();
    for n in 0..40 {
        let f = Arc::clone(&f);
        racers.push(tokio::spawn(async move {
            let r = f.register(&f.member, vec![person(n, "delegate")]).await;
            (r.status.as_u16(), r.body)
        }));
    }
    let mut won = 0;
    for racer in racers {
        let (status, body) = racer.await.unwrap();
        match status {
            201 => won += 1,
            409 => {
                assert_eq!(body["code"], "entitlement_exceeded", "{body}");
                assert_eq!(body["entitlement"], 3);
                assert_eq!(body["asked"], 1);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(won, 3);
    let used = f.used(&f.staff, &f.org).await;
    assert_eq!(
        (used["entitlement"].clone(), used["used"].clone()),
        (json!(3), json!(3))
    );
    let list = f
        .app
        .get(&f.conf("registrations"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}

async fn a_registration_past_the_entitlement_is_refused_whole_with_the_figures(b: Backend) {
    let f = fixture(b).await;
    let set = f
        .set(json!({"default": 5, "organisations": {f.org.clone(): 2}}))
        .await;
    assert_eq!(set["default"], 5);
    assert_eq!(set["organisations"][&f.org], 2);
    f.register(&f.member, vec![person(1, "delegate")])
        .await
        .expect(201);
    let e = f
        .register(
            &f.member,
            vec![
                person(2, "delegate"),
                person(3, "delegate"),
                person(4, "visitor"),
            ],
        )
        .await
        .problem(409, "entitlement_exceeded");
    assert_eq!(
        (
            e["entitlement"].clone(),
            e["used"].clone(),
            e["asked"].clone()
        ),
        (json!(2), json!(1), json!(2))
    );
    assert!(
        e["detail"].as_str().unwrap().contains("entitlement is 2"),
        "{e}"
    );
    // Refused whole: the visitor was not registered either.
    let used = f.used(&f.staff, &f.org).await;
    assert_eq!(used["used"], 1);
    let c = f
        .app
        .get(&format!("/api/v1/conferences/{}", f.conference), None)
        .await
        .expect(200);
    assert_eq!(c["places_taken"], 1);
    // The other organisation has the default.
    f.register(
        &f.other_member,
        (10..15).map(|n| person(n, "delegate")).collect(),
    )
    .await
    .expect(201);
    f.register(&f.other_member, vec![person(15, "delegate")])
        .await
        .problem(409, "entitlement_exceeded");
    // Bad bodies, at their paths.
    let e = f
        .app
        .request(
            reqwest::Method::PUT,
            &f.conf("entitlements"),
            Some(&f.staff),
            Some(&json!({"default": -1, "organisations": {"nope": 2, uuid::Uuid::now_v7().to_string(): 1}})),
            &[],
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["default", "organisations.nope"]);
}

async fn cancelling_a_voting_person_frees_one(b: Backend) {
    let f = fixture(b).await;
    f.set(json!({"default": 1})).await;
    let r = f
        .register(&f.member, vec![person(1, "delegate")])
        .await
        .expect(201);
    f.register(&f.member, vec![person(2, "delegate")])
        .await
        .problem(409, "entitlement_exceeded");
    f.app
        .post(
            &format!(
                "/api/v1/delegates/{}/cancellation",
                r["delegates"][0]["id"].as_str().unwrap()
            ),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(f.used(&f.staff, &f.org).await["used"], 0);
    f.register(&f.member, vec![person(2, "delegate")])
        .await
        .expect(201);
    // A substitute keeps the pass: nothing changes.
    let r2 = f
        .app
        .get(&f.conf("registrations"), Some(&f.member))
        .await
        .expect(200);
    let active = r2["items"][0]["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.app
        .post(
            &format!("/api/v1/delegates/{active}/substitution"),
            Some(&f.member),
            &json!({"name": "Sam Substitute", "email": "sam@cardiff.example"}),
        )
        .await
        .expect(200);
    assert_eq!(f.used(&f.staff, &f.org).await["used"], 1);
}

async fn staff_may_override_and_it_is_audited(b: Backend) {
    let f = fixture(b).await;
    f.set(json!({"default": 0})).await;
    let body = |over: bool| {
        json!({"organisation_id": f.org, "payment_method": "invoice",
               "delegates": [person(1, "delegate")], "entitlement_override": over})
    };
    f.app
        .post(&f.conf("registrations"), Some(&f.staff), &body(false))
        .await
        .problem(409, "entitlement_exceeded");
    // Only staff may ask.
    f.app
        .post(
            &f.conf("registrations"),
            Some(&f.member),
            &json!({"payment_method": "invoice", "delegates": [person(2, "delegate")],
                    "entitlement_override": true}),
        )
        .await
        .problem(403, "forbidden");
    let r = f
        .app
        .post(&f.conf("registrations"), Some(&f.staff), &body(true))
        .await
        .expect(201);
    assert_eq!(f.used(&f.staff, &f.org).await["used"], 1);
    let audit = f
        .app
        .get(
            &format!(
                "/api/v1/audit?conference_id={}&action=entitlement_override",
                f.conference
            ),
            Some(&f.staff),
        )
        .await
        .expect(200);
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["subject_id"], r["id"]);
    assert_eq!(items[0]["detail"]["entitlement"], 0);
    assert_eq!(items[0]["detail"]["asked"], 1);
}

async fn visitors_never_count(b: Backend) {
    let f = fixture(b).await;
    f.set(json!({"default": 1})).await;
    f.register(
        &f.member,
        vec![
            person(1, "visitor"),
            person(2, "visitor"),
            person(3, "delegate"),
        ],
    )
    .await
    .expect(201);
    f.register(&f.member, vec![person(4, "visitor")])
        .await
        .expect(201);
    assert_eq!(f.used(&f.staff, &f.org).await["used"], 1);
    let r = f
        .app
        .get(&f.conf("registrations"), Some(&f.member))
        .await
        .expect(200);
    let visitor = r["items"][0]["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.app
        .post(
            &format!("/api/v1/delegates/{visitor}/cancellation"),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(
        f.used(&f.staff, &f.org).await["used"],
        1,
        "a visitor frees none"
    );
}

async fn an_organisation_reads_only_its_own_figures_and_sets_nothing(b: Backend) {
    let f = fixture(b).await;
    f.set(json!({"default": 4, "organisations": {f.org.clone(): 6, f.other_org.clone(): 2}}))
        .await;
    f.register(&f.other_member, vec![person(1, "delegate")])
        .await
        .expect(201);
    let staff_view = f
        .app
        .get(&f.conf("entitlements"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(staff_view["usage"].as_array().unwrap().len(), 2);
    let own = f
        .app
        .get(&f.conf("entitlements"), Some(&f.member))
        .await
        .expect(200);
    assert_eq!(own["default"], 4);
    assert_eq!(own["organisations"], json!({f.org.clone(): 6}));
    assert_eq!(
        own["usage"],
        json!([{"organisation_id": f.org, "organisation": "Cardiff Co-operative Party",
                "entitlement": 6, "used": 0}])
    );
    assert!(!own.to_string().contains(&f.other_org));
    // Organisation users and staff without the conference role may not set them.
    let path = f.conf("entitlements");
    let body = json!({"default": 100});
    let finance = f.app.staff_with_roles(&["finance"]).await;
    for token in [&f.member, &finance] {
        f.app
            .request(reqwest::Method::PUT, &path, Some(token), Some(&body), &[])
            .await
            .problem(403, "forbidden");
    }
    f.app
        .get(&f.conf("entitlements"), Some(&finance))
        .await
        .problem(403, "forbidden");
    f.app
        .get(&f.conf("entitlements"), None)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        f.app
            .get(&f.conf("entitlements"), Some(&f.staff))
            .await
            .expect(200)["default"],
        4,
        "nothing changed"
    );
}
