//! Staff exports: delegate lists as CSV and XLSX with filters, formula
//! neutralising and file names; the conference summary.

mod common;

use std::collections::HashMap;

use calamine::{Data, Reader, Xlsx};
use common::{at, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    csv_lists_active_delegates_in_order,
    csv_filters_each_and_combined,
    bad_filters_are_refused,
    only_staff_may_export,
    xlsx_has_typed_cells_and_the_same_rows,
    file_names_use_the_conference_date,
    csv_pages_through_long_lists,
    summary_counts_delegates_and_money,
);

const EVIL: &str = "=HYPERLINK(\"http://evil\")";
const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn delegate(name: &str, email: &str, dinner: bool, dietary: &str, access: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "dinner": dinner,
        "dietary_requirements": dietary,
        "access_requirements": access,
    })
}

struct Fixture {
    app: TestApp,
    staff: String,
    conference: String,
    slug: String,
    bristol: String,
    cardiff: String,
    cardiff_member: String,
    references: HashMap<&'static str, String>,
}

/// Three organisations, three registrations:
/// - Bristol (South West): Bob Brown (dinner, "Vegetarian"), Carol Clark
///   (cancelled); fully paid, so a refund is due after the cancellation.
/// - Cardiff (Wales, a society): Zoe Adams (dinner, "vegetarian") and a
///   formula-like name; part paid.
/// - Swansea (Wales): Dai Davies (dinner, "vegan"), Eve Evans (cancelled);
///   unpaid.
async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let bristol = app.organisation(&staff, "Bristol", "South West").await;
    let cardiff = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Cardiff", "kind": "society", "region": "Wales",
                    "contact_email": "secretary@cardiff.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let swansea = app.organisation(&staff, "Swansea", "Wales").await;
    let cardiff_member = app.org_user(&cardiff).await;
    let c = app.conference(&staff, json!({})).await;
    let conference = c["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/conferences/{conference}/registrations");
    let register = |org: String, delegates: Value| {
        let (app, path, staff) = (&app, path.clone(), staff.clone());
        async move {
            app.post(
                &path,
                Some(&staff),
                &json!({"organisation_id": org, "payment_method": "cheque", "delegates": delegates}),
            )
            .await
            .expect(201)
        }
    };
    let r_bristol = register(
        bristol.clone(),
        json!([
            delegate("Bob Brown", "bob@example.org", true, "Vegetarian", ""),
            delegate("Carol Clark", "carol@example.org", false, "", ""),
        ]),
    )
    .await;
    let r_cardiff = register(
        cardiff.clone(),
        json!([
            delegate(
                "Zoe Adams",
                "zoe@example.org",
                true,
                "vegetarian",
                "wheelchair"
            ),
            delegate(EVIL, "evil@example.org", false, "@SUM(A1)", "+44 7700"),
        ]),
    )
    .await;
    let r_swansea = register(
        swansea.clone(),
        json!([
            delegate("Dai Davies", "dai@example.org", true, "vegan", ""),
            delegate("Eve Evans", "eve@example.org", false, "", ""),
        ]),
    )
    .await;
    let pay = |r: &Value, amount: &str| {
        let (app, staff) = (&app, staff.clone());
        let path = format!(
            "/api/v1/registrations/{}/payments",
            r["id"].as_str().unwrap()
        );
        let body = json!({"amount": amount, "method": "cheque", "reference": "cheque 1"});
        async move { app.post(&path, Some(&staff), &body).await.expect(201) }
    };
    pay(&r_bristol, "225.00").await;
    pay(&r_cardiff, "100.00").await;
    for (r, i) in [(&r_bristol, 1), (&r_swansea, 1)] {
        let id = r["delegates"][i]["id"].as_str().unwrap();
        app.post(
            &format!("/api/v1/delegates/{id}/cancellation"),
            Some(&staff),
            &json!({}),
        )
        .await
        .expect(200);
    }
    let reference = |r: &Value| r["reference"].as_str().unwrap().to_owned();
    let references = HashMap::from([
        ("Bristol", reference(&r_bristol)),
        ("Cardiff", reference(&r_cardiff)),
        ("Swansea", reference(&r_swansea)),
    ]);
    Fixture {
        slug: c["slug"].as_str().unwrap().to_owned(),
        app,
        staff,
        conference,
        bristol,
        cardiff,
        cardiff_member,
        references,
    }
}

