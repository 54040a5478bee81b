//! Accounts: invitations and password resets through single-use links
//! (stored hashed, expiring, used once), and disabling an account.

mod common;

use common::{Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    an_invited_user_sets_their_own_password,
    links_are_single_use_expire_and_are_stored_hashed,
    a_reset_answers_alike_for_known_and_unknown_addresses,
    a_disabled_account_cannot_sign_in,
);

/// The last email of a kind to a recipient, as queued: (subject, text).
async fn last_email(app: &TestApp, kind: &'static str, to: &str) -> Option<(String, String)> {
    app.queued(kind)
        .await
        .into_iter()
        .rfind(|e| e.recipient == to)
        .map(|e| (e.subject, e.text))
}

async fn emails_of_kind(app: &TestApp, kind: &'static str) -> usize {
    app.queued(kind).await.len()
}

/// The token at the end of the link in an email's text.
fn token_in(text: &str) -> String {
    let at = text.find("/password/").expect("a link in the email") + "/password/".len();
    text[at..].split_whitespace().next().unwrap().to_owned()
}

async fn login(app: &TestApp, email: &str, password: &str) -> common::Response {
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
}

/// A new organisation user created without a password; returns its id.
async fn invited_user(app: &TestApp, staff: &str, email: &str) -> String {
    let org = app.organisation(staff, "Cardiff", "Wales").await;
    let user = app
        .post(
            "/api/v1/users",
            Some(staff),
            &json!({"email": email, "name": "Sec Retary", "role": "organisation", "organisation_id": org}),
        )
        .await
        .expect(201);
    assert_eq!(user["password_set"], false);
    user["id"].as_str().unwrap().to_owned()
}

async fn set_password(app: &TestApp, token: &str, password: &str) -> common::Response {
    app.post(
        &format!("/api/v1/auth/password-reset/{token}"),
        None,
        &json!({"password": password}),
    )
    .await
}

async fn an_invited_user_sets_their_own_password(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.public_url = "https://conference.party.example/".into()
    })
    .await;
    let staff = app.staff().await;
    let id = invited_user(&app, &staff, "sec@cardiff.example").await;
    // No password yet: nobody can sign in as them.
    login(&app, "sec@cardiff.example", "")
        .await
        .problem(401, "unauthenticated");

    let sent = app
        .post(
            &format!("/api/v1/users/{id}/invitation"),
            Some(&staff),
            &json!({}),
        )
        .await
        .expect(201);
    assert_eq!(sent["email"], "sec@cardiff.example");
    let (subject, text) = last_email(&app, "invitation", "sec@cardiff.example")
        .await
        .unwrap();
    assert!(subject.contains("set your password"), "{subject}");
    assert!(text.contains("Dear Sec Retary"), "{text}");
    assert!(text.contains("for Cardiff"), "{text}");
    assert!(
        text.contains("https://conference.party.example/password/"),
        "{text}"
    );
    // 1 May 2016 12:00 BST + 7 days.
    assert!(text.contains("Sunday 8 May 2016 at 12:00 BST"), "{text}");

    // Only staff invite.
    let org = app
        .organisation(&staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let member = app.org_user(&org).await;
    app.post(
        &format!("/api/v1/users/{id}/invitation"),
        Some(&member),
        &json!({}),
    )
    .await
    .problem(403, "forbidden");

    let token = token_in(&text);
    set_password(&app, &token, "short")
        .await
        .problem(422, "validation_failed");
    let res = set_password(&app, &token, "a password of my own choosing").await;
    assert_eq!(res.status.as_u16(), 204, "{}", res.text);
    let user_token = login(&app, "sec@cardiff.example", "a password of my own choosing")
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/organisations", Some(&user_token))
        .await
        .expect(200);
    let users = app
        .get("/api/v1/users?limit=500", Some(&staff))
        .await
        .expect(200);
    let me: Vec<&Value> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["id"] == id.as_str())
        .collect();
    assert_eq!(me[0]["password_set"], true);
}

