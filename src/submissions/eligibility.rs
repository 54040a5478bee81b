//! Who may stand for the Conference Arrangements Committee, as a list of
//! checks run in order. A new rule (a gender-balance requirement, a length of
//! membership) is one more entry in [`CAC_RULES`], with the facts it needs
//! added to [`Nomination`].

/// The conference's policy for CAC elections.
#[derive(Debug, Clone)]
pub struct CacPolicy<'a> {
    /// Regions already represented on CAC: their candidates are not eligible.
    pub excluded_regions: &'a [String],
    /// Organisation kinds that may nominate (`local_party`, `society`).
    pub nominating_kinds: &'a [&'a str],
}

/// The kinds of body that may nominate under the party's rules.
pub const NOMINATING_KINDS: [&str; 2] = ["local_party", "society"];

/// The candidate as the database knows them.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The delegate's registration is for the conference being nominated for.
    pub at_this_conference: bool,
    /// Not cancelled.
    pub active: bool,
    /// Holds a voting pass (a visitor does not).
    pub votes: bool,
    /// The region of the organisation that registered the delegate.
    pub region: &'a str,
}

/// The facts one nomination is judged on.
#[derive(Debug, Clone)]
pub struct Nomination<'a> {
    /// `None` when no delegate has the given id.
    pub candidate: Option<Candidate<'a>>,
    /// The kind of the nominating organisation.
    pub nominator_kind: &'a str,
}

