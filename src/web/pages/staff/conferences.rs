//! Conferences: the list (`/staff/conferences`), and one form for the
//! whole conference to create one (`/staff/conferences/new`) or change it
//! (`/staff/conferences/{id}/edit`). The form is checked by the API's own
//! rules (`ConferenceInput::parse` and the `CreateConference` /
//! `PatchConference` operations); each problem is shown beside its input.
//! Price tiers are rows; **Add another tier** shows the form again with one
//! more row, without JavaScript and without saving.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::home::{all_conferences, ConferenceLine};
use crate::conferences::ops::{CreateConference, PatchConference};
use crate::conferences::spec::{CacInput, ConferenceInput, ConferencePatch, PriceTierInput};
use crate::deadlines::rules::DeadlineKey;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::ops::Error;
use crate::values::FieldError;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{input_id, new_idempotency_key, Fields, Problems};
use crate::web::format;
use crate::web::pages::{render, render_refused, run_form, see_other, Chrome, Input};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences", web::get().to(list))
        .route("/staff/conferences/new", web::get().to(new_form))
        .route("/staff/conferences/new", web::post().to(create))
        .route("/staff/conferences/{id}/edit", web::get().to(edit_form))
        .route("/staff/conferences/{id}/edit", web::post().to(update));
}

#[derive(Template)]
#[template(path = "web/staff/conferences.html")]
struct ListPage {
    chrome: Chrome,
    conferences: Vec<ConferenceLine>,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
) -> Result<HttpResponse, PageError> {
    let conferences = all_conferences(&req).await?;
    render(&ListPage {
        chrome: Chrome::signed_in("Conferences", &session),
        conferences: conferences.iter().map(ConferenceLine::from).collect(),
    })
}

/// The form as typed: every value a string, as the browser sent it.
#[derive(Debug, Clone, Default)]
struct Typed {
    fields: BTreeMap<String, String>,
    tiers: Vec<[String; 5]>,
    excluded: Vec<String>,
}

const TIER_PARTS: [&str; 5] = ["code", "name", "until", "pass_fee", "dinner_fee"];
const TEXTS: [&str; 8] = [
    "slug",
    "name",
    "venue",
    "timezone",
    "starts_on",
    "ends_on",
    "currency",
    "registration_opens",
];
const COUNTS: [&str; 6] = [
    "capacity",
    "dinner_capacity",
    "motion_word_limit",
    "amendment_word_limit",
    "policy_word_limit",
    "cac-vacancies",
];
/// The most tier rows a form shows.
const MAX_TIERS: usize = 20;

fn deadline_id(key: DeadlineKey) -> String {
    format!("deadlines-{}", key.as_str())
}

impl Typed {
    fn blank() -> Self {
        let mut fields = BTreeMap::new();
        fields.insert("timezone".into(), "Europe/London".into());
        fields.insert("currency".into(), "GBP".into());
        Self {
            fields,
            tiers: vec![Default::default()],
            excluded: Vec::new(),
        }
    }

    fn of(input: &ConferenceInput) -> Self {
        let mut fields = BTreeMap::new();
        for (k, v) in [
            ("slug", &input.slug),
            ("name", &input.name),
            ("venue", &input.venue),
            ("timezone", &input.timezone),
            ("starts_on", &input.starts_on),
            ("ends_on", &input.ends_on),
            ("currency", &input.currency),
        ] {
            fields.insert(k.to_owned(), v.clone());
        }
        fields.insert(
            "registration_opens".into(),
            input.registration_opens.clone().unwrap_or_default(),
        );
        for (k, v) in &input.deadlines {
            fields.insert(format!("deadlines-{k}"), v.clone());
        }
        for (k, v) in [
            ("capacity", input.capacity),
            ("dinner_capacity", input.dinner_capacity),
            ("motion_word_limit", input.motion_word_limit),
            ("amendment_word_limit", input.amendment_word_limit),
            ("policy_word_limit", input.policy_word_limit),
            ("cac-vacancies", input.cac.as_ref().map(|c| c.vacancies)),
        ] {
            fields.insert(k.to_owned(), v.map(|n| n.to_string()).unwrap_or_default());
        }
        Self {
            fields,
            tiers: input
                .price_tiers
                .iter()
                .map(|t| {
                    [
                        t.code.clone(),
                        t.name.clone(),
                        t.until.clone().unwrap_or_default(),
                        only_fee(t),
                        t.dinner_fee.clone(),
                    ]
                })
                .collect(),
            excluded: input
                .cac
                .as_ref()
                .map(|c| c.excluded_regions.clone())
                .unwrap_or_default(),
        }
    }