/// A raw download: status, headers, body bytes.
struct Download {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Download {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A parsed CSV export: header and rows keyed by column.
struct Csv {
    header: Vec<String>,
    rows: Vec<HashMap<String, String>>,
}

impl Csv {
    fn parse(bytes: &[u8]) -> Csv {
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
        let rows = reader
            .records()
            .map(|r| {
                header
                    .iter()
                    .cloned()
                    .zip(r.unwrap().iter().map(str::to_owned))
                    .collect()
            })
            .collect();
        Csv { header, rows }
    }

    fn column(&self, name: &str) -> Vec<&str> {
        self.rows.iter().map(|r| r[name].as_str()).collect()
    }
}

impl Fixture {
    async fn download(&self, file: &str, query: &str, token: Option<&str>) -> Download {
        let url = format!(
            "{}/api/v1/conferences/{}/{file}?{query}",
            self.app.base, self.conference
        );
        let mut req = self.app.client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        Download {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            bytes: res.bytes().await.unwrap().to_vec(),
        }
    }

    async fn csv(&self, query: &str) -> Csv {
        let d = self
            .download("delegates.csv", query, Some(&self.staff))
            .await;
        assert_eq!(d.status, 200, "body: {}", String::from_utf8_lossy(&d.bytes));
        assert_eq!(d.header("content-type"), CSV_TYPE);
        Csv::parse(&d.bytes)
    }

