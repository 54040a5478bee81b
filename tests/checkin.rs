//! The credentials desk: badges as PDF (text read with `pdftotext`, page 1
//! rendered with `pdftoppm` and its QR codes decoded), check-ins by code
//! and by reference and name, refusals, a race of check-ins, the
//! attendance CSV, and the console's check-in page.

mod common;

use std::process::Command;

use common::visitor::{Page, Visitor};
use common::{pdf_text, Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    badges_name_every_active_delegate_and_their_codes_check_them_in,
    forged_and_garbled_codes_are_refused,
    cancelled_and_substituted_out_people_are_refused,
    delegates_check_in_by_reference_and_name,
    concurrent_check_ins_of_one_delegate_record_one_arrival,
    the_attendance_list_shows_who_has_arrived,
    the_check_in_page_checks_delegates_in,
    instances_agree_on_the_secret_and_a_configured_one_is_used,
);

/// The QR codes on the first page, rendered at 300 dpi (about six pixels
/// a module, as a phone camera sees a printed badge), made black and white,
/// and decoded.
fn page_one_codes(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("badges.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "300", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm runs (poppler-utils)");
    assert!(out.status.success(), "pdftoppm failed");
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    let mut image = image::load_from_memory(&png).unwrap().to_luma8();
    for p in image.pixels_mut() {
        p.0[0] = if p.0[0] < 128 { 0 } else { 255 };
    }
    let mut prepared = rqrr::PreparedImage::prepare(image);
    prepared
        .detect_grids()
        .into_iter()
        .map(|grid| grid.decode().expect("a badge's QR code decodes").1)
        .collect()
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

struct Desk {
    app: TestApp,
    staff: String,
    org: String,
    member: String,
    conference: String,
}

async fn desk(b: Backend) -> Desk {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, json!({})).await;
    Desk {
        conference: c["id"].as_str().unwrap().to_owned(),
        app,
        staff,
        org,
        member,
    }
}

impl Desk {
    async fn register(&self, org_token: &str, delegates: Vec<Value>) -> Value {
        self.app
            .post(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(org_token),
                &json!({"payment_method": "online", "delegates": delegates}),
            )
            .await
            .expect(201)
    }

    async fn download(&self, tail: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self
            .app
            .client
            .get(format!(
                "{}/api/v1/conferences/{}{tail}",
                self.app.base, self.conference
            ))
            .bearer_auth(&self.staff)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    async fn badges(&self, query: &str) -> Vec<u8> {
        let (status, headers, body) = self.download(&format!("/badges.pdf{query}")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("-badges-"));
        body
    }

    async fn check_in(&self, body: Value) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/conferences/{}/check-ins", self.conference),
                Some(&self.staff),
                &body,
            )
            .await
    }

    async fn cancel(&self, delegate: &str) {
        self.app
            .post(
                &format!("/api/v1/delegates/{delegate}/cancellation"),
                Some(&self.member),
                &json!({}),
            )
            .await
            .expect(200);
    }
}

