//! The web pages over plain HTTP: sessions (cookie flags, idle and absolute
//! expiry, signing out on the server), CSRF and cross-site posts, the
//! security headers, one organisation never seeing another's bookings or
//! submissions, double posts, staff and organisation pages kept apart, and
//! password changes. The journey itself runs in Chromium (`browser.rs`).

mod common;

use common::visitor::{Page, Visitor};
use common::{london, Backend, TestApp, PASSWORD};
use reqwest::header::{CACHE_CONTROL, SET_COOKIE};
use serde_json::json;

backend_tests!(
    forms_need_the_sessions_csrf_token_and_this_sites_origin,
    a_double_post_registers_once,
    organisations_see_only_their_own,
    cookie_flags_and_security_headers,
    sessions_expire_when_idle_and_at_their_limit,
    signing_out_ends_the_session_on_the_server,
    staff_and_organisation_pages_are_apart,
    wrong_passwords_and_lockout,
    changing_the_password_ends_other_sessions,
    the_home_page_shows_prices_deadlines_extensions_and_places,
    a_society_gives_each_delegates_region,
    disabling_an_account_or_its_organisation_signs_it_out,
);

/// Two local parties, each with a secretary (`a@cardiff.example`,
/// `b@bristol.example`), and the reference conference on 1 March 2016.
struct Fixture {
    app: TestApp,
    staff: String,
    conference: String,
}

async fn fixture(b: Backend) -> Fixture {
    fixture_with(b, |_| {}).await
}

async fn fixture_with(b: Backend, adjust: impl FnOnce(&mut plenary::config::Settings)) -> Fixture {
    let app = TestApp::spawn_with(b, adjust).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org_a = app.organisation(&staff, "Cardiff Party", "Wales").await;
    let org_b = app
        .organisation(&staff, "Bristol Party", "South West")
        .await;
    app.create_user("a@cardiff.example", "organisation", Some(&org_a))
        .await;
    app.create_user("b@bristol.example", "organisation", Some(&org_b))
        .await;
    let conference = app.conference(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        app,
        staff,
        conference,
    }
}

impl Fixture {
    async fn registrations(&self) -> usize {
        self.app
            .get(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(&self.staff),
            )
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len()
    }

    fn register_path(&self) -> String {
        format!("/portal/conferences/{}/register", self.conference)
    }
}

async fn post_pairs(
    v: &Visitor<'_>,
    path: &str,
    pairs: &[(String, String)],
    origin: Option<&str>,
) -> Page {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    v.post_from(path, &refs, origin).await
}

const DELEGATE: [(&str, &str); 4] = [
    ("delegates-0-name", "Ada Lovelace"),
    ("delegates-0-email", "ada@example.org"),
    ("payment_method", "cheque"),
    ("action", "register"),
];

