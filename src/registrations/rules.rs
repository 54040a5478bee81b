//! Registration rules: delegates, fees, payment status and booking
//! references. Pure. (Capacity is in [`super::capacity`].)

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::conferences::pricing::{PassKind, PriceTable, PriceTier};
use crate::db::sql::text_enum;
use crate::rooms::rules::{self as rooms, RoomInput, RoomRequest};
use crate::values::money::Money;
use crate::values::{self, EmailAddress, FieldError, Problems, Region};

pub const NAME_MAX_CHARS: usize = 200;
pub const NOTE_MAX_CHARS: usize = 1000;

// How an organisation will pay for a registration.
text_enum! {
    pub enum PaymentMethod {
        Online = "online",
        Cheque = "cheque",
        Invoice = "invoice",
    }
}

text_enum! {
    /// How a payment was received (staff record these).
    pub enum PaymentChannel {
        Online = "online",
        Cheque = "cheque",
        Invoice = "invoice",
        BankTransfer = "bank_transfer",
    }
}

text_enum! {
    /// Which way money moved: received from the organisation, or returned
    /// to it.
    pub enum PaymentKind {
        Payment = "payment",
        Refund = "refund",
    }
}

/// What the payments and refunds of a list add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyMoved {
    pub payments: Money,
    pub refunds: Money,
}

impl MoneyMoved {
    /// Adds up `(kind, amount)` pairs (amounts positive, as stored).
    pub fn of(rows: impl IntoIterator<Item = (PaymentKind, i64)>) -> Self {
        let (mut payments, mut refunds) = (0i64, 0i64);
        for (kind, minor) in rows {
            match kind {
                PaymentKind::Payment => payments += minor,
                PaymentKind::Refund => refunds += minor,
            }
        }
        Self {
            payments: Money::from_minor(payments),
            refunds: Money::from_minor(refunds),
        }
    }

    /// Payments minus refunds: what the bank account should show received.
    pub fn net(&self) -> Money {
        Money::from_minor(self.payments.minor() - self.refunds.minor())
    }
}

/// When a calendar day begins in a zone, as a UTC instant (where the
/// clocks skip midnight, the first hour that exists).
pub fn day_starts(day: NaiveDate, zone: Tz) -> NaiveDateTime {
    let midnight = NaiveDateTime::from(day);
    (0..24)
        .find_map(|h| {
            (midnight + TimeDelta::hours(h))
                .and_local_timezone(zone)
                .earliest()
        })
        .map_or(midnight, |t| t.naive_utc())
}

/// The UTC instants a list of money recorded `from` one local day `to`
/// another (both included) starts at and stops before.
pub fn days_window(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    zone: Tz,
) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    (
        from.map(|d| day_starts(d, zone)),
        to.and_then(|d| d.succ_opt()).map(|d| day_starts(d, zone)),
    )
}

// Where a registration's money stands: derived from its total and what
// has been paid.
text_enum! {
    pub enum PaymentStatus {
        Unpaid = "unpaid",
        PartPaid = "part_paid",
        Paid = "paid",
        RefundDue = "refund_due",
    }
}

impl PaymentStatus {
    /// From what is owed and what has been paid.
    pub fn of(total: Money, paid: Money) -> Self {
        if paid > total {
            PaymentStatus::RefundDue
        } else if paid == total {
            PaymentStatus::Paid
        } else if paid == Money::ZERO {
            PaymentStatus::Unpaid
        } else {
            PaymentStatus::PartPaid
        }
    }
}

text_enum! {
    /// Whether a delegate's place is held.
    pub enum DelegateStatus {
        Active = "active",
        Cancelled = "cancelled",
    }
}

/// A delegate as sent by the client.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegateInput {
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    #[schema(example = "ada@example.org")]
    pub email: String,
    #[serde(default)]
    pub dinner: bool,
    #[serde(default)]
    #[schema(example = "vegetarian")]
    pub dietary_requirements: String,
    #[serde(default)]
    pub access_requirements: String,
    /// The member's own region (one of the configured regions), which CAC
    /// eligibility is judged by; when absent, the registering
    /// organisation's. Societies, which span regions, should give it.
    #[serde(default)]
    #[schema(example = "Wales")]
    pub region: Option<String>,
    /// A hotel room booked with the place, priced at receipt.
    #[serde(default)]
    pub room: Option<RoomInput>,
    /// The code of one of the conference's pass kinds; absent: its first
    /// voting kind.
    #[serde(default)]
    #[schema(example = "visitor")]
    pub pass_kind: Option<String>,
}

