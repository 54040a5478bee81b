//! Pass kinds: the Annual Conference with delegate (voting) and visitor
//! passes, each with its own fee per tier; the dinner with any pass; the
//! first voting kind for a person who names none; `pass_fee` kept for
//! clients written before kinds; a conference stored before the upgrade
//! read as one `delegate` kind; bad kinds refused with field paths; a
//! visitor cannot stand for CAC; exports, badges and the summary name the
//! kind.

mod common;

use common::visitor::Visitor;
use common::{london, pdf_text, Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    each_kind_has_its_fee_in_each_tier,
    a_person_who_names_no_kind_gets_the_first_voting_kind,
    pass_fee_still_means_the_only_kind,
    conferences_and_people_from_before_the_upgrade_are_delegates,
    bad_kinds_are_refused_with_their_paths,
    a_visitor_cannot_stand_for_cac,
    lists_badges_and_the_summary_name_the_kind,
    the_portal_offers_each_pass_with_its_fee,
);

/// The Annual Conference's pass kinds and fees: delegates vote; visitors
/// pay less and do not.
fn with_visitors() -> Value {
    json!({
        "pass_kinds": [
            {"code": "delegate", "name": "Delegate", "votes": true},
            {"code": "visitor", "name": "Visitor", "votes": false}
        ],
        "price_tiers": [
            {"code": "early", "name": "Early bird", "until": "2016-06-30",
             "pass_fees": {"delegate": "90.00", "visitor": "40.00"}, "dinner_fee": "45.00"},
            {"code": "standard", "name": "Standard", "until": null,
             "pass_fees": {"delegate": "110.00", "visitor": "50.00"}, "dinner_fee": "45.00"}
        ]
    })
}

struct Fixture {
    app: TestApp,
    staff: String,
    member: String,
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
    let conference = app.conference(&staff, with_visitors()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        app,
        staff,
        member,
        conference,
    }
}

impl Fixture {
    fn conf(&self, tail: &str) -> String {
        format!("/api/v1/conferences/{}/{tail}", self.conference)
    }

    async fn register(&self, delegates: Value) -> common::Response {
        self.app
            .post(
                &self.conf("registrations"),
                Some(&self.member),
                &json!({"payment_method": "invoice", "delegates": delegates}),
            )
            .await
    }

    async fn quote(&self, query: &str) -> Value {
        self.app
            .get(&self.conf(&format!("quote?{query}")), None)
            .await
            .expect(200)
    }
}

fn person(name: &str, kind: Option<&str>, dinner: bool) -> Value {
    let mut p = json!({
        "name": name,
        "email": format!("{}@cardiff.example", name.to_lowercase().replace(' ', ".")),
        "dinner": dinner
    });
    if let Some(kind) = kind {
        p["pass_kind"] = json!(kind);
    }
    p
}