async fn badges_name_every_active_delegate_and_their_codes_check_them_in(b: Backend) {
    let d = desk(b).await;
    let names = [
        "Ada Lovelace",
        "Robert Owen",
        "Mary Somerville",
        "Keir Hardie",
        "Ellen Wilkinson",
    ];
    let r = d
        .register(
            &d.member,
            names
                .iter()
                .enumerate()
                .map(|(i, n)| delegate(n, i % 2 == 0))
                .collect(),
        )
        .await;
    let other = d.app.organisation(&d.staff, "Swansea", "Wales").await;
    let other_member = d.app.org_user(&other).await;
    d.register(&other_member, vec![delegate("Aneurin Bevan", false)])
        .await;
    d.cancel(r["delegates"][4]["id"].as_str().unwrap()).await;
    // The dinner is a programme item: its time and place go on the badges.
    d.app
        .post(
            &format!("/api/v1/conferences/{}/programme", d.conference),
            Some(&d.staff),
            &json!({"title": "Conference Dinner", "starts_at": "2016-09-10T19:30",
                    "ends_at": "2016-09-10T23:00", "place": "City Hall", "ticketed": true}),
        )
        .await
        .expect(201);

    let pdf = d.badges("").await;
    let text = pdf_text(&pdf);
    assert_eq!(
        text.matches("Sat 10 Sep, 19:30, City Hall").count(),
        2,
        "each dinner badge says when and where:\n{text}"
    );
    for name in &names[..4] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(text.contains("Aneurin Bevan"));
    assert!(
        !text.contains("Ellen Wilkinson"),
        "a cancelled place has no badge"
    );
    assert!(text.contains("Delegate") && text.contains("Dinner"));
    assert!(text.contains("Cardiff") && text.contains("Swansea"));

    // The export filters apply.
    let only_cardiff = pdf_text(&d.badges(&format!("?organisation_id={}", d.org)).await);
    assert!(only_cardiff.contains("Ada Lovelace") && !only_cardiff.contains("Aneurin Bevan"));
    let diners = pdf_text(&d.badges("?dinner=true").await);
    assert!(diners.contains("Ada Lovelace") && !diners.contains("Robert Owen"));
    let (status, _, _) = d.download("/badges.pdf?region=Atlantis").await;
    assert_eq!(status, 422);

    // Page 1's QR codes: one per badge, none of them an id or an email.
    let codes = page_one_codes(&pdf);
    assert_eq!(codes.len(), 5, "{codes:?}");
    let ids: Vec<&str> = r["delegates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let mut arrived = Vec::new();
    for code in &codes {
        assert!(!ids.iter().any(|id| code.contains(id)) && !code.contains('@'));
        let first = d.check_in(json!({"code": code})).await.expect(201);
        assert_eq!(first["pass_kind"], "Delegate");
        let again = d.check_in(json!({"code": code})).await.expect(200);
        assert_eq!(again["checked_in_at"], first["checked_in_at"]);
        arrived.push(first["name"].as_str().unwrap().to_owned());
    }
    arrived.sort();
    let mut expected: Vec<String> = names[..4].iter().map(|s| s.to_string()).collect();
    expected.push("Aneurin Bevan".into());
    expected.sort();
    assert_eq!(arrived, expected);

    // Each arrival is audited.
    let audit = d
        .app
        .get(
            "/api/v1/audit?action=delegate_checked_in&limit=50",
            Some(&d.staff),
        )
        .await
        .expect(200);
    assert_eq!(audit["items"].as_array().unwrap().len(), 5);

    // Organisations may not print badges.
    d.app
        .get(
            &format!("/api/v1/conferences/{}/badges.pdf", d.conference),
            Some(&d.member),
        )
        .await
        .problem(403, "forbidden");
}

async fn forged_and_garbled_codes_are_refused(b: Backend) {
    let d = desk(b).await;
    d.register(&d.member, vec![delegate("Ada Lovelace", false)])
        .await;
    let code = page_one_codes(&d.badges("").await).remove(0);
    let mut altered: Vec<char> = code.chars().collect();
    altered[3] = if altered[3] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    for forged in [
        altered.as_str(),
        "ABCDEFGH",
        "not a code at all",
        &"A".repeat(58),
    ] {
        let problem = d
            .check_in(json!({"code": forged}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "code", "{problem}");
    }
    // The real one, typed in lower case with spaces, still works.
    let typed = format!("{} {}", &code[..29].to_lowercase(), &code[29..]);
    d.check_in(json!({"code": typed})).await.expect(201);

    // A badge of another conference is not one of this conference's.
    let next = d
        .app
        .conference(
            &d.staff,
            json!({"slug": "annual-2017", "name": "Annual Conference 2017"}),
        )
        .await;
    let problem = d
        .app
        .post(
            &format!(
                "/api/v1/conferences/{}/check-ins",
                next["id"].as_str().unwrap()
            ),
            Some(&d.staff),
            &json!({"code": code}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "code");

    // Neither, or both, is refused.
    d.check_in(json!({}))
        .await
        .problem(422, "validation_failed");
    d.check_in(json!({"code": code, "reference": "PL-X", "name": "Ada"}))
        .await
        .problem(422, "validation_failed");
}

async fn cancelled_and_substituted_out_people_are_refused(b: Backend) {
    let d = desk(b).await;
    let r = d
        .register(
            &d.member,
            vec![
                delegate("Ada Lovelace", false),
                delegate("Robert Owen", true),
            ],
        )
        .await;
    let reference = r["reference"].as_str().unwrap();
    let codes = page_one_codes(&d.badges("").await);
    assert_eq!(codes.len(), 2);

    d.cancel(r["delegates"][0]["id"].as_str().unwrap()).await;
    let refused = d
        .check_in(json!({"reference": reference, "name": "ada lovelace"}))
        .await
        .problem(409, "conflict");
    assert!(
        refused["detail"].as_str().unwrap().contains("cancelled"),
        "{refused}"
    );

    // Robert's place passes to someone else: his badge is refused, the
    // newcomer's badge checks in.
    d.app
        .post(
            &format!(
                "/api/v1/delegates/{}/substitution",
                r["delegates"][1]["id"].as_str().unwrap()
            ),
            Some(&d.member),
            &json!({"name": "Mary Somerville", "email": "mary@delegates.example"}),
        )
        .await
        .expect(200);
    let mut refusals = Vec::new();
    for code in &codes {
        refusals.push(
            d.check_in(json!({"code": code}))
                .await
                .problem(409, "conflict")["detail"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert!(
        refusals.iter().any(|r| r.contains("cancelled")),
        "{refusals:?}"
    );
    assert!(
        refusals.iter().any(|r| r.contains("replaced")),
        "{refusals:?}"
    );
    let fresh = page_one_codes(&d.badges("").await);
    assert_eq!(fresh.len(), 1);
    let mary = d.check_in(json!({"code": fresh[0]})).await.expect(201);
    assert_eq!(mary["name"], "Mary Somerville");
}

async fn delegates_check_in_by_reference_and_name(b: Backend) {
    let d = desk(b).await;
    let r = d
        .register(&d.member, vec![delegate("Zoë Ward", true)])
        .await;
    let reference = r["reference"].as_str().unwrap();
    let first = d
        .check_in(json!({"reference": reference.to_lowercase(), "name": "  zoë   WARD "}))
        .await
        .expect(201);
    assert_eq!(first["name"], "Zoë Ward");
    assert_eq!(first["organisation"], "Cardiff");
    assert_eq!(first["dinner"], true);
    assert_eq!(first["delegate_id"], r["delegates"][0]["id"]);
    d.app.clock.advance(chrono::Duration::minutes(30));
    let again = d
        .check_in(json!({"reference": reference, "name": "Zoë Ward"}))
        .await
        .expect(200);
    assert_eq!(again["checked_in_at"], first["checked_in_at"]);

    let unknown = d
        .check_in(json!({"reference": "PL-0000-0000", "name": "Zoë Ward"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(unknown["errors"][0]["field"], "reference");
    let nobody = d
        .check_in(json!({"reference": reference, "name": "Somebody Else"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(nobody["errors"][0]["field"], "name");
    d.app
        .post(
            &format!("/api/v1/conferences/{}/check-ins", uuid::Uuid::new_v4()),
            Some(&d.staff),
            &json!({"reference": reference, "name": "Zoë Ward"}),
        )
        .await
        .problem(404, "not_found");
}

async fn concurrent_check_ins_of_one_delegate_record_one_arrival(b: Backend) {
    let d = desk(b).await;
    let r = d
        .register(&d.member, vec![delegate("Ada Lovelace", false)])
        .await;
    let body = json!({"reference": r["reference"], "name": "Ada Lovelace"});
    let path = format!("/api/v1/conferences/{}/check-ins", d.conference);
    let answers =
        futures_util::future::join_all((0..20).map(|_| d.app.post(&path, Some(&d.staff), &body)))
            .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        19,
        "{statuses:?}"
    );
    let times: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|a| a.body["checked_in_at"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 1);
}

async fn the_attendance_list_shows_who_has_arrived(b: Backend) {
    let d = desk(b).await;
    let r = d
        .register(
            &d.member,
            vec![
                delegate("Ada Lovelace", true),
                delegate("Robert Owen", false),
                delegate("Ellen Wilkinson", false),
                json!({"name": "=Eve", "email": "eve@delegates.example"}),
            ],
        )
        .await;
    d.cancel(r["delegates"][2]["id"].as_str().unwrap()).await;
    d.app.clock.set(common::london(2016, 9, 9, 8, 45, 0));
    d.check_in(json!({"reference": r["reference"], "name": "Robert Owen"}))
        .await
        .expect(201);
    let (status, headers, body) = d.download("/attendance.csv").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("-attendance-2016-09-09.csv"));
    let text = String::from_utf8(body).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "name",
            "organisation",
            "pass",
            "dinner",
            "reference",
            "checked_in_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "the cancelled place is not listed");
    assert_eq!(&rows[0][0], "'=Eve", "a formula is neutralised");
    assert_eq!(&rows[1][0], "Ada Lovelace");
    assert_eq!(&rows[1][2], "Delegate");
    assert_eq!(&rows[1][3], "true");
    assert_eq!(&rows[1][5], "");
    assert_eq!(&rows[2][0], "Robert Owen");
    assert_eq!(&rows[2][1], "Cardiff");
    assert_eq!(&rows[2][4], r["reference"].as_str().unwrap());
    assert_eq!(&rows[2][5], "2016-09-09T08:45:00+01:00");

    // The dashboard counts the arrivals among the active delegates.
    let dashboard = d
        .app
        .get(
            &format!("/api/v1/conferences/{}/dashboard", d.conference),
            Some(&d.staff),
        )
        .await
        .expect(200);
    assert_eq!(dashboard["arrived"], 1);
    assert_eq!(dashboard["places_taken"], 3);

    d.app
        .get(
            &format!("/api/v1/conferences/{}/attendance.csv", d.conference),
            Some(&d.member),
        )
        .await
        .problem(403, "forbidden");
}

/// The text of the answer panel.
fn answer(page: &Page) -> &str {
    let start = page
        .text
        .find("id=\"answer\"")
        .unwrap_or_else(|| panic!("no answer in {}", page.text));
    &page.text[start..start + page.text[start..].find("</div>").unwrap()]
}

async fn the_check_in_page_checks_delegates_in(b: Backend) {
    let d = desk(b).await;
    let r = d
        .register(
            &d.member,
            vec![
                delegate("Ada Lovelace", true),
                delegate("Robert Owen", false),
            ],
        )
        .await;
    let code = page_one_codes(&d.badges("?dinner=true").await).remove(0);
    let path = format!("/staff/conferences/{}/check-in", d.conference);

    // Staff only: an organisation's user is refused, a visitor sent to sign in.
    d.app
        .create_user("member@cardiff.example", "organisation", Some(&d.org))
        .await;
    let mut member = Visitor::new(&d.app);
    member.sign_in("member@cardiff.example", PASSWORD).await;
    assert_eq!(member.get(&path).await.status, 403);
    let stranger = Visitor::new(&d.app);
    assert_eq!(stranger.get(&path).await.status, 303);

    d.app.create_user("desk@party.example", "staff", None).await;
    let mut desk = Visitor::new(&d.app);
    desk.sign_in("desk@party.example", PASSWORD).await;
    let empty = desk.get(&path).await;
    assert_eq!(empty.status, 200);
    assert!(empty.text.contains("Badge code") && empty.text.contains("Booking reference"));
    let csrf = empty.hidden("csrf_token");

    let arrived = desk
        .post(&path, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    assert_eq!(arrived.status, 200, "{}", arrived.text);
    assert!(answer(&arrived).contains("Arrived"));
    assert!(answer(&arrived).contains("Ada Lovelace"));
    assert!(answer(&arrived).contains("Dinner"));

    let again = desk
        .post(&path, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    assert!(answer(&again).contains("Already arrived"), "{}", again.text);
    assert!(
        answer(&again).contains("1 May 2016 at 12:00pm"),
        "{}",
        answer(&again)
    );

    // By booking reference and name; a cancelled place is refused.
    let reference = r["reference"].as_str().unwrap();
    d.cancel(r["delegates"][1]["id"].as_str().unwrap()).await;
    let refused = desk
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("reference", reference),
                ("name", "Robert Owen"),
            ],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(answer(&refused).contains("Do not admit"));
    assert!(answer(&refused).contains("cancelled"));

    // A forged code is shown beside its field, with the summary.
    let forged = desk
        .post(&path, &[("csrf_token", &csrf), ("code", "NOTABADGE")])
        .await;
    assert_eq!(forged.status, 422);
    assert!(forged.text.contains("error-summary"));
    assert!(forged.text.contains("id=\"code-error\""));

    // Without the CSRF token nothing happens.
    let no_token = desk.post(&path, &[("code", &code)]).await;
    assert_eq!(no_token.status, 403);

    // The dashboard counts the arrival; the downloads page links the badges.
    let dashboard = desk
        .get(&format!("/staff/conferences/{}", d.conference))
        .await;
    assert!(dashboard.text.contains("Arrived"), "{}", dashboard.text);
    assert!(
        dashboard.text.contains(&format!("{path}\">1</a>")),
        "{}",
        dashboard.text
    );
    let downloads = desk
        .get(&format!("/staff/conferences/{}/downloads", d.conference))
        .await;
    let badges = format!("/staff/conferences/{}/badges.pdf", d.conference);
    assert!(downloads.text.contains(&badges));
    let pdf = desk.get(&badges).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
}

async fn instances_agree_on_the_secret_and_a_configured_one_is_used(b: Backend) {
    let d = desk(b.clone()).await;
    d.register(&d.member, vec![delegate("Ada Lovelace", false)])
        .await;
    let code = page_one_codes(&d.badges("").await).remove(0);
    // Another instance starting on the same database keeps the stored
    // secret rather than making its own.
    let mut settings = (*d.app.state.settings).clone();
    settings.checkin_secret = None;
    plenary::checkin::ops::ensure_secret(&d.app.state.pool, &settings, d.app.clock_now()).unwrap();
    assert_eq!(page_one_codes(&d.badges("").await), vec![code.clone()]);
    d.check_in(json!({"code": code})).await.expect(201);

    // With a configured secret, codes are made and read with it.
    let configured = TestApp::spawn_with(b, |s| {
        s.checkin_secret = Some("a-configured-check-in-secret-of-40-chars!".into())
    })
    .await;
    let staff = configured.staff().await;
    let org = configured.organisation(&staff, "Cardiff", "Wales").await;
    let member = configured.org_user(&org).await;
    let c = configured.conference(&staff, json!({})).await;
    let c = c["id"].as_str().unwrap();
    configured
        .post(
            &format!("/api/v1/conferences/{c}/registrations"),
            Some(&member),
            &json!({"payment_method": "online", "delegates": [delegate("Ada Lovelace", false)]}),
        )
        .await
        .expect(201);
    let pdf = configured
        .client
        .get(format!(
            "{}/api/v1/conferences/{c}/badges.pdf",
            configured.base
        ))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let other_code = page_one_codes(&pdf).remove(0);
    configured
        .post(
            &format!("/api/v1/conferences/{c}/check-ins"),
            Some(&staff),
            &json!({"code": other_code}),
        )
        .await
        .expect(201);
}
