//! The email outbox end to end: rows enqueued in the database, delivered by
//! the background sender to a real SMTP listener (or into .eml files),
//! retried through outages, given up on visibly, and shown to staff.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use common::smtp::{closed_port, SmtpServer};
use common::{Backend, TestApp};
use mail_parser::MimeHeaders;
use plenary::email::messages::{
    self, Body, ConferenceInfo, Content, DelegateInfo, OutgoingEmail, RegistrationInfo,
};
use plenary::email::outbox::{self, OutboxRow, Settlement};
use plenary::email::sender::{self, Sender};
use plenary::values::money::Money;
use serde_json::Value;

backend_tests!(
    smtp_delivers_the_confirmation_with_a_calendar_entry,
    an_outage_is_retried_and_delivered_once,
    gives_up_after_the_last_attempt_and_staff_can_retry,
    concurrent_senders_deliver_each_email_once,
    an_expired_lease_is_taken_over,
    shutdown_leaves_no_email_claimed,
    emails_queued_before_the_upgrade_are_sent_as_rendered,
    without_smtp_emails_become_eml_files,
    outbox_is_for_staff_and_filters,
);

fn conference() -> ConferenceInfo {
    ConferenceInfo {
        id: uuid::Uuid::now_v7().to_string(),
        name: "Co-operative Party Annual Conference 2016".into(),
        venue: "Radisson Blu Hotel Cardiff".into(),
        starts_on: NaiveDate::from_ymd_opt(2016, 9, 9).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2016, 9, 11).unwrap(),
        timezone: "Europe/London".into(),
        programme: Vec::new(),
        privacy_notice: None,
    }
}

fn registration() -> RegistrationInfo {
    RegistrationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        reference: "CARD-7KQ4".into(),
        organisation_name: "Cardiff West Co-operative Party".into(),
        contact_email: "secretary@cardiffwest.example".into(),
        payment_method: "cheque".into(),
        delegates: vec![DelegateInfo {
            id: uuid::Uuid::now_v7().to_string(),
            name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            dinner: true,
            dietary_requirements: "Vegan".into(),
            access_requirements: String::new(),
            fee: Money::from_minor(13500),
        }],
        total: Money::from_minor(13500),
        amount_paid: Money::ZERO,
        balance: Money::from_minor(13500),
        currency: "GBP".into(),
    }
}

fn plain(recipient: &str, subject: &str) -> OutgoingEmail {
    OutgoingEmail {
        kind: "test",
        recipient: recipient.into(),
        subject: subject.into(),
        content: Content::Rendered(Body {
            text: format!("Text of {subject}"),
            html: format!("<p>HTML of {subject}</p>"),
            attachment: None,
            pdf: None,
        }),
    }
}

async fn enqueue(app: &TestApp, email: OutgoingEmail, conference_id: Option<&str>) -> String {
    let conference_id = conference_id.map(str::to_owned);
    let now = app.clock_now().naive_utc();
    app.state
        .db(move |conn| {
            Ok(outbox::enqueue(
                conn,
                &email,
                outbox::Links {
                    conference_id: conference_id.as_deref(),
                    ..Default::default()
                },
                now,
            )?)
        })
        .await
        .unwrap()
}

async fn row(app: &TestApp, id: &str) -> OutboxRow {
    let id = id.to_owned();
    app.state
        .db(move |conn| Ok(outbox::get(conn, &id)?))
        .await
        .unwrap()
        .expect("the email is in the outbox")
}

/// Polls the row until `ok` holds (the background sender is at work).
async fn wait_row(app: &TestApp, id: &str, ok: impl Fn(&OutboxRow) -> bool) -> OutboxRow {
    for _ in 0..300 {
        let r = row(app, id).await;
        if ok(&r) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "outbox row never reached the expected state: {:?}",
        row(app, id).await
    );
}

fn sender_for(app: &TestApp) -> Sender {
    Sender::new(
        app.state.pool.clone(),
        &app.state.settings,
        app.state.clock.clone(),
        sender::DEFAULT_POLL,
    )
    .unwrap()
}

async fn smtp_app(
    b: Backend,
    url: String,
    adjust: impl FnOnce(&mut plenary::config::Settings),
) -> TestApp {
    TestApp::spawn_with(b, |s| {
        s.smtp_url = Some(url);
        s.mail_from = "conference@party.example".into();
        adjust(s);
    })
    .await
}

