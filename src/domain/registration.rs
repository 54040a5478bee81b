//! Registration rules: delegates, fees, capacity, payment status and
//! booking references.

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::pricing::PriceTier;
use super::values::{self, EmailAddress};
use super::{FieldError, Problems};

pub const NAME_MAX_CHARS: usize = 200;
pub const NOTE_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Online,
    Cheque,
    Invoice,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Online => "online",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::Invoice => "invoice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Online, Self::Cheque, Self::Invoice]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// How a payment was received (staff record these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentChannel {
    Online,
    Cheque,
    Invoice,
    BankTransfer,
}

impl PaymentChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentChannel::Online => "online",
            PaymentChannel::Cheque => "cheque",
            PaymentChannel::Invoice => "invoice",
            PaymentChannel::BankTransfer => "bank_transfer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Unpaid,
    PartPaid,
    Paid,
    RefundDue,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Unpaid,
        PaymentStatus::PartPaid,
        PaymentStatus::Paid,
        PaymentStatus::RefundDue,
    ];

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

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::PartPaid => "part_paid",
            PaymentStatus::Paid => "paid",
            PaymentStatus::RefundDue => "refund_due",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
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
}

/// A delegate's validated details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: EmailAddress,
    pub dietary_requirements: String,
    pub access_requirements: String,
}

/// A validated delegate with the fee fixed at receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedDelegate {
    pub person: Person,
    pub dinner: bool,
    pub pass_fee: Money,
    pub dinner_fee: Money,
    pub fee: Money,
}

/// Parses one person's details, reporting problems under `prefix`.
pub fn parse_person(
    p: &mut Problems,
    prefix: &str,
    name: &str,
    email: &str,
    dietary: &str,
    access: &str,
) -> Option<Person> {
    let name = p.take(&format!("{prefix}name"), values::line(name, NAME_MAX_CHARS));
    let email = p.take(&format!("{prefix}email"), EmailAddress::parse(email));
    let dietary = p.take(
        &format!("{prefix}dietary_requirements"),
        values::free_text(dietary, NOTE_MAX_CHARS),
    );
    let access = p.take(
        &format!("{prefix}access_requirements"),
        values::free_text(access, NOTE_MAX_CHARS),
    );
    Some(Person {
        name: name?,
        email: email?,
        dietary_requirements: dietary?,
        access_requirements: access?,
    })
}

/// Validates the delegates and prices each one by the tier in force.
pub fn price_delegates(
    inputs: &[DelegateInput],
    max: usize,
    tier: &PriceTier,
) -> Result<Vec<PricedDelegate>, Vec<FieldError>> {
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
        if let Some(person) = parse_person(
            &mut p,
            &prefix,
            &d.name,
            &d.email,
            &d.dietary_requirements,
            &d.access_requirements,
        ) {
            let dinner_fee = if d.dinner {
                tier.dinner_fee
            } else {
                Money::ZERO
            };
            out.push(PricedDelegate {
                person,
                dinner: d.dinner,
                pass_fee: tier.pass_fee,
                dinner_fee,
                fee: tier
                    .pass_fee
                    .checked_add(dinner_fee)
                    .expect("fees are bounded"),
            });
        }
    }
    p.into_result()?;
    Ok(out)
}

/// Places or seats left under a cap (`None`: no cap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("only {left} {what} left; {asked} requested")]
pub struct CapacityReached {
    pub what: &'static str,
    pub left: u32,
    pub asked: u32,
}

pub fn check_capacity(
    what: &'static str,
    cap: Option<u32>,
    taken: u32,
    asked: u32,
) -> Result<(), CapacityReached> {
    match cap {
        Some(cap) if taken.saturating_add(asked) > cap => Err(CapacityReached {
            what,
            left: cap.saturating_sub(taken),
            asked,
        }),
        _ => Ok(()),
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

    fn tier() -> PriceTier {
        PriceTier {
            code: "early".into(),
            name: "Early".into(),
            until: None,
            pass_fee: "90".parse().unwrap(),
            dinner_fee: "45".parse().unwrap(),
        }
    }

    fn delegate(name: &str, email: &str, dinner: bool) -> DelegateInput {
        DelegateInput {
            name: name.into(),
            email: email.into(),
            dinner,
            dietary_requirements: String::new(),
            access_requirements: String::new(),
        }
    }

    #[test]
    fn fees_follow_the_tier_and_dinner() {
        let priced = price_delegates(
            &[
                delegate("Ada", "ada@example.org", true),
                delegate("Bob", "bob@example.org", false),
            ],
            50,
            &tier(),
        )
        .unwrap();
        assert_eq!(priced[0].fee.to_string(), "135.00");
        assert_eq!(priced[1].fee.to_string(), "90.00");
        assert_eq!(priced[1].dinner_fee, Money::ZERO);
    }

    #[test]
    fn delegates_are_validated_with_field_paths() {
        let mut long = delegate("x", "x@example.org", false);
        long.dietary_requirements = "y".repeat(1001);
        let errors =
            price_delegates(&[delegate("", "nope", false), long], 50, &tier()).unwrap_err();
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
            price_delegates(&[], 50, &tier()).unwrap_err()[0].field,
            "delegates"
        );
        let many = vec![delegate("a", "a@example.org", false); 3];
        assert!(price_delegates(&many, 2, &tier()).is_err());
    }

    #[test]
    fn capacity() {
        assert!(check_capacity("places", None, 1000, 5).is_ok());
        assert!(check_capacity("places", Some(10), 9, 1).is_ok());
        assert_eq!(
            check_capacity("places", Some(10), 9, 2),
            Err(CapacityReached {
                what: "places",
                left: 1,
                asked: 2
            })
        );
        assert!(check_capacity("dinner seats", Some(0), 0, 1).is_err());
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
