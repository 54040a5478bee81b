//! Subject access and erasure (issue #18): the file holds everything about
//! a person registered twice, nominated once and emailed three times;
//! erasure leaves nothing personal for the address, keeps the money, and
//! is refused where an unpaid invoice keeps its billing contact.

mod common;

use common::visitor::Visitor;
use common::{Backend, TestApp, PASSWORD};
use diesel::prelude::*;
use plenary::db::schema::{audit_log, delegates, organisations, submissions, users};
use plenary::email::schema::outbox;
use serde_json::{json, Value};

backend_tests!(
    the_file_holds_every_place_nomination_email_and_account,
    erasure_leaves_nothing_personal_and_keeps_the_money,
    an_unpaid_invoice_keeps_its_billing_contact,
    the_console_pages_answer_and_erase,
);

const ANN: &str = "Ann.Jones@Cardiff.example";

struct Person {
    app: TestApp,
    staff: String,
    cardiff_user: String,
    first: String,
    second: String,
    first_place: String,
    nomination: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Ann Jones: registered at two conferences by Cardiff (the second place
/// cancelled), nominated for CAC once by Bristol, sent two confirmations
/// and a cancellation, with an account of her own.
async fn person(backend: Backend) -> Person {
    let app = TestApp::spawn(backend).await;
    let staff = app.staff().await;
    let cardiff = app.organisation(&staff, "Cardiff Party", "Wales").await;
    let bristol = app
        .organisation(&staff, "Bristol Party", "South West")
        .await;
    let cardiff_user = app.org_user(&cardiff).await;
    let bristol_user = app.org_user(&bristol).await;
    let first = id(&app.conference(&staff, json!({})).await);
    let second = id(&app.conference(&staff, json!({})).await);
    let register = |conference: String, delegates: Value| {
        let (app, token) = (&app, cardiff_user.clone());
        async move {
            app.post(
                &format!("/api/v1/conferences/{conference}/registrations"),
                Some(&token),
                &json!({"payment_method": "cheque", "delegates": delegates}),
            )
            .await
            .expect(201)
        }
    };
    let r1 = register(
        first.clone(),
        json!([
            {"name": "Ann Jones", "email": ANN, "dinner": true,
             "dietary_requirements": "Vegan", "access_requirements": "Hearing loop"},
            {"name": "Bryn Hughes", "email": "bryn@swansea.example", "dinner": false,
             "dietary_requirements": "", "access_requirements": ""}
        ]),
    )
    .await;
    let r2 = register(
        second.clone(),
        json!([{"name": "Ann Jones", "email": "ann.jones@cardiff.example", "dinner": false,
                "dietary_requirements": "", "access_requirements": "Step-free"}]),
    )
    .await;
    let first_place = r1["delegates"][0]["id"].as_str().unwrap().to_owned();
    let second_place = r2["delegates"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/delegates/{second_place}/cancellation"),
        Some(&cardiff_user),
        &json!({}),
    )
    .await
    .expect(200);
    let nomination = id(&app
        .post(
            &format!("/api/v1/conferences/{first}/cac-nominations"),
            Some(&bristol_user),
            &json!({"delegate_id": first_place, "statement": "A tireless campaigner."}),
        )
        .await
        .expect(201));
    app.create_user("ann.jones@cardiff.example", "organisation", Some(&cardiff))
        .await;
    app.login("ANN.JONES@cardiff.example").await;
    Person {
        app,
        staff,
        cardiff_user,
        first,
        second,
        first_place,
        nomination,
    }
}

async fn subject_access(app: &TestApp, token: &str, email: &str) -> Value {
    app.get(
        &format!("/api/v1/subject-access?email={}", urlencoding(email)),
        Some(token),
    )
    .await
    .expect(200)
}

fn urlencoding(s: &str) -> String {
    s.replace('@', "%40").replace('+', "%2B")
}

/// Waits until the sender has sent every queued email.
async fn all_sent(app: &TestApp) {
    for _ in 0..200 {
        let unsent: i64 = app
            .state
            .db(|c| {
                Ok(outbox::table
                    .filter(outbox::status.ne("sent"))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        if unsent == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("emails still unsent");
}

async fn the_file_holds_every_place_nomination_email_and_account(backend: Backend) {
    let p = person(backend).await;
    let app = &p.app;
    let file = subject_access(app, &p.staff, "ANN.jones@cardiff.EXAMPLE").await;

    let places = file["delegate_places"].as_array().unwrap();
    assert_eq!(places.len(), 2, "{file:#}");
    assert_eq!(places[0]["conference_id"], p.first.as_str());
    assert_eq!(places[0]["name"], "Ann Jones");
    assert_eq!(
        places[0]["email"], "Ann.Jones@cardiff.example",
        "domains are stored lower-cased"
    );
    assert_eq!(places[0]["status"], "active");
    assert_eq!(places[0]["dietary_requirements"], "Vegan");
    assert_eq!(places[0]["access_requirements"], "Hearing loop");
    assert_eq!(places[0]["fee"], "135.00");
    assert_eq!(places[0]["registration_total"], "225.00");
    assert_eq!(places[1]["conference_id"], p.second.as_str());
    assert_eq!(places[1]["status"], "cancelled");
    assert_eq!(places[1]["access_requirements"], "Step-free");
    assert!(places[1]["cancelled_at"].is_string());

    let nominations = file["nominations"].as_array().unwrap();
    assert_eq!(nominations.len(), 1);
    assert_eq!(nominations[0]["submission_id"], p.nomination.as_str());
    assert_eq!(nominations[0]["kind"], "cac_nomination");
    assert_eq!(nominations[0]["statement"], "A tireless campaigner.");
    assert_eq!(nominations[0]["candidate_name"], "Ann Jones");

    let to_her: Vec<&Value> = file["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["to_them"] == true)
        .collect();
    let mut kinds: Vec<&str> = to_her.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "cancellation",
            "registration_confirmation",
            "registration_confirmation"
        ],
        "{file:#}"
    );
    assert!(to_her.iter().all(|e| e["content"].is_object()));

    let accounts = file["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["email"], "ann.jones@cardiff.example");
    assert_eq!(accounts[0]["organisation"], "Cardiff Party");
    assert_eq!(accounts[0]["api_sessions"], 1);
    assert!(accounts[0]["last_sign_in"].is_string());
    assert_eq!(accounts[0]["has_password"], true);

    let audit: Vec<&str> = file["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(audit.contains(&"delegate_cancelled"), "{audit:?}");

    // The request is audited, naming her by digest only.
    let details: Vec<String> = app
        .state
        .db(|c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("subject_access"))
                .select(audit_log::detail)
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(details.len(), 1);
    assert!(!details[0].to_lowercase().contains("ann"), "{}", details[0]);
    assert!(
        details[0].contains("\"delegate_places\":2"),
        "{}",
        details[0]
    );

    // Someone Plenary does not know: an empty file.
    let none = subject_access(app, &p.staff, "nobody@nowhere.example").await;
    assert_eq!(none["delegate_places"], json!([]));
    assert_eq!(none["emails"], json!([]));

    // Refusals.
    app.get(
        "/api/v1/subject-access?email=not-an-address",
        Some(&p.staff),
    )
    .await
    .problem(422, "validation_failed");
    app.get(
        "/api/v1/subject-access?email=ann%40cardiff.example",
        Some(&p.cardiff_user),
    )
    .await
    .problem(403, "forbidden");
    app.get("/api/v1/subject-access?email=ann%40cardiff.example", None)
        .await
        .problem(401, "unauthenticated");
}

/// Text that must be gone after erasure, wherever the register says it is.
fn leftovers(rows: &[String]) -> Vec<&String> {
    rows.iter()
        .filter(|t| {
            let t = t.to_lowercase();
            t.contains("ann jones")
                || t.contains("ann.jones")
                || t.contains("vegan")
                || t.contains("hearing loop")
                || t.contains("tireless")
        })
        .collect()
}

async fn erasure_leaves_nothing_personal_and_keeps_the_money(backend: Backend) {
    let p = person(backend).await;
    let app = &p.app;
    all_sent(app).await;
    let summary = |c: &str| format!("/api/v1/conferences/{c}/summary");
    let before: Value = app
        .get(&summary(&p.first), Some(&p.staff))
        .await
        .expect(200);

    // Organisations may not; the reason is required.
    app.post(
        "/api/v1/erasures",
        Some(&p.cardiff_user),
        &json!({"email": ANN, "reason": "asked"}),
    )
    .await
    .problem(403, "forbidden");
    app.post(
        "/api/v1/erasures",
        Some(&p.staff),
        &json!({"email": ANN, "reason": " "}),
    )
    .await
    .problem(422, "validation_failed");

    let erased = app
        .post(
            "/api/v1/erasures",
            Some(&p.staff),
            &json!({"email": "ann.jones@CARDIFF.example", "reason": "Request by letter, 3 October"}),
        )
        .await
        .expect(200);
    assert_eq!(erased["delegate_places"], 2, "{erased}");
    assert_eq!(erased["accounts"], 1);
    assert_eq!(erased["nominations"], 1);
    assert_eq!(erased["nominations_withdrawn"], 1);
    assert!(erased["emails"].as_u64().unwrap() >= 3, "{erased}");
    assert_eq!(erased["kept"], json!([]));

    // Subject access now finds nothing for the address.
    let file = subject_access(app, &p.staff, ANN).await;
    for part in [
        "delegate_places",
        "accounts",
        "organisation_contacts",
        "nominations",
        "emails",
        "retry_records",
        "invoices",
        "audit",
    ] {
        assert_eq!(file[part], json!([]), "{part}: {file:#}");
    }

    // Nothing of hers is left where the register lists her.
    let place = p.first_place.clone();
    let nomination = p.nomination.clone();
    let (texts, place_row, nomination_status) = app
        .state
        .db(move |c| {
            let mut texts: Vec<String> = delegates::table
                .select(
                    delegates::name
                        .concat(" ")
                        .concat(delegates::email)
                        .concat(" ")
                        .concat(delegates::dietary_requirements)
                        .concat(" ")
                        .concat(delegates::access_requirements),
                )
                .load(c)?;
            texts.extend(
                users::table
                    .select(users::name.concat(" ").concat(users::email))
                    .load::<String>(c)?,
            );
            texts.extend(
                submissions::table
                    .select(submissions::body)
                    .load::<String>(c)?,
            );
            texts.extend(
                submissions::table
                    .select(submissions::candidate_name)
                    .load::<Option<String>>(c)?
                    .into_iter()
                    .flatten(),
            );
            texts.extend(
                audit_log::table
                    .select(audit_log::detail)
                    .load::<String>(c)?,
            );
            texts.extend(
                outbox::table
                    .filter(outbox::recipient.not_like("secretary%"))
                    .select(outbox::recipient)
                    .load::<String>(c)?,
            );
            let place_row: (String, String, String, i64) = delegates::table
                .find(place)
                .select((
                    delegates::name,
                    delegates::email,
                    delegates::status,
                    delegates::fee_minor,
                ))
                .first(c)?;
            let status: String = submissions::table
                .find(nomination)
                .select(submissions::status)
                .first(c)?;
            Ok((texts, place_row, status))
        })
        .await
        .unwrap();
    assert!(leftovers(&texts).is_empty(), "{:?}", leftovers(&texts));
    assert_eq!(place_row.0, "Erased person");
    assert_eq!(place_row.1, format!("erased-{}@invalid", p.first_place));
    assert_eq!(place_row.2, "active", "the place is kept");
    assert_eq!(place_row.3, 13500, "its fee is kept");
    assert_eq!(nomination_status, "withdrawn");

    // Her account can no longer sign in.
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "ann.jones@cardiff.example", "password": common::PASSWORD}),
    )
    .await
    .problem(401, "unauthenticated");

    // The money and the counts add up as before.
    let after: Value = app
        .get(&summary(&p.first), Some(&p.staff))
        .await
        .expect(200);
    assert_eq!(after["money"], before["money"]);
    assert_eq!(after["delegates"], before["delegates"]);

    // The erasure is audited with counts, never her data.
    let detail: String = app
        .state
        .db(|c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("personal_data_erased"))
                .select(audit_log::detail)
                .first(c)?)
        })
        .await
        .unwrap();
    assert!(detail.contains("\"delegate_places\":2"), "{detail}");
    assert!(detail.contains("Request by letter"), "{detail}");

    // Again: nothing left to erase.
    let again = app
        .post(
            "/api/v1/erasures",
            Some(&p.staff),
            &json!({"email": ANN, "reason": "repeated"}),
        )
        .await
        .expect(200);
    assert_eq!(again["delegate_places"], 0);
    assert_eq!(again["emails"], 0);
}

async fn an_unpaid_invoice_keeps_its_billing_contact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.staff().await;
    let newport = id(&app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Newport Party", "kind": "local_party", "region": "Wales",
                    "contact_email": "Treasurer@Newport.example"}),
        )
        .await
        .expect(201));
    let user = app.org_user(&newport).await;
    let conference = id(&app.conference(&staff, json!({})).await);
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(&user),
        &json!({"payment_method": "invoice", "delegates": [
            {"name": "Cai Evans", "email": "cai@newport.example", "dinner": false,
             "dietary_requirements": "", "access_requirements": ""}]}),
    )
    .await
    .expect(201);
    let contact = || {
        let newport = newport.clone();
        app.state.db(move |c| {
            Ok(organisations::table
                .find(newport)
                .select(organisations::contact_email)
                .first::<String>(c)?)
        })
    };

    let refused = app
        .post(
            "/api/v1/erasures",
            Some(&staff),
            &json!({"email": "treasurer@newport.example", "reason": "asked"}),
        )
        .await
        .problem(409, "conflict");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("Newport Party (unpaid invoice"), "{detail}");
    assert!(detail.contains("organisation_contacts"), "{detail}");
    assert_eq!(contact().await.unwrap(), "Treasurer@newport.example");

    // The console page says the same, and keeps what was typed.
    app.create_user("dpo@party.example", "staff", None).await;
    let mut v = Visitor::new(&app);
    assert_eq!(v.sign_in("dpo@party.example", PASSWORD).await.status, 303);
    let form = v.get("/staff/privacy/erasure").await;
    let page = v
        .post(
            "/staff/privacy/erasure",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("idempotency_key", &form.hidden("idempotency_key")),
                ("email", "treasurer@newport.example"),
                ("reason", "asked"),
            ],
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(
        page.text.contains("Newport Party (unpaid invoice"),
        "{}",
        page.text
    );
    assert!(page.text.contains("value=\"treasurer@newport.example\""));
    assert_eq!(contact().await.unwrap(), "Treasurer@newport.example");

    let erased = app
        .post(
            "/api/v1/erasures",
            Some(&staff),
            &json!({"email": "treasurer@newport.example", "reason": "asked",
                    "keep": ["organisation_contacts"]}),
        )
        .await
        .expect(200);
    assert_eq!(erased["organisation_contacts"], 0);
    assert_eq!(erased["kept"], json!(["organisation_contacts"]));
    assert_eq!(contact().await.unwrap(), "Treasurer@newport.example");
    let file = subject_access(&app, &staff, "treasurer@newport.example").await;
    assert_eq!(file["organisation_contacts"].as_array().unwrap().len(), 1);
}

