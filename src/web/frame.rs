//! The frame of every page: its title, and for a signed-in visitor their
//! organisation's (or their own) name, the navigation and **Sign out**
//! ([`Chrome`]); and the web layer's failures as pages, in one place.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::assets;
use super::error::{PageError, Shown};
use super::session::SignedIn;
use crate::ops::role::{self, Needs, StaffRoles};

/// Which navigation a signed-in page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Portal,
    Staff,
}

/// What every page's frame shows: its title, and for a signed-in visitor
/// their organisation's (or their own) name, the navigation and the
/// **Sign out** button with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub who: Option<String>,
    pub area: Option<Area>,
    /// A staff member's roles: the console's navigation shows only what
    /// they permit.
    pub staff_roles: Option<StaffRoles>,
    pub csrf: String,
    pub version: &'static str,
}

impl Chrome {
    /// A page for anyone (signing in, errors).
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            who: None,
            area: None,
            staff_roles: None,
            csrf: String::new(),
            version: assets::VERSION.as_str(),
        }
    }

    /// A page for a signed-in visitor.
    pub fn signed_in(title: &str, session: &SignedIn) -> Self {
        let area = if session.actor().is_staff() {
            Area::Staff
        } else {
            Area::Portal
        };
        Self {
            title: title.to_owned(),
            who: Some(session.display_name().to_owned()),
            area: Some(area),
            staff_roles: session.actor().staff_roles().cloned(),
            csrf: session.csrf.clone(),
            version: assets::VERSION.as_str(),
        }
    }

    pub fn in_portal(&self) -> bool {
        self.area == Some(Area::Portal)
    }

    /// Staff pages show the console's navigation.
    pub fn in_staff(&self) -> bool {
        self.area == Some(Area::Staff)
    }

    fn staff_may<R: Needs>(&self) -> bool {
        self.staff_roles
            .as_ref()
            .is_some_and(|r| r.permit_any(R::ROLES))
    }

    /// The console's links, each shown to the roles its pages admit.
    pub fn may_admin(&self) -> bool {
        self.staff_may::<role::Admin>()
    }

    pub fn may_conference(&self) -> bool {
        self.staff_may::<role::Conference>()
    }

    pub fn may_registrations(&self) -> bool {
        self.staff_may::<role::ConferenceOrFinance>()
    }

    pub fn may_finance(&self) -> bool {
        self.staff_may::<role::Finance>()
    }

    pub fn may_credentials(&self) -> bool {
        self.staff_may::<role::Credentials>()
    }

    pub fn may_data_protection(&self) -> bool {
        self.staff_may::<role::DataProtection>()
    }

    pub fn may_delegate_lists(&self) -> bool {
        self.staff_may::<role::ConferenceOrCredentials>()
    }
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
}

impl PageError {
    /// The page for this failure, framed for an anonymous visitor; the
    /// pages' middleware frames it again for a signed-in one (see
    /// [`Shown`]).
    pub fn page(&self) -> HttpResponse {
        match self {
            PageError::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/login"))
                    .finish()
            }
            PageError::Redirect(to) => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to.as_str()))
                    .finish()
            }
            PageError::Internal(e) => tracing::error!(error = %e, "page failed"),
            _ => {}
        }
        let (status, heading, message) = self.parts();
        let shown = Shown {
            status,
            heading: heading.to_owned(),
            message,
        };
        let mut res = shown.render(Chrome::anonymous(heading));
        res.extensions_mut().insert(shown);
        res
    }
}

impl Shown {
    pub fn render(&self, chrome: Chrome) -> HttpResponse {
        let page = ErrorPage {
            chrome,
            heading: &self.heading,
            message: &self.message,
        };
        match page.render() {
            Ok(html) => HttpResponse::build(self.status)
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                HttpResponse::build(self.status)
                    .content_type("text/plain; charset=utf-8")
                    .body(self.heading.clone())
            }
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        self.page()
    }
}
