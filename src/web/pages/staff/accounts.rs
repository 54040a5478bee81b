//! Accounts: the list (role, organisation, state), inviting an
//! organisation's user or a staff member by email (the account is made
//! without a password and the invitation carries a single-use link, valid
//! for `invitation_days`), sending an invitation again or a password
//! reset, disabling or enabling an account (a disabled account's
//! sessions, in browsers and on the API, end at once), and a staff
//! member's roles (shown in the list, chosen when inviting, changed on
//! their own page). Staff never choose or see a password. Administrators
//! only.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::accounts::ops::{
    self as accounts, CreateAndInvite, CreateUser, Disable, Enable, Invite, SetRoles,
};
use crate::accounts::store;
use crate::accounts::UserRole;
use crate::ids::{OrganisationId, UserId};
use crate::ops::role;
use crate::ops::role::{StaffRole, StaffRoles};
use crate::ops::Error;
use crate::organisations::ops::{self as organisations, ListFilter};
use crate::state::AppState;
use crate::values::{self, EmailAddress, FieldError, Problems as Checks};
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Fields, Problems};
use crate::web::pages::{
    render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input,
};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/accounts", web::get().to(list))
        .route("/staff/accounts/invite", web::get().to(invite_form))
        .route("/staff/accounts/invite", web::post().to(invite))
        .route("/staff/accounts/{id}/roles", web::get().to(roles_form))
        .route("/staff/accounts/{id}/roles", web::post().to(set_roles))
        .route("/staff/accounts/{id}/{action}", web::post().to(act));
}

/// A role as the pages name and explain it.
fn role_words(role: StaffRole) -> (&'static str, &'static str) {
    match role {
        StaffRole::Admin => (
            "Administrator",
            "Accounts and configuration, and everything the other roles can do",
        ),
        StaffRole::Conference => (
            "Conference",
            "Conferences, organisations, registrations, submissions and extensions",
        ),
        StaffRole::Finance => ("Finance", "Payments, refunds and invoices"),
        StaffRole::Credentials => (
            "Credentials",
            "Badges, check-in and delegate lists, without dietary or access requirements",
        ),
        StaffRole::DataProtection => (
            "Data protection",
            "Subject access requests, erasure and the retention report",
        ),
    }
}

