//! The staff console in a real browser (headless Chromium over WebDriver,
//! the harness of `browser.rs`), on SQLite and PostgreSQL, with JavaScript
//! on and off. A staff member signs in, creates the reference conference
//! (Cardiff, in a future year) through the form after a mistake, imports
//! three organisations from a CSV file (one bad row first, then the fixed
//! file), invites the Cardiff secretary, whose email reaches the test SMTP
//! server; the secretary follows its link, sets a password and is signed
//! in; a used link gets a clear page; "Forgot your password?" answers; and
//! the staff member sees the secretary's registration on the dashboard.
//! axe-core checks every page; screenshots go to
//! `target/screenshots/staff-…/`.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use chromium::{prerequisites, start_driver, Journey};
use common::smtp::SmtpServer;
use common::{london, Backend, TestApp, PASSWORD};
use fantoccini::Locator;
use serde_json::json;

backend_tests!(
    staff_journey_with_javascript,
    staff_journey_without_javascript
);

async fn staff_journey_with_javascript(b: Backend) {
    journey(b, true).await
}

async fn staff_journey_without_javascript(b: Backend) {
    journey(b, false).await
}

const BAD_CSV: &str = "name,kind,region,contact_email\n\
    Cardiff Co-operative Party,local party,Wales,secretary@cardiff.example\n\
    Swansea Co-operative Party,local party,Atlantis,secretary@swansea.example\n\
    Islington Co-operative Society,society,London,secretary@islington.example\n";

