//! The organisation portal in a real browser: headless Chromium driven over
//! WebDriver (chromedriver) against the real server, on SQLite and
//! PostgreSQL, with JavaScript on and off. A local party secretary signs in
//! (after a wrong password), registers two delegates (one dining) at the
//! early-bird price, sees £225.00 and the booking reference, finds the
//! booking in the list, substitutes a delegate, submits a 300-word motion
//! and is refused a 301-word one, nominates a delegate for CAC and signs
//! out. axe-core checks every page (WCAG 2.0, 2.1 and 2.2 A and AA), and a
//! screenshot of every page goes to `target/screenshots/`, at desktop and
//! at phone width.
//!
//! Needs `chromium`, `chromedriver` and `target/axe/node_modules/axe-core/
//! axe.min.js` (`.ci/run` installs them). Without them the tests say so
//! loudly and pass, unless `PLENARY_BROWSER_TESTS=require`, when they fail.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use chromium::{prerequisites, start_driver, Journey};
use common::{london, Backend, TestApp, PASSWORD};
use fantoccini::Locator;
use serde_json::json;

backend_tests!(journey_with_javascript, journey_without_javascript);

async fn journey_with_javascript(b: Backend) {
    journey(b, true).await
}

async fn journey_without_javascript(b: Backend) {
    journey(b, false).await
}

fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["co-operative", "energy", "for", "every", "community"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn journey(b: Backend, javascript: bool) {
    let Some((driver_path, axe)) = prerequisites() else {
        return;
    };
    let backend = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let app = TestApp::spawn(b).await;
    // 1 March 2016: the early-bird rate, and every deadline ahead.
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
    app.conference(&staff, json!({"capacity": 600, "dinner_capacity": 300}))
        .await;

    let driver = start_driver(&driver_path).await;
    let mut j = Journey::start(&driver, &app.base, axe, "", backend, javascript).await;

    // Signed out, the start page is the sign-in page.
    j.go("/").await;
    assert_eq!(j.path().await, "/login");
    j.page("sign-in").await;

    // A wrong password says so, without saying which of the two was wrong.
    j.fill(None, "Email", "secretary@cardiff.example").await;
    j.fill(None, "Password", "not the password at all").await;
    j.press("Sign in").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The email address or password is not right");
    assert_eq!(
        j.field(None, "Email")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("secretary@cardiff.example")
    );
    j.page("sign-in-wrong-password").await;

    j.fill(None, "Password", PASSWORD).await;
    j.press("Sign in").await;
    assert_eq!(j.path().await, "/portal", "{}", j.text().await);
    let page = j.text().await;
    Journey::expect_contains(&page, "Cardiff Co-operative Party");
    Journey::expect_contains(&page, "Sign out");
    Journey::expect_contains(&page, "£90.00");
    Journey::expect_contains(&page, "£135.00");
    Journey::expect_contains(&page, "Monday 22 August 2016");
    j.page("home").await;

    // Register two delegates, one dining, with a mistake on the way.
    j.follow("Register delegates").await;
    j.fill(Some("Delegate 1"), "Name", "Ada Lovelace").await;
    j.fill(Some("Delegate 1"), "Email", "ada@example.org").await;
    j.tick(Some("Delegate 1"), "Conference dinner").await;
    j.fill(Some("Delegate 1"), "Dietary requirements", "Vegetarian")
        .await;
    // With JavaScript the row is added in place; without, by the server.
    if javascript {
        j.button("Add another delegate")
            .await
            .click()
            .await
            .unwrap();
    } else {
        j.press("Add another delegate").await;
    }
    j.fill(Some("Delegate 2"), "Name", "Robert Owen").await;
    j.fill(Some("Delegate 2"), "Email", "robert.example.org")
        .await;
    j.tick(None, "Cheque").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "£225.00");
    j.page("register").await;
    j.press("Register").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "There is a problem");
    Journey::expect_contains(
        &page,
        "Delegate 2: Email must be an email address such as name@example.org",
    );
    assert_eq!(
        j.field(Some("Delegate 1"), "Name")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Ada Lovelace"),
        "what was typed is kept"
    );
    assert!(j
        .field(Some("Delegate 1"), "Conference dinner")
        .await
        .is_selected()
        .await
        .unwrap());
    j.page("register-error").await;
    // The summary links to the input.
    j.c.find(Locator::LinkText(
        "Delegate 2: Email must be an email address such as name@example.org",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    j.fill(Some("Delegate 2"), "Email", "robert@example.org")
        .await;
    j.press("Register").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Registration complete");
    Journey::expect_contains(&page, "£225.00");
    let reference = page
        .split_whitespace()
        .find(|w| w.starts_with("PL-"))
        .expect("a booking reference")
        .to_owned();
    j.page("registered").await;

    // A reload of the confirmation registers nothing more.
    j.c.refresh().await.unwrap();
    let list = app.get("/api/v1/conferences", None).await.expect(200);
    let conference = list["items"][0]["id"].as_str().unwrap().to_owned();
    let regs = app
        .get(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(regs["items"].as_array().unwrap().len(), 1);

    // The booking in the list.
    j.follow("Bookings").await;
    let page = j.text().await;
    Journey::expect_contains(&page, &reference);
    Journey::expect_contains(&page, "Robert Owen");
    Journey::expect_contains(&page, "payable to The Co-operative Party");
    j.page("bookings").await;

    // Substitute Robert Owen.
    let substitute =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Substitute') and contains(., 'Robert Owen')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(substitute).await;
    j.page("substitute").await;
    j.fill(None, "Name", "Beatrice Webb").await;
    j.fill(None, "Email", "beatrice@example.org").await;
    j.press("Continue").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Check the substitution");
    Journey::expect_contains(&page, "The fee of £90.00 stays as it is");
    j.page("substitute-check").await;
    j.press("Confirm substitution").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The substitution has been made");
    Journey::expect_contains(&page, "Beatrice Webb");
    assert!(!page.contains("Robert Owen"), "{page}");
    j.page("substituted").await;

    // A motion of 300 words is received as M1; one of 301 is refused.
    j.follow("Home").await;
    j.follow("Submit a motion").await;
    j.fill(None, "Title", "Community energy").await;
    j.fill(None, "Motion", &words(300)).await;
    // With JavaScript the word count is live; without, the server counts.
    let counter = j.c.find(Locator::Css(".word-count")).await.unwrap();
    assert_eq!(counter.is_displayed().await.unwrap(), javascript);
    if javascript {
        assert_eq!(counter.text().await.unwrap(), "300 words of 300");
    }
    j.page("motion").await;
    j.press("Submit motion").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Motion received");
    Journey::expect_contains(&page, "M1");
    j.page("motion-received").await;

    j.follow("Home").await;
    j.follow("Submit a motion").await;
    j.fill(None, "Title", "Co-operative housing").await;
    let long = words(301);
    j.fill(None, "Motion", &long).await;
    j.press("Submit motion").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "301 words");
    Journey::expect_contains(&page, "The limit is 300 words");
    assert_eq!(
        j.field(None, "Motion")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(long.as_str()),
        "the text is kept"
    );
    j.page("motion-too-long").await;

    // Nominate Ada Lovelace for CAC.
    j.follow("Home").await;
    j.follow("Nominate for CAC").await;
    let candidate = j.field(None, "Candidate").await;
    candidate
        .select_by_label(&format!("Ada Lovelace ({reference})"))
        .await
        .unwrap();
    j.fill(
        None,
        "Supporting statement",
        "Chaired our branch for ten years.",
    )
    .await;
    j.page("cac").await;
    j.press("Submit nomination").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "CAC nomination received");
    Journey::expect_contains(&page, "N1");
    j.page("cac-received").await;

    // The other pages a secretary may reach, each checked and pictured:
    // the submissions list, the other forms, cancelling a place,
    // withdrawing a motion, the password form and a page not found.
    j.follow("Home").await;
    j.follow("Motions, amendments, policy submissions and nominations")
        .await;
    Journey::expect_contains(&j.text().await, "Community energy");
    j.page("submissions").await;
    for (link, name) in [
        ("Propose an amendment", "amendment"),
        ("Make a policy submission", "policy-submission"),
        ("Nominate for an award", "award"),
    ] {
        j.follow(link).await;
        j.page(name).await;
        j.c.back().await.unwrap();
    }
    let withdraw =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Withdraw') and contains(., 'M1')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(withdraw).await;
    Journey::expect_contains(&j.text().await, "Withdraw M1?");
    j.page("withdraw").await;
    j.follow("Bookings").await;
    let cancel =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Cancel place') and contains(., 'Beatrice Webb')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(cancel).await;
    Journey::expect_contains(&j.text().await, "£90.00 comes off the booking");
    j.page("cancel").await;
    j.follow("Change password").await;
    j.page("password").await;
    j.go("/portal/no-such-page").await;
    Journey::expect_contains(&j.text().await, "Page not found");
    j.page("not-found").await;

    // Sign out: back to signing in, and the portal is closed.
    j.press("Sign out").await;
    assert_eq!(j.path().await, "/login");
    j.go("/portal").await;
    assert_eq!(j.path().await, "/login");

    j.c.close().await.unwrap();
    drop(driver);
}
