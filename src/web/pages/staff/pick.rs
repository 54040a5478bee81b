//! What the desk pages share: the conference a list is about (chosen in a
//! select, the newest by default), the organisations and people named in
//! filters, and query values read leniently (a blank select is "any").

use std::collections::HashMap;

use crate::accounts::UserRole;
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, OrganisationId, UserId};
use crate::ops::{Actor, Error};
use crate::organisations::store::ListFilter;
use crate::organisations::{self, OrganisationRow};
use crate::web::fields::Problems;
use crate::web::pages::{Choice, Choices};

/// Conferences, organisations and accounts a console list names at most.
pub const MANY: i64 = 500;

/// Every conference, newest first.
pub fn conferences(conn: &mut DbConnection) -> Result<Vec<Conference>, Error> {
    let mut all = conferences::ops::list(conn, MANY, None)?;
    all.truncate(MANY as usize);
    Ok(all)
}

/// The conference asked for, or the newest; `None` when there is none
/// yet. An id that names no conference is "not found".
pub fn conference(all: &[Conference], asked: Option<&str>) -> Result<Option<Conference>, Error> {
    match asked.filter(|s| !s.is_empty()) {
        Some(id) => {
            let id = ConferenceId::parse(id).map_err(|_| Error::NotFound)?;
            all.iter()
                .find(|c| c.id == id)
                .cloned()
                .map(Some)
                .ok_or(Error::NotFound)
        }
        None => Ok(all.first().cloned()),
    }
}

/// The conference select of a filter form.
pub fn conference_choices(
    all: &[Conference],
    current: &str,
    any: Option<&str>,
    problems: &Problems,
) -> Choices {
    let mut choices: Vec<Choice> = any
        .map(|label| Choice::new("", label, current))
        .into_iter()
        .collect();
    choices.extend(
        all.iter()
            .map(|c| Choice::new(&c.id.to_string(), &c.spec.name, current)),
    );
    Choices::new("conference_id", "Conference", choices, problems)
}

/// Every organisation, active or not, by id.
pub fn organisations(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<OrganisationRow>, Error> {
    let filter = ListFilter {
        include_inactive: true,
        ..ListFilter::default()
    };
    let mut all = organisations::ops::list(conn, actor, filter, MANY, None)?;
    all.truncate(MANY as usize);
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

pub fn organisation_names(all: &[OrganisationRow]) -> HashMap<OrganisationId, String> {
    all.iter().map(|o| (o.id.clone(), o.name.clone())).collect()
}

/// An organisation select: "any" (or a prompt) first, then each by name.
pub fn organisation_choices(
    all: &[OrganisationRow],
    id: &str,
    label: &str,
    first: &str,
    current: &str,
    problems: &Problems,
) -> Choices {
    let mut choices = vec![Choice::new("", first, current)];
    choices.extend(
        all.iter()
            .map(|o| Choice::new(&o.id.to_string(), &o.name, current)),
    );
    Choices::new(id, label, choices, problems)
}

/// Every account's name, and the staff by name (who did what, and the
/// people an audit list can be narrowed to).
pub struct People {
    pub names: HashMap<UserId, String>,
    pub staff: Vec<(UserId, String)>,
}

impl People {
    pub fn name(&self, id: &UserId) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "A removed account".into())
    }
}

pub fn people(conn: &mut DbConnection, actor: &Actor) -> Result<People, Error> {
    let users = crate::accounts::ops::list(conn, actor, MANY, None)?;
    let mut staff: Vec<(UserId, String)> = users
        .iter()
        .filter(|u| u.role == UserRole::Staff)
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    staff.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(People {
        names: users.into_iter().map(|u| (u.id, u.name)).collect(),
        staff,
    })
}

/// A query value, or "" (a select left on "any").
pub fn value(v: &Option<String>) -> &str {
    v.as_deref().map_or("", str::trim)
}
