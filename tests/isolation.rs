//! The isolation matrix: every endpoint tried as anonymous, as a user of
//! another organisation, and as staff, against resources that belong to one
//! organisation. Refusals must be the contract's status and code, lists must
//! not leak the owner's data, and a refused request must change nothing.

mod common;

use common::{london, Backend, Response, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    every_endpoint_as_anonymous_other_organisation_and_staff,
    the_role_is_checked_before_the_body_is_read,
);

/// One row of the matrix: the request and the status each caller gets.
struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    /// Sends the body with this `Content-Type` instead of as JSON.
    content_type: Option<&'static str>,
    anonymous: u16,
    other: u16,
    staff: u16,
}

fn case(method: Method, path: String, body: Option<Value>, statuses: [u16; 3]) -> Case {
    let [anonymous, other, staff] = statuses;
    Case {
        method,
        path,
        body,
        content_type: None,
        anonymous,
        other,
        staff,
    }
}

/// A case whose JSON body is sent as `text/plain`.
fn as_text(mut c: Case) -> Case {
    c.content_type = Some("text/plain");
    c
}

impl Case {
    async fn send(&self, app: &TestApp, token: Option<&str>) -> Response {
        match self.content_type {
            None => {
                app.request(
                    self.method.clone(),
                    &self.path,
                    token,
                    self.body.as_ref(),
                    &[],
                )
                .await
            }
            Some(content_type) => {
                let body = self.body.as_ref().map(Value::to_string).unwrap_or_default();
                app.send_bytes(
                    self.method.clone(),
                    &self.path,
                    token,
                    Some(content_type),
                    body.into(),
                )
                .await
            }
        }
    }
}

fn code_for(status: u16) -> &'static str {
    match status {
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        415 => "unsupported_media_type",
        _ => unreachable!("the matrix only expects these refusals"),
    }
}

#[track_caller]
fn check(res: Response, expected: u16, who: &str, c: &Case, secrets: &[&str]) {
    let status = res.status.as_u16();
    assert_eq!(
        status, expected,
        "{who}: {} {} gave {status}: {}",
        c.method, c.path, res.text
    );
    if status >= 400 {
        res.problem(status, code_for(status));
    } else if who == "other organisation" {
        for secret in secrets {
            assert!(
                !res.text.contains(secret),
                "{} {} shows another organisation's {secret}",
                c.method,
                c.path
            );
        }
    }
}

/// What a refused request must leave as it was.
async fn snapshot(
    app: &TestApp,
    staff: &str,
    registration: &str,
    conference: &str,
) -> (Value, usize, Value, Value) {
    let reg = app
        .get(
            &format!("/api/v1/registrations/{registration}"),
            Some(staff),
        )
        .await
        .expect(200);
    let outbox = app
        .get("/api/v1/outbox?limit=500", Some(staff))
        .await
        .expect(200);
    let motions = app
        .get(
            &format!("/api/v1/conferences/{conference}/motions"),
            Some(staff),
        )
        .await
        .expect(200);
    let conf = app
        .get(&format!("/api/v1/conferences/{conference}"), None)
        .await
        .expect(200);
    (
        reg,
        outbox["items"].as_array().unwrap().len(),
        motions,
        conf,
    )
}

