//! Accounts (staff only).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::ApiResult;
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{Page, PageQuery};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::accounts::ops::{self as accounts, CreateUser, Disable, Enable, Invite, User};
use crate::accounts::UserRole;
use crate::ids::{OrganisationId, UserId};
use crate::security;
use crate::state::AppState;
use crate::values::{self, EmailAddress, FieldError, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_user)
        .service(list_users)
        .service(invite_user)
        .service(disable_user)
        .service(enable_user);
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateUser)]
pub struct CreateUserBody {
    pub email: String,
    pub name: String,
    /// At least 12 characters. Leave it out to invite the user instead
    /// (`POST /users/{id}/invitation`): staff need never choose or see a
    /// user's password.
    #[serde(default)]
    pub password: Option<String>,
    pub role: UserRole,
    /// Required for `organisation` users, absent for staff.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<OrganisationId>,
    pub created_at: DateTime<Utc>,
    /// False until an invited user sets their password.
    pub password_set: bool,
    /// When staff disabled the account (it cannot sign in).
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            organisation_id: u.organisation_id,
            created_at: u.created_at.and_utc(),
            password_set: u.password_set,
            disabled_at: u.disabled_at.map(|t| t.and_utc()),
        }
    }
}

impl CreateUserBody {
    fn parse(self) -> Result<CreateUser, Vec<FieldError>> {
        let mut p = Problems::default();
        let email = p.take("email", EmailAddress::parse(&self.email));
        let name = p.take("name", values::line(&self.name, 200));
        if let Some(password) = &self.password {
            p.take("password", security::check_password_policy(password));
        }
        let organisation_id = match (self.role, self.organisation_id) {
            (UserRole::Staff, None) => None,
            (UserRole::Staff, Some(_)) => {
                p.push("organisation_id", "must be absent for staff");
                None
            }
            (UserRole::Organisation, None) => {
                p.push("organisation_id", "is required for organisation users");
                None
            }
            (UserRole::Organisation, Some(id)) => {
                p.take("organisation_id", OrganisationId::parse(&id))
            }
        };
        p.into_result()?;
        Ok(CreateUser {
            email: email.expect("checked"),
            name: name.expect("checked"),
            role: self.role,
            organisation_id,
            password: self.password,
        })
    }
}

/// Create a staff or organisation account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)")),
    request_body = CreateUserBody,
    responses(
        (status = 201, body = UserView),
        BadRequest, Unauthenticated, Forbidden, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    request: Authed<Staff, CreateUserBody>,
) -> ApiResult<HttpResponse> {
    let Staff(actor) = request.who;
    let command = request.body.parse()?;
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, UserView::from))
}

/// List accounts, newest first.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<UserView>),
        Unauthenticated, Forbidden, Unprocessable,
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    Staff(actor): Staff,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<UserView>>> {
    let (limit, cursor) = query.parse::<UserId>()?;
    let rows = state
        .db(move |conn| accounts::list(conn, &actor, limit, cursor.as_ref()))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |u| u.id.clone(),
        UserView::from,
    )))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    pub email: String,
    /// The link works once, until then.
    pub expires_at: DateTime<Utc>,
}

/// Invite a user to set their own password (staff).
///
/// Emails them a single-use link, valid for `invitation_days` (7), to set
/// their password and sign in; a new invitation cancels the previous one.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "User"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = InvitationView),
        Unauthenticated, Forbidden, NotFound, Conflict,
    )
)]
#[post("/users/{id}/invitation")]
pub async fn invite_user(
    state: web::Data<AppState>,
    Staff(actor): Staff,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let command = Invite {
        user_id: id.into_inner().into(),
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, |i| InvitationView {
        user_id: i.user_id,
        email: i.email,
        expires_at: i.expires_at,
    }))
}

/// Disable an account (staff): it cannot sign in, its sessions end at once
/// and its unused links are cancelled.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User")),
    responses(
        (status = 200, body = UserView),
        Unauthenticated, Forbidden, NotFound, Conflict,
    )
)]
#[post("/users/{id}/disable")]
pub async fn disable_user(
    state: web::Data<AppState>,
    Staff(actor): Staff,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let command = Disable {
        user_id: id.into_inner().into(),
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}

/// Enable a disabled account again (staff).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User")),
    responses(
        (status = 200, body = UserView),
        Unauthenticated, Forbidden, NotFound,
    )
)]
#[post("/users/{id}/enable")]
pub async fn enable_user(
    state: web::Data<AppState>,
    Staff(actor): Staff,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let command = Enable {
        user_id: id.into_inner().into(),
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}
