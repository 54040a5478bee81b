//! The staff console over plain HTTP: every staff page refuses an
//! organisation's user (403) and sends a signed-out visitor to sign in;
//! the conference form puts the API's problems beside its fields; a CSV
//! import with a bad row saves nothing and the fixed file saves every row;
//! invitation links work once and run out, with a clear page either way;
//! and the password reset page answers alike for known and unknown
//! addresses. The journey runs in Chromium (`staff_browser.rs`).

mod common;

use common::visitor::{Page, Visitor};
use common::{london, Backend, TestApp, PASSWORD};
use reqwest::header::SET_COOKIE;
use serde_json::{json, Value};

backend_tests!(
    staff_pages_refuse_organisation_users_and_signed_out_visitors,
    the_conference_form_shows_problems_beside_fields,
    a_conference_is_created_and_edited_through_the_form,
    an_import_with_a_bad_row_saves_nothing_and_the_fixed_file_saves_all,
    organisations_are_searched_added_edited_and_deactivated,
    an_invitation_link_works_once_and_runs_out,
    the_reset_page_answers_alike_for_known_and_unknown_addresses,
    disabling_an_account_ends_its_browser_sessions,
    the_dashboard_shows_the_figures_with_links_to_their_lists,
);

const STAFF: &str = "chair@party.example";
const SECRETARY: &str = "a@cardiff.example";

struct Fixture {
    app: TestApp,
    api: String,
    conference: String,
    organisation: String,
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    app.create_user(STAFF, "staff", None).await;
    let api = app.login(STAFF).await;
    let organisation = app.organisation(&api, "Cardiff Party", "Wales").await;
    app.create_user(SECRETARY, "organisation", Some(&organisation))
        .await;
    let conference = app.conference(&api, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        app,
        api,
        conference,
        organisation,
    }
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let mut v = Visitor::new(app);
    let page = v.sign_in(email, PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.text);
    v
}

