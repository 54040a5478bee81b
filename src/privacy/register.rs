//! The register of personal data: every column of every table, either
//! classified as personal (its category, purpose and retention rule) or
//! listed as not personal with the reason. `tests/privacy.rs` fails when the
//! migrated schema has a column this register does not list, and when the
//! "Personal data" table in docs/personal-data.md differs from [`markdown_table`].

/// What kind of personal data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Names, email addresses: how to reach or identify a person.
    Contact,
    /// UK GDPR Article 9 data: health or religion (dietary and access
    /// requirements), political opinions (nominations, statements).
    SpecialCategory,
    /// Money owed and paid: kept for the party's accounts.
    Financial,
    /// What lets a person sign in: credentials, sessions, throttling.
    Account,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Contact => "contact",
            Category::SpecialCategory => "special_category",
            Category::Financial => "financial",
            Category::Account => "account",
        }
    }
}

/// How long a personal column is kept, and what happens then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Kept while the record is needed; anonymised on erasure.
    UntilErasure,
    /// Kept for the party's accounts; never erased.
    Accounts,
    /// Removed `retention_idempotency_hours` after it was stored.
    IdempotencyResponse,
    /// Purged `retention_email_payload_days` after the email was sent.
    EmailPayload,
    /// Cleared `retention_requirements_days` after the conference ends.
    Requirements,
    /// Anonymised `retention_delegate_identity_months` after the
    /// conference ends.
    DelegateIdentity,
    /// Removed once expired.
    UntilExpiry,
    /// Removed once its throttling window has passed.
    ThrottleWindow,
}

impl Retention {
    /// The rule in words, with its configuration setting and default.
    pub fn describe(self) -> &'static str {
        match self {
            Retention::UntilErasure => "kept while needed; anonymised on erasure",
            Retention::Accounts => "kept for the party's accounts (never erased)",
            Retention::IdempotencyResponse => {
                "removed 24 hours after it was stored (`retention_idempotency_hours`)"
            }
            Retention::EmailPayload => {
                "removed 30 days after the email was sent (`retention_email_payload_days`)"
            }
            Retention::Requirements => {
                "cleared 30 days after the conference ends (`retention_requirements_days`)"
            }
            Retention::DelegateIdentity => {
                "anonymised 12 months after the conference ends (`retention_delegate_identity_months`)"
            }
            Retention::UntilExpiry => "removed once expired (or idle too long)",
            Retention::ThrottleWindow => "removed once the lockout window has passed (`login_lockout_secs`)",
        }
    }
}

/// How the register classifies one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Personal {
        category: Category,
        purpose: &'static str,
        retention: Retention,
    },
    /// Not personal data, and why not.
    NotPersonal(&'static str),
}

/// One column of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub table: &'static str,
    pub column: &'static str,
    pub class: Class,
}

const fn personal(
    table: &'static str,
    column: &'static str,
    category: Category,
    purpose: &'static str,
    retention: Retention,
) -> Entry {
    Entry {
        table,
        column,
        class: Class::Personal {
            category,
            purpose,
            retention,
        },
    }
}

const fn not(table: &'static str, column: &'static str, why: &'static str) -> Entry {
    Entry {
        table,
        column,
        class: Class::NotPersonal(why),
    }
}

const ID: &str = "an identifier";
const LINK: &str = "an identifier linking to another row";
const WHEN: &str = "a time or date";
const STATE: &str = "a status, setting or count";
const CONFERENCE: &str = "the conference's own settings";
const MONEY_SHAPE: &str = "a price or payment detail, not a person's";

use Category::{Account, Contact, Financial, SpecialCategory};
use Retention::{
    Accounts, DelegateIdentity, EmailPayload, IdempotencyResponse, Requirements, ThrottleWindow,
    UntilErasure, UntilExpiry,
};

