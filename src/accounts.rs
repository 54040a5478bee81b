//! Creating accounts, shared by the API and the `create-staff` command.

use chrono::NaiveDateTime;

use crate::db::users::UserRow;
use crate::db::{self, is_unique_violation, DbConnection};
use crate::domain::values::EmailAddress;
use crate::security;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Hashes the password (argon2id) and stores the account. The password must
/// already satisfy [`security::check_password_policy`].
pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    role: &str,
    organisation_id: Option<String>,
    password: &str,
    now: NaiveDateTime,
) -> Result<UserRow, AccountError> {
    let password_hash =
        security::hash_password(password).map_err(|e| AccountError::Hash(e.to_string()))?;
    let row = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.normalised(),
        name: name.to_owned(),
        role: role.to_owned(),
        organisation_id,
        password_hash,
        created_at: now,
    };
    match db::users::insert(conn, &row) {
        Ok(()) => Ok(row),
        Err(e) if is_unique_violation(&e) => Err(AccountError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}
