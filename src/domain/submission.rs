//! Business submitted for conference: the kinds, their numbering, the text
//! limits and the review workflow.

use serde::{Deserialize, Serialize};

use super::deadlines::{DeadlineKey, DeadlineOutcome};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    Motion,
    Amendment,
    PolicySubmission,
    CacNomination,
    AwardNomination,
}

impl SubmissionKind {
    pub const ALL: [SubmissionKind; 5] = [
        SubmissionKind::Motion,
        SubmissionKind::Amendment,
        SubmissionKind::PolicySubmission,
        SubmissionKind::CacNomination,
        SubmissionKind::AwardNomination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionKind::Motion => "motion",
            SubmissionKind::Amendment => "amendment",
            SubmissionKind::PolicySubmission => "policy_submission",
            SubmissionKind::CacNomination => "cac_nomination",
            SubmissionKind::AwardNomination => "award_nomination",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    Submitted,
    Accepted,
    RuledOut,
    Composited,
    Withdrawn,
}

impl SubmissionStatus {
    pub const ALL: [SubmissionStatus; 5] = [
        SubmissionStatus::Submitted,
        SubmissionStatus::Accepted,
        SubmissionStatus::RuledOut,
        SubmissionStatus::Composited,
        SubmissionStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Submitted => "submitted",
            SubmissionStatus::Accepted => "accepted",
            SubmissionStatus::RuledOut => "ruled_out",
            SubmissionStatus::Composited => "composited",
            SubmissionStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NomineeKind {
    /// An individual member.
    Member,
    /// A local party branch.
    Branch,
}

impl NomineeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NomineeKind::Member => "member",
            NomineeKind::Branch => "branch",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [NomineeKind::Member, NomineeKind::Branch]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a submission met its deadline, as stored and shown to staff.
pub fn timeliness(outcome: DeadlineOutcome) -> &'static str {
    match outcome {
        DeadlineOutcome::OnTime => "on_time",
        DeadlineOutcome::Extended => "extended",
        DeadlineOutcome::Overridden => "overridden",
    }
}

/// A review decision, checked for the fields its status needs.
#[derive(Debug, Clone, PartialEq, Eq)]
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
            assert_eq!(SubmissionKind::parse(k.as_str()), Some(k));
        }
        for s in SubmissionStatus::ALL {
            assert_eq!(SubmissionStatus::parse(s.as_str()), Some(s));
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
    fn withdrawn_and_ruled_out_motions_take_no_amendments() {
        assert!(Submitted.amendable());
        assert!(Accepted.amendable());
        assert!(Composited.amendable());
        assert!(!Withdrawn.amendable());
        assert!(!RuledOut.amendable());
    }
}
