//! `/staff/audit`: the audit log of what staff (and organisations, for
//! withdrawals) changed, newest first, narrowed by conference, action and
//! person. The operation is the API's `audit::list`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono_tz::Tz;
use serde::Deserialize;

use super::pick::{self, People};
use crate::audit::{self, AuditAction, AuditRow, ListFilter};
use crate::ids::{ConferenceId, UserId};
use crate::ops::role;
use crate::web::error::PageError;
use crate::web::fields::Problems;
use crate::web::format;
use crate::web::pages::{render, Choice, Choices, Chrome};
use crate::web::session::{self, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/audit", web::get().to(list));
}

/// Entries shown on one page (the newest).
const PAGE: i64 = 200;

/// What people call an action.
pub fn action_label(a: AuditAction) -> &'static str {
    match a {
        AuditAction::LateOverride => "Late override",
        AuditAction::ExtensionGranted => "Extension granted",
        AuditAction::DelegateSubstituted => "Delegate substituted",
        AuditAction::DelegateCancelled => "Delegate cancelled",
        AuditAction::SubmissionReviewed => "Submission reviewed",
        AuditAction::DuplicateAllowed => "Duplicate place allowed",
        AuditAction::OverpaymentRecorded => "Overpayment recorded",
        AuditAction::RefundRecorded => "Refund recorded",
        AuditAction::InvoiceIssued => "Invoice issued",
        AuditAction::DelegateCheckedIn => "Delegate checked in",
        AuditAction::RolesChanged => "Staff roles changed",
        AuditAction::SubjectAccess => "Subject access request answered",
        AuditAction::PersonalDataErased => "Personal data erased",
        AuditAction::PrivacyNoticePublished => "Privacy notice published",
        AuditAction::EntitlementsSet => "Entitlements set",
        AuditAction::EntitlementOverride => "Entitlement overridden",
    }
}

/// An entry's detail as words: each field but the ids, `name: value`.
pub fn detail_text(detail: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(detail) else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(k, v)| !k.ends_with("_id") && !v.is_null())
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => {
                    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                        Ok(d) => format::short_date(d),
                        Err(_) => s.replace('_', " "),
                    }
                }
                serde_json::Value::Bool(true) => "yes".into(),
                serde_json::Value::Bool(false) => "no".into(),
                other => other.to_string(),
            };
            format!("{}: {v}", k.replace('_', " "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One audit entry as a table row.
#[derive(Debug, Clone)]
pub struct Entry {
    pub when: String,
    pub action: &'static str,
    pub late: bool,
    pub who: String,
    pub organisation: String,
    pub detail: String,
}

pub fn entry(
    a: &AuditRow,
    people: &People,
    organisation: Option<&String>,
    tz: Option<Tz>,
) -> Entry {
    let at = a.created_at.and_utc();
    Entry {
        when: format::instant(at, tz.unwrap_or(chrono_tz::Europe::London)),
        action: action_label(a.action),
        late: a.action != AuditAction::LateOverride && a.detail.contains("\"late_override\":true"),
        who: people.name(&a.actor_id),
        organisation: organisation.cloned().unwrap_or_default(),
        detail: detail_text(&a.detail),
    }
}

#[derive(Deserialize)]
struct Query {
    conference_id: Option<String>,
    action: Option<String>,
    actor: Option<String>,
}

#[derive(Template)]
#[template(path = "web/staff/audit.html")]
struct AuditPage {
    chrome: Chrome,
    problems: Problems,
    conference: Choices,
    action: Choices,
    actor: Choices,
    entries: Vec<Entry>,
    more: bool,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Admin>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let mut problems = Problems::default();
    let conference_id = match pick::value(&q.conference_id) {
        "" => None,
        c => match ConferenceId::parse(c) {
            Ok(c) => Some(c),
            Err(_) => {
                problems.field("conference_id", "Choose a conference from the list");
                None
            }
        },
    };
    let action = match pick::value(&q.action) {
        "" => None,
        a => AuditAction::parse(a).or_else(|| {
            problems.field("action", "Choose an action from the list");
            None
        }),
    };
    let actor_id = match pick::value(&q.actor) {
        "" => None,
        u => UserId::parse(u).ok().or_else(|| {
            problems.field("actor", "Choose a person from the list");
            None
        }),
    };
    let actor = session.actor().clone();
    let filter = ListFilter {
        conference_id,
        action,
        actor_id,
        subjects: Vec::new(),
    };
    let ok = problems.is_empty();
    let (rows, conferences, organisations, people) = state
        .db(move |conn| {
            let rows = if ok {
                audit::list(conn, &actor, &filter, PAGE, None)?
            } else {
                Vec::new()
            };
            Ok((
                rows,
                pick::conferences(conn)?,
                pick::organisations(conn, &actor)?,
                pick::people(conn, &actor)?,
            ))
        })
        .await?;
    let names = pick::organisation_names(&organisations);
    let zones: std::collections::HashMap<_, _> = conferences
        .iter()
        .map(|c| (c.id.clone(), c.spec.timezone))
        .collect();
    let more = rows.len() > PAGE as usize;
    let entries = rows
        .iter()
        .take(PAGE as usize)
        .map(|a| {
            let org = a.organisation_id.as_ref().and_then(|o| names.get(o));
            let tz = a.conference_id.as_ref().and_then(|c| zones.get(c)).copied();
            entry(a, &people, org, tz)
        })
        .collect();
    let action_value = pick::value(&q.action);
    let mut actions = vec![Choice::new("", "Any action", action_value)];
    actions.extend(
        AuditAction::ALL
            .iter()
            .map(|a| Choice::new(a.as_str(), action_label(*a), action_value)),
    );
    let actor_value = pick::value(&q.actor);
    let mut actors = vec![Choice::new("", "Anyone", actor_value)];
    actors.extend(
        people
            .staff
            .iter()
            .map(|(id, name)| Choice::new(&id.to_string(), name, actor_value)),
    );
    let title = if problems.is_empty() {
        "Audit log"
    } else {
        "Error: Audit log"
    };
    render(&AuditPage {
        chrome: Chrome::signed_in(title, &session),
        conference: pick::conference_choices(
            &conferences,
            pick::value(&q.conference_id),
            Some("All conferences"),
            &problems,
        ),
        action: Choices::new("action", "Action", actions, &problems),
        actor: Choices::new("actor", "Person", actors, &problems),
        problems,
        entries,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_as_words() {
        assert_eq!(
            detail_text(
                r#"{"deadline":"policy_submissions","until":"2016-08-15","registration_id":"x","reason":null}"#
            ),
            "deadline: policy submissions; until: 15 August 2016"
        );
        assert_eq!(
            detail_text(r#"{"late_override":true}"#),
            "late override: yes"
        );
        assert_eq!(detail_text("not json"), "");
    }
}
