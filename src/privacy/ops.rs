//! Subject access and erasure (staff): everything Plenary holds about the
//! person with one email address, as one file; and that person erased
//! where the register allows, their nominations withdrawn, the party's
//! accounts kept. Both are audited with a digest of the address and
//! counts, never the data.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::rules::{self, Held, Keep};
use super::store;
use crate::audit::{self, AuditAction, Subject};
use crate::db::DbConnection;
use crate::ops::{Command, Ctx, Error};
use crate::security;
use crate::submissions::rules::SubmissionStatus;
use crate::values::money::Money;
use crate::values::EmailAddress;

/// The digest an audit entry names a person by: the same for every request
/// about one address, and not the address.
fn person_digest(key: &str) -> String {
    security::digest(&format!("data subject\n{key}"))
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn money(minor: i64) -> String {
    Money::from_minor(minor).to_string()
}

/// A payment towards a booking the person has a place on.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldPayment {
    pub amount: String,
    pub method: String,
    pub reference: String,
    pub recorded_at: DateTime<Utc>,
}

/// A place as a delegate (active, cancelled or anonymised alike).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldPlace {
    #[schema(format = Uuid)]
    pub delegate_id: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    pub conference: String,
    pub organisation: String,
    /// The booking's reference.
    pub registration: String,
    pub name: String,
    pub email: String,
    /// `active` or `cancelled`.
    pub status: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub currency: String,
    pub pass_fee: String,
    pub dinner_fee: String,
    /// The hotel room booked with the place, if any.
    pub room_fee: String,
    /// Everything charged for the place: pass, dinner and room.
    pub fee: String,
    /// The whole booking's total and what has been paid towards it.
    pub registration_total: String,
    pub registration_paid: String,
    pub payments: Vec<HeldPayment>,
    pub registered_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// An account signed in with the address.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldAccount {
    #[schema(format = Uuid)]
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// `staff` or `organisation`.
    pub role: String,
    pub organisation: Option<String>,
    /// Whether a password (its argon2id digest) is held.
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub api_sessions: i64,
    pub web_sessions: i64,
    pub last_sign_in: Option<DateTime<Utc>>,
    /// Invitation or password-reset links not yet used.
    pub outstanding_links: i64,
    /// Failed sign-ins counted against the account, if any.
    pub failed_sign_ins: i32,
}

/// An organisation whose contact address is the person's.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldContact {
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub organisation: String,
    pub contact_email: String,
    pub billing_address: Option<String>,
}

/// A nomination of the person: CAC (of one of their places) or an award
/// (of a member by one of their names).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldNomination {
    #[schema(format = Uuid)]
    pub submission_id: String,
    pub reference: String,
    /// `cac_nomination` or `award_nomination`.
    pub kind: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub candidate_name: Option<String>,
    pub nominee_name: Option<String>,
    /// The nomination statement.
    pub statement: String,
    pub submitted_at: DateTime<Utc>,
}

/// An email to the address, or to someone else quoting it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldEmail {
    #[schema(format = Uuid)]
    pub id: String,
    pub kind: String,
    pub recipient: String,
    /// Sent to the person (otherwise to someone else, e.g. their
    /// organisation's secretary, quoting their address).
    pub to_them: bool,
    pub subject: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// What the email said (its template values), while still held.
    #[schema(value_type = Option<Object>)]
    pub content: Option<Value>,
}

/// A stored reply to a retried request that quotes the address.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldRetry {
    pub stored_at: DateTime<Utc>,
}

/// An invoice or credit note of a booking the person has a place on; its
/// document names them on their line and is kept as issued.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldInvoice {
    #[schema(format = Uuid)]
    pub invoice_id: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub total: String,
    pub currency: String,
}

/// An audit entry about the person's records or by their account: ids,
/// dates and reasons only.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldAudit {
    #[schema(format = Uuid)]
    pub id: String,
    pub action: String,
    pub subject_id: Option<String>,
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// Everything Plenary holds about the person with one address.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubjectAccessFile {
    /// The address asked about, as typed.
    pub email: String,
    pub prepared_at: DateTime<Utc>,
    pub delegate_places: Vec<HeldPlace>,
    pub accounts: Vec<HeldAccount>,
    pub organisation_contacts: Vec<HeldContact>,
    pub nominations: Vec<HeldNomination>,
    pub emails: Vec<HeldEmail>,
    pub retry_records: Vec<HeldRetry>,
    pub invoices: Vec<HeldInvoice>,
    pub audit: Vec<HeldAudit>,
}