async fn each_kind_has_its_fee_in_each_tier(b: Backend) {
    let f = fixture(b).await;
    let c = f
        .app
        .get(&format!("/api/v1/conferences/{}", f.conference), None)
        .await
        .expect(200);
    assert_eq!(
        c["pass_kinds"],
        json!([
            {"code": "delegate", "name": "Delegate", "votes": true},
            {"code": "visitor", "name": "Visitor", "votes": false}
        ])
    );
    assert_eq!(
        c["price_tiers"][0]["pass_fees"],
        json!({"delegate": "90.00", "visitor": "40.00"})
    );

    // The last instant of the early-bird tier, local time (BST).
    f.app.clock.set(london(2016, 6, 30, 23, 59, 59));
    let q = f.quote("pass_kind=visitor&dinner=true").await;
    assert_eq!(
        (&q["tier"], &q["pass_kind"], &q["pass_fee"], &q["total"]),
        (
            &json!("early"),
            &json!("visitor"),
            &json!("40.00"),
            &json!("85.00")
        )
    );
    let early = f
        .register(json!([person("Vera Visitor", Some("visitor"), true)]))
        .await
        .expect(201);
    let v = &early["delegates"][0];
    assert_eq!(v["pass_kind"], "visitor");
    assert_eq!(v["votes"], false);
    assert_eq!(v["pass_fee"], "40.00");
    assert_eq!(v["dinner_fee"], "45.00", "the dinner goes with any pass");
    assert_eq!(v["fee"], "85.00");
    assert_eq!(early["total"], "85.00");

    // The first instant of the standard tier.
    f.app.clock.set(london(2016, 7, 1, 0, 0, 0));
    let q = f.quote("pass_kind=visitor").await;
    assert_eq!(
        (&q["tier"], &q["total"]),
        (&json!("standard"), &json!("50.00"))
    );
    let q = f.quote("pass_kind=delegate&dinner=true").await;
    assert_eq!(q["total"], "155.00");
    let late = f
        .register(json!([
            person("Dai Delegate", Some("delegate"), false),
            person("Val Visitor", Some("visitor"), false)
        ]))
        .await
        .expect(201);
    assert_eq!(late["tier"], "standard");
    assert_eq!(late["delegates"][0]["fee"], "110.00");
    assert_eq!(late["delegates"][1]["fee"], "50.00");
    assert_eq!(late["total"], "160.00");

    // The invoice names each pass's kind.
    let invoices = f
        .app
        .get(
            &format!(
                "/api/v1/registrations/{}/invoices",
                late["id"].as_str().unwrap()
            ),
            Some(&f.member),
        )
        .await
        .expect(200);
    let pdf = f
        .app
        .client
        .get(format!(
            "{}/api/v1/invoices/{}.pdf",
            f.app.base,
            invoices["items"][0]["id"].as_str().unwrap()
        ))
        .bearer_auth(&f.member)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("Dai Delegate: delegate pass"), "{text}");
    assert!(text.contains("Val Visitor: visitor pass"), "{text}");

    // Price fixed at receipt: a new fee table re-prices nobody.
    let mut tiers = with_visitors();
    tiers["price_tiers"][1]["pass_fees"]["visitor"] = json!("75.00");
    f.app
        .patch(
            &format!("/api/v1/conferences/{}", f.conference),
            Some(&f.staff),
            &json!({"price_tiers": tiers["price_tiers"]}),
        )
        .await
        .expect(200);
    let again = f
        .app
        .get(
            &format!("/api/v1/registrations/{}", late["id"].as_str().unwrap()),
            Some(&f.member),
        )
        .await
        .expect(200);
    assert_eq!(again["delegates"][1]["fee"], "50.00");
}

async fn a_person_who_names_no_kind_gets_the_first_voting_kind(b: Backend) {
    let f = fixture(b).await;
    // Visitors listed first: the default is still the first kind that votes.
    f.app
        .patch(
            &format!("/api/v1/conferences/{}", f.conference),
            Some(&f.staff),
            &json!({"pass_kinds": [
                {"code": "visitor", "name": "Visitor", "votes": false},
                {"code": "delegate", "name": "Delegate", "votes": true}
            ]}),
        )
        .await
        .expect(200);
    let q = f.quote("").await;
    assert_eq!(
        (&q["pass_kind"], &q["pass_fee"]),
        (&json!("delegate"), &json!("90.00"))
    );
    let r = f
        .register(json!([person("Nia Nobody", None, false)]))
        .await
        .expect(201);
    assert_eq!(r["delegates"][0]["pass_kind"], "delegate");
    assert_eq!(r["delegates"][0]["votes"], true);
    assert_eq!(r["delegates"][0]["pass_fee"], "90.00");
    let c = f
        .app
        .get(&format!("/api/v1/conferences/{}", f.conference), None)
        .await
        .expect(200);
    assert_eq!(
        c["price_tiers"][0]["pass_fee"], "90.00",
        "the first voting kind's fee"
    );
}

