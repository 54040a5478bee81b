//! Printed documents as PDF: invoices, credit notes, receipts and delegate
//! badges, A4, in
//! Liberation Sans (SIL Open Font License, `assets/fonts/`), embedded and
//! subset so the text can be selected and searched. Each document is
//! rendered from plain data fixed when it was issued ([`InvoiceDocument`],
//! [`ReceiptDocument`]); rendering touches no database and is CPU work, so
//! callers run it off the async workers.

mod badges;
mod pdf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::money::Money;

pub use badges::{render_badges, BADGES_ACROSS, BADGES_DOWN, BADGE_HEIGHT_MM, BADGE_WIDTH_MM};
pub use pdf::{render_invoice, render_receipt};

/// The party issuing the documents (configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    pub name: String,
    /// Postal address, one line per line.
    pub address: String,
    /// How to pay: bank, sort code, account (one line per line).
    pub payment_details: String,
}

/// Whether a document bills or credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            Self::Invoice => "Invoice",
            Self::CreditNote => "Credit note",
        }
    }
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub description: String,
    /// The price tier the line was priced at.
    pub tier: String,
    pub amount: Money,
}

/// Everything an invoice or credit note prints, fixed when it is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDocument {
    pub kind: DocumentKind,
    /// As printed: `INV-0001`, `CN-0001`.
    pub number: String,
    pub issuer: Issuer,
    pub organisation_name: String,
    pub billing_address: Option<String>,
    pub conference_name: String,
    /// The booking reference (`PL-…`).
    pub reference: String,
    pub lines: Vec<Line>,
    pub currency: String,
    pub total: Money,
    /// Invoices: paid before issue, and what remains due.
    pub amount_paid: Option<Money>,
    pub balance: Option<Money>,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    /// Credit notes: the invoice credited.
    pub credits: Option<String>,
}

impl InvoiceDocument {
    /// `INV-0001.pdf`.
    pub fn file_name(&self) -> String {
        format!("{}.pdf", self.number)
    }
}

/// A receipt for one payment, or for one refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptDocument {
    /// Money returned to the organisation rather than received from it.
    #[serde(default)]
    pub refund: bool,
    pub issuer: Issuer,
    pub organisation_name: String,
    pub conference_name: String,
    pub reference: String,
    pub received_on: NaiveDate,
    pub amount: Money,
    /// How it was paid, as people say it.
    pub method: String,
    /// The cheque number or transfer reference.
    pub payment_reference: String,
    pub currency: String,
    pub total: Money,
    pub amount_paid: Money,
    pub balance: Money,
}

/// One delegate's badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub name: String,
    pub organisation: String,
    /// The pass as printed ("Delegate").
    pub pass_kind: String,
    pub dinner: bool,
    /// The check-in code the QR code carries.
    pub code: String,
}

/// A conference's badges, in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeSheet {
    pub conference_name: String,
    /// When and where the dinner is ("Sat 10 Sep, 19:30, Cardiff City
    /// Hall"), printed beside the dinner mark: the conference's ticketed
    /// programme item, if it has one.
    pub dinner: Option<String>,
    pub badges: Vec<Badge>,
}

/// A document to attach to an email, rendered when the email is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    Invoice(InvoiceDocument),
    Receipt(ReceiptDocument),
}

impl Document {
    pub fn file_name(&self) -> String {
        match self {
            Document::Invoice(d) => d.file_name(),
            Document::Receipt(r) if r.refund => format!("refund-{}.pdf", r.reference),
            Document::Receipt(r) => format!("receipt-{}.pdf", r.reference),
        }
    }

    pub fn render(&self) -> Vec<u8> {
        match self {
            Document::Invoice(d) => render_invoice(d),
            Document::Receipt(r) => render_receipt(r),
        }
    }
}

/// "Friday 9 September 2016".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// "£135.00" for sterling, "135.00 EUR" for any other currency.
pub fn format_money(amount: Money, currency: &str) -> String {
    match (currency.eq_ignore_ascii_case("GBP"), amount < Money::ZERO) {
        (true, false) => format!("£{amount}"),
        (true, true) => format!("-£{}", Money::from_minor(-amount.minor())),
        (false, _) => format!("{amount} {currency}"),
    }
}
