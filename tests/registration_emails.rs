//! Registration changes queue their emails in the same transaction, and the
//! sender delivers them over real SMTP (or as .eml files by default).

mod common;

use common::smtp::SmtpServer;
use common::{Backend, TestApp};
use mail_parser::MimeHeaders;
use serde_json::json;

backend_tests!(
    registration_emails_arrive_over_smtp,
    refused_registrations_queue_nothing,
    default_configuration_writes_eml_files,
);

async fn registration_emails_arrive_over_smtp(b: Backend) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(b, move |s| {
        s.smtp_url = Some(url);
        s.mail_from = "conference@party.example".into();
    })
    .await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff West", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, json!({})).await;
    let r = app
        .post(
            &format!("/api/v1/conferences/{}/registrations", c["id"].as_str().unwrap()),
            Some(&member),
            &json!({"payment_method": "cheque", "delegates": [
                {"name": "Ada Lovelace", "email": "ada@delegates.example", "dinner": true, "dietary_requirements": "vegetarian"},
                {"name": "Robert Owen", "email": "robert@delegates.example", "dinner": false}
            ]}),
        )
        .await
        .expect(201);
    let reference = r["reference"].as_str().unwrap();

    let received = smtp.wait_for(3).await;
    let to = |addr: &str| {
        received
            .iter()
            .find(|m| m.recipients == [addr.to_owned()])
            .unwrap_or_else(|| panic!("nothing sent to {addr}"))
    };
    let ada = to("ada@delegates.example").parse();
    assert!(ada.subject().unwrap().contains("Annual Conference 2016"));
    let text = ada.body_text(0).unwrap();
    assert!(text.contains("Radisson Blu Hotel Cardiff"), "{text}");
    assert!(text.contains(reference), "{text}");
    assert!(text.contains("vegetarian"), "{text}");
    assert!(
        ada.attachments()
            .any(|a| a.attachment_name().is_some_and(|n| n.ends_with(".ics"))),
        "the confirmation carries a calendar entry"
    );
    to("robert@delegates.example");
    let summary = to("secretary@org.example").parse();
    let text = summary.body_text(0).unwrap();
    assert!(
        text.contains("Ada Lovelace") && text.contains("Robert Owen"),
        "{text}"
    );
    assert!(text.contains("£225.00"), "{text}");
    assert!(
        text.contains("The Co-operative Party"),
        "cheque payee: {text}"
    );

    // A payment sends a receipt to the organisation.
    app.post(
        &format!(
            "/api/v1/registrations/{}/payments",
            r["id"].as_str().unwrap()
        ),
        Some(&staff),
        &json!({"amount": "225.00", "method": "cheque", "reference": "000123"}),
    )
    .await
    .expect(201);
    let received = smtp.wait_for(4).await;
    assert_eq!(received[3].recipients, ["secretary@org.example"]);

    // The outbox shows them all sent, once each. The server has the
    // message before the sender records the outcome (outcomes are recorded
    // in batches), so give the record a moment.
    let mut items = Vec::new();
    for _ in 0..100 {
        let outbox = app.get("/api/v1/outbox", Some(&staff)).await.expect(200);
        items = outbox["items"].as_array().unwrap().clone();
        if items.iter().all(|e| e["status"] == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .all(|e| e["status"] == "sent" && e["attempts"] == 1),
        "{items:#?}"
    );
}

async fn refused_registrations_queue_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff West", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, json!({"capacity": 1})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        c["id"].as_str().unwrap()
    );
    app.post(
        &path,
        Some(&member),
        &json!({"payment_method": "online", "delegates": [
            {"name": "One", "email": "one@delegates.example"},
            {"name": "Two", "email": "two@delegates.example"}
        ]}),
    )
    .await
    .problem(409, "capacity_reached");
    let outbox = app.get("/api/v1/outbox", Some(&staff)).await.expect(200);
    assert_eq!(outbox["items"].as_array().unwrap().len(), 0);
}

async fn default_configuration_writes_eml_files(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff West", "Wales").await;
    let c = app.conference(&staff, json!({})).await;
    app.post(
        &format!(
            "/api/v1/conferences/{}/registrations",
            c["id"].as_str().unwrap()
        ),
        Some(&staff),
        &json!({"organisation_id": org, "payment_method": "invoice",
                "delegates": [{"name": "Ada Lovelace", "email": "ada@delegates.example"}]}),
    )
    .await
    .expect(201);
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(&app.mail_dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        if files.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        files.len(),
        3,
        "confirmation, summary and invoice: {files:?}"
    );
    let mut pdfs = Vec::new();
    for f in files {
        let raw = std::fs::read(&f).unwrap();
        let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert!(m.subject().unwrap().contains("Annual Conference 2016"));
        pdfs.extend(
            m.attachments()
                .filter(|a| a.content_type().is_some_and(|t| t.subtype() == Some("pdf")))
                .map(|a| {
                    (
                        a.attachment_name().unwrap().to_owned(),
                        a.contents().to_vec(),
                    )
                }),
        );
    }
    // The invoice carries its PDF, whole.
    assert_eq!(pdfs.len(), 1);
    assert_eq!(pdfs[0].0, "INV-0001.pdf");
    assert!(pdfs[0].1.starts_with(b"%PDF-"));
    assert!(pdfs[0].1.windows(5).any(|w| w == b"%%EOF"));
}
