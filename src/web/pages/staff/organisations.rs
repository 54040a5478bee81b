//! Organisations: the list searched by name and filtered by kind and
//! region; create and edit (one form, checked by the API's rules);
//! deactivate and reactivate; and import many from a CSV file: the upload
//! shows every row with its problems and saves nothing, and only a file
//! whose every row is good can then be confirmed (the `ImportOrganisations`
//! operation saves all of it or none).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::ids::OrganisationId;
use crate::ops::role;
use crate::ops::Error;
use crate::organisations::ops::{
    self, CreateOrganisation, ImportOrganisations, ListFilter, OrganisationPatch, SetActive,
    UpdateOrganisation,
};
use crate::organisations::rules::{parse_import, ImportRow, NewOrganisation, IMPORT_COLUMNS};
use crate::organisations::{OrganisationKind, OrganisationRow};
use crate::state::AppState;
use crate::values::FieldError;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Fields, Problems};
use crate::web::pages::{
    render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input,
};
use crate::web::session::{self, Posted, SignedIn, StaffUser, Uploaded};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/organisations", web::get().to(list))
        .route("/staff/organisations/new", web::get().to(new_form))
        .route("/staff/organisations/new", web::post().to(create))
        .route("/staff/organisations/import", web::get().to(import_form))
        .route("/staff/organisations/import", web::post().to(preview))
        .route(
            "/staff/organisations/import/confirm",
            web::post().to(confirm),
        )
        .route("/staff/organisations/{id}/edit", web::get().to(edit_form))
        .route("/staff/organisations/{id}/edit", web::post().to(update))
        .route(
            "/staff/organisations/{id}/active",
            web::post().to(set_active),
        );
}

/// The most organisations the list shows at once.
const LIST_LIMIT: i64 = 500;

pub fn kind_label(k: OrganisationKind) -> &'static str {
    match k {
        OrganisationKind::LocalParty => "Local party",
        OrganisationKind::Society => "Society",
    }
}

struct Line {
    id: String,
    name: String,
    kind: &'static str,
    region: String,
    contact_email: String,
    active: bool,
}

impl From<OrganisationRow> for Line {
    fn from(o: OrganisationRow) -> Self {
        Self {
            id: o.id.to_string(),
            kind: kind_label(o.kind),
            active: o.deactivated_at.is_none(),
            name: o.name,
            region: o.region,
            contact_email: o.contact_email,
        }
    }
}

#[derive(Template)]
#[template(path = "web/staff/organisations.html")]
struct ListPage {
    chrome: Chrome,
    q: Input,
    kind: Choices,
    region: Choices,
    inactive: bool,
    organisations: Vec<Line>,
    more: bool,
    filtered: bool,
    notice: String,
}

#[derive(serde::Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    inactive: String,
    #[serde(default)]
    imported: Option<usize>,
}

fn kind_choices(current: &str, any: bool) -> Vec<Choice> {
    let mut c = Vec::new();
    if any {
        c.push(Choice::new("", "Any kind", current));
    }
    c.push(Choice::new("local_party", "Local party", current));
    c.push(Choice::new("society", "Society", current));
    c
}

fn region_choices(regions: &[String], current: &str, first: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", first, current))
        .chain(regions.iter().map(|r| Choice::new(r, r, current)))
        .collect()
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let filter = ListFilter {
        only: None,
        name: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
        kind: OrganisationKind::parse(&q.kind),
        region: Some(q.region.clone()).filter(|s| !s.is_empty()),
        include_inactive: !q.inactive.is_empty(),
    };
    let filtered = filter.name.is_some() || filter.kind.is_some() || filter.region.is_some();
    let actor = session.actor().clone();
    let mut rows = state
        .db(move |conn| ops::list(conn, &actor, filter, LIST_LIMIT, None))
        .await?;
    let more = rows.len() as i64 > LIST_LIMIT;
    rows.truncate(LIST_LIMIT as usize);
    let none = Problems::default();
    render(&ListPage {
        chrome: Chrome::signed_in("Organisations", &session),
        q: Input::new("q", "Name contains", q.q.trim(), &none),
        kind: Choices::new("kind", "Kind", kind_choices(&q.kind, true), &none),
        region: Choices::new(
            "region",
            "Region",
            region_choices(&state.settings.regions, &q.region, "Any region"),
            &none,
        ),
        inactive: !q.inactive.is_empty(),
        organisations: rows.into_iter().map(Line::from).collect(),
        more,
        filtered,
        notice: match q.imported {
            Some(1) => "1 organisation was imported.".to_owned(),
            Some(n) => format!("{n} organisations were imported."),
            None => String::new(),
        },
    })
}

