//! `GET /metrics`: not found unless a token is configured, then only for
//! requests bearing it; the text parses as the Prometheus exposition format
//! and counts requests by route, operations by outcome, and the outbox,
//! pool and log figures, with no personal data anywhere in it.

mod common;

use common::{Backend, TestApp};
use nom_openmetrics::parser::prometheus;
use nom_openmetrics::Sample;
use serde_json::json;

backend_tests!(
    metrics_are_not_served_without_a_token,
    metrics_need_the_configured_token,
    metrics_count_requests_and_operations_without_personal_data,
);

const TOKEN: &str = "a-long-scrape-token-for-tests";

async fn metrics_are_not_served_without_a_token(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.get("/metrics", None).await.problem(404, "not_found");
    app.get("/metrics", Some(TOKEN))
        .await
        .problem(404, "not_found");
}

async fn metrics_need_the_configured_token(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.metrics_token = Some(TOKEN.into())).await;
    app.get("/metrics", None)
        .await
        .problem(401, "unauthenticated");
    app.get("/metrics", Some("a-long-scrape-token-for-test"))
        .await
        .problem(401, "unauthenticated");
    let staff = app.staff().await;
    app.get("/metrics", Some(&staff))
        .await
        .problem(401, "unauthenticated");
    let res = app.get("/metrics", Some(TOKEN)).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text);
    assert_eq!(
        res.headers.get("content-type").unwrap(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
}

/// Every sample of the exposition; the whole text must parse.
fn parse(text: &str) -> Vec<Sample<'_>> {
    let (rest, families) = prometheus(text).expect("Prometheus text format");
    assert!(rest.is_empty(), "unparsed: {rest}");
    families.into_iter().flat_map(|f| f.samples).collect()
}

fn find<'s, 'a>(
    samples: &'s [Sample<'a>],
    metric: &str,
    labels: &[(&str, &str)],
) -> Option<&'s Sample<'a>> {
    samples.iter().find(|s| {
        s.name() == metric
            && labels
                .iter()
                .all(|(k, v)| s.labels().iter().any(|l| l.name == *k && l.value == *v))
    })
}

fn number(sample: Option<&Sample>) -> f64 {
    sample.expect("a sample").number()
}

async fn metrics_count_requests_and_operations_without_personal_data(b: Backend) {
    // No mail server answers on the discard port, so the confirmation waits
    // in the outbox for its next attempt an hour later.
    let app = TestApp::spawn_with(b, |s| {
        s.metrics_token = Some(TOKEN.into());
        s.smtp_url = Some("smtp://127.0.0.1:9".into());
        s.email_retry_secs = 3600;
    })
    .await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let conference = app.conference(&staff, json!({"capacity": 1})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    let delegate = |name: &str, email: &str| {
        json!({"payment_method": "cheque",
               "delegates": [{"name": name, "email": email, "dinner": false}]})
    };
    app.post(
        &path,
        Some(&member),
        &delegate("Ada Lovelace", "ada.lovelace@delegates.example"),
    )
    .await
    .expect(201);
    app.post(
        &path,
        Some(&member),
        &delegate("Robert Owen", "robert.owen@delegates.example"),
    )
    .await
    .problem(409, "capacity_reached");
    app.get(
        "/api/v1/conferences/00000000-0000-0000-0000-000000000000",
        Some(&staff),
    )
    .await
    .problem(404, "not_found");
    app.get("/no/such/path/ada.lovelace@delegates.example", None)
        .await
        .problem(404, "not_found");

    let text = app.get("/metrics", Some(TOKEN)).await.text;
    for personal in ["Ada", "Lovelace", "Robert", "delegates.example", "Cardiff"] {
        assert!(
            !text.contains(personal),
            "{personal} in the metrics:\n{text}"
        );
    }
    let scrape = parse(&text);

    let registrations = "/api/v1/conferences/{id}/registrations";
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_requests_total",
            &[
                ("route", registrations),
                ("method", "POST"),
                ("status", "201")
            ],
        )),
        1.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_requests_total",
            &[
                ("route", registrations),
                ("method", "POST"),
                ("status", "409")
            ],
        )),
        1.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_requests_total",
            &[("route", "/api/v1/conferences/{id}"), ("status", "404")],
        )),
        1.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_requests_total",
            &[("route", "unmatched"), ("status", "404")],
        )),
        1.0,
        "an unknown path is one series, whatever it is"
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_operations_total",
            &[("operation", "register"), ("outcome", "accepted")],
        )),
        1.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_operations_total",
            &[("operation", "register"), ("outcome", "capacity_reached")],
        )),
        1.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_request_duration_seconds_count",
            &[("route", registrations), ("method", "POST")],
        )),
        2.0
    );
    assert_eq!(
        number(find(
            &scrape,
            "plenary_http_request_duration_seconds_bucket",
            &[("route", registrations), ("method", "POST"), ("le", "+Inf")],
        )),
        2.0
    );
    assert!(number(find(&scrape, "plenary_outbox_pending", &[])) >= 1.0);
    app.clock.advance(chrono::Duration::seconds(90));
    let text = app.get("/metrics", Some(TOKEN)).await.text;
    let scrape = parse(&text);
    assert_eq!(
        number(find(
            &scrape,
            "plenary_outbox_oldest_pending_age_seconds",
            &[]
        )),
        90.0
    );
    assert_eq!(number(find(&scrape, "plenary_outbox_failed", &[])), 0.0);
    assert!(number(find(&scrape, "plenary_db_pool_max_connections", &[])) >= 1.0);
    assert!(number(find(&scrape, "plenary_db_pool_connections", &[])) >= 1.0);
    let wal = number(find(&scrape, "plenary_sqlite_wal_bytes", &[]));
    match app.database_url.starts_with("sqlite") {
        true => assert!(wal > 0.0, "the SQLite log holds the writes"),
        false => assert_eq!(wal, 0.0),
    }
}
