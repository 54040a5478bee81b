//! Typed identifiers: a delegate id cannot be passed where an organisation
//! id belongs. Each is a UUID (v7 for new records, so ids sort by creation)
//! held in its canonical lower-case hyphenated text, which is how it is
//! stored (`TEXT`) and sent (a JSON string).

use std::fmt;

/// Why a text is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a UUID")]
pub struct NotAnId;

/// Parses any UUID spelling into its canonical text.
fn canonical(s: &str) -> Result<String, NotAnId> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| NotAnId)
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub struct $name(String);

        impl $name {
            /// A new id (UUID v7: ordered by creation time).
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses a UUID in any accepted spelling.
            pub fn parse(s: &str) -> Result<Self, NotAnId> {
                canonical(s).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(u: uuid::Uuid) -> Self {
                Self(u.to_string())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = NotAnId;

            fn from_str(s: &str) -> Result<Self, NotAnId> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        $crate::db::sql::text_column!($name, $name::parse);
    )*};
}

id_type! {
    /// A user account.
    UserId;
    /// A local party or co-operative society.
    OrganisationId;
    /// A conference.
    ConferenceId;
    /// A registration (one booking of one or more delegates).
    RegistrationId;
    /// One delegate's place in a registration.
    DelegateId;
    /// A payment recorded against a registration.
    PaymentId;
    /// A motion, amendment, policy submission or nomination.
    SubmissionId;
    /// A late-submission extension.
    ExtensionId;
    /// An entry of the audit log.
    AuditId;
    /// An email in the outbox.
    EmailId;
    /// An invoice or credit note.
    InvoiceId;
    /// An item of a conference's programme.
    ProgrammeItemId;
    /// A block of hotel rooms held for a conference.
    RoomBlockId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_uuids() {
        let id = ConferenceId::parse("0190C0DE-0000-7000-8000-000000000001").unwrap();
        assert_eq!(id.as_str(), "0190c0de-0000-7000-8000-000000000001");
        assert_eq!(ConferenceId::parse("nope"), Err(NotAnId));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0190c0de-0000-7000-8000-000000000001\"");
        let back: ConferenceId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<DelegateId>("\"x\"").is_err());
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let a = RegistrationId::new();
        let b = RegistrationId::new();
        assert!(a < b);
    }
}
