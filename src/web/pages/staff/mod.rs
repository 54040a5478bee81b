//! The staff console, by area: the console home (`home`), registrations
//! and payments (`registrations`), extensions (`extensions`), submission
//! review (`submissions`), downloads (`downloads`), the email outbox
//! (`outbox`) and the audit log (`audit`). Staff only: an organisation's
//! user is refused (403), a signed-out visitor sent to sign in.

pub mod audit;
pub mod downloads;
pub mod extensions;
pub mod home;
pub mod outbox;
pub mod pick;
pub mod registrations;
pub mod submissions;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    home::routes(cfg);
    registrations::routes(cfg);
    extensions::routes(cfg);
    submissions::routes(cfg);
    downloads::routes(cfg);
    outbox::routes(cfg);
    audit::routes(cfg);
}
