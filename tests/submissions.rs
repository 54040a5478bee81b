//! Submissions: motions with a word limit, amendments, policy submissions,
//! CAC nominations with eligibility, award nominations, the shared deadline
//! rule, staff review, visibility, receipts and CSV exports.

mod common;

use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    a_society_and_a_local_party_submit_everything,
    motion_word_limit_and_fields,
    deadlines_at_local_midnight_with_extensions_and_overrides,
    amendments_follow_the_motion,
    cac_nomination_eligibility,
    award_nominations,
    review_workflow_is_audited_and_emailed,
    organisations_withdraw_their_own_before_the_deadline,
    visibility_filters_and_pagination,
    csv_exports_of_motions_and_nominations,
    concurrent_motions_get_distinct_numbers,
    idempotent_submission,
);

struct Fixture {
    app: TestApp,
    staff: String,
    /// A local party in Wales.
    party: String,
    party_user: String,
    /// A co-operative society in the South West.
    society: String,
    society_user: String,
    conference: String,
}

async fn organisation(app: &TestApp, staff: &str, name: &str, kind: &str, region: &str) -> String {
    app.post(
        "/api/v1/organisations",
        Some(staff),
        &json!({
            "name": name,
            "kind": kind,
            "region": region,
            "contact_email": format!("secretary@{}.example", name.to_lowercase().replace(' ', "-")),
        }),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn fixture(b: Backend, changes: Value) -> Fixture {
    let app = TestApp::spawn(b).await;
    // Early March 2016: every deadline of the reference conference is ahead.
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let party = organisation(&app, &staff, "Cardiff Party", "local_party", "Wales").await;
    let society = organisation(&app, &staff, "Bristol Society", "society", "South West").await;
    let party_user = app.org_user(&party).await;
    let society_user = app.org_user(&society).await;
    let c = app.conference(&staff, changes).await;
    Fixture {
        conference: c["id"].as_str().unwrap().to_owned(),
        app,
        staff,
        party,
        party_user,
        society,
        society_user,
    }
}

fn words(n: usize) -> String {
    (0..n)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Fixture {
    fn conf(&self, tail: &str) -> String {
        format!("/api/v1/conferences/{}/{tail}", self.conference)
    }

    async fn motion(&self, token: &str, title: &str) -> common::Response {
        self.app
            .post(
                &self.conf("motions"),
                Some(token),
                &json!({"title": title, "body": "Conference believes in co-operation."}),
            )
            .await
    }

    async fn amendment(&self, token: &str, motion: &str) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/motions/{motion}/amendments"),
                Some(token),
                &json!({"body": "Insert \"and mutuality\" after \"co-operation\"."}),
            )
            .await
    }

    async fn nominate(&self, token: &str, delegate: &str) -> common::Response {
        self.app
            .post(
                &self.conf("cac-nominations"),
                Some(token),
                &json!({"delegate_id": delegate, "statement": "An experienced chair."}),
            )
            .await
    }

    /// Registers one delegate (a person of their own) for `token`'s
    /// organisation; returns its id.
    async fn delegate(&self, token: &str, name: &str) -> String {
        let r = self
            .app
            .post(
                &self.conf("registrations"),
                Some(token),
                &json!({"payment_method": "invoice", "delegates": [{
                    "name": name,
                    "email": format!("{}@delegates.example", name.to_lowercase().replace(' ', ".")),
                    "dinner": false,
                    "dietary_requirements": "",
                    "access_requirements": ""
                }]}),
            )
            .await
            .expect(201);
        r["delegates"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn review(&self, id: &str, body: Value) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/submissions/{id}/review"),
                Some(&self.staff),
                &body,
            )
            .await
    }

    async fn outbox(&self) -> Vec<Value> {
        self.app
            .get("/api/v1/outbox?limit=500", Some(&self.staff))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn audit_actions(&self) -> Vec<(String, Value)> {
        self.app
            .get(
                &format!("/api/v1/audit?conference_id={}&limit=500", self.conference),
                Some(&self.staff),
            )
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["action"].as_str().unwrap().to_owned(),
                    a["detail"].clone(),
                )
            })
            .collect()
    }

    async fn grant(&self, organisation: &str, deadline: &str, until: &str) {
        self.app
            .post(
                &self.conf("extensions"),
                Some(&self.staff),
                &json!({"organisation_id": organisation, "deadline": deadline, "until": until}),
            )
            .await
            .expect(201);
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn a_society_and_a_local_party_submit_everything(b: Backend) {
    let f = fixture(b, json!({})).await;
    let party_delegate = f.delegate(&f.party_user, "Ada Lovelace").await;
    let society_delegate = f.delegate(&f.society_user, "Robert Owen").await;

    for (token, org, candidate) in [
        (&f.party_user, &f.party, &society_delegate),
        (&f.society_user, &f.society, &party_delegate),
    ] {
        let m = f.motion(token, "Co-operative energy").await.expect(201);
        assert_eq!(m["kind"], "motion");
        assert_eq!(m["organisation_id"], org.as_str());
        assert_eq!(m["status"], "submitted");
        assert_eq!(m["timeliness"], "on_time");
        assert_eq!(m["word_count"], 4);
        let a = f.amendment(token, &id(&m)).await.expect(201);
        assert_eq!(a["kind"], "amendment");
        assert_eq!(a["motion_id"], m["id"]);
        assert_eq!(
            a["reference"],
            format!("{}A1", m["reference"].as_str().unwrap())
        );

        let p = f
            .app
            .post(
                &f.conf("policy-submissions"),
                Some(token),
                &json!({"title": "Housing", "body": "Mutual home ownership, at scale."}),
            )
            .await
            .expect(201);
        assert_eq!(p["kind"], "policy_submission");
        assert_eq!(p["word_count"], 5);

        let n = f.nominate(token, candidate).await.expect(201);
        assert_eq!(n["kind"], "cac_nomination");
        assert_eq!(n["delegate_id"], candidate.as_str());
        assert_eq!(n["statement"], "An experienced chair.");

        let award = f
            .app
            .post(
                &f.conf("award-nominations"),
                Some(token),
                &json!({"nominee_kind": "branch", "nominee_name": "Splott Branch", "citation": "Ran the food co-op all year."}),
            )
            .await
            .expect(201);
        assert_eq!(award["kind"], "award_nomination");
        assert_eq!(award["nominee_kind"], "branch");
        assert_eq!(award["citation"], "Ran the food co-op all year.");

        // Everything is readable by the submitter.
        for s in [&m, &a, &p, &n, &award] {
            let got = f
                .app
                .get(&format!("/api/v1/submissions/{}", id(s)), Some(token))
                .await
                .expect(200);
            assert_eq!(&got, s);
        }
    }

    // Numbered per conference within each kind, in order of receipt.
    let motions = f
        .app
        .get(&f.conf("motions"), Some(&f.staff))
        .await
        .expect(200);
    let refs: Vec<&str> = motions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["M2", "M1"]);

    // A receipt per submission to the organisation's contact, linked to it.
    let receipts: Vec<Value> = f
        .outbox()
        .await
        .into_iter()
        .filter(|e| e["kind"] == "submission_receipt")
        .collect();
    assert_eq!(receipts.len(), 10);
    let society_receipts: Vec<&Value> = receipts
        .iter()
        .filter(|e| e["recipient"] == "secretary@bristol-society.example")
        .collect();
    assert_eq!(society_receipts.len(), 5);
    assert!(receipts.iter().all(|e| e["submission_id"].is_string()));
    assert!(receipts
        .iter()
        .any(|e| e["subject"].as_str().unwrap().contains("motion M1")));
}

