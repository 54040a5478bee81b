//! Shared value types, parsed once at the edge: field problems, email
//! addresses, regions, bounded text, slugs, dates, zones and currencies.
//! Money is in [`money`]. Pure: no I/O, no clock.

pub mod money;

use std::fmt;

use chrono::NaiveDate;
use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointSetData};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

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

/// An email address the sender can deliver to: a dot-atom local part
/// (ASCII `atext`, and letters, marks and digits of any script, kept in
/// NFC), `@`, and a domain name with at least one dot, 254 bytes at most.
/// An internationalised domain is kept in its ASCII (punycode) form.
///
/// Quoted local parts (`"jo smith"@example.org`) and address literals
/// (`ada@[127.0.0.1]`) are refused: lettre writes them into the `To`
/// header but cannot read them back from it into the envelope, so every
/// email to them failed with "missing destination address". The sender
/// parses each recipient with this same function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(lettre::Address);

/// Characters of an RFC 5322 `atext`, besides ASCII letters and digits.
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("must be an email address such as name@example.org");
        };
        if local.starts_with('"') {
            return Err("must not quote the part before the @: we cannot send to such addresses");
        }
        if domain.starts_with('[') {
            return Err("must name a domain after the @, not an IP address");
        }
        let local: String = local.nfc().collect();
        if local.len() > 64 {
            return Err("must have at most 64 characters before the @");
        }
        let dot_atom = local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || ATEXT_SYMBOLS.contains(c)
                        || (!c.is_ascii() && is_word_char(c))
                })
        });
        if !dot_atom {
            return Err("may have before the @ only letters, digits, \
                        single dots and ! # $ % & ' * + - / = ? ^ _ ` { | } ~");
        }
        let domain = idna::domain_to_ascii_strict(domain)
            .ok()
            .filter(|d| is_host_name(d))
            .ok_or("must name a domain such as example.org after the @")?;
        if local.len() + 1 + domain.len() > 254 {
            return Err("must be at most 254 characters");
        }
        lettre::Address::new(&local, domain)
            .map(Self)
            .map_err(|_| "must be a valid email address")
    }

    /// The address as lettre takes it for a message's recipient.
    pub fn into_address(self) -> lettre::Address {
        self.0
    }

    /// The form that compares one person's address typed two ways as
    /// equal: Unicode NFC, then lower case. Accounts are looked up by it and
    /// delegates of one conference are told apart by it.
    pub fn normalised(&self) -> String {
        self.as_str().nfc().collect::<String>().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    pub fn into_inner(self) -> String {
        self.0.to_string()
    }
}

/// A letter, mark or digit of any script (a mark for scripts whose
/// letters take them; NFC has already composed the rest).
fn is_word_char(c: char) -> bool {
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    [
        GeneralCategoryGroup::Letter,
        GeneralCategoryGroup::Mark,
        GeneralCategoryGroup::Number,
    ]
    .iter()
    .any(|group| group.contains(category))
}

/// A host name (already checked by IDNA's strict rules) with at least two
/// labels, none empty, the last not all digits: never a bare IPv4 address.
fn is_host_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && !labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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

/// Trimmed single-line text of bounded length (names, titles) with at least
/// one visible character: no control characters, no line or paragraph
/// separators (U+2028, U+2029), no direction controls ([`is_bidi_control`]).
pub fn line(s: &str, max_chars: usize) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("must not be empty".into());
    }
    if t.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if t.chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err("must be a single line without control characters".into());
    }
    refuse_bidi_controls(t)?;
    if !t.chars().any(is_visible) {
        return Err("must contain at least one visible character".into());
    }
    Ok(t.to_owned())
}

/// Free text of bounded length (requirements, statements); may be empty.
/// Line breaks and tabs are kept; other control characters and direction
/// controls are refused.
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
    refuse_bidi_controls(t)?;
    Ok(t.to_owned())
}

/// The explicit directional formatting characters of Unicode's
/// bidirectional algorithm (UAX #9): embeddings and overrides (U+202A to
/// U+202E) and isolates (U+2066 to U+2069). Text after an override is shown
/// reversed, in exports, emails and pages alike, so a name can be made to
/// read as something it is not.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn refuse_bidi_controls(t: &str) -> Result<(), String> {
    if t.chars().any(is_bidi_control) {
        Err("must not contain text-direction controls (U+202A to U+202E, U+2066 to U+2069)".into())
    } else {
        Ok(())
    }
}