async fn pass_fee_still_means_the_only_kind(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 6, 1, 10, 0, 0));
    let staff = app.staff().await;
    // A client written before pass kinds: `pass_fee` and no `pass_kinds`.
    let c = app.conference(&staff, json!({})).await;
    assert_eq!(
        c["pass_kinds"],
        json!([{"code": "delegate", "name": "Delegate", "votes": true}])
    );
    assert_eq!(c["price_tiers"][0]["pass_fee"], "90.00");
    assert_eq!(
        c["price_tiers"][0]["pass_fees"],
        json!({"delegate": "90.00"})
    );
    let id = c["id"].as_str().unwrap();
    let patched = app
        .patch(
            &format!("/api/v1/conferences/{id}"),
            Some(&staff),
            &json!({"price_tiers": [
                {"code": "standard", "name": "Standard", "until": null, "pass_fee": "100.00", "dinner_fee": "40.00"}
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(
        patched["price_tiers"][0]["pass_fees"],
        json!({"delegate": "100.00"})
    );
    // What a GET returns can be sent back (both members, agreeing).
    let back = app
        .patch(
            &format!("/api/v1/conferences/{id}"),
            Some(&staff),
            &json!({"price_tiers": patched["price_tiers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| json!({"code": t["code"], "name": t["name"], "until": t["until"],
                    "pass_fee": t["pass_fee"], "pass_fees": t["pass_fees"], "dinner_fee": t["dinner_fee"]}))
                .collect::<Vec<_>>()}),
        )
        .await
        .expect(200);
    assert_eq!(back["price_tiers"][0]["pass_fee"], "100.00");
    // With two kinds, `pass_fee` alone names no kind.
    let mut two = with_visitors();
    two["price_tiers"][1] = json!({"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"});
    let mut body = common::cardiff();
    common::merge(&mut body, two);
    let e = app
        .post("/api/v1/conferences", Some(&staff), &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "price_tiers[1].pass_fees");
}

async fn conferences_and_people_from_before_the_upgrade_are_delegates(b: Backend) {
    let c = uuid::Uuid::now_v7().to_string();
    let (o, r, d, u) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let legacy = format!(
        "INSERT INTO conferences (id, slug, name, venue, timezone, starts_on, ends_on, currency, \
         registration_deadline, cac_excluded_regions, created_at, updated_at, places_taken) VALUES \
         ('{c}', 'annual-2016', 'Annual Conference 2016', 'Cardiff', 'Europe/London', '2016-09-09', \
         '2016-09-11', 'GBP', '2016-08-22', '[]', '2016-01-01 10:00:00', '2016-01-01 10:00:00', 1); \
         INSERT INTO price_tiers (conference_id, position, code, name, until, pass_fee_minor, \
         dinner_fee_minor) VALUES ('{c}', 0, 'early', 'Early bird', '2016-06-30', 9000, 4500), \
         ('{c}', 1, 'standard', 'Standard', NULL, 11000, 4500); \
         INSERT INTO organisations (id, name, kind, region, contact_email, created_at) VALUES \
         ('{o}', 'Cardiff Co-operative Party', 'local_party', 'Wales', 'sec@cardiff.example', \
         '2016-01-01 10:00:00'); \
         INSERT INTO users (id, email, name, password_hash, role, organisation_id, created_at, staff_roles) VALUES \
         ('{u}', 'old@party.example', 'Old', 'x', 'staff', NULL, '2016-01-01 10:00:00', 'admin'); \
         INSERT INTO registrations (id, conference_id, organisation_id, reference, payment_method, \
         tier_code, currency, total_minor, amount_paid_minor, created_by, created_at, updated_at) \
         VALUES ('{r}', '{c}', '{o}', 'PL-AAAA-CCCC', 'cheque', 'early', 'GBP', 9000, 0, '{u}', \
         '2016-05-01 10:00:00', '2016-05-01 10:00:00'); \
         INSERT INTO delegates (id, registration_id, conference_id, position, name, email, email_key, \
         dinner, dietary_requirements, access_requirements, pass_fee_minor, dinner_fee_minor, \
         fee_minor, status, created_at, updated_at, region) VALUES ('{d}', '{r}', '{c}', 0, \
         'Ada Old', 'ada@old.example', 'ada@old.example', false, '', '', 9000, 0, 9000, 'active', \
         '2016-05-01 10:00:00', '2016-05-01 10:00:00', 'Wales');"
    );
    let app = TestApp::spawn_upgraded(b, "010000_pass_kinds", legacy).await;
    let conf = app
        .get(&format!("/api/v1/conferences/{c}"), None)
        .await
        .expect(200);
    assert_eq!(
        conf["pass_kinds"],
        json!([{"code": "delegate", "name": "Delegate", "votes": true}])
    );
    assert_eq!(
        conf["price_tiers"][0]["pass_fees"],
        json!({"delegate": "90.00"})
    );
    assert_eq!(conf["price_tiers"][1]["pass_fee"], "110.00");
    let staff = app.staff().await;
    let reg = app
        .get(&format!("/api/v1/registrations/{r}"), Some(&staff))
        .await
        .expect(200);
    assert_eq!(reg["delegates"][0]["pass_kind"], "delegate");
    assert_eq!(reg["delegates"][0]["votes"], true);
    assert_eq!(reg["delegates"][0]["pass_fee"], "90.00");
}

async fn bad_kinds_are_refused_with_their_paths(b: Backend) {
    let f = fixture(b).await;
    let fields = |e: &Value| -> Vec<String> {
        e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut body = common::cardiff();
    common::merge(&mut body, with_visitors());
    body["pass_kinds"] = json!([
        {"code": "delegate", "name": "Delegate", "votes": true},
        {"code": "delegate", "name": "Again", "votes": false},
        {"code": "Not A Slug", "name": "Bad", "votes": false}
    ]);
    let e = f
        .app
        .post("/api/v1/conferences", Some(&f.staff), &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&e)[..2],
        [
            "pass_kinds[1].code".to_owned(),
            "pass_kinds[2].code".to_owned()
        ]
    );

    let mut none_vote = common::cardiff();
    none_vote["pass_kinds"] = json!([{"code": "delegate", "name": "Delegate", "votes": false}]);
    let e = f
        .app
        .post("/api/v1/conferences", Some(&f.staff), &none_vote)
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&e), ["pass_kinds"]);
    let mut empty = common::cardiff();
    empty["pass_kinds"] = json!([]);
    let e = f
        .app
        .post("/api/v1/conferences", Some(&f.staff), &empty)
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&e), ["pass_kinds"]);

    let mut missing = common::cardiff();
    common::merge(&mut missing, with_visitors());
    missing["price_tiers"][1]["pass_fees"] = json!({"delegate": "110.00", "observer": "5.00"});
    let e = f
        .app
        .post("/api/v1/conferences", Some(&f.staff), &missing)
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&e),
        [
            "price_tiers[1].pass_fees.visitor",
            "price_tiers[1].pass_fees.observer"
        ]
    );

    // Adding a kind without its fees is refused, and changes nothing.
    let e = f
        .app
        .patch(
            &format!("/api/v1/conferences/{}", f.conference),
            Some(&f.staff),
            &json!({"pass_kinds": [
                {"code": "delegate", "name": "Delegate", "votes": true},
                {"code": "visitor", "name": "Visitor", "votes": false},
                {"code": "press", "name": "Press", "votes": false}
            ]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&e),
        [
            "price_tiers[0].pass_fees.press",
            "price_tiers[1].pass_fees.press"
        ]
    );

    // An unknown kind on a person, at its path; nothing is registered.
    let e = f
        .register(json!([
            person("Ann Able", None, false),
            person("Bob Bad", Some("observer"), false)
        ]))
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&e), ["delegates[1].pass_kind"]);
    let list = f
        .app
        .get(&f.conf("registrations"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let e = f
        .app
        .get(&f.conf("quote?pass_kind=observer"), None)
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&e), ["pass_kind"]);
}

