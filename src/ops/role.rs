//! Staff roles: what a staff account may do ([`StaffRole`], held as a
//! [`StaffRoles`] set on the [`Actor`](super::Actor)), and the marker types
//! a handler names in its extractor (`Staff<role::Finance>`,
//! `StaffUser<role::Conference>`, …) so that the role an endpoint or page
//! needs is stated in its signature and checked before its body is read.
//!
//! `admin` is the full role: it may do everything the other four may, and
//! its own area is accounts and configuration. The other four are least
//! privilege and grant only their area (docs/security.md has the table).

use std::collections::BTreeSet;

use crate::db::sql::{text_column, text_enum};

text_enum! {
    /// One staff role.
    #[derive(PartialOrd, Ord)]
    pub enum StaffRole {
        /// Accounts and configuration, and everything the other roles may do.
        Admin = "admin",
        /// Conferences, organisations, submissions, extensions, registrations.
        Conference = "conference",
        /// Payments, refunds, invoices.
        Finance = "finance",
        /// Badges, check-in, delegate lists without requirements.
        Credentials = "credentials",
        /// Subject access, erasure, the retention report.
        DataProtection = "data_protection",
    }
}

/// The roles of one staff account: never empty, each role once, stored as
/// their texts in declaration order joined by commas (`admin`,
/// `conference,finance`) and sent as a list.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct StaffRoles {
    roles: BTreeSet<StaffRole>,
    /// The stored text, kept with the set it was made from.
    text: String,
}

impl StaffRoles {
    /// The roles given, or `None` when there are none.
    pub fn new(roles: impl IntoIterator<Item = StaffRole>) -> Option<Self> {
        let roles: BTreeSet<_> = roles.into_iter().collect();
        let text = roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        (!roles.is_empty()).then_some(Self { roles, text })
    }

    /// The default for a new staff account, and what existing staff
    /// accounts became: `admin`.
    pub fn admin() -> Self {
        Self::only(StaffRole::Admin)
    }

    pub fn only(role: StaffRole) -> Self {
        Self::new([role]).expect("one role")
    }

    /// Whether the account holds this role itself.
    pub fn holds(&self, role: StaffRole) -> bool {
        self.roles.contains(&role)
    }

    /// Whether these roles permit what `role` permits: holding it, or
    /// holding `admin`.
    pub fn permit(&self, role: StaffRole) -> bool {
        self.holds(StaffRole::Admin) || self.holds(role)
    }

    /// Whether these roles permit any of `roles`.
    pub fn permit_any(&self, roles: &[StaffRole]) -> bool {
        roles.iter().any(|r| self.permit(*r))
    }

    pub fn iter(&self) -> impl Iterator<Item = StaffRole> + '_ {
        self.roles.iter().copied()
    }

    /// The stored text: `conference,finance`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The roles a stored text names.
    pub fn parse(s: &str) -> Option<Self> {
        let roles: Option<Vec<_>> = s.split(',').map(StaffRole::parse).collect();
        Self::new(roles?)
    }
}

impl std::fmt::Display for StaffRoles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sent as a list: `["conference", "finance"]`.
impl serde::Serialize for StaffRoles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for StaffRoles {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let roles = Vec::<StaffRole>::deserialize(d)?;
        Self::new(roles).ok_or_else(|| serde::de::Error::custom("at least one role"))
    }
}

text_column!(StaffRoles, |s: &str| StaffRoles::parse(s).ok_or(()));

/// Which staff roles a handler admits: a marker type named in its
/// extractor (`Staff<role::Finance>`). Organisation users are not staff
/// and are never admitted by a staff extractor.
pub trait Needs: 'static {
    /// Any of these (or `admin`) admits a staff member.
    const ROLES: &'static [StaffRole];
}

macro_rules! needs {
    ($($(#[$meta:meta])* $name:ident => [$($role:ident),*];)+) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Needs for $name {
                const ROLES: &'static [StaffRole] = &[$(StaffRole::$role),*];
            }
        )+
    };
}

needs! {
    /// Accounts and configuration (users, the outbox, the audit log).
    Admin => [Admin];
    /// Conferences, organisations, submissions, extensions, registrations.
    Conference => [Conference];
    /// Payments, refunds, invoices.
    Finance => [Finance];
    /// Badges and check-in.
    Credentials => [Credentials];
    /// Subject access, erasure, the retention report.
    DataProtection => [DataProtection];
    /// Registrations read and figures: conference or finance.
    ConferenceOrFinance => [Conference, Finance];
    /// The delegate lists: conference, or credentials (which see them
    /// without dietary and access requirements).
    ConferenceOrCredentials => [Conference, Credentials];
    /// Every staff member, whatever their roles (the console's home,
    /// conferences read, signing out).
    AnyStaff => [Admin, Conference, Finance, Credentials, DataProtection];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_stored_in_one_order_each_once() {
        let r = StaffRoles::new([
            StaffRole::Finance,
            StaffRole::Conference,
            StaffRole::Finance,
        ])
        .unwrap();
        assert_eq!(r.as_str(), "conference,finance");
        assert_eq!(StaffRoles::parse("conference,finance"), Some(r));
        assert_eq!(StaffRoles::parse(""), None);
        assert_eq!(StaffRoles::parse("admin,root"), None);
        assert_eq!(StaffRoles::new([]), None);
    }

    #[test]
    fn admin_permits_every_area_and_the_others_only_their_own() {
        let admin = StaffRoles::admin();
        assert!(StaffRole::ALL.iter().all(|r| admin.permit(*r)));
        let finance = StaffRoles::only(StaffRole::Finance);
        assert!(finance.permit(StaffRole::Finance));
        assert!(!finance.permit(StaffRole::Admin));
        assert!(!finance.permit(StaffRole::Conference));
        assert!(finance.permit_any(ConferenceOrFinance::ROLES));
        assert!(!finance.permit_any(ConferenceOrCredentials::ROLES));
        assert!(StaffRoles::only(StaffRole::DataProtection).permit_any(AnyStaff::ROLES));
    }
}