/// The organisation form as typed.
#[derive(Debug, Clone, Default)]
struct Typed {
    name: String,
    kind: String,
    region: String,
    contact_email: String,
}

impl Typed {
    fn read(form: &Fields) -> Self {
        Self {
            name: form.get("name").trim().to_owned(),
            kind: form.get("kind").to_owned(),
            region: form.get("region").to_owned(),
            contact_email: form.get("contact_email").trim().to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "web/staff/organisation_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    button: &'static str,
    key: String,
    problems: Problems,
    name: Input,
    kind: Choices,
    region: Choices,
    contact_email: Input,
    /// On the edit page: whether it is active, and the form to change that.
    active: Option<bool>,
    id: String,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    session: &SignedIn,
    state: &AppState,
    heading: &str,
    action: String,
    button: &'static str,
    typed: &Typed,
    key: &str,
    problems: Problems,
) -> FormPage {
    FormPage {
        chrome: Chrome::signed_in(
            &if problems.is_empty() {
                heading.to_owned()
            } else {
                format!("Error: {heading}")
            },
            session,
        ),
        heading: heading.to_owned(),
        action,
        button,
        key: key.to_owned(),
        name: Input::new("name", "Name", &typed.name, &problems),
        kind: Choices::new("kind", "Kind", kind_choices(&typed.kind, false), &problems),
        region: Choices::new(
            "region",
            "Region",
            region_choices(&state.settings.regions, &typed.region, "Choose a region"),
            &problems,
        ),
        contact_email: Input::new(
            "contact_email",
            "Contact email",
            &typed.contact_email,
            &problems,
        )
        .kind("email")
        .hint("Where the party writes to the organisation"),
        problems,
        active: None,
        id: String::new(),
    }
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "name" => "The name",
        "kind" => "The kind",
        "region" => "The region",
        "contact_email" => "The contact email",
        _ => "A value",
    };
    sentence(&format!("{label} {message}"))
}

fn problems_of(errors: &[FieldError]) -> Problems {
    let inputs = ["name", "kind", "region", "contact_email"].map(String::from);
    Problems::from_fields(errors, &inputs, describe)
}

/// A refusal the form shows: field problems beside their inputs, a name
/// taken beside the name.
fn form_problems(e: Error) -> Result<Problems, PageError> {
    match e {
        Error::Validation(errors) => Ok(problems_of(&errors)),
        Error::Conflict(message) => {
            let mut p = Problems::default();
            p.field("name", sentence(&message));
            Ok(p)
        }
        other => Err(other.into()),
    }
}

async fn new_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let typed = Typed {
        kind: "local_party".into(),
        ..Typed::default()
    };
    render(&form_page(
        &session,
        &state,
        "Add an organisation",
        "/staff/organisations/new".into(),
        "Add organisation",
        &typed,
        &new_idempotency_key(),
        Problems::default(),
    ))
}

async fn create(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let typed = Typed::read(&post.form);
    let show = |problems| {
        form_page(
            session,
            &state,
            "Add an organisation",
            "/staff/organisations/new".into(),
            "Add organisation",
            &typed,
            post.form.get("idempotency_key"),
            problems,
        )
    };
    let Some(kind) = OrganisationKind::parse(&typed.kind) else {
        let mut p = Problems::default();
        p.field("kind", "Choose the kind of organisation");
        return render_refused(&show(p));
    };
    let parsed = NewOrganisation::parse(
        &typed.name,
        kind,
        &typed.region,
        &typed.contact_email,
        &state.settings.regions,
    );
    let new = match parsed {
        Ok(n) => n,
        Err(errors) => return render_refused(&show(problems_of(&errors))),
    };
    let result = run_form(&state, session.actor(), post.form.idempotency_key(), || {
        CreateOrganisation(new.clone())
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/staff/organisations?q={}",
            super::encode(&typed.name)
        ))),
        Err(e) => render_refused(&show(form_problems(e)?)),
    }
}

