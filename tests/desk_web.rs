//! The staff console's desk pages over plain HTTP, on both backends:
//! registrations and payments, substitution and cancellation on an
//! organisation's behalf (late overrides labelled and audited), extensions,
//! submission review, downloads read back as CSV and Excel, the outbox's
//! retry, and the audit log. Every page refuses an organisation's user
//! (403) and sends a signed-out visitor to sign in. The journey in
//! Chromium is `desk_browser.rs`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use common::smtp::SmtpServer;
use common::{london, Backend, TestApp, PASSWORD};
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    every_desk_page_is_for_staff_only,
    finding_a_registration_and_recording_a_payment,
    a_refused_payment_is_shown_beside_its_field_and_changes_nothing,
    a_refund_is_recorded_and_payments_reconciled_from_the_console,
    late_cancellation_and_substitution_are_labelled_and_audited,
    reviewing_accepts_rules_out_and_composites,
    downloads_are_real_csv_and_excel_files,
    a_failed_email_is_retried_from_the_outbox,
    extensions_are_granted_and_listed,
);

/// A browser without a browser: one cookie, no redirects followed.
struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: Option<String>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
    text: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden input of this name after `after`.
    fn hidden_after(&self, after: &str, name: &str) -> String {
        let from = self
            .text
            .find(after)
            .unwrap_or_else(|| panic!("no {after} in {}", self.text));
        let marker = format!("name=\"{name}\" value=\"");
        let start = from
            + self.text[from..]
                .find(&marker)
                .unwrap_or_else(|| panic!("no {name} after {after}"))
            + marker.len();
        self.text[start..start + self.text[start..].find('"').unwrap()].to_owned()
    }

    fn hidden(&self, name: &str) -> String {
        self.hidden_after("<body", name)
    }

    /// The error message shown beside an input.
    fn error_of(&self, input: &str) -> String {
        let marker = format!("id=\"{input}-error\">");
        let start = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no error beside {input} in {}", self.text))
            + marker.len();
        let end = start + self.text[start..].find("</p>").unwrap();
        self.text[start..end]
            .replace("<span class=\"visually-hidden\">Error:</span>", "")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .trim()
            .to_owned()
    }

    /// The value typed into an input, as the page shows it.
    fn value_of(&self, input: &str) -> String {
        let marker = format!("id=\"{input}\" name=\"{input}\"");
        let from = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {input}"));
        let v = from + self.text[from..].find("value=\"").unwrap() + 7;
        self.text[v..v + self.text[v..].find('"').unwrap()].to_owned()
    }
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("plenary_session={c}")),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap().to_vec();
        Page {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.app.base)))
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header("origin", &self.app.base)
            .form(form);
        self.send(req).await
    }

    async fn sign_in(&mut self, email: &str) {
        let page = self
            .post("/login", &[("email", email), ("password", PASSWORD)])
            .await;
        let c = page.headers.get(SET_COOKIE).expect("signed in");
        let value = c
            .to_str()
            .unwrap()
            .strip_prefix("plenary_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        self.cookie = Some(value.to_owned());
    }
}

/// The reference conference on 1 March 2016, the Cardiff party with a
/// secretary, a staff member signed in, and a registration by cheque of
/// one delegate with dinner (£135.00).
struct Fixture {
    app: TestApp,
    token: String,
    conference: String,
    organisation: String,
    registration: Value,
}

async fn fixture(b: Backend) -> Fixture {
    fixture_with(b, |_| {}).await
}

async fn fixture_with(b: Backend, adjust: impl FnOnce(&mut plenary::config::Settings)) -> Fixture {
    let app = TestApp::spawn_with(b, adjust).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let token = app.staff().await;
    let organisation = app.organisation(&token, "Cardiff Party", "Wales").await;
    app.create_user("sec@cardiff.example", "organisation", Some(&organisation))
        .await;
    app.create_user("desk@party.example", "staff", None).await;
    let conference = app.conference(&token, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let registration = app
        .post(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&token),
            &json!({
                "organisation_id": organisation,
                "payment_method": "cheque",
                "delegates": [
                    {"name": "Ada Lovelace", "email": "ada@example.org", "dinner": true,
                     "dietary_requirements": "Vegetarian"},
                    {"name": "Grace Hopper", "email": "grace@example.org", "dinner": false}
                ]
            }),
        )
        .await
        .expect(201);
    Fixture {
        app,
        token,
        conference,
        organisation,
        registration,
    }
}

