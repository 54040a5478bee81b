//! Organisation operations: create (staff), list and read (staff: all; an
//! organisation's users: their own).

use serde::Serialize;

use super::rules::NewOrganisation;
use super::store::{self, OrganisationRow};
use crate::db::{self, DbConnection};
use crate::ids::OrganisationId;
use crate::ops::{Actor, Command, Ctx, Error};

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

/// The organisations the actor may see, newest first (`limit + 1` rows).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    limit: i64,
    cursor: Option<&OrganisationId>,
) -> Result<Vec<OrganisationRow>, Error> {
    Ok(store::list(conn, actor.organisation(), limit, cursor)?)
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

/// An organisation that a staff member named in a request (a field error
/// when there is none).
pub fn named(conn: &mut DbConnection, id: &OrganisationId) -> Result<OrganisationRow, Error> {
    store::get(conn, id)?
        .ok_or_else(|| Error::validation("organisation_id", "no such organisation"))
}