/// A delegate's validated details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: EmailAddress,
    pub dietary_requirements: String,
    pub access_requirements: String,
    /// `None`: the registering organisation's region.
    pub region: Option<Region>,
}

/// A person's fields as a client sent them.
#[derive(Debug, Clone, Copy)]
pub struct PersonFields<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub dietary_requirements: &'a str,
    pub access_requirements: &'a str,
    pub region: Option<&'a str>,
}

/// A validated delegate with the fee fixed at receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedDelegate {
    pub person: Person,
    pub pass_kind: PassKind,
    pub dinner: bool,
    pub pass_fee: Money,
    pub dinner_fee: Money,
    pub fee: Money,
}

/// Parses one person's details, reporting problems under `prefix`.
pub fn parse_person(
    p: &mut Problems,
    prefix: &str,
    fields: PersonFields<'_>,
    regions: &[String],
) -> Option<Person> {
    let name = p.take(
        &format!("{prefix}name"),
        values::line(fields.name, NAME_MAX_CHARS),
    );
    let email = p.take(&format!("{prefix}email"), EmailAddress::parse(fields.email));
    let dietary = p.take(
        &format!("{prefix}dietary_requirements"),
        values::free_text(fields.dietary_requirements, NOTE_MAX_CHARS),
    );
    let access = p.take(
        &format!("{prefix}access_requirements"),
        values::free_text(fields.access_requirements, NOTE_MAX_CHARS),
    );
    let region = match fields.region {
        None => Some(None),
        Some(r) => p
            .take(&format!("{prefix}region"), Region::parse(r, regions))
            .map(Some),
    };
    Some(Person {
        name: name?,
        email: email?,
        dietary_requirements: dietary?,
        access_requirements: access?,
        region: region?,
    })
}

/// A delegate to register: who, whether they dine, and any hotel room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelegate {
    pub person: Person,
    pub dinner: bool,
    pub room: Option<RoomRequest>,
    /// The pass kind named (none: the conference's first voting kind),
    /// checked against the conference by [`pass_kinds`].
    pub pass_kind: Option<String>,
}

/// Checks the delegates of one registration (at least one, at most `max`),
/// reporting each problem under `delegates[i].field`.
pub fn parse_delegates(
    inputs: &[DelegateInput],
    max: usize,
    regions: &[String],
) -> Result<Vec<NewDelegate>, Vec<FieldError>> {
    let mut p = Problems::default();
    if inputs.is_empty() {
        p.push("delegates", "at least one delegate is required");
    }
    if inputs.len() > max {
        p.push(
            "delegates",
            format!("at most {max} delegates may be registered at once"),
        );
    }
    let mut out = Vec::with_capacity(inputs.len());
    for (i, d) in inputs.iter().enumerate() {
        let prefix = format!("delegates[{i}].");
        let fields = PersonFields {
            name: &d.name,
            email: &d.email,
            dietary_requirements: &d.dietary_requirements,
            access_requirements: &d.access_requirements,
            region: d.region.as_deref(),
        };
        let person = parse_person(&mut p, &prefix, fields, regions);
        let room = match &d.room {
            None => Some(None),
            Some(r) => rooms::parse_request(&mut p, &format!("{prefix}room."), r).map(Some),
        };
        if let (Some(person), Some(room)) = (person, room) {
            out.push(NewDelegate {
                person,
                dinner: d.dinner,
                room,
                pass_kind: d.pass_kind.clone(),
            });
        }
    }
    p.into_result()?;
    Ok(out)
}

/// The first person in a list who repeats an earlier one (the same email,
/// however its case or Unicode form was typed): `(earlier, later)`
/// positions.
pub fn repeated_person(people: &[&Person]) -> Option<(usize, usize)> {
    let keys: Vec<String> = people.iter().map(|p| p.email.normalised()).collect();
    (1..keys.len()).find_map(|later| {
        keys[..later]
            .iter()
            .position(|k| *k == keys[later])
            .map(|earlier| (earlier, later))
    })
}

