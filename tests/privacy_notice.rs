//! A conference's privacy notice: staff publish versions that never
//! change, anyone reads them, an organisation accepts the current one to
//! register (the registration records it), and each delegate's
//! confirmation links to the version their organisation accepted.

mod common;

use common::visitor::Visitor;
use common::{london, Backend, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    staff_publish_versions_and_anyone_reads_them,
    an_organisation_accepts_the_current_notice_to_register,
    the_portal_asks_for_the_notice_before_registering,
    the_console_publishes_a_notice,
);

const FIRST: &str = "The Co-operative Party holds each delegate's name, email and \
                     requirements to run the conference.\n\nWe keep names for 12 months \
                     after it ends. <script>alert(1)</script>";
const SECOND: &str = "The Co-operative Party holds each delegate's name and email.\n\
                      Requirements go 30 days after the conference.";

struct Fixture {
    app: TestApp,
    staff: String,
    member: String,
    org: String,
    conference: String,
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 7, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    app.create_user("sec@cardiff.example", "organisation", Some(&org))
        .await;
    let member = app.login("sec@cardiff.example").await;
    let c = app.conference(&staff, json!({})).await;
    Fixture {
        conference: c["id"].as_str().unwrap().to_owned(),
        app,
        staff,
        member,
        org,
    }
}

impl Fixture {
    fn notice(&self) -> String {
        format!("/api/v1/conferences/{}/privacy-notice", self.conference)
    }

    async fn publish(&self, token: &str, text: &str) -> common::Response {
        self.app
            .request(
                Method::PUT,
                &self.notice(),
                Some(token),
                Some(&json!({ "text": text })),
                &[],
            )
            .await
    }

    async fn register(&self, token: &str, body: Value) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(token),
                &body,
            )
            .await
    }

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
}

fn booking(email: &str, version: Option<i64>) -> Value {
    let mut body = json!({
        "payment_method": "cheque",
        "delegates": [{"name": "Ada Lovelace", "email": email, "dinner": false}]
    });
    if let Some(v) = version {
        body["privacy_notice_version"] = json!(v);
    }
    body
}

async fn staff_publish_versions_and_anyone_reads_them(b: Backend) {
    let f = fixture(b).await;
    f.app.get(&f.notice(), None).await.problem(404, "not_found");

    // Only staff with the conference role publish.
    f.publish(&f.member, FIRST).await.problem(403, "forbidden");
    let finance = f.app.staff_with_roles(&["finance"]).await;
    f.publish(&finance, FIRST).await.problem(403, "forbidden");
    let p = f
        .publish(&f.staff, "  \n ")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "text", "{p}");
    f.app.get(&f.notice(), None).await.problem(404, "not_found");

    let v1 = f.publish(&f.staff, FIRST).await.expect(201);
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["text"], FIRST);
    assert_eq!(v1["published_at"], "2016-07-01T09:00:00Z");
    assert_eq!(
        v1["page"],
        format!("/conferences/{}/privacy-notice/1", f.conference)
    );
    // The same text again is no new version.
    let again = f.publish(&f.staff, &format!("{FIRST}\n")).await.expect(200);
    assert_eq!(again["version"], 1);
    f.app.clock.set(london(2016, 7, 2, 10, 0, 0));
    let v2 = f.publish(&f.staff, SECOND).await.expect(201);
    assert_eq!(v2["version"], 2);

    // Anyone reads the current version and every earlier one.
    let current = f.app.get(&f.notice(), None).await.expect(200);
    assert_eq!(current["version"], 2);
    assert_eq!(current["text"], SECOND);
    let first = f
        .app
        .get(&format!("{}/1", f.notice()), None)
        .await
        .expect(200);
    assert_eq!(first["text"], FIRST);
    f.app
        .get(&format!("{}/3", f.notice()), None)
        .await
        .problem(404, "not_found");

    // The page shows the text as text, paragraph by paragraph.
    let v = Visitor::new(&f.app);
    let page = v
        .get(&format!("/conferences/{}/privacy-notice/1", f.conference))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("Version 1, published Friday 1 July 2016."),
        "{}",
        page.text
    );
    assert!(page.text.contains("&#60;script&#62;"), "{}", page.text);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert_eq!(
        page.text
            .matches("<p class=\"body\">The Co-operative")
            .count(),
        1
    );
    let page = v
        .get(&format!("/conferences/{}/privacy-notice", f.conference))
        .await;
    assert!(page.text.contains("Version 2"), "{}", page.text);
    assert!(
        page.text.contains("name and email.<br>Requirements"),
        "{}",
        page.text
    );

    // Each publication is audited, without the text.
    let audit = f
        .app
        .get(
            "/api/v1/audit?action=privacy_notice_published",
            Some(&f.staff),
        )
        .await
        .expect(200);
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{audit}");
    assert!(!audit.to_string().contains("Co-operative Party holds"));
}

