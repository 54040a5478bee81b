//! `/staff`: the console's home, with the areas of the console and each
//! conference linked to its dashboard.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::conferences;
use crate::ops::role;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::pages::{render, Chrome};
use crate::web::session::{self, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(home));
}

/// A conference as the console lists it.
pub struct ConferenceLine {
    pub id: String,
    pub name: String,
    pub dates: String,
    pub venue: String,
}

impl From<&conferences::Conference> for ConferenceLine {
    fn from(c: &conferences::Conference) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.spec.name.clone(),
            dates: format::date_range(c.spec.starts_on, c.spec.ends_on),
            venue: c.spec.venue.clone(),
        }
    }
}

/// Every conference, newest first (the console shows them all: a party
/// holds a few a year).
pub async fn all_conferences(req: &HttpRequest) -> Result<Vec<conferences::Conference>, PageError> {
    let state = session::state(req)?;
    Ok(state
        .db(|conn| conferences::ops::list(conn, 500, None))
        .await?)
}

#[derive(Template)]
#[template(path = "web/staff/home.html")]
struct HomePage {
    chrome: Chrome,
    conferences: Vec<ConferenceLine>,
}

async fn home(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::AnyStaff>,
) -> Result<HttpResponse, PageError> {
    let conferences = all_conferences(&req).await?;
    render(&HomePage {
        chrome: Chrome::signed_in("Staff console", &session),
        conferences: conferences.iter().map(ConferenceLine::from).collect(),
    })
}
