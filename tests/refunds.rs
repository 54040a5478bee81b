//! Refunds and reconciliation: a refund only for a registration in credit
//! and never above the credit, a full refund back to `paid`, the refund
//! receipt emailed; a conference's payments and refunds as a list and as a
//! CSV whose amounts add up to what the registrations have paid.

mod common;

use common::{pdf_text, Backend, TestApp};
use rust_decimal::Decimal;
use serde_json::{json, Value};

backend_tests!(
    refunds_only_return_a_credit,
    a_full_refund_brings_the_registration_to_paid,
    refunds_are_staff_only_and_repeat_safe,
    payments_list_and_csv_reconcile,
);

fn delegate(name: &str, dinner: bool) -> Value {
    json!({
        "name": name,
        "email": format!("{}@delegates.example", name.to_lowercase().replace(' ', ".")),
        "dinner": dinner,
        "dietary_requirements": "",
        "access_requirements": ""
    })
}

struct Fixture {
    app: TestApp,
    staff: String,
    org: String,
    member: String,
    conference: String,
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, json!({})).await;
    Fixture {
        conference: c["id"].as_str().unwrap().to_owned(),
        app,
        staff,
        org,
        member,
    }
}

impl Fixture {
    async fn register(&self, delegates: Vec<Value>) -> Value {
        self.app
            .post(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(&self.member),
                &json!({"payment_method": "cheque", "delegates": delegates}),
            )
            .await
            .expect(201)
    }

    async fn pay(&self, registration: &str, amount: &str, reference: &str) -> Value {
        self.app
            .post(
                &format!("/api/v1/registrations/{registration}/payments"),
                Some(&self.staff),
                &json!({"amount": amount, "method": "cheque", "reference": reference}),
            )
            .await
            .expect(201)
    }

    async fn cancel(&self, delegate: &Value) {
        let id = delegate["id"].as_str().unwrap();
        self.app
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/delegates/{id}/cancellation"),
                Some(&self.member),
                None,
                &[],
            )
            .await
            .expect(200);
    }

    async fn refund(&self, registration: &str, amount: &str) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/registrations/{registration}/refunds"),
                Some(&self.staff),
                &json!({"amount": amount, "method": "bank_transfer", "reference": "BACS 0042"}),
            )
            .await
    }

    async fn registration(&self, id: &str) -> Value {
        self.app
            .get(&format!("/api/v1/registrations/{id}"), Some(&self.staff))
            .await
            .expect(200)
    }

    /// Two delegates paid for in full, one then cancelled: £90.00 in credit.
    async fn in_credit(&self) -> Value {
        let r = self
            .register(vec![
                delegate("Ada Lovelace", false),
                delegate("Robert Owen", false),
            ])
            .await;
        let id = r["id"].as_str().unwrap();
        self.pay(id, "180.00", "Cheque 100231").await;
        self.cancel(&r["delegates"][1]).await;
        let r = self.registration(id).await;
        assert_eq!(r["payment_status"], "refund_due");
        assert_eq!(r["balance"], "-90.00");
        r
    }
}

async fn refunds_only_return_a_credit(b: Backend) {
    let f = fixture(b).await;
    // Nothing paid: no refund is due.
    let unpaid = f.register(vec![delegate("Mary Barbour", false)]).await;
    let unpaid_id = unpaid["id"].as_str().unwrap();
    let p = f.refund(unpaid_id, "10.00").await.problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("not in credit"),
        "{p}"
    );

    let r = f.in_credit().await;
    let id = r["id"].as_str().unwrap();
    // More than the credit: refused on `amount`, naming the credit, and
    // nothing changes.
    let p = f
        .refund(id, "90.01")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "amount");
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("90.00 GBP"), "{message}");
    for bad in ["0", "-5.00", "ten", "1.234"] {
        let p = f.refund(id, bad).await.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "amount", "{bad}: {p}");
    }
    let p = f
        .app
        .post(
            &format!("/api/v1/registrations/{id}/refunds"),
            Some(&f.staff),
            &json!({"amount": "10.00", "method": "bank_transfer", "reference": "  "}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "reference");
    let after = f.registration(id).await;
    assert_eq!(after["amount_paid"], "180.00");
    assert_eq!(after["payment_status"], "refund_due");
    assert!(f.app.queued("refund_recorded").await.is_empty());

    // A partial refund leaves the rest due.
    let partial = f.refund(id, "40.00").await.expect(201);
    assert_eq!(partial["kind"], "refund");
    assert_eq!(partial["amount"], "40.00");
    assert_eq!(partial["method"], "bank_transfer");
    assert_eq!(partial["registration"]["amount_paid"], "140.00");
    assert_eq!(partial["registration"]["balance"], "-50.00");
    assert_eq!(partial["registration"]["payment_status"], "refund_due");
    let p = f
        .refund(id, "50.01")
        .await
        .problem(422, "validation_failed");
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("50.00 GBP"));

    // Overpaying is refused too unless staff mean it.
    let other = f.register(vec![delegate("Keir Hardie", false)]).await;
    let p = f
        .app
        .post(
            &format!(
                "/api/v1/registrations/{}/payments",
                other["id"].as_str().unwrap()
            ),
            Some(&f.staff),
            &json!({"amount": "90.01", "method": "cheque", "reference": "Cheque 9"}),
        )
        .await
        .problem(422, "validation_failed");
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("more than the balance due"));
}

