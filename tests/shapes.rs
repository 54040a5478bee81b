//! Conference shapes: a conference is created with only what it has (every
//! deadline and the CAC election optional), registration opens on a date,
//! and a kind without a deadline is not taken.

mod common;

use common::visitor::Visitor;
use common::{london, Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    local_government_conference_needs_only_what_it_has,
    registration_opens_at_local_midnight,
    a_removed_deadline_closes_its_kind,
    the_portal_offers_only_what_a_conference_takes,
    conferences_made_before_the_upgrade_keep_everything,
);

/// The Local Government Conference of the seed: Manchester, Saturday 12
/// November, one day, no dinner, no motions, no CAC.
fn local_government() -> Value {
    json!({
        "slug": "local-government-2016",
        "name": "Local Government Conference 2016",
        "venue": "Manchester Central",
        "timezone": "Europe/London",
        "starts_on": "2016-11-12",
        "ends_on": "2016-11-12",
        "currency": "GBP",
        "registration_opens": "2016-09-01",
        "price_tiers": [
            {"code": "standard", "name": "Standard", "until": null, "pass_fee": "30.00", "dinner_fee": "0.00"}
        ],
        "dinner_capacity": 0
    })
}

fn delegate(name: &str) -> Value {
    json!({
        "name": name,
        "email": format!("{}@councillors.example", name.to_lowercase().replace(' ', ".")),
        "dinner": false
    })
}

struct Fixture {
    app: TestApp,
    staff: String,
    org: String,
    member: String,
    conference: String,
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Manchester", "North West").await;
    app.create_user("sec@manchester.example", "organisation", Some(&org))
        .await;
    let member = app.login("sec@manchester.example").await;
    app.clock.set(london(2016, 8, 1, 12, 0, 0));
    let c = app
        .post("/api/v1/conferences", Some(&staff), &local_government())
        .await
        .expect(201);
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
        format!("/api/v1/conferences/{}", self.conference)
    }

    fn conf(&self, tail: &str) -> String {
        format!("/api/v1/conferences/{}/{tail}", self.conference)
    }

    async fn register(&self, name: &str) -> common::Response {
        self.app
            .post(
                &self.conf("registrations"),
                Some(&self.member),
                &json!({"payment_method": "invoice", "delegates": [delegate(name)]}),
            )
            .await
    }

    async fn registrations(&self) -> usize {
        self.app
            .get(&self.conf("registrations"), Some(&self.staff))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len()
    }
}

async fn local_government_conference_needs_only_what_it_has(b: Backend) {
    let f = fixture(b).await;
    let c = f.app.get(&f.path(), None).await.expect(200);
    assert_eq!(c["deadlines"], json!({}));
    assert_eq!(c["cac"], Value::Null);
    assert_eq!(c["registration_opens"], "2016-09-01");
    assert_eq!(c["starts_on"], c["ends_on"]);

    // On the day it is open; registration closes at the end of the day.
    f.app.clock.set(london(2016, 11, 12, 23, 59, 59));
    let r = f.register("Ada Councillor").await.expect(201);
    assert_eq!(r["total"], "30.00");
    f.app.clock.set(london(2016, 11, 13, 0, 0, 0));
    f.register("Late Councillor")
        .await
        .problem(409, "deadline_passed");

    // It takes no motions, amendments' motions, policy submissions, CAC or
    // award nominations: each refused as not open, for staff as well.
    f.app.clock.set(london(2016, 10, 1, 12, 0, 0));
    let cases = [
        (
            "motions",
            json!({"title": "Buses", "body": "Conference believes."}),
        ),
        (
            "policy-submissions",
            json!({"title": "Buses", "body": "Conference believes."}),
        ),
        (
            "cac-nominations",
            json!({"delegate_id": r["delegates"][0]["id"], "statement": "I stand."}),
        ),
        (
            "award-nominations",
            json!({"nominee_kind": "member", "nominee_name": "Ada", "citation": "Tireless."}),
        ),
    ];
    for (kind, body) in cases {
        let p = f
            .app
            .post(&f.conf(kind), Some(&f.member), &body)
            .await
            .problem(409, "not_open");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .starts_with("this conference takes no"),
            "{p}"
        );
    }
    let staff_motion = json!({"organisation_id": f.org, "title": "Buses", "body": "Conference believes.", "late_override": true});
    f.app
        .post(&f.conf("motions"), Some(&f.staff), &staff_motion)
        .await
        .problem(409, "not_open");
    // Nor can an organisation be given an extension for a deadline that
    // does not exist.
    f.app
        .post(
            &f.conf("extensions"),
            Some(&f.staff),
            &json!({"organisation_id": f.org, "deadline": "motions", "until": "2016-11-01"}),
        )
        .await
        .problem(409, "not_open");
}

