//! Every request limit refuses clearly, as problem+json with a stable code:
//! body size, JSON depth, string lengths, list lengths, page sizes, request
//! timeouts and login throttling (see the README's "Limits").

mod common;

use std::time::Duration;

use common::{Backend, TestApp};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

backend_tests!(
    body_size,
    json_depth,
    string_lengths,
    delegates_per_registration,
    price_tiers_per_conference,
    page_size,
    login_throttling,
    a_lockout_lets_the_owner_in_from_elsewhere,
    a_failing_client_is_slowed_whatever_the_email,
    forwarded_for_counts_only_from_trusted_proxies,
    parallel_guesses_stop_at_the_limit,
);

mod timeouts {
    use super::common::{Backend, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn request_head_and_body_timeouts() {
        let app = TestApp::spawn_with(Backend::Sqlite, |s| s.request_timeout_secs = 1).await;
        super::request_timeouts(&app).await;
    }
}

/// A raw HTTP/1.1 exchange: sends `parts` with `pause` between them, then
/// reads the answer until the server closes or five seconds pass.
async fn raw(app: &TestApp, parts: &[&[u8]], pause: Duration) -> RawResponse {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(pause).await;
        }
        // The server may answer and close before reading everything.
        if stream.write_all(part).await.is_err() {
            break;
        }
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if RawResponse::parse(&buf).is_some_and(|r| r.complete) {
                    break;
                }
            }
        }
    }
    RawResponse::parse(&buf)
        .unwrap_or_else(|| panic!("no HTTP response, got {:?}", String::from_utf8_lossy(&buf)))
}

struct RawResponse {
    status: u16,
    content_type: Option<String>,
    body: Value,
    complete: bool,
}

impl RawResponse {
    fn parse(buf: &[u8]) -> Option<RawResponse> {
        let text = std::str::from_utf8(buf).ok()?;
        let (head, body) = text.split_once("\r\n\r\n")?;
        let mut lines = head.lines();
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let mut content_type = None;
        let mut length = 0;
        for line in lines {
            let (name, value) = line.split_once(':')?;
            match name.to_ascii_lowercase().as_str() {
                "content-type" => content_type = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().ok()?,
                _ => {}
            }
        }
        Some(RawResponse {
            status,
            content_type,
            body: serde_json::from_str(body).unwrap_or(Value::Null),
            complete: body.len() >= length,
        })
    }

    #[track_caller]
    fn problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
    }
}

async fn body_size(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.body_limit_bytes = 4096).await;
    let login = |padding: usize| {
        let body = r#"{"email": "nobody@party.example", "password": "not the password"}"#;
        format!("{body}{}", " ".repeat(padding - body.len()))
    };
    // At the limit the body is read (and the login refused); one byte over
    // it is not.
    app.post_raw("/api/v1/auth/login", None, login(4096))
        .await
        .problem(401, "unauthenticated");
    let p = app
        .post_raw("/api/v1/auth/login", None, login(4097))
        .await
        .problem(413, "payload_too_large");
    assert!(p["detail"].as_str().unwrap().contains("4096 bytes"), "{p}");
    // Without a Content-Length the count is kept as the chunks arrive.
    let big = "x".repeat(5000);
    let chunked = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: plenary\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    raw(&app, &[chunked.as_bytes()], Duration::ZERO)
        .await
        .problem(413, "payload_too_large");
}

/// `{"email": …, "password": …, "pad": [[…]]}` nested `depth` levels deep
/// in all (unknown fields are ignored by the login body).
fn nested_login(depth: usize) -> String {
    format!(
        r#"{{"email": "nobody@party.example", "password": "not the password", "pad": {}{}}}"#,
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    )
}

async fn json_depth(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.post_raw("/api/v1/auth/login", None, nested_login(32))
        .await
        .problem(401, "unauthenticated");
    let p = app
        .post_raw("/api/v1/auth/login", None, nested_login(33))
        .await
        .problem(400, "malformed_request");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("nested deeper than 32"),
        "{p}"
    );
    // Brackets inside strings are text, not nesting.
    let text = json!({"email": "nobody@party.example", "password": "[".repeat(100)});
    app.post("/api/v1/auth/login", None, &text)
        .await
        .problem(401, "unauthenticated");
}

