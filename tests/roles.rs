//! Staff roles: the users API sets and shows them (changes audited), they
//! take effect on the next request, a `credentials` delegate list has no
//! dietary or access requirement columns unless also `conference`, and
//! the console shows each staff member only the pages their roles admit,
//! answering any other with a 403 page. The matrix of every endpoint by
//! every role is in `isolation.rs`.

mod common;

use common::visitor::Visitor;
use common::{london, Backend, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    the_users_api_sets_and_shows_roles,
    a_credentials_list_has_no_requirement_columns,
    the_console_follows_the_roles,
);

async fn create_staff(app: &TestApp, admin: &str, email: &str, roles: Option<Value>) -> Value {
    let mut body = json!({"email": email, "name": "Colleague", "role": "staff",
                          "password": PASSWORD});
    if let Some(roles) = roles {
        body["roles"] = roles;
    }
    app.post("/api/v1/users", Some(admin), &body)
        .await
        .expect(201)
}

async fn put_roles(app: &TestApp, token: &str, id: &str, roles: Value) -> common::Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/users/{id}/roles"),
        Some(token),
        Some(&json!({ "roles": roles })),
        &[],
    )
    .await
}

async fn the_users_api_sets_and_shows_roles(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.staff().await;

    // Staff default to admin; roles are kept in one order, each once.
    let plain = create_staff(&app, &admin, "plain@party.example", None).await;
    assert_eq!(plain["roles"], json!(["admin"]));
    let desk = create_staff(
        &app,
        &admin,
        "desk@party.example",
        Some(json!(["credentials", "finance", "credentials"])),
    )
    .await;
    assert_eq!(desk["roles"], json!(["finance", "credentials"]));
    let org = app.organisation(&admin, "Cardiff", "Wales").await;

    // Refused: no role, an unknown one, roles for an organisation's user.
    for (roles, status) in [(json!([]), 422), (json!(["root"]), 400)] {
        let res = app
            .post(
                "/api/v1/users",
                Some(&admin),
                &json!({"email": "x@party.example", "name": "X", "role": "staff", "roles": roles}),
            )
            .await;
        assert_eq!(res.status.as_u16(), status, "{roles}: {}", res.text);
    }
    app.post(
        "/api/v1/users",
        Some(&admin),
        &json!({"email": "sec@cardiff.example", "name": "Sec", "role": "organisation",
                "organisation_id": org, "roles": ["finance"]}),
    )
    .await
    .problem(422, "validation_failed");

    // The list shows staff with their roles, organisation users without.
    app.org_user(&org).await;
    let users = app.get("/api/v1/users", Some(&admin)).await.expect(200);
    let items = users["items"].as_array().unwrap();
    let of = |email: &str| {
        items
            .iter()
            .find(|u| u["email"] == email)
            .unwrap_or_else(|| panic!("{email} not listed"))
            .clone()
    };
    assert_eq!(
        of("desk@party.example")["roles"],
        json!(["finance", "credentials"])
    );
    assert!(items
        .iter()
        .filter(|u| u["role"] == "organisation")
        .all(|u| u.get("roles").is_none()));

    // A finance and credentials member may not manage accounts; they may
    // record payments, not create organisations.
    let desk_token = app.login("desk@party.example").await;
    app.get("/api/v1/users", Some(&desk_token))
        .await
        .problem(403, "forbidden");
    let desk_id = desk["id"].as_str().unwrap();
    put_roles(&app, &desk_token, desk_id, json!(["admin"]))
        .await
        .problem(403, "forbidden");
    let new_org = json!({"name": "Swansea", "kind": "local_party", "region": "Wales",
                         "contact_email": "s@swansea.example"});
    app.post("/api/v1/organisations", Some(&desk_token), &new_org)
        .await
        .problem(403, "forbidden");

    // An administrator changes the roles: audited, and in force on the
    // member's next request with the token they already hold.
    let changed = put_roles(&app, &admin, desk_id, json!(["conference"]))
        .await
        .expect(200);
    assert_eq!(changed["roles"], json!(["conference"]));
    app.post("/api/v1/organisations", Some(&desk_token), &new_org)
        .await
        .expect(201);
    let audit = app.get("/api/v1/audit", Some(&admin)).await.expect(200);
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "roles_changed")
        .expect("a roles_changed entry");
    assert_eq!(entry["subject_id"], desk_id);
    assert_eq!(entry["detail"]["from"], json!(["finance", "credentials"]));
    assert_eq!(entry["detail"]["to"], json!(["conference"]));

    // Setting the same roles again records nothing more.
    put_roles(&app, &admin, desk_id, json!(["conference"]))
        .await
        .expect(200);
    let audit = app.get("/api/v1/audit", Some(&admin)).await.expect(200);
    let changes = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "roles_changed")
        .count();
    assert_eq!(changes, 1);

    // Refused: no roles, an organisation's user, taking admin from oneself,
    // an unknown account.
    put_roles(&app, &admin, desk_id, json!([]))
        .await
        .problem(422, "validation_failed");
    let sec_id = app.get("/api/v1/users", Some(&admin)).await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "organisation")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    put_roles(&app, &admin, &sec_id, json!(["finance"]))
        .await
        .problem(422, "validation_failed");
    let admin_id = app.get("/api/v1/users", Some(&admin)).await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["roles"] == json!(["admin"]) && u["email"].as_str().unwrap().starts_with("staff-")
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    put_roles(&app, &admin, &admin_id, json!(["finance"]))
        .await
        .problem(409, "conflict");
    put_roles(
        &app,
        &admin,
        &uuid::Uuid::new_v4().to_string(),
        json!(["finance"]),
    )
    .await
    .problem(404, "not_found");
}

