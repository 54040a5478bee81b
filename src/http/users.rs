//! Accounts (staff only).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult, Problem};
use super::extract::Staff;
use super::pagination::{Page, PageQuery};
use crate::accounts::{self, AccountError};
use crate::app::AppState;
use crate::db;
use crate::db::users::UserRow;
use crate::domain::values::{self, EmailAddress};
use crate::domain::Problems;
use crate::security;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_user).service(list_users);
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Staff,
    Organisation,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    /// At least 12 characters.
    pub password: String,
    pub role: RoleName,
    /// Required for `organisation` users, absent for staff.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: RoleName,
    #[schema(format = Uuid)]
    pub organisation_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: if u.role == "staff" {
                RoleName::Staff
            } else {
                RoleName::Organisation
            },
            organisation_id: u.organisation_id,
            created_at: u.created_at.and_utc(),
        }
    }
}

/// Create a staff or organisation account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 201, body = UserView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut p = Problems::default();
    let email = p.take("email", EmailAddress::parse(&b.email));
    let name = p.take("name", values::line(&b.name, 200));
    p.take("password", security::check_password_policy(&b.password));
    let organisation_id = match (b.role, b.organisation_id) {
        (RoleName::Staff, None) => None,
        (RoleName::Staff, Some(_)) => {
            p.push("organisation_id", "must be absent for staff");
            None
        }
        (RoleName::Organisation, None) => {
            p.push("organisation_id", "is required for organisation users");
            None
        }
        (RoleName::Organisation, Some(id)) => p.take("organisation_id", values::uuid(&id)),
    };
    p.into_result()?;
    let (email, name) = (email.expect("checked"), name.expect("checked"));
    let role = match b.role {
        RoleName::Staff => "staff",
        RoleName::Organisation => "organisation",
    };
    let now = state.now().naive_utc();
    let password = b.password;
    let row = state
        .tx(move |conn| {
            if let Some(org) = &organisation_id {
                if db::organisations::get(conn, org)?.is_none() {
                    return Err(ApiError::validation(
                        "organisation_id",
                        "no such organisation",
                    ));
                }
            }
            accounts::create(conn, &email, &name, role, organisation_id, &password, now).map_err(
                |e| match e {
                    AccountError::EmailTaken => {
                        ApiError::Conflict("An account with this email already exists.".into())
                    }
                    AccountError::Db(e) => e.into(),
                    AccountError::Hash(e) => ApiError::Internal(anyhow::anyhow!(e)),
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(UserView::from(row)))
}

/// List accounts, newest first.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<UserView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<UserView>>> {
    let (limit, cursor) = query.parse()?;
    let rows = state
        .db(move |conn| Ok(db::users::list(conn, limit, cursor.as_deref())?))
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |u| u.id.clone(),
        UserView::from,
    )))
}