#[track_caller]
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn string_lengths(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = |name: String, email: String| json!({"name": name, "kind": "society", "region": "Wales", "contact_email": email});
    app.post(
        "/api/v1/organisations",
        Some(&staff),
        &org("n".repeat(200), "a@org.example".into()),
    )
    .await
    .expect(201);
    let p = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &org("n".repeat(201), format!("{}@org.example", "a".repeat(250))),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["name", "contact_email"]);

    let org_id = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org_id).await;
    let conference = app.conference(&staff, json!({})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    let delegate = json!({
        "name": "d".repeat(201),
        "email": "ada@example.org",
        "dietary_requirements": "v".repeat(1001),
        "access_requirements": "a".repeat(1000),
    });
    let p = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "online", "delegates": [delegate]}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(&p),
        ["delegates[0].name", "delegates[0].dietary_requirements"]
    );

    let p = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "long@party.example", "name": "Long", "password": "p".repeat(1025), "role": "staff"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["password"]);

    let key = "k".repeat(256);
    let p = app
        .request(
            reqwest::Method::POST,
            &path,
            Some(&member),
            Some(&json!({"payment_method": "online", "delegates": []})),
            &[("Idempotency-Key", &key)],
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["Idempotency-Key"]);
}

fn delegates(n: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("Delegate {i}"), "email": format!("d{i}@example.org")}))
        .collect();
    json!({"payment_method": "invoice", "delegates": list})
}

async fn delegates_per_registration(b: Backend) {
    for (configured, max) in [(None, 50), (Some(3), 3)] {
        let app = TestApp::spawn_with(b.clone(), |s| {
            if let Some(m) = configured {
                s.max_delegates_per_registration = m;
            }
        })
        .await;
        let staff = app.staff().await;
        let org = app.organisation(&staff, "Cardiff", "Wales").await;
        let member = app.org_user(&org).await;
        let conference = app.conference(&staff, json!({})).await;
        let path = format!(
            "/api/v1/conferences/{}/registrations",
            conference["id"].as_str().unwrap()
        );
        let p = app
            .post(&path, Some(&member), &delegates(max + 1))
            .await
            .problem(422, "validation_failed");
        assert_eq!(fields(&p), ["delegates"]);
        assert_eq!(
            p["errors"][0]["message"],
            format!("at most {max} delegates may be registered at once")
        );
        let r = app
            .post(&path, Some(&member), &delegates(max))
            .await
            .expect(201);
        assert_eq!(r["delegates"].as_array().unwrap().len(), max);
    }
}

async fn price_tiers_per_conference(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let tiers = |n: usize| -> Value {
        let mut list: Vec<Value> = (1..n)
            .map(|i| {
                let until = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap()
                    + chrono::Duration::days(i as i64);
                json!({"code": format!("t{i}"), "name": format!("Tier {i}"), "until": until.to_string(),
                       "pass_fee": "90.00", "dinner_fee": "45.00"})
            })
            .collect();
        list.push(json!({"code": "last", "name": "Last", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}));
        Value::Array(list)
    };
    app.conference(&staff, json!({"price_tiers": tiers(20)}))
        .await;
    let mut body = common::cardiff();
    common::merge(&mut body, json!({"price_tiers": tiers(21)}));
    let p = app
        .post("/api/v1/conferences", Some(&staff), &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(&p), ["price_tiers"]);
    assert_eq!(p["errors"][0]["message"], "at most 20 price tiers");
}

async fn page_size(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    for path in [
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/conferences",
        "/api/v1/outbox",
        "/api/v1/audit",
    ] {
        app.get(&format!("{path}?limit=500"), Some(&staff))
            .await
            .expect(200);
        for bad in ["501", "0", "-1", "many"] {
            let p = app
                .get(&format!("{path}?limit={bad}"), Some(&staff))
                .await
                .problem(422, "validation_failed");
            assert!(
                ["limit", "query"].contains(&fields(&p)[0]),
                "{path}?limit={bad}: {p}"
            );
        }
    }
}

async fn request_timeouts(app: &TestApp) {
    // The request head must arrive within the timeout; actix answers a bare
    // 408 itself (no request was parsed, so there is nothing to describe).
    let head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: plenary\r\n";
    let res = raw(app, &[head], Duration::ZERO).await;
    assert_eq!(res.status, 408);

    // So must the body, however slowly it trickles in.
    let head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: plenary\r\n\
                 Content-Type: application/json\r\nContent-Length: 64\r\n\r\n";
    let started = std::time::Instant::now();
    let res = raw(
        app,
        &[head, b"{\"email\":", b" \"slow@party.example\""],
        Duration::from_millis(700),
    )
    .await;
    res.problem(408, "timeout");
    assert!(started.elapsed() < Duration::from_secs(4));
}

async fn login_throttling(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.create_user("chair@party.example", "staff", None).await;
    let bad = json!({"email": "chair@party.example", "password": "wrong password!"});
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, &bad)
            .await
            .problem(401, "unauthenticated");
    }
    let res = app.post("/api/v1/auth/login", None, &bad).await;
    assert_eq!(res.headers["retry-after"], "900");
    res.problem(429, "too_many_requests");
    // The client that failed is refused the right password too, until its
    // failures expire.
    let good = json!({"email": "chair@party.example", "password": common::PASSWORD});
    app.clock.advance(chrono::Duration::seconds(600));
    let res = app.post("/api/v1/auth/login", None, &good).await;
    assert_eq!(res.headers["retry-after"], "300");
    res.problem(429, "too_many_requests");
    app.clock.advance(chrono::Duration::seconds(300));
    app.post("/api/v1/auth/login", None, &good)
        .await
        .expect(200);
}