/// The value of an input, by id.
fn value_of(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\" name=\"{id}\" type=\"");
    let at = page
        .text
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {id}"));
    let rest = &page.text[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// A multipart/form-data body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: (&str, &str, &str)) -> (String, Vec<u8>) {
    let boundary = "----plenary-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    let (name, filename, content) = file;
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn upload(v: &Visitor<'_>, csrf: &str, csv: &str) -> Page {
    let (content_type, body) =
        multipart(&[("csrf_token", csrf)], ("file", "organisations.csv", csv));
    v.send(
        v.client
            .post(format!("{}/staff/organisations/import", v.app.base))
            .header("content-type", content_type)
            .header("origin", &v.app.base)
            .body(body),
    )
    .await
}

async fn staff_pages_refuse_organisation_users_and_signed_out_visitors(b: Backend) {
    let f = fixture(b).await;
    let c = &f.conference;
    let o = &f.organisation;
    let pages = [
        "/staff".to_owned(),
        "/staff/conferences".to_owned(),
        "/staff/conferences/new".to_owned(),
        format!("/staff/conferences/{c}"),
        format!("/staff/conferences/{c}/edit"),
        "/staff/organisations".to_owned(),
        "/staff/organisations/new".to_owned(),
        "/staff/organisations/import".to_owned(),
        format!("/staff/organisations/{o}/edit"),
        "/staff/accounts".to_owned(),
        "/staff/accounts/invite".to_owned(),
        "/staff/privacy/subject-access".to_owned(),
        "/staff/privacy/erasure".to_owned(),
    ];
    let staff = signed_in(&f.app, STAFF).await;
    for path in &pages {
        let page = staff.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        for link in [
            "Conferences",
            "Organisations",
            "Registrations",
            "Submissions",
            "Outbox",
            "Audit log",
        ] {
            assert!(
                page.text.contains(&format!(">{link}</a>")),
                "{path}: {link}"
            );
        }
        assert_eq!(
            page.headers.get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
    }
    let secretary = signed_in(&f.app, SECRETARY).await;
    let anonymous = Visitor::new(&f.app);
    for path in &pages {
        let page = secretary.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.text.contains("staff only"), "{path}: {}", page.text);
        assert_eq!(anonymous.get(path).await.location(), "/login", "{path}");
    }
    // Posts too: refused before anything is read or changed.
    let csrf = secretary
        .get("/account/password")
        .await
        .hidden("csrf_token");
    for path in [
        "/staff/conferences/new".to_owned(),
        format!("/staff/conferences/{c}/edit"),
        "/staff/organisations/new".to_owned(),
        format!("/staff/organisations/{o}/active"),
        "/staff/organisations/import/confirm".to_owned(),
        "/staff/accounts/invite".to_owned(),
        "/staff/privacy/subject-access".to_owned(),
        "/staff/privacy/erasure".to_owned(),
    ] {
        let page = secretary
            .post(&path, &[("csrf_token", &csrf), ("active", "0")])
            .await;
        assert_eq!(page.status, 403, "{path}");
        assert_eq!(
            anonymous.post(&path, &[("active", "0")]).await.location(),
            "/login",
            "{path}"
        );
    }
    assert_eq!(upload(&secretary, &csrf, "name\n").await.status, 403);
    // Nothing changed: the organisation is still active.
    let o = f
        .app
        .get(&format!("/api/v1/organisations/{o}"), Some(&f.api))
        .await
        .expect(200);
    assert!(o["deactivated_at"].is_null(), "{o}");
}

/// The reference conference as the form posts it.
fn conference_form(csrf: &str, key: &str, slug: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("csrf_token", csrf),
        ("idempotency_key", key),
        ("tier_rows", "2"),
        ("name", "Co-operative Party Annual Conference 2016"),
        ("slug", slug),
        ("venue", "Radisson Blu Hotel Cardiff"),
        ("timezone", "Europe/London"),
        ("currency", "GBP"),
        ("starts_on", "2016-09-09"),
        ("ends_on", "2016-09-11"),
        ("price_tiers-0-code", "early"),
        ("price_tiers-0-name", "Early bird"),
        ("price_tiers-0-until", "2016-06-30"),
        ("price_tiers-0-pass_fee", "90.00"),
        ("price_tiers-0-dinner_fee", "45.00"),
        ("price_tiers-1-code", "standard"),
        ("price_tiers-1-name", "Standard"),
        ("price_tiers-1-until", ""),
        ("price_tiers-1-pass_fee", "110.00"),
        ("price_tiers-1-dinner_fee", "45.00"),
        ("deadlines-registration", "2016-08-22"),
        ("deadlines-motions", "2016-04-04"),
        ("deadlines-amendments", "2016-08-01"),
        ("deadlines-policy_submissions", "2016-08-01"),
        ("deadlines-cac_nominations", "2016-08-01"),
        ("deadlines-award_nominations", "2016-08-01"),
        ("capacity", "450"),
        ("dinner_capacity", "200"),
        ("motion_word_limit", "300"),
        ("amendment_word_limit", ""),
        ("policy_word_limit", ""),
        ("cac-vacancies", "2"),
        ("cac-excluded_regions", "West Midlands"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    f.shrink_to_fit();
    f
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    form.iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1 = value.to_owned();
}

async fn post_owned(v: &Visitor<'_>, path: &str, form: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    v.post(path, &pairs).await
}

async fn the_conference_form_shows_problems_beside_fields(b: Backend) {
    let f = fixture(b).await;
    let staff = signed_in(&f.app, STAFF).await;
    let page = staff.get("/staff/conferences/new").await;
    let csrf = page.hidden("csrf_token");
    let key = page.hidden("idempotency_key");
    let mut form = conference_form(&csrf, &key, "annual-2016");
    set(&mut form, "ends_on", "2016-09-01");
    set(&mut form, "price_tiers-1-pass_fee", "lots");
    set(&mut form, "capacity", "ten");
    set(&mut form, "timezone", "Europe/Cardiff");
    let page = post_owned(&staff, "/staff/conferences/new", &form).await;
    assert_eq!(page.status, 422, "{}", page.text);
    assert!(page.text.contains("There is a problem"));
    for (id, words) in [
        ("ends_on", "The last day must be on or after"),
        ("price_tiers-1-pass_fee", "Price tier 2 pass fee"),
        ("capacity", "The number of places must be a whole number"),
        ("timezone", "The time zone"),
    ] {
        let marker = format!("id=\"{id}-error\"");
        let at = page
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no error beside {id}: {}", page.text));
        assert!(
            page.text[at..at + 300].contains(words),
            "{id}: {}",
            &page.text[at..at + 300]
        );
        assert!(page.text.contains(&format!("href=\"#{id}\"")), "{id}");
    }
    // What was typed is kept.
    assert_eq!(value_of(&page, "price_tiers-1-pass_fee"), "lots");
    assert_eq!(value_of(&page, "venue"), "Radisson Blu Hotel Cardiff");
    // A slug taken is shown beside the slug (the fixture's conference has
    // a random slug; take it).
    let taken = f
        .app
        .get(&format!("/api/v1/conferences/{}", f.conference), None)
        .await
        .expect(200)["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = conference_form(&csrf, &uuid::Uuid::new_v4().to_string(), &taken);
    let page = post_owned(&staff, "/staff/conferences/new", &form).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"slug-error\""), "{}", page.text);
    // Nothing was saved.
    let list = f.app.get("/api/v1/conferences", None).await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

async fn a_conference_is_created_and_edited_through_the_form(b: Backend) {
    let f = fixture(b).await;
    let staff = signed_in(&f.app, STAFF).await;
    let page = staff.get("/staff/conferences/new").await;
    let csrf = page.hidden("csrf_token");
    let key = page.hidden("idempotency_key");
    let mut form = conference_form(&csrf, &key, "annual-2016");
    // "Add another tier" shows the form again with a third row, saving nothing.
    form.push(("add_tier".into(), "1".into()));
    let page = post_owned(&staff, "/staff/conferences/new", &form).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Tier 3"));
    assert_eq!(value_of(&page, "price_tiers-1-code"), "standard");
    assert_eq!(value_of(&page, "price_tiers-2-code"), "");
    form.pop();
    set(&mut form, "tier_rows", "3");
    form.push(("price_tiers-2-code".into(), String::new()));
    let page = post_owned(&staff, "/staff/conferences/new", &form).await;
    assert_eq!(page.status, 303, "{}", page.text);
    let dashboard = page.location().to_owned();
    assert!(dashboard.starts_with("/staff/conferences/"), "{dashboard}");
    // A double post creates it once.
    let again = post_owned(&staff, "/staff/conferences/new", &form).await;
    assert_eq!(again.location(), dashboard);
    let id = dashboard.rsplit('/').next().unwrap();
    let c = f
        .app
        .get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
    assert_eq!(c["venue"], "Radisson Blu Hotel Cardiff");
    assert_eq!(c["price_tiers"].as_array().unwrap().len(), 2);
    assert_eq!(c["capacity"], 450);
    assert_eq!(c["cac"]["excluded_regions"], json!(["West Midlands"]));
    let page = staff.get(&dashboard).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Friday 9 to Sunday 11 September 2016"));

    // Edit: the form comes filled in; a change is saved by the patch.
    let page = staff.get(&format!("{dashboard}/edit")).await;
    assert_eq!(value_of(&page, "price_tiers-0-pass_fee"), "90.00");
    assert_eq!(value_of(&page, "capacity"), "450");
    let mut form = conference_form(
        &page.hidden("csrf_token"),
        &page.hidden("idempotency_key"),
        "annual-2016",
    );
    set(&mut form, "venue", "Cardiff City Hall");
    set(&mut form, "capacity", "");
    let page = post_owned(&staff, &format!("{dashboard}/edit"), &form).await;
    assert_eq!(page.status, 303, "{}", page.text);
    let c = f
        .app
        .get(&format!("/api/v1/conferences/{id}"), None)
        .await
        .expect(200);
    assert_eq!(c["venue"], "Cardiff City Hall");
    assert!(c["capacity"].is_null(), "{c}");
    // The edit form refuses what the API refuses, beside the field.
    let page = staff.get(&format!("{dashboard}/edit")).await;
    let mut form = conference_form(
        &page.hidden("csrf_token"),
        &page.hidden("idempotency_key"),
        "annual-2016",
    );
    set(&mut form, "deadlines-registration", "2016-09-10");
    let page = post_owned(&staff, &format!("{dashboard}/edit"), &form).await;
    assert_eq!(page.status, 422);
    assert!(
        page.text.contains("id=\"deadlines-registration-error\""),
        "{}",
        page.text
    );
    let list = staff.get("/staff/conferences").await;
    assert!(list.text.contains("Cardiff City Hall"));
}

const BAD_CSV: &str = "name,kind,region,contact_email\n\
    Cardiff Co-operative Party,local party,Wales,secretary@cardiff.example\n\
    Swansea Co-operative Party,local party,Atlantis,secretary@swansea.example\n\
    Islington Co-operative Society,society,London,secretary@islington.example\n";

async fn organisation_count(f: &Fixture) -> usize {
    f.app
        .get("/api/v1/organisations?limit=100", Some(&f.api))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn an_import_with_a_bad_row_saves_nothing_and_the_fixed_file_saves_all(b: Backend) {
    let f = fixture(b).await;
    let staff = signed_in(&f.app, STAFF).await;
    let csrf = staff
        .get("/staff/organisations/import")
        .await
        .hidden("csrf_token");
    let page = upload(&staff, &csrf, BAD_CSV).await;
    assert_eq!(page.status, 422, "{}", page.text);
    assert!(page.text.contains("Some rows need fixing"));
    assert!(page.text.contains("Nothing has been saved"));
    assert!(page.text.contains("Region must be one of"), "{}", page.text);
    assert!(!page.text.contains("/staff/organisations/import/confirm"));
    assert_eq!(organisation_count(&f).await, 1);
    // Without the form's token the upload is refused.
    assert_eq!(upload(&staff, "nope", BAD_CSV).await.status, 403);
    // Not UTF-8, or no file: said beside the file input.
    let page = upload(&staff, &csrf, "").await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"file-error\""), "{}", page.text);

    let fixed = BAD_CSV.replace("Atlantis", "Wales");
    let page = upload(&staff, &csrf, &fixed).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Import 3 organisations"));
    assert_eq!(organisation_count(&f).await, 1, "a preview saves nothing");
    let confirm = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", &page.hidden("idempotency_key")),
        ("csv", &fixed),
        ("file_name", "organisations.csv"),
    ];
    let page = staff
        .post("/staff/organisations/import/confirm", &confirm)
        .await;
    assert_eq!(page.status, 303, "{}", page.text);
    assert_eq!(
        page.location(),
        "/staff/organisations?imported=3",
        "{}",
        page.text
    );
    assert_eq!(organisation_count(&f).await, 4);
    // The same confirm again (a double click) imports once.
    let again = staff
        .post("/staff/organisations/import/confirm", &confirm)
        .await;
    assert_eq!(again.location(), "/staff/organisations?imported=3");
    assert_eq!(organisation_count(&f).await, 4);
    let page = staff.get("/staff/organisations?imported=3").await;
    assert!(page.text.contains("3 organisations were imported."));
    assert!(page.text.contains("Islington Co-operative Society"));
    // A file whose names now exist is refused row by row.
    let page = upload(&staff, &csrf, &fixed).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("exists already"), "{}", page.text);
}