async fn forms_need_the_sessions_csrf_token_and_this_sites_origin(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    let mut other = Visitor::new(&f.app);
    assert_eq!(a.sign_in("a@cardiff.example", PASSWORD).await.status, 303);
    assert_eq!(
        other.sign_in("b@bristol.example", PASSWORD).await.status,
        303
    );
    let form = a.get(&f.register_path()).await;
    assert_eq!(form.status, 200);
    let csrf = form.hidden("csrf_token");
    let key = form.hidden("idempotency_key");
    let others = other.get(&f.register_path()).await.hidden("csrf_token");
    assert_ne!(csrf, others);

    let post = |token: &str| {
        let mut v: Vec<(String, String)> = DELEGATE
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.push(("idempotency_key".into(), key.clone()));
        if !token.is_empty() {
            v.push(("csrf_token".into(), token.to_owned()));
        }
        v
    };
    let path = f.register_path();

    // No token, another session's token, a foreign origin: 403, nothing made.
    for (form, origin) in [
        (post(""), f.app.base.as_str()),
        (post(&others), f.app.base.as_str()),
        (post(&csrf), "https://evil.example"),
        (post(&csrf), "null"),
    ] {
        let page = post_pairs(&a, &path, &form, Some(origin)).await;
        assert_eq!(page.status, 403, "{}", page.text);
        assert_eq!(f.registrations().await, 0);
    }
    // A foreign Referer without an Origin is refused too.
    let pairs = post(&csrf);
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = a
        .send(
            a.client
                .post(format!("{}{}", f.app.base, f.register_path()))
                .header("referer", "https://evil.example/page")
                .form(&refs),
        )
        .await;
    assert_eq!(page.status, 403);
    // Signing out from another site is refused as well.
    let page = a
        .post_from(
            "/logout",
            &[("csrf_token", &csrf)],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(a.get("/portal").await.status, 200);

    // The right token from this site registers.
    let page = post_pairs(&a, &path, &post(&csrf), Some(&f.app.base)).await;
    assert_eq!(page.status, 303, "{}", page.text);
    assert!(page.location().starts_with("/portal/registrations/"));
    assert_eq!(f.registrations().await, 1);
}

async fn a_double_post_registers_once(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let form = a.get(&f.register_path()).await;
    let (csrf, key) = (form.hidden("csrf_token"), form.hidden("idempotency_key"));
    let mut pairs: Vec<(&str, &str)> = DELEGATE.to_vec();
    pairs.push(("csrf_token", &csrf));
    pairs.push(("idempotency_key", &key));
    let path = f.register_path();
    let (first, second) = tokio::join!(a.post(&path, &pairs), a.post(&path, &pairs));
    assert_eq!(first.status, 303, "{}", first.text);
    assert_eq!(second.status, 303, "{}", second.text);
    assert_eq!(first.location(), second.location());
    // A reload of the post, later, too.
    let third = a.post(&path, &pairs).await;
    assert_eq!(third.location(), first.location());
    assert_eq!(f.registrations().await, 1);

    // The confirmation states the reference and the total as charged.
    let page = a.get(first.location()).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Registration complete"));
    assert!(page.text.contains("£90.00"), "{}", page.text);
    assert!(page.text.contains("PL-"));

    // The same key with other details is not a second booking by mistake.
    let mut changed = pairs.clone();
    changed[0] = ("delegates-0-name", "Someone Else");
    let page = a.post(&path, &changed).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("already used to make a booking"));
    assert_eq!(f.registrations().await, 1);
}

async fn organisations_see_only_their_own(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    let mut other = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    other.sign_in("b@bristol.example", PASSWORD).await;

    let form = a.get(&f.register_path()).await;
    let csrf = form.hidden("csrf_token");
    let mut pairs: Vec<(&str, &str)> = DELEGATE.to_vec();
    pairs.push(("csrf_token", &csrf));
    let done = a.post(&f.register_path(), &pairs).await;
    let registration = done.location().split('?').next().unwrap().to_owned();
    let booking = a.get(&registration).await;
    let reference = booking
        .text
        .split(['>', '<', ' '])
        .find(|w| w.starts_with("PL-"))
        .unwrap()
        .to_owned();
    let delegate = booking
        .text
        .split("/portal/delegates/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let motion_path = format!("/portal/conferences/{}/motions/new", f.conference);
    let motion = a
        .post(
            &motion_path,
            &[
                ("csrf_token", &csrf),
                ("title", "Secret community energy plan"),
                ("body", "Conference believes in co-operative energy."),
            ],
        )
        .await;
    assert_eq!(motion.status, 303, "{}", motion.text);
    let submission = motion.location().split('?').next().unwrap().to_owned();

    // The other organisation: not found, for every page of A's.
    for path in [
        registration.clone(),
        format!("/portal/delegates/{delegate}/substitute"),
        format!("/portal/delegates/{delegate}/cancel"),
        submission.clone(),
        format!("{submission}/withdraw"),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.text.contains("Page not found"));
        // Still a signed-in page: their own name, and Sign out.
        assert!(page.text.contains("Bristol Party"));
        assert!(page.text.contains("Sign out"));
        assert!(!page.text.contains("Ada Lovelace"));
        assert!(!page.text.contains(&reference));
    }
    let theirs = other.get(&f.register_path()).await.hidden("csrf_token");
    let page = other
        .post(
            &format!("/portal/delegates/{delegate}/cancel"),
            &[("csrf_token", &theirs)],
        )
        .await;
    assert_eq!(page.status, 404);
    let page = other
        .post(
            &format!("{submission}/withdraw"),
            &[("csrf_token", &theirs)],
        )
        .await;
    assert_eq!(page.status, 404);
    // Lists show none of A's.
    for path in [
        "/portal/bookings".to_owned(),
        format!("/portal/conferences/{}/submissions", f.conference),
        format!("/portal/conferences/{}/cac-nominations/new", f.conference),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.text.contains(&reference), "{path}");
        assert!(!page.text.contains("Ada Lovelace"), "{path}");
        assert!(!page.text.contains("Secret community energy"), "{path}");
    }
    // A's booking and submission are untouched.
    let page = a.get(&registration).await;
    assert!(!page.text.contains("Cancelled"));
    assert!(a.get(&submission).await.text.contains("Submitted"));
}

