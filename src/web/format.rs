//! How pages write money, dates and the names of things: British style
//! ("£135.00", "Friday 9 September 2016").

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::deadlines::rules::DeadlineKey;
use crate::email::messages::format_money;
use crate::registrations::rules::{PaymentChannel, PaymentMethod, PaymentStatus};
use crate::submissions::rules::{SubmissionKind, SubmissionStatus};
use crate::values::money::Money;

/// "£135.00" (another currency: "135.00 EUR").
pub fn money(amount: Money, currency: &str) -> String {
    format_money(amount, currency)
}

/// How a payment or refund moved: "Bank transfer".
pub fn payment_channel(c: PaymentChannel) -> &'static str {
    match c {
        PaymentChannel::Online => "Online",
        PaymentChannel::Cheque => "Cheque",
        PaymentChannel::Invoice => "Invoice",
        PaymentChannel::BankTransfer => "Bank transfer",
    }
}

/// "Friday 9 September 2016".
pub fn date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// "9 September 2016" (in tables, where the weekday crowds).
pub fn short_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// "Friday 9 to Sunday 11 September 2016", or one date.
pub fn date_range(starts: NaiveDate, ends: NaiveDate) -> String {
    if starts == ends {
        date(starts)
    } else if starts.format("%Y-%m").to_string() == ends.format("%Y-%m").to_string() {
        format!(
            "{} to {}",
            starts.format("%A %-d"),
            ends.format("%A %-d %B %Y")
        )
    } else {
        format!("{} to {}", starts.format("%A %-d %B"), date(ends))
    }
}

/// "10 March 2016 at 2:05pm" in the conference's zone.
pub fn instant(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let hour = local.format("%-I:%M%P").to_string();
    format!("{} at {hour}", local.format("%-d %B %Y"))
}

/// How far off a date is: "today", "tomorrow", "in 12 days", "closed".
pub fn days_left(days: i64) -> String {
    match days {
        d if d < 0 => "closed".into(),
        0 => "closes today".into(),
        1 => "1 day left".into(),
        d => format!("{d} days left"),
    }
}

/// What people call a deadline.
pub fn deadline(key: DeadlineKey) -> &'static str {
    match key {
        DeadlineKey::Registration => "Delegate registration",
        DeadlineKey::Motions => "Motions",
        DeadlineKey::Amendments => "Amendments to motions",
        DeadlineKey::PolicySubmissions => "Policy submissions",
        DeadlineKey::CacNominations => "CAC nominations",
        DeadlineKey::AwardNominations => "Award nominations",
    }
}

pub fn payment_method(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Cheque => "Cheque",
        PaymentMethod::Invoice => "Invoice",
        PaymentMethod::Online => "Online",
    }
}

pub fn payment_status(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Unpaid => "Unpaid",
        PaymentStatus::PartPaid => "Part paid",
        PaymentStatus::Paid => "Paid",
        PaymentStatus::RefundDue => "Refund due",
    }
}

/// "Motion", "CAC nomination" …
pub fn kind(k: SubmissionKind) -> String {
    let label = k.label();
    let mut c = label.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "Submitted", "Ruled out of order" …
pub fn status(s: SubmissionStatus) -> String {
    let label = s.label();
    let mut c = label.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "1 word", "301 words".
pub fn words(n: usize) -> String {
    if n == 1 {
        "1 word".into()
    } else {
        format!("{n} words")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn british_dates_and_money() {
        assert_eq!(date(d(2027, 9, 9)), "Thursday 9 September 2027");
        assert_eq!(date(d(2016, 9, 9)), "Friday 9 September 2016");
        assert_eq!(
            date_range(d(2016, 9, 9), d(2016, 9, 11)),
            "Friday 9 to Sunday 11 September 2016"
        );
        assert_eq!(
            date_range(d(2016, 9, 30), d(2016, 10, 2)),
            "Friday 30 September to Sunday 2 October 2016"
        );
        assert_eq!(money("135".parse().unwrap(), "GBP"), "£135.00");
        assert_eq!(days_left(0), "closes today");
        assert_eq!(days_left(12), "12 days left");
        assert_eq!(days_left(-1), "closed");
        assert_eq!(kind(SubmissionKind::CacNomination), "CAC nomination");
        assert_eq!(status(SubmissionStatus::RuledOut), "Ruled out of order");
        assert_eq!(words(301), "301 words");
    }

    #[test]
    fn instants_in_the_conference_zone() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2016, 3, 10, 14, 5, 0).unwrap();
        assert_eq!(
            instant(at, chrono_tz::Europe::London),
            "10 March 2016 at 2:05pm"
        );
    }
}
