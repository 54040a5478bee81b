//! Business submitted for conference: the kinds, their deadlines and word
//! limits, their numbering, who may read them (the published agenda), the
//! text limits and the review workflow. Pure.

use serde::{Deserialize, Serialize};

use crate::conferences::spec::ConferenceSpec;
use crate::db::sql::text_enum;
use crate::deadlines::rules::{DeadlineKey, DeadlineOutcome};
use crate::values;

/// Longest title of a motion or policy submission, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest motion, amendment or policy text, in characters (the word limit,
/// where the conference sets one, usually bites long before).
pub const BODY_MAX_CHARS: usize = 50_000;
/// Longest CAC statement or award citation, in characters.
pub const STATEMENT_MAX_CHARS: usize = 10_000;
/// Longest nominee name, reason or composite name, in characters.
pub const LINE_MAX_CHARS: usize = 200;
/// Longest ruling reason, in characters.
pub const REASON_MAX_CHARS: usize = 2_000;

text_enum! {
    pub enum SubmissionKind {
        Motion = "motion",
        Amendment = "amendment",
        PolicySubmission = "policy_submission",
        CacNomination = "cac_nomination",
        AwardNomination = "award_nomination",
    }
}

impl SubmissionKind {
    /// The conference deadline this kind is submitted (and withdrawn) by.
    pub fn deadline(self) -> DeadlineKey {
        match self {
            SubmissionKind::Motion => DeadlineKey::Motions,
            SubmissionKind::Amendment => DeadlineKey::Amendments,
            SubmissionKind::PolicySubmission => DeadlineKey::PolicySubmissions,
            SubmissionKind::CacNomination => DeadlineKey::CacNominations,
            SubmissionKind::AwardNomination => DeadlineKey::AwardNominations,
        }
    }

    /// What people call it, for messages and emails.
    pub fn label(self) -> &'static str {
        match self {
            SubmissionKind::Motion => "motion",
            SubmissionKind::Amendment => "amendment",
            SubmissionKind::PolicySubmission => "policy submission",
            SubmissionKind::CacNomination => "CAC nomination",
            SubmissionKind::AwardNomination => "award nomination",
        }
    }

    /// The conference's word limit for this kind's text, if it sets one
    /// (nominations have none).
    pub fn word_limit(self, spec: &ConferenceSpec) -> Option<u32> {
        match self {
            SubmissionKind::Motion => spec.motion_word_limit,
            SubmissionKind::Amendment => spec.amendment_word_limit,
            SubmissionKind::PolicySubmission => spec.policy_word_limit,
            SubmissionKind::CacNomination | SubmissionKind::AwardNomination => None,
        }
    }

    /// Motions and amendments make up the agenda that every organisation
    /// may read once published.
    pub fn on_agenda(self) -> bool {
        matches!(self, SubmissionKind::Motion | SubmissionKind::Amendment)
    }

    /// The reference of the `number`th submission of this kind: `M3`, `P2`,
    /// `N4`, `AW1`; an amendment's carries its motion's (`M3A1`).
    pub fn reference(self, number: i32, motion_reference: Option<&str>) -> String {
        match self {
            SubmissionKind::Motion => format!("M{number}"),
            SubmissionKind::Amendment => {
                format!("{}A{number}", motion_reference.unwrap_or("M?"))
            }
            SubmissionKind::PolicySubmission => format!("P{number}"),
            SubmissionKind::CacNomination => format!("N{number}"),
            SubmissionKind::AwardNomination => format!("AW{number}"),
        }
    }
}

text_enum! {
    pub enum SubmissionStatus {
        Submitted = "submitted",
        Accepted = "accepted",
        RuledOut = "ruled_out",
        Composited = "composited",
        Withdrawn = "withdrawn",
    }
}

impl SubmissionStatus {
    /// Statuses that put a motion or amendment on the published agenda.
    pub const PUBLISHED: [SubmissionStatus; 2] =
        [SubmissionStatus::Accepted, SubmissionStatus::Composited];

