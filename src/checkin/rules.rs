//! Check-in codes and the desk's answers. Pure: no I/O, no clock.
//!
//! A badge's code is the delegate's id (16 bytes), how many times the place
//! has changed hands (4 bytes, big-endian) and the first 16 bytes (128 bits)
//! of an HMAC-SHA256 over both with the server's secret, written in
//! RFC 4648 base32 without padding: 58 characters of `A`–`Z` and `2`–`7`,
//! which a QR code holds in its compact alphanumeric mode. It carries no
//! name or email; without the secret it cannot be made or altered.

use chrono::NaiveDateTime;
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::ids::DelegateId;
use crate::registrations::rules::DelegateStatus;
use crate::values::FieldError;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a code (128 bits).
pub const MAC_BYTES: usize = 16;
const PAYLOAD_BYTES: usize = 16 + 4;
/// Characters in a code.
pub const CODE_CHARS: usize = (PAYLOAD_BYTES + MAC_BYTES) * 8 / 5 + 1;
/// Separates the MAC's purpose from other uses of the same key.
const DOMAIN: &[u8] = b"plenary check-in v1\0";

/// What a well-formed, authentic code names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeCode {
    pub delegate_id: DelegateId,
    /// The place's substitution count when the badge was printed.
    pub substitutions: i32,
}

/// A code that is not one this server made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("is not a badge code issued by this server")]
pub struct Forged;

fn mac(secret: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(DOMAIN);
    mac.update(payload);
    mac
}

fn payload(delegate_id: &DelegateId, substitutions: i32) -> [u8; PAYLOAD_BYTES] {
    let id = Uuid::parse_str(delegate_id.as_str()).expect("a delegate id is a UUID");
    let mut out = [0u8; PAYLOAD_BYTES];
    out[..16].copy_from_slice(id.as_bytes());
    out[16..].copy_from_slice(&substitutions.to_be_bytes());
    out
}

/// The check-in code printed on a badge.
pub fn code(secret: &[u8], delegate_id: &DelegateId, substitutions: i32) -> String {
    let payload = payload(delegate_id, substitutions);
    let tag = mac(secret, &payload).finalize().into_bytes();
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&tag[..MAC_BYTES]);
    BASE32_NOPAD.encode(&bytes)
}

/// Reads a code as scanned or typed (any case; spaces and hyphens
/// ignored), checking its MAC in constant time.
pub fn read(secret: &[u8], typed: &str) -> Result<BadgeCode, Forged> {
    let cleaned: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.len() != CODE_CHARS {
        return Err(Forged);
    }
    let bytes = BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .map_err(|_| Forged)?;
    let (payload, tag) = bytes.split_at(PAYLOAD_BYTES);
    mac(secret, payload)
        .verify_truncated_left(tag)
        .map_err(|_| Forged)?;
    let id = Uuid::from_slice(&payload[..16]).map_err(|_| Forged)?;
    let substitutions = i32::from_be_bytes(payload[16..].try_into().map_err(|_| Forged)?);
    Ok(BadgeCode {
        delegate_id: DelegateId::from(id),
        substitutions,
    })
}

/// What the desk was shown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Presented {
    /// A badge's code, scanned or typed.
    Code(String),
    /// A booking reference and the delegate's name.
    Booking { reference: String, name: String },
}

impl Presented {
    /// A code, or a reference with a name (blank counts as not given).
    pub fn from_fields(
        code: Option<String>,
        reference: Option<String>,
        name: Option<String>,
    ) -> Result<Self, Vec<FieldError>> {
        let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        match (given(code), given(reference), given(name)) {
            (Some(code), None, None) => Ok(Presented::Code(code)),
            (None, Some(reference), Some(name)) => Ok(Presented::Booking { reference, name }),
            (Some(_), _, _) => Err(vec![FieldError::new(
                "code",
                "give either a code or a booking reference and name, not both",
            )]),
            (None, reference, name) => {
                Err(
                    [("reference", reference.is_none()), ("name", name.is_none())]
                        .into_iter()
                        .filter(|(_, missing)| *missing)
                        .map(|(field, _)| {
                            FieldError::new(field, "is required when no badge code is given")
                        })
                        .collect(),
                )
            }
        }
    }
}

/// Why the desk turns someone away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The place was cancelled.
    Cancelled { name: String },
    /// The badge was printed for someone since replaced by another person.
    SubstitutedOut,
}

