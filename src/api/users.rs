//! Accounts (staff only).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Authed, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{Page, PageQuery};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::accounts::ops::{self as accounts, CreateUser, Disable, Enable, Invite, SetRoles, User};
use crate::accounts::UserRole;
use crate::ids::{OrganisationId, UserId};
use crate::ops::role::{self, StaffRole, StaffRoles};
use crate::security;
use crate::state::AppState;
use crate::values::{self, EmailAddress, FieldError, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_user)
        .service(list_users)
        .service(invite_user)
        .service(disable_user)
        .service(enable_user)
        .service(set_roles);
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
    /// Staff only: one or more roles; `["admin"]` when left out.
    #[serde(default)]
    pub roles: Option<Vec<StaffRole>>,
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
    /// A staff account's roles; absent for an organisation's user.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<StaffRole>>)]
    pub roles: Option<StaffRoles>,
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
            roles: u.roles,
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
        let roles = match (self.role, self.roles) {
            (_, None) => None,
            (UserRole::Staff, Some(roles)) => p.take("roles", staff_roles(roles)),
            (UserRole::Organisation, Some(_)) => {
                p.push("roles", "must be absent for organisation users");
                None
            }
        };
        p.into_result()?;
        Ok(CreateUser {
            email: email.expect("checked"),
            name: name.expect("checked"),
            role: self.role,
            organisation_id,
            roles,
            password: self.password,
        })
    }
}

fn staff_roles(roles: Vec<StaffRole>) -> Result<StaffRoles, String> {
    StaffRoles::new(roles).ok_or_else(|| "must name at least one role".to_owned())
}

/// Create a staff or organisation account (`admin` role).
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
    request: Authed<Staff<role::Admin>, CreateUserBody>,
) -> ApiResult<HttpResponse> {
    let Staff(actor, _) = request.who;
    let command = request.body.parse()?;
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, UserView::from))
}

/// List accounts, newest first, staff with their roles (`admin` role).
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
    Staff(actor, _): Staff<role::Admin>,
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

/// Invite a user to set their own password (`admin` role).
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
    Staff(actor, _): Staff<role::Admin>,
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

/// Disable an account (`admin` role): it cannot sign in, its sessions end at once
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
    Staff(actor, _): Staff<role::Admin>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let command = Disable {
        user_id: id.into_inner().into(),
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}

/// Enable a disabled account again (`admin` role).
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
    Staff(actor, _): Staff<role::Admin>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let command = Enable {
        user_id: id.into_inner().into(),
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesBody {
    /// One or more of `admin`, `conference`, `finance`, `credentials`,
    /// `data_protection`.
    pub roles: Vec<StaffRole>,
}

/// Set a staff account's roles (`admin` role), replacing the ones it had.
///
/// The change is audited (`roles_changed`). An organisation's user has no
/// roles (422); an administrator cannot take `admin` from their own
/// account (409).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User")),
    request_body = RolesBody,
    responses(
        (status = 200, body = UserView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType,
        Unprocessable,
    )
)]
#[put("/users/{id}/roles")]
pub async fn set_roles(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Admin>, RolesBody>,
) -> ApiResult<web::Json<UserView>> {
    let Staff(actor, _) = request.who;
    let roles = staff_roles(request.body.roles).map_err(|e| ApiError::validation("roles", e))?;
    let command = SetRoles {
        user_id: id.into_inner().into(),
        roles,
    };
    Ok(web::Json(state.run(&actor, command).await?.into()))
}