    fn read(form: &Fields) -> Self {
        let mut fields = BTreeMap::new();
        let deadline_ids: Vec<String> = DeadlineKey::ALL.iter().map(|k| deadline_id(*k)).collect();
        for name in TEXTS
            .iter()
            .map(|s| (*s).to_owned())
            .chain(COUNTS.iter().map(|s| (*s).to_owned()))
            .chain(deadline_ids)
        {
            fields.insert(name.clone(), form.get(&name).trim().to_owned());
        }
        let rows = form
            .get("tier_rows")
            .parse::<usize>()
            .unwrap_or(1)
            .clamp(1, MAX_TIERS);
        let tiers = (0..rows)
            .map(|i| {
                TIER_PARTS.map(|p| form.get(&format!("price_tiers-{i}-{p}")).trim().to_owned())
            })
            .collect();
        let excluded = form
            .0
            .iter()
            .filter(|(k, _)| k == "cac-excluded_regions")
            .map(|(_, v)| v.clone())
            .collect();
        Self {
            fields,
            tiers,
            excluded,
        }
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// The form as the API's input, and the problems a form alone can
    /// have (a count that is not a whole number).
    fn input(&self) -> (ConferenceInput, Vec<FieldError>) {
        let mut problems = Vec::new();
        let mut count = |id: &str, field: &str| -> Option<i64> {
            let v = self.get(id);
            if v.is_empty() {
                return None;
            }
            match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(FieldError::new(field, "must be a whole number"));
                    None
                }
            }
        };
        let capacity = count("capacity", "capacity");
        let dinner_capacity = count("dinner_capacity", "dinner_capacity");
        let motion_word_limit = count("motion_word_limit", "motion_word_limit");
        let amendment_word_limit = count("amendment_word_limit", "amendment_word_limit");
        let policy_word_limit = count("policy_word_limit", "policy_word_limit");
        let vacancies = count("cac-vacancies", "cac.vacancies");
        // No vacancies and no excluded regions: no CAC election.
        let cac = if self.get("cac-vacancies").is_empty() {
            if !self.excluded.is_empty() {
                problems.push(FieldError::new(
                    "cac.vacancies",
                    "is required with excluded regions",
                ));
            }
            None
        } else {
            Some(CacInput {
                vacancies: vacancies.unwrap_or(0),
                excluded_regions: self.excluded.clone(),
            })
        };
        let opens = self.get("registration_opens");
        let input = ConferenceInput {
            slug: self.get("slug").to_owned(),
            name: self.get("name").to_owned(),
            venue: self.get("venue").to_owned(),
            timezone: self.get("timezone").to_owned(),
            starts_on: self.get("starts_on").to_owned(),
            ends_on: self.get("ends_on").to_owned(),
            currency: self.get("currency").to_owned(),
            registration_opens: (!opens.is_empty()).then(|| opens.to_owned()),
            pass_kinds: None,
            deadlines: DeadlineKey::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), self.get(&deadline_id(*k)).to_owned()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            price_tiers: self
                .tiers
                .iter()
                .filter(|t| t.iter().any(|v| !v.is_empty()))
                .map(|t| PriceTierInput {
                    code: t[0].clone(),
                    name: t[1].clone(),
                    until: (!t[2].is_empty()).then(|| t[2].clone()),
                    pass_fee: Some(t[3].clone()),
                    pass_fees: None,
                    dinner_fee: t[4].clone(),
                })
                .collect(),
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit,
            cac,
        };
        (input, problems)
    }

    /// Blank tier rows are left out of the input; a problem with the
    /// n-th tier sent belongs to the n-th row that is not blank.
    fn tier_row(&self, sent: usize) -> usize {
        self.tiers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.iter().any(|v| !v.is_empty()))
            .nth(sent)
            .map_or(sent, |(i, _)| i)
    }
}

