//! What an organisation is, and how a request for a new one is checked.

use crate::db::sql::text_enum;
use crate::values::{self, EmailAddress, Problems, Region};

/// Longest organisation name, in characters.
pub const NAME_MAX_CHARS: usize = 200;

text_enum! {
    pub enum OrganisationKind {
        LocalParty = "local_party",
        Society = "society",
    }
}

/// A new organisation's validated fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub region: Region,
    pub contact_email: EmailAddress,
}

impl NewOrganisation {
    /// Checks every field, reporting each problem by field name.
    pub fn parse(
        name: &str,
        kind: OrganisationKind,
        region: &str,
        contact_email: &str,
        regions: &[String],
    ) -> Result<Self, Vec<values::FieldError>> {
        let mut p = Problems::default();
        let name = p.take("name", values::line(name, NAME_MAX_CHARS));
        let region = p.take("region", Region::parse(region, regions));
        let contact_email = p.take("contact_email", EmailAddress::parse(contact_email));
        p.into_result()?;
        Ok(Self {
            name: name.expect("checked"),
            kind,
            region: region.expect("checked"),
            contact_email: contact_email.expect("checked"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_checked() {
        let regions = vec!["Wales".to_owned()];
        let ok = NewOrganisation::parse(
            " Cardiff ",
            OrganisationKind::LocalParty,
            "Wales",
            "sec@cardiff.example",
            &regions,
        )
        .unwrap();
        assert_eq!(ok.name, "Cardiff");
        let errors = NewOrganisation::parse("", OrganisationKind::Society, "Mars", "x", &regions)
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "region", "contact_email"]);
    }
}