/// A login as if from `client`, through the proxy at 127.0.0.1.
async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> common::Response {
    app.request(
        reqwest::Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&json!({"email": email, "password": password})),
        &[("X-Forwarded-For", client)],
    )
    .await
}

/// The throttle's stored keys.
async fn throttle_keys(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use plenary::db::schema::login_throttle::dsl as t;
    app.state
        .db(|conn| {
            Ok(t::login_throttle
                .select(t::key_hash)
                .order(t::key_hash)
                .load::<String>(conn)?)
        })
        .await
        .unwrap()
}

fn behind_local_proxy(s: &mut plenary::config::Settings) {
    s.trusted_proxies = vec![plenary::config::TrustedProxy(
        "127.0.0.1/32".parse().unwrap(),
    )];
}

async fn a_lockout_lets_the_owner_in_from_elsewhere(b: Backend) {
    let app = TestApp::spawn_with(b, behind_local_proxy).await;
    let chair = "chair@party.example";
    app.create_user(chair, "staff", None).await;
    let (attacker, owner, another) = ("203.0.113.66", "198.51.100.7", "192.0.2.99");
    for _ in 0..5 {
        login_from(&app, attacker, chair, "guess guess guess")
            .await
            .problem(401, "unauthenticated");
    }
    // The attacker is refused, even with the right password...
    let res = login_from(&app, attacker, chair, "guess guess guess").await;
    assert_eq!(res.headers["retry-after"], "900");
    res.problem(429, "too_many_requests");
    login_from(&app, attacker, chair, common::PASSWORD)
        .await
        .problem(429, "too_many_requests");
    // ...while the owner, at a client that has not failed, signs in, and
    // leaves nothing stored for it.
    let before = throttle_keys(&app).await;
    login_from(&app, owner, chair, common::PASSWORD)
        .await
        .expect(200);
    assert_eq!(throttle_keys(&app).await, before);
    // A new client gets one guess at a locked account, then waits.
    login_from(&app, another, chair, "guess guess guess")
        .await
        .problem(401, "unauthenticated");
    login_from(&app, another, chair, common::PASSWORD)
        .await
        .problem(429, "too_many_requests");
    // Only digests are stored: no email, no address.
    for key in throttle_keys(&app).await {
        assert!(
            key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
            "{key}"
        );
    }
    // Once the failures are a window old, the attacker may try again.
    app.clock.advance(chrono::Duration::seconds(901));
    login_from(&app, attacker, chair, "guess guess guess")
        .await
        .problem(401, "unauthenticated");
}

async fn a_failing_client_is_slowed_whatever_the_email(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        behind_local_proxy(s);
        s.login_client_max_failures = 3;
    })
    .await;
    app.create_user("chair@party.example", "staff", None).await;
    let sprayer = "203.0.113.66";
    for i in 0..3 {
        login_from(
            &app,
            sprayer,
            &format!("user{i}@party.example"),
            "Summer2016!!",
        )
        .await
        .problem(401, "unauthenticated");
    }
    let res = login_from(&app, sprayer, "user9@party.example", "Summer2016!!").await;
    assert_eq!(res.headers["retry-after"], "900");
    res.problem(429, "too_many_requests");
    login_from(&app, sprayer, "chair@party.example", common::PASSWORD)
        .await
        .problem(429, "too_many_requests");
    // Nobody's account was locked by it.
    login_from(
        &app,
        "198.51.100.7",
        "chair@party.example",
        common::PASSWORD,
    )
    .await
    .expect(200);
}

async fn forwarded_for_counts_only_from_trusted_proxies(b: Backend) {
    // No trusted proxies (the default): a client cannot dodge the limits by
    // writing a new X-Forwarded-For each time.
    let app = TestApp::spawn_with(b, |s| s.login_client_max_failures = 3).await;
    for i in 0..3 {
        login_from(
            &app,
            &format!("203.0.113.{i}"),
            &format!("user{i}@party.example"),
            "Summer2016!!",
        )
        .await
        .problem(401, "unauthenticated");
    }
    login_from(&app, "203.0.113.200", "user9@party.example", "Summer2016!!")
        .await
        .problem(429, "too_many_requests");
}

async fn parallel_guesses_stop_at_the_limit(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.create_user("chair@party.example", "staff", None).await;
    let guesses = (0..16).map(|i| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "chair@party.example", "password": format!("guess number {i}")}),
            )
            .await
            .status
            .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(guesses).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [[401; 5].as_slice(), &[429; 11]].concat());
}
