//! The emails Plenary sends. Each is queued as its kind, recipient,
//! subject and [`Content`]: the data its templates in `templates/email/`
//! (compiled into the binary) render, fixed when it is queued. The sender
//! renders the text, HTML and calendar entry from it. HTML templates escape
//! every value; subjects are made safe for a header line.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use minijinja::{context, Environment, Value};
use serde::{Deserialize, Serialize};

use crate::documents::{self, Document, InvoiceDocument};
use crate::values::money::Money;

/// A file sent with an email (the .ics calendar entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

pub struct ConferenceInfo {
    pub id: String,
    pub name: String,
    pub venue: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// IANA time zone of the conference.
    pub timezone: String,
    /// The programme, in the order things happen (empty for the emails
    /// that do not show it).
    pub programme: Vec<ProgrammeEntry>,
    /// The address of the conference's privacy notice, in the emails to
    /// delegates (none when it has no notice).
    pub privacy_notice: Option<String>,
}

/// An item of a conference's programme as emails show it and as the
/// calendar attachment holds it (the same UID as the programme's feed, so
/// a calendar holds each item once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeEntry {
    pub uid: String,
    pub title: String,
    pub place: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// When, on the conference's clock: "Saturday 10 September 2016, 19:30".
    pub when: String,
    /// Bought with a place (the dinner).
    pub ticketed: bool,
    pub revision: u32,
}

pub struct DelegateInfo {
    pub id: String,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub fee: Money,
}

pub struct RegistrationInfo {
    pub id: String,
    pub reference: String,
    pub organisation_name: String,
    pub contact_email: String,
    /// `online`, `cheque` or `invoice`.
    pub payment_method: String,
    pub delegates: Vec<DelegateInfo>,
    pub total: Money,
    pub amount_paid: Money,
    pub balance: Money,
    pub currency: String,
}

pub struct SubmissionInfo {
    pub reference: String,
    /// What people call the kind: `motion`, `CAC nomination`, ….
    pub label: &'static str,
    pub organisation_name: String,
    pub contact_email: String,
    pub title: Option<String>,
    /// For nominations: the candidate or the award nominee.
    pub nominee: Option<String>,
    pub motion_reference: Option<String>,
    pub body: String,
    pub word_count: i32,
    /// When it was received, in the conference's local time.
    pub received: String,
    /// Set when it arrived after the conference's own deadline: how it was
    /// still accepted (within an extension, or by staff override).
    pub late: Option<&'static str>,
}

pub struct DecisionInfo {
    /// The new status as people say it: `accepted`, `ruled out of order`, ….
    pub status: &'static str,
    pub reason: Option<String>,
    pub composite: Option<String>,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/email/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "registration_confirmation.txt",
    "registration_confirmation.html",
    "registration_summary.txt",
    "registration_summary.html",
    "payment_received.txt",
    "payment_received.html",
    "substitution.txt",
    "substitution.html",
    "cancellation.txt",
    "cancellation.html",
    "submission_receipt.txt",
    "submission_receipt.html",
    "submission_decision.txt",
    "submission_decision.html",
    "invitation.txt",
    "invitation.html",
    "password_reset.txt",
    "password_reset.html",
    "invoice.txt",
    "invoice.html",
    "refund_recorded.txt",
    "refund_recorded.html",
);

/// Templates ending in `.html` are autoescaped (minijinja's default rule).
static TEMPLATE_ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("email templates compile");
    }
    env
});

fn render(name: &str, ctx: &Value) -> Result<String, String> {
    TEMPLATE_ENV
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| format!("email template {name} failed to render: {e:#}"))
}

/// An email to queue: what the outbox keeps of it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    /// The template pair (`registration_confirmation`, …), or any label for
    /// [`Content::Rendered`].
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub content: Content,
}

impl OutgoingEmail {
    pub fn render(&self) -> Result<Body, String> {
        self.content.render(self.kind, &self.subject)
    }
}

