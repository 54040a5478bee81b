//! The isolation matrix: every endpoint tried as anonymous, as a user of
//! another organisation, and as staff of each role, against resources that
//! belong to one organisation. Refusals must be the contract's status and
//! code, lists must not leak the owner's data, and a refused request must
//! change nothing. [`ROLES`] names the staff roles each documented route
//! admits; a route missing from it fails the test.

mod common;

use common::{london, Backend, Response, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    every_endpoint_as_anonymous_other_organisation_and_staff,
    the_role_is_checked_before_the_body_is_read,
);

/// The staff roles other than `admin` (which may do everything).
const STAFF_ROLES: [&str; 4] = ["conference", "finance", "credentials", "data_protection"];

/// Admitted without any role (public, or any signed-in account alike).
const ANYONE: Option<&[&str]> = None;
/// Administrators only.
const ADMIN: Option<&[&str]> = Some(&[]);
const CONFERENCE: Option<&[&str]> = Some(&["conference"]);
const FINANCE: Option<&[&str]> = Some(&["finance"]);
const CONFERENCE_OR_FINANCE: Option<&[&str]> = Some(&["conference", "finance"]);
const CONFERENCE_OR_CREDENTIALS: Option<&[&str]> = Some(&["conference", "credentials"]);
const CREDENTIALS: Option<&[&str]> = Some(&["credentials"]);
const DATA_PROTECTION: Option<&[&str]> = Some(&["data_protection"]);
/// Every staff role (and organisation users).
const ANY_STAFF: Option<&[&str]> = Some(&STAFF_ROLES);

