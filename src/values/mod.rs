//! Shared value types, parsed once at the edge: field problems, email
//! addresses, regions, bounded text, slugs, dates, zones and currencies.
//! Money is in [`money`]. Pure: no I/O, no clock.

pub mod money;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field-level problem, reported in a 422 `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors while an input is parsed into domain types.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Keeps the value if parsing worked, records the message otherwise.
    pub fn take<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// An email address lettre accepts, with no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.len() > 254 || s.chars().any(char::is_control) {
            return Err("must be a valid email address");
        }
        lettre::Address::from_str(s).map_err(|_| "must be a valid email address")?;
        Ok(Self(s.to_owned()))
    }

    /// The form that compares one person's address typed two ways as
    /// equal: Unicode NFC, then lower case. Accounts are looked up by it and
    /// delegates of one conference are told apart by it.
    pub fn normalised(&self) -> String {
        use unicode_normalization::UnicodeNormalization;
        self.0.nfc().collect::<String>().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A region from the configured list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Region(String);

impl Region {
    pub fn parse(s: &str, allowed: &[String]) -> Result<Self, String> {
        allowed
            .iter()
            .find(|r| r.as_str() == s)
            .map(|r| Self(r.clone()))
            .ok_or_else(|| format!("must be one of: {}", allowed.join(", ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Trimmed, non-empty single-line text of bounded length (names, titles).
pub fn line(s: &str, max_chars: usize) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("must not be empty".into());
    }
    if t.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err("must be a single line without control characters".into());
    }
    Ok(t.to_owned())
}

/// Free text of bounded length (requirements, statements); may be empty.
pub fn free_text(s: &str, max_chars: usize) -> Result<String, String> {
    let t = s.trim();
    if t.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(t.to_owned())
}

/// A URL slug: lower-case letters, digits and single hyphens.
pub fn slug(s: &str) -> Result<String, &'static str> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(s.to_owned())
    } else {
        Err("must be 1-100 lower-case letters, digits and single hyphens")
    }
}

pub fn date(s: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
        .ok_or("must be a date in the form YYYY-MM-DD")
}

pub fn timezone(s: &str) -> Result<chrono_tz::Tz, &'static str> {
    s.parse::<chrono_tz::Tz>()
        .map_err(|_| "must be an IANA time zone such as Europe/London")
}

pub fn currency(s: &str) -> Result<String, &'static str> {
    iso_currency::Currency::from_code(s)
        .map(|c| c.code().to_owned())
        .ok_or("must be an ISO 4217 currency code such as GBP")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses() {
        assert!(EmailAddress::parse("sec@coop.example").is_ok());
        assert_eq!(
            EmailAddress::parse(" Sec@Coop.Example ")
                .unwrap()
                .normalised(),
            "sec@coop.example"
        );
        assert!(EmailAddress::parse("not-an-email").is_err());
        // "café" typed precomposed and with a combining accent is one address.
        assert_eq!(
            EmailAddress::parse("Caf\u{e9}@example.org")
                .unwrap()
                .normalised(),
            EmailAddress::parse("cafe\u{301}@example.org")
                .unwrap()
                .normalised()
        );
        assert!(EmailAddress::parse("a@b.c\r\nBcc: x@y.z").is_err());
        assert!(EmailAddress::parse("").is_err());
    }

    #[test]
    fn regions_come_from_the_list() {
        let allowed = vec!["Wales".to_owned(), "London".to_owned()];
        assert_eq!(Region::parse("Wales", &allowed).unwrap().as_str(), "Wales");
        assert!(Region::parse("Atlantis", &allowed).is_err());
    }

    #[test]
    fn lines_and_slugs() {
        assert_eq!(line("  Cardiff  ", 10).unwrap(), "Cardiff");
        assert!(line("", 10).is_err());
        assert!(line("a\nb", 10).is_err());
        assert!(line(&"x".repeat(11), 10).is_err());
        assert!(free_text("vegan\nno nuts", 100).is_ok());
        assert!(slug("annual-2016").is_ok());
        assert!(slug("Annual").is_err());
        assert!(slug("a--b").is_err());
    }

    #[test]
    fn dates_zones_currencies() {
        assert!(date("2016-06-30").is_ok());
        assert!(date("2016-6-30").is_err());
        assert!(date("2016-02-30").is_err());
        assert!(timezone("Europe/London").is_ok());
        assert!(timezone("BST").is_err());
        assert_eq!(currency("GBP").unwrap(), "GBP");
        assert!(currency("XYZ").is_err());
        assert!(currency("gbp").is_err());
    }
}