impl Fixture {
    async fn desk(&self) -> Visitor<'_> {
        let mut v = Visitor::new(&self.app);
        v.sign_in("desk@party.example").await;
        v
    }

    fn registration_id(&self) -> String {
        self.registration["id"].as_str().unwrap().to_owned()
    }

    fn reference(&self) -> String {
        self.registration["reference"].as_str().unwrap().to_owned()
    }

    async fn api_registration(&self) -> Value {
        self.app
            .get(
                &format!("/api/v1/registrations/{}", self.registration_id()),
                Some(&self.token),
            )
            .await
            .expect(200)
    }

    async fn audit(&self, action: &str) -> Vec<Value> {
        self.app
            .get(&format!("/api/v1/audit?action={action}"), Some(&self.token))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// A motion from the Cardiff party, through the API.
    async fn motion(&self, title: &str) -> String {
        let secretary = self.app.login("sec@cardiff.example").await;
        self.app
            .post(
                &format!("/api/v1/conferences/{}/motions", self.conference),
                Some(&secretary),
                &json!({"title": title, "body": "Conference believes in co-operation."}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn every_desk_page_is_for_staff_only(b: Backend) {
    let f = fixture(b).await;
    let motion = f.motion("Buses").await;
    let delegate = f.registration["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = &f.conference;
    let pages = [
        "/staff/registrations".to_owned(),
        format!("/staff/registrations?conference_id={c}&q=Ada"),
        format!("/staff/registrations/{}", f.registration_id()),
        format!("/staff/delegates/{delegate}/substitute"),
        format!("/staff/delegates/{delegate}/cancel"),
        format!("/staff/extensions?conference_id={c}"),
        format!("/staff/submissions?conference_id={c}&kind=motion"),
        format!("/staff/submissions/{motion}"),
        format!("/staff/conferences/{c}/downloads"),
        format!("/staff/conferences/{c}/delegates.csv"),
        format!("/staff/conferences/{c}/delegates.xlsx"),
        format!("/staff/conferences/{c}/motions.csv"),
        format!("/staff/conferences/{c}/cac-nominations.csv"),
        "/staff/outbox?status=failed".to_owned(),
        format!("/staff/audit?conference_id={c}"),
    ];
    let desk = f.desk().await;
    let mut secretary = Visitor::new(&f.app);
    secretary.sign_in("sec@cardiff.example").await;
    let anonymous = Visitor::new(&f.app);
    for path in &pages {
        let page = desk.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        let refused = secretary.get(path).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(refused.text.contains("for party staff only"), "{path}");
        assert!(!refused.text.contains("Ada Lovelace"), "{path}");
        let away = anonymous.get(path).await;
        assert_eq!(away.status, 303, "{path}");
        assert_eq!(away.location(), "/login", "{path}");
    }
    // Posts too: refused before anything changes.
    let csrf = secretary
        .get("/portal")
        .await
        .hidden_after("<header", "csrf_token");
    let posts = [
        format!("/staff/registrations/{}/payments", f.registration_id()),
        format!("/staff/delegates/{delegate}/cancel"),
        format!("/staff/submissions/{motion}/review"),
        "/staff/extensions".to_owned(),
    ];
    for path in &posts {
        let page = secretary
            .post(
                path,
                &[
                    ("csrf_token", csrf.as_str()),
                    ("amount", "135.00"),
                    ("method", "cheque"),
                    ("reference", "100200"),
                    ("decision", "accepted"),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "{path}");
        assert_eq!(anonymous.post(path, &[]).await.location(), "/login");
    }
    let r = f.api_registration().await;
    assert_eq!(r["payment_status"], "unpaid");
    assert_eq!(r["delegates"][0]["status"], "active");
}

async fn finding_a_registration_and_recording_a_payment(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let c = &f.conference;
    // By reference, by a delegate's name or email, by status and method.
    for q in [f.reference(), "grace".into(), "ADA@EXAMPLE".into()] {
        let page = desk
            .get(&format!("/staff/registrations?conference_id={c}&q={q}"))
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.text.contains(&format!(
                "<a href=\"/staff/registrations/{}\" class=\"reference\">{}</a>",
                f.registration_id(),
                f.reference()
            )),
            "{q}: {}",
            page.text
        );
        assert!(page.text.contains("Cardiff Party"));
        assert!(page.text.contains("£225.00"), "{}", page.text);
    }
    let none = desk
        .get(&format!("/staff/registrations?conference_id={c}&q=nobody"))
        .await;
    assert!(none.text.contains("No registrations match."));
    assert!(none.text.contains("value=\"nobody\""));
    let paid = desk
        .get(&format!(
            "/staff/registrations?conference_id={c}&payment_status=paid&method=cheque"
        ))
        .await;
    assert!(!paid.text.contains(&f.reference()));
    let unpaid = desk
        .get(&format!(
            "/staff/registrations?conference_id={c}&payment_status=unpaid&method=cheque&organisation_id={}",
            f.organisation
        ))
        .await;
    assert!(unpaid.text.contains(&f.reference()));
    let bad = desk
        .get(&format!(
            "/staff/registrations?conference_id={c}&payment_status=owing"
        ))
        .await;
    assert_eq!(
        bad.error_of("payment_status"),
        "Choose a payment status from the list"
    );

    // The registration's page: delegates, fees, the form.
    let path = format!("/staff/registrations/{}", f.registration_id());
    let page = desk.get(&path).await;
    assert!(page.text.contains("Ada Lovelace"));
    assert!(page.text.contains("Dietary: Vegetarian"));
    assert!(page
        .text
        .contains("<span id=\"outstanding\">£225.00</span>"));
    assert!(page.text.contains("No payments recorded yet."));
    assert!(page
        .text
        .contains("<label class=\"label\" for=\"amount\">Amount</label>"));
    assert!(page
        .text
        .contains("<label class=\"label\" for=\"method\">Method</label>"));
    assert!(page
        .text
        .contains("<label class=\"label\" for=\"reference\">Reference</label>"));
    assert!(page.text.contains(">Record payment</button>"));
    assert_eq!(
        page.headers.get("cache-control").unwrap(),
        "no-store",
        "personal data is never cached"
    );

    // Part of it first, then the rest; a double post pays once.
    let form = |amount: &'static str, key: String, csrf: String| {
        vec![
            ("csrf_token".to_owned(), csrf),
            ("idempotency_key".to_owned(), key),
            ("amount".to_owned(), amount.to_owned()),
            ("method".to_owned(), "cheque".to_owned()),
            ("reference".to_owned(), "Cheque 100200".to_owned()),
        ]
    };
    let fields = form(
        "80.00",
        page.hidden("idempotency_key"),
        page.hidden("csrf_token"),
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let posted = desk.post(&format!("{path}/payments"), &pairs).await;
    assert_eq!(posted.status, 303, "{}", posted.text);
    assert_eq!(posted.location(), format!("{path}?done=paid"));
    let again = desk.post(&format!("{path}/payments"), &pairs).await;
    assert_eq!(again.status, 303);
    let r = f.api_registration().await;
    assert_eq!(r["amount_paid"], "80.00");
    assert_eq!(r["payment_status"], "part_paid");

    let page = desk.get(&format!("{path}?done=paid")).await;
    assert!(page.text.contains("The payment has been recorded"));
    assert!(page
        .text
        .contains("<span id=\"outstanding\">£145.00</span>"));
    assert!(page.text.contains("Part paid"));
    assert!(page.text.contains("Cheque 100200"));
    assert!(page.text.contains("£80.00"));
    assert_eq!(page.value_of("amount"), "145.00", "the balance is offered");
    let fields = form(
        "145.00",
        page.hidden("idempotency_key"),
        page.hidden("csrf_token"),
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        desk.post(&format!("{path}/payments"), &pairs).await.status,
        303
    );
    let page = desk.get(&path).await;
    assert!(page.text.contains("<span id=\"outstanding\">£0.00</span>"));
    assert!(page.text.contains(">Paid</span>"));
    let r = f.api_registration().await;
    assert_eq!(r["payment_status"], "paid");
    assert_eq!(r["balance"], "0.00");
    // The organisation was sent a receipt for each.
    assert_eq!(f.app.queued("payment_received").await.len(), 2);
}

async fn a_refused_payment_is_shown_beside_its_field_and_changes_nothing(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let path = format!("/staff/registrations/{}", f.registration_id());
    let page = desk.get(&path).await;
    let csrf = page.hidden("csrf_token");
    let cases = [
        ("", "cheque", "100200", "amount", "Enter the amount received"),
        ("ten pounds", "cheque", "100200", "amount", "Amount must be an amount of money, like 135.00"),
        ("0", "cheque", "100200", "amount", "Amount must be more than £0.00"),
        ("90.00", "cheque", "", "reference", "Enter the cheque number, transfer reference or payment id"),
        ("90.00", "barter", "100200", "method", "Choose how the payment was made"),
        (
            "500.00",
            "cheque",
            "100200",
            "amount",
            "Amount is more than the balance due of £225.00. To record an overpayment on purpose, tick “This is an overpayment”",
        ),
    ];
    for (amount, method, reference, field, message) in cases {
        let key = uuid::Uuid::new_v4().to_string();
        let refused = desk
            .post(
                &format!("{path}/payments"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("amount", amount),
                    ("method", method),
                    ("reference", reference),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{amount} {method} {reference}");
        assert_eq!(refused.error_of(field), message);
        assert!(refused.text.contains("There is a problem"));
        assert!(refused.text.contains(&format!("<a href=\"#{field}\">")));
        assert_eq!(refused.value_of("amount"), amount, "what was typed is kept");
        assert_eq!(refused.value_of("reference"), reference);
        assert!(refused.text.contains("<title>Error: Registration"));
    }
    let r = f.api_registration().await;
    assert_eq!(r["amount_paid"], "0.00");
    assert_eq!(r["payment_status"], "unpaid");
    assert!(f.app.queued("payment_received").await.is_empty());

    // On purpose, an overpayment is taken and audited.
    let key = uuid::Uuid::new_v4().to_string();
    let taken = desk
        .post(
            &format!("{path}/payments"),
            &[
                ("csrf_token", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("amount", "300.00"),
                ("method", "bank_transfer"),
                ("reference", "BACS 77"),
                ("overpayment", "yes"),
            ],
        )
        .await;
    assert_eq!(taken.status, 303);
    let page = desk.get(&path).await;
    assert!(page.text.contains("£75.00 to refund"));
    assert!(page.text.contains("Overpayment recorded"));
    assert_eq!(f.audit("overpayment_recorded").await.len(), 1);
}

async fn a_refund_is_recorded_and_payments_reconciled_from_the_console(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let id = f.registration_id();
    let path = format!("/staff/registrations/{id}");
    // Paid in full, then staff issue an invoice and cancel Grace: £90.00
    // in credit.
    f.app
        .post(
            &format!("/api/v1/registrations/{id}/payments"),
            Some(&f.token),
            &json!({"amount": "225.00", "method": "cheque", "reference": "Cheque 1"}),
        )
        .await
        .expect(201);
    let invoice = f
        .app
        .post(
            &format!("/api/v1/registrations/{id}/invoices"),
            Some(&f.token),
            &json!({}),
        )
        .await
        .expect(201);
    let grace = f.registration["delegates"][1]["id"].as_str().unwrap();
    f.app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/delegates/{grace}/cancellation"),
            Some(&f.token),
            None,
            &[],
        )
        .await
        .expect(200);

    let page = desk.get(&path).await;
    assert!(page.text.contains("£90.00 to refund"));
    assert!(page.text.contains(">Record a refund</h2>"));
    assert!(page.text.contains(">Record refund</button>"));
    assert!(!page.text.contains(">Record payment</button>"));
    assert_eq!(page.value_of("amount"), "90.00", "the credit is offered");
    // The invoice and its credit note, as PDFs through the session.
    let invoice_link = format!(
        "/documents/invoices/{}.pdf",
        invoice["id"].as_str().unwrap()
    );
    assert!(page.text.contains(&invoice_link), "{}", page.text);
    assert!(page.text.contains("Credit note CN-0001"));
    let pdf = desk.get(&invoice_link).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers.get(CONTENT_TYPE).unwrap(), "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    // Too much: beside the field, nothing changes.
    let csrf = page.hidden("csrf_token");
    let key = uuid::Uuid::new_v4().to_string();
    let refund = |amount: &'static str, key: String| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("idempotency_key".to_owned(), key),
            ("amount".to_owned(), amount.to_owned()),
            ("method".to_owned(), "bank_transfer".to_owned()),
            ("reference".to_owned(), "BACS 0042".to_owned()),
        ]
    };
    let fields = refund("95.00", key);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = desk.post(&format!("{path}/refunds"), &pairs).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        refused.error_of("amount"),
        "Amount is more than the £90.00 to refund"
    );
    assert_eq!(refused.value_of("amount"), "95.00");
    assert_eq!(f.api_registration().await["amount_paid"], "225.00");

    let fields = refund("90.00", uuid::Uuid::new_v4().to_string());
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = desk.post(&format!("{path}/refunds"), &pairs).await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.location(), format!("{path}?done=refunded"));
    let page = desk.get(&format!("{path}?done=refunded")).await;
    assert!(page.text.contains("The refund has been recorded"));
    assert!(page.text.contains(">Paid</span>"));
    assert!(page.text.contains("-£90.00"));
    assert!(page.text.contains("Refund recorded"));
    assert_eq!(f.audit("refund_recorded").await.len(), 1);

    // The conference's payments page and its CSV.
    let c = &f.conference;
    let dashboard = desk.get(&format!("/staff/conferences/{c}")).await;
    assert!(dashboard
        .text
        .contains(&format!("href=\"/staff/conferences/{c}/payments\"")));
    let payments = desk.get(&format!("/staff/conferences/{c}/payments")).await;
    assert_eq!(payments.status, 200);
    assert!(payments.text.contains(&f.reference()));
    assert!(payments.text.contains("BACS 0042"));
    assert!(payments.text.contains("£225.00"));
    assert!(payments.text.contains("£135.00"), "net received");
    let csv = desk
        .get(&format!("/staff/conferences/{c}/payments.csv"))
        .await;
    assert_eq!(csv.status, 200);
    let body = csv.bytes.strip_prefix("\u{feff}".as_bytes()).unwrap();
    let mut reader = csv::Reader::from_reader(body);
    let amounts: Vec<String> = reader.records().map(|r| r.unwrap()[7].to_owned()).collect();
    assert_eq!(amounts, ["225.00", "-90.00"]);

    // The organisation's booking page links its invoice and credit note.
    let mut secretary = Visitor::new(&f.app);
    secretary.sign_in("sec@cardiff.example").await;
    let booking = secretary.get(&format!("/portal/registrations/{id}")).await;
    assert!(booking.text.contains(&invoice_link), "{}", booking.text);
    assert_eq!(secretary.get(&invoice_link).await.status, 200);
    // Not the staff pages, and not another organisation's documents.
    assert_eq!(
        secretary
            .get(&format!("/staff/conferences/{c}/payments"))
            .await
            .status,
        403
    );
    let other = f.app.organisation(&f.token, "Swansea", "Wales").await;
    f.app
        .create_user("sec@swansea.example", "organisation", Some(&other))
        .await;
    let mut stranger = Visitor::new(&f.app);
    stranger.sign_in("sec@swansea.example").await;
    assert_eq!(stranger.get(&invoice_link).await.status, 404);
}

async fn late_cancellation_and_substitution_are_labelled_and_audited(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let ada = f.registration["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grace = f.registration["delegates"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/staff/registrations/{}", f.registration_id());

    // On time: no override, none audited.
    let page = desk
        .get(&format!("/staff/delegates/{grace}/substitute"))
        .await;
    assert!(!page.text.contains("Late override"));
    let sub = desk
        .post(
            &format!("/staff/delegates/{grace}/substitute"),
            &[
                ("csrf_token", page.hidden("csrf_token").as_str()),
                ("idempotency_key", page.hidden("idempotency_key").as_str()),
                ("name", "Katherine Johnson"),
                ("email", "not an email"),
            ],
        )
        .await;
    assert_eq!(sub.status, 422);
    assert!(
        sub.error_of("email").starts_with("Email "),
        "{}",
        sub.error_of("email")
    );
    assert_eq!(sub.value_of("name"), "Katherine Johnson");
    let sub = desk
        .post(
            &format!("/staff/delegates/{grace}/substitute"),
            &[
                ("csrf_token", page.hidden("csrf_token").as_str()),
                ("idempotency_key", page.hidden("idempotency_key").as_str()),
                ("name", "Katherine Johnson"),
                ("email", "katherine@example.org"),
            ],
        )
        .await;
    assert_eq!(sub.location(), format!("{path}?done=substituted"));
    assert!(f.audit("late_override").await.is_empty());

    // After the registration deadline (22 August): cancelling is a late
    // override, said so before and recorded after.
    f.app.clock.set(london(2016, 9, 1, 10, 0, 0));
    // Months later: a new browser session.
    let desk = f.desk().await;
    let page = desk.get(&path).await;
    assert!(page.text.contains("Late override:"), "{}", page.text);
    assert!(page.text.contains("Monday 22 August 2016"), "{}", page.text);
    let form = desk.get(&format!("/staff/delegates/{ada}/cancel")).await;
    assert!(form.text.contains("Late override:"));
    assert!(form.text.contains("£135.00"));
    let done = desk
        .post(
            &format!("/staff/delegates/{ada}/cancel"),
            &[
                ("csrf_token", form.hidden("csrf_token").as_str()),
                ("idempotency_key", form.hidden("idempotency_key").as_str()),
            ],
        )
        .await;
    assert_eq!(done.location(), format!("{path}?done=cancelled"));
    let r = f.api_registration().await;
    assert_eq!(r["delegates"][0]["status"], "cancelled");
    assert_eq!(r["total"], "90.00");
    let late = f.audit("late_override").await;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["detail"]["action"], "cancellation");
    assert_eq!(late[0]["organisation_id"], f.organisation.as_str());
    let cancelled = f.audit("delegate_cancelled").await;
    assert_eq!(cancelled[0]["detail"]["late_override"], true);
    let page = desk.get(&path).await;
    assert!(page
        .text
        .contains("Delegate cancelled <span class=\"tag tag-yellow\">Late override</span>"));
    assert!(page.text.contains("Delegate substituted"));

    // On the first day of the conference, substituting is one too.
    f.app.clock.set(london(2016, 9, 9, 9, 0, 0));
    let desk = f.desk().await;
    let page = desk
        .get(&format!("/staff/delegates/{grace}/substitute"))
        .await;
    assert!(page
        .text
        .contains("Substitutions closed at the end of Thursday 8 September 2016"));
    let sub = desk
        .post(
            &format!("/staff/delegates/{grace}/substitute"),
            &[
                ("csrf_token", page.hidden("csrf_token").as_str()),
                ("idempotency_key", page.hidden("idempotency_key").as_str()),
                ("name", "Mary Jackson"),
                ("email", "mary@example.org"),
            ],
        )
        .await;
    assert_eq!(sub.status, 303, "{}", sub.text);
    let late = f.audit("late_override").await;
    assert_eq!(late.len(), 2);
    assert_eq!(late[0]["detail"]["action"], "substitution");
    assert_eq!(late[0]["subject_id"], grace.as_str());
    // The audit log shows both, by the desk's staff member.
    let log = desk
        .get(&format!(
            "/staff/audit?conference_id={}&action=late_override",
            f.conference
        ))
        .await;
    assert_eq!(
        log.text.matches("<td>Late override").count(),
        2,
        "{}",
        log.text
    );
    assert!(log.text.contains("Test User"));
    assert!(!log.text.contains("<td>Delegate cancelled"));
}

async fn reviewing_accepts_rules_out_and_composites(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let buses = f.motion("Buses").await;
    let trains = f.motion("Trains").await;
    let trams = f.motion("Trams").await;
    let queue = desk
        .get(&format!(
            "/staff/submissions?conference_id={}&kind=motion&status=submitted",
            f.conference
        ))
        .await;
    for id in [&buses, &trains, &trams] {
        assert!(queue.text.contains(&format!("/staff/submissions/{id}")));
    }
    let decide = |id: String, fields: Vec<(&'static str, &'static str)>| {
        let desk = &desk;
        async move {
            let page = desk.get(&format!("/staff/submissions/{id}")).await;
            let decision = fields[0].1;
            let anchor = format!("name=\"decision\" value=\"{decision}\"");
            let start = page.text.find(&anchor).unwrap();
            let form_start = page.text[..start].rfind("<form").unwrap();
            let key = page.hidden_after(&page.text[form_start..start], "idempotency_key");
            let csrf = page.hidden("csrf_token");
            let mut form = vec![("csrf_token", csrf.clone()), ("idempotency_key", key)];
            form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            desk.post(&format!("/staff/submissions/{id}/review"), &pairs)
                .await
        }
    };
    let accepted = decide(buses.clone(), vec![("decision", "accepted")]).await;
    assert_eq!(
        accepted.location(),
        format!("/staff/submissions/{buses}?done=1")
    );
    let refused = decide(
        trains.clone(),
        vec![("decision", "ruled_out"), ("reason", "  ")],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.error_of("reason"),
        "Enter the reason it is ruled out of order"
    );
    let ruled = decide(
        trains.clone(),
        vec![
            ("decision", "ruled_out"),
            ("reason", "Not a matter for conference"),
        ],
    )
    .await;
    assert_eq!(ruled.status, 303);
    let missing = decide(
        trams.clone(),
        vec![("decision", "composited"), ("composite", "")],
    )
    .await;
    assert_eq!(missing.error_of("composite"), "Enter the composite's name");
    let composited = decide(
        trams.clone(),
        vec![
            ("decision", "composited"),
            ("composite", "Composite 1: Transport"),
        ],
    )
    .await;
    assert_eq!(composited.status, 303);

    let statuses: HashMap<String, String> = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/motions", f.conference),
            Some(&f.token),
        )
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses[&buses], "accepted");
    assert_eq!(statuses[&trains], "ruled_out");
    assert_eq!(statuses[&trams], "composited");
    // The same emails and audit as the API.
    assert_eq!(f.audit("submission_reviewed").await.len(), 3);
    assert_eq!(f.app.queued("submission_decision").await.len(), 3);
    let page = desk.get(&format!("/staff/submissions/{trains}")).await;
    assert!(page.text.contains("Ruled out of order"));
    assert!(page.text.contains("Not a matter for conference"));
    assert!(
        !page.text.contains("value=\"accepted\""),
        "a final decision"
    );
    let page = desk.get(&format!("/staff/submissions/{trams}")).await;
    assert!(page.text.contains("Into Composite 1: Transport"));
    // A decision already made cannot be made again: the page says why.
    let accepted_again = desk
        .post(
            &format!("/staff/submissions/{trains}/review"),
            &[
                ("csrf_token", page.hidden("csrf_token").as_str()),
                ("idempotency_key", uuid::Uuid::new_v4().to_string().as_str()),
                ("decision", "accepted"),
            ],
        )
        .await;
    assert_eq!(accepted_again.status, 422);
    assert!(accepted_again.text.contains("There is a problem"));
}

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