async fn motion_word_limit_and_fields(b: Backend) {
    let f = fixture(b, json!({"motion_word_limit": 300})).await;
    let post = |body: Value| {
        let f = &f;
        async move {
            f.app
                .post(&f.conf("motions"), Some(&f.party_user), &body)
                .await
        }
    };
    // Exactly the limit is accepted and counted.
    let at_limit = post(json!({"title": "Limit", "body": words(300)}))
        .await
        .expect(201);
    assert_eq!(at_limit["word_count"], 300);
    // One over is refused with the count and the limit.
    let over = post(json!({"title": "Over", "body": words(301)}))
        .await
        .problem(422, "word_limit_exceeded");
    let detail = over["detail"].as_str().unwrap();
    assert!(detail.contains("301") && detail.contains("300"), "{detail}");
    // Unicode whitespace separates words; hyphenated words are one.
    let spaced = format!("{}\u{00A0}co-operative\u{2003}end", words(298));
    assert_eq!(
        post(json!({"title": "Spaces", "body": spaced}))
            .await
            .expect(201)["word_count"],
        300
    );
    let spaced_over = format!("{}\u{00A0}co-operative\u{3000}one\ttwo", words(298));
    post(json!({"title": "Spaces", "body": spaced_over}))
        .await
        .problem(422, "word_limit_exceeded");

    // Field rules: titles of 1 to 200 characters, a non-empty body.
    let e = post(json!({"title": "  ", "body": ""}))
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "body"]);
    post(json!({"title": "x".repeat(201), "body": "text"}))
        .await
        .problem(422, "validation_failed");
    post(json!({"title": "x".repeat(200), "body": "text"}))
        .await
        .expect(201);
    post(json!({"title": "No body"}))
        .await
        .problem(400, "malformed_request");
    post(json!({"title": "t", "body": "b", "colour": "red"}))
        .await
        .problem(400, "malformed_request");
    // Nothing refused was stored: 3 accepted motions, numbered without gaps.
    let list = f
        .app
        .get(&f.conf("motions"), Some(&f.staff))
        .await
        .expect(200);
    let refs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["M3", "M2", "M1"]);

    // Without a conference limit there is none (the character cap remains).
    let other = f
        .app
        .conference(&f.staff, json!({"motion_word_limit": null}))
        .await;
    f.app
        .post(
            &format!("/api/v1/conferences/{}/motions", id(&other)),
            Some(&f.party_user),
            &json!({"title": "Long", "body": words(2000)}),
        )
        .await
        .expect(201);
    // Unknown conference: 404.
    f.app
        .post(
            &format!("/api/v1/conferences/{}/motions", uuid::Uuid::new_v4()),
            Some(&f.party_user),
            &json!({"title": "t", "body": "b"}),
        )
        .await
        .problem(404, "not_found");
    // Anonymous: 401.
    f.app
        .post(
            &f.conf("motions"),
            None,
            &json!({"title": "t", "body": "b"}),
        )
        .await
        .problem(401, "unauthenticated");
}