impl SubjectAccessFile {
    /// Whether nothing at all is held.
    pub fn is_empty(&self) -> bool {
        self.delegate_places.is_empty()
            && self.accounts.is_empty()
            && self.organisation_contacts.is_empty()
            && self.nominations.is_empty()
            && self.emails.is_empty()
            && self.retry_records.is_empty()
            && self.invoices.is_empty()
            && self.audit.is_empty()
    }

    fn counts(&self) -> Value {
        json!({
            "delegate_places": self.delegate_places.len(),
            "accounts": self.accounts.len(),
            "organisation_contacts": self.organisation_contacts.len(),
            "nominations": self.nominations.len(),
            "emails": self.emails.len(),
            "retry_records": self.retry_records.len(),
            "invoices": self.invoices.len(),
            "audit": self.audit.len(),
        })
    }
}

/// Reads the file in the caller's transaction.
pub fn gather(
    conn: &mut DbConnection,
    email: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<SubjectAccessFile, Error> {
    let key = email.normalised();
    let places = store::places(conn, &key)?;
    let accounts = store::accounts(conn, &key)?;
    let contacts = store::organisation_contacts(conn, &key)?;
    let delegate_ids: Vec<_> = places.iter().map(|p| p.delegate.id.clone()).collect();
    let names: Vec<String> = places
        .iter()
        .map(|p| p.delegate.name.clone())
        .chain(accounts.iter().map(|a| a.user.name.clone()))
        .filter(|n| n != rules::ERASED_NAME)
        .collect();
    let nominations = store::nominations(conn, &delegate_ids, &names)?;
    let emails = store::emails(conn, &key)?;
    let retries = store::retry_records(conn, &key)?;
    let mut registrations = Vec::new();
    for p in &places {
        if !registrations.contains(&p.registration.id) {
            registrations.push(p.registration.id.clone());
        }
    }
    let invoices = store::invoices_of(conn, &registrations)?;
    let user_ids: Vec<_> = accounts.iter().map(|a| a.user.id.clone()).collect();
    let subjects: Vec<String> = delegate_ids
        .iter()
        .map(|d| d.as_str().to_owned())
        .chain(user_ids.iter().map(|u| u.as_str().to_owned()))
        .chain(nominations.iter().map(|n| n.id.as_str().to_owned()))
        .chain(contacts.iter().map(|c| c.id.as_str().to_owned()))
        .collect();
    let audit = store::audit(conn, &subjects, &user_ids)?;
    Ok(SubjectAccessFile {
        email: email.as_str().to_owned(),
        prepared_at: now,
        delegate_places: places
            .into_iter()
            .map(|p| {
                let charged = p.delegate.charged_minor();
                HeldPlace {
                    delegate_id: p.delegate.id.to_string(),
                    conference_id: p.delegate.conference_id.to_string(),
                    conference: p.conference_name,
                    organisation: p.organisation_name,
                    registration: p.registration.reference,
                    name: p.delegate.name,
                    email: p.delegate.email,
                    status: p.delegate.status.to_string(),
                    dinner: p.delegate.dinner,
                    dietary_requirements: p.delegate.dietary_requirements,
                    access_requirements: p.delegate.access_requirements,
                    currency: p.registration.currency,
                    pass_fee: money(p.delegate.pass_fee_minor),
                    dinner_fee: money(p.delegate.dinner_fee_minor),
                    room_fee: money(p.delegate.room_fee_minor),
                    fee: money(charged),
                    registration_total: money(p.registration.total_minor),
                    registration_paid: money(p.registration.amount_paid_minor),
                    payments: p
                        .payments
                        .into_iter()
                        .map(|pay| HeldPayment {
                            amount: money(pay.amount_minor),
                            method: pay.method.to_string(),
                            reference: pay.reference,
                            recorded_at: utc(pay.created_at),
                        })
                        .collect(),
                    registered_at: utc(p.delegate.created_at),
                    cancelled_at: p.delegate.cancelled_at.map(utc),
                }
            })
            .collect(),
        accounts: accounts
            .into_iter()
            .map(|a| HeldAccount {
                user_id: a.user.id.to_string(),
                email: a.user.email,
                name: a.user.name,
                role: a.user.role.to_string(),
                organisation: a.organisation_name,
                has_password: !a.user.password_hash.is_empty(),
                created_at: utc(a.user.created_at),
                disabled_at: a.user.disabled_at.map(utc),
                api_sessions: a.api_sessions,
                web_sessions: a.web_sessions,
                last_sign_in: a.last_sign_in.map(utc),
                outstanding_links: a.outstanding_links,
                failed_sign_ins: a.failed_sign_ins.map_or(0, |(n, _)| n),
            })
            .collect(),
        organisation_contacts: contacts
            .into_iter()
            .map(|c| HeldContact {
                organisation_id: c.id.to_string(),
                organisation: c.name,
                contact_email: c.contact_email,
                billing_address: c.billing_address,
            })
            .collect(),
        nominations: nominations
            .into_iter()
            .map(|n| HeldNomination {
                submission_id: n.id.to_string(),
                reference: n.reference,
                kind: n.kind.to_string(),
                conference_id: n.conference_id.to_string(),
                status: n.status.to_string(),
                status_reason: n.status_reason,
                candidate_name: n.candidate_name,
                nominee_name: n.nominee_name,
                statement: n.body,
                submitted_at: utc(n.created_at),
            })
            .collect(),
        emails: emails
            .into_iter()
            .map(|e| HeldEmail {
                status: e.row.status().as_str().to_owned(),
                id: e.row.id,
                kind: e.row.kind,
                recipient: e.row.recipient,
                to_them: e.to_them,
                subject: e.row.subject,
                created_at: utc(e.row.created_at),
                sent_at: e.row.sent_at.map(utc),
                last_error: e.row.last_error,
                content: e
                    .payload
                    .map(|p| serde_json::from_str(&p).unwrap_or(Value::String(p))),
            })
            .collect(),
        retry_records: retries
            .into_iter()
            .map(|(_, _, at)| HeldRetry { stored_at: utc(at) })
            .collect(),
        invoices: invoices
            .into_iter()
            .map(|i| HeldInvoice {
                invoice_id: i.id.to_string(),
                number: i.kind.label(i.number),
                issued_on: i.issued_on,
                total: money(i.total_minor),
                currency: i.currency,
            })
            .collect(),
        audit: audit
            .into_iter()
            .map(|a| HeldAudit {
                id: a.id.to_string(),
                action: a.action.to_string(),
                subject_id: a.subject_id,
                at: utc(a.created_at),
                detail: serde_json::from_str(&a.detail).unwrap_or(Value::String(a.detail)),
            })
            .collect(),
    })
}

/// A subject access request (staff): the file, and an audit entry naming
/// the address by digest with the counts found.
#[derive(Debug, Serialize)]
pub struct SubjectAccess {
    pub email: EmailAddress,
}

impl Command for SubjectAccess {
    type Output = SubjectAccessFile;
    const NAME: &'static str = "subject_access";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<SubjectAccessFile, Error> {
        ctx.actor.require_staff()?;
        let file = gather(conn, &self.email, ctx.now)?;
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::SubjectAccess,
            Subject::default(),
            json!({
                "person": person_digest(&self.email.normalised()),
                "found": file.counts(),
            }),
            ctx.now.naive_utc(),
        )?;
        Ok(file)
    }
}