async fn downloads_are_real_csv_and_excel_files(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    f.motion("Buses").await;
    let c = &f.conference;
    let page = desk.get(&format!("/staff/conferences/{c}/downloads")).await;
    assert_eq!(page.status, 200);
    for link in [
        format!("/staff/conferences/{c}/delegates.csv\">CSV<"),
        format!("/staff/conferences/{c}/delegates.xlsx\">Excel<"),
        format!("/staff/conferences/{c}/delegates.csv?dinner=true\">CSV<"),
        format!("/staff/conferences/{c}/delegates.xlsx?dinner=true\">Excel<"),
        format!("/staff/conferences/{c}/motions.csv\">CSV<"),
        format!("/staff/conferences/{c}/cac-nominations.csv\">CSV<"),
    ] {
        assert!(page.text.contains(&link), "{link}");
    }
    // The choices carry into the links.
    let filtered = desk
        .get(&format!(
            "/staff/conferences/{c}/downloads?region=Wales&payment_status=unpaid"
        ))
        .await;
    assert!(
        filtered
            .text
            .contains("delegates.csv?region=Wales&#38;payment_status=unpaid\""),
        "{}",
        filtered.text
    );

    let csv = desk
        .get(&format!("/staff/conferences/{c}/delegates.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.headers.get(CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains(".csv"));
    let rows = csv_rows(&csv.bytes);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Grace Hopper"]);
    assert_eq!(rows[0]["organisation"], "Cardiff Party");
    assert_eq!(rows[0]["dietary_requirements"], "Vegetarian");
    assert_eq!(rows[0]["fee"], "135.00");
    let dinner = csv_rows(
        &desk
            .get(&format!("/staff/conferences/{c}/delegates.csv?dinner=true"))
            .await
            .bytes,
    );
    assert_eq!(dinner.len(), 1);
    assert_eq!(dinner[0]["name"], "Ada Lovelace");
    let bad = desk
        .get(&format!(
            "/staff/conferences/{c}/delegates.csv?region=Atlantis"
        ))
        .await;
    assert_eq!(bad.status, 422);

    let xlsx = desk
        .get(&format!(
            "/staff/conferences/{c}/delegates.xlsx?dinner=false"
        ))
        .await;
    assert_eq!(xlsx.status, 200);
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows.len(), 2, "a header and Grace");
    let name_col = rows[0].iter().position(|h| *h == "name").unwrap();
    assert_eq!(rows[1][name_col].to_string(), "Grace Hopper");

    let motions = desk
        .get(&format!("/staff/conferences/{c}/motions.csv"))
        .await;
    assert_eq!(motions.status, 200);
    let rows = csv_rows(&motions.bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["title"], "Buses");
    let cac = desk
        .get(&format!("/staff/conferences/{c}/cac-nominations.csv"))
        .await;
    assert_eq!(cac.status, 200);
    assert!(csv_rows(&cac.bytes).is_empty());
}

async fn a_failed_email_is_retried_from_the_outbox(b: Backend) {
    let smtp = SmtpServer::start().await;
    smtp.reject_with(Some("550 5.1.1 Mailbox unavailable"));
    let url = smtp.url();
    let f = fixture_with(b, move |s| {
        s.smtp_url = Some(url);
        s.email_max_attempts = 1;
    })
    .await;
    let desk = f.desk().await;
    // The registration's emails fail at their only attempt.
    let mut page = desk.get("/staff/outbox?status=failed").await;
    for _ in 0..100 {
        if page.text.contains(">Retry<") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        page = desk.get("/staff/outbox?status=failed").await;
    }
    assert!(page.text.contains("Failed: "), "{}", page.text);
    assert!(page.text.contains("Mailbox unavailable"));
    let all = desk
        .get(&format!("/staff/outbox?conference_id={}", f.conference))
        .await;
    let failed_at = all.text.find("Failed: ").unwrap();
    assert!(
        all.text.find("Other emails").is_none_or(|o| o > failed_at),
        "failed emails come first"
    );

    smtp.reject_with(None);
    let action = "/staff/outbox/";
    let start = page.text.find(&format!("action=\"{action}")).unwrap() + 8;
    let path = page.text[start..start + page.text[start..].find('"').unwrap()].to_owned();
    let retried = desk
        .post(
            &path,
            &[
                ("csrf_token", page.hidden("csrf_token").as_str()),
                (
                    "idempotency_key",
                    page.hidden_after(&path, "idempotency_key").as_str(),
                ),
                ("back", "status=failed"),
            ],
        )
        .await;
    assert_eq!(retried.status, 303);
    assert_eq!(
        retried.location(),
        "/staff/outbox?status=failed&done=retried"
    );
    let done = desk.get(retried.location()).await;
    assert!(done.text.contains("The email is queued again"));
    let sent = smtp.wait_for(1).await;
    assert_eq!(sent.len(), 1);
    let mut shown = desk.get("/staff/outbox?status=sent").await;
    for _ in 0..100 {
        if shown.text.contains(">Sent<") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        shown = desk.get("/staff/outbox?status=sent").await;
    }
    assert!(shown.text.contains(">Sent<"), "{}", shown.text);
}

async fn extensions_are_granted_and_listed(b: Backend) {
    let f = fixture(b).await;
    let desk = f.desk().await;
    let path = format!("/staff/extensions?conference_id={}", f.conference);
    let page = desk.get(&path).await;
    assert!(page.text.contains("No extensions granted"));
    let post = |until: &'static str, page: &Page| {
        let csrf = page.hidden("csrf_token");
        let key = page.hidden("idempotency_key");
        let conference = f.conference.clone();
        let organisation = f.organisation.clone();
        let desk = &desk;
        async move {
            desk.post(
                "/staff/extensions",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("conference_id", conference.as_str()),
                    ("organisation_id", organisation.as_str()),
                    ("deadline", "motions"),
                    ("until", until),
                ],
            )
            .await
        }
    };
    let refused = post("2016-04-01", &page).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .error_of("until")
            .starts_with("New last day must be after"),
        "{}",
        refused.error_of("until")
    );
    assert_eq!(refused.value_of("until"), "2016-04-01");
    let refused = post("18 April", &page).await;
    assert_eq!(
        refused.error_of("until"),
        "New last day must be a date in the form YYYY-MM-DD"
    );
    let granted = post("2016-04-18", &page).await;
    assert_eq!(granted.status, 303, "{}", granted.text);
    let page = desk.get(granted.location()).await;
    assert!(page.text.contains("The extension has been granted"));
    assert!(page.text.contains("Monday 4 April 2016"));
    assert!(page.text.contains("Monday 18 April 2016"));
    assert!(page.text.contains("Cardiff Party"));
    let audited = f.audit("extension_granted").await;
    assert_eq!(audited.len(), 1);
    // The secretary may now submit a motion after 4 April.
    f.app.clock.set(london(2016, 4, 10, 12, 0, 0));
    f.motion("Late but allowed").await;
}