async fn a_visitor_cannot_stand_for_cac(b: Backend) {
    let f = fixture(b).await;
    let r = f
        .register(json!([
            person("Dai Delegate", None, false),
            person("Val Visitor", Some("visitor"), false)
        ]))
        .await
        .expect(201);
    let nominate = |id: &Value| json!({"delegate_id": id, "statement": "An experienced chair."});
    let e = f
        .app
        .post(
            &f.conf("cac-nominations"),
            Some(&f.member),
            &nominate(&r["delegates"][1]["id"]),
        )
        .await
        .problem(422, "not_eligible");
    assert!(
        e["detail"].as_str().unwrap().contains("does not vote"),
        "{e}"
    );
    f.app
        .post(
            &f.conf("cac-nominations"),
            Some(&f.member),
            &nominate(&r["delegates"][0]["id"]),
        )
        .await
        .expect(201);
}

async fn lists_badges_and_the_summary_name_the_kind(b: Backend) {
    let f = fixture(b).await;
    f.register(json!([
        person("Dai Delegate", None, true),
        person("Val Visitor", Some("visitor"), true)
    ]))
    .await
    .expect(201);
    let get = |tail: &str| {
        f.app
            .client
            .get(format!("{}{}", f.app.base, f.conf(tail)))
            .bearer_auth(&f.staff)
            .send()
    };
    let csv = get("delegates.csv").await.unwrap().text().await.unwrap();
    let mut rows = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "pass_kind").unwrap();
    let kinds: Vec<String> = rows
        .map(|l| l.split(',').nth(col).unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["delegate", "visitor"]);

    let xlsx = get("delegates.xlsx").await.unwrap().bytes().await.unwrap();
    {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
        let sheet = book.worksheet_range("Delegates").unwrap();
        let cells: Vec<String> = sheet.rows().map(|r| r[col].to_string()).collect();
        assert_eq!(cells, ["pass_kind", "delegate", "visitor"]);
    }

    let summary = f
        .app
        .get(&f.conf("summary"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(
        summary["by_pass_kind"],
        json!([
            {"pass_kind": "delegate", "name": "Delegate", "delegates": 1},
            {"pass_kind": "visitor", "name": "Visitor", "delegates": 1}
        ])
    );

    let pdf = get("badges.pdf").await.unwrap().bytes().await.unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("Visitor"), "{text}");
    assert!(text.contains("Delegate"), "{text}");
}

