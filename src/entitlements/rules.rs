//! Entitlement rules: an organisation's entitlement is its own figure, or
//! else the conference's default, or else no limit; a registration that
//! would take its voting passes past it is refused whole. Pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::OrganisationId;
use crate::values::{FieldError, Problems};

/// The most organisations one request may name: far more than the
/// organisations a party has.
pub const MAX_ORGANISATIONS: usize = 5000;

/// The entitlement in force: the organisation's own, else the default;
/// `None`: no limit.
pub fn entitlement(own: Option<u32>, default: Option<u32>) -> Option<u32> {
    own.or(default)
}

/// Voting passes asked that would take an organisation past its entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "the organisation's entitlement is {entitlement} voting passes; it holds {used} and {asked} more were asked"
)]
pub struct Exceeded {
    pub entitlement: u32,
    pub used: u32,
    pub asked: u32,
}

/// Whether `asked` more voting passes fit the entitlement with `used` held.
pub fn check(entitlement: Option<u32>, used: u32, asked: u32) -> Result<(), Exceeded> {
    match entitlement {
        Some(e) if used.saturating_add(asked) > e => Err(Exceeded {
            entitlement: e,
            used,
            asked,
        }),
        _ => Ok(()),
    }
}

/// A conference's entitlements as set: the default, and each organisation
/// given its own figure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements {
    pub default: Option<u32>,
    pub organisations: BTreeMap<OrganisationId, u32>,
}

fn count(p: &mut Problems, field: &str, n: i64) -> Option<u32> {
    match u32::try_from(n) {
        Ok(n) if n <= i32::MAX as u32 => Some(n),
        _ => {
            p.push(
                field,
                format!("must be a whole number from 0 to {}", i32::MAX),
            );
            None
        }
    }
}

/// Checks a body of `PUT …/entitlements`: counts from 0, organisation ids
/// as UUIDs, each problem under `default` or `organisations.{id}`.
pub fn parse(
    default: Option<i64>,
    organisations: &BTreeMap<String, i64>,
) -> Result<Entitlements, Vec<FieldError>> {
    let mut p = Problems::default();
    if organisations.len() > MAX_ORGANISATIONS {
        p.push(
            "organisations",
            format!("at most {MAX_ORGANISATIONS} organisations"),
        );
    }
    let default = default.and_then(|n| count(&mut p, "default", n));
    let mut out = BTreeMap::new();
    for (id, n) in organisations {
        let field = format!("organisations.{id}");
        let id = p.take(&field, OrganisationId::parse(id));
        let n = count(&mut p, &field, *n);
        if let (Some(id), Some(n)) = (id, n) {
            out.insert(id, n);
        }
    }
    p.into_result()?;
    Ok(Entitlements {
        default,
        organisations: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organisations_own_figure_then_the_default_then_no_limit() {
        assert_eq!(entitlement(Some(5), Some(3)), Some(5));
        assert_eq!(entitlement(None, Some(3)), Some(3));
        assert_eq!(entitlement(Some(0), None), Some(0));
        assert_eq!(entitlement(None, None), None);
    }

    #[test]
    fn a_registration_past_the_entitlement_is_refused_with_the_figures() {
        assert!(check(Some(3), 2, 1).is_ok());
        assert!(check(None, 1000, 50).is_ok());
        assert_eq!(
            check(Some(3), 2, 2),
            Err(Exceeded {
                entitlement: 3,
                used: 2,
                asked: 2
            })
        );
        // An entitlement lowered below what is held refuses any more.
        assert!(check(Some(1), 4, 1).is_err());
    }

    #[test]
    fn bodies_are_checked_with_field_paths() {
        let id = OrganisationId::new();
        let ok = parse(Some(3), &[(id.to_string(), 5)].into()).unwrap();
        assert_eq!(ok.default, Some(3));
        assert_eq!(ok.organisations[&id], 5);
        let errors = parse(
            Some(-1),
            &[("nope".to_owned(), 2), (id.to_string(), -4)].into(),
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0], "default");
        assert!(fields.contains(&"organisations.nope".to_owned()));
        assert!(fields.contains(&format!("organisations.{id}")));
    }
}
