//! Accounts, auth, organisations, conferences, quotes and error handling.

mod common;

use common::{london, Backend, TestApp};
use serde_json::json;

backend_tests!(
    health_probes,
    login_logout_and_bearer_tokens,
    unknown_email_and_wrong_password_look_the_same,
    repeated_failures_are_throttled,
    users_are_staff_only,
    organisations_validate_and_isolate,
    conference_lifecycle,
    conference_validation_lists_every_problem,
    quote_follows_the_local_calendar,
    errors_are_problem_json,
);

async fn health_probes(b: Backend) {
    let app = TestApp::spawn(b).await;
    assert_eq!(app.get("/healthz", None).await.expect(200)["status"], "ok");
    let ready = app.get("/readyz", None).await;
    assert!(ready.headers.contains_key("x-request-id"));
    assert_eq!(ready.expect(200)["status"], "ready");
}

async fn login_logout_and_bearer_tokens(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.token_ttl_hours = 12).await;
    app.create_user("Chair@Party.Example", "staff", None).await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "chair@party.example", "password": common::PASSWORD}),
        )
        .await
        .expect(200);
    let token = login["token"].as_str().unwrap();
    assert!(token.len() >= 22, "at least 128 bits");
    let expires: chrono::DateTime<chrono::Utc> =
        login["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - app.clock_now(), chrono::Duration::hours(12));

    app.get("/api/v1/users", Some(token)).await.expect(200);
    app.get("/api/v1/users", None)
        .await
        .problem(401, "unauthenticated");
    app.get("/api/v1/users", Some("not-a-token"))
        .await
        .problem(401, "unauthenticated");

    // Tokens are stored only as hashes.
    let raw = token.to_owned();
    let stored = app
        .state
        .db(move |conn| {
            use diesel::prelude::*;
            use plenary::db::schema::sessions;
            let hashes: Vec<String> = sessions::table.select(sessions::token_hash).load(conn)?;
            Ok(hashes)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], raw);

    // Expiry is judged by the clock.
    app.clock.advance(chrono::Duration::hours(12));
    app.get("/api/v1/users", Some(token))
        .await
        .problem(401, "unauthenticated");

    let token = app.login("chair@party.example").await;
    let out = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(out.status.as_u16(), 204);
    app.get("/api/v1/users", Some(&token))
        .await
        .problem(401, "unauthenticated");
}

async fn unknown_email_and_wrong_password_look_the_same(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.create_user("chair@party.example", "staff", None).await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "chair@party.example", "password": "wrong password!"}),
        )
        .await
        .problem(401, "unauthenticated");
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@party.example", "password": "wrong password!"}),
        )
        .await
        .problem(401, "unauthenticated");
    assert_eq!(wrong, unknown);
}

async fn repeated_failures_are_throttled(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.login_max_failures = 3;
        s.login_lockout_secs = 600;
    })
    .await;
    app.create_user("chair@party.example", "staff", None).await;
    let bad = json!({"email": "chair@party.example", "password": "wrong password!"});
    for _ in 0..3 {
        app.post("/api/v1/auth/login", None, &bad)
            .await
            .problem(401, "unauthenticated");
    }
    // Even the right password waits out the lockout.
    let good = json!({"email": "chair@party.example", "password": common::PASSWORD});
    let res = app.post("/api/v1/auth/login", None, &good).await;
    assert_eq!(res.headers["retry-after"], "600");
    res.problem(429, "too_many_requests");
    // Other emails are unaffected.
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "other@party.example", "password": "x"}),
    )
    .await
    .problem(401, "unauthenticated");
    app.clock.advance(chrono::Duration::seconds(601));
    app.post("/api/v1/auth/login", None, &good)
        .await
        .expect(200);
}

