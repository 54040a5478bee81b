//! Organisation operations: create (staff), list and read (staff: all; an
//! organisation's users: their own).

use serde::Serialize;

use super::rules::{self, ImportRow, NewOrganisation};
pub use super::store::ListFilter;
use super::store::{self, OrganisationRow};
use super::OrganisationKind;
use crate::db::{self, DbConnection};
use crate::ids::OrganisationId;
use crate::ops::{Actor, Command, Ctx, Error};
use crate::values::FieldError;

/// A new organisation (staff).
#[derive(Debug, Serialize)]
pub struct CreateOrganisation(pub NewOrganisation);

impl Command for CreateOrganisation {
    type Output = OrganisationRow;
    const NAME: &'static str = "create_organisation";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<OrganisationRow, Error> {
        ctx.actor.require_staff()?;
        let o = self.0;
        let row = OrganisationRow {
            id: OrganisationId::new(),
            name: o.name,
            kind: o.kind,
            region: o.region.into_inner(),
            contact_email: o.contact_email.into_inner(),
            created_at: ctx.now.naive_utc(),
            deactivated_at: None,
            billing_address: o.billing_address,
        };
        match store::insert(conn, &row) {
            Ok(()) => Ok(row),
            Err(e) if db::is_unique_violation(&e) => Err(Error::Conflict(
                "An organisation with this name already exists.".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }
}

/// The organisations the actor may see, newest first (`limit + 1` rows):
/// staff any (searched and filtered), an organisation user its own.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    mut filter: ListFilter,
    limit: i64,
    cursor: Option<&OrganisationId>,
) -> Result<Vec<OrganisationRow>, Error> {
    if let Some(own) = actor.organisation() {
        filter = ListFilter {
            only: Some(own.clone()),
            include_inactive: true,
            ..ListFilter::default()
        };
    }
    Ok(store::list(conn, &filter, limit, cursor)?)
}

/// One organisation: staff, or its own users (not found for others).
pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &OrganisationId,
) -> Result<OrganisationRow, Error> {
    if !actor.may_act_for(id) {
        return Err(Error::NotFound);
    }
    store::get(conn, id)?.ok_or(Error::NotFound)
}

/// An organisation a request acts for: a field error when there is none,
/// and refused when it has been deactivated.
pub fn named(conn: &mut DbConnection, id: &OrganisationId) -> Result<OrganisationRow, Error> {
    let o = store::get(conn, id)?
        .ok_or_else(|| Error::validation("organisation_id", "no such organisation"))?;
    if o.deactivated_at.is_some() {
        return Err(Error::Conflict(format!(
            "{} has been deactivated; reactivate it first.",
            o.name
        )));
    }
    Ok(o)
}

fn name_taken(e: diesel::result::Error) -> Error {
    if db::is_unique_violation(&e) {
        Error::Conflict("An organisation with this name already exists.".into())
    } else {
        e.into()
    }
}

/// Changes to an organisation (staff): any of its fields; the result is
/// checked as a new one would be.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OrganisationKind>,
    /// One of the configured regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Postal address printed on invoices; an empty string removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UpdateOrganisation {
    pub id: OrganisationId,
    pub patch: OrganisationPatch,
}

impl Command for UpdateOrganisation {
    type Output = OrganisationRow;
    const NAME: &'static str = "update_organisation";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<OrganisationRow, Error> {
        ctx.actor.require_staff()?;
        let existing = store::get(conn, &self.id)?.ok_or(Error::NotFound)?;
        let p = self.patch;
        let c = NewOrganisation::parse(
            p.name.as_deref().unwrap_or(&existing.name),
            p.kind.unwrap_or(existing.kind),
            p.region.as_deref().unwrap_or(&existing.region),
            p.contact_email
                .as_deref()
                .unwrap_or(&existing.contact_email),
            &ctx.settings.regions,
        )?;
        let billing_address = match p.billing_address.as_deref() {
            Some(a) => {
                rules::billing_address(a).map_err(|e| Error::validation("billing_address", e))?
            }
            None => existing.billing_address.clone(),
        };
        let row = OrganisationRow {
            billing_address,
            name: c.name,
            kind: c.kind,
            region: c.region.into_inner(),
            contact_email: c.contact_email.into_inner(),
            ..existing
        };
        store::update(conn, &row).map_err(name_taken)?;
        Ok(row)
    }
}

/// Deactivates an organisation, or reactivates it (staff). A deactivated
/// organisation's users cannot sign in, and nobody registers or submits
/// for it; what it already has is kept.
#[derive(Debug, Serialize)]
pub struct SetActive {
    pub id: OrganisationId,
    pub active: bool,
}

impl Command for SetActive {
    type Output = OrganisationRow;
    const NAME: &'static str = "set_organisation_active";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<OrganisationRow, Error> {
        ctx.actor.require_staff()?;
        let existing = store::get(conn, &self.id)?.ok_or(Error::NotFound)?;
        let row = OrganisationRow {
            deactivated_at: match (self.active, existing.deactivated_at) {
                (true, _) => None,
                (false, Some(at)) => Some(at),
                (false, None) => Some(ctx.now.naive_utc()),
            },
            ..existing
        };
        store::update(conn, &row)?;
        Ok(row)
    }
}

/// Many organisations at once from a checked import file (staff): all of
/// them, or none if any name is taken (any case).
#[derive(Debug, Serialize)]
pub struct ImportOrganisations {
    pub organisations: Vec<NewOrganisation>,
}

impl Command for ImportOrganisations {
    type Output = Vec<OrganisationRow>;
    const NAME: &'static str = "import_organisations";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<OrganisationRow>, Error> {
        ctx.actor.require_staff()?;
        let names: Vec<String> = self.organisations.iter().map(|o| o.name.clone()).collect();
        let taken = store::names_taken(conn, &names)?;
        if !taken.is_empty() {
            return Err(Error::Conflict(format!(
                "These organisations exist already: {}",
                taken.join(", ")
            )));
        }
        let mut created = Vec::with_capacity(self.organisations.len());
        for o in self.organisations {
            created.push(CreateOrganisation(o).apply(conn, ctx)?);
        }
        Ok(created)
    }
}

/// An import file checked against the stored organisations: its rows with
/// their problems, a taken name included. Nothing is saved.
pub fn preview_import(
    conn: &mut DbConnection,
    actor: &Actor,
    csv_text: &str,
    regions: &[String],
) -> Result<Vec<ImportRow>, Error> {
    actor.require_staff()?;
    let mut rows =
        rules::parse_import(csv_text, regions).map_err(|e| Error::validation("csv", e))?;
    let names: Vec<String> = rows
        .iter()
        .filter_map(|r| r.parsed.as_ref().map(|o| o.name.clone()))
        .collect();
    let taken: Vec<String> = store::names_taken(conn, &names)?
        .into_iter()
        .map(|n| n.to_lowercase())
        .collect();
    for row in &mut rows {
        if row
            .parsed
            .as_ref()
            .is_some_and(|o| taken.contains(&o.name.to_lowercase()))
        {
            row.errors.push(FieldError::new(
                "name",
                "an organisation with this name exists already",
            ));
            row.parsed = None;
        }
    }
    Ok(rows)
}