async fn cookie_flags_and_security_headers(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    let page = a.sign_in("a@cardiff.example", PASSWORD).await;
    assert_eq!(page.location(), "/portal");
    let cookie = page.headers[SET_COOKIE].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "http public URL: {cookie}");
    assert!(!cookie.contains("Max-Age"), "{cookie}");

    for path in [
        "/login",
        "/portal",
        "/portal/bookings",
        "/no-such-page",
        "/static/plenary.css",
    ] {
        let page = a.get(path).await;
        let h = &page.headers;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        if !path.starts_with("/static/") {
            assert_eq!(h[CACHE_CONTROL], "no-store", "{path}");
        }
        assert!(
            !page.text.contains("<script>"),
            "no inline script on {path}"
        );
        assert!(
            !page.text.contains(" style=\""),
            "no inline style on {path}"
        );
    }
    let missing = a
        .send(
            a.client
                .get(format!("{}/no-such-page", f.app.base))
                .header("accept", "text/html,*/*;q=0.8"),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.text.contains("Page not found"));
    // The API keeps its own answers.
    let api = f.app.get("/api/v1/nothing", None).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.body["code"], "not_found");
    // Static files are cached, and small.
    let css = a.get("/static/plenary.css").await;
    let js = a.get("/static/plenary.js").await;
    assert!(css.headers[CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(css.text.len() + js.text.len() < 50 * 1024);

    // An https public URL makes the cookie Secure.
    let s = fixture_with(Backend::Sqlite, |s| {
        s.public_url = "https://plenary.example".into()
    })
    .await;
    let mut v = Visitor::new(&s.app);
    let page = v.sign_in("a@cardiff.example", PASSWORD).await;
    assert!(page.headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));
    // and its origin may post, as may the address the request was sent to.
    let form = v.get(&s.register_path()).await;
    let csrf = form.hidden("csrf_token");
    let page = v
        .post_from(
            "/account/password",
            &[("csrf_token", &csrf)],
            Some("https://plenary.example"),
        )
        .await;
    assert_eq!(page.status, 422);
}

async fn sessions_expire_when_idle_and_at_their_limit(b: Backend) {
    let f = fixture_with(b, |s| {
        s.web_session_idle_minutes = 30;
        s.web_session_max_hours = 2;
    })
    .await;
    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let minutes = |m| chrono::Duration::minutes(m);
    // Each visit within 30 minutes of the last keeps it alive…
    for _ in 0..3 {
        f.app.clock.advance(minutes(29));
        assert_eq!(a.get("/portal").await.status, 200);
    }
    // …30 idle minutes end it.
    f.app.clock.advance(minutes(30));
    let page = a.get("/portal").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/login");

    // Busy or not, a session ends 2 hours after signing in.
    a.sign_in("a@cardiff.example", PASSWORD).await;
    for _ in 0..5 {
        f.app.clock.advance(minutes(20));
        assert_eq!(a.get("/portal").await.status, 200);
    }
    f.app.clock.advance(minutes(19));
    assert_eq!(a.get("/portal").await.status, 200);
    f.app.clock.advance(minutes(1));
    assert_eq!(a.get("/portal").await.location(), "/login");
}

async fn signing_out_ends_the_session_on_the_server(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let page = a.get("/portal").await;
    assert!(page.text.contains("Sign out"));
    assert!(page.text.contains("Cardiff Party"));
    let csrf = page.hidden("csrf_token");
    let out = a.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/login");
    let removal = out.headers[SET_COOKIE].to_str().unwrap();
    assert!(removal.starts_with("plenary_session=;"), "{removal}");
    // The old cookie, presented again, is worth nothing.
    assert_eq!(a.get("/portal").await.location(), "/login");
    assert_eq!(a.get("/").await.location(), "/login");

    // Signing in again from a signed-in browser ends its earlier session.
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let first = a.cookie.clone();
    a.sign_in("a@cardiff.example", PASSWORD).await;
    assert_ne!(a.cookie, first);
    assert_eq!(a.get("/portal").await.status, 200);
    a.cookie = first;
    assert_eq!(a.get("/portal").await.location(), "/login");
}

