//! What the staff console runs on: organisations searched, edited,
//! deactivated and imported from a CSV file; registrations searched; the
//! conference dashboard; the audit log filtered.

mod common;

use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    organisations_are_searched_edited_and_deactivated,
    an_import_saves_every_row_or_none,
    registrations_are_found_by_reference_name_or_email,
    the_dashboard_shows_the_conference_at_a_glance,
    the_audit_log_is_filtered_by_action_and_person,
);

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect()
}

async fn organisations_are_searched_edited_and_deactivated(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let cardiff = app
        .organisation(&staff, "Cardiff Co-operative Party", "Wales")
        .await;
    app.organisation(&staff, "Swansea Co-operative Party", "Wales")
        .await;
    app.post(
        "/api/v1/organisations",
        Some(&staff),
        &json!({"name": "Midcounties Society", "kind": "society", "region": "South West", "contact_email": "sec@midcounties.example"}),
    )
    .await
    .expect(201);
    let list = |query: &'static str| {
        let (app, staff) = (&app, staff.clone());
        async move {
            app.get(&format!("/api/v1/organisations?{query}"), Some(&staff))
                .await
                .expect(200)
        }
    };
    assert_eq!(names(&list("q=co-operative").await).len(), 2);
    assert_eq!(names(&list("q=SWAN").await), ["Swansea Co-operative Party"]);
    assert_eq!(
        names(&list("q=100%25").await),
        Vec::<&str>::new(),
        "% is literal"
    );
    assert_eq!(names(&list("kind=society").await), ["Midcounties Society"]);
    assert_eq!(names(&list("region=Wales&kind=local_party").await).len(), 2);
    app.get("/api/v1/organisations?region=Atlantis", Some(&staff))
        .await
        .problem(422, "validation_failed");

    // Edit: any field, checked as for a new organisation.
    let edited = app
        .patch(
            &format!("/api/v1/organisations/{cardiff}"),
            Some(&staff),
            &json!({"name": "Cardiff & Vale Co-operative Party", "contact_email": "new@cardiff.example"}),
        )
        .await
        .expect(200);
    assert_eq!(edited["region"], "Wales");
    assert_eq!(edited["contact_email"], "new@cardiff.example");
    app.patch(
        &format!("/api/v1/organisations/{cardiff}"),
        Some(&staff),
        &json!({"name": "Swansea Co-operative Party"}),
    )
    .await
    .problem(409, "conflict");
    app.patch(
        &format!("/api/v1/organisations/{cardiff}"),
        Some(&staff),
        &json!({"region": "Atlantis"}),
    )
    .await
    .problem(422, "validation_failed");

    // Deactivate: its users are signed out and cannot sign in; nobody
    // registers for it; it leaves the default list.
    let member = app.org_user(&cardiff).await;
    let conference = app.conference(&staff, json!({})).await;
    let path = format!(
        "/api/v1/conferences/{}/registrations",
        conference["id"].as_str().unwrap()
    );
    app.post(
        &format!("/api/v1/organisations/{cardiff}/deactivate"),
        Some(&staff),
        &json!({}),
    )
    .await
    .expect(200);
    app.get("/api/v1/organisations", Some(&member))
        .await
        .problem(401, "unauthenticated");
    app.post(
        &path,
        Some(&staff),
        &json!({"organisation_id": cardiff, "payment_method": "cheque", "delegates": [{"name": "A", "email": "a@example.org"}]}),
    )
    .await
    .problem(409, "conflict");
    assert!(!names(&list("").await).contains(&"Cardiff & Vale Co-operative Party"));
    assert!(
        names(&list("include_inactive=true").await).contains(&"Cardiff & Vale Co-operative Party")
    );
    app.post(
        &format!("/api/v1/organisations/{cardiff}/reactivate"),
        Some(&staff),
        &json!({}),
    )
    .await
    .expect(200);
    app.post(
        &path,
        Some(&staff),
        &json!({"organisation_id": cardiff, "payment_method": "cheque", "delegates": [{"name": "A", "email": "a@example.org"}]}),
    )
    .await
    .expect(201);
}

