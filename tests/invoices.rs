//! Invoices and credit notes: issued with an invoice-paid registration,
//! numbered without gaps under concurrency, credited after a cancellation,
//! downloaded as PDF by the organisation and staff, emailed with the PDF;
//! receipts attached to payment emails. PDF text is read with `pdftotext`
//! (poppler-utils).

mod common;

use common::{london, pdf_text, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    an_invoice_registration_gets_its_invoice,
    a_cancellation_issues_a_credit_note,
    staff_issue_an_invoice_on_request,
    concurrent_invoices_are_numbered_without_gaps,
    the_due_date_is_before_the_conference,
    a_payment_email_carries_a_receipt,
    organisations_keep_a_billing_address,
);

/// A GET answered with bytes: status, content type and body.
async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{}", app.base, path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.bytes().await.unwrap().to_vec())
}

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
    app.patch(
        &format!("/api/v1/organisations/{org}"),
        Some(&staff),
        &json!({"billing_address": "The Treasurer\n12 Bute Street\nCardiff CF10 5AA"}),
    )
    .await
    .expect(200);
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
    async fn cancel(&self, delegate: &str) {
        self.app
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/delegates/{delegate}/cancellation"),
                Some(&self.member),
                None,
                &[],
            )
            .await
            .expect(200);
    }

    async fn register(&self, token: &str, method: &str, delegates: Vec<Value>) -> Value {
        let mut body = json!({"payment_method": method, "delegates": delegates});
        if token == self.staff {
            body["organisation_id"] = json!(self.org);
        }
        self.app
            .post(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(token),
                &body,
            )
            .await
            .expect(201)
    }

    async fn invoices(&self, registration: &str, token: &str) -> Vec<Value> {
        self.app
            .get(
                &format!("/api/v1/registrations/{registration}/invoices"),
                Some(token),
            )
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn pdf(&self, invoice: &str, token: &str) -> String {
        let (status, content_type, body) =
            download(&self.app, &format!("/api/v1/invoices/{invoice}.pdf"), token).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/pdf");
        pdf_text(&body)
    }
}

async fn an_invoice_registration_gets_its_invoice(b: Backend) {
    let f = fixture(b).await;
    let r = f
        .register(
            &f.member,
            "invoice",
            vec![
                delegate("Ada Lovelace", true),
                delegate("Robert Owen", false),
            ],
        )
        .await;
    let id = r["id"].as_str().unwrap();
    let reference = r["reference"].as_str().unwrap();
    let items = f.invoices(id, &f.member).await;
    assert_eq!(items.len(), 1);
    let invoice = &items[0];
    assert_eq!(invoice["kind"], "invoice");
    assert_eq!(invoice["number"], 1);
    assert_eq!(invoice["label"], "INV-0001");
    assert_eq!(invoice["total"], "225.00");
    assert_eq!(invoice["issued_on"], "2016-05-01");
    assert_eq!(invoice["due_on"], "2016-05-31");
    let invoice_id = invoice["id"].as_str().unwrap();

    let text = f.pdf(invoice_id, &f.member).await;
    for expected in [
        "Invoice",
        "INV-0001",
        reference,
        "The Co-operative Party",
        "Cardiff",
        "12 Bute Street",
        "Co-operative Party Annual Conference 2016",
        "Ada Lovelace: delegate pass",
        "Ada Lovelace: conference dinner",
        "Robert Owen: delegate pass",
        "Early bird",
        "£90.00",
        "£45.00",
        "£225.00",
        "£0.00",
        "Sunday 1 May 2016",
        "Tuesday 31 May 2016",
        "Sort code",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert_eq!(f.pdf(invoice_id, &f.staff).await, text);

    // Another organisation sees neither the list nor the file.
    let other = f.app.organisation(&f.staff, "Swansea", "Wales").await;
    let stranger = f.app.org_user(&other).await;
    f.app
        .get(
            &format!("/api/v1/registrations/{id}/invoices"),
            Some(&stranger),
        )
        .await
        .problem(404, "not_found");
    let (status, _, _) = download(
        &f.app,
        &format!("/api/v1/invoices/{invoice_id}.pdf"),
        &stranger,
    )
    .await;
    assert_eq!(status, 404);

    // The organisation's contact is emailed the PDF.
    let emails = f.app.queued("invoice").await;
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0].subject.contains("INV-0001"),
        "{}",
        emails[0].subject
    );
    assert!(emails[0].text.contains("Tuesday 31 May 2016"));
    let attached = pdf_text(emails[0].pdf.as_deref().expect("the PDF is attached"));
    assert_eq!(attached, text);
}

async fn a_cancellation_issues_a_credit_note(b: Backend) {
    let f = fixture(b).await;
    let r = f
        .register(
            &f.member,
            "invoice",
            vec![
                delegate("Ada Lovelace", true),
                delegate("Robert Owen", false),
            ],
        )
        .await;
    let id = r["id"].as_str().unwrap();
    let ada = r["delegates"][0]["id"].as_str().unwrap();
    f.cancel(ada).await;
    let items = f.invoices(id, &f.member).await;
    assert_eq!(items.len(), 2);
    let (note, invoice) = (&items[0], &items[1]);
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["label"], "CN-0001");
    assert_eq!(note["total"], "135.00");
    assert_eq!(note["credits_invoice_id"], invoice["id"]);
    assert_eq!(note["due_on"], Value::Null);
    // The invoice is unchanged.
    assert_eq!(invoice["total"], "225.00");
    let text = f.pdf(note["id"].as_str().unwrap(), &f.member).await;
    for expected in [
        "Credit note",
        "CN-0001",
        "INV-0001",
        r["reference"].as_str().unwrap(),
        "Cancelled: Ada Lovelace: delegate pass",
        "Cancelled: Ada Lovelace: conference dinner",
        "£135.00",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let emails = f.app.queued("invoice").await;
    assert_eq!(emails.len(), 2);
    assert!(emails[1].subject.contains("Credit note CN-0001"));

    // A registration that was never invoiced gets no credit note.
    let cheque = f
        .register(&f.member, "cheque", vec![delegate("Mary Barbour", false)])
        .await;
    let mary = cheque["delegates"][0]["id"].as_str().unwrap();
    f.cancel(mary).await;
    assert!(f
        .invoices(cheque["id"].as_str().unwrap(), &f.staff)
        .await
        .is_empty());
}