async fn a_full_refund_brings_the_registration_to_paid(b: Backend) {
    let f = fixture(b).await;
    let r = f.in_credit().await;
    let id = r["id"].as_str().unwrap();
    let refund = f.refund(id, "90.00").await.expect(201);
    let after = &refund["registration"];
    assert_eq!(after["total"], "90.00");
    assert_eq!(after["amount_paid"], "90.00");
    assert_eq!(after["balance"], "0.00");
    assert_eq!(after["payment_status"], "paid");
    // Nothing more to refund.
    f.refund(id, "0.01").await.problem(409, "conflict");

    // Audited, and the organisation's contact gets a refund receipt.
    let audit = f
        .app
        .get("/api/v1/audit?action=refund_recorded", Some(&f.staff))
        .await
        .expect(200);
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subject_id"], refund["id"]);
    let emails = f.app.queued("refund_recorded").await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].recipient, "secretary@org.example");
    assert!(emails[0].subject.contains(r["reference"].as_str().unwrap()));
    assert!(emails[0].text.contains("£90.00 by bank transfer"));
    assert!(emails[0].text.contains("Nothing more is owed"));
    let pdf = emails[0].pdf.as_deref().expect("a refund receipt");
    let text = pdf_text(pdf);
    for expected in [
        "Refund receipt",
        r["reference"].as_str().unwrap(),
        "Amount refunded",
        "£90.00",
        "BACS 0042",
        "Sunday 1 May 2016",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

async fn refunds_are_staff_only_and_repeat_safe(b: Backend) {
    let f = fixture(b).await;
    let r = f.in_credit().await;
    let id = r["id"].as_str().unwrap();
    let path = format!("/api/v1/registrations/{id}/refunds");
    let body = json!({"amount": "30.00", "method": "cheque", "reference": "Cheque 7"});
    f.app
        .post(&path, Some(&f.member), &body)
        .await
        .problem(403, "forbidden");
    f.app
        .post(&path, None, &body)
        .await
        .problem(401, "unauthenticated");
    let unknown = uuid::Uuid::now_v7();
    f.app
        .post(
            &format!("/api/v1/registrations/{unknown}/refunds"),
            Some(&f.staff),
            &body,
        )
        .await
        .problem(404, "not_found");
    let key = [("Idempotency-Key", "refund-1")];
    let first = f
        .app
        .request(
            reqwest::Method::POST,
            &path,
            Some(&f.staff),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    let again = f
        .app
        .request(
            reqwest::Method::POST,
            &path,
            Some(&f.staff),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(again.status.as_u16(), 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(f.registration(id).await["amount_paid"], "150.00");
}

/// Parses a CSV body (after its byte order mark) into header and rows.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("BOM");
    let mut reader = csv::Reader::from_reader(body);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn payments_list_and_csv_reconcile(b: Backend) {
    let f = fixture(b).await;
    let credit = f.in_credit().await;
    let credit_id = credit["id"].as_str().unwrap();
    f.app.clock.advance(chrono::Duration::days(1));
    f.refund(credit_id, "90.00").await.expect(201);
    let second = f.register(vec![delegate("Keir Hardie", true)]).await;
    let second_id = second["id"].as_str().unwrap();
    f.app
        .post(
            &format!("/api/v1/registrations/{second_id}/payments"),
            Some(&f.staff),
            &json!({"amount": "100.00", "method": "bank_transfer", "reference": "=HYPERLINK(\"x\")"}),
        )
        .await
        .expect(201);
    // Another conference's money is not listed.
    let elsewhere = f
        .app
        .conference(
            &f.staff,
            json!({"slug": "elsewhere-2016", "name": "Elsewhere"}),
        )
        .await;
    let path = format!("/api/v1/conferences/{}/payments", f.conference);

    let list = f.app.get(&path, Some(&f.staff)).await.expect(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert_eq!(
        items.iter().map(|i| i["kind"].clone()).collect::<Vec<_>>(),
        vec![json!("payment"), json!("refund"), json!("payment")],
        "oldest first"
    );
    assert_eq!(items[0]["amount"], "180.00");
    assert_eq!(items[0]["date"], "2016-05-01");
    assert_eq!(items[0]["booking_reference"], credit["reference"]);
    assert_eq!(items[0]["organisation"], "Cardiff");
    assert_eq!(items[0]["organisation_id"], json!(f.org));
    assert_eq!(items[0]["recorded_by_name"], "Test User");
    assert_eq!(items[1]["amount"], "-90.00");
    assert_eq!(items[1]["date"], "2016-05-02");
    assert_eq!(items[1]["method"], "bank_transfer");
    assert_eq!(list["totals"]["payments"], "280.00");
    assert_eq!(list["totals"]["refunds"], "90.00");
    assert_eq!(list["totals"]["net"], "190.00");
    let mut amount_paid = Decimal::ZERO;
    for id in [credit_id, second_id] {
        let r = f.registration(id).await;
        amount_paid += r["amount_paid"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap();
    }
    assert_eq!(
        amount_paid.to_string(),
        "190.00",
        "net = sum of amount_paid"
    );

    // Paging: oldest first, a cursor after the last item.
    let page = f
        .app
        .get(&format!("{path}?limit=2"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = f
        .app
        .get(&format!("{path}?limit=2&cursor={cursor}"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(rest["items"][0]["id"], items[2]["id"]);
    assert_eq!(rest["next_cursor"], Value::Null);

    // Filters: by day in the conference's zone, by method.
    let day = f
        .app
        .get(
            &format!("{path}?from=2016-05-02&to=2016-05-02"),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(day["items"].as_array().unwrap().len(), 2);
    assert_eq!(day["totals"]["net"], "10.00");
    let cheques = f
        .app
        .get(&format!("{path}?method=cheque"), Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(cheques["items"].as_array().unwrap().len(), 1);
    for bad in [
        "from=1%20May",
        "method=cash",
        "from=2016-05-03&to=2016-05-02",
        "limit=0",
    ] {
        f.app
            .get(&format!("{path}?{bad}"), Some(&f.staff))
            .await
            .problem(422, "validation_failed");
    }
    let other = f
        .app
        .get(
            &format!(
                "/api/v1/conferences/{}/payments",
                elsewhere["id"].as_str().unwrap()
            ),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert!(other["items"].as_array().unwrap().is_empty());

    // The CSV: the same rows, amounts signed and left as numbers, text
    // cells neutralised, summing to the net received.
    let res = f
        .app
        .client
        .get(format!("{}{path}.csv", f.app.base))
        .bearer_auth(&f.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.ends_with("-payments-2016-05-02.csv\""),
        "{disposition}"
    );
    let (header, rows) = parse_csv(&res.bytes().await.unwrap());
    assert_eq!(
        header,
        [
            "date",
            "recorded_at",
            "booking_reference",
            "organisation",
            "kind",
            "method",
            "reference",
            "amount",
            "currency",
            "recorded_by",
            "payment_id",
            "registration_id"
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][0], "2016-05-02");
    assert_eq!(rows[1][4], "refund");
    assert_eq!(rows[1][7], "-90.00");
    assert_eq!(rows[2][6], "'=HYPERLINK(\"x\")");
    assert_eq!(rows[0][1], "2016-05-01T12:00:00+01:00");
    let net: Decimal = rows.iter().map(|r| r[7].parse::<Decimal>().unwrap()).sum();
    assert_eq!(net.to_string(), "190.00");

    // Staff only; an organisation user is refused.
    f.app
        .get(&path, Some(&f.member))
        .await
        .problem(403, "forbidden");
    let unknown = uuid::Uuid::now_v7();
    f.app
        .get(
            &format!("/api/v1/conferences/{unknown}/payments"),
            Some(&f.staff),
        )
        .await
        .problem(404, "not_found");
}
