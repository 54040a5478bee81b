//! The deadline rule as every endpoint applies it: the conference's date in
//! its zone, the organisation's extension, and a staff override that is
//! audited.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::error::ApiError;
use super::extract::Caller;
use crate::db::audit::{self, Subject};
use crate::db::conferences::Conference;
use crate::db::DbConnection;
use crate::domain::deadlines::{self, DeadlineKey, DeadlineOutcome};

#[allow(clippy::too_many_arguments)]
pub fn enforce(
    conn: &mut DbConnection,
    conference: &Conference,
    organisation_id: &str,
    key: DeadlineKey,
    caller: &Caller,
    late_override: bool,
    action: &str,
    now: DateTime<Utc>,
) -> Result<DeadlineOutcome, ApiError> {
    if late_override && !caller.is_staff() {
        return Err(ApiError::Forbidden("Only staff may act after a deadline."));
    }
    let extension = audit::extension(conn, &conference.id, organisation_id, key.as_str())?;
    let outcome = deadlines::check(
        now,
        conference.spec.timezone,
        key,
        conference.spec.deadlines.get(key),
        extension,
        late_override,
    )?;
    if outcome == DeadlineOutcome::Overridden {
        audit::log(
            conn,
            &caller.user_id,
            "late_override",
            Subject {
                conference_id: Some(&conference.id),
                organisation_id: Some(organisation_id),
                subject_id: None,
            },
            json!({"deadline": key.as_str(), "action": action}),
            now.naive_utc(),
        )?;
    }
    Ok(outcome)
}
