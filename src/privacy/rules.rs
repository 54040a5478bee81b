//! Subject access and erasure as rules: where each personal column of the
//! register appears in a subject access file and what erasure does to it
//! ([`COVERAGE`], checked against the register by the tests below), how
//! a person's address is compared, the placeholders erasure leaves, and
//! when the law keeps something back.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::register::{Class, Retention, REGISTER};

/// The name erasure leaves in place of a person's.
pub const ERASED_NAME: &str = "Erased person";

/// The address erasure leaves on row `id`: unique, and never deliverable
/// (`.invalid` is reserved, RFC 2606).
pub fn erased_email(id: &str) -> String {
    format!("erased-{id}@invalid")
}

/// A stored address as one person's addresses compare: Unicode NFC, then
/// lower case, surrounding spaces ignored (as accounts and delegates store
/// theirs, `EmailAddress::normalised`).
pub fn email_key(stored: &str) -> String {
    stored.trim().nfc().collect::<String>().to_lowercase()
}

/// Whether `text` quotes the address `key` (as [`email_key`]) as a whole
/// address: not as the tail of a longer one (`joann@x.example` does not
/// quote `ann@x.example`) nor the head of a longer domain.
pub fn quotes(text: &str, key: &str) -> bool {
    let text = email_key(text);
    let part_of_address = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    text.match_indices(key).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + key.len()..].chars().next();
        !before.is_some_and(part_of_address)
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
    })
}

/// What erasure does to one personal column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnErasure {
    /// Replaced by [`ERASED_NAME`] or an [`erased_email`].
    Anonymised,
    /// Emptied.
    Cleared,
    /// The row is deleted.
    Deleted,
    /// Reduced to the address's domain, its content removed.
    Reduced,
    /// Kept as it is: the party's accounts.
    KeptForAccounts,
}

/// One personal column: where a subject access file shows it and what
/// erasure does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub table: &'static str,
    pub column: &'static str,
    /// The file's field that holds it (`delegate_places[].name`, …).
    pub shown_as: &'static str,
    pub on_erasure: OnErasure,
}

const fn covered(
    table: &'static str,
    column: &'static str,
    shown_as: &'static str,
    on_erasure: OnErasure,
) -> Coverage {
    Coverage {
        table,
        column,
        shown_as,
        on_erasure,
    }
}

use OnErasure::{Anonymised, Cleared, Deleted, KeptForAccounts, Reduced};

/// Every personal column of the register, as subject access and erasure
/// treat it.
pub const COVERAGE: &[Coverage] = &[
    covered(
        "organisations",
        "contact_email",
        "organisation_contacts[].contact_email",
        Anonymised,
    ),
    covered(
        "organisations",
        "billing_address",
        "organisation_contacts[].billing_address",
        KeptForAccounts,
    ),
    covered("users", "email", "accounts[].email", Anonymised),
    covered("users", "name", "accounts[].name", Anonymised),
    covered("users", "password_hash", "accounts[].has_password", Cleared),
    covered(
        "account_tokens",
        "token_hash",
        "accounts[].outstanding_links",
        Deleted,
    ),
    covered("sessions", "token_hash", "accounts[].api_sessions", Deleted),
    covered(
        "web_sessions",
        "token_hash",
        "accounts[].web_sessions",
        Deleted,
    ),
    covered(
        "login_throttle",
        "key_hash",
        "accounts[].failed_sign_ins",
        Deleted,
    ),
    covered(
        "registrations",
        "total_minor",
        "delegate_places[].registration_total",
        KeptForAccounts,
    ),
    covered(
        "registrations",
        "amount_paid_minor",
        "delegate_places[].registration_paid",
        KeptForAccounts,
    ),
    covered("delegates", "name", "delegate_places[].name", Anonymised),
    covered("delegates", "email", "delegate_places[].email", Anonymised),
    covered(
        "delegates",
        "email_key",
        "delegate_places[].email",
        Anonymised,
    ),
    covered(
        "delegates",
        "dietary_requirements",
        "delegate_places[].dietary_requirements",
        Cleared,
    ),
    covered(
        "delegates",
        "access_requirements",
        "delegate_places[].access_requirements",
        Cleared,
    ),
    covered(
        "delegates",
        "pass_fee_minor",
        "delegate_places[].pass_fee",
        KeptForAccounts,
    ),
    covered(
        "delegates",
        "dinner_fee_minor",
        "delegate_places[].dinner_fee",
        KeptForAccounts,
    ),
    covered(
        "delegates",
        "fee_minor",
        "delegate_places[].fee",
        KeptForAccounts,
    ),
    covered(
        "delegates",
        "room_fee_minor",
        "delegate_places[].room_fee",
        KeptForAccounts,
    ),
    covered(
        "payments",
        "amount_minor",
        "delegate_places[].payments[].amount",
        KeptForAccounts,
    ),
    covered(
        "payments",
        "reference",
        "delegate_places[].payments[].reference",
        KeptForAccounts,
    ),
    covered("invoices", "document", "invoices[]", KeptForAccounts),
    covered(
        "idempotency_keys",
        "response_body",
        "retry_records[]",
        Deleted,
    ),
    covered("outbox", "recipient", "emails[].recipient", Reduced),
    covered("outbox", "payload", "emails[].content", Reduced),
    covered("outbox", "last_error", "emails[].last_error", Reduced),
    covered("submissions", "body", "nominations[].statement", Cleared),
    covered(
        "submissions",
        "nominee_name",
        "nominations[].nominee_name",
        Anonymised,
    ),
    covered(
        "submissions",
        "status_reason",
        "nominations[].status_reason",
        Cleared,
    ),
    covered(
        "submissions",
        "candidate_name",
        "nominations[].candidate_name",
        Anonymised,
    ),
];