async fn an_organisation_accepts_the_current_notice_to_register(b: Backend) {
    let f = fixture(b).await;
    // Without a notice, nothing is asked and nothing recorded.
    let r = f
        .register(&f.member, booking("a@cardiff.example", None))
        .await
        .expect(201);
    assert_eq!(r["privacy_notice_version"], Value::Null);
    let confirmation = &f.app.queued("registration_confirmation").await[0];
    assert!(!confirmation.text.contains("privacy-notice"));

    f.publish(&f.staff, FIRST).await.expect(201);
    let p = f
        .register(&f.member, booking("b@cardiff.example", None))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "privacy_notice_version", "{p}");
    f.register(&f.member, booking("b@cardiff.example", Some(2)))
        .await
        .problem(422, "validation_failed");
    assert_eq!(f.registrations().await, 1);
    let r = f
        .register(&f.member, booking("b@cardiff.example", Some(1)))
        .await
        .expect(201);
    assert_eq!(r["privacy_notice_version"], 1);

    // A new version supersedes the one the secretary read.
    f.publish(&f.staff, SECOND).await.expect(201);
    let p = f
        .register(&f.member, booking("c@cardiff.example", Some(1)))
        .await
        .problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("read version 2"),
        "{p}"
    );
    assert_eq!(f.registrations().await, 2);

    // Staff registering from a paper form need not name one.
    let mut paper = booking("d@cardiff.example", None);
    paper["organisation_id"] = json!(f.org);
    let r = f.register(&f.staff, paper).await.expect(201);
    assert_eq!(r["privacy_notice_version"], Value::Null);

    // Each delegate's confirmation links to the version accepted, or the
    // current one when none was.
    let emails = f.app.queued("registration_confirmation").await;
    let to = |who: &str| {
        emails
            .iter()
            .find(|e| e.recipient == who)
            .unwrap_or_else(|| panic!("no confirmation to {who}"))
    };
    let link = |v: u32| format!("/conferences/{}/privacy-notice/{v}", f.conference);
    assert!(
        to("b@cardiff.example").text.contains(&link(1)),
        "{}",
        to("b@cardiff.example").text
    );
    assert!(to("b@cardiff.example")
        .html
        .replace("&#x2f;", "/")
        .contains(&link(1)));
    assert!(to("d@cardiff.example").text.contains(&link(2)));
    // A substitute's email links to the registration's version too.
    let delegate = r["delegates"][0]["id"].as_str().unwrap();
    f.app
        .post(
            &format!("/api/v1/delegates/{delegate}/substitution"),
            Some(&f.staff),
            &json!({"name": "Robert Owen", "email": "robert@cardiff.example"}),
        )
        .await
        .expect(200);
    let sub = &f.app.queued("substitution").await[0];
    assert!(sub.text.contains(&link(2)), "{}", sub.text);
}

async fn the_portal_asks_for_the_notice_before_registering(b: Backend) {
    let f = fixture(b).await;
    f.publish(&f.staff, FIRST).await.expect(201);
    let mut v = Visitor::new(&f.app);
    v.sign_in("sec@cardiff.example", PASSWORD).await;
    let path = format!("/portal/conferences/{}/register", f.conference);
    let form = v.get(&path).await;
    assert!(
        form.text.contains(&format!(
            "href=\"/conferences/{}/privacy-notice/1\"",
            f.conference
        )),
        "{}",
        form.text
    );
    assert!(form.text.contains("We have read the privacy notice"));
    let (csrf, key) = (form.hidden("csrf_token"), form.hidden("idempotency_key"));
    let fields = |accept: bool| {
        let mut v = vec![
            ("csrf_token", csrf.clone()),
            ("idempotency_key", key.clone()),
            ("delegates-0-name", "Ada Lovelace".to_owned()),
            ("delegates-0-email", "ada@cardiff.example".to_owned()),
            ("payment_method", "cheque".to_owned()),
            ("privacy_notice_version", "1".to_owned()),
            ("action", "register".to_owned()),
        ];
        if accept {
            v.push(("privacy_notice_accepted", "yes".to_owned()));
        }
        v
    };
    let send = |pairs: Vec<(&'static str, String)>| {
        let (v, path) = (&v, path.clone());
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, x)| (*k, x.as_str())).collect();
            v.post(&path, &refs).await
        }
    };
    let refused = send(fields(false)).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text
            .contains("id=\"privacy_notice_accepted-error\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains(
        "<a href=\"#privacy_notice_accepted\">Confirm that you have read the privacy notice</a>"
    ));
    // What was typed stays.
    assert!(refused.text.contains("value=\"Ada Lovelace\""));
    assert_eq!(f.registrations().await, 0);

    let done = send(fields(true)).await;
    assert_eq!(done.status, 303, "{}", done.text);
    let items = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/registrations", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(items["items"][0]["privacy_notice_version"], 1);
}

async fn the_console_publishes_a_notice(b: Backend) {
    let f = fixture(b).await;
    f.app
        .create_user("officer@party.example", "staff", None)
        .await;
    let mut v = Visitor::new(&f.app);
    v.sign_in("officer@party.example", PASSWORD).await;
    let path = format!("/staff/conferences/{}/privacy-notice", f.conference);
    let dashboard = v.get(&format!("/staff/conferences/{}", f.conference)).await;
    assert!(dashboard.text.contains(&format!("href=\"{path}\"")));
    let page = v.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("has no privacy notice yet"),
        "{}",
        page.text
    );
    let csrf = page.hidden("csrf_token");
    let key = page.hidden("idempotency_key");

    let refused = v
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("text", " "),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"text-error\""),
        "{}",
        refused.text
    );

    let page = v.get(&path).await;
    let key = page.hidden("idempotency_key");
    let done = v
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("text", SECOND),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location(), format!("{path}?done=new"));
    let page = v.get(done.location()).await;
    assert!(page.text.contains("The new version has been published."));
    assert!(
        page.text.contains("Version 1 is published."),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!(
        "href=\"/conferences/{}/privacy-notice/1\"",
        f.conference
    )));
    let current = f.app.get(&f.notice(), None).await.expect(200);
    assert_eq!(current["text"], SECOND);

    // An organisation's user is refused the page.
    let mut member = Visitor::new(&f.app);
    member.sign_in("sec@cardiff.example", PASSWORD).await;
    assert_eq!(member.get(&path).await.status, 403);
}
