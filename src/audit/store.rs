//! Audit entries, stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::sql::text_enum;
use crate::db::DbConnection;
use crate::ids::{AuditId, ConferenceId, OrganisationId, UserId};

text_enum! {
    /// What an audit entry records.
    pub enum AuditAction {
        /// Staff acted after a deadline (`late_override`).
        LateOverride = "late_override",
        ExtensionGranted = "extension_granted",
        DelegateSubstituted = "delegate_substituted",
        DelegateCancelled = "delegate_cancelled",
        SubmissionReviewed = "submission_reviewed",
        /// Staff gave one person a second place at a conference.
        DuplicateAllowed = "duplicate_allowed",
        /// Staff recorded more than was due, on purpose.
        OverpaymentRecorded = "overpayment_recorded",
        /// Staff issued an invoice on request.
        InvoiceIssued = "invoice_issued",
        /// The credentials desk checked a delegate in.
        DelegateCheckedIn = "delegate_checked_in",
        /// An administrator changed a staff account's roles.
        RolesChanged = "roles_changed",
        /// Staff answered a subject access request (counts only).
        SubjectAccess = "subject_access",
        /// Staff erased a person's data on request (counts only).
        PersonalDataErased = "personal_data_erased",
        /// Staff returned money to an organisation in credit.
        RefundRecorded = "refund_recorded",
        /// Staff published a new version of a conference's privacy notice.
        PrivacyNoticePublished = "privacy_notice_published",
        /// Staff set a conference's voting-pass entitlements.
        EntitlementsSet = "entitlements_set",
        /// Staff registered voting passes beyond an organisation's entitlement.
        EntitlementOverride = "entitlement_override",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: AuditId,
    pub actor_id: UserId,
    pub action: AuditAction,
    pub conference_id: Option<ConferenceId>,
    pub organisation_id: Option<OrganisationId>,
    /// The record acted on (a delegate, submission, extension …).
    pub subject_id: Option<String>,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Which audit entries a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub conference_id: Option<ConferenceId>,
    pub action: Option<AuditAction>,
    /// Who acted.
    pub actor_id: Option<UserId>,
    /// Only entries about these records (empty: any).
    pub subjects: Vec<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    limit: i64,
    cursor: Option<&AuditId>,
) -> QueryResult<Vec<AuditRow>> {
    use audit_log::dsl as a;
    let mut q = a::audit_log
        .select(AuditRow::as_select())
        .order(a::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = &filter.conference_id {
        q = q.filter(a::conference_id.eq(c.clone()));
    }
    if let Some(action) = filter.action {
        q = q.filter(a::action.eq(action));
    }
    if let Some(actor) = &filter.actor_id {
        q = q.filter(a::actor_id.eq(actor.clone()));
    }
    if !filter.subjects.is_empty() {
        q = q.filter(a::subject_id.eq_any(filter.subjects.clone()));
    }
    if let Some(c) = cursor {
        q = q.filter(a::id.lt(c.clone()));
    }
    q.load(conn)
}

/// What an audit entry is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub conference_id: Option<&'a ConferenceId>,
    pub organisation_id: Option<&'a OrganisationId>,
    pub subject_id: Option<&'a str>,
}

/// Writes one audit entry: who (`actor_id`), what (`action`, `detail`),
/// when (`now`). Details carry ids and dates, never personal data.
pub fn log(
    conn: &mut DbConnection,
    actor_id: &UserId,
    action: AuditAction,
    subject: Subject<'_>,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> QueryResult<()> {
    record(
        conn,
        &AuditRow {
            id: AuditId::new(),
            actor_id: actor_id.clone(),
            action,
            conference_id: subject.conference_id.cloned(),
            organisation_id: subject.organisation_id.cloned(),
            subject_id: subject.subject_id.map(str::to_owned),
            detail: detail.to_string(),
            created_at: now,
        },
    )
}
