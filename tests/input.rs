//! Input integrity (issue #23): what the API refuses at the edge and why.
//! Email addresses the sender could not deliver to, names with nothing
//! visible in them or with direction overrides, bodies that are not JSON,
//! methods a path does not support, and a quote that must say when
//! registration is closed.

mod common;

use common::{Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    emails_we_cannot_send_to_are_refused,
    names_must_show_and_keep_their_direction,
    email_subjects_show_names_literally,
    bodies_must_be_json_in_utf8,
    unsupported_methods_are_405_with_allow,
    quote_says_why_registration_is_closed,
);

#[track_caller]
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

/// Waits until the background sender has sent every email in the outbox.
async fn all_sent(app: &TestApp, staff: &str) -> Vec<Value> {
    for _ in 0..300 {
        let outbox = app
            .get("/api/v1/outbox?limit=500", Some(staff))
            .await
            .expect(200);
        let items = outbox["items"].as_array().unwrap().clone();
        if items.iter().all(|e| e["status"] == "sent") {
            return items;
        }
        assert!(
            items
                .iter()
                .all(|e| e["status"] != "failed" && e["last_error"].is_null()),
            "{items:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the emails were never sent");
}

fn delegate(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email, "dinner": false})
}

async fn emails_we_cannot_send_to_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let undeliverable = [
        "\"jo smith\"@example.org",
        "ada@[127.0.0.1]",
        "ada@[IPv6:::1]",
    ];

    for email in undeliverable {
        let p = app
            .post(
                "/api/v1/organisations",
                Some(&staff),
                &json!({"name": "Quoted Society", "kind": "society", "region": "Wales",
                        "contact_email": email}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["contact_email"], "{email}");
        let p = app
            .post(
                "/api/v1/users",
                Some(&staff),
                &json!({"email": email, "name": "Quoted", "password": "a long enough password",
                        "role": "staff"}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["email"], "{email}");
    }

    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let conference = app.conference(&staff, json!({})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    let delegates: Vec<Value> = undeliverable
        .iter()
        .map(|e| delegate("Ada Lovelace", e))
        .collect();
    let p = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "invoice", "delegates": delegates}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&p),
        [
            "delegates[0].email",
            "delegates[1].email",
            "delegates[2].email"
        ]
    );
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot send"),
        "{p}"
    );

    // An internationalised domain is kept in the ASCII form every relay
    // takes, and the confirmation is delivered to it.
    let r = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "invoice",
                    "delegates": [delegate("Ada Lovelace", "ada@bücher.example")]}),
        )
        .await
        .expect(201);
    assert_eq!(r["delegates"][0]["email"], "ada@xn--bcher-kva.example");
    let p = app
        .post(
            &format!(
                "/api/v1/delegates/{}/substitution",
                r["delegates"][0]["id"].as_str().unwrap()
            ),
            Some(&member),
            &json!({"name": "Robert Owen", "email": "robert@[127.0.0.1]"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["email"]);
    let items = all_sent(&app, &staff).await;
    assert!(items
        .iter()
        .any(|e| e["recipient"] == "ada@xn--bcher-kva.example"));
}

async fn names_must_show_and_keep_their_direction(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = |name: &str| {
        json!({"name": name, "kind": "society", "region": "Wales",
               "contact_email": "secretary@society.example"})
    };
    for name in [
        "\u{200b}\u{200b}",
        "\u{202e}",
        "Ada \u{202e}ecalevoL",
        "One\u{2028}Two",
    ] {
        let p = app
            .post("/api/v1/organisations", Some(&staff), &org(name))
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["name"], "{name:?}");
    }
    let org_id = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org_id).await;
    let conference = app.conference(&staff, json!({})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    let p = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "invoice", "delegates": [
                delegate("\u{200b}\u{200b}", "a@example.org"),
                delegate("\u{3164}", "b@example.org"),
                delegate("Robert \u{2066}Owen\u{2069}", "c@example.org"),
                {"name": "Ada Lovelace", "email": "d@example.org",
                 "dietary_requirements": "vegan\u{202e}"},
            ]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&p),
        [
            "delegates[0].name",
            "delegates[1].name",
            "delegates[2].name",
            "delegates[3].dietary_requirements"
        ]
    );
    assert_eq!(
        p["errors"][0]["message"],
        "must contain at least one visible character"
    );
    // Names in any script, with the joiners emoji need, are still names.
    let r = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "invoice", "delegates": [
                delegate("Siân Gwenllian", "sian@example.org"),
                delegate("عمر الخيام", "omar@example.org"),
                delegate("Zoë 👩\u{200d}🔬", "zoe@example.org"),
            ]}),
        )
        .await
        .expect(201);
    assert_eq!(r["delegates"][2]["name"], "Zoë 👩\u{200d}🔬");
}