async fn organisations_are_searched_added_edited_and_deactivated(b: Backend) {
    let f = fixture(b).await;
    f.app
        .organisation(&f.api, "Bristol Party", "South West")
        .await;
    let staff = signed_in(&f.app, STAFF).await;
    let page = staff.get("/staff/organisations?q=bris").await;
    assert!(page.text.contains("Bristol Party"));
    assert!(!page.text.contains("Cardiff Party"));
    let page = staff.get("/staff/organisations?region=Wales").await;
    assert!(page.text.contains("Cardiff Party"));
    assert!(!page.text.contains("Bristol Party"));
    let page = staff.get("/staff/organisations?kind=society").await;
    assert!(page.text.contains("No organisation matches"));

    let page = staff.get("/staff/organisations/new").await;
    let (csrf, key) = (page.hidden("csrf_token"), page.hidden("idempotency_key"));
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("name", "Cardiff Party"),
        ("kind", "local_party"),
        ("region", "Wales"),
        ("contact_email", "not an email"),
    ];
    let page = staff.post("/staff/organisations/new", &form).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"contact_email-error\""));
    form[5].1 = "sec@cardiff.example";
    let page = staff.post("/staff/organisations/new", &form).await;
    assert_eq!(page.status, 422, "a name taken");
    assert!(page.text.contains("id=\"name-error\""), "{}", page.text);
    form[2].1 = "Newport Party";
    let page = staff.post("/staff/organisations/new", &form).await;
    assert_eq!(page.status, 303, "{}", page.text);
    assert_eq!(organisation_count(&f).await, 3);

    let edit = format!("/staff/organisations/{}/edit", f.organisation);
    let page = staff.get(&edit).await;
    assert_eq!(value_of(&page, "name"), "Cardiff Party");
    let key = page.hidden("idempotency_key");
    let page = staff
        .post(
            &edit,
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &key),
                ("name", "Cardiff Co-operative Party"),
                ("kind", "local_party"),
                ("region", "Wales"),
                ("contact_email", "sec@cardiff.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.text);
    // Deactivating signs the secretary out of nothing yet, but they can no
    // longer sign in.
    let page = staff
        .post(
            &format!("/staff/organisations/{}/active", f.organisation),
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
                ("active", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let o = f
        .app
        .get(
            &format!("/api/v1/organisations/{}", f.organisation),
            Some(&f.api),
        )
        .await
        .expect(200);
    assert_eq!(o["name"], "Cardiff Co-operative Party");
    assert!(!o["deactivated_at"].is_null());
    let page = staff.get("/staff/organisations").await;
    assert!(!page.text.contains("Cardiff Co-operative Party"));
    let page = staff.get("/staff/organisations?inactive=1").await;
    assert!(page.text.contains("Deactivated"));
    let mut secretary = Visitor::new(&f.app);
    assert_eq!(secretary.sign_in(SECRETARY, PASSWORD).await.status, 422);
}

/// The path of the link in the newest email of a kind.
async fn link_in(app: &TestApp, kind: &'static str) -> String {
    let mail = app.queued(kind).await;
    let text = &mail.last().expect("an email").text;
    let start = text.find("/password/").expect("a link");
    let end = start
        + text[start..]
            .find(char::is_whitespace)
            .unwrap_or(text.len() - start);
    text[start..end].to_owned()
}

async fn invite(staff: &Visitor<'_>, name: &str, email: &str, org: &str) -> Page {
    let page = staff.get("/staff/accounts/invite").await;
    staff
        .post(
            "/staff/accounts/invite",
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("idempotency_key", &page.hidden("idempotency_key")),
                ("name", name),
                ("email", email),
                ("role", "organisation"),
                ("organisation_id", org),
            ],
        )
        .await
}

async fn an_invitation_link_works_once_and_runs_out(b: Backend) {
    let f = fixture(b).await;
    let staff = signed_in(&f.app, STAFF).await;
    // The form's problems: no organisation chosen, an address taken.
    let page = invite(&staff, "Jo Bloggs", SECRETARY, "").await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"organisation_id-error\""));
    let page = invite(&staff, "Jo Bloggs", SECRETARY, &f.organisation).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"email-error\""), "{}", page.text);
    assert!(f.app.queued("invitation").await.is_empty());

    let page = invite(&staff, "Jo Bloggs", "jo@cardiff.example", &f.organisation).await;
    assert_eq!(page.location(), "/staff/accounts?done=invited");
    let mail = f.app.queued("invitation").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, "jo@cardiff.example");
    let link = link_in(&f.app, "invitation").await;
    let token = link.trim_start_matches("/password/").to_owned();
    // Only the token's hash is stored.
    let stored: Vec<String> = f
        .app
        .state
        .db(|conn| {
            use diesel::prelude::*;
            use plenary::db::schema::account_tokens;
            Ok(account_tokens::table
                .select(account_tokens::token_hash)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert!(!stored.contains(&token));
    let page = staff.get("/staff/accounts").await;
    assert!(page.text.contains("Invited"));

    let mut jo = Visitor::new(&f.app);
    let page = jo.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Set your password"));
    let page = jo.post(&link, &[("password", "short")]).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"password-error\""));
    let page = jo
        .post(&link, &[("password", "a long enough new password")])
        .await;
    assert_eq!(page.status, 303, "{}", page.text);
    assert_eq!(page.location(), "/portal");
    let cookie = page.headers.get(SET_COOKIE).unwrap().to_str().unwrap();
    jo.cookie = Some(
        cookie
            .trim_start_matches("plenary_session=")
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(jo.get("/portal").await.status, 200);
    // Used: a clear page, not an error dump, and it cannot be used again.
    let used = Visitor::new(&f.app).get(&link).await;
    assert_eq!(used.status, 410);
    assert!(used.text.contains("used already"), "{}", used.text);
    let page = Visitor::new(&f.app)
        .post(&link, &[("password", "another long password")])
        .await;
    assert_eq!(page.status, 410);
    assert!(page.text.contains("used already"));
    // An invitation runs out after 7 days.
    let page = invite(&staff, "Sam Smith", "sam@cardiff.example", &f.organisation).await;
    assert_eq!(page.status, 303);
    let link = link_in(&f.app, "invitation").await;
    f.app.clock.set(london(2016, 3, 8, 10, 0, 1));
    let page = Visitor::new(&f.app).get(&link).await;
    assert_eq!(page.status, 410);
    assert!(page.text.contains("has expired"), "{}", page.text);
    assert!(page.text.contains("href=\"/password-reset\""));
    // An unknown link gets the same kind of page.
    let page = Visitor::new(&f.app).get("/password/not-a-token").await;
    assert_eq!(page.status, 410);
    assert!(page.text.contains("This link cannot be used"));
}

async fn the_reset_page_answers_alike_for_known_and_unknown_addresses(b: Backend) {
    let f = fixture(b).await;
    let anonymous = Visitor::new(&f.app);
    let login = anonymous.get("/login").await;
    assert!(login
        .text
        .contains("href=\"/password-reset\">Forgot your password?</a>"));
    let known = anonymous
        .post("/password-reset", &[("email", SECRETARY)])
        .await;
    let unknown = anonymous
        .post("/password-reset", &[("email", "nobody@nowhere.example")])
        .await;
    assert_eq!(known.status, 200);
    assert_eq!(unknown.status, 200);
    assert_eq!(
        known.text.replace(SECRETARY, "X"),
        unknown.text.replace("nobody@nowhere.example", "X")
    );
    let mail = f.app.queued("password_reset").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, SECRETARY);
    let page = anonymous
        .post("/password-reset", &[("email", "nope")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"email-error\""));
    // The link works for an hour, once, and signs the secretary in.
    let link = link_in(&f.app, "password_reset").await;
    f.app.clock.set(london(2016, 3, 1, 10, 59, 0));
    let page = anonymous
        .post(&link, &[("password", "my brand new password")])
        .await;
    assert_eq!(page.location(), "/portal");
    let mut secretary = Visitor::new(&f.app);
    assert_eq!(secretary.sign_in(SECRETARY, PASSWORD).await.status, 422);
    assert_eq!(
        secretary
            .sign_in(SECRETARY, "my brand new password")
            .await
            .location(),
        "/portal"
    );
    // A reset asked for by staff from the accounts page; it expires after an hour.
    f.app.clock.set(london(2016, 3, 1, 12, 0, 0));
    let staff = signed_in(&f.app, STAFF).await;
    let users: Value = f.app.get("/api/v1/users", Some(&f.api)).await.expect(200);
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == SECRETARY)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = staff.get("/staff/accounts").await;
    let page = staff
        .post(
            &format!("/staff/accounts/{id}/reset"),
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(page.location(), "/staff/accounts?done=reset");
    assert_eq!(f.app.queued("password_reset").await.len(), 2);
    let link = link_in(&f.app, "password_reset").await;
    f.app.clock.set(london(2016, 3, 1, 13, 0, 1));
    let page = Visitor::new(&f.app).get(&link).await;
    assert_eq!(page.status, 410);
    assert!(page.text.contains("has expired"));
}

