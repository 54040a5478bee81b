//! The staff desk in a real browser: headless Chromium over WebDriver
//! against the real server, on SQLite and PostgreSQL, with JavaScript on
//! and off. A conference, the Cardiff party and its registration by cheque
//! are set up through the API; the party's emails fail (the test SMTP
//! server refuses them). A staff member signs in, finds the registration by
//! its reference, is refused an amount above the balance, records the
//! cheque (outstanding drops to £0.00), accepts the party's motion,
//! downloads the delegate list as CSV and reads it, checks Ada in at the
//! credentials desk by booking reference and name, grants an extension,
//! retries a failed email once the mail server is back, and reads the
//! audit log. axe-core checks every page (with JavaScript), and
//! screenshots go to `target/screenshots/desk-…/`.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use std::collections::HashMap;
use std::time::Duration;

use chromium::{prerequisites, start_driver, Journey};
use common::smtp::SmtpServer;
use common::{london, Backend, TestApp, PASSWORD};
use fantoccini::Locator;
use serde_json::json;

backend_tests!(desk_with_javascript, desk_without_javascript);

async fn desk_with_javascript(b: Backend) {
    desk(b, true).await
}

async fn desk_without_javascript(b: Backend) {
    desk(b, false).await
}

/// The rows of a CSV download (after its byte-order mark), by header.
fn csv_rows(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("CSV starts with a UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

async fn desk(b: Backend, javascript: bool) {
    let Some((driver_path, axe)) = prerequisites() else {
        return;
    };
    let backend = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let smtp = SmtpServer::start().await;
    smtp.reject_with(Some("550 5.1.1 Mailbox unavailable"));
    let url = smtp.url();
    let app = TestApp::spawn_with(b, move |s| {
        s.smtp_url = Some(url);
        s.email_max_attempts = 1;
    })
    .await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Cardiff Co-operative Party", "kind": "local_party",
                    "region": "Wales", "contact_email": "secretary@cardiff.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_user("secretary@cardiff.example", "organisation", Some(&org))
        .await;
    app.create_user("desk@party.example", "staff", None).await;
    let conference = app
        .conference(&staff, json!({"capacity": 600, "dinner_capacity": 300}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secretary = app.login("secretary@cardiff.example").await;
    let registration = app
        .post(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&secretary),
            &json!({"payment_method": "cheque", "delegates": [
                {"name": "Ada Lovelace", "email": "ada@example.org", "dinner": true,
                 "dietary_requirements": "Vegetarian"}]}),
        )
        .await
        .expect(201);
    let reference = registration["reference"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/conferences/{conference}/motions"),
        Some(&secretary),
        &json!({"title": "Community energy", "body": "Conference believes in co-operative energy."}),
    )
    .await
    .expect(201);
    // The registration's confirmation fails at its only attempt.
    for _ in 0..200 {
        let failed = app
            .get("/api/v1/outbox?status=failed", Some(&staff))
            .await
            .expect(200);
        if !failed["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let driver = start_driver(&driver_path).await;
    let mut j = Journey::start(&driver, &app.base, axe, "desk", backend, javascript).await;

    j.go("/login").await;
    j.fill(None, "Email", "desk@party.example").await;
    j.fill(None, "Password", PASSWORD).await;
    j.press("Sign in").await;
    assert_eq!(j.path().await, "/staff");

    // Find the registration by its booking reference.
    j.follow("Registrations").await;
    j.page("registrations").await;
    j.fill(None, "Search", &reference).await;
    j.press("Search").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "1 registration");
    Journey::expect_contains(&page, "Cardiff Co-operative Party");
    j.page("registrations-found").await;
    j.follow(&reference).await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Ada Lovelace");
    Journey::expect_contains(&page, "£135.00 Unpaid");
    let registration = j.path().await;
    j.page("registration").await;

    // More than is due is refused beside the amount, and nothing changes.
    j.fill(None, "Amount", "500").await;
    j.field(None, "Method")
        .await
        .select_by_value("cheque")
        .await
        .unwrap();
    j.fill(None, "Reference", "Cheque 100200").await;
    j.press("Record payment").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "There is a problem");
    Journey::expect_contains(&page, "Amount is more than the balance due of £135.00");
    Journey::expect_contains(&page, "£135.00 Unpaid");
    j.page("registration-refused-payment").await;

    // The cheque for the whole amount.
    j.fill(None, "Amount", "135.00").await;
    j.press("Record payment").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The payment has been recorded");
    Journey::expect_contains(&page, "£0.00 Paid");
    Journey::expect_contains(&page, "Cheque 100200");
    j.page("registration-paid").await;

    // Accept the party's motion.
    j.follow("Submissions").await;
    j.page("submissions").await;
    j.follow("M1").await;
    Journey::expect_contains(
        &j.text().await,
        "Conference believes in co-operative energy.",
    );
    j.page("submission").await;
    j.press("Accept").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The decision has been recorded");
    Journey::expect_contains(&page, "Accepted");
    j.page("submission-accepted").await;

    // Download the delegate list as CSV and read it.
    j.go(&format!("/staff/conferences/{conference}/downloads"))
        .await;
    j.page("downloads").await;
    let href =
        j.c.find(Locator::XPath(
            "//a[normalize-space()='CSV of the delegate list']",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookie = j.c.get_named_cookie("plenary_session").await.unwrap();
    let file = reqwest::Client::new()
        .get(format!("{}{href}", app.base))
        .header("cookie", format!("plenary_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let rows = csv_rows(&file.bytes().await.unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "Ada Lovelace");
    assert_eq!(rows[0]["organisation"], "Cardiff Co-operative Party");
    assert_eq!(rows[0]["payment_status"], "paid");
    assert_eq!(rows[0]["dietary_requirements"], "Vegetarian");

    // The credentials desk: Ada arrives without her badge and is checked
    // in by booking reference and name; the dashboard counts her.
    j.go(&format!("/staff/conferences/{conference}")).await;
    j.follow("Check-in").await;
    j.fill(None, "Booking reference", &reference).await;
    j.fill(None, "Name on the booking", "ada lovelace").await;
    j.press("Check in by booking").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Arrived");
    Journey::expect_contains(&page, "Ada Lovelace");
    Journey::expect_contains(&page, "Cardiff Co-operative Party · Delegate · Dinner");
    j.page("check-in").await;
    j.fill(None, "Booking reference", &reference).await;
    j.fill(None, "Name on the booking", "Ada Lovelace").await;
    j.press("Check in by booking").await;
    Journey::expect_contains(&j.text().await, "Already arrived");
    j.page("check-in-again").await;

    // Grant the party a late motion.
    j.follow("Extensions").await;
    j.field(None, "Organisation")
        .await
        .select_by_value(&org)
        .await
        .unwrap();
    j.field(None, "Deadline")
        .await
        .select_by_value("amendments")
        .await
        .unwrap();
    j.fill(None, "New last day", "2016-08-15").await;
    j.press("Grant extension").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The extension has been granted");
    Journey::expect_contains(&page, "Monday 15 August 2016");
    j.page("extensions").await;

    // The mail server is back: retry the failed confirmation.
    smtp.reject_with(None);
    j.follow("Outbox").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Failed:");
    Journey::expect_contains(&page, "Mailbox unavailable");
    j.page("outbox").await;
    let retry =
        j.c.find(Locator::XPath(
            "//button[starts-with(normalize-space(), 'Retry')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(retry).await;
    Journey::expect_contains(&j.text().await, "The email is queued again");
    j.page("outbox-retried").await;
    assert!(!smtp.wait_for(1).await.is_empty());

    // The audit log: the decision and the extension, by this person.
    j.follow("Audit log").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Submission reviewed");
    Journey::expect_contains(&page, "Extension granted");
    Journey::expect_contains(&page, "Test User");
    j.page("audit").await;

    // Ada cannot come after all: her place is cancelled, the booking is in
    // credit, and the refund sent back brings it to paid.
    j.go(&registration).await;
    let cancel = j.c.find(Locator::Css("a[href$='/cancel']")).await.unwrap();
    j.click_to_next_page(cancel).await;
    j.press("Cancel place").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Record a refund");
    j.fill(None, "Amount", "200.00").await;
    j.field(None, "Method")
        .await
        .select_by_value("bank_transfer")
        .await
        .unwrap();
    j.fill(None, "Reference", "BACS 0042").await;
    j.press("Record refund").await;
    Journey::expect_contains(&j.text().await, "There is a problem");
    j.page("registration-refused-refund").await;
    j.fill(None, "Amount", "135.00").await;
    j.press("Record refund").await;
    let page = j.text().await;
    Journey::expect_contains(
        &page,
        "The refund has been recorded and a refund receipt emailed to the organisation.",
    );
    Journey::expect_contains(&page, "BACS 0042");
    j.page("registration-refunded").await;
    j.c.close().await.unwrap();
}