/// The pass fee of a tier of a conference with one pass kind (the only
/// kind this form edits).
fn only_fee(t: &PriceTierInput) -> String {
    t.pass_fees
        .as_ref()
        .and_then(|fees| fees.values().next().cloned())
        .or_else(|| t.pass_fee.clone())
        .unwrap_or_default()
}

/// The form edits a conference with one pass kind; one with several is
/// edited through the API.
fn editable(c: &crate::conferences::Conference) -> Result<(), PageError> {
    let kinds = c.spec.prices.kinds();
    if kinds.len() == 1 {
        return Ok(());
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
    Err(PageError::Refused(
        StatusCode::CONFLICT,
        format!(
            "{} offers several kinds of pass ({}), each with its own fees. Change its settings \
             through the API (PATCH /api/v1/conferences/{}); see the API guide.",
            c.spec.name,
            names.join(", "),
            c.id
        ),
    ))
}

/// What people call a field, for messages.
fn label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("price_tiers[") {
        if let Some((i, part)) = rest.split_once("].") {
            let n = i.parse::<usize>().map_or(0, |i| i + 1);
            let what = match part {
                "code" => "code",
                "name" => "name",
                "until" => "last day",
                "pass_fee" => "pass fee",
                "dinner_fee" => "dinner fee",
                other => other,
            };
            return format!("Price tier {n} {what}");
        }
    }
    if let Some(key) = field.strip_prefix("deadlines.") {
        return match DeadlineKey::parse(key) {
            Some(k) => format!("The {} deadline", format::deadline(k).to_lowercase()),
            None => "A deadline".into(),
        };
    }
    match field {
        "slug" => "The short name",
        "name" => "The name",
        "venue" => "The venue",
        "timezone" => "The time zone",
        "starts_on" => "The first day",
        "ends_on" => "The last day",
        "currency" => "The currency",
        "registration_opens" => "The registration opening date",
        "price_tiers" => "The price tiers",
        "capacity" => "The number of places",
        "dinner_capacity" => "The number of dinner seats",
        "motion_word_limit" => "The motion word limit",
        "amendment_word_limit" => "The amendment word limit",
        "policy_word_limit" => "The policy submission word limit",
        "cac.vacancies" => "The number of CAC vacancies",
        f if f.starts_with("cac.excluded_regions") => "An excluded region",
        _ => "A value",
    }
    .to_owned()
}

/// The operation's problems placed on the form's inputs.
fn problems_of(typed: &Typed, errors: &[FieldError]) -> Problems {
    let mut p = Problems::default();
    for e in errors {
        // Rows left blank are not sent: put a tier's problem on its row.
        let field = match e.field.strip_prefix("price_tiers[") {
            Some(rest) => match rest.split_once(']') {
                Some((i, tail)) => {
                    let row = typed.tier_row(i.parse().unwrap_or(0));
                    format!("price_tiers[{row}]{tail}")
                }
                None => e.field.clone(),
            },
            None => e.field.clone(),
        };
        let words = e
            .message
            .replace("starts_on", "the first day")
            .replace("ends_on", "the last day");
        let message = sentence(&format!("{} {words}", label(&field)));
        let id = if field.starts_with("cac.excluded_regions") {
            "cac-excluded_regions".to_owned()
        } else if field == "price_tiers" {
            "price_tiers-0-code".to_owned()
        } else {
            input_id(&field)
        };
        p.field(id, message);
    }
    p
}

/// One row of the price tiers table.
struct TierRow {
    number: usize,
    inputs: Vec<Input>,
}

/// A region offered for exclusion from CAC nominations.
struct RegionBox {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "web/staff/conference_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    button: &'static str,
    key: String,
    problems: Problems,
    basics: Vec<Input>,
    dates: Vec<Input>,
    deadlines: Vec<Input>,
    tiers: Vec<TierRow>,
    tier_rows: usize,
    tier_error: Option<String>,
    limits: Vec<Input>,
    vacancies: Input,
    regions: Vec<RegionBox>,
    regions_error: Option<String>,
    can_add_tier: bool,
}