/// What an email is made from, stored as JSON in the outbox's `payload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// The values the kind's templates render (the subject is added from
    /// its column), and the calendar entry to attach, if any.
    Template {
        context: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendar: Option<CalendarEvent>,
        /// A PDF to attach (an invoice, a credit note, a receipt), rendered
        /// when the email is sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<Box<Document>>,
    },
    /// Already rendered: emails queued before content was stored as data,
    /// and emails written by hand.
    Rendered(Body),
}

impl Content {
    /// The email's text, HTML and attachment, rendered from the templates
    /// of `kind` for [`Content::Template`].
    pub fn render(&self, kind: &str, subject: &str) -> Result<Body, String> {
        match self {
            Content::Rendered(body) => Ok(body.clone()),
            Content::Template {
                context,
                calendar,
                document,
            } => {
                let ctx = Value::from_serialize(context);
                let ctx = context! { subject => subject, ..ctx };
                Ok(Body {
                    text: render(&format!("{kind}.txt"), &ctx)?,
                    html: render(&format!("{kind}.html"), &ctx)?,
                    attachment: calendar.as_ref().map(|event| Attachment {
                        filename: "conference.ics".into(),
                        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                        body: self::calendar(event),
                    }),
                    pdf: document.as_ref().map(|d| PdfFile {
                        filename: d.file_name(),
                        bytes: d.render(),
                    }),
                })
            }
        }
    }
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub text: String,
    pub html: String,
    #[serde(default)]
    pub attachment: Option<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf: Option<PdfFile>,
}

/// A PDF sent with an email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfFile {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// An all-day calendar entry for a conference (see [`calendar`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEvent {
    pub uid: String,
    /// DTSTAMP: when the entry was made.
    pub stamp: DateTime<Utc>,
    pub name: String,
    pub venue: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The conference's programme, one timed event each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programme: Vec<ProgrammeEntry>,
}

fn email(
    kind: &'static str,
    recipient: &str,
    subject: String,
    ctx: Value,
    calendar: Option<CalendarEvent>,
) -> OutgoingEmail {
    OutgoingEmail {
        kind,
        recipient: recipient.trim().to_owned(),
        subject: header_text(&subject),
        content: Content::Template {
            context: serde_json::to_value(&ctx).expect("a template context is JSON"),
            calendar,
            document: None,
        },
    }
}

/// Text fit for one header line: control characters (CR and LF among them)
/// become spaces and runs of whitespace collapse to one space.
pub fn header_text(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "£135.00" for sterling, "135.00 EUR" for any other currency.
pub fn format_money(amount: Money, currency: &str) -> String {
    if currency.eq_ignore_ascii_case("GBP") {
        if amount < Money::ZERO {
            format!("-£{}", Money::from_minor(-amount.minor()))
        } else {
            format!("£{amount}")
        }
    } else {
        format!("{amount} {currency}")
    }
}

fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// "9–11 September 2016", "30 September – 2 October 2016", or one date.
pub fn date_range(starts: NaiveDate, ends: NaiveDate) -> String {
    if starts == ends {
        long_date(starts)
    } else if starts.year() == ends.year() && starts.month() == ends.month() {
        format!("{}–{}", starts.day(), long_date(ends))
    } else if starts.year() == ends.year() {
        format!("{} – {}", starts.format("%-d %B"), long_date(ends))
    } else {
        format!("{} – {}", long_date(starts), long_date(ends))
    }
}

fn conference_ctx(c: &ConferenceInfo) -> Value {
    context! {
        name => &c.name,
        venue => &c.venue,
        dates => date_range(c.starts_on, c.ends_on),
        privacy_notice => &c.privacy_notice,
        programme => c
            .programme
            .iter()
            .map(|p| context! {
                title => &p.title,
                place => &p.place,
                when => &p.when,
                ticketed => p.ticketed,
            })
            .collect::<Vec<_>>(),
    }
}

fn delegate_ctx(d: &DelegateInfo, currency: &str) -> Value {
    context! {
        name => &d.name,
        email => &d.email,
        dinner => d.dinner,
        dietary_requirements => d.dietary_requirements.trim(),
        access_requirements => d.access_requirements.trim(),
        fee => format_money(d.fee, currency),
    }
}

/// The registration as templates see it. Only the summary lists every
/// delegate, so only its context carries them: an email to each of fifty
/// delegates then stores one delegate, not fifty.
fn registration_ctx(r: &RegistrationInfo, with_delegates: bool) -> Value {
    let money = |m: Money| format_money(m, &r.currency);
    let ctx = context! {
        reference => &r.reference,
        organisation_name => &r.organisation_name,
        payment_method => &r.payment_method,
        total => money(r.total),
        amount_paid => money(r.amount_paid),
        balance => money(r.balance),
        balance_due => r.balance > Money::ZERO,
    };
    if with_delegates {
        context! {
            delegates => r.delegates.iter().map(|d| delegate_ctx(d, &r.currency)).collect::<Vec<_>>(),
            ..ctx
        }
    } else {
        ctx
    }
}

/// To the delegate: their place, dinner choice and requirements as given,
/// the booking reference, and an all-day calendar entry for the conference
/// stamped when the email was written.
pub fn registration_confirmation(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    d: &DelegateInfo,
    stamp: DateTime<Utc>,
) -> OutgoingEmail {
    email(
        "registration_confirmation",
        &d.email,
        format!("Registration confirmed: {} ({})", c.name, r.reference),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            delegate => delegate_ctx(d, &r.currency),
        },
        Some(calendar_event(c, d, stamp)),
    )
}