/// Every column of every table, personal or not.
pub const REGISTER: &[Entry] = &[
    // organisations
    not("organisations", "id", ID),
    not("organisations", "name", "a local party's or society's name"),
    not("organisations", "kind", STATE),
    not("organisations", "region", STATE),
    personal(
        "organisations",
        "contact_email",
        Contact,
        "reaching the organisation's secretary",
        UntilErasure,
    ),
    personal(
        "organisations",
        "billing_address",
        Contact,
        "the postal address invoices are made out to (often the treasurer's home)",
        UntilErasure,
    ),
    not("organisations", "created_at", WHEN),
    not("organisations", "deactivated_at", WHEN),
    // users
    not("users", "id", ID),
    personal(
        "users",
        "email",
        Account,
        "signing in; account emails",
        UntilErasure,
    ),
    personal(
        "users",
        "name",
        Account,
        "greeting the account holder",
        UntilErasure,
    ),
    not("users", "role", STATE),
    not("users", "organisation_id", LINK),
    personal(
        "users",
        "password_hash",
        Account,
        "checking the password (argon2id digest)",
        UntilErasure,
    ),
    not("users", "created_at", WHEN),
    not("users", "disabled_at", WHEN),
    not("users", "staff_roles", STATE),
    // account_tokens
    personal(
        "account_tokens",
        "token_hash",
        Account,
        "invitation and password-reset links",
        UntilExpiry,
    ),
    not("account_tokens", "user_id", LINK),
    not("account_tokens", "purpose", STATE),
    not("account_tokens", "created_at", WHEN),
    not("account_tokens", "expires_at", WHEN),
    not("account_tokens", "used_at", WHEN),
    // sessions
    personal(
        "sessions",
        "token_hash",
        Account,
        "API sign-in sessions",
        UntilExpiry,
    ),
    not("sessions", "user_id", LINK),
    not("sessions", "created_at", WHEN),
    not("sessions", "expires_at", WHEN),
    // web_sessions
    personal(
        "web_sessions",
        "token_hash",
        Account,
        "browser sign-in sessions",
        UntilExpiry,
    ),
    not("web_sessions", "user_id", LINK),
    not("web_sessions", "created_at", WHEN),
    not("web_sessions", "last_seen_at", WHEN),
    not("web_sessions", "expires_at", WHEN),
    // login_throttle
    personal(
        "login_throttle",
        "key_hash",
        Account,
        "throttling failed sign-ins (digest of an email or address)",
        ThrottleWindow,
    ),
    not("login_throttle", "failures", STATE),
    not("login_throttle", "last_failure_at", WHEN),
    // conferences
    not("conferences", "id", ID),
    not("conferences", "slug", CONFERENCE),
    not("conferences", "name", CONFERENCE),
    not("conferences", "venue", CONFERENCE),
    not("conferences", "timezone", CONFERENCE),
    not("conferences", "starts_on", CONFERENCE),
    not("conferences", "ends_on", CONFERENCE),
    not("conferences", "currency", CONFERENCE),
    not("conferences", "registration_opens", CONFERENCE),
    not("conferences", "registration_deadline", CONFERENCE),
    not("conferences", "motions_deadline", CONFERENCE),
    not("conferences", "amendments_deadline", CONFERENCE),
    not("conferences", "policy_submissions_deadline", CONFERENCE),
    not("conferences", "cac_nominations_deadline", CONFERENCE),
    not("conferences", "award_nominations_deadline", CONFERENCE),
    not("conferences", "capacity", CONFERENCE),
    not("conferences", "dinner_capacity", CONFERENCE),
    not("conferences", "motion_word_limit", CONFERENCE),
    not("conferences", "amendment_word_limit", CONFERENCE),
    not("conferences", "policy_word_limit", CONFERENCE),
    not("conferences", "cac_vacancies", CONFERENCE),
    not("conferences", "cac_excluded_regions", CONFERENCE),
    not("conferences", "lock_version", STATE),
    not("conferences", "places_taken", STATE),
    not("conferences", "dinners_taken", STATE),
    not("conferences", "entitlement_default", CONFERENCE),
    not("conferences", "created_at", WHEN),
    not("conferences", "updated_at", WHEN),
    // price_tiers
    not("price_tiers", "conference_id", LINK),
    not("price_tiers", "position", CONFERENCE),
    not("price_tiers", "code", CONFERENCE),
    not("price_tiers", "name", CONFERENCE),
    not("price_tiers", "until", CONFERENCE),
    not("price_tiers", "dinner_fee_minor", CONFERENCE),
    // pass_kinds
    not("pass_kinds", "conference_id", LINK),
    not("pass_kinds", "position", CONFERENCE),
    not("pass_kinds", "code", CONFERENCE),
    not("pass_kinds", "name", CONFERENCE),
    not("pass_kinds", "votes", CONFERENCE),
    // pass_fees
    not("pass_fees", "conference_id", LINK),
    not("pass_fees", "tier_position", CONFERENCE),
    not("pass_fees", "pass_kind", CONFERENCE),
    not("pass_fees", "fee_minor", CONFERENCE),
    // entitlements
    not("entitlements", "conference_id", LINK),
    not("entitlements", "organisation_id", LINK),
    not("entitlements", "passes", CONFERENCE),
    not("entitlements", "used", STATE),
    // registrations
    not("registrations", "id", ID),
    not("registrations", "conference_id", LINK),
    not("registrations", "organisation_id", LINK),
    not("registrations", "reference", ID),
    not("registrations", "payment_method", MONEY_SHAPE),
    not("registrations", "tier_code", MONEY_SHAPE),
    not("registrations", "currency", MONEY_SHAPE),
    personal(
        "registrations",
        "total_minor",
        Financial,
        "what the organisation owes for its delegates",
        Accounts,
    ),
    personal(
        "registrations",
        "amount_paid_minor",
        Financial,
        "what the organisation has paid",
        Accounts,
    ),
    not("registrations", "created_by", LINK),
    not(
        "registrations",
        "privacy_notice_version",
        "which privacy notice the organisation accepted",
    ),
    not("registrations", "created_at", WHEN),
    not("registrations", "updated_at", WHEN),
    // delegates
    not("delegates", "id", ID),
    not("delegates", "registration_id", LINK),
    not("delegates", "conference_id", LINK),
    not("delegates", "position", STATE),
    personal(
        "delegates",
        "name",
        Contact,
        "badges, delegate lists, emails",
        DelegateIdentity,
    ),
    personal(
        "delegates",
        "email",
        Contact,
        "confirmation and conference emails",
        DelegateIdentity,
    ),
    personal(
        "delegates",
        "email_key",
        Contact,
        "registering one person once (normalised email)",
        DelegateIdentity,
    ),
    not("delegates", "dinner", STATE),
    personal(
        "delegates",
        "dietary_requirements",
        SpecialCategory,
        "catering (may reveal health or religion)",
        Requirements,
    ),
    personal(
        "delegates",
        "access_requirements",
        SpecialCategory,
        "venue access (may reveal health)",
        Requirements,
    ),
    personal(
        "delegates",
        "pass_fee_minor",
        Financial,
        "the delegate's pass fee",
        Accounts,
    ),
    personal(
        "delegates",
        "dinner_fee_minor",
        Financial,
        "the delegate's dinner fee",
        Accounts,
    ),
    personal(
        "delegates",
        "fee_minor",
        Financial,
        "the delegate's pass and dinner fee",
        Accounts,
    ),
    not("delegates", "status", STATE),
    not("delegates", "cancelled_at", WHEN),
    not("delegates", "created_at", WHEN),
    not("delegates", "updated_at", WHEN),
    not(
        "delegates",
        "region",
        "the organisation's region (CAC eligibility)",
    ),
    not("delegates", "duplicate_allowed", STATE),
    not("delegates", "room_block_id", LINK),
    not("delegates", "room_arrival", WHEN),
    not("delegates", "room_departure", WHEN),
    personal(
        "delegates",
        "room_fee_minor",
        Financial,
        "the delegate's hotel room fee",
        Accounts,
    ),
    not("delegates", "substitutions", STATE),
    not("delegates", "pass_kind", MONEY_SHAPE),
    not("delegates", "votes", STATE),
    // payments
    not("payments", "id", ID),
    not("payments", "registration_id", LINK),
    personal(
        "payments",
        "amount_minor",
        Financial,
        "a payment received",
        Accounts,
    ),
    not("payments", "method", MONEY_SHAPE),
    personal(
        "payments",
        "reference",
        Financial,
        "the cheque or transfer reference",
        Accounts,
    ),
    not("payments", "recorded_by", LINK),
    not("payments", "created_at", WHEN),
    not("payments", "kind", MONEY_SHAPE),
    // invoices and credit notes: never changed once issued
    not("invoice_counters", "conference_id", LINK),
    not("invoice_counters", "kind", STATE),
    not("invoice_counters", "last_number", STATE),
    not("invoices", "id", ID),
    not("invoices", "conference_id", LINK),
    not("invoices", "registration_id", LINK),
    not("invoices", "organisation_id", LINK),
    not("invoices", "kind", STATE),
    not("invoices", "number", STATE),
    not("invoices", "credits_invoice_id", LINK),
    not("invoices", "currency", MONEY_SHAPE),
    not("invoices", "total_minor", MONEY_SHAPE),
    not("invoices", "issued_on", WHEN),
    not("invoices", "due_on", WHEN),
    personal(
        "invoices",
        "document",
        Financial,
        "the invoice as issued: the organisation's billing address and each delegate's name on their line",
        Accounts,
    ),
    not("invoices", "created_by", LINK),
    not("invoices", "created_at", WHEN),
    // extensions
    not("extensions", "id", ID),
    not("extensions", "conference_id", LINK),
    not("extensions", "organisation_id", LINK),
    not("extensions", "deadline", STATE),
    not("extensions", "until", WHEN),
    not("extensions", "granted_by", LINK),
    not("extensions", "created_at", WHEN),
    // programme_items
    not("programme_items", "id", ID),
    not("programme_items", "conference_id", LINK),
    not("programme_items", "title", CONFERENCE),
    not("programme_items", "starts_at", WHEN),
    not("programme_items", "ends_at", WHEN),
    not("programme_items", "place", CONFERENCE),
    not("programme_items", "ticketed", CONFERENCE),
    not("programme_items", "revision", STATE),
    not("programme_items", "created_at", WHEN),
    not("programme_items", "updated_at", WHEN),
    // privacy_notices
    not("privacy_notices", "conference_id", LINK),
    not("privacy_notices", "version", STATE),
    not("privacy_notices", "body", CONFERENCE),
    not("privacy_notices", "published_at", WHEN),
    not("privacy_notices", "published_by", LINK),
    // room_blocks
    not("room_blocks", "id", ID),
    not("room_blocks", "conference_id", LINK),
    not("room_blocks", "hotel", CONFERENCE),
    not("room_blocks", "hotel_address", CONFERENCE),
    not("room_blocks", "room_type", CONFERENCE),
    not("room_blocks", "nightly_rate_minor", MONEY_SHAPE),
    not("room_blocks", "release_on", WHEN),
    not("room_blocks", "created_at", WHEN),
    // room_nights
    not("room_nights", "room_block_id", LINK),
    not("room_nights", "night", WHEN),
    not("room_nights", "rooms", STATE),
    not("room_nights", "taken", STATE),
    // audit_log
    not("audit_log", "id", ID),
    not("audit_log", "actor_id", LINK),
    not("audit_log", "action", STATE),
    not("audit_log", "conference_id", LINK),
    not("audit_log", "organisation_id", LINK),
    not("audit_log", "subject_id", LINK),
    not(
        "audit_log",
        "detail",
        "ids, dates and reasons only, never personal data",
    ),
    not("audit_log", "created_at", WHEN),
    // idempotency_keys
    not("idempotency_keys", "user_id", LINK),
    not("idempotency_keys", "idempotency_key", ID),
    not(
        "idempotency_keys",
        "request_hash",
        "a digest of the request",
    ),
    not("idempotency_keys", "status_code", STATE),
    personal(
        "idempotency_keys",
        "response_body",
        Contact,
        "replaying a retried request (holds names and emails)",
        IdempotencyResponse,
    ),
    not("idempotency_keys", "created_at", WHEN),
    // outbox
    not("outbox", "id", ID),
    not("outbox", "kind", STATE),
    personal(
        "outbox",
        "recipient",
        Contact,
        "delivering the email (reduced to its domain)",
        EmailPayload,
    ),
    not(
        "outbox",
        "subject",
        "a reference and the conference, never a name",
    ),
    personal(
        "outbox",
        "payload",
        Contact,
        "rendering the email (names, requirements, attachments)",
        EmailPayload,
    ),
    not("outbox", "conference_id", LINK),
    not("outbox", "registration_id", LINK),
    not("outbox", "submission_id", LINK),
    not("outbox", "status", STATE),
    not("outbox", "attempts", STATE),
    not("outbox", "next_attempt_at", WHEN),
    not("outbox", "lease_until", WHEN),
    not("outbox", "lease_token", ID),
    personal(
        "outbox",
        "last_error",
        Contact,
        "the mail server's last refusal (may quote the address)",
        EmailPayload,
    ),
    not("outbox", "sent_at", WHEN),
    not("outbox", "created_at", WHEN),
    not("outbox", "updated_at", WHEN),
    // submissions
    not("submissions", "id", ID),
    not("submissions", "conference_id", LINK),
    not("submissions", "organisation_id", LINK),
    not("submissions", "kind", STATE),
    not("submissions", "number", STATE),
    not("submissions", "reference", ID),
    not("submissions", "motion_id", LINK),
    not("submissions", "title", "a motion's or submission's title"),
    personal(
        "submissions",
        "body",
        SpecialCategory,
        "motions and nomination statements (political opinions)",
        UntilErasure,
    ),
    not("submissions", "word_count", STATE),
    not("submissions", "delegate_id", LINK),
    not("submissions", "nominee_kind", STATE),
    personal(
        "submissions",
        "nominee_name",
        SpecialCategory,
        "award nominations (political activity)",
        UntilErasure,
    ),
    not("submissions", "status", STATE),
    personal(
        "submissions",
        "status_reason",
        Contact,
        "why staff or the organisation changed the status",
        UntilErasure,
    ),
    not("submissions", "composite", STATE),
    not("submissions", "timeliness", STATE),
    not("submissions", "submitted_by", LINK),
    not("submissions", "created_at", WHEN),
    not("submissions", "updated_at", WHEN),
    personal(
        "submissions",
        "candidate_name",
        SpecialCategory,
        "CAC candidates' names as printed (political activity)",
        UntilErasure,
    ),
    // the credentials desk: arrivals, and the check-in codes' key
    not("check_ins", "delegate_id", LINK),
    not("check_ins", "conference_id", LINK),
    not("check_ins", "checked_in_at", WHEN),
    not("check_ins", "checked_in_by", LINK),
    not("server_secrets", "name", ID),
    not(
        "server_secrets",
        "secret",
        "a server key (the check-in codes' MAC key), about no one",
    ),
    not("server_secrets", "created_at", WHEN),
    // jobs
    not("jobs", "name", ID),
    not("jobs", "lease_token", ID),
    not("jobs", "lease_until", WHEN),
    not("jobs", "last_run_at", WHEN),
];