async fn users_are_staff_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;

    let user = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "Sec@Cardiff.Example", "name": "Secretary", "password": common::PASSWORD,
                    "role": "organisation", "organisation_id": org}),
        )
        .await
        .expect(201);
    assert_eq!(user["email"], "sec@cardiff.example");
    assert_eq!(user["organisation_id"], org.as_str());
    assert!(user.get("password_hash").is_none());

    app.post(
        "/api/v1/users",
        Some(&staff),
        &json!({"email": "sec@cardiff.example", "name": "Again", "password": "a long password",
                "role": "organisation", "organisation_id": org}),
    )
    .await
    .problem(409, "conflict");

    let problem = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "bad", "name": "", "password": "short", "role": "organisation"}),
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "name", "password", "organisation_id"]);

    let member = app.login("sec@cardiff.example").await;
    app.get("/api/v1/users", Some(&member))
        .await
        .problem(403, "forbidden");
    app.post(
        "/api/v1/users",
        Some(&member),
        &json!({"email": "x@y.example", "name": "X", "password": "a long password", "role": "staff"}),
    )
    .await
    .problem(403, "forbidden");

    let list = app
        .get("/api/v1/users?limit=1", Some(&staff))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let cursor = list["next_cursor"].as_str().unwrap();
    let next = app
        .get(
            &format!("/api/v1/users?limit=1&cursor={cursor}"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_ne!(next["items"][0]["id"], list["items"][0]["id"]);
    assert!(next["next_cursor"].is_null());
    app.get("/api/v1/users?limit=501", Some(&staff))
        .await
        .problem(422, "validation_failed");
}

async fn organisations_validate_and_isolate(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let cardiff = app.organisation(&staff, "Cardiff", "Wales").await;
    let leeds = app
        .organisation(
            &staff,
            "Leeds Co-operative Society",
            "Yorkshire & the Humber",
        )
        .await;

    let problem = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Atlantis", "kind": "society", "region": "Atlantis", "contact_email": "a@b.example"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "region");
    app.post(
        "/api/v1/organisations",
        Some(&staff),
        &json!({"name": "Cardiff", "kind": "local_party", "region": "Wales", "contact_email": "a@b.example"}),
    )
    .await
    .problem(409, "conflict");
    app.post(
        "/api/v1/organisations",
        Some(&staff),
        &json!({"name": "X", "kind": "club", "region": "Wales", "contact_email": "a@b.example"}),
    )
    .await
    .problem(400, "malformed_request");

    let all = app
        .get("/api/v1/organisations", Some(&staff))
        .await
        .expect(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    let member = app.org_user(&cardiff).await;
    let own = app
        .get("/api/v1/organisations", Some(&member))
        .await
        .expect(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["id"], cardiff.as_str());
    app.get(&format!("/api/v1/organisations/{cardiff}"), Some(&member))
        .await
        .expect(200);
    app.get(&format!("/api/v1/organisations/{leeds}"), Some(&member))
        .await
        .problem(404, "not_found");
    app.post(
        "/api/v1/organisations",
        Some(&member),
        &json!({"name": "Mine", "kind": "society", "region": "Wales", "contact_email": "a@b.example"}),
    )
    .await
    .problem(403, "forbidden");
}

async fn conference_lifecycle(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let c = app.conference(&staff, json!({"slug": "annual-2016"})).await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(c["price_tiers"][0]["pass_fee"], "90.00");
    assert_eq!(c["deadlines"]["motions"], "2016-04-04");
    assert_eq!(c["cac"]["vacancies"], 2);
    assert!(c["capacity"].is_null());

    // Reading needs no token.
    let got = app
        .get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
    assert_eq!(got, c);
    let list = app.get("/api/v1/conferences", None).await.expect(200);
    assert_eq!(list["items"][0]["id"], id);

    // Same slug again.
    let mut again = common::cardiff();
    again["slug"] = json!("annual-2016");
    app.post("/api/v1/conferences", Some(&staff), &again)
        .await
        .problem(409, "conflict");

    let patched = app
        .patch(
            &format!("/api/v1/conferences/{id}"),
            Some(&staff),
            &json!({"capacity": 400, "dinner_capacity": 250, "motion_word_limit": null}),
        )
        .await
        .expect(200);
    assert_eq!(patched["capacity"], 400);
    assert!(patched["motion_word_limit"].is_null());
    assert_eq!(patched["name"], c["name"]);

    app.patch(
        &format!("/api/v1/conferences/{id}"),
        Some(&staff),
        &json!({"ends_on": "2016-09-01"}),
    )
    .await
    .problem(422, "validation_failed");
    // A refused patch changes nothing.
    let after = app
        .get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
    assert_eq!(after["ends_on"], "2016-09-11");

    let other = app.conference(&staff, json!({})).await;
    app.patch(
        &format!("/api/v1/conferences/{}", other["id"].as_str().unwrap()),
        Some(&staff),
        &json!({"slug": "annual-2016"}),
    )
    .await
    .problem(409, "conflict");

    app.patch(
        "/api/v1/conferences/00000000-0000-0000-0000-000000000000",
        Some(&staff),
        &json!({"capacity": 1}),
    )
    .await
    .problem(404, "not_found");
    app.get("/api/v1/conferences/not-a-uuid", None)
        .await
        .problem(404, "not_found");

    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    app.post("/api/v1/conferences", Some(&member), &common::cardiff())
        .await
        .problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/conferences/{id}"),
        Some(&member),
        &json!({"capacity": 1}),
    )
    .await
    .problem(403, "forbidden");
}

async fn conference_validation_lists_every_problem(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let mut body = common::cardiff();
    body["timezone"] = json!("Europe/Cardiff");
    body["currency"] = json!("GBX");
    // Deadlines are optional, but one given must be a date.
    body["deadlines"] = json!({"registration": "2016-08-22", "motions": "2016-13-04"});
    body["price_tiers"] = json!([
        {"code": "early", "name": "Early", "until": null, "pass_fee": "90.001", "dinner_fee": "45"},
    ]);
    let p = app
        .post("/api/v1/conferences", Some(&staff), &body)
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "timezone",
            "currency",
            "deadlines.motions",
            "price_tiers[0].pass_fee"
        ]
    );

    let mut body = common::cardiff();
    body["price_tiers"] = json!([
        {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110", "dinner_fee": "45"},
        {"code": "early", "name": "Early", "until": "2016-06-30", "pass_fee": "90", "dinner_fee": "45"},
    ]);
    let p = app
        .post("/api/v1/conferences", Some(&staff), &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "price_tiers");

    let mut body = common::cardiff();
    body["capacity"] = json!(-1);
    app.post("/api/v1/conferences", Some(&staff), &body)
        .await
        .problem(422, "validation_failed");
}