async fn smtp_delivers_the_confirmation_with_a_calendar_entry(b: Backend) {
    let smtp = SmtpServer::start().await;
    let app = smtp_app(b, smtp.url(), |_| {}).await;
    let (c, r) = (conference(), registration());
    let email = messages::registration_confirmation(&c, &r, &r.delegates[0], app.clock_now());
    let subject = email.subject.clone();
    let id = enqueue(&app, email, Some(&c.id)).await;

    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].from, "conference@party.example");
    assert_eq!(received[0].recipients, ["ada@example.org"]);
    let message = received[0].parse();
    assert_eq!(message.subject(), Some(subject.as_str()));
    assert_eq!(
        message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("ada@example.org")
    );
    assert!(message.message_id().unwrap().starts_with(&id));
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("Co-operative Party Annual Conference 2016"),
        "{text}"
    );
    assert!(
        text.contains("CARD-7KQ4") && text.contains("Vegan"),
        "{text}"
    );
    let html = message.body_html(0).unwrap();
    assert!(html.contains("Radisson Blu Hotel Cardiff"), "{html}");

    let ics = message
        .attachments()
        .find(|a| a.attachment_name() == Some("conference.ics"))
        .expect("a calendar attachment");
    assert_eq!(ics.content_type().unwrap().ctype(), "text");
    assert_eq!(ics.content_type().unwrap().subtype(), Some("calendar"));
    let ics = String::from_utf8(ics.contents().to_vec()).unwrap();
    for line in [
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20160909",
        "DTEND;VALUE=DATE:20160912",
        "LOCATION:Radisson Blu Hotel Cardiff",
    ] {
        assert!(ics.contains(&format!("{line}\r\n")), "{line}: {ics}");
    }
    assert!(ics
        .replace("\r\n ", "")
        .contains("SUMMARY:Co-operative Party Annual Conference 2016\r\n"));

    let sent = wait_row(&app, &id, |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.sent_at, Some(app.clock_now().naive_utc()));
    assert_eq!(sent.last_error, None);

    // A subject that tries to smuggle in a header stays one header line.
    enqueue(
        &app,
        plain("ada@example.org", "Hello\r\nBcc: mallory@example.org"),
        None,
    )
    .await;
    let received = smtp.wait_for(2).await;
    assert_eq!(received[1].recipients, ["ada@example.org"]);
    let message = received[1].parse();
    assert_eq!(message.subject(), Some("Hello Bcc: mallory@example.org"));
    assert!(message.header_raw("Bcc").is_none());
}

async fn an_outage_is_retried_and_delivered_once(b: Backend) {
    // Nothing listens on the SMTP port yet.
    let port = closed_port();
    let app = smtp_app(b, format!("smtp://127.0.0.1:{port}"), |s| {
        s.email_retry_secs = 30
    })
    .await;
    let id = enqueue(&app, plain("one@example.org", "During the outage"), None).await;
    let failed = wait_row(&app, &id, |r| r.attempts == 1).await;
    assert_eq!(failed.status, "pending");
    assert!(!failed.last_error.clone().unwrap_or_default().is_empty());
    assert_eq!(
        failed.next_attempt_at,
        app.clock_now().naive_utc() + chrono::Duration::seconds(30)
    );
    let staff = app.staff().await;
    let listed = app
        .get("/api/v1/outbox?status=pending", Some(&staff))
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert_eq!(listed["items"][0]["attempts"], 1);
    assert!(listed["items"][0]["last_error"].is_string());

    // The server comes up, but the retry is not yet due.
    let mut smtp = SmtpServer::start_on(port).await;
    assert_eq!(sender_for(&app).deliver_due().await, 0);
    assert!(smtp.messages().is_empty());

    app.clock.advance(chrono::Duration::seconds(31));
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].recipients, ["one@example.org"]);
    let sent = wait_row(&app, &id, |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 2);

    // A second outage: the next retry waits twice as long.
    smtp.stop().await;
    let second = enqueue(&app, plain("two@example.org", "Second outage"), None).await;
    wait_row(&app, &second, |r| r.attempts == 1).await;
    app.clock.advance(chrono::Duration::seconds(31));
    let again = wait_row(&app, &second, |r| r.attempts == 2).await;
    assert_eq!(again.status, "pending");
    assert_eq!(
        again.next_attempt_at,
        app.clock_now().naive_utc() + chrono::Duration::seconds(60)
    );
    smtp.restart().await;
    app.clock.advance(chrono::Duration::seconds(61));
    let received = smtp.wait_for(2).await;
    assert_eq!(received[1].recipients, ["two@example.org"]);
    wait_row(&app, &second, |r| r.status == "sent").await;

    // Nothing is sent twice, whatever else runs.
    assert_eq!(sender_for(&app).deliver_due().await, 0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.messages().len(), 2);
}