async fn staff_and_organisation_pages_are_apart(b: Backend) {
    let f = fixture(b).await;
    f.app
        .create_user("chair@party.example", "staff", None)
        .await;
    let mut staff = Visitor::new(&f.app);
    assert_eq!(
        staff
            .sign_in("chair@party.example", PASSWORD)
            .await
            .location(),
        "/staff"
    );
    let page = staff.get("/staff").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Sign out"));
    assert!(page.text.contains("Test User"));
    assert_eq!(staff.get("/portal").await.location(), "/staff");
    assert_eq!(staff.get("/").await.location(), "/staff");

    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let page = a.get("/staff").await;
    assert_eq!(page.status, 403);
    assert!(!page.text.contains("Staff console"));
    assert_eq!(a.get("/").await.location(), "/portal");
    // Signed out, every page sends the visitor to sign in.
    let anonymous = Visitor::new(&f.app);
    for path in ["/portal", "/staff", "/portal/bookings", "/account/password"] {
        assert_eq!(anonymous.get(path).await.location(), "/login", "{path}");
    }
}

async fn wrong_passwords_and_lockout(b: Backend) {
    let f = fixture(b).await;
    let mut a = Visitor::new(&f.app);
    for email in ["a@cardiff.example", "nobody@cardiff.example"] {
        let page = a.sign_in(email, "not the right password").await;
        assert_eq!(page.status, 422);
        assert!(page
            .text
            .contains("The email address or password is not right"));
        assert!(
            page.text.contains(&format!("value=\"{email}\"")),
            "email kept"
        );
        assert!(a.cookie.is_none());
    }
    for _ in 0..4 {
        a.sign_in("a@cardiff.example", "still not right").await;
    }
    let page = a.sign_in("a@cardiff.example", PASSWORD).await;
    assert_eq!(page.status, 422);
    assert!(
        page.text.contains("too many failed attempts"),
        "{}",
        page.text
    );
    assert!(a.cookie.is_none());
    f.app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        a.sign_in("a@cardiff.example", PASSWORD).await.location(),
        "/portal"
    );
}

async fn changing_the_password_ends_other_sessions(b: Backend) {
    let f = fixture(b).await;
    let mut here = Visitor::new(&f.app);
    let mut elsewhere = Visitor::new(&f.app);
    here.sign_in("a@cardiff.example", PASSWORD).await;
    elsewhere.sign_in("a@cardiff.example", PASSWORD).await;
    let token = f.app.login("a@cardiff.example").await;
    let csrf = here.get("/account/password").await.hidden("csrf_token");

    let page = here
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", "wrong"),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("The current password is not right"));
    let page = here
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page
        .text
        .contains("The new password must be at least 12 characters"));

    let page = here
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Your password has been changed"));
    assert_eq!(here.get("/portal").await.status, 200);
    assert_eq!(elsewhere.get("/portal").await.location(), "/login");
    f.app
        .get("/api/v1/organisations", Some(&token))
        .await
        .problem(401, "unauthenticated");
    let mut again = Visitor::new(&f.app);
    assert_eq!(
        again.sign_in("a@cardiff.example", PASSWORD).await.status,
        422
    );
    assert_eq!(
        again
            .sign_in("a@cardiff.example", "a brand new passphrase")
            .await
            .location(),
        "/portal"
    );
}

async fn the_home_page_shows_prices_deadlines_extensions_and_places(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff Party", "Wales").await;
    app.create_user("a@cardiff.example", "organisation", Some(&org))
        .await;
    let conference = app
        .conference(&staff, json!({"capacity": 10, "dinner_capacity": 4}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Motions closed on 4 April; this party may send one until 8 April.
    app.post(
        &format!("/api/v1/conferences/{conference}/extensions"),
        Some(&staff),
        &json!({"organisation_id": org, "deadline": "motions", "until": "2016-04-08"}),
    )
    .await
    .expect(201);
    let token = app.login("a@cardiff.example").await;
    app.clock.set(london(2016, 4, 6, 9, 0, 0));
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(&token),
        &json!({"payment_method": "invoice", "delegates": [
            {"name": "Ada Lovelace", "email": "ada@example.org", "dinner": true}]}),
    )
    .await
    .expect(201);

    let mut a = Visitor::new(&app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let page = a.get("/portal").await;
    assert_eq!(page.status, 200);
    let text = page.text;
    for wanted in [
        "Cardiff Party",
        "Friday 9 to Sunday 11 September 2016",
        "Radisson Blu Hotel Cardiff",
        "£90.00 (Early bird)",
        "£135.00",
        // Places and dinner seats left under the caps.
        "<dt>Places left</dt><dd>9</dd>",
        "<dt>Dinner seats left</dt><dd>3</dd>",
        // The extension, and its days left in London.
        "Friday 8 April 2016",
        "Extended for you; the date for others is Monday 4 April 2016",
        "2 days left",
        "Submit a motion",
        "Register delegates",
        "Nominate for CAC",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} not on the home page:\n{text}"
        );
    }
    // After the extension, motions are closed, and the link goes.
    app.clock.set(london(2016, 4, 9, 0, 0, 0));
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let text = a.get("/portal").await.text;
    assert!(!text.contains("Submit a motion"));
    assert!(text.contains("Closed"));
    assert!(text.contains("Register delegates"));
    // Once the conference is over, it is no longer listed.
    app.clock.set(london(2016, 9, 12, 0, 0, 0));
    a.sign_in("a@cardiff.example", PASSWORD).await;
    let text = a.get("/portal").await.text;
    assert!(!text.contains("Radisson Blu Hotel Cardiff"));
    assert!(text.contains("There are no conferences open at the moment"));
}

