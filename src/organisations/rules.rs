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
    /// Postal address for invoices, when given.
    pub billing_address: Option<String>,
}

/// Longest billing address, in characters.
pub const BILLING_ADDRESS_MAX_CHARS: usize = 500;

/// A billing address as typed: lines of text; blank means none.
pub fn billing_address(s: &str) -> Result<Option<String>, String> {
    let s = values::free_text(s, BILLING_ADDRESS_MAX_CHARS)?;
    let s = s.trim();
    Ok((!s.is_empty()).then(|| s.to_owned()))
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
            billing_address: None,
        })
    }
}

impl OrganisationKind {
    /// From the API's text or what people type in a spreadsheet ("Local
    /// party", "Co-operative society").
    pub fn from_words(s: &str) -> Option<Self> {
        let key: String = s
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        match key.as_str() {
            "local_party" | "party" | "local_co_operative_party" => Some(Self::LocalParty),
            "society" | "co_operative_society" | "cooperative_society" => Some(Self::Society),
            _ => None,
        }
    }
}

/// The columns an import file has, in any order, case-insensitive.
pub const IMPORT_COLUMNS: [&str; 4] = ["name", "kind", "region", "contact_email"];

/// Most rows one import takes.
pub const IMPORT_MAX_ROWS: usize = 2_000;

/// One line of an import file: what it would create, or what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportRow {
    /// The line of the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub contact_email: String,
    /// Problems with this row, by column; empty when it is good.
    pub errors: Vec<values::FieldError>,
    #[serde(skip)]
    pub parsed: Option<NewOrganisation>,
}

/// An import file read as rows, each checked on its own and against the
/// others (a name twice in the file is an error on the later line). The
/// file's own problems (no header, missing columns, too many rows) are
/// returned as the error.
pub fn parse_import(csv_text: &str, regions: &[String]) -> Result<Vec<ImportRow>, String> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the file is not CSV: {e}"))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(' ', "_"))
        .collect();
    let mut columns = [0usize; 4];
    for (i, name) in IMPORT_COLUMNS.iter().enumerate() {
        columns[i] = header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "the first line must name the columns: {}",
                IMPORT_COLUMNS.join(", ")
            )
        })?;
    }
    let mut rows: Vec<ImportRow> = Vec::new();
    for record in reader.records() {
        if rows.len() == IMPORT_MAX_ROWS {
            return Err(format!(
                "at most {IMPORT_MAX_ROWS} organisations may be imported at once"
            ));
        }
        let record = record.map_err(|e| format!("the file is not CSV: {e}"))?;
        // The line the record starts on in the file, blank lines counted.
        // (A record's position can be where the blank lines before it start.)
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let line = 1 + text.as_bytes()[..start.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |i: usize| record.get(columns[i]).unwrap_or("").to_owned();
        let (name, kind, region, contact_email) = (cell(0), cell(1), cell(2), cell(3));
        let mut errors = Vec::new();
        let parsed = match OrganisationKind::from_words(&kind) {
            None => {
                errors.push(values::FieldError::new(
                    "kind",
                    "must be local_party or society",
                ));
                None
            }
            Some(k) => match NewOrganisation::parse(&name, k, &region, &contact_email, regions) {
                Ok(o) => Some(o),
                Err(e) => {
                    errors.extend(e);
                    None
                }
            },
        };
        if let Some(o) = &parsed {
            let key = o.name.to_lowercase();
            if let Some(first) = rows.iter().find(|r| {
                r.parsed
                    .as_ref()
                    .is_some_and(|p| p.name.to_lowercase() == key)
            }) {
                errors.push(values::FieldError::new(
                    "name",
                    format!("is already on line {}", first.line),
                ));
            }
        }
        rows.push(ImportRow {
            line,
            parsed: if errors.is_empty() { parsed } else { None },
            name,
            kind,
            region,
            contact_email,
            errors,
        });
    }
    Ok(rows)
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

#[cfg(test)]
mod import_tests {
    use super::*;

    fn regions() -> Vec<String> {
        vec!["Wales".to_owned(), "London".to_owned()]
    }

    #[test]
    fn an_import_file_is_read_row_by_row() {
        let csv = "\u{feff}Name,Kind,Region,Contact email\n\
                   Cardiff Co-operative Party,Local party,Wales,sec@cardiff.example\n\
                   ,society,Atlantis,nope\n\
                   \n\
                   Islington Society,Co-operative society,London,sec@islington.example\n\
                   cardiff co-operative party,local_party,Wales,other@cardiff.example\n";
        let rows = parse_import(csv, &regions()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].line, 2);
        assert!(rows[0].errors.is_empty());
        assert_eq!(
            rows[0].parsed.as_ref().unwrap().kind,
            OrganisationKind::LocalParty
        );
        let bad: Vec<&str> = rows[1].errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(bad, ["name", "region", "contact_email"]);
        assert!(rows[1].parsed.is_none());
        assert_eq!(rows[2].line, 5, "blank lines count but are skipped");
        assert_eq!(
            rows[2].parsed.as_ref().unwrap().kind,
            OrganisationKind::Society
        );
        assert_eq!(rows[3].errors[0].message, "is already on line 2");
    }

    #[test]
    fn the_file_itself_must_be_an_import_file() {
        assert!(parse_import("name,kind\nx,y\n", &regions())
            .unwrap_err()
            .contains("contact_email"));
        let mut many = String::from("name,kind,region,contact_email\n");
        for i in 0..=IMPORT_MAX_ROWS {
            many.push_str(&format!("Org {i},society,Wales,o{i}@x.example\n"));
        }
        assert!(parse_import(&many, &regions())
            .unwrap_err()
            .contains("at most"));
    }
}