async fn the_console_pages_answer_and_erase(backend: Backend) {
    let p = person(backend).await;
    let app = &p.app;
    all_sent(app).await;
    app.create_user("dpo@party.example", "staff", None).await;
    let mut v = Visitor::new(app);
    assert_eq!(v.sign_in("dpo@party.example", PASSWORD).await.status, 303);

    let form = v.get("/staff/privacy/subject-access").await;
    assert_eq!(form.status, 200);
    let csrf = form.hidden("csrf_token");
    let bad = v
        .post(
            "/staff/privacy/subject-access",
            &[
                ("csrf_token", &csrf),
                ("email", "not an address"),
                ("format", "html"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("There is a problem"), "{}", bad.text);
    let summary = v
        .post(
            "/staff/privacy/subject-access",
            &[("csrf_token", &csrf), ("email", ANN), ("format", "html")],
        )
        .await;
    assert_eq!(summary.status, 200);
    for held in [
        "Ann Jones",
        "Vegan",
        "Hearing loop",
        "A tireless campaigner.",
        "cancelled",
    ] {
        assert!(summary.text.contains(held), "{held}: {}", summary.text);
    }
    let download = v
        .post(
            "/staff/privacy/subject-access",
            &[("csrf_token", &csrf), ("email", ANN), ("format", "json")],
        )
        .await;
    assert_eq!(download.status, 200);
    assert!(download.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let file: Value = serde_json::from_str(&download.text).unwrap();
    assert_eq!(file["delegate_places"].as_array().unwrap().len(), 2);
    // The summary to send the person: the same, on a page of its own.
    let sent = v
        .post(
            "/staff/privacy/subject-access",
            &[("csrf_token", &csrf), ("email", ANN), ("format", "summary")],
        )
        .await;
    assert_eq!(sent.status, 200);
    assert_eq!(sent.headers["content-type"], "text/html; charset=utf-8");
    assert!(sent.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("subject-access.html"));
    assert!(
        sent.text.contains("<h1>Personal data held about"),
        "{}",
        sent.text
    );
    for held in [
        "Ann Jones",
        "Vegan",
        "Hearing loop",
        "A tireless campaigner.",
    ] {
        assert!(sent.text.contains(held), "{held}: {}", sent.text);
    }
    assert!(!sent.text.contains("Sign out"), "no console around it");

    let form = v.get("/staff/privacy/erasure").await;
    assert_eq!(form.status, 200);
    let key = form.hidden("idempotency_key");
    let missing = v
        .post(
            "/staff/privacy/erasure",
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("email", ANN),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(
        missing.text.contains("Reason must not be empty"),
        "{}",
        missing.text
    );
    let done = v
        .post(
            "/staff/privacy/erasure",
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("email", ANN),
                ("reason", "Request by email"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(
        done.text
            .contains("Erased: 2 delegate place(s), 1 account(s)"),
        "{}",
        done.text
    );
    let after = v
        .post(
            "/staff/privacy/subject-access",
            &[("csrf_token", &csrf), ("email", ANN), ("format", "html")],
        )
        .await;
    assert!(after
        .text
        .contains("Plenary holds nothing about this address."));
    assert!(!after.text.contains("Ann Jones"));
}