/// Each delegate's pass kind: the one named, or the conference's first
/// voting kind; a kind the conference does not offer is a problem at
/// `delegates[i].pass_kind`.
pub fn pass_kinds(
    prices: &PriceTable,
    delegates: &[NewDelegate],
) -> Result<Vec<PassKind>, Vec<FieldError>> {
    let mut p = Problems::default();
    let kinds: Vec<PassKind> = delegates
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.pass_kind {
            None => Some(prices.default_kind().clone()),
            Some(code) => {
                let kind = prices.kind(code).cloned();
                if kind.is_none() {
                    let offered: Vec<&str> =
                        prices.kinds().iter().map(|k| k.code.as_str()).collect();
                    p.push(
                        format!("delegates[{i}].pass_kind"),
                        format!(
                            "is not one of the conference's pass kinds ({})",
                            offered.join(", ")
                        ),
                    );
                }
                kind
            }
        })
        .collect();
    p.into_result()?;
    Ok(kinds)
}

/// The fee of one place: its kind's pass fee in the tier, plus the tier's
/// dinner fee for a person who dines (the dinner goes with any pass).
pub fn price(delegate: NewDelegate, kind: PassKind, tier: &PriceTier) -> PricedDelegate {
    let pass_fee = tier.pass_fee(&kind);
    let dinner_fee = if delegate.dinner {
        tier.dinner_fee
    } else {
        Money::ZERO
    };
    PricedDelegate {
        person: delegate.person,
        pass_kind: kind,
        dinner: delegate.dinner,
        pass_fee,
        dinner_fee,
        fee: pass_fee.checked_add(dinner_fee).expect("fees are bounded"),
    }
}

/// Booking references use letters and digits that cannot be confused when
/// read aloud or handwritten on a cheque (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
pub const REFERENCE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";
pub const REFERENCE_LEN: usize = 8;

