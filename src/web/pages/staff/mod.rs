//! `/staff`: the staff console, one file per area: the console home
//! (`home`), conferences and their form (`conferences`), each conference's
//! dashboard (`dashboard`), organisations with the CSV import
//! (`organisations`), accounts (`accounts`), registrations and payments
//! (`registrations`), payments and refunds (`payments`), hotel room
//! blocks and rooming lists (`rooms`), the privacy notice (`notice`),
//! extensions (`extensions`),
//! submission review (`submissions`), downloads (`downloads`), the
//! credentials desk's check-in page (`checkin`), the email outbox (`outbox`)
//! and the audit log (`audit`). Every page takes a
//! [`StaffUser`](crate::web::session::StaffUser): an organisation's user
//! is refused (403) and a visitor who is not signed in is sent to sign in.

mod accounts;
pub mod audit;
pub mod checkin;
mod conferences;
mod dashboard;
pub mod downloads;
pub mod extensions;
mod home;
mod notice;
mod organisations;
pub mod outbox;
mod payments;
pub mod pick;
mod privacy;
pub mod registrations;
mod rooms;
pub mod submissions;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    home::routes(cfg);
    // `/staff/conferences/new` before `/staff/conferences/{id}`.
    conferences::routes(cfg);
    dashboard::routes(cfg);
    organisations::routes(cfg);
    accounts::routes(cfg);
    registrations::routes(cfg);
    extensions::routes(cfg);
    notice::routes(cfg);
    submissions::routes(cfg);
    downloads::routes(cfg);
    rooms::routes(cfg);
    checkin::routes(cfg);
    payments::routes(cfg);
    outbox::routes(cfg);
    audit::routes(cfg);
    privacy::routes(cfg);
}

/// A value percent-encoded for a link's query string.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_encoded() {
        assert_eq!(super::encode("Wales & Co"), "Wales+%26+Co");
        assert_eq!(super::encode("a-b_c.d~"), "a-b_c.d~");
    }
}
