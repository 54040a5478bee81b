//! Data protection: the register of personal data covers every column of
//! the migrated schema, and the table in docs/personal-data.md is the
//! register's.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use common::{london, Backend, TestApp, TestDb};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::QueryableByName;
use plenary::db::schema::{delegates, idempotency_keys, jobs, login_throttle, sessions};
use plenary::db::{migrate, DatabaseTarget, Manager};
use plenary::email::schema::outbox;
use plenary::privacy::register::{lookup, markdown_table, REGISTER};
use plenary::privacy::retention::{self, Counts};
use serde_json::{json, Value};

backend_tests!(
    every_column_of_every_table_is_in_the_register,
    retention_clears_exactly_what_the_register_says_at_each_boundary,
    one_instance_at_a_time_holds_the_retention_run,
);

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Every (table, column) of the migrated schema, Diesel's own table aside.
fn schema_columns(backend: &Backend) -> BTreeSet<(String, String)> {
    let (_db, url) = TestDb::create(backend);
    let target = DatabaseTarget::parse(&url).unwrap();
    migrate(&target).expect("migrate");
    let mut conn = Manager::new(target.clone()).establish().unwrap();
    let query = if target.is_sqlite() {
        "SELECT m.name AS table_name, p.name AS column_name \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
    } else {
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = 'public'"
    };
    diesel::sql_query(query)
        .load::<Column>(&mut conn)
        .unwrap()
        .into_iter()
        .filter(|c| c.table_name != "__diesel_schema_migrations")
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

async fn every_column_of_every_table_is_in_the_register(backend: Backend) {
    let columns = schema_columns(&backend);
    assert!(columns.len() > 100, "read {} columns", columns.len());
    let unclassified: Vec<String> = columns
        .iter()
        .filter(|(t, c)| lookup(t, c).is_none())
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "columns the register of personal data does not classify: {}. Add an entry for each \
         to REGISTER in src/privacy/register.rs (personal(...) with its category, purpose and \
         retention, or not(...) with why it is not personal), then copy docs/personal-data.md's \
         \"Personal data\" table from the failure of readme_table_is_the_register",
        unclassified.join(", ")
    );
    let stale: Vec<String> = REGISTER
        .iter()
        .filter(|e| !columns.contains(&(e.table.to_owned(), e.column.to_owned())))
        .map(|e| format!("{}.{}", e.table, e.column))
        .collect();
    assert!(
        stale.is_empty(),
        "src/privacy/register.rs lists columns the schema no longer has: {}",
        stale.join(", ")
    );
}

#[test]
fn readme_table_is_the_register() {
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/personal-data.md"
    ))
    .expect("docs/personal-data.md");
    let start = "<!-- personal-data-register:start -->\n";
    let end = "<!-- personal-data-register:end -->";
    let from = readme
        .find(start)
        .expect("docs/personal-data.md has the register's start marker")
        + start.len();
    let to = readme[from..]
        .find(end)
        .expect("docs/personal-data.md has the register's end marker")
        + from;
    let expected = markdown_table();
    assert!(
        readme[from..to] == expected,
        "the \"Personal data\" table in docs/personal-data.md differs from src/privacy/register.rs; \
         replace the lines between the markers with:\n{expected}"
    );
}

/// One retention run at `now` (or its counts only).
async fn retain(app: &TestApp, now: DateTime<Utc>, dry_run: bool) -> Counts {
    let settings = app.state.settings.clone();
    app.state
        .db(move |c| Ok(retention::run(c, &settings, now, dry_run)?))
        .await
        .unwrap()
}

/// What retention may touch, as it stands.
#[derive(Debug, PartialEq)]
struct Held {
    idempotency: i64,
    throttle: i64,
    sessions: i64,
    /// (recipient, has payload, status) of each email, oldest first.
    emails: Vec<(String, bool, String)>,
    /// (name, email, email_key, dietary, access, fee) of each delegate.
    delegates: Vec<(String, String, String, String, String, i64)>,
}

