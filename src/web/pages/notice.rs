//! `/conferences/{id}/privacy-notice` (the current version) and
//! `/conferences/{id}/privacy-notice/{version}`: a conference's privacy
//! notice for anyone, signed in or not, as the portal's register form and
//! delegates' confirmation emails link to it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::ids::ConferenceId;
use crate::privacy::notices::{self, Notice};
use crate::web::error::PageError;
use crate::web::format;
use crate::web::pages::{render, Chrome};
use crate::web::session;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conferences/{id}/privacy-notice", web::get().to(current))
        .route(
            "/conferences/{id}/privacy-notice/{version}",
            web::get().to(version),
        );
}

#[derive(Template)]
#[template(path = "web/privacy_notice.html")]
struct NoticePage {
    chrome: Chrome,
    conference: String,
    version: i32,
    published: String,
    /// Paragraphs (split at blank lines), each as its lines.
    paragraphs: Vec<Vec<String>>,
}

fn page(notice: Notice) -> NoticePage {
    NoticePage {
        chrome: Chrome::anonymous(&format!("Privacy notice: {}", notice.conference_name)),
        conference: notice.conference_name,
        version: notice.version,
        published: format::date(notice.published_at.date_naive()),
        paragraphs: notice
            .text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.lines().map(str::to_owned).collect())
            .collect(),
    }
}

async fn current(req: HttpRequest, id: web::Path<uuid::Uuid>) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let id = ConferenceId::from(id.into_inner());
    let notice = state.db(move |conn| notices::current(conn, &id)).await?;
    render(&page(notice))
}

async fn version(
    req: HttpRequest,
    path: web::Path<(uuid::Uuid, i32)>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (id, v) = path.into_inner();
    let id = ConferenceId::from(id);
    let notice = state.db(move |conn| notices::version(conn, &id, v)).await?;
    render(&page(notice))
}