/// The register's entry for one column, if it has one.
pub fn lookup(table: &str, column: &str) -> Option<&'static Entry> {
    REGISTER
        .iter()
        .find(|e| e.table == table && e.column == column)
}

/// The personal columns as the Markdown table in docs/personal-data.md.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Table | Column | Category | Purpose | Retention |\n| --- | --- | --- | --- | --- |\n",
    );
    for e in REGISTER {
        if let Class::Personal {
            category,
            purpose,
            retention,
        } = e.class
        {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                e.table,
                e.column,
                category.as_str(),
                purpose,
                retention.describe()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn each_column_is_listed_once() {
        let mut seen = HashSet::new();
        for e in REGISTER {
            assert!(
                seen.insert((e.table, e.column)),
                "{}.{} is listed twice in src/privacy/register.rs",
                e.table,
                e.column
            );
        }
    }

    #[test]
    fn special_category_and_requirements_are_classified_personal() {
        for (t, c, cat) in [
            ("delegates", "dietary_requirements", SpecialCategory),
            ("delegates", "access_requirements", SpecialCategory),
            ("delegates", "name", Contact),
            ("delegates", "email", Contact),
            ("users", "email", Account),
            ("idempotency_keys", "response_body", Contact),
        ] {
            match lookup(t, c).map(|e| e.class) {
                Some(Class::Personal { category, .. }) => assert_eq!(category, cat, "{t}.{c}"),
                other => panic!("{t}.{c} is {other:?}"),
            }
        }
    }

    #[test]
    fn the_table_has_one_row_per_personal_column() {
        let table = markdown_table();
        let personal = REGISTER
            .iter()
            .filter(|e| matches!(e.class, Class::Personal { .. }))
            .count();
        assert_eq!(table.lines().count(), personal + 2);
        assert!(table.contains(
            "| `delegates` | `dietary_requirements` | special_category | catering (may reveal health or religion) | cleared 30 days after the conference ends (`retention_requirements_days`) |"
        ));
    }
}