/// To the organisation's contact: every delegate with their fee, the total,
/// and how to pay by the chosen method.
pub fn registration_summary(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    cheque_payee: &str,
) -> OutgoingEmail {
    email(
        "registration_summary",
        &r.contact_email,
        format!(
            "Registration {} for {}: summary and payment",
            r.reference, c.name
        ),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, true),
            cheque_payee => cheque_payee,
        },
        None,
    )
}

fn payment_method_label(method: &str) -> &str {
    match method {
        "online" => "online payment",
        "cheque" => "cheque",
        "invoice" => "payment against invoice",
        "bank_transfer" => "bank transfer",
        "cash" => "cash",
        other => other,
    }
}

/// To the organisation's contact: a payment was recorded.
pub fn payment_received(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    amount: Money,
    method: &str,
) -> OutgoingEmail {
    email(
        "payment_received",
        &r.contact_email,
        format!(
            "Payment received for registration {} ({})",
            r.reference, c.name
        ),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            amount => format_money(amount, &r.currency),
            method => payment_method_label(method.trim()),
        },
        None,
    )
}

/// The email with a document attached.
fn attach(mut email: OutgoingEmail, document: Document) -> OutgoingEmail {
    if let Content::Template { document: slot, .. } = &mut email.content {
        *slot = Some(Box::new(document));
    }
    email
}

/// To the organisation's contact: a payment was recorded, with a receipt.
pub fn payment_receipt(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    amount: Money,
    method: &str,
    receipt: documents::ReceiptDocument,
) -> OutgoingEmail {
    attach(
        payment_received(c, r, amount, method),
        Document::Receipt(receipt),
    )
}

/// To the organisation's contact: money was returned, with a refund
/// receipt.
pub fn refund_receipt(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    amount: Money,
    method: &str,
    receipt: documents::ReceiptDocument,
) -> OutgoingEmail {
    let email = email(
        "refund_recorded",
        &r.contact_email,
        format!("Refund for registration {} ({})", r.reference, c.name),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            amount => format_money(amount, &r.currency),
            method => payment_method_label(method.trim()),
            credit => (r.balance < Money::ZERO)
                .then(|| format_money(Money::from_minor(-r.balance.minor()), &r.currency)),
        },
        None,
    );
    attach(email, Document::Receipt(receipt))
}