async fn load(
    state: &AppState,
    session: &SignedIn,
    id: uuid::Uuid,
) -> Result<OrganisationRow, PageError> {
    let actor = session.actor().clone();
    let id = OrganisationId::from(id);
    Ok(state.db(move |conn| ops::get(conn, &actor, &id)).await?)
}

fn edit_page(
    session: &SignedIn,
    state: &AppState,
    o: &OrganisationRow,
    typed: &Typed,
    key: &str,
    problems: Problems,
) -> FormPage {
    let mut page = form_page(
        session,
        state,
        &format!("Edit {}", o.name),
        format!("/staff/organisations/{}/edit", o.id),
        "Save changes",
        typed,
        key,
        problems,
    );
    page.active = Some(o.deactivated_at.is_none());
    page.id = o.id.to_string();
    page
}

async fn edit_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let o = load(&state, &session, id.into_inner()).await?;
    let typed = Typed {
        name: o.name.clone(),
        kind: o.kind.as_str().to_owned(),
        region: o.region.clone(),
        contact_email: o.contact_email.clone(),
    };
    render(&edit_page(
        &session,
        &state,
        &o,
        &typed,
        &new_idempotency_key(),
        Problems::default(),
    ))
}

async fn update(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let o = load(&state, session, id.into_inner()).await?;
    let typed = Typed::read(&post.form);
    let key = post.form.get("idempotency_key");
    let Some(kind) = OrganisationKind::parse(&typed.kind) else {
        let mut p = Problems::default();
        p.field("kind", "Choose the kind of organisation");
        return render_refused(&edit_page(session, &state, &o, &typed, key, p));
    };
    let patch = OrganisationPatch {
        name: Some(typed.name.clone()),
        kind: Some(kind),
        region: Some(typed.region.clone()),
        contact_email: Some(typed.contact_email.clone()),
        // The billing address is kept as it is (set through the API).
        billing_address: None,
    };
    let result = run_form(&state, session.actor(), post.form.idempotency_key(), || {
        UpdateOrganisation {
            id: o.id.clone(),
            patch: patch.clone(),
        }
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/staff/organisations?q={}&inactive=1",
            super::encode(&typed.name)
        ))),
        Err(e) => {
            let p = form_problems(e)?;
            render_refused(&edit_page(session, &state, &o, &typed, key, p))
        }
    }
}

async fn set_active(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let id = OrganisationId::from(id.into_inner());
    let active = post.form.get("active") == "1";
    let row = run_form(
        &state,
        post.who.actor(),
        post.form.idempotency_key(),
        || SetActive {
            id: id.clone(),
            active,
        },
    )
    .await?
    .value;
    Ok(see_other(&format!("/staff/organisations/{}/edit", row.id)))
}

/// One row of an import file as the preview shows it.
struct PreviewRow {
    line: usize,
    name: String,
    kind: String,
    region: String,
    contact_email: String,
    errors: Vec<String>,
}

fn import_describe(e: &FieldError) -> String {
    let label = match e.field.as_str() {
        "name" => "Name",
        "kind" => "Kind",
        "region" => "Region",
        "contact_email" => "Contact email",
        other => other,
    };
    format!("{label} {}", e.message)
}

#[derive(Template)]
#[template(path = "web/staff/organisations_import.html")]
struct ImportPage {
    chrome: Chrome,
    problems: Problems,
    columns: String,
    /// The file checked, if one was.
    file_name: String,
    rows: Vec<PreviewRow>,
    good: usize,
    bad: usize,
    /// The checked file, carried to the confirm step when every row is good.
    csv: String,
    key: String,
}

fn import_page(
    session: &SignedIn,
    problems: Problems,
    file_name: &str,
    rows: Vec<ImportRow>,
    csv: &str,
) -> ImportPage {
    let bad = rows.iter().filter(|r| !r.errors.is_empty()).count();
    let heading = if rows.is_empty() {
        "Import organisations"
    } else if bad == 0 {
        "Check the organisations to import"
    } else {
        "Some rows need fixing"
    };
    ImportPage {
        chrome: Chrome::signed_in(
            &if problems.is_empty() && bad == 0 {
                heading.to_owned()
            } else {
                format!("Error: {heading}")
            },
            session,
        ),
        problems,
        columns: IMPORT_COLUMNS.join(", "),
        file_name: file_name.to_owned(),
        good: rows.len() - bad,
        bad,
        csv: if bad == 0 {
            csv.to_owned()
        } else {
            String::new()
        },
        rows: rows
            .into_iter()
            .map(|r| PreviewRow {
                line: r.line,
                errors: r.errors.iter().map(import_describe).collect(),
                name: r.name,
                kind: r.kind,
                region: r.region,
                contact_email: r.contact_email,
            })
            .collect(),
        key: new_idempotency_key(),
    }
}