async fn deadlines_at_local_midnight_with_extensions_and_overrides(b: Backend) {
    let f = fixture(b, json!({})).await;
    let delegate = f.delegate(&f.party_user, "Ada Lovelace").await;
    // Motions close on 4 April (BST): the last second is on time.
    f.app.clock.set(london(2016, 4, 4, 23, 59, 59));
    f.motion(&f.party_user, "Just in time").await.expect(201);
    f.app.clock.set(london(2016, 4, 5, 0, 0, 0));
    let late = f
        .motion(&f.party_user, "Too late")
        .await
        .problem(409, "deadline_passed");
    assert!(late["detail"].as_str().unwrap().contains("motions"));

    // An extension moves the party's deadline, and nobody else's.
    f.grant(&f.party, "motions", "2016-04-11").await;
    let extended = f
        .motion(&f.party_user, "Late but allowed")
        .await
        .expect(201);
    assert_eq!(extended["timeliness"], "extended");
    f.motion(&f.society_user, "Not extended")
        .await
        .problem(409, "deadline_passed");
    f.app.clock.set(london(2016, 4, 12, 0, 0, 0));
    f.motion(&f.party_user, "After the extension")
        .await
        .problem(409, "deadline_passed");

    // Only staff may override, and the override is audited.
    let body = json!({"title": "Phoned in", "body": "Text.", "late_override": true});
    f.app
        .post(&f.conf("motions"), Some(&f.party_user), &body)
        .await
        .problem(403, "forbidden");
    let mut on_behalf = body.clone();
    on_behalf["organisation_id"] = json!(f.society);
    let overridden = f
        .app
        .post(&f.conf("motions"), Some(&f.staff), &on_behalf)
        .await
        .expect(201);
    assert_eq!(overridden["timeliness"], "overridden");
    assert_eq!(overridden["organisation_id"], f.society.as_str());
    let audit = f.audit_actions().await;
    assert!(audit
        .iter()
        .any(|(a, d)| a == "late_override" && d["deadline"] == "motions"));

    // Every kind follows its own deadline the same way (1 August, BST).
    f.app.clock.set(london(2016, 8, 1, 23, 59, 59));
    f.app
        .post(
            &f.conf("policy-submissions"),
            Some(&f.party_user),
            &json!({"title": "On time", "body": "Text."}),
        )
        .await
        .expect(201);
    f.nominate(&f.society_user, &delegate).await.expect(201);
    f.app.clock.set(london(2016, 8, 2, 0, 0, 0));
    f.app
        .post(
            &f.conf("policy-submissions"),
            Some(&f.party_user),
            &json!({"title": "Late", "body": "Text."}),
        )
        .await
        .problem(409, "deadline_passed");
    f.nominate(&f.party_user, &delegate)
        .await
        .problem(409, "deadline_passed");
    f.app
        .post(
            &f.conf("award-nominations"),
            Some(&f.party_user),
            &json!({"nominee_kind": "member", "nominee_name": "Ada", "citation": "Tireless."}),
        )
        .await
        .problem(409, "deadline_passed");
    f.grant(&f.party, "award_nominations", "2016-08-08").await;
    f.app
        .post(
            &f.conf("award-nominations"),
            Some(&f.party_user),
            &json!({"nominee_kind": "member", "nominee_name": "Ada", "citation": "Tireless."}),
        )
        .await
        .expect(201);
}