/// The roles' names, for the accounts list: "Conference, Finance".
fn role_names(roles: &StaffRoles) -> String {
    roles
        .iter()
        .map(|r| role_words(r).0)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The roles as checkboxes, those in `ticked` ticked.
fn role_boxes(ticked: &[String], hint: &str, problems: &Problems) -> Choices {
    let choices = StaffRole::ALL
        .iter()
        .map(|r| {
            let (label, explained) = role_words(*r);
            Choice {
                selected: ticked.iter().any(|t| t == r.as_str()),
                ..Choice::new(r.as_str(), label, "").hint(explained)
            }
        })
        .collect();
    Choices::new("roles", "Staff roles", choices, problems).hint(hint)
}

/// The roles ticked on a form: every `roles` field, in any order.
fn ticked(form: &Fields) -> Vec<String> {
    form.0
        .iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The ticked roles as a set, or the problem to show beside them.
fn parse_roles(ticked: &[String]) -> Result<StaffRoles, &'static str> {
    let roles: Option<Vec<StaffRole>> = ticked.iter().map(|t| StaffRole::parse(t)).collect();
    roles
        .and_then(StaffRoles::new)
        .ok_or("choose at least one role for a member of staff")
}

const LIST_LIMIT: i64 = 1000;

struct Line {
    id: String,
    name: String,
    email: String,
    role: String,
    organisation: String,
    state: &'static str,
    tag: &'static str,
    disabled: bool,
    password_set: bool,
    is_me: bool,
    staff: bool,
    /// Each row's forms carry their own idempotency key.
    key: String,
}

#[derive(Template)]
#[template(path = "web/staff/accounts.html")]
struct ListPage {
    chrome: Chrome,
    accounts: Vec<Line>,
    notice: String,
}

#[derive(serde::Deserialize)]
struct ListQuery {
    #[serde(default)]
    done: String,
}

/// Organisations by id, with their names.
async fn organisation_names(
    state: &AppState,
    session: &SignedIn,
) -> Result<Vec<(OrganisationId, String)>, PageError> {
    let actor = session.actor().clone();
    let filter = ListFilter {
        include_inactive: true,
        ..ListFilter::default()
    };
    let rows = state
        .db(move |conn| organisations::list(conn, &actor, filter, 10_000, None))
        .await?;
    let mut named: Vec<_> = rows.into_iter().map(|o| (o.id, o.name)).collect();
    named.sort_by_key(|a| a.1.to_lowercase());
    Ok(named)
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Admin>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let actor = session.actor().clone();
    let users = state
        .db(move |conn| accounts::list(conn, &actor, LIST_LIMIT, None))
        .await?;
    let names: HashMap<OrganisationId, String> = organisation_names(&state, &session)
        .await?
        .into_iter()
        .collect();
    let me = session.actor().user_id.clone();
    let accounts = users
        .into_iter()
        .map(|u| {
            let (state, tag) = match (u.disabled_at.is_some(), u.password_set) {
                (true, _) => ("Disabled", "tag-grey"),
                (false, false) => ("Invited", "tag-yellow"),
                (false, true) => ("Active", "tag-green"),
            };
            Line {
                id: u.id.to_string(),
                is_me: u.id == me,
                organisation: u
                    .organisation_id
                    .as_ref()
                    .and_then(|o| names.get(o).cloned())
                    .unwrap_or_default(),
                role: match (u.role, &u.roles) {
                    (UserRole::Staff, Some(roles)) => format!("Staff: {}", role_names(roles)),
                    (UserRole::Staff, None) => "Staff".to_owned(),
                    (UserRole::Organisation, _) => "Organisation user".to_owned(),
                },
                staff: u.role == UserRole::Staff,
                name: u.name,
                email: u.email,
                state,
                tag,
                disabled: u.disabled_at.is_some(),
                password_set: u.password_set,
                key: new_idempotency_key(),
            }
        })
        .collect();
    let notice = match query.done.as_str() {
        "invited" => "The invitation is on its way. Its link works once, for 7 days.",
        "reset" => "A link to reset the password is on its way. It works once, for 1 hour.",
        "disabled" => "The account is disabled. Anyone signed in with it has been signed out.",
        "enabled" => "The account is enabled again.",
        "roles" => "The staff roles are changed. They apply from the next page the account opens.",
        _ => "",
    };
    render(&ListPage {
        chrome: Chrome::signed_in("Accounts", &session),
        accounts,
        notice: notice.to_owned(),
    })
}

#[derive(Debug, Default)]
struct Typed {
    name: String,
    email: String,
    role: String,
    organisation_id: String,
    roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/staff/invite.html")]
struct InvitePage {
    chrome: Chrome,
    key: String,
    problems: Problems,
    name: Input,
    email: Input,
    role: Choices,
    organisation: Choices,
    roles: Choices,
}

fn invite_page(
    session: &SignedIn,
    typed: &Typed,
    organisations: &[(OrganisationId, String)],
    key: &str,
    problems: Problems,
) -> InvitePage {
    let org_choices = std::iter::once(Choice::new(
        "",
        "Choose an organisation",
        &typed.organisation_id,
    ))
    .chain(
        organisations
            .iter()
            .map(|(id, name)| Choice::new(id.as_str(), name, &typed.organisation_id)),
    )
    .collect();
    InvitePage {
        chrome: Chrome::signed_in(
            if problems.is_empty() {
                "Invite someone"
            } else {
                "Error: Invite someone"
            },
            session,
        ),
        key: key.to_owned(),
        name: Input::new("name", "Name", &typed.name, &problems).autocomplete("off"),
        email: Input::new("email", "Email", &typed.email, &problems)
            .kind("email")
            .hint("The invitation goes here, with a link to set a password"),
        role: Choices::new(
            "role",
            "Who are they?",
            vec![
                Choice::new(
                    "organisation",
                    "Secretary or officer of an organisation",
                    &typed.role,
                )
                .hint("They register delegates and send in motions for their organisation"),
                Choice::new("staff", "A member of staff", &typed.role)
                    .hint("They can use this console"),
            ],
            &problems,
        ),
        organisation: Choices::new("organisation_id", "Organisation", org_choices, &problems)
            .hint("For an organisation's user only"),
        roles: role_boxes(
            &typed.roles,
            "For a member of staff only: what they may do in this console",
            &problems,
        ),
        problems,
    }
}

async fn invite_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Admin>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let orgs = organisation_names(&state, &session).await?;
    let typed = Typed {
        role: "organisation".into(),
        ..Typed::default()
    };
    render(&invite_page(
        &session,
        &typed,
        &orgs,
        &new_idempotency_key(),
        Problems::default(),
    ))
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "name" => "The name",
        "email" => "The email address",
        "organisation_id" => "The organisation",
        "roles" => "Staff roles:",
        _ => "A value",
    };
    sentence(&format!("{label} {message}"))
}

