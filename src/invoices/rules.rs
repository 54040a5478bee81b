//! What an invoice says: its lines, its due date, its number as printed,
//! and what a credit note credits. Pure.

use chrono::{Days, NaiveDate};

use crate::db::sql::text_enum;
use crate::documents::Line;
use crate::values::money::Money;

text_enum! {
    /// An invoice bills; a credit note takes an amount off one.
    pub enum InvoiceKind {
        Invoice = "invoice",
        CreditNote = "credit_note",
    }
}

impl InvoiceKind {
    /// The printed number: `INV-0007`, `CN-0002`.
    pub fn label(self, number: i32) -> String {
        let prefix = match self {
            Self::Invoice => "INV",
            Self::CreditNote => "CN",
        };
        format!("{prefix}-{number:04}")
    }
}

/// Payment is due `days` after issue, but never later than the day before
/// the conference starts (nor before the day of issue).
pub fn due_on(issued_on: NaiveDate, days: u32, conference_starts: NaiveDate) -> NaiveDate {
    let by_terms = issued_on
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    let before_conference = conference_starts.pred_opt().unwrap_or(conference_starts);
    by_terms.min(before_conference).max(issued_on)
}

/// A delegate's place as an invoice bills it.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub name: &'a str,
    /// The pass kind's name, as the conference calls it (`Delegate`).
    pub pass: &'a str,
    pub pass_fee: Money,
    pub dinner: bool,
    pub dinner_fee: Money,
    /// A hotel room booked with the place: its nights and price.
    pub room: Option<(i64, Money)>,
}

/// One line for each person's pass (naming its kind), one for each
/// dinner and one for each hotel room.
pub fn lines(places: &[Place<'_>], tier: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for p in places {
        lines.push(Line {
            description: format!("{}: {} pass", p.name, p.pass.to_lowercase()),
            tier: tier.to_owned(),
            amount: p.pass_fee,
        });
        if p.dinner {
            lines.push(Line {
                description: format!("{}: conference dinner", p.name),
                tier: tier.to_owned(),
                amount: p.dinner_fee,
            });
        }
        if let Some((nights, fee)) = p.room {
            lines.push(Line {
                description: format!(
                    "{}: hotel room, {nights} night{}",
                    p.name,
                    if nights == 1 { "" } else { "s" }
                ),
                tier: tier.to_owned(),
                amount: fee,
            });
        }
    }
    lines
}

/// Sum of the lines.
pub fn total(lines: &[Line]) -> Option<Money> {
    lines
        .iter()
        .try_fold(Money::ZERO, |sum, l| sum.checked_add(l.amount))
}

/// What a cancellation credits against an invoice: the place's fee, but
/// never more than the invoice has left uncredited; nothing when nothing
/// is left.
pub fn credit(fee: Money, invoiced: Money, credited: Money) -> Option<Money> {
    let left = invoiced.checked_sub(credited).unwrap_or(Money::ZERO);
    let amount = fee.min(left);
    (amount > Money::ZERO).then_some(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn gbp(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn due_thirty_days_on_but_before_the_conference() {
        let starts = d("2016-09-09");
        assert_eq!(due_on(d("2016-06-01"), 30, starts), d("2016-07-01"));
        assert_eq!(due_on(d("2016-08-20"), 30, starts), d("2016-09-08"));
        assert_eq!(due_on(d("2016-09-08"), 30, starts), d("2016-09-08"));
        assert_eq!(due_on(d("2016-09-10"), 30, starts), d("2016-09-10"));
    }

    #[test]
    fn a_line_per_pass_dinner_and_room() {
        let places = [
            Place {
                name: "Ada",
                pass: "Delegate",
                pass_fee: gbp("90.00"),
                dinner: true,
                dinner_fee: gbp("45.00"),
                room: None,
            },
            Place {
                name: "Ben",
                pass: "Visitor",
                pass_fee: gbp("40.00"),
                dinner: false,
                dinner_fee: Money::ZERO,
                room: Some((2, gbp("178.00"))),
            },
        ];
        let lines = lines(&places, "Early bird");
        let described: Vec<_> = lines.iter().map(|l| l.description.as_str()).collect();
        assert_eq!(
            described,
            [
                "Ada: delegate pass",
                "Ada: conference dinner",
                "Ben: visitor pass",
                "Ben: hotel room, 2 nights"
            ]
        );
        assert_eq!(total(&lines), Some(gbp("353.00")));
    }

    #[test]
    fn credits_never_exceed_what_was_invoiced() {
        let fee = gbp("135.00");
        assert_eq!(credit(fee, gbp("225.00"), Money::ZERO), Some(fee));
        assert_eq!(
            credit(fee, gbp("225.00"), gbp("135.00")),
            Some(gbp("90.00"))
        );
        assert_eq!(credit(fee, gbp("225.00"), gbp("225.00")), None);
    }

    #[test]
    fn numbers_are_printed_with_their_kind() {
        assert_eq!(InvoiceKind::Invoice.label(7), "INV-0007");
        assert_eq!(InvoiceKind::CreditNote.label(12), "CN-0012");
    }
}