async fn gives_up_after_the_last_attempt_and_staff_can_retry(b: Backend) {
    let smtp = SmtpServer::start().await;
    smtp.reject_with(Some("451 4.3.0 Mailbox busy, try again later"));
    let app = smtp_app(b, smtp.url(), |s| {
        s.email_max_attempts = 2;
        s.email_retry_secs = 10;
    })
    .await;
    let id = enqueue(&app, plain("ada@example.org", "Persistent"), None).await;
    let first = wait_row(&app, &id, |r| r.attempts == 1).await;
    assert_eq!(first.status, "pending");
    assert!(
        first
            .last_error
            .as_deref()
            .unwrap()
            .contains("try again later"),
        "{:?}",
        first.last_error
    );

    app.clock.advance(chrono::Duration::seconds(11));
    let failed = wait_row(&app, &id, |r| r.attempts == 2).await;
    assert_eq!(failed.status, "failed");
    // Given up: no more attempts, however long we wait.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(sender_for(&app).deliver_due().await, 0);
    assert_eq!(row(&app, &id).await.attempts, 2);

    let staff = app.staff().await;
    let listed = app
        .get("/api/v1/outbox?status=failed", Some(&staff))
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert_eq!(listed["items"][0]["status"], "failed");

    smtp.reject_with(None);
    let retried = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&staff),
            &Value::Null,
        )
        .await
        .expect(200);
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 0);
    assert_eq!(
        retried["next_attempt_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        app.clock_now()
    );
    smtp.wait_for(1).await;
    let sent = wait_row(&app, &id, |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 1);
    assert_eq!(smtp.messages().len(), 1);

    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&staff),
        &Value::Null,
    )
    .await
    .problem(409, "conflict");
}