fn date_hint() -> &'static str {
    "As year-month-day, for example 2027-09-10"
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    session: &SignedIn,
    heading: &str,
    action: String,
    button: &'static str,
    typed: &Typed,
    key: &str,
    problems: Problems,
    regions: &[String],
) -> FormPage {
    let i = |id: &str, label: &str| Input::new(id, label, typed.get(id), &problems);
    let basics = vec![
        i("name", "Name").hint("For example, Co-operative Party Annual Conference 2027"),
        i("slug", "Short name")
            .hint("Lower-case letters, digits and hyphens, for example annual-2027")
            .width("width-20"),
        i("venue", "Venue"),
        i("timezone", "Time zone")
            .hint("Deadlines end at midnight here, for example Europe/London")
            .width("width-20"),
        i("currency", "Currency")
            .hint("A three-letter code, for example GBP")
            .width("width-5"),
    ];
    let dates = vec![
        i("starts_on", "First day")
            .hint(date_hint())
            .width("width-10"),
        i("ends_on", "Last day").hint(date_hint()).width("width-10"),
        i("registration_opens", "Registration opens")
            .hint("Leave blank to open registration at once")
            .width("width-10"),
    ];
    let deadlines = DeadlineKey::ALL
        .iter()
        .map(|k| {
            let hint = match k {
                DeadlineKey::Registration => {
                    "Leave blank to close at the end of the first day".to_owned()
                }
                other => format!(
                    "Leave blank if the conference takes no {}",
                    crate::deadlines::rules::taken_thing(*other)
                ),
            };
            i(&deadline_id(*k), format::deadline(*k))
                .hint(&hint)
                .width("width-10")
        })
        .collect();
    let tiers = typed
        .tiers
        .iter()
        .enumerate()
        .map(|(n, t)| TierRow {
            number: n + 1,
            inputs: TIER_PARTS
                .iter()
                .zip(t.iter())
                .map(|(part, value)| {
                    let id = format!("price_tiers-{n}-{part}");
                    let label = match *part {
                        "code" => "Code",
                        "name" => "Name",
                        "until" => "Last day",
                        "pass_fee" => "Pass fee",
                        _ => "Dinner fee",
                    };
                    Input::new(&id, label, value, &problems)
                })
                .collect(),
        })
        .collect();
    let limits = vec![
        i("capacity", "Places")
            .hint("Leave blank for no limit")
            .width("width-5"),
        i("dinner_capacity", "Dinner seats")
            .hint("Leave blank for no limit")
            .width("width-5"),
        i("motion_word_limit", "Motion word limit")
            .hint("Leave blank for no limit")
            .width("width-5"),
        i("amendment_word_limit", "Amendment word limit")
            .hint("Leave blank for no limit")
            .width("width-5"),
        i("policy_word_limit", "Policy submission word limit")
            .hint("Leave blank for no limit")
            .width("width-5"),
    ];
    let vacancies = i("cac-vacancies", "CAC vacancies")
        .hint("Leave blank if the conference holds no CAC election")
        .width("width-5");
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
        tier_rows: typed.tiers.len(),
        tier_error: problems
            .for_input("price_tiers-0-code")
            .and_then(|m| m.starts_with("The price tiers").then(|| m.to_owned())),
        can_add_tier: typed.tiers.len() < MAX_TIERS,
        basics,
        dates,
        deadlines,
        tiers,
        limits,
        vacancies,
        regions: regions
            .iter()
            .enumerate()
            .map(|(n, r)| RegionBox {
                id: if n == 0 {
                    "cac-excluded_regions".to_owned()
                } else {
                    format!("cac-excluded_regions-{n}")
                },
                name: r.clone(),
                checked: typed.excluded.contains(r),
            })
            .collect(),
        regions_error: problems
            .for_input("cac-excluded_regions")
            .map(str::to_owned),
        problems,
    }
}

async fn new_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    render(&form_page(
        &session,
        "Create a conference",
        "/staff/conferences/new".into(),
        "Create conference",
        &Typed::blank(),
        &new_idempotency_key(),
        Problems::default(),
        &state.settings.regions,
    ))
}