/// To the organisation's contact: an invoice or credit note, as a PDF.
pub fn invoice(c: &ConferenceInfo, r: &RegistrationInfo, d: InvoiceDocument) -> OutgoingEmail {
    let money = |m: Money| format_money(m, &d.currency);
    let title = d.kind.title();
    let email = email(
        "invoice",
        &r.contact_email,
        format!(
            "{title} {} for registration {} ({})",
            d.number, r.reference, c.name
        ),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            title => title,
            credit_note => d.kind == documents::DocumentKind::CreditNote,
            number => &d.number,
            total => money(d.total),
            due_on => d.due_on.map(documents::long_date),
            credits => &d.credits,
            file_name => d.file_name(),
        },
        None,
    );
    attach(email, Document::Invoice(d))
}

/// To the new delegate who takes over a place, with a calendar entry.
pub fn substitution(
    c: &ConferenceInfo,
    r: &RegistrationInfo,
    d: &DelegateInfo,
    stamp: DateTime<Utc>,
) -> OutgoingEmail {
    email(
        "substitution",
        &d.email,
        format!("You are registered for {} ({})", c.name, r.reference),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            delegate => delegate_ctx(d, &r.currency),
        },
        Some(calendar_event(c, d, stamp)),
    )
}

/// To the cancelled delegate only.
pub fn cancellation(c: &ConferenceInfo, r: &RegistrationInfo, d: &DelegateInfo) -> OutgoingEmail {
    email(
        "cancellation",
        &d.email,
        format!("Your place at {} has been cancelled", c.name),
        context! {
            conference => conference_ctx(c),
            registration => registration_ctx(r, false),
            delegate => delegate_ctx(d, &r.currency),
        },
        None,
    )
}

fn submission_ctx(s: &SubmissionInfo) -> Value {
    context! {
        reference => &s.reference,
        label => s.label,
        organisation_name => &s.organisation_name,
        title => &s.title,
        nominee => &s.nominee,
        motion_reference => &s.motion_reference,
        body => &s.body,
        word_count => s.word_count,
        received => &s.received,
        late => s.late,
    }
}

/// To the organisation's contact: the submission as received, with its
/// reference and word count.
pub fn submission_receipt(c: &ConferenceInfo, s: &SubmissionInfo) -> OutgoingEmail {
    email(
        "submission_receipt",
        &s.contact_email,
        format!("Received: {} {} for {}", s.label, s.reference, c.name),
        context! {
            conference => conference_ctx(c),
            submission => submission_ctx(s),
        },
        None,
    )
}

/// To the organisation's contact: a review decision on its submission.
pub fn submission_decision(
    c: &ConferenceInfo,
    s: &SubmissionInfo,
    d: &DecisionInfo,
) -> OutgoingEmail {
    email(
        "submission_decision",
        &s.contact_email,
        format!("{} {} {}: {}", c.name, s.label, s.reference, d.status),
        context! {
            conference => conference_ctx(c),
            submission => submission_ctx(s),
            decision => context! {
                status => d.status,
                reason => &d.reason,
                composite => &d.composite,
            },
        },
        None,
    )
}

/// Someone a link to set a password is sent to.
pub struct AccountInfo {
    pub name: String,
    pub email: String,
    /// The organisation an organisation user acts for.
    pub organisation: Option<String>,
}

/// A single-use link: where it goes, and until when (already in words).
pub struct LinkInfo {
    pub url: String,
    pub expires: String,
}

fn account_ctx(a: &AccountInfo) -> Value {
    context! { name => &a.name, organisation => &a.organisation }
}

fn link_ctx(l: &LinkInfo) -> Value {
    context! { url => &l.url, expires => &l.expires }
}

/// To a new account: a link to set their password and sign in.
pub fn invitation(a: &AccountInfo, link: &LinkInfo) -> OutgoingEmail {
    email(
        "invitation",
        &a.email,
        "Your Plenary account: set your password".to_owned(),
        context! { account => account_ctx(a), link => link_ctx(link) },
        None,
    )
}

/// To someone who asked to reset their password.
pub fn password_reset(a: &AccountInfo, link: &LinkInfo) -> OutgoingEmail {
    email(
        "password_reset",
        &a.email,
        "Reset your Plenary password".to_owned(),
        context! { account => account_ctx(a), link => link_ctx(link) },
        None,
    )
}

