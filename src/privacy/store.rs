//! What Plenary holds about one person, found by their address (and, for
//! award nominations, which name no address, by their names), and the
//! writes that erase it. Every personal column of the register is read or
//! written here (`rules::COVERAGE` says where).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{email_key, erased_email, quotes, ERASED_NAME};
use crate::accounts::store::UserRow;
use crate::accounts::throttle;
use crate::audit::AuditRow;
use crate::db::schema::{
    account_tokens, audit_log, conferences, delegates, idempotency_keys, invoices, login_throttle,
    organisations, payments, registrations, sessions, submissions, users, web_sessions,
};
use crate::db::sql::{contains_pattern, lower, LIKE_ESCAPE};
use crate::db::DbConnection;
use crate::email::outbox::OutboxRow;
use crate::email::schema::outbox;
use crate::ids::{DelegateId, OrganisationId, RegistrationId, UserId};
use crate::invoices::store::InvoiceRow;
use crate::registrations::store::{DelegateRow, PaymentRow, RegistrationRow};
use crate::submissions::rules::{NomineeKind, SubmissionKind};
use crate::submissions::store::SubmissionRow;

/// One place a person holds or held as a delegate, with its booking.
pub struct Place {
    pub delegate: DelegateRow,
    pub registration: RegistrationRow,
    pub conference_name: String,
    pub organisation_name: String,
    pub payments: Vec<PaymentRow>,
}