async fn staff_issue_an_invoice_on_request(b: Backend) {
    let f = fixture(b).await;
    let r = f
        .register(&f.member, "cheque", vec![delegate("Ada Lovelace", false)])
        .await;
    let id = r["id"].as_str().unwrap();
    assert!(f.invoices(id, &f.member).await.is_empty());
    let path = format!("/api/v1/registrations/{id}/invoices");
    f.app
        .post(&path, Some(&f.member), &json!({}))
        .await
        .problem(403, "forbidden");
    let issued = f
        .app
        .post(&path, Some(&f.staff), &json!({}))
        .await
        .expect(201);
    assert_eq!(issued["label"], "INV-0001");
    assert_eq!(issued["total"], "90.00");
    f.app
        .post(&path, Some(&f.staff), &json!({}))
        .await
        .problem(409, "conflict");
    let audit = f
        .app
        .get("/api/v1/audit?action=invoice_issued", Some(&f.staff))
        .await
        .expect(200);
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
    let unknown = uuid::Uuid::now_v7();
    f.app
        .post(
            &format!("/api/v1/registrations/{unknown}/invoices"),
            Some(&f.staff),
            &json!({}),
        )
        .await
        .problem(404, "not_found");
}

async fn concurrent_invoices_are_numbered_without_gaps(b: Backend) {
    let f = fixture(b).await;
    let path = format!("/api/v1/conferences/{}/registrations", f.conference);
    let requests = (0..40).map(|i| {
        let body = json!({
            "organisation_id": f.org,
            "payment_method": "invoice",
            "delegates": [delegate(&format!("Delegate {i}"), i % 2 == 0)],
        });
        let (app, path, staff) = (&f.app, &path, &f.staff);
        async move { app.post(path, Some(staff), &body).await.expect(201) }
    });
    let registrations = futures_util::future::join_all(requests).await;
    let mut numbers = Vec::new();
    for r in &registrations {
        let items = f.invoices(r["id"].as_str().unwrap(), &f.staff).await;
        assert_eq!(items.len(), 1);
        numbers.push(items[0]["number"].as_i64().unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<i64>>());
}

async fn the_due_date_is_before_the_conference(b: Backend) {
    let f = fixture(b).await;
    f.app.clock.set(london(2016, 8, 20, 10, 0, 0));
    let r = f
        .register(&f.member, "invoice", vec![delegate("Ada Lovelace", false)])
        .await;
    let items = f.invoices(r["id"].as_str().unwrap(), &f.member).await;
    assert_eq!(items[0]["issued_on"], "2016-08-20");
    assert_eq!(items[0]["due_on"], "2016-09-08");
    let text = f.pdf(items[0]["id"].as_str().unwrap(), &f.member).await;
    assert!(text.contains("Thursday 8 September 2016"), "{text}");
    assert!(text.contains("Standard"), "{text}");
    assert!(text.contains("£110.00"), "{text}");
}

async fn a_payment_email_carries_a_receipt(b: Backend) {
    let f = fixture(b).await;
    let r = f
        .register(&f.member, "cheque", vec![delegate("Ada Lovelace", true)])
        .await;
    f.app
        .post(
            &format!(
                "/api/v1/registrations/{}/payments",
                r["id"].as_str().unwrap()
            ),
            Some(&f.staff),
            &json!({"amount": "100.00", "method": "cheque", "reference": "CHQ 000123"}),
        )
        .await
        .expect(201);
    let emails = f.app.queued("payment_received").await;
    assert_eq!(emails.len(), 1);
    let text = pdf_text(emails[0].pdf.as_deref().expect("a receipt is attached"));
    for expected in [
        "Receipt",
        r["reference"].as_str().unwrap(),
        "CHQ 000123",
        "£100.00",
        "£135.00",
        "£35.00",
        "Sunday 1 May 2016",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

async fn organisations_keep_a_billing_address(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let created = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({
                "name": "Bristol", "kind": "local_party", "region": "South West",
                "contact_email": "sec@bristol.example",
                "billing_address": "1 Corn Street\nBristol BS1 1JQ"
            }),
        )
        .await
        .expect(201);
    assert_eq!(created["billing_address"], "1 Corn Street\nBristol BS1 1JQ");
    let id = created["id"].as_str().unwrap();
    let cleared = app
        .patch(
            &format!("/api/v1/organisations/{id}"),
            Some(&staff),
            &json!({"billing_address": "  "}),
        )
        .await
        .expect(200);
    assert_eq!(cleared["billing_address"], Value::Null);
    let bad = app
        .patch(
            &format!("/api/v1/organisations/{id}"),
            Some(&staff),
            &json!({"billing_address": "x".repeat(501)}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "billing_address");
}