async fn every_endpoint_as_anonymous_other_organisation_and_staff(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let owner = app.organisation(&staff, "Owner Party", "Wales").await;
    let other_org = app.organisation(&staff, "Other Party", "Scotland").await;
    let owner_user = app.org_user(&owner).await;
    let other = app.org_user(&other_org).await;
    let conference = app.conference(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The owner's data.
    let registration = app
        .post(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&owner_user),
            &json!({"payment_method": "invoice", "delegates": [
                {"name": "Secret Delegate", "email": "secret.delegate@owner.example", "dinner": true,
                 "dietary_requirements": "", "access_requirements": ""},
                {"name": "Second Delegate", "email": "second@owner.example", "dinner": false,
                 "dietary_requirements": "", "access_requirements": ""}]}),
        )
        .await
        .expect(201);
    let reg_id = registration["id"].as_str().unwrap().to_owned();
    let reference = registration["reference"].as_str().unwrap().to_owned();
    let delegate = registration["delegates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = registration["delegates"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let motion = app
        .post(
            &format!("/api/v1/conferences/{conference}/motions"),
            Some(&owner_user),
            &json!({"title": "Secret motion", "body": "Private until accepted."}),
        )
        .await
        .expect(201);
    let motion_id = motion["id"].as_str().unwrap().to_owned();
    let policy = app
        .post(
            &format!("/api/v1/conferences/{conference}/policy-submissions"),
            Some(&owner_user),
            &json!({"title": "Secret policy", "body": "Private."}),
        )
        .await
        .expect(201);
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/conferences/{conference}/cac-nominations"),
        Some(&owner_user),
        &json!({"delegate_id": delegate, "statement": "Secret statement"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/conferences/{conference}/award-nominations"),
        Some(&owner_user),
        &json!({"nominee_kind": "member", "nominee_name": "Secret Nominee", "citation": "Private."}),
    )
    .await
    .expect(201);
    let email_id = app.get("/api/v1/outbox", Some(&staff)).await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invoice_id = app
        .get(
            &format!("/api/v1/registrations/{reg_id}/invoices"),
            Some(&staff),
        )
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secrets = [
        "secret.delegate@owner.example",
        "Secret Delegate",
        reference.as_str(),
        "Secret motion",
        "Secret policy",
        "Secret statement",
        "Secret Nominee",
        owner.as_str(),
    ];

    let c = |tail: &str| format!("/api/v1/conferences/{conference}{tail}");
    let new_user = json!({"email": "new.user@party.example", "name": "New", "password": "a long enough password", "role": "staff"});
    let new_org = json!({"name": "New Society", "kind": "society", "region": "Wales", "contact_email": "new@society.example"});
    let mut new_conf = common::cardiff();
    new_conf["slug"] = json!("matrix-new");
    let on_behalf = json!({"organisation_id": owner, "payment_method": "invoice", "delegates": [
        {"name": "Staff Added", "email": "added@owner.example", "dinner": false,
         "dietary_requirements": "", "access_requirements": ""}]});
    let motion_for_owner =
        json!({"organisation_id": owner, "title": "Staff-entered", "body": "Text."});
    let no_such = uuid::Uuid::new_v4();
    let spare_org = app.organisation(&staff, "Spare Society", "Wales").await;
    let invited = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "invited@owner.example", "name": "Invited", "role": "organisation", "organisation_id": owner}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let import = json!({"csv": "name,kind,region,contact_email\nImported,society,Wales,imp@x.example\n", "dry_run": true});

    use Method as M;
    let cases = vec![
        // Public endpoints.
        case(M::GET, "/healthz".into(), None, [200, 200, 200]),
        case(M::GET, "/readyz".into(), None, [200, 200, 200]),
        case(M::GET, "/api/v1/openapi.json".into(), None, [200, 200, 200]),
        case(M::GET, "/api/v1/conferences".into(), None, [200, 200, 200]),
        case(M::GET, c(""), None, [200, 200, 200]),
        case(M::GET, c("/quote?dinner=true"), None, [200, 200, 200]),
        // Staff administration.
        case(
            M::POST,
            "/api/v1/users".into(),
            Some(new_user),
            [401, 403, 201],
        ),
        case(M::GET, "/api/v1/users".into(), None, [401, 403, 200]),
        case(
            M::POST,
            format!("/api/v1/users/{invited}/invitation"),
            None,
            [401, 403, 201],
        ),
        case(
            M::POST,
            format!("/api/v1/users/{invited}/disable"),
            None,
            [401, 403, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/users/{invited}/enable"),
            None,
            [401, 403, 200],
        ),
        case(
            M::POST,
            "/api/v1/auth/password-reset".into(),
            Some(json!({"email": "invited@owner.example"})),
            [202, 202, 202],
        ),
        case(
            M::POST,
            "/api/v1/auth/password-reset/no-such-token".into(),
            Some(json!({"password": "a long enough password"})),
            [404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/organisations".into(),
            Some(new_org),
            [401, 403, 201],
        ),
        case(
            M::GET,
            "/api/v1/organisations".into(),
            None,
            [401, 200, 200],
        ),
        case(
            M::GET,
            format!("/api/v1/organisations/{owner}"),
            None,
            [401, 404, 200],
        ),
        case(
            M::PATCH,
            format!("/api/v1/organisations/{owner}"),
            Some(json!({"contact_email": "new.contact@owner.example"})),
            [401, 403, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/organisations/{spare_org}/deactivate"),
            None,
            [401, 403, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/organisations/{spare_org}/reactivate"),
            None,
            [401, 403, 200],
        ),
        case(
            M::POST,
            "/api/v1/organisations/import".into(),
            Some(import),
            [401, 403, 200],
        ),
        case(
            M::POST,
            "/api/v1/conferences".into(),
            Some(new_conf),
            [401, 403, 201],
        ),
        case(
            M::PATCH,
            c(""),
            Some(json!({"venue": "Cardiff Bay"})),
            [401, 403, 200],
        ),
        case(
            M::POST,
            c("/extensions"),
            Some(json!({"organisation_id": owner, "deadline": "motions", "until": "2016-04-11"})),
            [401, 403, 201],
        ),
        case(M::GET, c("/extensions"), None, [401, 403, 200]),
        case(M::GET, "/api/v1/audit".into(), None, [401, 403, 200]),
        case(M::GET, "/api/v1/outbox".into(), None, [401, 403, 200]),
        case(
            M::POST,
            format!("/api/v1/outbox/{email_id}/retry"),
            None,
            [401, 403, 409],
        ),
        // Registrations and delegates.
        case(
            M::POST,
            c("/registrations"),
            Some(on_behalf),
            [401, 403, 201],
        ),
        case(M::GET, c("/registrations"), None, [401, 200, 200]),
        case(
            M::GET,
            format!("/api/v1/registrations/{reg_id}"),
            None,
            [401, 404, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/registrations/{reg_id}/payments"),
            Some(json!({"amount": "10.00", "method": "cheque", "reference": "chq 1"})),
            [401, 403, 201],
        ),
        // Not in credit, so staff are told no refund is due.
        case(
            M::POST,
            format!("/api/v1/registrations/{reg_id}/refunds"),
            Some(json!({"amount": "10.00", "method": "cheque", "reference": "chq 2"})),
            [401, 403, 409],
        ),
        case(M::GET, c("/payments"), None, [401, 403, 200]),
        case(M::GET, c("/payments.csv"), None, [401, 403, 200]),
        case(
            M::GET,
            format!("/api/v1/registrations/{reg_id}/invoices"),
            None,
            [401, 404, 200],
        ),
        // The owner's registration is paid by invoice, so it has one.
        case(
            M::POST,
            format!("/api/v1/registrations/{reg_id}/invoices"),
            None,
            [401, 403, 409],
        ),
        case(
            M::GET,
            format!("/api/v1/invoices/{invoice_id}.pdf"),
            None,
            [401, 404, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/delegates/{second}/substitution"),
            Some(json!({"name": "Substitute", "email": "sub@owner.example"})),
            [401, 404, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/delegates/{second}/cancellation"),
            None,
            [401, 404, 200],
        ),
        case(M::GET, c("/delegates.csv"), None, [401, 403, 200]),
        case(M::GET, c("/delegates.xlsx"), None, [401, 403, 200]),
        case(M::GET, c("/summary"), None, [401, 403, 200]),
        case(M::GET, c("/dashboard"), None, [401, 403, 200]),
        // Submissions.
        case(
            M::POST,
            c("/motions"),
            Some(motion_for_owner),
            [401, 403, 201],
        ),
        case(M::GET, c("/motions"), None, [401, 200, 200]),
        case(
            M::GET,
            format!("/api/v1/submissions/{motion_id}"),
            None,
            [401, 404, 200],
        ),
        case(
            M::GET,
            format!("/api/v1/motions/{motion_id}/amendments"),
            None,
            [401, 404, 200],
        ),
        // Naming the owner is refused first (403); without a name the motion
        // is invisible to the other organisation (404, below).
        case(
            M::POST,
            format!("/api/v1/motions/{motion_id}/amendments"),
            Some(json!({"organisation_id": owner, "body": "Amend."})),
            [401, 403, 201],
        ),
        case(M::GET, c("/policy-submissions"), None, [401, 200, 200]),
        case(
            M::POST,
            c("/policy-submissions"),
            Some(
                json!({"organisation_id": owner, "title": "Staff-entered policy", "body": "Text."}),
            ),
            [401, 403, 201],
        ),
        case(
            M::POST,
            c("/award-nominations"),
            Some(
                json!({"organisation_id": owner, "nominee_kind": "branch", "nominee_name": "A Branch", "citation": "Good work."}),
            ),
            [401, 403, 201],
        ),
        // Already nominated by the owner: staff get the conflict.
        case(
            M::POST,
            c("/cac-nominations"),
            Some(json!({"organisation_id": owner, "delegate_id": delegate, "statement": "Again."})),
            [401, 403, 409],
        ),
        case(
            M::GET,
            format!("/api/v1/submissions/{policy_id}"),
            None,
            [401, 404, 200],
        ),
        case(
            M::POST,
            format!("/api/v1/submissions/{policy_id}/withdrawal"),
            None,
            [401, 404, 200],
        ),
        case(M::GET, c("/cac-nominations"), None, [401, 200, 200]),
        case(M::GET, c("/award-nominations"), None, [401, 200, 200]),
        case(
            M::POST,
            format!("/api/v1/submissions/{motion_id}/review"),
            Some(json!({"status": "accepted"})),
            [401, 403, 200],
        ),
        case(M::GET, c("/motions.csv"), None, [401, 403, 200]),
        case(M::GET, c("/cac-nominations.csv"), None, [401, 403, 200]),
        // A body that is not JSON is refused once the caller may act.
        as_text(case(
            M::POST,
            "/api/v1/auth/login".into(),
            Some(json!({"email": "nobody@party.example", "password": "wrong password"})),
            [415, 415, 415],
        )),
        as_text(case(
            M::POST,
            "/api/v1/organisations".into(),
            Some(
                json!({"name": "Plain", "kind": "society", "region": "Wales",
                        "contact_email": "plain@society.example"}),
            ),
            [401, 403, 415],
        )),
        as_text(case(
            M::PATCH,
            c(""),
            Some(json!({"venue": "Swansea"})),
            [401, 403, 415],
        )),
        as_text(case(
            M::POST,
            c("/registrations"),
            Some(json!({"organisation_id": owner, "payment_method": "invoice", "delegates": []})),
            [401, 415, 415],
        )),
        as_text(case(
            M::POST,
            format!("/api/v1/delegates/{second}/substitution"),
            Some(json!({"name": "Plain", "email": "plain@owner.example"})),
            [401, 415, 415],
        )),
        // A method the path does not support is 405 for everyone.
        case(M::DELETE, c(""), None, [405, 405, 405]),
        case(
            M::PUT,
            "/api/v1/organisations".into(),
            Some(json!({})),
            [405, 405, 405],
        ),
        case(
            M::DELETE,
            format!("/api/v1/registrations/{reg_id}"),
            None,
            [405, 405, 405],
        ),
        // Unknown ids are 404 for everyone allowed to ask.
        case(
            M::GET,
            format!("/api/v1/registrations/{no_such}"),
            None,
            [401, 404, 404],
        ),
        case(
            M::GET,
            format!("/api/v1/submissions/{no_such}"),
            None,
            [401, 404, 404],
        ),
        case(
            M::GET,
            format!("/api/v1/conferences/{no_such}"),
            None,
            [404, 404, 404],
        ),
    ];

    // Every documented route has a row.
    let doc = app.get("/api/v1/openapi.json", None).await.expect(200);
    let matches = |template: &str, path: &str| {
        let path = path.split('?').next().unwrap();
        let (t, p): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter().zip(&p).all(|(t, p)| {
                t == p
                    || (t.starts_with('{') && t.ends_with('}'))
                    || (t.contains("{id}") && p.ends_with(t.split("{id}").nth(1).unwrap()))
            })
    };
    for (template, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            assert!(
                template.starts_with("/docs")
                    || cases
                        .iter()
                        .any(|c| c.method.as_str().eq_ignore_ascii_case(method)
                            && matches(template, &c.path))
                    || template == "/api/v1/auth/login"
                    || template == "/api/v1/auth/logout",
                "{method} {template} has no row in the isolation matrix"
            );
        }
    }

    for c in &cases {
        let before = snapshot(&app, &staff, &reg_id, &conference).await;
        let anonymous = c.send(&app, None).await;
        check(anonymous, c.anonymous, "anonymous", c, &secrets);
        let res = c.send(&app, Some(&other)).await;
        let refused = res.status.as_u16() >= 400;
        check(res, c.other, "other organisation", c, &secrets);
        if c.method != M::GET && refused {
            assert_eq!(
                snapshot(&app, &staff, &reg_id, &conference).await,
                before,
                "a refused {} {} changed something",
                c.method,
                c.path
            );
        }
        let res = c.send(&app, Some(&staff)).await;
        check(res, c.staff, "staff", c, &[]);
    }

    // Other organisations cannot even see an unpublished motion to amend.
    let second_motion = app
        .post(
            &format!("/api/v1/conferences/{conference}/motions"),
            Some(&owner_user),
            &json!({"title": "Another", "body": "Private."}),
        )
        .await
        .expect(201);
    app.post(
        &format!(
            "/api/v1/motions/{}/amendments",
            second_motion["id"].as_str().unwrap()
        ),
        Some(&other),
        &json!({"body": "Amend."}),
    )
    .await
    .problem(404, "not_found");

    // Logout: anonymous is refused; a user's logout revokes only their token.
    let spare = app.org_user(&other_org).await;
    app.request(M::POST, "/api/v1/auth/logout", None, None, &[])
        .await
        .problem(401, "unauthenticated");
    let out = app
        .request(M::POST, "/api/v1/auth/logout", Some(&spare), None, &[])
        .await;
    assert_eq!(out.status.as_u16(), 204);
    app.get("/api/v1/organisations", Some(&spare))
        .await
        .problem(401, "unauthenticated");
    app.get("/api/v1/organisations", Some(&other))
        .await
        .expect(200);
}

/// A caller who may not use a staff-only endpoint learns nothing of its
/// body's schema: whatever it sends (a body of the wrong shape, or not JSON
/// at all), an organisation user gets 403 and an anonymous caller 401,
/// every time.
async fn the_role_is_checked_before_the_body_is_read(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let id = uuid::Uuid::new_v4();
    let staff_only = [
        (Method::POST, "/api/v1/conferences".to_owned()),
        (Method::PATCH, format!("/api/v1/conferences/{id}")),
        (Method::POST, "/api/v1/organisations".to_owned()),
        (Method::POST, "/api/v1/users".to_owned()),
        (Method::POST, format!("/api/v1/registrations/{id}/payments")),
        (Method::POST, format!("/api/v1/registrations/{id}/refunds")),
        (Method::POST, format!("/api/v1/conferences/{id}/extensions")),
        (Method::POST, format!("/api/v1/submissions/{id}/review")),
    ];
    let bodies = [
        json!({"slug": "x"}),
        json!(["not", "an", "object"]),
        json!(42),
    ];
    for (method, path) in &staff_only {
        for body in &bodies {
            for _ in 0..5 {
                app.request(method.clone(), path, Some(&member), Some(body), &[])
                    .await
                    .problem(403, "forbidden");
                app.request(method.clone(), path, None, Some(body), &[])
                    .await
                    .problem(401, "unauthenticated");
            }
        }
        let res = app
            .client
            .request(method.clone(), format!("{}{path}", app.base))
            .bearer_auth(&member)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "{method} {path}");
    }
}