async fn email_subjects_show_names_literally(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let name = "Annual =?utf-8?b?SGFja2Vk?= Conference";
    let conference = app.conference(&staff, json!({"name": name})).await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    app.post(
        &format!(
            "/api/v1/conferences/{}/registrations",
            conference["id"].as_str().unwrap()
        ),
        Some(&member),
        &json!({"payment_method": "invoice",
                "delegates": [delegate("Ada Lovelace", "ada@example.org")]}),
    )
    .await
    .expect(201);
    all_sent(&app, &staff).await;
    let mut subjects = Vec::new();
    for entry in std::fs::read_dir(&app.mail_dir).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        subjects.push(message.subject().unwrap().to_owned());
    }
    assert_eq!(
        subjects.len(),
        3,
        "a confirmation, a summary and the invoice"
    );
    for subject in subjects {
        assert!(subject.contains(name), "{subject}");
    }
}

async fn bodies_must_be_json_in_utf8(b: Backend) {
    let app = TestApp::spawn(b).await;
    let login = r#"{"email": "nobody@party.example", "password": "not the password"}"#;
    let utf16: Vec<u8> = login
        .encode_utf16()
        .flat_map(|unit| unit.to_le_bytes())
        .collect();
    let refused: [(Option<&str>, Vec<u8>); 7] = [
        (Some("text/plain"), login.into()),
        (
            Some("application/x-www-form-urlencoded"),
            b"email=nobody%40party.example&password=x".to_vec(),
        ),
        (None, login.into()),
        (Some("application/json; charset=utf-16"), utf16),
        (Some("application/json; charset=iso-8859-1"), login.into()),
        (Some("text/json"), login.into()),
        (Some("json"), login.into()),
    ];
    for (content_type, body) in refused {
        let p = app
            .send_bytes(Method::POST, "/api/v1/auth/login", None, content_type, body)
            .await
            .problem(415, "unsupported_media_type");
        assert!(
            p["detail"].as_str().unwrap().contains("application/json"),
            "{content_type:?}: {p}"
        );
    }
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; charset=\"UTF-8\"",
        "application/vnd.plenary+json",
    ] {
        app.send_bytes(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(content_type),
            login.into(),
        )
        .await
        .problem(401, "unauthenticated");
    }

    // The caller is checked before the body: anonymous is 401 whatever the
    // body, and a refused body changes nothing.
    let staff = app.staff().await;
    let org = json!({"name": "Plain Society", "kind": "society", "region": "Wales",
                     "contact_email": "plain@society.example"})
    .to_string();
    app.send_bytes(
        Method::POST,
        "/api/v1/organisations",
        None,
        Some("text/plain"),
        org.clone().into(),
    )
    .await
    .problem(401, "unauthenticated");
    app.send_bytes(
        Method::POST,
        "/api/v1/organisations",
        Some(&staff),
        Some("text/plain"),
        org.clone().into(),
    )
    .await
    .problem(415, "unsupported_media_type");
    let list = app
        .get("/api/v1/organisations", Some(&staff))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    app.send_bytes(
        Method::POST,
        "/api/v1/organisations",
        Some(&staff),
        Some("application/json"),
        org.into(),
    )
    .await
    .expect(201);

    // A merge patch is JSON too.
    let conference = app.conference(&staff, json!({})).await;
    let path = format!("/api/v1/conferences/{}", conference["id"].as_str().unwrap());
    app.send_bytes(
        Method::PATCH,
        &path,
        Some(&staff),
        Some("application/merge-patch+json"),
        br#"{"venue": "Cardiff Bay"}"#.to_vec(),
    )
    .await
    .expect(200);
    app.send_bytes(
        Method::PATCH,
        &path,
        Some(&staff),
        Some("text/plain"),
        br#"{"venue": "Swansea"}"#.to_vec(),
    )
    .await
    .problem(415, "unsupported_media_type");
    let after = app.get(&path, None).await.expect(200);
    assert_eq!(after["venue"], "Cardiff Bay");
}