async fn disabling_an_account_ends_its_browser_sessions(b: Backend) {
    let f = fixture(b).await;
    let staff = signed_in(&f.app, STAFF).await;
    let secretary = signed_in(&f.app, SECRETARY).await;
    assert_eq!(secretary.get("/portal").await.status, 200);
    let users: Value = f.app.get("/api/v1/users", Some(&f.api)).await.expect(200);
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == SECRETARY)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csrf = staff.get("/staff/accounts").await.hidden("csrf_token");
    let page = staff
        .post(
            &format!("/staff/accounts/{id}/disable"),
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(page.location(), "/staff/accounts?done=disabled");
    assert_eq!(secretary.get("/portal").await.location(), "/login");
    let page = staff.get("/staff/accounts?done=disabled").await;
    assert!(page.text.contains("Disabled"));
    assert!(page.text.contains("has been signed out"));
    let page = staff
        .post(
            &format!("/staff/accounts/{id}/enable"),
            &[
                ("csrf_token", &csrf),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(page.location(), "/staff/accounts?done=enabled");
    assert_eq!(
        Visitor::new(&f.app)
            .sign_in(SECRETARY, PASSWORD)
            .await
            .location(),
        "/portal"
    );
}

async fn the_dashboard_shows_the_figures_with_links_to_their_lists(b: Backend) {
    let f = fixture(b).await;
    let c = &f.conference;
    let secretary = f.app.login(SECRETARY).await;
    for (who, dinner) in [("Ann Jones", true), ("Bob Evans", false)] {
        f.app
            .post(
                &format!("/api/v1/conferences/{c}/registrations"),
                Some(&secretary),
                &json!({
                    "organisation_id": f.organisation,
                    "payment_method": "cheque",
                    "delegates": [{"name": who, "email": format!("{}@cardiff.example", who.split(' ').next().unwrap().to_lowercase()), "dinner": dinner}]
                }),
            )
            .await
            .expect(201);
    }
    let staff = signed_in(&f.app, STAFF).await;
    let home = staff.get("/staff").await;
    assert!(home
        .text
        .contains(&format!("href=\"/staff/conferences/{c}\"")));
    let page = staff.get(&format!("/staff/conferences/{c}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let t = &page.text;
    assert!(t.contains("role=\"img\""));
    assert!(t.contains("<title id=\"chart-title\">"));
    assert!(
        t.contains("2 delegates registered on Tuesday 1 March 2016."),
        "{t}"
    );
    assert!(t.contains("£225.00"), "charged: {t}");
    assert!(
        t.contains(&format!(
            "/staff/registrations?conference_id={c}&#38;method=cheque"
        )),
        "{t}"
    );
    assert!(t.contains(&format!(
        "/staff/outbox?conference_id={c}&amp;status=pending"
    )));
    assert!(t.contains("Monday 4 April 2016"), "deadline ahead: {t}");
    assert!(t.contains("34 days left"), "{t}");
    assert!(!t.contains("style="), "no inline styles under the CSP");
}