async fn held(app: &TestApp) -> Held {
    app.state
        .db(|c| {
            let emails: Vec<(String, Option<String>, String)> = outbox::table
                .order(outbox::id.asc())
                .select((outbox::recipient, outbox::payload, outbox::status))
                .load(c)?;
            Ok(Held {
                idempotency: idempotency_keys::table.count().get_result(c)?,
                throttle: login_throttle::table.count().get_result(c)?,
                sessions: sessions::table.count().get_result(c)?,
                emails: emails
                    .into_iter()
                    .map(|(r, p, s)| (r, p.is_some(), s))
                    .collect(),
                delegates: delegates::table
                    .order(delegates::position.asc())
                    .select((
                        delegates::name,
                        delegates::email,
                        delegates::email_key,
                        delegates::dietary_requirements,
                        delegates::access_requirements,
                        delegates::fee_minor,
                    ))
                    .load(c)?,
            })
        })
        .await
        .unwrap()
}

/// Waits until the sender has sent every queued email.
async fn all_sent(app: &TestApp) {
    for _ in 0..200 {
        if held(app).await.emails.iter().all(|(_, _, s)| s == "sent") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("emails still unsent: {:?}", held(app).await.emails);
}

async fn retention_clears_exactly_what_the_register_says_at_each_boundary(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let conference = app.conference(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let registration = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&staff),
            Some(
                &json!({"organisation_id": org, "payment_method": "cheque", "delegates": [
                    {"name": "Ann Jones", "email": "Ann@Cardiff.example", "dinner": true,
                     "dietary_requirements": "Vegan", "access_requirements": "Step-free"},
                    {"name": "Bryn Hughes", "email": "bryn@swansea.example", "dinner": false,
                     "dietary_requirements": "", "access_requirements": ""}
                ]}),
            ),
            &[("Idempotency-Key", "retention-test-1")],
        )
        .await
        .expect(201);
    app.post(
        &format!(
            "/api/v1/registrations/{}/payments",
            registration["id"].as_str().unwrap()
        ),
        Some(&staff),
        &json!({"amount": "100.00", "method": "cheque", "reference": "cheque 1"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "nobody@party.example", "password": "wrong password here"}),
    )
    .await;
    all_sent(&app).await;
    let summary_path = format!("/api/v1/conferences/{conference}/summary");
    let s: Value = app.get(&summary_path, Some(&staff)).await.expect(200);
    let money = (
        s["money"].clone(),
        s["delegates"].clone(),
        s["by_organisation"].clone(),
    );
    assert_eq!(money.0["paid"], "100.00");
    let start = held(&app).await;
    assert_eq!(start.idempotency, 1);
    assert_eq!(start.throttle, 3, "by account, by client and by the two");
    assert!(start.emails.len() >= 3, "{:?}", start.emails);
    let emails = start.emails.len();

    // Nothing has reached a limit yet.
    let t0 = app.clock_now();
    assert_eq!(retain(&app, t0, false).await, Counts::default());
    assert_eq!(held(&app).await, start);

    // 24 hours on: the idempotency record; the lockout (900 s) long over.
    let day = t0 + TimeDelta::hours(24);
    let expected = Counts {
        idempotency_records: 1,
        login_throttle: 3,
        ..Counts::default()
    };
    assert_eq!(retain(&app, day, true).await, expected);
    assert_eq!(held(&app).await, start, "a dry run changes nothing");
    assert_eq!(
        retain(&app, day - TimeDelta::seconds(1), true)
            .await
            .idempotency_records,
        0
    );
    assert_eq!(retain(&app, day, false).await, expected);
    let after_day = held(&app).await;
    assert_eq!(
        after_day,
        Held {
            idempotency: 0,
            throttle: 0,
            sessions: start.sessions,
            emails: start.emails.clone(),
            delegates: start.delegates.clone(),
        }
    );
    assert_eq!(
        retain(&app, day, false).await,
        Counts::default(),
        "a second run finds nothing"
    );

    // 30 days after sending: each email's content, and its recipient but
    // for the domain.
    let month = t0 + TimeDelta::days(30);
    assert_eq!(
        retain(&app, month - TimeDelta::seconds(1), false).await,
        Counts::default()
    );
    assert_eq!(
        retain(&app, month, false).await,
        Counts {
            email_payloads: emails,
            ..Counts::default()
        }
    );
    let after_month = held(&app).await;
    for (recipient, payload, status) in &after_month.emails {
        assert!(recipient.starts_with('@'), "{recipient}");
        assert!(!payload);
        assert_eq!(status, "sent");
    }
    assert!(after_month
        .emails
        .iter()
        .any(|(r, _, _)| r == "@cardiff.example"));
    assert_eq!(after_month.delegates, start.delegates);

    // The conference ends on Sunday 11 September 2016 (London); its
    // requirements go 30 days after midnight, on 12 October 00:00 BST.
    let requirements = london(2016, 10, 12, 0, 0, 0);
    assert_eq!(
        retain(&app, requirements - TimeDelta::seconds(1), false).await,
        Counts::default()
    );
    assert_eq!(
        retain(&app, requirements, false).await,
        Counts {
            requirements: 1,
            ..Counts::default()
        }
    );
    let cleared = held(&app).await;
    assert_eq!(cleared.delegates[0].3, "");
    assert_eq!(cleared.delegates[0].4, "");
    assert_eq!(cleared.delegates[0].0, "Ann Jones");
    assert_eq!(cleared.delegates[1], start.delegates[1]);

    // Twelve months after it ends: names and emails anonymised; the
    // sessions (366 days) have expired by then too.
    let year = london(2017, 9, 12, 0, 0, 0);
    assert_eq!(
        retain(&app, year - TimeDelta::seconds(1), true)
            .await
            .delegate_identities,
        0
    );
    let last = retain(&app, year, false).await;
    assert_eq!(last.delegate_identities, 2);
    assert_eq!(last.api_sessions as i64, start.sessions);
    let anonymised = held(&app).await;
    for (d, before) in anonymised.delegates.iter().zip(&start.delegates) {
        assert_eq!(d.0, retention::ANONYMISED_NAME);
        assert!(
            d.1.starts_with("anonymised-") && d.1.ends_with("@invalid"),
            "{}",
            d.1
        );
        assert_eq!(d.2, d.1);
        assert_eq!(d.5, before.5, "fees kept");
    }
    assert_eq!(anonymised.emails, after_month.emails);
    assert_eq!(anonymised.sessions, 0);

    // The money, the counts and the organisations add up as before.
    let staff = app.staff().await;
    let s: Value = app
        .get(
            &format!("/api/v1/conferences/{conference}/summary"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            s["money"].clone(),
            s["delegates"].clone(),
            s["by_organisation"].clone()
        ),
        money
    );
}