/// The invitation form as the operation's input, or its problems (the
/// same value rules as the API's `POST /users`).
fn command(typed: &Typed) -> Result<CreateUser, Vec<FieldError>> {
    let mut p = Checks::default();
    let email = p.take("email", EmailAddress::parse(&typed.email));
    let name = p.take("name", values::line(&typed.name, 200));
    let role = match typed.role.as_str() {
        "staff" => Some(UserRole::Staff),
        "organisation" => Some(UserRole::Organisation),
        _ => {
            p.push("role", "choose who they are");
            None
        }
    };
    let organisation_id = match role {
        Some(UserRole::Organisation) => {
            if typed.organisation_id.is_empty() {
                p.push(
                    "organisation_id",
                    "must be chosen for an organisation's user",
                );
                None
            } else {
                p.take(
                    "organisation_id",
                    OrganisationId::parse(&typed.organisation_id),
                )
            }
        }
        _ => None,
    };
    let roles = match role {
        Some(UserRole::Staff) => p.take("roles", parse_roles(&typed.roles)),
        _ => None,
    };
    p.into_result()?;
    Ok(CreateUser {
        email: email.expect("checked"),
        name: name.expect("checked"),
        role: role.expect("checked"),
        organisation_id,
        roles,
        password: None,
    })
}

async fn invite(
    req: HttpRequest,
    post: Posted<StaffUser<role::Admin>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let form: &Fields = &post.form;
    let typed = Typed {
        name: form.get("name").trim().to_owned(),
        email: form.get("email").trim().to_owned(),
        role: form.get("role").to_owned(),
        organisation_id: form.get("organisation_id").to_owned(),
        roles: ticked(form),
    };
    let orgs = organisation_names(&state, session).await?;
    let key = form.get("idempotency_key");
    let inputs = ["name", "email", "role", "organisation_id", "roles"].map(String::from);
    let show = |problems| invite_page(session, &typed, &orgs, key, problems);
    let c = match command(&typed) {
        Ok(c) => c,
        Err(errors) => {
            return render_refused(&show(Problems::from_fields(&errors, &inputs, describe)))
        }
    };
    let result = run_form(&state, session.actor(), form.idempotency_key(), || {
        CreateAndInvite(CreateUser {
            email: c.email.clone(),
            name: c.name.clone(),
            role: c.role,
            organisation_id: c.organisation_id.clone(),
            roles: c.roles.clone(),
            password: None,
        })
    })
    .await;
    match result {
        Ok(_) => Ok(see_other("/staff/accounts?done=invited")),
        Err(Error::Validation(errors)) => {
            render_refused(&show(Problems::from_fields(&errors, &inputs, describe)))
        }
        Err(Error::Conflict(message)) => {
            let mut p = Problems::default();
            if message.contains("email") {
                p.field("email", sentence(&message));
            } else {
                p.general(sentence(&message));
            }
            render_refused(&show(p))
        }
        Err(e) => Err(e.into()),
    }
}