    /// Still open to review (not yet decided for good).
    pub const OPEN: [SubmissionStatus; 2] =
        [SubmissionStatus::Submitted, SubmissionStatus::Accepted];

    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::Submitted => "submitted",
            SubmissionStatus::Accepted => "accepted",
            SubmissionStatus::RuledOut => "ruled out of order",
            SubmissionStatus::Composited => "composited",
            SubmissionStatus::Withdrawn => "withdrawn",
        }
    }

    /// A motion in this state may still be amended.
    pub fn amendable(self) -> bool {
        !matches!(
            self,
            SubmissionStatus::RuledOut | SubmissionStatus::Withdrawn
        )
    }
}

// Who a recognition award nomination is for.
text_enum! {
    pub enum NomineeKind {
        /// An individual member.
        Member = "member",
        /// A local party branch.
        Branch = "branch",
    }
}

text_enum! {
    /// How a submission met its deadline, as stored and shown to staff:
    /// before it, within the organisation's extension, or accepted late by
    /// staff.
    pub enum Timeliness {
        OnTime = "on_time",
        Extended = "extended",
        Overridden = "overridden",
    }
}

impl From<DeadlineOutcome> for Timeliness {
    fn from(outcome: DeadlineOutcome) -> Self {
        match outcome {
            DeadlineOutcome::OnTime => Timeliness::OnTime,
            DeadlineOutcome::Extended => Timeliness::Extended,
            DeadlineOutcome::Overridden => Timeliness::Overridden,
        }
    }
}

/// Accepted and composited motions and amendments are on the published
/// agenda: every organisation may read (and amend) them.
pub fn published(kind: SubmissionKind, status: SubmissionStatus) -> bool {
    kind.on_agenda() && SubmissionStatus::PUBLISHED.contains(&status)
}

/// Non-empty multi-line text of bounded length (motion texts, statements,
/// citations).
pub fn text(s: &str, max_chars: usize) -> Result<String, String> {
    let t = values::free_text(s, max_chars)?;
    if t.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(t)
    }
}

/// A review decision, checked for the fields its status needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub status: SubmissionStatus,
    pub reason: Option<String>,
    pub composite: Option<String>,
}