async fn a_credentials_list_has_no_requirement_columns(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let admin = app.staff().await;
    let org = app.organisation(&admin, "Cardiff", "Wales").await;
    let conference = app.conference(&admin, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(&admin),
        &json!({"organisation_id": org, "payment_method": "invoice", "delegates": [
            {"name": "Ann Jones", "email": "ann@cardiff.example", "dinner": true,
             "dietary_requirements": "Vegan", "access_requirements": "Step-free seat"}]}),
    )
    .await
    .expect(201);
    let csv = |token: String| {
        let app = &app;
        let path = format!("/api/v1/conferences/{conference}/delegates.csv");
        async move {
            let res = app.get(&path, Some(&token)).await;
            assert_eq!(res.status.as_u16(), 200, "{}", res.text);
            res.text
        }
    };
    let desk = csv(app.staff_with_roles(&["credentials"]).await).await;
    let header = desk.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(!header.contains("dietary_requirements"), "{header}");
    assert!(!header.contains("access_requirements"), "{header}");
    assert!(
        header.contains("name") && header.contains("organisation"),
        "{header}"
    );
    assert!(desk.contains("Ann Jones"));
    assert!(
        !desk.contains("Vegan") && !desk.contains("Step-free"),
        "{desk}"
    );
    assert_eq!(
        desk.lines().nth(1).unwrap().split(',').count(),
        header.split(',').count()
    );

    for roles in [
        &["conference"][..],
        &["credentials", "conference"],
        &["admin"],
    ] {
        let full = csv(app.staff_with_roles(roles).await).await;
        assert!(
            full.contains("dietary_requirements,access_requirements"),
            "{roles:?}"
        );
        assert!(
            full.contains("Vegan") && full.contains("Step-free seat"),
            "{roles:?}"
        );
    }

    // The workbook follows the same rule.
    let desk = app.staff_with_roles(&["credentials"]).await;
    let res = app
        .get(
            &format!("/api/v1/conferences/{conference}/delegates.xlsx"),
            Some(&desk),
        )
        .await;
    assert_eq!(res.status.as_u16(), 200);
    let finance = app.staff_with_roles(&["finance"]).await;
    app.get(
        &format!("/api/v1/conferences/{conference}/delegates.csv"),
        Some(&finance),
    )
    .await
    .problem(403, "forbidden");
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let mut v = Visitor::new(app);
    let page = v.sign_in(email, PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.text);
    v
}

async fn the_console_follows_the_roles(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    app.create_user("chair@party.example", "staff", None).await;
    app.create_user_with_roles("cash@party.example", "staff", None, &["finance"])
        .await;
    let admin = app.login("chair@party.example").await;
    let conference = app.conference(&admin, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Finance sees their links only, and a 403 page elsewhere.
    let cash = signed_in(&app, "cash@party.example").await;
    let home = cash.get("/staff").await;
    assert_eq!(home.status, 200);
    for shown in ["Registrations", "Change password"] {
        assert!(home.text.contains(&format!(">{shown}</a>")), "{shown}");
    }
    for hidden in [
        "Accounts",
        "Organisations",
        "Submissions",
        "Outbox",
        "Audit log",
    ] {
        assert!(!home.text.contains(&format!(">{hidden}</a>")), "{hidden}");
    }
    for path in [
        "/staff/registrations".to_owned(),
        format!("/staff/conferences/{conference}"),
    ] {
        assert_eq!(cash.get(&path).await.status, 200, "{path}");
    }
    for path in [
        "/staff/accounts".to_owned(),
        "/staff/organisations".to_owned(),
        "/staff/conferences/new".to_owned(),
        format!("/staff/conferences/{conference}/downloads"),
        "/staff/audit".to_owned(),
    ] {
        let page = cash.get(&path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(
            page.headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            page.text
                .contains("Your staff roles do not include this page"),
            "{path}"
        );
    }

    // An administrator sees each staff member's roles and changes them
    // with checkboxes; at least one must stay ticked.
    let chair = signed_in(&app, "chair@party.example").await;
    let list = chair.get("/staff/accounts").await;
    assert!(list.text.contains("Staff: Finance"), "{}", list.text);
    let cash_id = app.get("/api/v1/users", Some(&admin)).await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "cash@party.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/staff/accounts/{cash_id}/roles");
    let form = chair.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form
        .text
        .contains("<legend class=\"fieldset-legend\">Staff roles</legend>"));
    assert!(form
        .text
        .contains("name=\"roles\" type=\"checkbox\" value=\"finance\" checked"));
    let csrf = form.hidden("csrf_token");
    let key = form.hidden("idempotency_key");
    let none = chair
        .post(&path, &[("csrf_token", &csrf), ("idempotency_key", &key)])
        .await;
    assert_eq!(none.status, 422);
    assert!(
        none.text.contains("Choose at least one role"),
        "{}",
        none.text
    );
    let saved = chair
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("roles", "conference"),
                ("roles", "credentials"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert!(chair
        .get("/staff/accounts")
        .await
        .text
        .contains("Staff: Conference, Credentials"));

    // The same session now reaches the conference pages, not payments.
    assert_eq!(cash.get("/staff/organisations").await.status, 200);
    let downloads = cash
        .get(&format!("/staff/conferences/{conference}/downloads"))
        .await;
    assert_eq!(downloads.status, 200);
    assert!(downloads.text.contains("with dietary and access needs"));
}