/// Whether a character shows when printed: a letter, number, punctuation
/// mark or symbol that is not default-ignorable (zero-width and formatting
/// characters are neither; U+3164 HANGUL FILLER is a letter that shows
/// nothing, and is default-ignorable). Unicode data from `icu_properties`.
fn is_visible(c: char) -> bool {
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    [
        GeneralCategoryGroup::Letter,
        GeneralCategoryGroup::Number,
        GeneralCategoryGroup::Punctuation,
        GeneralCategoryGroup::Symbol,
    ]
    .iter()
    .any(|group| group.contains(category))
        && !CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
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
        for ok in [
            "o'brien@example.org",
            "first.last+conference@mail.example.co.uk",
            "x!#$%&'*+-/=?^_`{|}~@example.org",
        ] {
            assert_eq!(EmailAddress::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            EmailAddress::parse("jose\u{301}@example.org")
                .unwrap()
                .as_str(),
            "jos\u{e9}@example.org",
            "kept in NFC"
        );
        assert_eq!(
            EmailAddress::parse("ada@bücher.example").unwrap().as_str(),
            "ada@xn--bcher-kva.example",
            "an internationalised domain is kept in its ASCII form"
        );
    }

    /// Shapes lettre takes for an `Address` but that no message can be
    /// sent to, and other shapes no relay takes: each is refused.
    #[test]
    fn undeliverable_shapes_are_refused() {
        let long_local = format!("{}@example.org", "a".repeat(65));
        let long = format!("{}@{}.example", "a".repeat(64), "b".repeat(190));
        for bad in [
            "\"jo smith\"@example.org",
            "\"jo\"@example.org",
            "ada@[127.0.0.1]",
            "ada@[IPv6:::1]",
            "ada@127.0.0.1",
            "ada@localhost",
            "ada@example.org.",
            "ada@.example.org",
            "ada@exa_mple.org",
            "ada@-example.org",
            ".ada@example.org",
            "ada.@example.org",
            "a..da@example.org",
            "jo smith@example.org",
            "jo\u{200b}se@example.org",
            "jo\u{202e}se@example.org",
            "jo→se@example.org",
            "ada@@example.org",
            "@example.org",
            "ada@",
            long_local.as_str(),
            long.as_str(),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} was accepted");
        }
        // Why quoted local parts and address literals are refused: lettre
        // parses them, but cannot build a message to them.
        for lettre_only in ["\"jo smith\"@example.org", "ada@[127.0.0.1]"] {
            let address: lettre::Address = lettre_only.parse().unwrap();
            assert!(message_to(address).is_err(), "{lettre_only}");
        }
    }

    /// A message to `address`, built as the sender builds one.
    fn message_to(address: lettre::Address) -> Result<lettre::Message, lettre::error::Error> {
        lettre::Message::builder()
            .from("conference@party.example".parse().unwrap())
            .to(lettre::message::Mailbox::new(None, address))
            .subject("test")
            .body(String::from("body"))
    }

    /// Property: every address the validator accepts builds a message whose
    /// envelope and `To` header carry exactly that address. Inputs are
    /// random strings over the characters addresses are made of and the
    /// ones that break them (seeded, so a failure repeats).
    #[test]
    fn every_accepted_address_builds_a_message_to_it() {
        use lettre::message::header::To;
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};

        // Mostly what addresses are made of, sometimes what breaks them.
        const LOCAL: &[&str] = &[
            "a", "Z", "q", "0", "7", ".", "-", "_", "+", "'", "!", "#", "$", "%", "&", "*", "/",
            "=", "?", "^", "`", "{", "|", "}", "~", "jo", "smith", "é", "e\u{301}", "中", "δ",
        ];
        const DOMAIN: &[&str] = &[
            "a", "Z", "0", "7", "-", ".", "xn--", "ü", "é", "example", "uk",
        ];
        const HOSTILE: &[&str] = &[
            "\"",
            "\\",
            " ",
            "(",
            ")",
            ",",
            ":",
            ";",
            "<",
            ">",
            "[",
            "]",
            "@",
            "→",
            "\u{200b}",
            "\t",
            "\r\n",
            "IPv6:",
            "::1",
            "127.0.0.1",
            "..",
        ];
        fn word(rng: &mut StdRng, pieces: &[&str], max: usize) -> String {
            (0..rng.gen_range(1..=max))
                .map(|_| {
                    if rng.gen_bool(0.08) {
                        HOSTILE[rng.gen_range(0..HOSTILE.len())]
                    } else {
                        pieces[rng.gen_range(0..pieces.len())]
                    }
                })
                .collect()
        }
        let mut rng = StdRng::seed_from_u64(23);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let candidate = format!(
                "{}@{}.{}",
                word(&mut rng, LOCAL, 8),
                word(&mut rng, DOMAIN, 8),
                word(&mut rng, DOMAIN, 3)
            );
            let Ok(email) = EmailAddress::parse(&candidate) else {
                continue;
            };
            accepted += 1;
            let address = email.clone().into_address();
            let message = message_to(address.clone())
                .unwrap_or_else(|e| panic!("{candidate:?} accepted as {email}, but: {e}"));
            assert_eq!(
                message.envelope().to(),
                std::slice::from_ref(&address),
                "{candidate:?}"
            );
            let to = message.headers().get::<To>().expect("a To header");
            let to: Vec<lettre::message::Mailbox> = lettre::message::Mailboxes::from(to).into();
            assert_eq!(to.len(), 1, "{candidate:?}");
            assert_eq!(to[0].email, address, "{candidate:?}");
        }
        assert!(accepted > 1_000, "only {accepted} inputs were accepted");
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
        assert!(free_text("", 100).is_ok());
    }

    #[test]
    fn lines_need_something_visible_and_no_direction_controls() {
        for ok in [
            "Ada Lovelace",
            "Siân Gwenllian",
            "عمر الخيام",
            "李白",
            "Zoë 👩\u{200d}🔬",
            "O'Brien-Smith",
            "***",
        ] {
            assert_eq!(line(ok, 50).as_deref(), Ok(ok));
        }
        for invisible in [
            "\u{200b}\u{200b}",
            "\u{200d}",
            "\u{2060}",
            "\u{3164}",
            "\u{0301}",
        ] {
            assert_eq!(
                line(invisible, 50),
                Err("must contain at least one visible character".into()),
                "{invisible:?}"
            );
        }
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let name = format!("Ada {c}ecalevoL");
            assert!(line(&name, 50).unwrap_err().contains("direction"), "{c:?}");
            assert!(line(&c.to_string(), 50).is_err(), "{c:?}");
            let text = format!("vegan{c}");
            assert!(
                free_text(&text, 50).unwrap_err().contains("direction"),
                "{c:?}"
            );
        }
        for separator in [
            "Ada\u{2028}Lovelace",
            "Ada\u{2029}Lovelace",
            "Ada\u{85}Lovelace",
        ] {
            assert!(
                line(separator, 50).unwrap_err().contains("single line"),
                "{separator:?}"
            );
        }
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