impl Refusal {
    pub fn reason(&self) -> String {
        match self {
            Refusal::Cancelled { name } => {
                format!("{name}'s place has been cancelled: do not admit on this booking.")
            }
            Refusal::SubstitutedOut => "This badge was printed for someone who has since been \
                 replaced by another person on the booking: do not admit; the new delegate \
                 has their own badge."
                .into(),
        }
    }
}

/// Whether a place may check in: active, and (for a badge) printed for the
/// person who holds it now.
pub fn admit(
    status: DelegateStatus,
    name: &str,
    substitutions_now: i32,
    badge: Option<&BadgeCode>,
) -> Result<(), Refusal> {
    if status == DelegateStatus::Cancelled {
        return Err(Refusal::Cancelled { name: name.into() });
    }
    match badge {
        Some(b) if b.substitutions < substitutions_now => Err(Refusal::SubstitutedOut),
        _ => Ok(()),
    }
}

/// A name as the desk compares it: Unicode NFC, case-folded, spaces
/// collapsed.
pub fn name_key(name: &str) -> String {
    name.nfc()
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The delegate of a booking a typed name means: an active one of that
/// name first, otherwise a cancelled one (so the desk can say why).
pub fn by_name<'a, T>(
    delegates: &'a [T],
    typed: &str,
    name: impl Fn(&T) -> &str,
    status: impl Fn(&T) -> DelegateStatus,
) -> Option<&'a T> {
    let key = name_key(typed);
    let same = |d: &&T| name_key(name(d)) == key;
    delegates
        .iter()
        .filter(same)
        .find(|d| status(d) == DelegateStatus::Active)
        .or_else(|| delegates.iter().find(same))
}

/// The attendance CSV's header row.
pub const ATTENDANCE_COLUMNS: [&str; 6] = [
    "name",
    "organisation",
    "pass",
    "dinner",
    "reference",
    "checked_in_at",
];

/// An attendance row's cells: `checked_in_at` as RFC 3339 in the
/// conference's zone, blank for those not arrived; text neutralised for
/// spreadsheets.
pub fn attendance_cells(
    name: &str,
    organisation: &str,
    pass: &str,
    dinner: bool,
    reference: &str,
    checked_in_at: Option<NaiveDateTime>,
    tz: chrono_tz::Tz,
) -> [String; 6] {
    use crate::exports::rules::neutralise;
    [
        neutralise(name).into_owned(),
        neutralise(organisation).into_owned(),
        neutralise(pass).into_owned(),
        dinner.to_string(),
        neutralise(reference).into_owned(),
        checked_in_at.map_or_else(String::new, |t| {
            t.and_utc()
                .with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }),
    ]
}