fn calendar_event(c: &ConferenceInfo, d: &DelegateInfo, stamp: DateTime<Utc>) -> CalendarEvent {
    CalendarEvent {
        uid: format!("{}.{}@plenary", c.id, d.id),
        stamp,
        name: c.name.clone(),
        venue: c.venue.clone(),
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        programme: c.programme.clone(),
    }
}

/// An iCalendar (RFC 5545) all-day event spanning the conference (DTEND is
/// exclusive, so it is the day after the last day), then one timed event
/// per programme item, in UTC.
pub fn calendar(c: &CalendarEvent) -> String {
    let (uid, stamp) = (&c.uid, c.stamp);
    let end = c.ends_on + Duration::days(1);
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Plenary//Conference registration//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", ics_text(uid)),
        format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;VALUE=DATE:{}", c.starts_on.format("%Y%m%d")),
        format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")),
        format!("SUMMARY:{}", ics_text(&c.name)),
        format!("LOCATION:{}", ics_text(&c.venue)),
        "TRANSP:TRANSPARENT".to_owned(),
        "END:VEVENT".to_owned(),
    ];
    let utc = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let items = c.programme.iter().flat_map(|p| {
        [
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", ics_text(&p.uid)),
            format!("DTSTAMP:{}", utc(stamp)),
            format!("DTSTART:{}", utc(p.starts)),
            format!("DTEND:{}", utc(p.ends)),
            format!("SEQUENCE:{}", p.revision),
            format!("SUMMARY:{}", ics_text(&p.title)),
            format!("LOCATION:{}", ics_text(&p.place)),
            "END:VEVENT".to_owned(),
        ]
    });
    lines
        .into_iter()
        .chain(items)
        .chain(["END:VCALENDAR".to_owned()])
        .map(|l| fold(&l))
        .collect()
}