async fn unsupported_methods_are_405_with_allow(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let conference = app.conference(&staff, json!({})).await;
    let id = conference["id"].as_str().unwrap();
    let cases = [
        (
            Method::DELETE,
            format!("/api/v1/conferences/{id}"),
            "GET, PATCH",
        ),
        (Method::PUT, "/api/v1/users".to_owned(), "GET, POST"),
        (Method::GET, "/api/v1/auth/login".to_owned(), "POST"),
        (
            Method::POST,
            format!("/api/v1/conferences/{id}/quote"),
            "GET",
        ),
        (Method::POST, "/healthz".to_owned(), "GET"),
        (Method::DELETE, "/api/v1/openapi.json".to_owned(), "GET"),
    ];
    for (method, path, allow) in cases {
        for token in [None, Some(staff.as_str())] {
            let res = app.request(method.clone(), &path, token, None, &[]).await;
            assert_eq!(res.headers["allow"], allow, "{method} {path}");
            let p = res.problem(405, "method_not_allowed");
            assert!(
                p["detail"].as_str().unwrap().contains(allow),
                "{method} {path}: {p}"
            );
        }
    }
    // A path nothing serves is still 404, whatever the method.
    for method in [Method::GET, Method::DELETE] {
        let res = app
            .request(method, "/api/v1/nowhere", Some(&staff), None, &[])
            .await;
        assert!(res.headers.get("allow").is_none());
        res.problem(404, "not_found");
    }
    // The conference is still there.
    app.get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
}

async fn quote_says_why_registration_is_closed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let conference = app
        .conference(&staff, json!({"capacity": 2, "dinner_capacity": 1}))
        .await;
    let id = conference["id"].as_str().unwrap();
    let quote = |dinner: bool| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/conferences/{id}/quote?dinner={dinner}"),
                None,
            )
            .await
            .expect(200)
        }
    };
    let register = |name: &str, dinner: bool| {
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        json!({"payment_method": "invoice", "delegates": [
            {"name": name, "email": email, "dinner": dinner}]})
    };
    let path = format!("/api/v1/conferences/{id}/registrations");
    let open = quote(true).await;
    assert_eq!(open["registration_open"], true);
    assert_eq!(open["closed_reason"], Value::Null);

    // The one dinner seat goes: a place with the dinner is closed, one
    // without it is still open, as registration itself agrees.
    app.post(&path, Some(&member), &register("Ada Lovelace", true))
        .await
        .expect(201);
    let q = quote(true).await;
    assert_eq!(q["registration_open"], false);
    assert_eq!(q["closed_reason"], "dinner_full");
    app.post(&path, Some(&member), &register("Grace Hopper", true))
        .await
        .problem(409, "capacity_reached");
    let q = quote(false).await;
    assert_eq!(q["registration_open"], true);
    assert_eq!(q["closed_reason"], Value::Null);

    // The last place goes: closed either way.
    app.post(&path, Some(&member), &register("Robert Owen", false))
        .await
        .expect(201);
    for dinner in [false, true] {
        let q = quote(dinner).await;
        assert_eq!(q["registration_open"], false);
        assert_eq!(q["closed_reason"], "places_full");
    }
    app.post(&path, Some(&member), &register("Grace Hopper", false))
        .await
        .problem(409, "capacity_reached");

    // After the deadline (22 August, London), the deadline is the reason.
    app.clock.set(common::london(2016, 8, 23, 0, 0, 0));
    let q = quote(false).await;
    assert_eq!(q["registration_open"], false);
    assert_eq!(q["closed_reason"], "deadline_passed");
}