async fn an_import_saves_every_row_or_none(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    app.organisation(&staff, "Leeds Co-operative Party", "Yorkshire & the Humber")
        .await;
    let import = |csv: &str, dry_run: bool| {
        let (app, staff) = (&app, staff.clone());
        let body = json!({"csv": csv, "dry_run": dry_run});
        async move {
            app.post("/api/v1/organisations/import", Some(&staff), &body)
                .await
        }
    };
    let bad = "name,kind,region,contact_email\n\
               Cardiff Co-operative Party,Local party,Wales,sec@cardiff.example\n\
               Bristol Society,society,Atlantis,sec@bristol.example\n\
               leeds co-operative party,local_party,Yorkshire & the Humber,x@leeds.example\n";
    let checked = import(bad, false).await.expect(422);
    assert_eq!(checked["saved"], false);
    let rows = checked["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["errors"], json!([]));
    assert_eq!(rows[1]["line"], 3);
    assert_eq!(rows[1]["errors"][0]["field"], "region");
    assert_eq!(rows[2]["errors"][0]["field"], "name");
    assert_eq!(
        names(
            &app.get("/api/v1/organisations", Some(&staff))
                .await
                .expect(200)
        ),
        ["Leeds Co-operative Party"],
        "nothing saved while any row is wrong"
    );
    let good = "name,kind,region,contact_email\n\
                Cardiff Co-operative Party,Local party,Wales,sec@cardiff.example\n\
                Bristol Society,society,South West,sec@bristol.example\n\
                Islington Co-operative Party,local_party,London,sec@islington.example\n";
    let preview = import(good, true).await.expect(200);
    assert_eq!(preview["saved"], false);
    assert_eq!(
        app.get("/api/v1/organisations", Some(&staff))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let saved = import(good, false).await.expect(201);
    assert_eq!(saved["saved"], true);
    assert_eq!(saved["created"].as_array().unwrap().len(), 3);
    assert_eq!(
        app.get("/api/v1/organisations", Some(&staff))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // The same file again: every name is taken now.
    let again = import(good, false).await.expect(422);
    assert!(again["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["errors"][0]["field"] == "name"));
    import("not,a,header\n", false)
        .await
        .problem(422, "validation_failed");
    // Organisation users may not import.
    let org = app
        .organisation(&staff, "York", "Yorkshire & the Humber")
        .await;
    let member = app.org_user(&org).await;
    app.post(
        "/api/v1/organisations/import",
        Some(&member),
        &json!({"csv": good}),
    )
    .await
    .problem(403, "forbidden");
}

async fn registrations_are_found_by_reference_name_or_email(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app.conference(&staff, json!({})).await;
    let conf = c["id"].as_str().unwrap();
    let register = |people: Value, method: &'static str| {
        let (app, member) = (&app, member.clone());
        let path = format!("/api/v1/conferences/{conf}/registrations");
        async move {
            app.post(
                &path,
                Some(&member),
                &json!({"payment_method": method, "delegates": people}),
            )
            .await
            .expect(201)
        }
    };
    let ada = register(
        json!([{"name": "Ada Lovelace", "email": "ada@example.org"}]),
        "cheque",
    )
    .await;
    register(
        json!([{"name": "Robert Owen", "email": "robert@owen.example"}]),
        "invoice",
    )
    .await;
    let search = |q: String| {
        let (app, staff) = (&app, staff.clone());
        async move {
            let page = app
                .get(
                    &format!("/api/v1/conferences/{conf}/registrations?{q}"),
                    Some(&staff),
                )
                .await
                .expect(200);
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["delegates"][0]["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let reference = ada["reference"].as_str().unwrap().to_lowercase();
    assert_eq!(search(format!("q={reference}")).await, ["Ada Lovelace"]);
    assert_eq!(search("q=lovelace".into()).await, ["Ada Lovelace"]);
    assert_eq!(search("q=OWEN.example".into()).await, ["Robert Owen"]);
    assert_eq!(
        search("payment_method=invoice".into()).await,
        ["Robert Owen"]
    );
    assert_eq!(search("q=nobody".into()).await, Vec::<String>::new());
    app.get(
        &format!("/api/v1/conferences/{conf}/registrations?payment_method=cash"),
        Some(&staff),
    )
    .await
    .problem(422, "validation_failed");
}

async fn the_dashboard_shows_the_conference_at_a_glance(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let c = app
        .conference(&staff, json!({"capacity": 10, "dinner_capacity": 4}))
        .await;
    let conf = c["id"].as_str().unwrap();
    let path = format!("/api/v1/conferences/{conf}/registrations");
    app.clock.set(london(2016, 6, 30, 12, 0, 0));
    let early = app
        .post(
            &path,
            Some(&member),
            &json!({"payment_method": "cheque", "delegates": [
                {"name": "Ada", "email": "ada@example.org", "dinner": true},
                {"name": "Bob", "email": "bob@example.org"}]}),
        )
        .await
        .expect(201);
    app.clock.set(london(2016, 7, 2, 12, 0, 0));
    app.post(
        &path,
        Some(&member),
        &json!({"payment_method": "invoice", "delegates": [{"name": "Cy", "email": "cy@example.org"}]}),
    )
    .await
    .expect(201);
    app.post(
        &format!(
            "/api/v1/registrations/{}/payments",
            early["id"].as_str().unwrap()
        ),
        Some(&staff),
        &json!({"amount": "225.00", "method": "cheque", "reference": "000123"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/conferences/{conf}/policy-submissions"),
        Some(&member),
        &json!({"title": "Energy", "body": "Co-operative energy for all."}),
    )
    .await
    .expect(201);

    let d = app
        .get(
            &format!("/api/v1/conferences/{conf}/dashboard"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(d["today"], "2016-07-02");
    assert_eq!(
        (&d["places_taken"], &d["places_left"]),
        (&json!(3), &json!(7))
    );
    assert_eq!(
        (&d["dinner_seats_taken"], &d["dinner_seats_left"]),
        (&json!(1), &json!(3))
    );
    assert_eq!(
        d["registered_over_time"],
        json!([
            {"date": "2016-06-30", "registered": 2, "cumulative": 2},
            {"date": "2016-07-02", "registered": 1, "cumulative": 3}
        ])
    );
    assert_eq!(d["money"]["registered"], "335.00");
    assert_eq!(d["money"]["paid"], "225.00");
    assert_eq!(d["money"]["outstanding"], "110.00");
    let tiers: Vec<(&str, &str)> = d["money_by_tier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap(),
                t["outstanding"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(tiers, [("early", "0.00"), ("standard", "110.00")]);
    let methods: Vec<&str> = d["money_by_method"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["payment_method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["cheque", "invoice"]);
    assert_eq!(
        d["submissions"],
        json!([{"kind": "policy_submission", "status": "submitted", "count": 1}])
    );
    let ahead: Vec<&str> = d["deadlines_ahead"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["deadline"].as_str().unwrap())
        .collect();
    assert_eq!(ahead[0], "amendments");
    assert!(!ahead.contains(&"motions"), "passed on 4 April");
    assert_eq!(d["deadlines_ahead"][0]["days_left"], 30);
    assert!(d["emails_pending"].as_i64().unwrap() >= 1);
    assert_eq!(d["emails_failed"], 0);
    app.get(
        &format!("/api/v1/conferences/{conf}/dashboard"),
        Some(&member),
    )
    .await
    .problem(403, "forbidden");
}

async fn the_audit_log_is_filtered_by_action_and_person(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let other_staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let c = app.conference(&staff, json!({})).await;
    let conf = c["id"].as_str().unwrap();
    for (who, deadline) in [(&staff, "motions"), (&other_staff, "amendments")] {
        app.post(
            &format!("/api/v1/conferences/{conf}/extensions"),
            Some(who),
            &json!({"organisation_id": org, "deadline": deadline, "until": "2016-08-30"}),
        )
        .await
        .expect(201);
    }
    let users = app
        .get("/api/v1/users?limit=500", Some(&staff))
        .await
        .expect(200);
    let other_id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "staff")
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let page = app
        .get(
            &format!(
                "/api/v1/audit?action=extension_granted&actor_id={}",
                other_id[0]
            ),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let all = app
        .get("/api/v1/audit?action=extension_granted", Some(&staff))
        .await
        .expect(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let none = app
        .get("/api/v1/audit?action=late_override", Some(&staff))
        .await
        .expect(200);
    assert_eq!(none["items"], json!([]));
    app.get("/api/v1/audit?action=made_up", Some(&staff))
        .await
        .problem(422, "validation_failed");
}