/// A reference such as `PL-7K3M-9QXA` from random bytes.
pub fn booking_reference(random: [u8; REFERENCE_LEN]) -> String {
    let chars: String = random
        .iter()
        .map(|b| REFERENCE_ALPHABET[*b as usize % REFERENCE_ALPHABET.len()] as char)
        .collect();
    format!("PL-{}-{}", &chars[..4], &chars[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor() -> PassKind {
        PassKind {
            code: "visitor".into(),
            name: "Visitor".into(),
            votes: false,
        }
    }

    fn prices() -> PriceTable {
        PriceTable::new(
            vec![crate::conferences::pricing::delegate_kind(), visitor()],
            vec![PriceTier {
                code: "early".into(),
                name: "Early".into(),
                until: None,
                pass_fees: [
                    ("delegate".to_owned(), "90".parse().unwrap()),
                    ("visitor".to_owned(), "40".parse().unwrap()),
                ]
                .into(),
                dinner_fee: "45".parse().unwrap(),
            }],
        )
        .unwrap()
    }

    fn delegate(name: &str, email: &str, dinner: bool) -> DelegateInput {
        DelegateInput {
            name: name.into(),
            email: email.into(),
            dinner,
            dietary_requirements: String::new(),
            access_requirements: String::new(),
            region: None,
            room: None,
            pass_kind: None,
        }
    }

    fn regions() -> Vec<String> {
        vec!["Wales".to_owned(), "West Midlands".to_owned()]
    }

    #[test]
    fn fees_follow_the_tier_the_kind_and_dinner() {
        let mut visitor = delegate("Cy", "cy@example.org", true);
        visitor.pass_kind = Some("visitor".into());
        let parsed = parse_delegates(
            &[
                delegate("Ada", "ada@example.org", true),
                delegate("Bob", "bob@example.org", false),
                visitor,
            ],
            50,
            &regions(),
        )
        .unwrap();
        let prices = prices();
        let kinds = pass_kinds(&prices, &parsed).unwrap();
        assert_eq!(
            kinds[0].code, "delegate",
            "none named: the first voting kind"
        );
        let priced: Vec<_> = parsed
            .into_iter()
            .zip(kinds)
            .map(|(d, k)| price(d, k, &prices.tiers()[0]))
            .collect();
        assert_eq!(priced[0].fee.to_string(), "135.00");
        assert_eq!(priced[1].fee.to_string(), "90.00");
        assert_eq!(priced[1].dinner_fee, Money::ZERO);
        assert_eq!(priced[2].fee.to_string(), "85.00");
        assert!(!priced[2].pass_kind.votes);
    }

    #[test]
    fn an_unknown_kind_is_refused_at_its_path() {
        let mut d = delegate("Ada", "ada@example.org", false);
        d.pass_kind = Some("observer".into());
        let parsed = parse_delegates(
            &[delegate("Bob", "bob@example.org", false), d],
            50,
            &regions(),
        )
        .unwrap();
        let errors = pass_kinds(&prices(), &parsed).unwrap_err();
        assert_eq!(errors[0].field, "delegates[1].pass_kind");
    }

    #[test]
    fn delegates_are_validated_with_field_paths() {
        let mut long = delegate("x", "x@example.org", false);
        long.dietary_requirements = "y".repeat(1001);
        let errors =
            parse_delegates(&[delegate("", "nope", false), long], 50, &regions()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "delegates[0].name",
                "delegates[0].email",
                "delegates[1].dietary_requirements"
            ]
        );
        assert_eq!(
            parse_delegates(&[], 50, &regions()).unwrap_err()[0].field,
            "delegates"
        );
        let many = vec![delegate("a", "a@example.org", false); 3];
        assert!(parse_delegates(&many, 2, &regions()).is_err());
    }

    #[test]
    fn a_member_may_give_their_own_region() {
        let mut d = delegate("Ada", "ada@example.org", false);
        d.region = Some("West Midlands".into());
        let parsed = parse_delegates(&[d.clone()], 50, &regions()).unwrap();
        assert_eq!(
            parsed[0].person.region.as_ref().unwrap().as_str(),
            "West Midlands"
        );
        d.region = Some("Atlantis".into());
        let errors = parse_delegates(&[d], 50, &regions()).unwrap_err();
        assert_eq!(errors[0].field, "delegates[0].region");
    }

    #[test]
    fn the_same_person_twice_is_found_however_typed() {
        let repeat = |emails: &[&str]| {
            let inputs: Vec<_> = emails.iter().map(|e| delegate("X", e, false)).collect();
            let parsed = parse_delegates(&inputs, 50, &regions()).unwrap();
            let people: Vec<&Person> = parsed.iter().map(|d| &d.person).collect();
            repeated_person(&people)
        };
        assert_eq!(repeat(&["a@x.example", "b@x.example"]), None);
        assert_eq!(
            repeat(&["a@x.example", "b@x.example", "A@X.example"]),
            Some((0, 2))
        );
        assert_eq!(
            repeat(&["caf\u{e9}@x.example", "cafe\u{301}@x.example"]),
            Some((0, 1))
        );
    }

    #[test]
    fn money_moved_and_days() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        let moved = MoneyMoved::of([
            (PaymentKind::Payment, 13500),
            (PaymentKind::Refund, 4500),
            (PaymentKind::Payment, 9000),
        ]);
        assert_eq!(moved.payments, m("225"));
        assert_eq!(moved.refunds, m("45"));
        assert_eq!(moved.net(), m("180"));
        let london: Tz = "Europe/London".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2016, 9, 9).unwrap();
        assert_eq!(
            day_starts(day, london).to_string(),
            "2016-09-08 23:00:00",
            "BST midnight is 23:00 UTC the day before"
        );
        let (from, before) = days_window(Some(day), Some(day), london);
        assert_eq!(from.unwrap().to_string(), "2016-09-08 23:00:00");
        assert_eq!(before.unwrap().to_string(), "2016-09-09 23:00:00");
        let winter = NaiveDate::from_ymd_opt(2016, 12, 1).unwrap();
        assert_eq!(
            day_starts(winter, london).to_string(),
            "2016-12-01 00:00:00"
        );
    }

    #[test]
    fn payment_status() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        assert_eq!(PaymentStatus::of(m("135"), m("0")), PaymentStatus::Unpaid);
        assert_eq!(
            PaymentStatus::of(m("135"), m("35")),
            PaymentStatus::PartPaid
        );
        assert_eq!(PaymentStatus::of(m("135"), m("135")), PaymentStatus::Paid);
        assert_eq!(
            PaymentStatus::of(m("90"), m("135")),
            PaymentStatus::RefundDue
        );
        assert_eq!(PaymentStatus::of(m("0"), m("0")), PaymentStatus::Paid);
    }

    #[test]
    fn references_are_unambiguous() {
        let r = booking_reference([0, 1, 2, 3, 250, 251, 252, 255]);
        assert_eq!(r.len(), 12);
        assert!(r.starts_with("PL-"));
        for c in r[3..].chars().filter(|c| *c != '-') {
            assert!(!"0O1IL2Z5S8B".contains(c), "{r}");
        }
    }
}