async fn a_society_gives_each_delegates_region(b: Backend) {
    let f = fixture(b).await;
    let society = f
        .app
        .post(
            "/api/v1/organisations",
            Some(&f.staff),
            &json!({"name": "Midcounties Society", "kind": "society",
                    "region": "South West", "contact_email": "sec@midcounties.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.app
        .create_user("s@midcounties.example", "organisation", Some(&society))
        .await;
    let mut s = Visitor::new(&f.app);
    s.sign_in("s@midcounties.example", PASSWORD).await;
    let form = s.get(&f.register_path()).await;
    assert!(form
        .text
        .contains("<label class=\"label\" for=\"delegates-0-region\">Region</label>"));
    assert!(
        form.text
            .contains("Not given (the society&#39;s region, South West)"),
        "{}",
        form.text
    );
    let csrf = form.hidden("csrf_token");
    let post = |region: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("delegates-0-name", "Ada Lovelace".to_owned()),
            ("delegates-0-email", "ada@example.org".to_owned()),
            ("delegates-0-region", region.to_owned()),
            ("delegates-1-name", "Robert Owen".to_owned()),
            ("delegates-1-email", "robert@example.org".to_owned()),
            ("payment_method", "invoice".to_owned()),
            ("action", "register".to_owned()),
        ]
    };
    let send = |pairs: Vec<(&'static str, String)>| {
        let s = &s;
        let path = f.register_path();
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.post(&path, &refs).await
        }
    };
    // A region not on the list is refused beside its select.
    let page = send(post("Atlantis")).await;
    assert_eq!(page.status, 422);
    assert!(
        page.text.contains("href=\"#delegates-0-region\""),
        "{}",
        page.text
    );
    assert_eq!(f.registrations().await, 0);
    let page = send(post("North West")).await;
    assert_eq!(page.status, 303, "{}", page.text);
    let regs = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/registrations", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    let delegates = &regs["items"][0]["delegates"];
    assert_eq!(delegates[0]["region"], "North West");
    assert_eq!(
        delegates[1]["region"], "South West",
        "not given: the society's"
    );

    // A local party's form has no region.
    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    assert!(!a
        .get(&f.register_path())
        .await
        .text
        .contains("delegates-0-region"));
}

async fn disabling_an_account_or_its_organisation_signs_it_out(b: Backend) {
    let f = fixture(b).await;
    let users = f.app.get("/api/v1/users", Some(&f.staff)).await.expect(200);
    let user = |email: &str| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut a = Visitor::new(&f.app);
    a.sign_in("a@cardiff.example", PASSWORD).await;
    assert_eq!(a.get("/portal").await.status, 200);
    f.app
        .post(
            &format!("/api/v1/users/{}/disable", user("a@cardiff.example")),
            Some(&f.staff),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(a.get("/portal").await.location(), "/login");
    assert_eq!(a.sign_in("a@cardiff.example", PASSWORD).await.status, 422);

    let mut other = Visitor::new(&f.app);
    other.sign_in("b@bristol.example", PASSWORD).await;
    assert_eq!(other.get("/portal").await.status, 200);
    let orgs = f
        .app
        .get("/api/v1/organisations", Some(&f.staff))
        .await
        .expect(200);
    let bristol = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Bristol Party")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.app
        .post(
            &format!("/api/v1/organisations/{bristol}/deactivate"),
            Some(&f.staff),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(other.get("/portal").await.location(), "/login");
}