async fn quote_follows_the_local_calendar(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let c = app.conference(&staff, json!({})).await;
    let path = format!("/api/v1/conferences/{}/quote", c["id"].as_str().unwrap());

    // 23:59:59 BST on 30 June: still early bird.
    app.clock.set(london(2016, 6, 30, 23, 59, 59));
    let q = app
        .get(&format!("{path}?dinner=true"), None)
        .await
        .expect(200);
    assert_eq!(
        q,
        json!({"tier": "early", "pass_kind": "delegate", "pass_fee": "90.00", "dinner_fee": "45.00",
               "total": "135.00", "currency": "GBP", "dinner": true, "as_of": "2016-06-30",
               "registration_open": true, "closed_reason": null})
    );
    let q = app
        .get(&format!("{path}?dinner=false"), None)
        .await
        .expect(200);
    assert_eq!(q["total"], "90.00");
    assert_eq!(q["dinner_fee"], "0.00");

    // One second later it is 1 July in Cardiff, though still 30 June in UTC.
    app.clock.set(london(2016, 7, 1, 0, 0, 0));
    let q = app
        .get(&format!("{path}?dinner=true"), None)
        .await
        .expect(200);
    assert_eq!(q["tier"], "standard");
    assert_eq!(q["total"], "155.00");
    assert_eq!(app.get(&path, None).await.expect(200)["total"], "110.00");

    app.clock.set(london(2016, 8, 23, 0, 0, 0));
    assert_eq!(
        app.get(&path, None).await.expect(200)["registration_open"],
        false
    );

    app.get(&format!("{path}?dinner=perhaps"), None)
        .await
        .problem(422, "validation_failed");
    app.get(
        "/api/v1/conferences/00000000-0000-0000-0000-000000000000/quote",
        None,
    )
    .await
    .problem(404, "not_found");
}

async fn errors_are_problem_json(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.body_limit_bytes = 4096).await;
    let staff = app.staff().await;
    app.post_raw("/api/v1/conferences", Some(&staff), "{not json".into())
        .await
        .problem(400, "malformed_request");
    app.post_raw("/api/v1/conferences", Some(&staff), "{\"slug\": 1}".into())
        .await
        .problem(400, "malformed_request");
    app.post_raw(
        "/api/v1/conferences",
        Some(&staff),
        format!("{{\"name\": \"{}\"}}", "x".repeat(5000)),
    )
    .await
    .problem(413, "payload_too_large");
    app.get("/no/such/route", None)
        .await
        .problem(404, "not_found");
    app.get("/api/v1/nothing-here", None)
        .await
        .problem(404, "not_found");
}

/// Pooled SQLite connections never checkpoint on commit; the server copies
/// the write-ahead log back into the database file every second instead, so
/// the main file alone soon holds every committed write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_wal_is_checkpointed_in_the_background() {
    use diesel::dsl::count_star;
    use diesel::{Connection, QueryDsl, RunQueryDsl, SqliteConnection};
    use plenary::db::schema::organisations;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let staff = app.staff().await;
    for i in 0..20 {
        app.organisation(&staff, &format!("Party {i}"), "Wales")
            .await;
    }
    let path = app.database_url.trim_start_matches("sqlite://").to_owned();
    let copies = tempfile::tempdir().unwrap();
    let mut in_main_file = 0;
    for attempt in 0..30 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // The main file alone, without its write-ahead log.
        let copy = copies.path().join(format!("copy-{attempt}.db"));
        std::fs::copy(&path, &copy).unwrap();
        let mut conn = SqliteConnection::establish(copy.to_str().unwrap()).unwrap();
        in_main_file = organisations::table
            .select(count_star())
            .get_result::<i64>(&mut conn)
            .unwrap_or(0);
        if in_main_file == 20 {
            break;
        }
    }
    assert_eq!(
        in_main_file, 20,
        "the background checkpoint copied the log back"
    );
}