/// How one column is covered, if it is.
pub fn coverage(table: &str, column: &str) -> Option<&'static Coverage> {
    COVERAGE
        .iter()
        .find(|c| c.table == table && c.column == column)
}

/// What an erasure may be asked to leave in place.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// Organisations' contact addresses that are the person's.
    OrganisationContacts,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::OrganisationContacts => "organisation_contacts",
        }
    }
}

/// What the law keeps back from an erasure, found before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// An organisation the person is the contact of, and the numbers of
    /// its invoices still unpaid.
    pub organisation: String,
    pub unpaid_invoices: Vec<String>,
}

/// Refuses an erasure that would remove the billing contact of an unpaid
/// invoice, unless `keep` leaves organisation contacts in place: the reason
/// in words, naming what to keep to erase the rest.
pub fn refusal(held: &[Held], keep: &[Keep]) -> Option<String> {
    if held.is_empty() || keep.contains(&Keep::OrganisationContacts) {
        return None;
    }
    let each: Vec<String> = held
        .iter()
        .map(|h| {
            format!(
                "{} (unpaid invoice {})",
                h.organisation,
                h.unpaid_invoices.join(", ")
            )
        })
        .collect();
    Some(format!(
        "This address is the billing contact of {}: the party must keep it until the \
         invoices are paid. Erase the rest with \"keep\": [\"{}\"].",
        each.join("; "),
        Keep::OrganisationContacts.as_str()
    ))
}

/// Whether erasure respects the register's rule for a column: what is
/// kept for the party's accounts is never erased.
pub fn consistent(retention: Retention, on_erasure: OnErasure) -> bool {
    retention != Retention::Accounts || on_erasure == KeptForAccounts
}

/// Personal columns of the register that [`COVERAGE`] leaves out.
pub fn uncovered() -> Vec<String> {
    REGISTER
        .iter()
        .filter(|e| matches!(e.class, Class::Personal { .. }))
        .filter(|e| coverage(e.table, e.column).is_none())
        .map(|e| format!("{}.{}", e.table, e.column))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::register::lookup;

    #[test]
    fn every_personal_column_of_the_register_is_covered() {
        assert!(
            uncovered().is_empty(),
            "personal columns that subject access and erasure do not cover: {}; add each to \
             COVERAGE in src/privacy/rules.rs and to the queries in src/privacy/store.rs",
            uncovered().join(", ")
        );
    }

    #[test]
    fn coverage_names_only_personal_columns_and_keeps_the_accounts() {
        for c in COVERAGE {
            match lookup(c.table, c.column).map(|e| e.class) {
                Some(Class::Personal { retention, .. }) => assert!(
                    consistent(retention, c.on_erasure),
                    "{}.{}: {retention:?} but erasure {:?}",
                    c.table,
                    c.column,
                    c.on_erasure
                ),
                other => panic!("{}.{} is {other:?}", c.table, c.column),
            }
        }
    }

    #[test]
    fn addresses_compare_in_one_form() {
        assert_eq!(email_key(" Ann@Cardiff.Example "), "ann@cardiff.example");
        assert_eq!(email_key("Zoe\u{0301}@x.example"), "zo\u{e9}@x.example");
        assert_eq!(erased_email("d1"), "erased-d1@invalid");
    }

    #[test]
    fn an_address_is_quoted_whole() {
        let key = "ann@x.example";
        assert!(quotes("{\"email\":\"Ann@X.example\"}", key));
        assert!(quotes("to ann@x.example.", key));
        assert!(!quotes("joann@x.example", key));
        assert!(!quotes("j.ann@x.example", key));
        assert!(!quotes("ann@x.example-mail.org", key));
        assert!(!quotes("ann@x.examples", key));
    }

    #[test]
    fn an_unpaid_invoice_keeps_its_billing_contact_unless_kept() {
        let held = [Held {
            organisation: "Cardiff".into(),
            unpaid_invoices: vec!["INV-2016-0001".into()],
        }];
        let why = refusal(&held, &[]).unwrap();
        assert!(
            why.contains("Cardiff (unpaid invoice INV-2016-0001)"),
            "{why}"
        );
        assert!(why.contains("organisation_contacts"), "{why}");
        assert_eq!(refusal(&held, &[Keep::OrganisationContacts]), None);
        assert_eq!(refusal(&[], &[]), None);
    }
}
