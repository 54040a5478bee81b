//! `/staff`: a placeholder until the console home is built. Organisation
//! users are refused (403).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::super::{render, Chrome};
use crate::web::error::PageError;
use crate::web::session::StaffUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(console));
}

#[derive(Template)]
#[template(path = "web/staff/home.html")]
struct StaffPage {
    chrome: Chrome,
}

async fn console(StaffUser(session): StaffUser) -> Result<HttpResponse, PageError> {
    render(&StaffPage {
        chrome: Chrome::signed_in("Staff console", &session),
    })
}
