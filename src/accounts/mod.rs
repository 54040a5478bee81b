//! Accounts: staff and organisation users, their sessions and login
//! throttling.

pub mod ops;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod web_sessions;

use crate::db::sql::text_enum;

// What kind of account a user has (`RoleName` in the API document).
text_enum! {
    #[schema(as = RoleName)]
    pub enum UserRole {
        Staff = "staff",
        Organisation = "organisation",
    }
}