/// Escapes an iCalendar TEXT value; other control characters are dropped.
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets, never inside a
/// UTF-8 character, each ended by CRLF; continuations begin with a space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An email as the sender sees it: its content stored as JSON, read
    /// back and rendered.
    struct Sent {
        kind: &'static str,
        recipient: String,
        subject: String,
        text_body: String,
        html_body: String,
        attachment: Option<Attachment>,
    }

    fn sent(e: OutgoingEmail) -> Sent {
        let stored = serde_json::to_string(&e.content).unwrap();
        let content: Content = serde_json::from_str(&stored).unwrap();
        assert_eq!(content, e.content);
        let body = content.render(e.kind, &e.subject).unwrap();
        assert_eq!(body, e.render().unwrap());
        Sent {
            kind: e.kind,
            recipient: e.recipient,
            subject: e.subject,
            text_body: body.text,
            html_body: body.html,
            attachment: body.attachment,
        }
    }

    // The constructors as the tests below use them: stored, then rendered.
    fn registration_confirmation(
        c: &ConferenceInfo,
        r: &RegistrationInfo,
        d: &DelegateInfo,
    ) -> Sent {
        sent(super::registration_confirmation(c, r, d, stamp()))
    }

    /// When the tests' emails are written.
    fn stamp() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2016-07-01T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn registration_summary(c: &ConferenceInfo, r: &RegistrationInfo, payee: &str) -> Sent {
        sent(super::registration_summary(c, r, payee))
    }

    fn payment_received(
        c: &ConferenceInfo,
        r: &RegistrationInfo,
        amount: Money,
        method: &str,
    ) -> Sent {
        sent(super::payment_received(c, r, amount, method))
    }

    fn substitution(c: &ConferenceInfo, r: &RegistrationInfo, d: &DelegateInfo) -> Sent {
        sent(super::substitution(c, r, d, stamp()))
    }

    fn cancellation(c: &ConferenceInfo, r: &RegistrationInfo, d: &DelegateInfo) -> Sent {
        sent(super::cancellation(c, r, d))
    }

    fn conference() -> ConferenceInfo {
        ConferenceInfo {
            id: "0190c0de-0000-7000-8000-000000000001".into(),
            name: "Co-operative Party Annual Conference 2016".into(),
            venue: "Radisson Blu Hotel Cardiff, Bute Terrace".into(),
            starts_on: NaiveDate::from_ymd_opt(2016, 9, 9).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2016, 9, 11).unwrap(),
            timezone: "Europe/London".into(),
            programme: Vec::new(),
            privacy_notice: None,
        }
    }

    fn delegate(name: &str, email: &str, dinner: bool) -> DelegateInfo {
        DelegateInfo {
            id: format!("0190c0de-0000-7000-8000-{:012}", name.len()),
            name: name.into(),
            email: email.into(),
            dinner,
            dietary_requirements: if dinner {
                "Vegan".into()
            } else {
                String::new()
            },
            access_requirements: "Step-free access".into(),
            fee: Money::from_minor(if dinner { 13500 } else { 9000 }),
        }
    }

    fn registration(method: &str, currency: &str) -> RegistrationInfo {
        RegistrationInfo {
            id: "0190c0de-0000-7000-8000-0000000000aa".into(),
            reference: "CARD-7KQ4".into(),
            organisation_name: "Cardiff West Co-operative Party".into(),
            contact_email: "secretary@cardiffwest.example".into(),
            payment_method: method.into(),
            delegates: vec![
                delegate("Ada Lovelace", "ada@example.org", true),
                delegate("Robert Owen", "robert@example.org", false),
            ],
            total: Money::from_minor(22500),
            amount_paid: Money::from_minor(9000),
            balance: Money::from_minor(13500),
            currency: currency.into(),
        }
    }

    fn all_kinds(r: &RegistrationInfo) -> Vec<Sent> {
        let c = conference();
        let d = &r.delegates[0];
        vec![
            registration_confirmation(&c, r, d),
            registration_summary(&c, r, "The Co-operative Party"),
            payment_received(&c, r, Money::from_minor(9000), "cheque"),
            substitution(&c, r, d),
            cancellation(&c, r, d),
        ]
    }

    #[test]
    fn every_kind_renders_text_and_html() {
        let r = registration("online", "GBP");
        let kinds: Vec<_> = all_kinds(&r).iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "registration_confirmation",
                "registration_summary",
                "payment_received",
                "substitution",
                "cancellation"
            ]
        );
        for e in all_kinds(&r) {
            assert!(
                e.text_body
                    .contains("Co-operative Party Annual Conference 2016"),
                "{}: {}",
                e.kind,
                e.text_body
            );
            assert!(e.html_body.starts_with("<!DOCTYPE html>"), "{}", e.kind);
            assert!(e.html_body.contains("CARD-7KQ4"), "{}", e.kind);
            assert!(!e.subject.is_empty());
            assert!(!e.text_body.contains("{{") && !e.html_body.contains("{%"));
        }
    }

    #[test]
    fn confirmations_carry_a_calendar_entry_stamped_when_written() {
        let c = conference();
        let r = registration("online", "GBP");
        let e = super::registration_confirmation(&c, &r, &r.delegates[0], stamp());
        let Content::Template {
            calendar: Some(event),
            ..
        } = &e.content
        else {
            panic!("a confirmation has a calendar entry: {:?}", e.content);
        };
        assert_eq!(event.stamp, stamp());
        let ics = sent(e.clone()).attachment.expect("an attachment");
        assert_eq!(ics.filename, "conference.ics");
        assert_eq!(
            ics.content_type,
            "text/calendar; charset=utf-8; method=PUBLISH"
        );
        assert!(ics.body.contains(&format!(
            "DTSTAMP:{}\r\n",
            event.stamp.format("%Y%m%dT%H%M%SZ")
        )));
        assert!(ics
            .body
            .replace("\r\n ", "")
            .contains(&format!("UID:{}.{}@plenary\r\n", c.id, r.delegates[0].id)));
        assert!(sent(super::registration_summary(&c, &r, "X"))
            .attachment
            .is_none());
    }

    #[test]
    fn only_the_summary_stores_every_delegate() {
        let c = conference();
        let r = registration("online", "GBP");
        let stored = |e: OutgoingEmail| serde_json::to_string(&e.content).unwrap();
        let summary = stored(super::registration_summary(&c, &r, "X"));
        assert!(summary.contains("Ada Lovelace") && summary.contains("Robert Owen"));
        for e in [
            super::registration_confirmation(&c, &r, &r.delegates[0], stamp()),
            super::substitution(&c, &r, &r.delegates[0], stamp()),
            super::cancellation(&c, &r, &r.delegates[0]),
            super::payment_received(&c, &r, Money::from_minor(9000), "cheque"),
        ] {
            let kind = e.kind;
            let json = stored(e);
            assert!(!json.contains("Robert Owen"), "{kind}: {json}");
        }
    }

    #[test]
    fn rendered_content_is_kept_as_it_was() {
        let body = Body {
            text: "Text".into(),
            html: "<p>HTML</p>".into(),
            attachment: None,
            pdf: None,
        };
        let json = r#"{"rendered":{"text":"Text","html":"<p>HTML</p>","attachment":null}}"#;
        let content: Content = serde_json::from_str(json).unwrap();
        assert_eq!(content.render("anything", "Subject").unwrap(), body);
    }

    #[test]
    fn recipients_follow_the_kind() {
        let r = registration("online", "GBP");
        let to: Vec<_> = all_kinds(&r).into_iter().map(|e| e.recipient).collect();
        assert_eq!(
            to,
            [
                "ada@example.org",
                "secretary@cardiffwest.example",
                "secretary@cardiffwest.example",
                "ada@example.org",
                "ada@example.org"
            ]
        );
    }

    #[test]
    fn confirmation_gives_the_delegates_details() {
        let c = conference();
        let r = registration("online", "GBP");
        let e = registration_confirmation(&c, &r, &r.delegates[0]);
        for needle in [
            "Dear Ada Lovelace",
            "9–11 September 2016",
            "Radisson Blu Hotel Cardiff, Bute Terrace",
            "CARD-7KQ4",
            "Conference dinner: yes",
            "Vegan",
            "Step-free access",
        ] {
            assert!(e.text_body.contains(needle), "{needle}: {}", e.text_body);
        }
        let no_dinner = registration_confirmation(&c, &r, &r.delegates[1]);
        assert!(no_dinner.text_body.contains("Conference dinner: no"));
        assert!(no_dinner
            .text_body
            .contains("Dietary requirements: none given"));
    }

    #[test]
    fn html_escapes_user_text() {
        let c = conference();
        let mut r = registration("online", "GBP");
        r.organisation_name = "<script>alert(1)</script> & Co".into();
        r.delegates[0].name = "<script>alert('x')</script>".into();
        r.delegates[0].dietary_requirements = "<b>no nuts</b>".into();
        for e in [
            registration_confirmation(&c, &r, &r.delegates[0]),
            registration_summary(&c, &r, "<Payee>"),
            cancellation(&c, &r, &r.delegates[0]),
        ] {
            assert!(!e.html_body.contains("<script>"), "{}", e.html_body);
            assert!(!e.html_body.contains("<b>no nuts"), "{}", e.html_body);
            assert!(e.html_body.contains("&lt;script&gt;"), "{}", e.html_body);
        }
    }

    #[test]
    fn summary_lists_fees_and_payment_instructions() {
        let c = conference();
        let cheque =
            registration_summary(&c, &registration("cheque", "GBP"), "The Co-operative Party");
        for needle in [
            "Ada Lovelace",
            "£135.00",
            "Robert Owen",
            "£90.00",
            "Total: £225.00",
            "payable to The Co-operative Party",
            "CARD-7KQ4 on the back",
        ] {
            assert!(
                cheque.text_body.contains(needle),
                "{needle}: {}",
                cheque.text_body
            );
        }
        let invoice = registration_summary(&c, &registration("invoice", "GBP"), "X");
        assert!(
            invoice.text_body.contains("An invoice"),
            "{}",
            invoice.text_body
        );
        assert!(invoice.text_body.contains("will follow"));
        let online = registration_summary(&c, &registration("online", "GBP"), "X");
        assert!(
            online.text_body.contains("Balance due: £135.00"),
            "{}",
            online.text_body
        );
    }

    #[test]
    fn account_links_render_without_a_conference() {
        let a = AccountInfo {
            name: "Ada <Lovelace>".into(),
            email: "ada@example.org".into(),
            organisation: Some("Cardiff Co-operative Party".into()),
        };
        let link = LinkInfo {
            url: "https://conference.example/password/abc".into(),
            expires: "Friday 6 May 2016 at 12:00 BST".into(),
        };
        for e in [invitation(&a, &link), password_reset(&a, &link)] {
            assert_eq!(e.recipient, "ada@example.org");
            let body = e.render().unwrap();
            assert!(body
                .text
                .contains("https://conference.example/password/abc"));
            assert!(body.text.contains("Friday 6 May 2016"));
            assert!(body.html.contains("Ada &lt;Lovelace&gt;"), "{}", body.html);
            assert!(!body.html.contains("<p style=\"color: #666;\"></p>"));
            assert!(body.attachment.is_none());
        }
        let invited = invitation(&a, &link).render().unwrap();
        assert!(invited.text.contains("for Cardiff Co-operative Party"));
    }

    #[test]
    fn money_is_formatted_by_currency() {
        assert_eq!(format_money(Money::from_minor(13500), "GBP"), "£135.00");
        assert_eq!(format_money(Money::from_minor(13500), "EUR"), "135.00 EUR");
        assert_eq!(format_money(Money::from_minor(-500), "GBP"), "-£5.00");
        let e = payment_received(
            &conference(),
            &registration("invoice", "EUR"),
            Money::from_minor(9000),
            "cheque",
        );
        assert!(e.text_body.contains("90.00 EUR"), "{}", e.text_body);
        assert!(!e.text_body.contains('£'));
    }

    #[test]
    fn dates_read_naturally() {
        let d = |m, day| NaiveDate::from_ymd_opt(2016, m, day).unwrap();
        assert_eq!(date_range(d(11, 12), d(11, 12)), "12 November 2016");
        assert_eq!(date_range(d(9, 9), d(9, 11)), "9–11 September 2016");
        assert_eq!(
            date_range(d(9, 30), d(10, 2)),
            "30 September – 2 October 2016"
        );
    }

    #[test]
    fn subjects_never_carry_line_breaks() {
        let mut c = conference();
        c.name = "Conference\r\nBcc: victim@example.org".into();
        let r = registration("online", "GBP");
        let e = cancellation(&c, &r, &r.delegates[0]);
        assert!(!e.subject.contains('\r') && !e.subject.contains('\n'));
        assert_eq!(
            e.subject,
            "Your place at Conference Bcc: victim@example.org has been cancelled"
        );
        assert_eq!(header_text(" a\tb\u{7}c \n"), "a b c");
    }

    #[test]
    fn calendar_is_an_all_day_event() {
        let mut c = conference();
        c.name =
            "Annual Conference; Cardiff, 2016 \\ with a very long name that needs folding".into();
        let stamp = DateTime::parse_from_rfc3339("2016-05-01T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ics = calendar(&CalendarEvent {
            uid: "uid-1@plenary".into(),
            stamp,
            name: c.name,
            venue: c.venue,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            programme: Vec::new(),
        });
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20160909\r\n"));
        assert!(ics.contains("\r\nDTEND;VALUE=DATE:20160912\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20160501T110000Z\r\n"));
        assert!(ics.contains("\r\nUID:uid-1@plenary\r\n"));
        assert!(ics.contains("\r\nLOCATION:Radisson Blu Hotel Cardiff\\, Bute Terrace\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is too long");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(
            "SUMMARY:Annual Conference\\; Cardiff\\, 2016 \\\\ with a very long name that needs folding\r\n"
        ));
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn folding_respects_utf8() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}