    async fn names(&self, query: &str) -> Vec<String> {
        self.csv(query)
            .await
            .column("name")
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    async fn problem(&self, file: &str, query: &str, token: Option<&str>) -> common::Response {
        self.app
            .get(
                &format!("/api/v1/conferences/{}/{file}?{query}", self.conference),
                token,
            )
            .await
    }
}

const HEADER: [&str; 17] = [
    "delegate_id",
    "name",
    "email",
    "organisation",
    "organisation_kind",
    "region",
    "dinner",
    "dietary_requirements",
    "access_requirements",
    "tier",
    "fee",
    "currency",
    "payment_status",
    "reference",
    "registered_at",
    "status",
    "pass_kind",
];

async fn csv_lists_active_delegates_in_order(b: Backend) {
    let f = fixture(b).await;
    let csv = f.csv("").await;
    assert_eq!(csv.header, HEADER);
    assert_eq!(
        csv.column("name"),
        ["Bob Brown", &format!("'{EVIL}"), "Zoe Adams", "Dai Davies"]
    );
    assert_eq!(
        csv.column("organisation"),
        ["Bristol", "Cardiff", "Cardiff", "Swansea"]
    );
    assert_eq!(csv.column("status"), ["active"; 4]);

    let evil = &csv.rows[1];
    assert_eq!(evil["dietary_requirements"], "'@SUM(A1)");
    assert_eq!(evil["access_requirements"], "'+44 7700");
    assert_eq!(evil["fee"], "90.00");
    assert_eq!(evil["dinner"], "false");

    let zoe = &csv.rows[2];
    assert!(uuid::Uuid::parse_str(&zoe["delegate_id"]).is_ok());
    assert_eq!(zoe["email"], "zoe@example.org");
    assert_eq!(zoe["organisation_kind"], "society");
    assert_eq!(zoe["region"], "Wales");
    assert_eq!(zoe["dinner"], "true");
    assert_eq!(zoe["dietary_requirements"], "vegetarian");
    assert_eq!(zoe["access_requirements"], "wheelchair");
    assert_eq!(zoe["tier"], "early");
    assert_eq!(zoe["fee"], "135.00");
    assert_eq!(zoe["currency"], "GBP");
    assert_eq!(zoe["payment_status"], "part_paid");
    assert_eq!(zoe["reference"], f.references["Cardiff"]);
    // The test clock stands at noon in London (BST) on 1 May 2016.
    assert_eq!(zoe["registered_at"], "2016-05-01T12:00:00+01:00");
    assert_eq!(csv.rows[0]["organisation_kind"], "local_party");
    assert_eq!(csv.rows[0]["payment_status"], "refund_due");
    assert_eq!(csv.rows[3]["payment_status"], "unpaid");

    // Cancelled delegates only when asked for, marked as such.
    let all = f.csv("include_cancelled=true").await;
    assert_eq!(
        all.column("name"),
        [
            "Bob Brown",
            "Carol Clark",
            &format!("'{EVIL}"),
            "Zoe Adams",
            "Dai Davies",
            "Eve Evans"
        ]
    );
    assert_eq!(
        all.column("status"),
        [
            "active",
            "cancelled",
            "active",
            "active",
            "active",
            "cancelled"
        ]
    );
    assert_eq!(f.csv("include_cancelled=false").await.rows.len(), 4);

    // RFC 4180 quoting: the quotes in the name are doubled on the wire.
    let d = f.download("delegates.csv", "", Some(&f.staff)).await;
    let text = String::from_utf8(d.bytes).unwrap();
    assert!(text.contains(r#""'=HYPERLINK(""http://evil"")""#), "{text}");
    assert!(text.contains("\r\n"));
}

async fn csv_filters_each_and_combined(b: Backend) {
    let f = fixture(b).await;
    let evil = format!("'{EVIL}");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("organisation_id={}", f.cardiff),
            vec![&evil, "Zoe Adams"],
        ),
        (format!("organisation_id={}", f.bristol), vec!["Bob Brown"]),
        (
            "region=Wales".into(),
            vec![&evil, "Zoe Adams", "Dai Davies"],
        ),
        ("region=South%20West".into(), vec!["Bob Brown"]),
        ("region=London".into(), vec![]),
        (
            "dinner=true".into(),
            vec!["Bob Brown", "Zoe Adams", "Dai Davies"],
        ),
        ("dinner=false".into(), vec![&evil]),
        ("payment_status=refund_due".into(), vec!["Bob Brown"]),
        ("payment_status=part_paid".into(), vec![&evil, "Zoe Adams"]),
        ("payment_status=unpaid".into(), vec!["Dai Davies"]),
        ("payment_status=paid".into(), vec![]),
        (
            "region=Wales&dinner=true".into(),
            vec!["Zoe Adams", "Dai Davies"],
        ),
        (
            "region=Wales&dinner=true&payment_status=unpaid".into(),
            vec!["Dai Davies"],
        ),
        (
            "include_cancelled=true&region=Wales&dinner=false".into(),
            vec![&evil, "Eve Evans"],
        ),
        (
            format!("organisation_id={}&include_cancelled=true", f.bristol),
            vec!["Bob Brown", "Carol Clark"],
        ),
        (
            format!("organisation_id={}&region=South%20West", f.cardiff),
            vec![],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(f.names(&query).await, expected, "query: {query}");
    }
    // An empty list still has its header.
    let empty = f.csv("payment_status=paid").await;
    assert_eq!(empty.header, HEADER);
}

async fn bad_filters_are_refused(b: Backend) {
    let f = fixture(b).await;
    let unknown_org = uuid::Uuid::new_v4();
    let cases = [
        ("organisation_id=nope".to_owned(), "organisation_id"),
        (format!("organisation_id={unknown_org}"), "organisation_id"),
        ("region=Atlantis".into(), "region"),
        ("region=wales".into(), "region"),
        ("dinner=yes".into(), "dinner"),
        ("dinner=".into(), "dinner"),
        ("payment_status=overdue".into(), "payment_status"),
        ("include_cancelled=1".into(), "include_cancelled"),
        ("colour=red".into(), "colour"),
        ("region=Wales&limit=5".into(), "limit"),
    ];
    for file in ["delegates.csv", "delegates.xlsx"] {
        for (query, field) in &cases {
            let p = f
                .problem(file, query, Some(&f.staff))
                .await
                .problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["field"], *field, "{file}?{query}: {p}");
        }
    }
    // Every bad parameter is named at once.
    let p = f
        .problem(
            "delegates.csv",
            "dinner=maybe&payment_status=x",
            Some(&f.staff),
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["dinner", "payment_status"]);
    // A repeated parameter is ambiguous.
    f.problem("delegates.csv", "dinner=true&dinner=false", Some(&f.staff))
        .await
        .problem(422, "validation_failed");
}

async fn only_staff_may_export(b: Backend) {
    let f = fixture(b).await;
    for file in ["delegates.csv", "delegates.xlsx", "summary"] {
        f.problem(file, "", Some(&f.cardiff_member))
            .await
            .problem(403, "forbidden");
        f.problem(file, "", None)
            .await
            .problem(401, "unauthenticated");
        // Authentication comes before any look at the query.
        f.problem(file, "colour=red", None)
            .await
            .problem(401, "unauthenticated");
        let unknown = uuid::Uuid::new_v4();
        f.app
            .get(
                &format!("/api/v1/conferences/{unknown}/{file}"),
                Some(&f.staff),
            )
            .await
            .problem(404, "not_found");
        f.app
            .get(&format!("/api/v1/conferences/nope/{file}"), Some(&f.staff))
            .await
            .problem(404, "not_found");
    }
}

fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Delegates").unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

async fn xlsx_has_typed_cells_and_the_same_rows(b: Backend) {
    let f = fixture(b).await;
    let d = f.download("delegates.xlsx", "", Some(&f.staff)).await;
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.bytes));
    assert_eq!(d.header("content-type"), XLSX_TYPE);
    let rows = xlsx_rows(d.bytes);
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header, HEADER);
    let col = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
    let names: Vec<String> = rows[1..].iter().map(|r| text(&r[col("name")])).collect();
    assert_eq!(
        names,
        ["Bob Brown", &format!("'{EVIL}"), "Zoe Adams", "Dai Davies"]
    );
    let evil = &rows[2];
    assert_eq!(text(&evil[col("dietary_requirements")]), "'@SUM(A1)");
    assert_eq!(text(&evil[col("access_requirements")]), "'+44 7700");
    assert_eq!(evil[col("fee")], Data::Float(90.0));
    let zoe = &rows[3];
    assert_eq!(zoe[col("fee")], Data::Float(135.0));
    assert_eq!(zoe[col("dinner")], Data::Bool(true));
    assert_eq!(text(&zoe[col("payment_status")]), "part_paid");
    assert_eq!(text(&zoe[col("reference")]), f.references["Cardiff"]);
    assert_eq!(text(&zoe[col("organisation_kind")]), "society");
    match &zoe[col("registered_at")] {
        Data::DateTime(dt) => assert_eq!(
            dt.as_datetime().unwrap().to_string(),
            "2016-05-01 12:00:00",
            "local time in London"
        ),
        other => panic!("registered_at is not a date-time: {other:?}"),
    }

