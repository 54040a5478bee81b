//! The emails each registration change queues, written in the same
//! transaction as the change.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::messages::{
    self, ConferenceInfo, DecisionInfo, DelegateInfo, OutgoingEmail, ProgrammeEntry,
    RegistrationInfo, SubmissionInfo,
};
use super::outbox;
use crate::conferences::Conference;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::documents::{InvoiceDocument, ReceiptDocument};
use crate::organisations::OrganisationRow;
use crate::privacy::notices;
use crate::programme;
use crate::registrations::rules::DelegateStatus;
use crate::registrations::{DelegateRow, Registration};
use crate::submissions::rules::{SubmissionStatus, Timeliness};
use crate::submissions::SubmissionRow;
use crate::values::money::Money;

fn conference_info(c: &Conference) -> ConferenceInfo {
    ConferenceInfo {
        id: c.id.to_string(),
        name: c.spec.name.clone(),
        venue: c.spec.venue.clone(),
        starts_on: c.spec.starts_on,
        ends_on: c.spec.ends_on,
        timezone: c.spec.timezone.name().to_owned(),
        programme: Vec::new(),
        privacy_notice: None,
    }
}

/// The conference with its programme and the address of its privacy
/// notice (the version `accepted`, else the current one), for the emails
/// to delegates.
fn conference_for_delegates(
    conn: &mut DbConnection,
    c: &Conference,
    accepted: Option<i32>,
    public_base: &str,
) -> QueryResult<ConferenceInfo> {
    let tz = c.spec.timezone;
    let programme = programme::store::list(conn, &c.id)?
        .into_iter()
        .filter_map(|i| {
            let starts = programme::rules::instant(tz, i.starts_at).ok()?;
            let ends = programme::rules::instant(tz, i.ends_at).ok()?;
            Some(ProgrammeEntry {
                uid: programme::calendar::uid(i.id.as_str()),
                when: i.starts_at.format("%A %-d %B %Y, %H:%M").to_string(),
                title: i.title,
                place: i.place,
                starts,
                ends,
                ticketed: i.ticketed,
                revision: u32::try_from(i.revision).unwrap_or(0),
            })
        })
        .collect();
    let version = match accepted {
        Some(v) => Some(v),
        None => notices::current_version(conn, &c.id)?,
    };
    Ok(ConferenceInfo {
        programme,
        privacy_notice: version.map(|v| format!("{public_base}{}", notices::page_path(&c.id, v))),
        ..conference_info(c)
    })
}

fn delegate_info(d: &DelegateRow) -> DelegateInfo {
    DelegateInfo {
        id: d.id.to_string(),
        name: d.name.clone(),
        email: d.email.clone(),
        dinner: d.dinner,
        dietary_requirements: d.dietary_requirements.clone(),
        access_requirements: d.access_requirements.clone(),
        fee: Money::from_minor(d.charged_minor()),
    }
}

