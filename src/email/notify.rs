//! The emails each registration change queues, written in the same
//! transaction as the change.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::messages::{self, ConferenceInfo, DelegateInfo, RegistrationInfo};
use super::outbox::{self, OutgoingEmail};
use crate::db::conferences::Conference;
use crate::db::organisations::OrganisationRow;
use crate::db::registrations::{DelegateRow, Registration};
use crate::db::DbConnection;
use crate::domain::money::Money;

fn conference_info(c: &Conference) -> ConferenceInfo {
    ConferenceInfo {
        id: c.id.clone(),
        name: c.spec.name.clone(),
        venue: c.spec.venue.clone(),
        starts_on: c.spec.starts_on,
        ends_on: c.spec.ends_on,
        timezone: c.spec.timezone.name().to_owned(),
    }
}

fn delegate_info(d: &DelegateRow) -> DelegateInfo {
    DelegateInfo {
        id: d.id.clone(),
        name: d.name.clone(),
        email: d.email.clone(),
        dinner: d.dinner,
        dietary_requirements: d.dietary_requirements.clone(),
        access_requirements: d.access_requirements.clone(),
        fee: Money::from_minor(d.fee_minor),
    }
}

fn registration_info(r: &Registration, o: &OrganisationRow) -> RegistrationInfo {
    let total = Money::from_minor(r.row.total_minor);
    let paid = Money::from_minor(r.row.amount_paid_minor);
    RegistrationInfo {
        id: r.row.id.clone(),
        reference: r.row.reference.clone(),
        organisation_name: o.name.clone(),
        contact_email: o.contact_email.clone(),
        payment_method: r.row.payment_method.clone(),
        delegates: r
            .delegates
            .iter()
            .filter(|d| d.status == "active")
            .map(delegate_info)
            .collect(),
        total,
        amount_paid: paid,
        balance: total.checked_sub(paid).unwrap_or(Money::ZERO),
        currency: r.row.currency.clone(),
    }
}

/// What a notification is about.
pub struct Context<'a> {
    pub conference: &'a Conference,
    pub organisation: &'a OrganisationRow,
    pub registration: &'a Registration,
    pub now: NaiveDateTime,
}

impl Context<'_> {
    fn queue(&self, conn: &mut DbConnection, emails: &[OutgoingEmail]) -> QueryResult<()> {
        for email in emails {
            outbox::enqueue(
                conn,
                email,
                Some(&self.conference.id),
                Some(&self.registration.row.id),
                self.now,
            )?;
        }
        Ok(())
    }

    /// A confirmation to each delegate and a summary to the organisation.
    pub fn registered(&self, conn: &mut DbConnection, cheque_payee: &str) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        let mut emails: Vec<OutgoingEmail> = r
            .delegates
            .iter()
            .map(|d| messages::registration_confirmation(&c, &r, d))
            .collect();
        emails.push(messages::registration_summary(&c, &r, cheque_payee));
        self.queue(conn, &emails)
    }

    pub fn payment_received(
        &self,
        conn: &mut DbConnection,
        amount: Money,
        method: &str,
    ) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(conn, &[messages::payment_received(&c, &r, amount, method)])
    }

    /// To the person who now holds the place.
    pub fn substituted(&self, conn: &mut DbConnection, delegate: &DelegateRow) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(
            conn,
            &[messages::substitution(&c, &r, &delegate_info(delegate))],
        )
    }

    /// To the person whose place was cancelled.
    pub fn cancelled(&self, conn: &mut DbConnection, delegate: &DelegateRow) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(
            conn,
            &[messages::cancellation(&c, &r, &delegate_info(delegate))],
        )
    }
}