/// Every place of the person with this address (`key` as
/// [`email_key`]), cancelled and substituted-out ones included.
pub fn places(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<Place>> {
    let found: Vec<(DelegateRow, RegistrationRow, String, String)> = delegates::table
        .inner_join(registrations::table.inner_join(organisations::table))
        .inner_join(conferences::table.on(conferences::id.eq(delegates::conference_id)))
        .filter(delegates::email_key.eq(key))
        .order((delegates::created_at.asc(), delegates::id.asc()))
        .select((
            DelegateRow::as_select(),
            RegistrationRow::as_select(),
            conferences::name,
            organisations::name,
        ))
        .load(conn)?;
    found
        .into_iter()
        .map(
            |(delegate, registration, conference_name, organisation_name)| {
                let payments = payments::table
                    .filter(payments::registration_id.eq(registration.id.clone()))
                    .order(payments::id.asc())
                    .select(PaymentRow::as_select())
                    .load(conn)?;
                Ok(Place {
                    delegate,
                    registration,
                    conference_name,
                    organisation_name,
                    payments,
                })
            },
        )
        .collect()
}

/// An account, with what signs it in.
pub struct Account {
    pub user: UserRow,
    pub organisation_name: Option<String>,
    pub api_sessions: i64,
    pub web_sessions: i64,
    pub last_sign_in: Option<NaiveDateTime>,
    pub outstanding_links: i64,
    pub failed_sign_ins: Option<(i32, NaiveDateTime)>,
}

pub fn accounts(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<Account>> {
    let found: Vec<UserRow> = users::table
        .filter(users::email.eq(key))
        .select(UserRow::as_select())
        .load(conn)?;
    found
        .into_iter()
        .map(|user| {
            let organisation_name = match &user.organisation_id {
                Some(id) => organisations::table
                    .find(id.clone())
                    .select(organisations::name)
                    .first(conn)
                    .optional()?,
                None => None,
            };
            let api: Vec<NaiveDateTime> = sessions::table
                .filter(sessions::user_id.eq(user.id.clone()))
                .select(sessions::created_at)
                .load(conn)?;
            let web: Vec<NaiveDateTime> = web_sessions::table
                .filter(web_sessions::user_id.eq(user.id.clone()))
                .select(web_sessions::created_at)
                .load(conn)?;
            let outstanding_links = account_tokens::table
                .filter(account_tokens::user_id.eq(user.id.clone()))
                .filter(account_tokens::used_at.is_null())
                .count()
                .get_result(conn)?;
            let failed_sign_ins = login_throttle::table
                .find(throttle::account_key(&user.email))
                .select((login_throttle::failures, login_throttle::last_failure_at))
                .first(conn)
                .optional()?;
            Ok(Account {
                organisation_name,
                api_sessions: api.len() as i64,
                web_sessions: web.len() as i64,
                last_sign_in: api.iter().chain(&web).max().copied(),
                outstanding_links,
                failed_sign_ins,
                user,
            })
        })
        .collect()
}

/// An organisation whose contact address is the person's.
pub struct Contact {
    pub id: OrganisationId,
    pub name: String,
    pub contact_email: String,
    pub billing_address: Option<String>,
}

pub fn organisation_contacts(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<Contact>> {
    let all: Vec<(OrganisationId, String, String, Option<String>)> = organisations::table
        .select((
            organisations::id,
            organisations::name,
            organisations::contact_email,
            organisations::billing_address,
        ))
        .order(organisations::id.asc())
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(_, _, contact, _)| email_key(contact) == key)
        .map(|(id, name, contact_email, billing_address)| Contact {
            id,
            name,
            contact_email,
            billing_address,
        })
        .collect())
}

/// The numbers of an organisation's invoices whose registration is not
/// yet paid in full.
pub fn unpaid_invoices(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> QueryResult<Vec<InvoiceRow>> {
    invoices::table
        .inner_join(registrations::table.on(registrations::id.eq(invoices::registration_id)))
        .filter(invoices::organisation_id.eq(organisation.clone()))
        .filter(invoices::kind.eq(crate::invoices::rules::InvoiceKind::Invoice))
        .filter(registrations::amount_paid_minor.lt(registrations::total_minor))
        .order(invoices::id.asc())
        .select(InvoiceRow::as_select())
        .load(conn)
}

/// Nominations of the person: CAC nominations of any of their places, and
/// award nominations of a member by one of their names (compared without
/// regard to case, as written).
pub fn nominations(
    conn: &mut DbConnection,
    delegate_ids: &[DelegateId],
    names: &[String],
) -> QueryResult<Vec<SubmissionRow>> {
    let mut found: Vec<SubmissionRow> = submissions::table
        .filter(submissions::kind.eq(SubmissionKind::CacNomination))
        .filter(submissions::delegate_id.eq_any(delegate_ids.to_vec()))
        .select(SubmissionRow::as_select())
        .load(conn)?;
    let wanted: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).collect();
    if !wanted.is_empty() {
        let awards: Vec<SubmissionRow> = submissions::table
            .filter(submissions::kind.eq(SubmissionKind::AwardNomination))
            .filter(submissions::nominee_kind.eq(NomineeKind::Member))
            .select(SubmissionRow::as_select())
            .load(conn)?;
        found.extend(awards.into_iter().filter(|s| {
            s.nominee_name
                .as_deref()
                .is_some_and(|n| wanted.contains(&n.trim().to_lowercase()))
        }));
    }
    found.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    Ok(found)
}

/// An email to the person or quoting their address, and its content
/// while it is still held.
pub struct Email {
    pub row: OutboxRow,
    pub payload: Option<String>,
    /// Sent to the person (otherwise to someone else, quoting them).
    pub to_them: bool,
}

pub fn emails(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<Email>> {
    let to_them: Vec<String> = outbox::table
        .select((outbox::id, outbox::recipient))
        .load::<(String, String)>(conn)?
        .into_iter()
        .filter(|(_, recipient)| email_key(recipient) == key)
        .map(|(id, _)| id)
        .collect();
    let rows: Vec<(OutboxRow, Option<String>)> = outbox::table
        .filter(
            outbox::id
                .eq_any(&to_them)
                .or(lower(outbox::payload.assume_not_null())
                    .like(contains_pattern(key))
                    .escape(LIKE_ESCAPE)),
        )
        .order(outbox::id.asc())
        .select((OutboxRow::as_select(), outbox::payload))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(row, payload)| {
            to_them.contains(&row.id) || payload.as_deref().is_some_and(|p| quotes(p, key))
        })
        .map(|(row, payload)| Email {
            to_them: to_them.contains(&row.id),
            row,
            payload,
        })
        .collect())
}

/// Stored replies to retried requests that quote the address: (account,
/// key, stored at).
pub fn retry_records(
    conn: &mut DbConnection,
    key: &str,
) -> QueryResult<Vec<(UserId, String, NaiveDateTime)>> {
    let all: Vec<(UserId, String, NaiveDateTime, Option<String>)> = idempotency_keys::table
        .filter(idempotency_keys::response_body.is_not_null())
        .select((
            idempotency_keys::user_id,
            idempotency_keys::idempotency_key,
            idempotency_keys::created_at,
            idempotency_keys::response_body,
        ))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(_, _, _, body)| body.as_deref().is_some_and(|b| quotes(b, key)))
        .map(|(user, k, at, _)| (user, k, at))
        .collect())
}