/// One eligibility rule: a stable name and a check that explains a refusal.
pub struct Rule {
    pub name: &'static str,
    pub check: fn(&Nomination, &CacPolicy) -> Result<(), String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct NotEligible {
    /// The rule that failed.
    pub rule: &'static str,
    pub detail: String,
}

fn registered_delegate(n: &Nomination, _: &CacPolicy) -> Result<(), String> {
    match &n.candidate {
        Some(c) if c.at_this_conference => Ok(()),
        _ => Err("the candidate is not a registered delegate to this conference".into()),
    }
}

fn not_cancelled(n: &Nomination, _: &CacPolicy) -> Result<(), String> {
    match &n.candidate {
        Some(c) if !c.active => {
            Err("the candidate's place at this conference has been cancelled".into())
        }
        _ => Ok(()),
    }
}

fn voting_pass(n: &Nomination, _: &CacPolicy) -> Result<(), String> {
    match &n.candidate {
        Some(c) if !c.votes => {
            Err("the candidate holds a pass that does not vote; CAC candidates must be voting delegates".into())
        }
        _ => Ok(()),
    }
}

fn nominated_by_eligible_body(n: &Nomination, p: &CacPolicy) -> Result<(), String> {
    if p.nominating_kinds.contains(&n.nominator_kind) {
        Ok(())
    } else {
        Err(format!(
            "candidates must be nominated by a local party or a co-operative society, not a {}",
            n.nominator_kind
        ))
    }
}

fn region_not_excluded(n: &Nomination, p: &CacPolicy) -> Result<(), String> {
    match &n.candidate {
        Some(c) if p.excluded_regions.iter().any(|r| r == c.region) => Err(format!(
            "candidates from {} are not eligible: the region is already represented on CAC",
            c.region
        )),
        _ => Ok(()),
    }
}

/// Every CAC rule, checked in this order; the first to fail is reported.
pub const CAC_RULES: &[Rule] = &[
    Rule {
        name: "registered_delegate",
        check: registered_delegate,
    },
    Rule {
        name: "not_cancelled",
        check: not_cancelled,
    },
    Rule {
        name: "voting_pass",
        check: voting_pass,
    },
    Rule {
        name: "nominating_body",
        check: nominated_by_eligible_body,
    },
    Rule {
        name: "region_not_excluded",
        check: region_not_excluded,
    },
];

/// Runs `rules` in order and reports the first that fails.
pub fn check(
    nomination: &Nomination,
    policy: &CacPolicy,
    rules: &[Rule],
) -> Result<(), NotEligible> {
    rules.iter().try_for_each(|rule| {
        (rule.check)(nomination, policy).map_err(|detail| NotEligible {
            rule: rule.name,
            detail,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded() -> Vec<String> {
        vec![
            "North East & North Cumbria".to_owned(),
            "West Midlands".to_owned(),
        ]
    }

    fn nomination<'a>(candidate: Option<Candidate<'a>>, kind: &'a str) -> Nomination<'a> {
        Nomination {
            candidate,
            nominator_kind: kind,
        }
    }

    fn delegate(region: &str) -> Candidate<'_> {
        Candidate {
            at_this_conference: true,
            active: true,
            votes: true,
            region,
        }
    }

    fn failed_rule(n: &Nomination) -> Option<&'static str> {
        let regions = excluded();
        let policy = CacPolicy {
            excluded_regions: &regions,
            nominating_kinds: &NOMINATING_KINDS,
        };
        check(n, &policy, CAC_RULES).err().map(|e| e.rule)
    }

    #[test]
    fn a_delegate_from_an_open_region_nominated_by_a_party_or_society_is_eligible() {
        assert_eq!(
            failed_rule(&nomination(Some(delegate("Wales")), "local_party")),
            None
        );
        assert_eq!(
            failed_rule(&nomination(Some(delegate("Wales")), "society")),
            None
        );
    }

    #[test]
    fn the_candidate_must_be_registered_for_this_conference() {
        assert_eq!(
            failed_rule(&nomination(None, "society")),
            Some("registered_delegate")
        );
        let elsewhere = Candidate {
            at_this_conference: false,
            ..delegate("Wales")
        };
        assert_eq!(
            failed_rule(&nomination(Some(elsewhere), "society")),
            Some("registered_delegate")
        );
    }

    #[test]
    fn a_cancelled_place_is_not_eligible() {
        let cancelled = Candidate {
            active: false,
            ..delegate("Wales")
        };
        assert_eq!(
            failed_rule(&nomination(Some(cancelled), "local_party")),
            Some("not_cancelled")
        );
    }

    #[test]
    fn a_visitor_is_not_eligible() {
        let visitor = Candidate {
            votes: false,
            ..delegate("Wales")
        };
        assert_eq!(
            failed_rule(&nomination(Some(visitor), "local_party")),
            Some("voting_pass")
        );
    }

    #[test]
    fn only_parties_and_societies_nominate() {
        assert_eq!(
            failed_rule(&nomination(Some(delegate("Wales")), "trade_union")),
            Some("nominating_body")
        );
    }

    #[test]
    fn excluded_regions_are_not_eligible_and_the_detail_names_the_region() {
        assert_eq!(
            failed_rule(&nomination(Some(delegate("West Midlands")), "society")),
            Some("region_not_excluded")
        );
        let regions = excluded();
        let policy = CacPolicy {
            excluded_regions: &regions,
            nominating_kinds: &NOMINATING_KINDS,
        };
        let err = check(
            &nomination(Some(delegate("North East & North Cumbria")), "society"),
            &policy,
            CAC_RULES,
        )
        .unwrap_err();
        assert!(err.detail.contains("North East & North Cumbria"), "{err}");
        // Matching is exact: a similar name is another region.
        assert_eq!(
            failed_rule(&nomination(Some(delegate("East Midlands")), "society")),
            None
        );
    }

    #[test]
    fn a_new_rule_is_one_more_entry() {
        fn nobody(_: &Nomination, _: &CacPolicy) -> Result<(), String> {
            Err("closed".into())
        }
        let rules = [Rule {
            name: "closed",
            check: nobody,
        }];
        let regions = excluded();
        let policy = CacPolicy {
            excluded_regions: &regions,
            nominating_kinds: &NOMINATING_KINDS,
        };
        let err = check(
            &nomination(Some(delegate("Wales")), "society"),
            &policy,
            &rules,
        );
        assert_eq!(err.unwrap_err().rule, "closed");
    }
}