/// What an erasure changed, by kind of record, and what it left in place.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Erased {
    /// Places anonymised (their fees, payments and invoices kept).
    pub delegate_places: usize,
    /// Accounts anonymised, disabled and signed out.
    pub accounts: usize,
    pub organisation_contacts: usize,
    /// Nominations whose names and statement were removed.
    pub nominations: usize,
    /// Of those, nominations still standing that were withdrawn.
    pub nominations_withdrawn: usize,
    /// Emails to the person whose content was removed and recipient
    /// reduced to its domain (one not yet sent is not sent), and sent
    /// emails to others quoting their address whose content was removed.
    pub emails: usize,
    pub retry_records: usize,
    /// What was left in place on request (`keep`).
    pub kept: Vec<Keep>,
}

/// An erasure request (staff): the person's personal data anonymised or
/// removed wherever the register lists it, their standing nominations
/// withdrawn, the party's accounts kept. Refused (changing nothing) when
/// the address is the billing contact of an unpaid invoice, unless `keep`
/// leaves organisation contacts in place; refused for the staff member's
/// own account. An address Plenary does not hold erases nothing.
#[derive(Debug, Serialize)]
pub struct Erase {
    pub email: EmailAddress,
    /// Why (recorded in the audit log: write no personal data in it).
    pub reason: String,
    pub keep: Vec<Keep>,
}