/// Every documented route and the staff roles it admits besides `admin`
/// (docs/security.md, "Staff roles"): any other staff member gets 403.
const ROLES: &[(&str, &str, Option<&[&str]>)] = &[
    ("get", "/healthz", ANYONE),
    ("get", "/readyz", ANYONE),
    ("get", "/api/v1/openapi.json", ANYONE),
    ("post", "/api/v1/auth/login", ANYONE),
    ("post", "/api/v1/auth/logout", ANY_STAFF),
    ("post", "/api/v1/auth/password-reset", ANYONE),
    ("post", "/api/v1/auth/password-reset/{token}", ANYONE),
    ("post", "/api/v1/users", ADMIN),
    ("get", "/api/v1/users", ADMIN),
    ("post", "/api/v1/users/{id}/invitation", ADMIN),
    ("post", "/api/v1/users/{id}/disable", ADMIN),
    ("post", "/api/v1/users/{id}/enable", ADMIN),
    ("put", "/api/v1/users/{id}/roles", ADMIN),
    ("get", "/api/v1/audit", ADMIN),
    ("get", "/api/v1/outbox", ADMIN),
    ("post", "/api/v1/outbox/{id}/retry", ADMIN),
    ("post", "/api/v1/organisations", CONFERENCE),
    ("get", "/api/v1/organisations", CONFERENCE_OR_FINANCE),
    ("get", "/api/v1/organisations/{id}", CONFERENCE_OR_FINANCE),
    ("patch", "/api/v1/organisations/{id}", CONFERENCE),
    ("post", "/api/v1/organisations/{id}/deactivate", CONFERENCE),
    ("post", "/api/v1/organisations/{id}/reactivate", CONFERENCE),
    ("post", "/api/v1/organisations/import", CONFERENCE),
    ("get", "/api/v1/conferences", ANYONE),
    ("get", "/api/v1/conferences/{id}", ANYONE),
    ("get", "/api/v1/conferences/{id}/quote", ANYONE),
    ("post", "/api/v1/conferences", CONFERENCE),
    ("patch", "/api/v1/conferences/{id}", CONFERENCE),
    ("post", "/api/v1/conferences/{id}/extensions", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/extensions", CONFERENCE),
    ("post", "/api/v1/conferences/{id}/registrations", CONFERENCE),
    (
        "get",
        "/api/v1/conferences/{id}/registrations",
        CONFERENCE_OR_FINANCE,
    ),
    ("get", "/api/v1/registrations/{id}", CONFERENCE_OR_FINANCE),
    ("post", "/api/v1/registrations/{id}/payments", FINANCE),
    (
        "get",
        "/api/v1/registrations/{id}/invoices",
        CONFERENCE_OR_FINANCE,
    ),
    ("post", "/api/v1/registrations/{id}/invoices", FINANCE),
    ("get", "/api/v1/invoices/{id}.pdf", CONFERENCE_OR_FINANCE),
    ("post", "/api/v1/delegates/{id}/substitution", CONFERENCE),
    ("post", "/api/v1/delegates/{id}/cancellation", CONFERENCE),
    (
        "get",
        "/api/v1/conferences/{id}/delegates.csv",
        CONFERENCE_OR_CREDENTIALS,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/delegates.xlsx",
        CONFERENCE_OR_CREDENTIALS,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/summary",
        CONFERENCE_OR_FINANCE,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/dashboard",
        CONFERENCE_OR_FINANCE,
    ),
    ("get", "/api/v1/conferences/{id}/motions.csv", CONFERENCE),
    (
        "get",
        "/api/v1/conferences/{id}/cac-nominations.csv",
        CONFERENCE,
    ),
    ("post", "/api/v1/conferences/{id}/motions", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/motions", CONFERENCE),
    ("post", "/api/v1/motions/{id}/amendments", CONFERENCE),
    ("get", "/api/v1/motions/{id}/amendments", CONFERENCE),
    (
        "post",
        "/api/v1/conferences/{id}/policy-submissions",
        CONFERENCE,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/policy-submissions",
        CONFERENCE,
    ),
    (
        "post",
        "/api/v1/conferences/{id}/cac-nominations",
        CONFERENCE,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/cac-nominations",
        CONFERENCE,
    ),
    (
        "post",
        "/api/v1/conferences/{id}/award-nominations",
        CONFERENCE,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/award-nominations",
        CONFERENCE,
    ),
    ("get", "/api/v1/submissions/{id}", CONFERENCE),
    ("post", "/api/v1/submissions/{id}/review", CONFERENCE),
    ("post", "/api/v1/submissions/{id}/withdrawal", CONFERENCE),
    ("post", "/api/v1/registrations/{id}/refunds", FINANCE),
    ("get", "/api/v1/conferences/{id}/payments", FINANCE),
    ("get", "/api/v1/conferences/{id}/payments.csv", FINANCE),
    ("get", "/api/v1/conferences/{id}/badges.pdf", CREDENTIALS),
    ("post", "/api/v1/conferences/{id}/check-ins", CREDENTIALS),
    (
        "get",
        "/api/v1/conferences/{id}/attendance.csv",
        CREDENTIALS,
    ),
    ("get", "/api/v1/subject-access", DATA_PROTECTION),
    ("post", "/api/v1/erasures", DATA_PROTECTION),
    ("post", "/api/v1/conferences/{id}/programme", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/programme", ANYONE),
    ("get", "/api/v1/conferences/{id}/programme.ics", ANYONE),
    (
        "patch",
        "/api/v1/conferences/{id}/programme/{item_id}",
        CONFERENCE,
    ),
    (
        "delete",
        "/api/v1/conferences/{id}/programme/{item_id}",
        CONFERENCE,
    ),
    ("post", "/api/v1/conferences/{id}/room-blocks", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/room-blocks", ANYONE),
    (
        "get",
        "/api/v1/conferences/{id}/rooming-list.csv",
        CONFERENCE,
    ),
    (
        "get",
        "/api/v1/conferences/{id}/rooming-list.xlsx",
        CONFERENCE,
    ),
    ("put", "/api/v1/conferences/{id}/privacy-notice", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/privacy-notice", ANYONE),
    (
        "get",
        "/api/v1/conferences/{id}/privacy-notice/{version}",
        ANYONE,
    ),
    ("put", "/api/v1/conferences/{id}/entitlements", CONFERENCE),
    ("get", "/api/v1/conferences/{id}/entitlements", CONFERENCE),
];

/// Whether a documented path template names this request path.
fn matches(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            t == p
                || (t.starts_with('{') && t.ends_with('}'))
                || (t.contains("{id}") && p.ends_with(t.split("{id}").nth(1).unwrap()))
        })
}

/// The roles a request's route admits ([`ANYONE`] for a method no route
/// serves: 405 for everyone).
fn roles_for(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    ROLES
        .iter()
        .find(|(m, t, _)| method.as_str().eq_ignore_ascii_case(m) && matches(t, path))
        .and_then(|(_, _, roles)| *roles)
}

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
    let dinner = json!({"title": "Conference Dinner", "starts_at": "2016-09-10T19:30",
        "ends_at": "2016-09-10T23:00", "place": "Cardiff", "ticketed": true});
    let item = app
        .post(&c("/programme"), Some(&staff), &dinner)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let import = json!({"csv": "name,kind,region,contact_email\nImported,society,Wales,imp@x.example\n", "dry_run": true});
    let colleague = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "colleague@party.example", "name": "Colleague", "role": "staff", "roles": ["conference"]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut by_role = Vec::new();
    for role in STAFF_ROLES {
        by_role.push((role, app.staff_with_roles(&[role]).await));
    }

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
            M::PUT,
            format!("/api/v1/users/{colleague}/roles"),
            Some(json!({"roles": ["conference", "finance"]})),
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
        // The programme: read by anyone, changed by staff.
        case(M::GET, c("/programme"), None, [200, 200, 200]),
        case(M::GET, c("/programme.ics"), None, [200, 200, 200]),
        case(M::POST, c("/programme"), Some(dinner), [401, 403, 201]),
        case(
            M::PATCH,
            c(&format!("/programme/{item}")),
            Some(json!({"place": "Cardiff City Hall"})),
            [401, 403, 200],
        ),
        case(
            M::DELETE,
            c(&format!("/programme/{item}")),
            None,
            [401, 403, 204],
        ),
        // Room blocks: read by anyone, set up by staff; the rooming list is staff's.
        case(M::GET, c("/room-blocks"), None, [200, 200, 200]),
        case(
            M::POST,
            c("/room-blocks"),
            Some(
                json!({"hotel": "Park Inn", "hotel_address": "Mary Ann Street, Cardiff",
                        "room_type": "Double", "nightly_rate": "89.00",
                        "nights": {"2016-09-09": 20}, "release_on": "2016-08-12"}),
            ),
            [401, 403, 201],
        ),
        case(M::GET, c("/rooming-list.csv"), None, [401, 403, 200]),
        case(M::GET, c("/rooming-list.xlsx"), None, [401, 403, 200]),
        // The privacy notice: published by staff, read by anyone.
        case(
            M::PUT,
            c("/privacy-notice"),
            Some(json!({"text": "We hold delegates' names to run the conference."})),
            [401, 403, 201],
        ),
        case(M::GET, c("/privacy-notice"), None, [200, 200, 200]),
        case(M::GET, c("/privacy-notice/1"), None, [200, 200, 200]),
        // Entitlements: set by staff; read by staff, and by an
        // organisation user for its own figures only.
        case(
            M::PUT,
            c("/entitlements"),
            Some(json!({"default": 50, "organisations": {owner.clone(): 60}})),
            [401, 403, 200],
        ),
        case(M::GET, c("/entitlements"), None, [401, 200, 200]),
        case(M::GET, "/api/v1/audit".into(), None, [401, 403, 200]),
        case(M::GET, "/api/v1/outbox".into(), None, [401, 403, 200]),
        case(
            M::POST,
            format!("/api/v1/outbox/{email_id}/retry"),
            None,
            [401, 403, 409],
        ),
        // Data protection (role `data_protection`): someone Plenary does
        // not hold, so staff get an empty file and an erasure of nothing.
        case(
            M::GET,
            "/api/v1/subject-access?email=nobody%40nowhere.example".into(),
            None,
            [401, 403, 200],
        ),
        case(
            M::POST,
            "/api/v1/erasures".into(),
            Some(json!({"email": "nobody@nowhere.example", "reason": "isolation test"})),
            [401, 403, 200],
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
        // The credentials desk.
        case(M::GET, c("/badges.pdf"), None, [401, 403, 200]),
        case(
            M::POST,
            c("/check-ins"),
            Some(json!({"reference": reference, "name": "Secret Delegate"})),
            [401, 403, 201],
        ),
        case(M::GET, c("/attendance.csv"), None, [401, 403, 200]),
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
    for (template, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            assert!(
                template.starts_with("/docs")
                    || ROLES.iter().any(|(m, t, _)| m == method && t == template),
                "{method} {template} does not say which staff roles it admits (ROLES)"
            );
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
        // Staff whose roles do not admit the route are refused before
        // anything else, and change nothing.
        let admitted = roles_for(&c.method, &c.path);
        for (role, token) in &by_role {
            if admitted.is_none_or(|a| a.contains(role)) {
                continue;
            }
            let before = snapshot(&app, &staff, &reg_id, &conference).await;
            let res = c.send(&app, Some(token)).await;
            check(res, 403, role, c, &[]);
            if c.method != M::GET {
                assert_eq!(
                    snapshot(&app, &staff, &reg_id, &conference).await,
                    before,
                    "{role}: a refused {} {} changed something",
                    c.method,
                    c.path
                );
            }
        }
        // The narrowest role admitted acts (administrators do everything;
        // reads are tried as an administrator too).
        let narrowest = admitted
            .and_then(|a| a.first())
            .and_then(|r| by_role.iter().find(|(role, _)| role == r));
        match narrowest {
            Some((role, token)) => {
                check(c.send(&app, Some(token)).await, c.staff, role, c, &[]);
                if c.method == M::GET {
                    check(c.send(&app, Some(&staff)).await, c.staff, "admin", c, &[]);
                }
            }
            None => check(c.send(&app, Some(&staff)).await, c.staff, "admin", c, &[]),
        }
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
/// at all), an organisation user or a staff member without the role gets
/// 403 and an anonymous caller 401, every time.
async fn the_role_is_checked_before_the_body_is_read(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let data_protection = app.staff_with_roles(&["data_protection"]).await;
    let credentials = app.staff_with_roles(&["credentials"]).await;
    let id = uuid::Uuid::new_v4();
    let staff_only = [
        (Method::POST, "/api/v1/conferences".to_owned()),
        (Method::PATCH, format!("/api/v1/conferences/{id}")),
        (Method::POST, "/api/v1/organisations".to_owned()),
        (Method::POST, "/api/v1/users".to_owned()),
        (Method::POST, format!("/api/v1/registrations/{id}/payments")),
        (Method::POST, format!("/api/v1/registrations/{id}/refunds")),
        (Method::POST, format!("/api/v1/conferences/{id}/extensions")),
        (Method::POST, format!("/api/v1/conferences/{id}/check-ins")),
        (Method::POST, format!("/api/v1/submissions/{id}/review")),
        (Method::PUT, format!("/api/v1/users/{id}/roles")),
        (
            Method::PUT,
            format!("/api/v1/conferences/{id}/privacy-notice"),
        ),
        (Method::POST, "/api/v1/erasures".to_owned()),
    ];
    let bodies = [
        json!({"slug": "x"}),
        json!(["not", "an", "object"]),
        json!(42),
    ];
    for (method, path) in &staff_only {
        for body in &bodies {
            for _ in 0..5 {
                // Staff whose roles do not cover the endpoint.
                let other = if path.ends_with("/erasures") {
                    &credentials
                } else {
                    &data_protection
                };
                for refused in [&member, other] {
                    app.request(method.clone(), path, Some(refused), Some(body), &[])
                        .await
                        .problem(403, "forbidden");
                }
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