    // Filters apply to the workbook too; cancelled rows carry their status.
    let d = f
        .download(
            "delegates.xlsx",
            "include_cancelled=true&region=Wales&dinner=false",
            Some(&f.staff),
        )
        .await;
    assert_eq!(d.status, 200);
    let rows = xlsx_rows(d.bytes);
    assert_eq!(rows.len(), 3);
    assert_eq!(text(&rows[2][col("name")]), "Eve Evans");
    assert_eq!(text(&rows[2][col("status")]), "cancelled");

    // An empty list is a header-only workbook.
    let d = f
        .download("delegates.xlsx", "payment_status=paid", Some(&f.staff))
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(xlsx_rows(d.bytes).len(), 1);
}

async fn file_names_use_the_conference_date(b: Backend) {
    let f = fixture(b).await;
    let slug = &f.slug;
    let d = f.download("delegates.csv", "", Some(&f.staff)).await;
    assert_eq!(
        d.header("content-disposition"),
        format!("attachment; filename=\"{slug}-delegates-2016-05-01.csv\"")
    );
    assert!(d.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    // 23:30 UTC on 22 August is already 23 August in London.
    f.app.clock.set(at(2016, 8, 22, 23, 30, 0));
    let d = f
        .download("delegates.csv", "dinner=true", Some(&f.staff))
        .await;
    assert_eq!(
        d.header("content-disposition"),
        format!("attachment; filename=\"{slug}-dinner-2016-08-23.csv\"")
    );
    let d = f
        .download("delegates.xlsx", "dinner=false", Some(&f.staff))
        .await;
    assert_eq!(
        d.header("content-disposition"),
        format!("attachment; filename=\"{slug}-delegates-2016-08-23.xlsx\"")
    );
    let d = f
        .download("delegates.xlsx", "dinner=true", Some(&f.staff))
        .await;
    assert_eq!(
        d.header("content-disposition"),
        format!("attachment; filename=\"{slug}-dinner-2016-08-23.xlsx\"")
    );
}

/// More delegates than one streamed CSV chunk, with repeated names, so the
/// list must neither skip nor repeat anyone across chunks.
async fn csv_pages_through_long_lists(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let alpha = app.organisation(&staff, "Alpha", "London").await;
    let beta = app.organisation(&staff, "Beta", "London").await;
    let c = app.conference(&staff, json!({})).await;
    let conference = c["id"].as_str().unwrap();
    let path = format!("/api/v1/conferences/{conference}/registrations");
    let mut count = 0;
    for batch in 0..22 {
        let org = if batch % 2 == 0 { &alpha } else { &beta };
        let delegates: Vec<Value> = (0..50)
            .map(|i| {
                count += 1;
                // Names repeat across batches: only the id breaks ties.
                let name = format!("Delegate {:02}", i % 25);
                delegate(&name, &format!("d{count}@example.org"), i % 3 == 0, "", "")
            })
            .collect();
        app.post(
            &path,
            Some(&staff),
            &json!({"organisation_id": org, "payment_method": "invoice", "delegates": delegates}),
        )
        .await
        .expect(201);
    }
    assert_eq!(count, 1100);
    let url = format!("{}/api/v1/conferences/{conference}/delegates.csv", app.base);
    let bytes = app
        .client
        .get(&url)
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let csv = Csv::parse(&bytes);
    assert_eq!(csv.rows.len(), 1100);
    let ids: std::collections::HashSet<&str> = csv.column("delegate_id").into_iter().collect();
    assert_eq!(ids.len(), 1100, "no delegate twice");
    let keys: Vec<(&str, &str, &str)> = csv
        .rows
        .iter()
        .map(|r| {
            (
                r["organisation"].as_str(),
                r["name"].as_str(),
                r["delegate_id"].as_str(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ordered by organisation, name, id");
    assert_eq!(keys[0].0, "Alpha");
    assert_eq!(keys[1099].0, "Beta");

    let d = app
        .client
        .get(format!("{url}?dinner=true").replace(".csv", ".xlsx"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status().as_u16(), 200);
    let rows = xlsx_rows(d.bytes().await.unwrap().to_vec());
    // 17 of every 50 (i = 0, 3, ..., 48) dine.
    assert_eq!(rows.len(), 1 + 22 * 17);
}

async fn summary_counts_delegates_and_money(b: Backend) {
    let f = fixture(b).await;
    let s = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/summary", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(s["conference_id"], f.conference.as_str());
    assert_eq!(s["delegates"], 4);
    assert_eq!(s["dinners"], 3);
    let orgs: Vec<(String, i64)> = s["by_organisation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["delegates"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        orgs,
        [
            ("Bristol".to_owned(), 1),
            ("Cardiff".to_owned(), 2),
            ("Swansea".to_owned(), 1)
        ]
    );
    assert_eq!(
        s["by_organisation"][1]["organisation_id"],
        f.cardiff.as_str()
    );
    assert_eq!(s["by_organisation"][1]["region"], "Wales");
    assert_eq!(
        s["by_region"],
        json!([{"region": "South West", "delegates": 1}, {"region": "Wales", "delegates": 3}])
    );
    assert_eq!(s["by_tier"], json!([{"tier": "early", "delegates": 4}]));
    assert_eq!(
        s["dietary_requirements"],
        json!([
            {"requirement": "vegetarian", "delegates": 2},
            {"requirement": "@sum(a1)", "delegates": 1},
            {"requirement": "vegan", "delegates": 1}
        ])
    );
    assert_eq!(
        s["dinner_dietary_requirements"],
        json!([
            {"requirement": "vegetarian", "delegates": 2},
            {"requirement": "vegan", "delegates": 1}
        ])
    );
    // Bristol 135 (paid 225), Cardiff 225 (paid 100), Swansea 135 (unpaid).
    assert_eq!(
        s["money"],
        json!({
            "currency": "GBP",
            "registered": "495.00",
            "paid": "325.00",
            "outstanding": "260.00",
            "refunds_due": "90.00"
        })
    );

    // A later registration at the standard rate shows as its own tier.
    f.app.clock.set(at(2016, 7, 15, 12, 0, 0));
    f.app
        .post(
            &format!("/api/v1/conferences/{}/registrations", f.conference),
            Some(&f.staff),
            &json!({"organisation_id": f.bristol, "payment_method": "invoice",
                    "delegates": [delegate("Late Larry", "larry@example.org", false, "", "")]}),
        )
        .await
        .expect(201);
    let s = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/summary", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(
        s["by_tier"],
        json!([{"tier": "early", "delegates": 4}, {"tier": "standard", "delegates": 1}])
    );
    assert_eq!(s["money"]["registered"], "605.00");
    assert_eq!(s["money"]["outstanding"], "370.00");
}