impl Command for Erase {
    type Output = Erased;
    const NAME: &'static str = "erase";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Erased, Error> {
        ctx.actor.require_staff()?;
        let key = self.email.normalised();
        let now = ctx.now.naive_utc();
        let places = store::places(conn, &key)?;
        let accounts = store::accounts(conn, &key)?;
        let contacts = store::organisation_contacts(conn, &key)?;
        if accounts.iter().any(|a| a.user.id == ctx.actor.user_id) {
            return Err(Error::Conflict(
                "You cannot erase your own account; ask another member of staff.".into(),
            ));
        }
        let mut held = Vec::new();
        for c in &contacts {
            let unpaid = store::unpaid_invoices(conn, &c.id)?;
            if !unpaid.is_empty() {
                held.push(Held {
                    organisation: c.name.clone(),
                    unpaid_invoices: unpaid.iter().map(|i| i.kind.label(i.number)).collect(),
                });
            }
        }
        if let Some(why) = rules::refusal(&held, &self.keep) {
            return Err(Error::Conflict(why));
        }
        let delegate_ids: Vec<_> = places.iter().map(|p| p.delegate.id.clone()).collect();
        let names: Vec<String> = places
            .iter()
            .map(|p| p.delegate.name.clone())
            .chain(accounts.iter().map(|a| a.user.name.clone()))
            .filter(|n| n != rules::ERASED_NAME)
            .collect();
        let nominations = store::nominations(conn, &delegate_ids, &names)?;

        let mut erased = Erased {
            kept: self.keep.clone(),
            ..Erased::default()
        };
        for p in &places {
            erased.delegate_places += store::erase_delegate(conn, &p.delegate.id)?;
        }
        for n in &nominations {
            erased.nominations += store::erase_nomination(conn, n)?;
        }
        // Withdrawn through the submissions' own operation, once the names
        // are gone: its audit entry and emails name nobody.
        for n in nominations
            .iter()
            .filter(|n| SubmissionStatus::OPEN.contains(&n.status))
        {
            crate::submissions::ops::Withdraw {
                submission_id: n.id.clone(),
            }
            .apply(conn, ctx)?;
            erased.nominations_withdrawn += 1;
        }
        for a in &accounts {
            erased.accounts += store::erase_account(conn, &a.user, now)?;
        }
        if !self.keep.contains(&Keep::OrganisationContacts) {
            for c in &contacts {
                erased.organisation_contacts += store::erase_organisation_contact(conn, &c.id)?;
            }
        }
        for e in store::emails(conn, &key)? {
            erased.emails += if e.to_them {
                store::erase_email(conn, &e.row, now)?
            } else {
                store::erase_email_content(conn, &e.row.id, now)?
            };
        }
        for (user, k, _) in store::retry_records(conn, &key)? {
            erased.retry_records += store::delete_retry_record(conn, &user, &k)?;
        }
        audit::log(
            conn,
            &ctx.actor.user_id,
            AuditAction::PersonalDataErased,
            Subject::default(),
            json!({
                "person": person_digest(&key),
                "reason": self.reason,
                "erased": {
                    "delegate_places": erased.delegate_places,
                    "accounts": erased.accounts,
                    "organisation_contacts": erased.organisation_contacts,
                    "nominations": erased.nominations,
                    "nominations_withdrawn": erased.nominations_withdrawn,
                    "emails": erased.emails,
                    "retry_records": erased.retry_records,
                },
                "kept": erased.kept,
            }),
            now,
        )?;
        Ok(erased)
    }
}