/// A free loopback port, so the configured public URL (which emailed links
/// use) is the server's own.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn journey(b: Backend, javascript: bool) {
    let Some((driver_path, axe)) = prerequisites() else {
        return;
    };
    let backend = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let smtp = SmtpServer::start().await;
    let port = free_port();
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(b, |s| {
        s.smtp_url = Some(smtp_url);
        s.listen = format!("127.0.0.1:{port}").parse().unwrap();
        s.public_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    // 1 March 2027: the conference in September is ahead, and open.
    app.clock.set(london(2027, 3, 1, 10, 0, 0));
    app.create_user("office@party.example", "staff", None).await;

    let files = tempfile::tempdir().unwrap();
    let bad = files.path().join("organisations.csv");
    std::fs::write(&bad, BAD_CSV).unwrap();
    let fixed = files.path().join("organisations-fixed.csv");
    std::fs::write(&fixed, BAD_CSV.replace("Atlantis", "Wales")).unwrap();

    let driver = start_driver(&driver_path).await;
    let mut j = Journey::start(&driver, &app.base, axe, "staff", backend, javascript).await;

    // Sign in as staff: the console.
    j.go("/login").await;
    j.fill(None, "Email", "office@party.example").await;
    j.fill(None, "Password", PASSWORD).await;
    j.press("Sign in").await;
    assert_eq!(j.path().await, "/staff");
    let page = j.text().await;
    for link in [
        "Conferences",
        "Organisations",
        "Registrations",
        "Submissions",
        "Outbox",
        "Audit log",
    ] {
        Journey::expect_contains(&page, link);
    }
    j.page("console").await;

    // Create the reference conference, with a mistake first.
    j.follow("Conferences").await;
    j.page("conferences-empty").await;
    j.follow("Create a conference").await;
    for (label, value) in [
        ("Name", "Co-operative Party Annual Conference 2027"),
        ("Short name", "annual-2027"),
        ("Venue", "Radisson Blu Hotel Cardiff"),
        ("First day", "2027-09-10"),
        ("Last day", "2027-09-05"),
    ] {
        j.fill(Some("The conference"), label, value).await;
    }
    for (label, value) in [
        ("Code", "early"),
        ("Name", "Early bird"),
        ("Last day", "2027-06-30"),
        ("Pass fee", "90.00"),
        ("Dinner fee", "45.00"),
    ] {
        j.fill(Some("Tier 1"), label, value).await;
    }
    j.page("conference-new").await;
    j.press("Add another tier").await;
    Journey::expect_contains(&j.text().await, "Tier 2");
    for (label, value) in [
        ("Code", "standard"),
        ("Name", "Standard"),
        ("Pass fee", "110.00"),
        ("Dinner fee", "45.00"),
    ] {
        j.fill(Some("Tier 2"), label, value).await;
    }
    for (label, value) in [
        ("Delegate registration", "2027-08-23"),
        ("Motions", "2027-04-05"),
        ("Amendments to motions", "2027-08-02"),
        ("Policy submissions", "2027-08-02"),
        ("CAC nominations", "2027-08-02"),
        ("Award nominations", "2027-08-02"),
    ] {
        j.fill(Some("Deadlines"), label, value).await;
    }
    j.fill(None, "Places", "450").await;
    j.fill(None, "Dinner seats", "200").await;
    j.fill(None, "Motion word limit", "300").await;
    j.fill(None, "CAC vacancies", "2").await;
    j.tick(None, "West Midlands").await;
    j.press("Create conference").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "There is a problem");
    Journey::expect_contains(&page, "The last day must be on or after");
    assert_eq!(
        j.field(Some("Tier 2"), "Code")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("standard"),
        "what was typed is kept"
    );
    j.page("conference-errors").await;
    j.fill(Some("The conference"), "Last day", "2027-09-12")
        .await;
    j.press("Create conference").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Co-operative Party Annual Conference 2027");
    Journey::expect_contains(&page, "Friday 10 to Sunday 12 September 2027");
    Journey::expect_contains(&page, "No delegates have registered yet.");
    Journey::expect_contains(&page, "Monday 5 April 2027");
    let dashboard = j.path().await;
    j.page("dashboard-new").await;
    j.follow("Edit the conference").await;
    j.page("conference-edit").await;

    // Import three organisations: the bad file is shown and nothing saved.
    j.follow("Organisations").await;
    j.follow("Import from a CSV file").await;
    j.page("import").await;
    j.field(None, "CSV file")
        .await
        .send_keys(&bad.display().to_string())
        .await
        .unwrap();
    j.press("Check the file").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Some rows need fixing");
    Journey::expect_contains(&page, "Region must be one of");
    j.page("import-errors").await;
    j.field(None, "Upload the fixed file")
        .await
        .send_keys(&fixed.display().to_string())
        .await
        .unwrap();
    j.press("Check the file").await;
    Journey::expect_contains(
        &j.text().await,
        "Every row of organisations-fixed.csv is good",
    );
    j.page("import-check").await;
    j.press("Import 3 organisations").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "3 organisations were imported.");
    Journey::expect_contains(&page, "Islington Co-operative Society");
    j.page("organisations").await;
    j.follow("Cardiff Co-operative Party").await;
    j.page("organisation-edit").await;

    // Invite the Cardiff secretary.
    j.follow("Accounts").await;
    j.follow("Invite someone").await;
    j.fill(None, "Name", "Jo Bloggs").await;
    j.fill(None, "Email", "secretary@cardiff.example").await;
    j.tick(None, "Secretary or officer of an organisation")
        .await;
    j.field(None, "Organisation")
        .await
        .select_by_label("Cardiff Co-operative Party")
        .await
        .unwrap();
    j.page("invite").await;
    j.press("Send invitation").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The invitation is on its way");
    Journey::expect_contains(&page, "Invited");
    j.page("accounts").await;
    j.press("Sign out").await;

    // The email reaches the SMTP server; its link is under the public URL.
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].recipients, ["secretary@cardiff.example"]);
    let message = mail[0].parse();
    let text = message.body_text(0).expect("a text part").into_owned();
    let prefix = format!("http://127.0.0.1:{port}/password/");
    let start = text.find(&prefix).expect("the link");
    let link = text[start..].split_whitespace().next().unwrap().to_owned();
    j.c.goto(&link).await.unwrap();
    Journey::expect_contains(&j.text().await, "Set your password");
    j.page("set-password").await;
    j.fill(None, "New password", "a long and private password")
        .await;
    j.press("Set password and sign in").await;
    assert_eq!(j.path().await, "/portal");
    Journey::expect_contains(&j.text().await, "Cardiff Co-operative Party");
    // The secretary registers a delegate through the API with the new password.
    let token = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "secretary@cardiff.example", "password": "a long and private password"}),
        )
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let conference = dashboard.rsplit('/').next().unwrap().to_owned();
    let me = app
        .get("/api/v1/organisations", Some(&token))
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(&token),
        &json!({
            "organisation_id": me["items"][0]["id"],
            "payment_method": "cheque",
            "delegates": [{"name": "Ada Lovelace", "email": "ada@example.org", "dinner": true}]
        }),
    )
    .await
    .expect(201);
    j.press("Sign out").await;

    // The link works once: a used link gets a clear page.
    j.c.goto(&link).await.unwrap();
    let page = j.text().await;
    Journey::expect_contains(&page, "This link cannot be used");
    Journey::expect_contains(&page, "used already");
    j.page("link-used").await;

    // Forgot your password? The same answer for any address.
    j.go("/login").await;
    j.follow("Forgot your password?").await;
    j.page("password-reset").await;
    j.fill(None, "Email", "nobody@nowhere.example").await;
    j.press("Send reset link").await;
    Journey::expect_contains(&j.text().await, "Check your email");
    j.page("password-reset-sent").await;

    // Staff see the registration on the dashboard.
    j.go("/login").await;
    j.fill(None, "Email", "office@party.example").await;
    j.fill(None, "Password", PASSWORD).await;
    j.press("Sign in").await;
    j.go(&dashboard).await;
    let page = j.text().await;
    Journey::expect_contains(&page, "1 delegate registered on Monday 1 March 2027.");
    Journey::expect_contains(&page, "£135.00");
    Journey::expect_contains(&page, "449");
    j.page("dashboard").await;
    let chart = j.c.find(Locator::Css("svg.chart")).await.unwrap();
    assert_eq!(chart.attr("role").await.unwrap().as_deref(), Some("img"));

    // The privacy notice: published from the conference's page, read by anyone.
    j.follow("Privacy notice").await;
    j.press("Publish").await;
    Journey::expect_contains(&j.text().await, "Enter the text of the privacy notice");
    j.page("privacy-notice-error").await;
    j.fill(
        None,
        "Text of the notice",
        "The Co-operative Party holds each delegate's name, email and requirements to run the conference.",
    )
    .await;
    j.press("Publish").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The new version has been published.");
    Journey::expect_contains(&page, "Version 1 is published.");
    j.page("privacy-notice").await;
    j.follow("Version 1").await;
    Journey::expect_contains(&j.text().await, "Version 1, published Monday 1 March 2027.");
    j.page("privacy-notice-public").await;

    j.c.close().await.unwrap();
    drop(driver);
}