fn registration_info(r: &Registration, o: &OrganisationRow) -> RegistrationInfo {
    let total = Money::from_minor(r.row.total_minor);
    let paid = Money::from_minor(r.row.amount_paid_minor);
    RegistrationInfo {
        id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        organisation_name: o.name.clone(),
        contact_email: o.contact_email.clone(),
        payment_method: r.row.payment_method.as_str().to_owned(),
        delegates: r
            .delegates
            .iter()
            .filter(|d| d.status == DelegateStatus::Active)
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
                outbox::Links {
                    conference_id: Some(self.conference.id.as_str()),
                    registration_id: Some(self.registration.row.id.as_str()),
                    submission_id: None,
                },
                self.now,
            )?;
        }
        Ok(())
    }

    fn for_delegates(
        &self,
        conn: &mut DbConnection,
        settings: &Settings,
    ) -> QueryResult<ConferenceInfo> {
        conference_for_delegates(
            conn,
            self.conference,
            self.registration.row.privacy_notice_version,
            settings.public_base(),
        )
    }

    /// A confirmation to each delegate and a summary to the organisation.
    pub fn registered(&self, conn: &mut DbConnection, settings: &Settings) -> QueryResult<()> {
        let c = self.for_delegates(conn, settings)?;
        let r = registration_info(self.registration, self.organisation);
        let stamp = self.now.and_utc();
        let mut emails: Vec<OutgoingEmail> = r
            .delegates
            .iter()
            .map(|d| messages::registration_confirmation(&c, &r, d, stamp))
            .collect();
        emails.push(messages::registration_summary(
            &c,
            &r,
            &settings.cheque_payee,
        ));
        self.queue(conn, &emails)
    }

    /// To the organisation's contact, with a receipt attached.
    pub fn payment_received(
        &self,
        conn: &mut DbConnection,
        amount: Money,
        method: &str,
        receipt: ReceiptDocument,
    ) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(
            conn,
            &[messages::payment_receipt(&c, &r, amount, method, receipt)],
        )
    }

    /// To the organisation's contact, with a refund receipt attached.
    pub fn refund_recorded(
        &self,
        conn: &mut DbConnection,
        amount: Money,
        method: &str,
        receipt: ReceiptDocument,
    ) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(
            conn,
            &[messages::refund_receipt(&c, &r, amount, method, receipt)],
        )
    }

    /// An invoice or credit note, as a PDF, to the organisation's contact.
    pub fn invoice(&self, conn: &mut DbConnection, document: InvoiceDocument) -> QueryResult<()> {
        let c = conference_info(self.conference);
        let r = registration_info(self.registration, self.organisation);
        self.queue(conn, &[messages::invoice(&c, &r, document)])
    }

    /// To the person who now holds the place.
    pub fn substituted(
        &self,
        conn: &mut DbConnection,
        delegate: &DelegateRow,
        settings: &Settings,
    ) -> QueryResult<()> {
        let c = self.for_delegates(conn, settings)?;
        let r = registration_info(self.registration, self.organisation);
        let stamp = self.now.and_utc();
        self.queue(
            conn,
            &[messages::substitution(
                &c,
                &r,
                &delegate_info(delegate),
                stamp,
            )],
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

/// What a submission notification is about.
pub struct SubmissionContext<'a> {
    pub conference: &'a Conference,
    pub organisation: &'a OrganisationRow,
    pub submission: &'a SubmissionRow,
    /// The CAC candidate's name, for a nomination.
    pub candidate: Option<&'a str>,
    /// The amended motion's reference, for an amendment.
    pub motion_reference: Option<&'a str>,
    pub now: NaiveDateTime,
}

impl SubmissionContext<'_> {
    fn info(&self) -> SubmissionInfo {
        let s = self.submission;
        let kind = s.kind;
        SubmissionInfo {
            reference: s.reference.clone(),
            label: kind.label(),
            organisation_name: self.organisation.name.clone(),
            contact_email: self.organisation.contact_email.clone(),
            title: s.title.clone(),
            nominee: self
                .candidate
                .map(str::to_owned)
                .or_else(|| s.nominee_name.clone()),
            motion_reference: self.motion_reference.map(str::to_owned),
            body: s.body.clone(),
            word_count: s.word_count,
            received: s
                .created_at
                .and_utc()
                .with_timezone(&self.conference.spec.timezone)
                .format("%-d %B %Y at %H:%M %Z")
                .to_string(),
            late: match s.timeliness {
                Timeliness::Extended => Some("within the extension granted to your organisation"),
                Timeliness::Overridden => Some("and was accepted late by conference staff"),
                Timeliness::OnTime => None,
            },
        }
    }

    fn queue(&self, conn: &mut DbConnection, email: &OutgoingEmail) -> QueryResult<()> {
        outbox::enqueue(
            conn,
            email,
            outbox::Links {
                conference_id: Some(self.conference.id.as_str()),
                registration_id: None,
                submission_id: Some(self.submission.id.as_str()),
            },
            self.now,
        )
        .map(|_| ())
    }

    /// A receipt to the organisation's contact.
    pub fn received(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let email = messages::submission_receipt(&conference_info(self.conference), &self.info());
        self.queue(conn, &email)
    }

    /// The review decision, to the organisation's contact.
    pub fn decided(&self, conn: &mut DbConnection, status: SubmissionStatus) -> QueryResult<()> {
        let decision = DecisionInfo {
            status: status.label(),
            reason: self.submission.status_reason.clone(),
            composite: self.submission.composite.clone(),
        };
        let email = messages::submission_decision(
            &conference_info(self.conference),
            &self.info(),
            &decision,
        );
        self.queue(conn, &email)
    }
}