async fn amendments_follow_the_motion(b: Backend) {
    let f = fixture(b, json!({"amendment_word_limit": 5})).await;
    let own = id(&f.motion(&f.party_user, "Own motion").await.expect(201));
    let theirs = id(&f.motion(&f.society_user, "Their motion").await.expect(201));

    // Numbered per motion.
    let a1 = f.amendment(&f.party_user, &own).await.expect(201);
    assert_eq!(a1["reference"], "M1A1");
    let a2 = f.amendment(&f.party_user, &own).await.expect(201);
    assert_eq!(a2["reference"], "M1A2");
    // The conference's amendment word limit applies.
    f.app
        .post(
            &format!("/api/v1/motions/{own}/amendments"),
            Some(&f.party_user),
            &json!({"body": words(6)}),
        )
        .await
        .problem(422, "word_limit_exceeded");

    // Another organisation's motion is invisible until it is published.
    f.amendment(&f.party_user, &theirs)
        .await
        .problem(404, "not_found");
    f.review(&theirs, json!({"status": "accepted"}))
        .await
        .expect(200);
    let a = f.amendment(&f.party_user, &theirs).await.expect(201);
    assert_eq!(a["reference"], "M2A1");
    assert_eq!(a["organisation_id"], f.party.as_str());

    // Amendments of a motion, newest first; an amendment is not a motion.
    let list = f
        .app
        .get(&format!("/api/v1/motions/{own}/amendments"), Some(&f.staff))
        .await
        .expect(200);
    let refs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["M1A2", "M1A1"]);
    f.amendment(&f.party_user, &id(&a1))
        .await
        .problem(404, "not_found");

    // A withdrawn or ruled-out motion takes no amendments, and its open
    // amendments fall with it (an already withdrawn one is left alone).
    f.app
        .post(
            &format!("/api/v1/submissions/{}/withdrawal", id(&a2)),
            Some(&f.party_user),
            &json!({}),
        )
        .await
        .expect(200);
    f.review(&own, json!({"status": "withdrawn"}))
        .await
        .expect(200);
    let fallen = f
        .app
        .get(
            &format!("/api/v1/submissions/{}", id(&a1)),
            Some(&f.party_user),
        )
        .await
        .expect(200);
    assert_eq!(fallen["status"], "withdrawn");
    assert_eq!(
        fallen["status_reason"],
        "fell with motion M1, which was withdrawn"
    );
    let left = f
        .app
        .get(
            &format!("/api/v1/submissions/{}", id(&a2)),
            Some(&f.party_user),
        )
        .await
        .expect(200);
    assert!(left.get("status_reason").is_none());
    let refused = f
        .amendment(&f.party_user, &own)
        .await
        .problem(409, "conflict");
    assert!(refused["detail"].as_str().unwrap().contains("withdrawn"));
    let third = id(&f.motion(&f.party_user, "Third").await.expect(201));
    f.review(
        &third,
        json!({"status": "ruled_out", "reason": "Not competent business"}),
    )
    .await
    .expect(200);
    f.amendment(&f.party_user, &third)
        .await
        .problem(409, "conflict");

    // The amendments deadline (1 August) is the one that counts.
    let open = id(&f.motion(&f.party_user, "Open").await.expect(201));
    f.app.clock.set(london(2016, 8, 1, 23, 59, 59));
    f.amendment(&f.party_user, &open).await.expect(201);
    f.app.clock.set(london(2016, 8, 2, 0, 0, 0));
    f.amendment(&f.party_user, &open)
        .await
        .problem(409, "deadline_passed");
}