/// When and where the dinner is, as a badge prints it beside the dinner
/// mark: "Sat 10 Sep, 19:30, Cardiff City Hall" (the conference's clock).
pub fn dinner_details(starts_at: chrono::NaiveDateTime, place: &str) -> String {
    let when = starts_at.format("%a %-d %b, %H:%M");
    match place.trim() {
        "" => when.to_string(),
        place => format!("{when}, {place}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dinner_is_when_and_where() {
        let at = chrono::NaiveDate::from_ymd_opt(2016, 9, 10)
            .unwrap()
            .and_hms_opt(19, 30, 0)
            .unwrap();
        assert_eq!(
            dinner_details(at, "Cardiff City Hall"),
            "Sat 10 Sep, 19:30, Cardiff City Hall"
        );
        assert_eq!(dinner_details(at, " "), "Sat 10 Sep, 19:30");
    }

    const SECRET: &[u8] = b"a check-in secret of thirty-two characters or more";

    fn id() -> DelegateId {
        DelegateId::parse("0190f5c2-1d3e-7a4b-8c5d-6e7f8091a2b3").unwrap()
    }

    #[test]
    fn a_code_reads_back_to_its_delegate() {
        let c = code(SECRET, &id(), 2);
        assert_eq!(c.len(), CODE_CHARS);
        assert!(c
            .chars()
            .all(|ch| ch.is_ascii_uppercase() || ('2'..='7').contains(&ch)));
        assert_eq!(
            read(SECRET, &c),
            Ok(BadgeCode {
                delegate_id: id(),
                substitutions: 2
            })
        );
    }

    #[test]
    fn typed_codes_forgive_case_spaces_and_hyphens() {
        let c = code(SECRET, &id(), 0);
        let typed = format!(" {}-{} ", &c[..20].to_lowercase(), &c[20..]);
        assert_eq!(read(SECRET, &typed).unwrap().delegate_id, id());
    }

    #[test]
    fn the_code_holds_neither_the_raw_id_nor_anything_readable() {
        let c = code(SECRET, &id(), 0);
        assert!(!c.contains(id().as_str()));
        assert!(!c.to_lowercase().contains("0190f5c2"));
    }

    #[test]
    fn altered_codes_are_refused() {
        let c = code(SECRET, &id(), 0);
        for at in [0, 10, 30, CODE_CHARS - 1] {
            let mut altered: Vec<char> = c.chars().collect();
            altered[at] = if altered[at] == 'A' { 'B' } else { 'A' };
            let altered: String = altered.into_iter().collect();
            assert_eq!(read(SECRET, &altered), Err(Forged), "changed at {at}");
        }
    }

    #[test]
    fn a_code_for_another_place_or_version_cannot_be_made_without_the_secret() {
        let real = code(SECRET, &id(), 0);
        // The same payload with another key's MAC.
        assert_eq!(
            read(SECRET, &code(b"another secret entirely", &id(), 0)),
            Err(Forged)
        );
        // Bumping the substitution count in the payload breaks the MAC.
        let mut bytes = BASE32_NOPAD.decode(real.as_bytes()).unwrap();
        bytes[19] = 1;
        assert_eq!(read(SECRET, &BASE32_NOPAD.encode(&bytes)), Err(Forged));
    }

    #[test]
    fn garbage_is_refused() {
        for typed in ["", "PL-ABC123", "not a code", &"A".repeat(CODE_CHARS), "😀"] {
            assert_eq!(read(SECRET, typed), Err(Forged), "{typed}");
        }
    }

    #[test]
    fn the_desk_is_shown_a_code_or_a_reference_and_name() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            Presented::from_fields(s("ABC"), None, s(" ")),
            Ok(Presented::Code("ABC".into()))
        );
        assert_eq!(
            Presented::from_fields(None, s("PL-1"), s("Ada")),
            Ok(Presented::Booking {
                reference: "PL-1".into(),
                name: "Ada".into()
            })
        );
        let fields = |r: Result<Presented, Vec<FieldError>>| -> Vec<String> {
            r.unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(
            fields(Presented::from_fields(None, None, None)),
            ["reference", "name"]
        );
        assert_eq!(
            fields(Presented::from_fields(None, s("PL-1"), None)),
            ["name"]
        );
        assert_eq!(
            fields(Presented::from_fields(s("A"), s("PL-1"), s("Ada"))),
            ["code"]
        );
    }

    #[test]
    fn cancelled_and_substituted_out_are_refused() {
        let badge = BadgeCode {
            delegate_id: id(),
            substitutions: 0,
        };
        assert!(admit(DelegateStatus::Active, "Ada", 0, Some(&badge)).is_ok());
        assert!(admit(DelegateStatus::Active, "Ada", 1, None).is_ok());
        assert_eq!(
            admit(DelegateStatus::Active, "Ada", 1, Some(&badge)),
            Err(Refusal::SubstitutedOut)
        );
        let refused = admit(DelegateStatus::Cancelled, "Ada", 0, Some(&badge)).unwrap_err();
        assert!(refused.reason().contains("cancelled"));
    }

    #[test]
    fn names_match_as_people_type_them() {
        assert_eq!(name_key("  Ada   LOVELACE "), "ada lovelace");
        assert_eq!(name_key("Zoe\u{0301}"), name_key("Zo\u{00e9}"));
        let people = [
            ("Ada Lovelace", DelegateStatus::Cancelled),
            ("Ada Lovelace", DelegateStatus::Active),
            ("Mary Somerville", DelegateStatus::Cancelled),
        ];
        let pick = |typed| by_name(&people, typed, |p| p.0, |p| p.1);
        assert_eq!(pick("ada lovelace").unwrap().1, DelegateStatus::Active);
        assert_eq!(
            pick("mary somerville").unwrap().1,
            DelegateStatus::Cancelled
        );
        assert!(pick("Charles Babbage").is_none());
    }

    #[test]
    fn attendance_cells_leave_the_time_blank_until_arrival() {
        let tz = chrono_tz::Europe::London;
        let at = chrono::NaiveDate::from_ymd_opt(2016, 9, 9)
            .unwrap()
            .and_hms_opt(8, 30, 0)
            .unwrap();
        let cells = attendance_cells("=Ada", "Cardiff", "Visitor", true, "PL-1", Some(at), tz);
        assert_eq!(cells[0], "'=Ada");
        assert_eq!(cells[5], "2016-09-09T09:30:00+01:00");
        assert_eq!(cells[2], "Visitor");
        assert_eq!(
            attendance_cells("Ada", "C", "Delegate", false, "PL-1", None, tz)[5],
            ""
        );
    }
}