async fn registration_opens_at_local_midnight(b: Backend) {
    let f = fixture(b).await;
    // 23:59:59 BST on 31 August: not yet; nothing is created.
    f.app.clock.set(london(2016, 8, 31, 23, 59, 59));
    let p = f
        .register("Early Councillor")
        .await
        .problem(409, "not_open");
    assert_eq!(p["detail"], "registration opens on 2016-09-01");
    assert_eq!(f.registrations().await, 0);
    let quote = f.app.get(&f.conf("quote"), None).await.expect(200);
    assert_eq!(quote["registration_open"], false);
    assert_eq!(quote["closed_reason"], "not_open");
    // 00:00 BST on 1 September: open.
    f.app.clock.set(london(2016, 9, 1, 0, 0, 0));
    f.register("Early Councillor").await.expect(201);
    assert_eq!(f.registrations().await, 1);
    let quote = f.app.get(&f.conf("quote"), None).await.expect(200);
    assert_eq!(quote["registration_open"], true);

    // The opening date moves, and goes, by a patch; never after the first day.
    let path = f.path();
    let bad = f
        .app
        .patch(
            &path,
            Some(&f.staff),
            &json!({"registration_opens": "2016-11-13"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "registration_opens");
    let c = f
        .app
        .patch(&path, Some(&f.staff), &json!({"registration_opens": null}))
        .await
        .expect(200);
    assert_eq!(c["registration_opens"], Value::Null);
}

async fn a_removed_deadline_closes_its_kind(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    app.clock.set(london(2016, 3, 1, 12, 0, 0));
    // The reference conference, in the payload clients have always sent.
    let c = app.conference(&staff, json!({})).await;
    assert_eq!(c["deadlines"].as_object().unwrap().len(), 6);
    assert_eq!(c["cac"]["vacancies"], 2);
    assert_eq!(c["registration_opens"], Value::Null);
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/conferences/{id}");
    let motion = json!({"title": "Buses", "body": "Conference believes."});
    app.post(&format!("{path}/motions"), Some(&member), &motion)
        .await
        .expect(201);

    // CAC nominations need an election; both go together.
    let orphan = app
        .patch(&path, Some(&staff), &json!({"cac": null}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(orphan["errors"][0]["field"], "cac");
    let c = app
        .patch(
            &path,
            Some(&staff),
            &json!({"cac": null, "deadlines": {"motions": null, "cac_nominations": null}}),
        )
        .await
        .expect(200);
    assert_eq!(c["cac"], Value::Null);
    assert!(c["deadlines"].get("motions").is_none());
    assert_eq!(c["deadlines"]["amendments"], "2016-08-01");
    app.post(&format!("{path}/motions"), Some(&member), &motion)
        .await
        .problem(409, "not_open");
    // The other kinds are still taken.
    app.post(
        &format!("{path}/policy-submissions"),
        Some(&member),
        &motion,
    )
    .await
    .expect(201);
}

async fn the_portal_offers_only_what_a_conference_takes(b: Backend) {
    let f = fixture(b).await;
    let mut v = Visitor::new(&f.app);
    v.sign_in("sec@manchester.example", PASSWORD).await;
    // Before opening: no registration, and the form says when it opens.
    let home = v.get("/portal").await.text;
    assert!(home.contains("Local Government Conference 2016"), "{home}");
    for absent in ["Register delegates", "Submit a motion", "Nominate for CAC"] {
        assert!(!home.contains(absent), "{absent:?} offered:\n{home}");
    }
    let form = v
        .get(&format!("/portal/conferences/{}/register", f.conference))
        .await
        .text;
    assert!(
        form.contains("Registration for this conference opens on Thursday 1 September 2016."),
        "{form}"
    );
    let motion = v
        .get(&format!("/portal/conferences/{}/motions/new", f.conference))
        .await;
    assert_eq!(motion.status, 409);
    assert!(motion.text.contains("This conference takes no motions."));

    f.app.clock.set(london(2016, 9, 1, 9, 0, 0));
    v.sign_in("sec@manchester.example", PASSWORD).await;
    let home = v.get("/portal").await.text;
    assert!(home.contains("Register delegates"), "{home}");
    assert!(!home.contains("Submit a motion"));
    assert!(!home.contains("Nominate for CAC"));
}

/// A conference stored before the upgrade (every deadline and the CAC
/// election required then) keeps its dates, prices and election: the
/// SQLite table rebuild neither loses nor cascades anything.
async fn conferences_made_before_the_upgrade_keep_everything(b: Backend) {
    let id = uuid::Uuid::now_v7().to_string();
    let legacy = format!(
        "INSERT INTO conferences (id, slug, name, venue, timezone, starts_on, ends_on, currency, \
         registration_deadline, motions_deadline, amendments_deadline, \
         policy_submissions_deadline, cac_nominations_deadline, award_nominations_deadline, \
         cac_vacancies, cac_excluded_regions, created_at, updated_at) VALUES ('{id}', \
         'annual-2016', 'Annual Conference 2016', 'Cardiff', 'Europe/London', '2016-09-09', \
         '2016-09-11', 'GBP', '2016-08-22', '2016-04-04', '2016-08-01', '2016-08-01', \
         '2016-08-01', '2016-08-01', 2, '[\"West Midlands\"]', '2016-01-01 10:00:00', \
         '2016-01-01 10:00:00'); \
         INSERT INTO price_tiers (conference_id, position, code, name, until, pass_fee_minor, \
         dinner_fee_minor) VALUES ('{id}', 0, 'early', 'Early bird', '2016-06-30', 9000, 4500), \
         ('{id}', 1, 'standard', 'Standard', NULL, 11000, 4500);"
    );
    let app = TestApp::spawn_upgraded(b, "110000_shapes", legacy).await;
    let c = app
        .get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
    assert_eq!(c["deadlines"].as_object().unwrap().len(), 6);
    assert_eq!(c["deadlines"]["motions"], "2016-04-04");
    assert_eq!(c["registration_opens"], Value::Null);
    assert_eq!(
        c["cac"],
        json!({"vacancies": 2, "excluded_regions": ["West Midlands"]})
    );
    assert_eq!(c["price_tiers"][0]["pass_fee"], "90.00");
    assert_eq!(c["price_tiers"][1]["code"], "standard");
}
