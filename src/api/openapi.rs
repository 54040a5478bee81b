//! The OpenAPI document's frame; paths and schemas are collected from the
//! handlers registered with `utoipa-actix-web`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plenary",
        description = "Conference registration and delegate management. Every error is \
                       application/problem+json (RFC 9457) with a stable `code`. A method \
                       that a path does not serve is 405 `method_not_allowed`, with `Allow` \
                       listing the methods it does.",
        license(name = "MIT")
    ),
    components(schemas(super::error::Problem, crate::values::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sessions"),
        (name = "users", description = "Accounts (staff)"),
        (name = "organisations", description = "Local parties and societies"),
        (name = "conferences", description = "Conferences, rules and quotes"),
        (name = "registrations", description = "Delegates, payments, substitutions, cancellations"),
        (name = "invoices", description = "Invoices and credit notes as PDF"),
        (name = "submissions", description = "Motions, amendments, policy submissions, CAC and award nominations; review and CSV exports"),
        (name = "extensions", description = "Late-submission extensions and the audit log"),
        (name = "outbox", description = "Outgoing emails (staff)"),
        (name = "exports", description = "Delegate lists (CSV, XLSX) and conference summaries (staff)"),
        (name = "programme", description = "A conference's programme and its iCalendar feed"),
        (name = "rooms", description = "Hotel room blocks and rooming lists"),
        (name = "entitlements", description = "Voting passes each organisation may hold"),
        (name = "credentials", description = "Badges, check-in and attendance (staff)"),
        (name = "privacy", description = "Subject access and erasure requests (staff)"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