impl Decision {
    /// A ruling needs a reason; compositing needs the composite's name, and
    /// only compositing takes one. Errors name the field at fault.
    pub fn new(
        status: SubmissionStatus,
        reason: Option<String>,
        composite: Option<String>,
    ) -> Result<Self, (&'static str, &'static str)> {
        match (status, &reason, &composite) {
            (SubmissionStatus::Submitted, _, _) => {
                Err(("status", "a review moves a submission on from submitted"))
            }
            (SubmissionStatus::RuledOut, None, _) => {
                Err(("reason", "a ruling out of order needs a reason"))
            }
            (SubmissionStatus::Composited, _, None) => {
                Err(("composite", "compositing needs the composite's name"))
            }
            (s, _, Some(_)) if s != SubmissionStatus::Composited => {
                Err(("composite", "is only for status composited"))
            }
            _ => Ok(Self {
                status,
                reason,
                composite,
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("only motions can be composited")]
    NotCompositable,
    #[error("a {from} submission cannot become {to}", from = .from.as_str(), to = .to.as_str())]
    NotAllowed {
        from: SubmissionStatus,
        to: SubmissionStatus,
    },
}

/// The review workflow: `submitted` → `accepted` | `ruled_out` |
/// `composited` | `withdrawn`; an accepted motion may still be composited,
/// and anything accepted may still be withdrawn. Ruled out, composited and
/// withdrawn are final.
pub fn transition(
    kind: SubmissionKind,
    from: SubmissionStatus,
    to: SubmissionStatus,
) -> Result<(), TransitionError> {
    use SubmissionStatus::*;
    if to == Composited && kind != SubmissionKind::Motion {
        return Err(TransitionError::NotCompositable);
    }
    match (from, to) {
        (Submitted, Accepted | RuledOut | Composited | Withdrawn)
        | (Accepted, Composited | Withdrawn) => Ok(()),
        _ => Err(TransitionError::NotAllowed { from, to }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubmissionKind::*;
    use SubmissionStatus::*;

    #[test]
    fn references_number_within_kind_and_motion() {
        assert_eq!(Motion.reference(3, None), "M3");
        assert_eq!(Amendment.reference(1, Some("M3")), "M3A1");
        assert_eq!(PolicySubmission.reference(2, None), "P2");
        assert_eq!(CacNomination.reference(4, None), "N4");
        assert_eq!(AwardNomination.reference(1, None), "AW1");
    }

    #[test]
    fn each_kind_has_its_own_deadline() {
        let keys: Vec<_> = SubmissionKind::ALL.iter().map(|k| k.deadline()).collect();
        assert_eq!(
            keys,
            [
                DeadlineKey::Motions,
                DeadlineKey::Amendments,
                DeadlineKey::PolicySubmissions,
                DeadlineKey::CacNominations,
                DeadlineKey::AwardNominations
            ]
        );
        for k in SubmissionKind::ALL {
            assert_eq!(SubmissionKind::parse(k.as_str()), Some(*k));
        }
        for s in SubmissionStatus::ALL {
            assert_eq!(SubmissionStatus::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn review_moves_forward_only() {
        for to in [Accepted, RuledOut, Composited, Withdrawn] {
            assert_eq!(transition(Motion, Submitted, to), Ok(()));
        }
        assert_eq!(transition(Motion, Accepted, Composited), Ok(()));
        assert_eq!(transition(PolicySubmission, Accepted, Withdrawn), Ok(()));
        for from in [RuledOut, Composited, Withdrawn] {
            for to in [Submitted, Accepted, RuledOut, Withdrawn] {
                assert_eq!(
                    transition(Motion, from, to),
                    Err(TransitionError::NotAllowed { from, to })
                );
            }
        }
        assert!(transition(Motion, Accepted, RuledOut).is_err());
        assert!(transition(Motion, Submitted, Submitted).is_err());
    }

    #[test]
    fn decisions_carry_what_their_status_needs() {
        let r = || Some("Not within the aims of the party".to_owned());
        let c = || Some("Composite A".to_owned());
        assert!(Decision::new(Accepted, None, None).is_ok());
        assert!(Decision::new(Withdrawn, r(), None).is_ok());
        assert!(Decision::new(RuledOut, r(), None).is_ok());
        assert_eq!(Decision::new(RuledOut, None, None).unwrap_err().0, "reason");
        assert!(Decision::new(Composited, None, c()).is_ok());
        assert_eq!(
            Decision::new(Composited, None, None).unwrap_err().0,
            "composite"
        );
        assert_eq!(
            Decision::new(Accepted, None, c()).unwrap_err().0,
            "composite"
        );
        assert_eq!(
            Decision::new(Submitted, None, None).unwrap_err().0,
            "status"
        );
    }

    #[test]
    fn only_motions_are_composited() {
        for kind in [Amendment, PolicySubmission, CacNomination, AwardNomination] {
            assert_eq!(
                transition(kind, Submitted, Composited),
                Err(TransitionError::NotCompositable)
            );
        }
    }

    #[test]
    fn the_published_agenda_is_accepted_and_composited_business() {
        assert!(published(Motion, Accepted));
        assert!(published(Amendment, Composited));
        assert!(!published(Motion, Submitted));
        assert!(!published(PolicySubmission, Accepted));
        assert!(!published(CacNomination, Accepted));
    }

    #[test]
    fn withdrawn_and_ruled_out_motions_take_no_amendments() {
        assert!(Submitted.amendable());
        assert!(Accepted.amendable());
        assert!(Composited.amendable());
        assert!(!Withdrawn.amendable());
        assert!(!RuledOut.amendable());
    }
}