async fn concurrent_senders_deliver_each_email_once(b: Backend) {
    const N: usize = 24;
    let smtp = SmtpServer::start().await;
    let app = smtp_app(b, smtp.url(), |_| {}).await;
    let now = app.clock_now().naive_utc();
    // All rows become visible at once, to every sender.
    let ids: Vec<String> = app
        .state
        .tx(move |conn| {
            (0..N)
                .map(|i| {
                    let email = plain(&format!("delegate{i}@example.org"), &format!("Email {i}"));
                    Ok(outbox::enqueue(
                        conn,
                        &email,
                        outbox::Links::default(),
                        now,
                    )?)
                })
                .collect()
        })
        .await
        .unwrap();
    // Two more senders race the application's own.
    let (a, b) = (sender_for(&app), sender_for(&app));
    let (sent_a, sent_b) = tokio::join!(
        tokio::spawn(async move { a.deliver_due().await }),
        tokio::spawn(async move { b.deliver_due().await }),
    );
    let (sent_a, sent_b) = (sent_a.unwrap(), sent_b.unwrap());
    assert!(sent_a + sent_b <= N);

    let received = smtp.wait_for(N).await;
    for id in &ids {
        wait_row(&app, id, |r| r.status == "sent").await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received_now = smtp.messages();
    assert_eq!(received_now.len(), N, "each email exactly once");
    let message_ids: HashSet<String> = received
        .iter()
        .map(|m| {
            m.parse()
                .message_id()
                .unwrap()
                .split('@')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(message_ids, ids.iter().cloned().collect::<HashSet<_>>());
    for id in &ids {
        assert_eq!(row(&app, id).await.attempts, 1);
    }
}

async fn an_expired_lease_is_taken_over(b: Backend) {
    let smtp = SmtpServer::start().await;
    let app = smtp_app(b, smtp.url(), |_| {}).await;
    // A sender claims the row and dies before recording anything (in the
    // transaction that queues it, so that the application's own sender
    // cannot take it first).
    let now = app.clock_now().naive_utc();
    let (id, claimed) = app
        .state
        .tx(move |conn| {
            let id = outbox::enqueue(
                conn,
                &plain("ada@example.org", "Stranded"),
                outbox::Links::default(),
                now,
            )?;
            let claimed = outbox::claim_due(
                conn,
                "dead-sender",
                now,
                now + chrono::Duration::seconds(120),
                10,
            )?;
            Ok((id, claimed))
        })
        .await
        .unwrap();
    assert_eq!(claimed, 1);
    assert_eq!(row(&app, &id).await.status, "sending");
    assert_eq!(sender_for(&app).deliver_due().await, 0, "the lease holds");

    app.clock.advance(chrono::Duration::seconds(121));
    smtp.wait_for(1).await;
    let sent = wait_row(&app, &id, |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 1);

    // The dead sender's late outcome is ignored: the lease is no longer its.
    let later = app.clock_now().naive_utc();
    let stale = Settlement {
        sent: vec![id.clone()],
        ..Default::default()
    };
    let recorded = app
        .state
        .tx(move |conn| Ok(outbox::settle(conn, "dead-sender", &stale, later)?))
        .await
        .unwrap();
    assert_eq!(recorded, 0);
    assert_eq!(row(&app, &id).await.attempts, 1);
    assert_eq!(smtp.messages().len(), 1);
}

async fn shutdown_leaves_no_email_claimed(b: Backend) {
    const N: usize = 40;
    let smtp = SmtpServer::start().await;
    let app = smtp_app(b, smtp.url(), |s| {
        s.email_batch_size = 16;
        s.email_concurrency = 2;
    })
    .await;
    let now = app.clock_now().naive_utc();
    let ids: Vec<String> = app
        .state
        .tx(move |conn| {
            (0..N)
                .map(|i| {
                    let email = plain(&format!("delegate{i}@example.org"), &format!("Email {i}"));
                    Ok(outbox::enqueue(
                        conn,
                        &email,
                        outbox::Links::default(),
                        now,
                    )?)
                })
                .collect()
        })
        .await
        .unwrap();
    // A second sender, stopped mid-way while the application's own is at
    // work too. Had it left a row claimed (sent but not recorded, or never
    // started and not released), that row would stay `sending` until its
    // lease ran out, which the test clock never reaches.
    let handle = sender_for(&app).spawn();
    smtp.wait_for(1).await;
    handle.shutdown().await;

    for id in &ids {
        wait_row(&app, id, |r| r.status == "sent").await;
    }
    let received = smtp.wait_for(N).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.messages().len(), N, "each email exactly once");
    let recipients: HashSet<&str> = received.iter().map(|m| m.recipients[0].as_str()).collect();
    assert_eq!(recipients.len(), N);
    for id in &ids {
        assert_eq!(row(&app, id).await.attempts, 1);
    }
}

/// An email queued by the version that stored rendered bodies, still
/// pending when the database is upgraded, is sent as it was rendered.
async fn emails_queued_before_the_upgrade_are_sent_as_rendered(b: Backend) {
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;

    let smtp = SmtpServer::start().await;
    let id = uuid::Uuid::now_v7().to_string();
    let legacy = format!(
        "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, \
         attachment_filename, attachment_content_type, attachment_body, status, attempts, \
         next_attempt_at, created_at, updated_at) VALUES ('{id}', 'registration_confirmation', \
         'ada@example.org', 'Registration confirmed', 'Dear Ada,\n\nAs rendered then.\n', \
         '<p>Dear Ada, as rendered then.</p>', 'conference.ics', \
         'text/calendar; charset=utf-8; method=PUBLISH', \
         'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', 'pending', 0, \
         '2016-05-01 11:00:00', '2016-05-01 11:00:00', '2016-05-01 11:00:00')"
    );
    let app = smtp_app(b, smtp.url(), move |s| {
        // The database as the previous version left it: every migration
        // up to the outbox's change, and an email waiting.
        let url = s.database_url.clone();
        match url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut c =
                    <diesel::SqliteConnection as diesel::Connection>::establish(path).unwrap();
                for _ in 0..4 {
                    c.run_next_migration(plenary::db::SQLITE_MIGRATIONS)
                        .unwrap();
                }
                c.batch_execute(&legacy).unwrap();
            }
            None => {
                let mut c = <diesel::PgConnection as diesel::Connection>::establish(&url).unwrap();
                for _ in 0..4 {
                    c.run_next_migration(plenary::db::POSTGRES_MIGRATIONS)
                        .unwrap();
                }
                c.batch_execute(&legacy).unwrap();
            }
        }
    })
    .await;

    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].recipients, ["ada@example.org"]);
    let message = received[0].parse();
    assert_eq!(message.subject(), Some("Registration confirmed"));
    assert_eq!(
        message.body_text(0).unwrap().replace("\r\n", "\n"),
        "Dear Ada,\n\nAs rendered then.\n"
    );
    assert!(message
        .body_html(0)
        .unwrap()
        .contains("<p>Dear Ada, as rendered then.</p>"));
    let ics = message
        .attachments()
        .find(|a| a.attachment_name() == Some("conference.ics"))
        .expect("the calendar attachment");
    assert_eq!(ics.contents(), b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    let sent = wait_row(&app, &id, |r| r.status == "sent").await;
    assert_eq!(sent.attempts, 1);
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

async fn without_smtp_emails_become_eml_files(b: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let mail_dir = tmp.path().join("outgoing");
    let dir = mail_dir.clone();
    let app = TestApp::spawn_with(b, move |s| {
        s.smtp_url = None;
        s.mail_dir = dir;
    })
    .await;
    let (c, r) = (conference(), registration());
    let email = messages::registration_summary(&c, &r, "The Co-operative Party");
    let subject = email.subject.clone();
    let id = enqueue(&app, email, Some(&c.id)).await;
    wait_row(&app, &id, |r| r.status == "sent").await;

    let files = eml_files(&mail_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some(subject.as_str()));
    assert_eq!(
        message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("secretary@cardiffwest.example")
    );
    let text = message.body_text(0).unwrap();
    assert!(text.contains("payable to The Co-operative Party"), "{text}");
    assert!(text.contains("£135.00"), "{text}");
}

async fn outbox_is_for_staff_and_filters(b: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let app = TestApp::spawn_with(b, move |s| {
        s.smtp_url = None;
        s.mail_dir = dir;
    })
    .await;
    let staff = app.staff().await;
    let org = app
        .organisation(&staff, "Leeds Co-operative Party", "Yorkshire & the Humber")
        .await;
    let member = app.org_user(&org).await;

    app.get("/api/v1/outbox", None)
        .await
        .problem(401, "unauthenticated");
    app.get("/api/v1/outbox", Some(&member))
        .await
        .problem(403, "forbidden");
    let unknown = uuid::Uuid::now_v7();
    app.post(
        &format!("/api/v1/outbox/{unknown}/retry"),
        None,
        &Value::Null,
    )
    .await
    .problem(401, "unauthenticated");
    app.post(
        &format!("/api/v1/outbox/{unknown}/retry"),
        Some(&member),
        &Value::Null,
    )
    .await
    .problem(403, "forbidden");

    let (conf_a, conf_b) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let mut ids = Vec::new();
    for (i, conf) in [Some(&conf_a), Some(&conf_b), Some(&conf_a), None]
        .into_iter()
        .enumerate()
    {
        let id = enqueue(
            &app,
            plain(&format!("d{i}@example.org"), &format!("Email {i}")),
            conf.map(String::as_str),
        )
        .await;
        ids.push(id);
    }
    for id in &ids {
        wait_row(&app, id, |r| r.status == "sent").await;
    }

    let all = app.get("/api/v1/outbox", Some(&staff)).await.expect(200);
    let items = all["items"].as_array().unwrap();
    let listed: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert_eq!(all["next_cursor"], Value::Null);
    let first = &items[3];
    assert_eq!(first["recipient"], "d0@example.org");
    assert_eq!(first["subject"], "Email 0");
    assert_eq!(first["kind"], "test");
    assert_eq!(first["status"], "sent");
    assert_eq!(first["attempts"], 1);
    assert_eq!(first["last_error"], Value::Null);
    assert_eq!(first["conference_id"], conf_a.as_str());
    assert_eq!(first["registration_id"], Value::Null);
    for key in ["next_attempt_at", "sent_at", "created_at"] {
        assert!(first[key].is_string(), "{key}: {first}");
    }
    assert!(first.get("text_body").is_none(), "bodies are not listed");

    let count = |v: Value| v["items"].as_array().unwrap().len();
    let by_conf = app
        .get(
            &format!("/api/v1/outbox?conference_id={conf_a}"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(count(by_conf), 2);
    let sent_b = app
        .get(
            &format!("/api/v1/outbox?status=sent&conference_id={conf_b}"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(count(sent_b), 1);
    let pending = app
        .get("/api/v1/outbox?status=pending", Some(&staff))
        .await
        .expect(200);
    assert_eq!(count(pending), 0);

    let page = app
        .get("/api/v1/outbox?limit=3", Some(&staff))
        .await
        .expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &format!("/api/v1/outbox?limit=3&cursor={cursor}"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(rest["items"][0]["id"], ids[0].as_str());
    assert_eq!(rest["next_cursor"], Value::Null);

    app.get("/api/v1/outbox?status=bounced", Some(&staff))
        .await
        .problem(422, "validation_failed");
    let bad = app
        .get("/api/v1/outbox?conference_id=not-a-uuid", Some(&staff))
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "conference_id");

    app.post(
        &format!("/api/v1/outbox/{}/retry", ids[0]),
        Some(&staff),
        &Value::Null,
    )
    .await
    .problem(409, "conflict");
    app.post(
        &format!("/api/v1/outbox/{unknown}/retry"),
        Some(&staff),
        &Value::Null,
    )
    .await
    .problem(404, "not_found");
    app.post(
        "/api/v1/outbox/not-a-uuid/retry",
        Some(&staff),
        &Value::Null,
    )
    .await
    .problem(404, "not_found");
}