/// Audit entries about these records or by these accounts, oldest first.
pub fn audit(
    conn: &mut DbConnection,
    subjects: &[String],
    actors: &[UserId],
) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(
            audit_log::subject_id
                .eq_any(subjects.to_vec())
                .or(audit_log::actor_id.eq_any(actors.to_vec())),
        )
        .order(audit_log::id.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Invoices and credit notes of these registrations (each names its
/// delegates on their lines).
pub fn invoices_of(
    conn: &mut DbConnection,
    registrations: &[RegistrationId],
) -> QueryResult<Vec<InvoiceRow>> {
    invoices::table
        .filter(invoices::registration_id.eq_any(registrations.to_vec()))
        .order(invoices::id.asc())
        .select(InvoiceRow::as_select())
        .load(conn)
}

/// A delegate's name, address and requirements replaced; fees, status and
/// the booking stay.
pub fn erase_delegate(conn: &mut DbConnection, id: &DelegateId) -> QueryResult<usize> {
    let email = erased_email(id.as_str());
    diesel::update(delegates::table.find(id.clone()))
        .set((
            delegates::name.eq(ERASED_NAME),
            delegates::email.eq(&email),
            delegates::email_key.eq(&email),
            delegates::dietary_requirements.eq(""),
            delegates::access_requirements.eq(""),
        ))
        .execute(conn)
}

/// A nomination's names and statement removed (its status is changed by
/// the submissions' own operation).
pub fn erase_nomination(conn: &mut DbConnection, row: &SubmissionRow) -> QueryResult<usize> {
    diesel::update(submissions::table.find(row.id.clone()))
        .set((
            submissions::body.eq(""),
            submissions::word_count.eq(0),
            submissions::candidate_name.eq(row.candidate_name.as_ref().map(|_| ERASED_NAME)),
            submissions::nominee_name.eq(row.nominee_name.as_ref().map(|_| ERASED_NAME)),
            submissions::status_reason.eq(None::<String>),
        ))
        .execute(conn)
}

/// An account anonymised, disabled, signed out everywhere, its links and
/// throttling counts gone.
pub fn erase_account(
    conn: &mut DbConnection,
    user: &UserRow,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id.clone()))).execute(conn)?;
    diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user.id.clone())))
        .execute(conn)?;
    diesel::delete(account_tokens::table.filter(account_tokens::user_id.eq(user.id.clone())))
        .execute(conn)?;
    diesel::delete(login_throttle::table.find(throttle::account_key(&user.email))).execute(conn)?;
    diesel::update(users::table.find(user.id.clone()))
        .set((
            users::name.eq(ERASED_NAME),
            users::email.eq(erased_email(user.id.as_str())),
            users::password_hash.eq(""),
            users::disabled_at.eq(user.disabled_at.unwrap_or(now)),
        ))
        .execute(conn)
}

pub fn erase_organisation_contact(
    conn: &mut DbConnection,
    id: &OrganisationId,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id.clone()))
        .set(organisations::contact_email.eq(erased_email(id.as_str())))
        .execute(conn)
}

/// An email to the person: its content and error removed and its
/// recipient reduced to its domain; one not yet sent is not sent (it
/// fails, as erased).
pub fn erase_email(
    conn: &mut DbConnection,
    row: &OutboxRow,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let unsent = row.sent_at.is_none();
    diesel::update(outbox::table.find(&row.id))
        .set((
            outbox::payload.eq(None::<String>),
            outbox::last_error.eq(unsent.then_some("erased on request")),
            outbox::recipient.eq(super::retention::recipient_domain(&row.recipient)),
            outbox::status.eq(if unsent {
                "failed"
            } else {
                row.status.as_str()
            }),
            outbox::lease_token.eq(None::<String>),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
}

/// A sent email to someone else that quotes the person: its content
/// removed (the recipient's own address stays).
pub fn erase_email_content(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::sent_at.is_not_null()))
        .set((
            outbox::payload.eq(None::<String>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn delete_retry_record(
    conn: &mut DbConnection,
    user: &UserId,
    key: &str,
) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.find((user.clone(), key))).execute(conn)
}
