//! One person typed into a form (the portal's and the staff console's
//! substitution): what was typed, the person the registration rules make
//! of it, and its problems as the page shows them.

use crate::registrations::rules::{self, Person, PersonFields};
use crate::values::{FieldError, Problems as FieldProblems};
use crate::web::error::sentence;
use crate::web::fields::{Fields, Problems};

/// The form's inputs, in the order their problems are listed.
const INPUTS: [&str; 5] = [
    "name",
    "email",
    "dietary_requirements",
    "access_requirements",
    "region",
];

/// What was typed, kept to show again.
#[derive(Debug, Default, Clone)]
pub struct PersonForm {
    pub name: String,
    pub email: String,
    pub dietary: String,
    pub access: String,
    /// A society's delegate's own region ("": the society's, and always
    /// so where the form does not ask).
    pub region: String,
}

impl PersonForm {
    pub fn read(form: &Fields) -> Self {
        Self {
            name: form.get("name").to_owned(),
            email: form.get("email").to_owned(),
            dietary: form.get("dietary_requirements").to_owned(),
            access: form.get("access_requirements").to_owned(),
            region: form.get("region").to_owned(),
        }
    }

    /// The person, by the registration rules, or the problems to show
    /// beside the fields.
    pub fn parse(&self, regions: &[String]) -> Result<Person, Problems> {
        let mut p = FieldProblems::default();
        let fields = PersonFields {
            name: &self.name,
            email: &self.email,
            dietary_requirements: &self.dietary,
            access_requirements: &self.access,
            region: (!self.region.is_empty()).then_some(self.region.as_str()),
        };
        let person = rules::parse_person(&mut p, "", fields, regions);
        match (person, p.into_result()) {
            (Some(person), Ok(())) => Ok(person),
            (_, Err(errors)) => Err(problems(&errors)),
            (None, Ok(())) => {
                let mut problems = Problems::default();
                problems.general("Check the details and try again.");
                Err(problems)
            }
        }
    }
}

/// An operation's refusal of the person, beside the fields it names.
pub fn problems(errors: &[FieldError]) -> Problems {
    Problems::from_fields(errors, &INPUTS.map(str::to_owned), describe)
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "name" => "Name",
        "email" => "Email",
        "dietary_requirements" => "Dietary requirements",
        "access_requirements" => "Access requirements",
        "region" => "Region",
        _ => return sentence(message),
    };
    format!("{label} {message}")
}