async fn create(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let mut typed = Typed::read(&post.form);
    let show = |typed: &Typed, problems: Problems| {
        form_page(
            session,
            "Create a conference",
            "/staff/conferences/new".into(),
            "Create conference",
            typed,
            post.form.get("idempotency_key"),
            problems,
            &state.settings.regions,
        )
    };
    if post.form.checked("add_tier") && typed.tiers.len() < MAX_TIERS {
        typed.tiers.push(Default::default());
        return render(&show(&typed, Problems::default()));
    }
    let (input, mut errors) = typed.input();
    let spec = match input.parse(&state.settings.regions, state.now().date_naive()) {
        Ok(spec) if errors.is_empty() => spec,
        Ok(_) => return render_refused(&show(&typed, problems_of(&typed, &errors))),
        Err(e) => {
            errors.extend(e);
            return render_refused(&show(&typed, problems_of(&typed, &errors)));
        }
    };
    let result = run_form(&state, session.actor(), post.form.idempotency_key(), || {
        CreateConference { spec: spec.clone() }
    })
    .await;
    match result {
        Ok(outcome) => Ok(see_other(&format!(
            "/staff/conferences/{}",
            outcome.value.id
        ))),
        Err(e) => refused(e, &typed, |p| show(&typed, p)),
    }
}

/// A refusal the form can show: field problems beside their inputs, a
/// conflict (a slug taken) at the top.
fn refused(
    e: Error,
    typed: &Typed,
    show: impl FnOnce(Problems) -> FormPage,
) -> Result<HttpResponse, PageError> {
    match e {
        Error::Validation(errors) => render_refused(&show(problems_of(typed, &errors))),
        Error::Conflict(message) => {
            let mut p = Problems::default();
            if message.contains("slug") {
                p.field("slug", sentence(&message));
            } else {
                p.general(sentence(&message));
            }
            render_refused(&show(p))
        }
        other => Err(other.into()),
    }
}

async fn edit_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let id = ConferenceId::from(id.into_inner());
    let lookup = id.clone();
    let c = state
        .db(move |conn| crate::conferences::ops::get(conn, &lookup))
        .await?;
    editable(&c)?;
    render(&form_page(
        &session,
        &format!("Edit {}", c.spec.name),
        format!("/staff/conferences/{id}/edit"),
        "Save changes",
        &Typed::of(&c.spec.to_input()),
        &new_idempotency_key(),
        Problems::default(),
        &state.settings.regions,
    ))
}

async fn update(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let id = ConferenceId::from(id.into_inner());
    let lookup = id.clone();
    let c = state
        .db(move |conn| crate::conferences::ops::get(conn, &lookup))
        .await?;
    editable(&c)?;
    let heading = format!("Edit {}", c.spec.name);
    let mut typed = Typed::read(&post.form);
    let show = |typed: &Typed, problems: Problems| {
        form_page(
            session,
            &heading,
            format!("/staff/conferences/{id}/edit"),
            "Save changes",
            typed,
            post.form.get("idempotency_key"),
            problems,
            &state.settings.regions,
        )
    };
    if post.form.checked("add_tier") && typed.tiers.len() < MAX_TIERS {
        typed.tiers.push(Default::default());
        return render(&show(&typed, Problems::default()));
    }
    let (input, errors) = typed.input();
    if !errors.is_empty() {
        return render_refused(&show(&typed, problems_of(&typed, &errors)));
    }
    let patch = ConferencePatch {
        slug: Some(Some(input.slug)),
        name: Some(Some(input.name)),
        venue: Some(Some(input.venue)),
        timezone: Some(Some(input.timezone)),
        starts_on: Some(Some(input.starts_on)),
        ends_on: Some(Some(input.ends_on)),
        currency: Some(Some(input.currency)),
        registration_opens: Some(input.registration_opens),
        pass_kinds: None,
        deadlines: Some(Some(
            DeadlineKey::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_owned(),
                        input.deadlines.get(k.as_str()).cloned(),
                    )
                })
                .collect(),
        )),
        price_tiers: Some(Some(input.price_tiers)),
        capacity: Some(input.capacity),
        dinner_capacity: Some(input.dinner_capacity),
        motion_word_limit: Some(input.motion_word_limit),
        amendment_word_limit: Some(input.amendment_word_limit),
        policy_word_limit: Some(input.policy_word_limit),
        cac: Some(input.cac.map(|cac| crate::conferences::spec::CacPatch {
            vacancies: Some(Some(cac.vacancies)),
            excluded_regions: Some(Some(cac.excluded_regions)),
        })),
    };
    let result = run_form(&state, session.actor(), post.form.idempotency_key(), || {
        PatchConference {
            id: id.clone(),
            patch: patch.clone(),
        }
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/conferences/{id}"))),
        Err(e) => refused(e, &typed, |p| show(&typed, p)),
    }
}
