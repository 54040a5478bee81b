//! Exact money: `rust_decimal` in the domain, hundredths (`i64`) in the
//! database, a two-decimal string in JSON.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal amount such as \"90.00\"")]
    NotANumber,
    #[error("must have at most two decimal places")]
    TooPrecise,
    #[error("must not be negative")]
    Negative,
    #[error("is too large")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    pub fn amount(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Parses a non-negative amount with at most two decimals.
    pub fn parse_non_negative(s: &str) -> Result<Self, MoneyError> {
        let m: Money = s.parse()?;
        if m.0 < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(m)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return Err(MoneyError::NotANumber);
        }
        let d = Decimal::from_str_exact(s).map_err(|_| MoneyError::NotANumber)?;
        let d = d.normalize();
        if d.scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let minor = d
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|m| i64::try_from(m).ok())
            .ok_or(MoneyError::TooLarge)?;
        // Keep amounts far from i64 overflow when summed over many delegates.
        if minor.abs() > 100_000_000_000 {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(minor))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.amount())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
            .examples([serde_json::json!("135.00")])
            .description(Some("Exact amount with two decimals, as a string"))
            .into()
    }
}

impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_two_decimals() {
        assert_eq!("135".parse::<Money>().unwrap().to_string(), "135.00");
        assert_eq!("90.5".parse::<Money>().unwrap().minor(), 9050);
        assert_eq!("0.10".parse::<Money>().unwrap().to_string(), "0.10");
        assert_eq!(Money::from_minor(15500).to_string(), "155.00");
        assert_eq!(Money::from_minor(-250).to_string(), "-2.50");
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!("1.005".parse::<Money>(), Err(MoneyError::TooPrecise));
        assert_eq!("abc".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("1e3".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse_non_negative("-1"), Err(MoneyError::Negative));
        assert_eq!(
            "99999999999999999999".parse::<Money>(),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn trailing_zeros_beyond_two_places_are_fine() {
        assert_eq!("90.000".parse::<Money>().unwrap().minor(), 9000);
    }
}