async fn cac_nomination_eligibility(b: Backend) {
    let f = fixture(b, json!({})).await;
    let welsh = f.delegate(&f.party_user, "Ada Lovelace").await;
    let midlands_org = organisation(
        &f.app,
        &f.staff,
        "Birmingham Party",
        "local_party",
        "West Midlands",
    )
    .await;
    let midlands_user = f.app.org_user(&midlands_org).await;
    let midlands = f.delegate(&midlands_user, "Midlands Candidate").await;

    // Eligible: a delegate from a region not on CAC.
    let first = f.nominate(&f.party_user, &welsh).await.expect(201);
    assert_eq!(first["reference"], "N1");
    // The same body twice: conflict; another body: fine.
    f.nominate(&f.party_user, &welsh)
        .await
        .problem(409, "conflict");
    f.nominate(&f.society_user, &welsh).await.expect(201);

    // Excluded region (the region of the organisation that registered them).
    let e = f
        .nominate(&f.society_user, &midlands)
        .await
        .problem(422, "not_eligible");
    assert!(
        e["detail"].as_str().unwrap().contains("West Midlands"),
        "{e}"
    );

    // Not a delegate at all, or a delegate of another conference.
    let e = f
        .nominate(&f.society_user, &uuid::Uuid::new_v4().to_string())
        .await
        .problem(422, "not_eligible");
    assert!(e["detail"]
        .as_str()
        .unwrap()
        .contains("registered delegate"));
    let other = f.app.conference(&f.staff, json!({})).await;
    let elsewhere = f
        .app
        .post(
            &format!("/api/v1/conferences/{}/registrations", id(&other)),
            Some(&f.party_user),
            &json!({"payment_method": "invoice", "delegates": [{
                "name": "Elsewhere", "email": "e@delegates.example", "dinner": false,
                "dietary_requirements": "", "access_requirements": ""}]}),
        )
        .await
        .expect(201)["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.nominate(&f.society_user, &elsewhere)
        .await
        .problem(422, "not_eligible");

    // A cancelled place is not eligible.
    let gone = f.delegate(&f.party_user, "Cancelled Candidate").await;
    f.app
        .post(
            &format!("/api/v1/delegates/{gone}/cancellation"),
            Some(&f.party_user),
            &json!({}),
        )
        .await
        .expect(200);
    let e = f
        .nominate(&f.society_user, &gone)
        .await
        .problem(422, "not_eligible");
    assert!(e["detail"].as_str().unwrap().contains("cancelled"));
    // Malformed delegate id: a field error.
    f.nominate(&f.society_user, "not-a-uuid")
        .await
        .problem(422, "validation_failed");
    // Staff must name the nominating body.
    f.nominate(&f.staff, &welsh)
        .await
        .problem(422, "validation_failed");

    // Staff see candidates with every nominating body, and the vacancies.
    let list = f
        .app
        .get(&f.conf("cac-nominations"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(list["vacancies"], 2);
    assert_eq!(
        list["excluded_regions"],
        json!(["North East & North Cumbria", "West Midlands"])
    );
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["delegate_id"], welsh.as_str());
    assert_eq!(items[0]["name"], "Ada Lovelace");
    assert_eq!(items[0]["region"], "Wales");
    let bodies: Vec<&str> = items[0]["nominations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["organisation_name"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Cardiff Party", "Bristol Society"]);
    // An organisation sees its own nominations only.
    let own = f
        .app
        .get(&f.conf("cac-nominations"), Some(&f.society_user))
        .await
        .expect(200);
    let noms = own["items"][0]["nominations"].as_array().unwrap();
    assert_eq!(noms.len(), 1);
    assert_eq!(noms[0]["organisation_name"], "Bristol Society");
    let none = f
        .app
        .get(&f.conf("cac-nominations"), Some(&midlands_user))
        .await
        .expect(200);
    assert_eq!(none["items"], json!([]));
}

async fn award_nominations(b: Backend) {
    let f = fixture(b, json!({})).await;
    let post = |body: Value| {
        let f = &f;
        async move {
            f.app
                .post(&f.conf("award-nominations"), Some(&f.society_user), &body)
                .await
        }
    };
    let a = post(json!({"nominee_kind": "member", "nominee_name": "Ada Lovelace", "citation": "Forty years of service."}))
        .await
        .expect(201);
    assert_eq!(a["reference"], "AW1");
    assert_eq!(a["nominee_name"], "Ada Lovelace");
    assert_eq!(a["word_count"], 4);
    post(json!({"nominee_kind": "society", "nominee_name": "X", "citation": "Y"}))
        .await
        .problem(400, "malformed_request");
    let e = post(json!({"nominee_kind": "branch", "nominee_name": "", "citation": ""}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(e["errors"].as_array().unwrap().len(), 2);
    // Organisation users act only for themselves.
    post(json!({"nominee_kind": "member", "nominee_name": "A", "citation": "B", "organisation_id": f.party}))
        .await
        .problem(403, "forbidden");
}

async fn review_workflow_is_audited_and_emailed(b: Backend) {
    let f = fixture(b, json!({})).await;
    let m1 = id(&f.motion(&f.party_user, "First").await.expect(201));
    let m2 = id(&f.motion(&f.party_user, "Second").await.expect(201));
    let m3 = id(&f.motion(&f.society_user, "Third").await.expect(201));
    let policy = id(&f
        .app
        .post(
            &f.conf("policy-submissions"),
            Some(&f.party_user),
            &json!({"title": "P", "body": "Text."}),
        )
        .await
        .expect(201));

    // Organisations may not review.
    f.app
        .post(
            &format!("/api/v1/submissions/{m1}/review"),
            Some(&f.party_user),
            &json!({"status": "accepted"}),
        )
        .await
        .problem(403, "forbidden");
    // A ruling needs a reason; a composite needs its name.
    f.review(&m1, json!({"status": "ruled_out"}))
        .await
        .problem(422, "validation_failed");
    f.review(&m1, json!({"status": "composited"}))
        .await
        .problem(422, "validation_failed");
    f.review(&m1, json!({"status": "submitted"}))
        .await
        .problem(400, "malformed_request");
    // Only motions are composited.
    f.review(&policy, json!({"status": "composited", "composite": "C1"}))
        .await
        .problem(409, "conflict");

    let accepted = f
        .review(&m1, json!({"status": "accepted"}))
        .await
        .expect(200);
    assert_eq!(accepted["status"], "accepted");
    let composited = f
        .review(
            &m1,
            json!({"status": "composited", "composite": "Composite A: Energy"}),
        )
        .await
        .expect(200);
    assert_eq!(composited["composite"], "Composite A: Energy");
    let ruled = f
        .review(
            &m2,
            json!({"status": "ruled_out", "reason": "Not party policy business"}),
        )
        .await
        .expect(200);
    assert_eq!(ruled["status_reason"], "Not party policy business");
    // Final states stay final.
    f.review(&m2, json!({"status": "accepted"}))
        .await
        .problem(409, "conflict");
    f.review(&m1, json!({"status": "accepted"}))
        .await
        .problem(409, "conflict");
    f.review(
        &m3,
        json!({"status": "withdrawn", "reason": "At the society's request"}),
    )
    .await
    .expect(200);
    f.review(
        &uuid::Uuid::new_v4().to_string(),
        json!({"status": "accepted"}),
    )
    .await
    .problem(404, "not_found");

    // Every change is audited with who, from and to.
    let reviewed: Vec<Value> = f
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "submission_reviewed")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(reviewed.len(), 4);
    assert!(reviewed.iter().any(|d| d["from"] == "accepted"
        && d["to"] == "composited"
        && d["composite"] == "Composite A: Energy"));
    // And the organisation hears of each decision.
    let decisions: Vec<Value> = f
        .outbox()
        .await
        .into_iter()
        .filter(|e| e["kind"] == "submission_decision")
        .collect();
    assert_eq!(decisions.len(), 4);
    assert!(decisions.iter().any(|e| e["subject"]
        .as_str()
        .unwrap()
        .contains("ruled out of order")));
}

async fn organisations_withdraw_their_own_before_the_deadline(b: Backend) {
    let f = fixture(b, json!({})).await;
    let mine = id(&f.motion(&f.party_user, "Mine").await.expect(201));
    let other = id(&f.motion(&f.party_user, "Other").await.expect(201));
    let theirs = id(&f.motion(&f.society_user, "Theirs").await.expect(201));
    let withdraw = |token: String, id: String| {
        let f = &f;
        async move {
            f.app
                .post(
                    &format!("/api/v1/submissions/{id}/withdrawal"),
                    Some(&token),
                    &json!({}),
                )
                .await
        }
    };
    // Not another organisation's (which it cannot even see).
    withdraw(f.party_user.clone(), theirs.clone())
        .await
        .problem(404, "not_found");
    let w = withdraw(f.party_user.clone(), mine.clone())
        .await
        .expect(200);
    assert_eq!(w["status"], "withdrawn");
    withdraw(f.party_user.clone(), mine.clone())
        .await
        .problem(409, "conflict");
    // After the motions deadline only staff may withdraw it.
    f.app.clock.set(london(2016, 4, 5, 0, 0, 0));
    withdraw(f.party_user.clone(), other.clone())
        .await
        .problem(409, "deadline_passed");
    withdraw(f.staff.clone(), other.clone()).await.expect(200);
    // A published motion of another organisation is visible, not theirs to withdraw.
    f.review(&theirs, json!({"status": "accepted"}))
        .await
        .expect(200);
    withdraw(f.party_user.clone(), theirs.clone())
        .await
        .problem(403, "forbidden");
    let audit = f.audit_actions().await;
    assert_eq!(
        audit
            .iter()
            .filter(|(a, d)| a == "submission_reviewed" && d["to"] == "withdrawn")
            .count(),
        2
    );
}

async fn visibility_filters_and_pagination(b: Backend) {
    let f = fixture(b, json!({})).await;
    for i in 0..3 {
        f.app
            .post(
                &f.conf("policy-submissions"),
                Some(&f.party_user),
                &json!({"title": format!("Party {i}"), "body": "Text."}),
            )
            .await
            .expect(201);
    }
    let society_policy = id(&f
        .app
        .post(
            &f.conf("policy-submissions"),
            Some(&f.society_user),
            &json!({"title": "Society", "body": "Text."}),
        )
        .await
        .expect(201));
    let path = f.conf("policy-submissions");
    let count = |token: String, query: &'static str| {
        let (f, path) = (&f, path.clone());
        async move {
            f.app
                .get(&format!("{path}{query}"), Some(&token))
                .await
                .expect(200)["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(f.staff.clone(), "").await, 4);
    assert_eq!(count(f.party_user.clone(), "").await, 3);
    assert_eq!(count(f.society_user.clone(), "").await, 1);
    let by_org = format!("?organisation_id={}", f.society);
    let staff_by_org = f
        .app
        .get(&format!("{path}{by_org}"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(staff_by_org["items"].as_array().unwrap().len(), 1);
    // Naming another organisation shows an organisation nothing of its.
    let foreign = f
        .app
        .get(&format!("{path}{by_org}"), Some(&f.party_user))
        .await
        .expect(200);
    assert_eq!(foreign["items"], json!([]));
    f.app
        .get(
            &format!("/api/v1/submissions/{society_policy}"),
            Some(&f.party_user),
        )
        .await
        .problem(404, "not_found");

    f.review(&society_policy, json!({"status": "accepted"}))
        .await
        .expect(200);
    assert_eq!(count(f.staff.clone(), "?status=accepted").await, 1);
    assert_eq!(count(f.staff.clone(), "?status=submitted").await, 3);
    // Accepted policy submissions stay private to their organisation.
    f.app
        .get(
            &format!("/api/v1/submissions/{society_policy}"),
            Some(&f.party_user),
        )
        .await
        .problem(404, "not_found");
    f.app
        .get(&format!("{path}?status=pending"), Some(&f.staff))
        .await
        .problem(422, "validation_failed");
    f.app
        .get(&format!("{path}?limit=0"), Some(&f.staff))
        .await
        .problem(422, "validation_failed");

    // Cursor pagination, newest first, no item twice.
    let first = f
        .app
        .get(&format!("{path}?limit=3"), Some(&f.staff))
        .await
        .expect(200);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = f
        .app
        .get(&format!("{path}?limit=3&cursor={cursor}"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    assert_eq!(second["items"][0]["reference"], "P1");

    // Published motions are on everyone's agenda; unpublished are private.
    let published = id(&f.motion(&f.society_user, "Published").await.expect(201));
    f.motion(&f.society_user, "Private").await.expect(201);
    f.review(&published, json!({"status": "accepted"}))
        .await
        .expect(200);
    let agenda = f
        .app
        .get(&f.conf("motions"), Some(&f.party_user))
        .await
        .expect(200);
    let titles: Vec<&str> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Published"]);
    // Unknown conference: 404.
    f.app
        .get(
            &format!("/api/v1/conferences/{}/motions", uuid::Uuid::new_v4()),
            Some(&f.staff),
        )
        .await
        .problem(404, "not_found");
}

async fn csv_exports_of_motions_and_nominations(b: Backend) {
    let f = fixture(b, json!({})).await;
    let m1 = id(&f
        .motion(&f.party_user, "=HYPERLINK(\"http://evil.example\")")
        .await
        .expect(201));
    f.motion(&f.society_user, "Second, with \"quotes\"")
        .await
        .expect(201);
    f.amendment(&f.party_user, &m1).await.expect(201);
    let candidate = f.delegate(&f.party_user, "Ada Lovelace").await;
    f.nominate(&f.society_user, &candidate).await.expect(201);
    f.nominate(&f.party_user, &candidate).await.expect(201);

    let res = f.app.get(&f.conf("motions.csv"), Some(&f.staff)).await;
    assert_eq!(res.status, 200);
    assert!(res.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = res.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("-motions-2016-03-01.csv"),
        "{disposition}"
    );
    assert!(res.text.starts_with('\u{feff}'));
    let mut reader = csv::Reader::from_reader(res.text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..4],
        ["reference", "kind", "motion_reference", "title"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let refs: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(refs, ["M1", "M1A1", "M2"]);
    assert_eq!(&rows[0][3], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(&rows[1][2], "M1");
    assert_eq!(&rows[2][3], "Second, with \"quotes\"");
    let wc = header.iter().position(|h| h == "word_count").unwrap();
    assert_eq!(&rows[0][wc], "4");
    let status = header.iter().position(|h| h == "status").unwrap();
    assert_eq!(&rows[0][status], "submitted");

    let cac = f
        .app
        .get(&f.conf("cac-nominations.csv"), Some(&f.staff))
        .await;
    assert_eq!(cac.status, 200);
    let mut reader = csv::Reader::from_reader(cac.text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| &r[1] == "Ada Lovelace" && &r[4] == "Wales"));
    let bodies: Vec<&str> = rows.iter().map(|r| &r[5]).collect();
    assert_eq!(bodies, ["Bristol Society", "Cardiff Party"]);

    // Staff only.
    for path in ["motions.csv", "cac-nominations.csv"] {
        f.app
            .get(&f.conf(path), Some(&f.party_user))
            .await
            .problem(403, "forbidden");
    }
}

async fn concurrent_motions_get_distinct_numbers(b: Backend) {
    let f = fixture(b, json!({})).await;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let token = if i % 2 == 0 {
                f.party_user.clone()
            } else {
                f.society_user.clone()
            };
            let (client, url) = (
                f.app.client.clone(),
                format!("{}{}", f.app.base, f.conf("motions")),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"title": format!("Motion {i}"), "body": "Text."}))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap()["number"].as_i64().unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=12).collect::<Vec<i64>>());
}

async fn idempotent_submission(b: Backend) {
    let f = fixture(b, json!({})).await;
    let body = json!({"title": "Once", "body": "Pressed twice."});
    let first = f
        .app
        .request(
            reqwest::Method::POST,
            &f.conf("motions"),
            Some(&f.party_user),
            Some(&body),
            &[("Idempotency-Key", "motion-once")],
        )
        .await
        .expect(201);
    let again = f
        .app
        .request(
            reqwest::Method::POST,
            &f.conf("motions"),
            Some(&f.party_user),
            Some(&body),
            &[("Idempotency-Key", "motion-once")],
        )
        .await
        .expect(201);
    assert_eq!(first, again);
    let list = f
        .app
        .get(&f.conf("motions"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let receipts = f
        .outbox()
        .await
        .into_iter()
        .filter(|e| e["kind"] == "submission_receipt")
        .count();
    assert_eq!(receipts, 1);
}