async fn import_form(
    StaffUser(session, _): StaffUser<role::Conference>,
) -> Result<HttpResponse, PageError> {
    render(&import_page(
        &session,
        Problems::default(),
        "",
        Vec::new(),
        "",
    ))
}

/// Checks a file against the rules and the stored organisations; the
/// rows, or the file's own problem on the file input.
async fn check(
    state: &AppState,
    session: &SignedIn,
    csv: String,
) -> Result<Result<Vec<ImportRow>, Problems>, PageError> {
    let actor = session.actor().clone();
    let regions = state.settings.regions.clone();
    let checked = state
        .db(move |conn| ops::preview_import(conn, &actor, &csv, &regions))
        .await;
    match checked {
        Ok(rows) if rows.is_empty() => {
            let mut p = Problems::default();
            p.field("file", "The file has no organisations in it");
            Ok(Err(p))
        }
        Ok(rows) => Ok(Ok(rows)),
        Err(Error::Validation(errors)) => {
            let mut p = Problems::default();
            for e in errors {
                p.field("file", sentence(&format!("The file: {}", e.message)));
            }
            Ok(Err(p))
        }
        Err(e) => Err(e.into()),
    }
}

/// The upload: every row checked and shown, nothing saved.
async fn preview(
    req: HttpRequest,
    upload: Uploaded<role::Conference>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &upload.who.0;
    let file = upload
        .files
        .into_iter()
        .find(|(name, f, bytes)| name == "file" && !(f.is_empty() && bytes.is_empty()));
    let Some((_, file_name, bytes)) = file else {
        let mut p = Problems::default();
        p.field("file", "Choose a CSV file to import");
        return render_refused(&import_page(session, p, "", Vec::new(), ""));
    };
    let Ok(csv) = String::from_utf8(bytes) else {
        let mut p = Problems::default();
        p.field(
            "file",
            "The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” and try again",
        );
        return render_refused(&import_page(session, p, &file_name, Vec::new(), ""));
    };
    match check(&state, session, csv.clone()).await? {
        Err(p) => render_refused(&import_page(session, p, &file_name, Vec::new(), "")),
        Ok(rows) => {
            let page = import_page(session, Problems::default(), &file_name, rows, &csv);
            if page.bad == 0 {
                render(&page)
            } else {
                render_refused(&page)
            }
        }
    }
}

/// The confirm step: the file is read again and saved whole by the
/// import operation, which refuses it if a name has been taken since the
/// preview (then the rows are shown again with their problems). A second
/// post of the same form gets the first one's result.
async fn confirm(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let csv = post.form.get("csv").to_owned();
    let file_name = post.form.get("file_name").to_owned();
    let organisations: Option<Vec<NewOrganisation>> = parse_import(&csv, &state.settings.regions)
        .ok()
        .filter(|rows| !rows.is_empty())
        .and_then(|rows| rows.into_iter().map(|r| r.parsed).collect());
    let result = match organisations {
        Some(organisations) => {
            run_form(&state, session.actor(), post.form.idempotency_key(), || {
                ImportOrganisations {
                    organisations: organisations.clone(),
                }
            })
            .await
        }
        None => Err(Error::Conflict("the file has changed".into())),
    };
    match result {
        Ok(outcome) => Ok(see_other(&format!(
            "/staff/organisations?imported={}",
            outcome.value.len()
        ))),
        Err(Error::Conflict(_)) => match check(&state, session, csv.clone()).await? {
            Err(p) => render_refused(&import_page(session, p, &file_name, Vec::new(), "")),
            Ok(rows) => render_refused(&import_page(
                session,
                Problems::default(),
                &file_name,
                rows,
                &csv,
            )),
        },
        Err(e) => Err(e.into()),
    }
}