/// The register form offers a Pass per person with each kind's fee; a
/// visitor is booked at the visitor's fee, and past the entitlement the
/// form says why, keeping what was typed.
async fn the_portal_offers_each_pass_with_its_fee(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 6, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app
        .organisation(&staff, "Cardiff Co-operative Party", "Wales")
        .await;
    app.create_user("sec@cardiff.example", "organisation", Some(&org))
        .await;
    let conference = app.conference(&staff, with_visitors()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut v = Visitor::new(&app);
    v.sign_in("sec@cardiff.example", PASSWORD).await;
    let path = format!("/portal/conferences/{conference}/register");
    let form = v.get(&path).await;
    assert_eq!(form.status, 200);
    for wanted in [
        "<label class=\"label\" for=\"delegates-0-pass_kind\">Pass</label>",
        "<option value=\"delegate\" selected>Delegate (£90.00)</option>",
        "<option value=\"visitor\">Visitor (£40.00)</option>",
    ] {
        assert!(form.text.contains(wanted), "{wanted}: {}", form.text);
    }
    let csrf = form.hidden("csrf_token");
    let post = |kind: &str, key: &str, who: &str| {
        let pairs = [
            ("csrf_token", csrf.clone()),
            ("idempotency_key", key.to_owned()),
            ("delegates-0-name", who.to_owned()),
            (
                "delegates-0-email",
                format!("{}@cardiff.example", who.split(' ').next().unwrap()),
            ),
            ("delegates-0-pass_kind", kind.to_owned()),
            ("delegates-0-dinner", "yes".to_owned()),
            ("payment_method", "cheque".to_owned()),
            ("action", "register".to_owned()),
        ];
        let (v, path) = (&v, path.clone());
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, x)| (*k, x.as_str())).collect();
            v.post(&path, &refs).await
        }
    };
    let unknown = post("observer", &form.hidden("idempotency_key"), "Tom Mann").await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown.text.contains("id=\"delegates-0-pass_kind-error\""),
        "{}",
        unknown.text
    );

    let done = post("visitor", &form.hidden("idempotency_key"), "Tom Mann").await;
    assert_eq!(done.status, 303, "{}", done.text);
    let list = app
        .get(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&staff),
        )
        .await
        .expect(200);
    let person = &list["items"][0]["delegates"][0];
    assert_eq!(person["pass_kind"], "visitor");
    assert_eq!(person["fee"], "85.00");

    // No voting passes left to Cardiff: the form says so and books nothing.
    app.request(
        reqwest::Method::PUT,
        &format!("/api/v1/conferences/{conference}/entitlements"),
        Some(&staff),
        Some(&json!({"default": 0, "organisations": {}})),
        &[],
    )
    .await
    .expect(200);
    let form = v.get(&path).await;
    let refused = post("delegate", &form.hidden("idempotency_key"), "Keir Hardie").await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("Your organisation may hold 0 voting passes at this conference and holds 0"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"Keir Hardie\""));
}