async fn one_instance_at_a_time_holds_the_retention_run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let settings = app.state.settings.clone();
    let t0 = app.clock_now();
    let claim = |now: DateTime<Utc>, token: &'static str| {
        let settings = settings.clone();
        app.state
            .db(move |c| Ok(retention::claim(c, &settings, now, token)?))
    };
    let last_run = || {
        app.state.db(|c| {
            Ok(jobs::table
                .find(retention::JOB)
                .select((jobs::lease_token, jobs::last_run_at))
                .first::<(Option<String>, Option<chrono::NaiveDateTime>)>(c)?)
        })
    };
    // The server's own job runs once at start.
    for _ in 0..200 {
        if last_run().await.unwrap() == (None, Some(t0.naive_utc())) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last_run().await.unwrap(), (None, Some(t0.naive_utc())));
    let hour = TimeDelta::minutes(60);
    let next = t0 + hour;
    assert!(
        !claim(next - TimeDelta::seconds(1), "first").await.unwrap(),
        "not due yet"
    );
    assert!(claim(next, "first").await.unwrap(), "due an hour later");
    assert!(!claim(next, "second").await.unwrap(), "the lease is held");
    app.state
        .db(move |c| Ok(retention::finish(c, next.naive_utc(), "first")?))
        .await
        .unwrap();
    assert_eq!(last_run().await.unwrap(), (None, Some(next.naive_utc())));
    assert!(!claim(next, "second").await.unwrap(), "ran this hour");
}