async fn links_are_single_use_expire_and_are_stored_hashed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let id = invited_user(&app, &staff, "sec@cardiff.example").await;
    async fn invite(app: &TestApp, staff: &str, id: &str) -> String {
        app.post(
            &format!("/api/v1/users/{id}/invitation"),
            Some(staff),
            &json!({}),
        )
        .await
        .expect(201);
        token_in(
            &last_email(app, "invitation", "sec@cardiff.example")
                .await
                .unwrap()
                .1,
        )
    }
    let first = invite(&app, &staff, &id).await;
    // Only a hash is kept.
    let stored: Vec<String> = app
        .state
        .db(|conn| {
            use diesel::prelude::*;
            use plenary::db::schema::account_tokens;
            Ok(account_tokens::table
                .select(account_tokens::token_hash)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], first);
    assert_eq!(stored[0], plenary::security::digest(&first));

    // A new invitation cancels the old link.
    let second = invite(&app, &staff, &id).await;
    set_password(&app, &first, "a password of my own choosing")
        .await
        .problem(404, "not_found");
    set_password(&app, &second, "a password of my own choosing")
        .await
        .expect(204);
    // Used once only.
    let again = set_password(&app, &second, "another password entirely")
        .await
        .problem(409, "conflict");
    assert!(again["detail"].as_str().unwrap().contains("used already"));
    login(&app, "sec@cardiff.example", "another password entirely")
        .await
        .problem(401, "unauthenticated");

    // Expired after seven days.
    let third = invite(&app, &staff, &id).await;
    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    let expired = set_password(&app, &third, "a third password here")
        .await
        .problem(409, "conflict");
    assert!(expired["detail"].as_str().unwrap().contains("expired"));
    set_password(&app, "no-such-token", "a third password here")
        .await
        .problem(404, "not_found");
}

async fn a_reset_answers_alike_for_known_and_unknown_addresses(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    app.create_user("known@cardiff.example", "organisation", Some(&org))
        .await;
    let old_session = app.login("known@cardiff.example").await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/password-reset",
                None,
                &json!({"email": email}),
            )
            .await
        }
    };
    let known = ask("Known@Cardiff.example").await;
    let unknown = ask("nobody@cardiff.example").await;
    assert_eq!(known.status.as_u16(), 202);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(emails_of_kind(&app, "password_reset").await, 1);
    // One reset email per five minutes, whatever is asked.
    ask("known@cardiff.example").await;
    assert_eq!(emails_of_kind(&app, "password_reset").await, 1);
    app.clock.advance(chrono::Duration::minutes(6));
    ask("known@cardiff.example").await;
    assert_eq!(emails_of_kind(&app, "password_reset").await, 2);
    let (_, text) = last_email(&app, "password_reset", "known@cardiff.example")
        .await
        .unwrap();
    assert!(text.contains("reset the password"), "{text}");
    // Valid for an hour.
    let token = token_in(&text);
    app.clock.advance(chrono::Duration::minutes(59));
    set_password(&app, &token, "a brand new password")
        .await
        .expect(204);
    // The reset ends every session and the old password.
    app.get("/api/v1/organisations", Some(&old_session))
        .await
        .problem(401, "unauthenticated");
    login(&app, "known@cardiff.example", PASSWORD)
        .await
        .problem(401, "unauthenticated");
    login(&app, "known@cardiff.example", "a brand new password")
        .await
        .expect(200);
    ask("not an email").await.problem(422, "validation_failed");
}

async fn a_disabled_account_cannot_sign_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    app.create_user("sec@cardiff.example", "organisation", Some(&org))
        .await;
    let session = app.login("sec@cardiff.example").await;
    let users = app
        .get("/api/v1/users?limit=500", Some(&staff))
        .await
        .expect(200);
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sec@cardiff.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let disabled = app
        .post(
            &format!("/api/v1/users/{id}/disable"),
            Some(&staff),
            &json!({}),
        )
        .await
        .expect(200);
    assert!(disabled["disabled_at"].is_string());
    // Its session ends at once; it cannot sign in, reset or be invited.
    app.get("/api/v1/organisations", Some(&session))
        .await
        .problem(401, "unauthenticated");
    login(&app, "sec@cardiff.example", PASSWORD)
        .await
        .problem(401, "unauthenticated");
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &json!({"email": "sec@cardiff.example"}),
    )
    .await
    .expect(202);
    assert_eq!(emails_of_kind(&app, "password_reset").await, 0);
    app.post(
        &format!("/api/v1/users/{id}/invitation"),
        Some(&staff),
        &json!({}),
    )
    .await
    .problem(409, "conflict");
    // Staff cannot lock themselves out; organisation users cannot disable.
    let me = app
        .get("/api/v1/users?limit=500", Some(&staff))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "staff")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/users/{me}/disable"),
        Some(&staff),
        &json!({}),
    )
    .await
    .problem(409, "conflict");
    // Enabled again, it signs in with its password.
    app.post(
        &format!("/api/v1/users/{id}/enable"),
        Some(&staff),
        &json!({}),
    )
    .await
    .expect(200);
    login(&app, "sec@cardiff.example", PASSWORD)
        .await
        .expect(200);
}