/// Disable, enable, invite again, or send a password reset.
async fn act(
    req: HttpRequest,
    post: Posted<StaffUser<role::Admin>>,
    path: web::Path<(uuid::Uuid, String)>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (id, action) = path.into_inner();
    let user_id = UserId::from(id);
    let actor = post.who.actor();
    let key = post.form.idempotency_key();
    let done = match action.as_str() {
        "disable" => {
            run_form(&state, actor, key, || Disable {
                user_id: user_id.clone(),
            })
            .await?;
            "disabled"
        }
        "enable" => {
            run_form(&state, actor, key, || Enable {
                user_id: user_id.clone(),
            })
            .await?;
            "enabled"
        }
        "invite" => {
            run_form(&state, actor, key, || Invite {
                user_id: user_id.clone(),
            })
            .await?;
            "invited"
        }
        "reset" => {
            actor.require_staff()?;
            let now = state.now();
            let settings = state.settings.clone();
            state
                .tx(move |conn| {
                    let user = store::get(conn, &user_id)?.ok_or(Error::NotFound)?;
                    let email = EmailAddress::parse(&user.email)
                        .map_err(|e| Error::Internal(anyhow::anyhow!("stored email: {e}")))?;
                    accounts::request_password_reset(conn, now, &settings, &email)
                })
                .await?;
            "reset"
        }
        _ => return Err(PageError::NotFound),
    };
    Ok(see_other(&format!("/staff/accounts?done={done}")))
}

#[derive(Template)]
#[template(path = "web/staff/roles.html")]
struct RolesPage {
    chrome: Chrome,
    id: String,
    name: String,
    email: String,
    key: String,
    problems: Problems,
    roles: Choices,
}

fn roles_page(
    session: &SignedIn,
    user: &accounts::User,
    ticked: &[String],
    key: &str,
    problems: Problems,
) -> RolesPage {
    let title = format!("Staff roles of {}", user.name);
    RolesPage {
        chrome: Chrome::signed_in(
            &if problems.is_empty() {
                title
            } else {
                format!("Error: {title}")
            },
            session,
        ),
        id: user.id.to_string(),
        name: user.name.clone(),
        email: user.email.clone(),
        key: key.to_owned(),
        roles: role_boxes(
            ticked,
            "Tick each role they need; administrators can do everything",
            &problems,
        ),
        problems,
    }
}

/// A staff account, or not found for an organisation's user.
async fn staff_account(
    state: &AppState,
    session: &SignedIn,
    user_id: UserId,
) -> Result<accounts::User, PageError> {
    let actor = session.actor().clone();
    let user = state
        .db(move |conn| accounts::get(conn, &actor, &user_id))
        .await?;
    if user.roles.is_none() {
        return Err(PageError::NotFound);
    }
    Ok(user)
}

async fn roles_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Admin>,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let user = staff_account(&state, &session, path.into_inner().into()).await?;
    let ticked: Vec<String> = user
        .roles
        .iter()
        .flat_map(|r| r.iter())
        .map(|r| r.as_str().to_owned())
        .collect();
    render(&roles_page(
        &session,
        &user,
        &ticked,
        &new_idempotency_key(),
        Problems::default(),
    ))
}

async fn set_roles(
    req: HttpRequest,
    post: Posted<StaffUser<role::Admin>>,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = &post.who.0;
    let user_id = UserId::from(path.into_inner());
    let user = staff_account(&state, session, user_id.clone()).await?;
    let ticked = ticked(&post.form);
    let key = post.form.get("idempotency_key");
    let refuse = |message: String| {
        let mut p = Problems::default();
        p.field("roles", message);
        render_refused(&roles_page(session, &user, &ticked, key, p))
    };
    let roles = match parse_roles(&ticked) {
        Ok(roles) => roles,
        Err(message) => return refuse(sentence(message)),
    };
    let result = run_form(&state, session.actor(), post.form.idempotency_key(), || {
        SetRoles {
            user_id: user_id.clone(),
            roles: roles.clone(),
        }
    })
    .await;
    match result {
        Ok(_) => Ok(see_other("/staff/accounts?done=roles")),
        Err(Error::Conflict(message)) => refuse(sentence(&message)),
        Err(e) => Err(e.into()),
    }
}
