//! Pass kinds and price tiers. A conference offers one or more kinds of
//! pass (`delegate`, which votes; `visitor`, which does not), and each tier
//! gives a fee for every kind. The tier in force on a local calendar date
//! is the first whose `until` is on or after that date (inclusive); the
//! last tier is open-ended. A place's fee is its kind's pass fee plus the
//! dinner fee if the person dines (the dinner goes with any pass).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::money::Money;

/// A kind of pass a conference offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassKind {
    /// Short stable code stored with each person, e.g. `delegate`.
    pub code: String,
    pub name: String,
    /// Whether the holder votes (and so counts against an organisation's
    /// entitlement, and may stand for CAC).
    pub votes: bool,
}

/// The kind every conference had before pass kinds: existing conferences
/// and people became it, and a conference created without `pass_kinds`
/// offers it alone.
pub fn delegate_kind() -> PassKind {
    PassKind {
        code: "delegate".to_owned(),
        name: "Delegate".to_owned(),
        votes: true,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTier {
    pub code: String,
    pub name: String,
    pub until: Option<NaiveDate>,
    /// The pass fee of each kind, by kind code.
    pub pass_fees: BTreeMap<String, Money>,
    pub dinner_fee: Money,
}

/// A validated tier table: its pass kinds (at least one, at least one
/// voting, codes unique) and its non-empty tiers ordered by `until`,
/// ending open-ended, each with a fee for every kind and no other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Prices", into = "Prices")]
pub struct PriceTable(Prices);

/// A tier table's parts, as stored and sent between operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    pub kinds: Vec<PassKind>,
    pub tiers: Vec<PriceTier>,
}

impl TryFrom<Prices> for PriceTable {
    type Error = TierError;

    fn try_from(p: Prices) -> Result<Self, TierError> {
        Self::new(p.kinds, p.tiers)
    }
}

impl From<PriceTable> for Prices {
    fn from(t: PriceTable) -> Self {
        t.0
    }
}

/// Tiers in one table: far more than any conference's early-bird, standard
/// and late rates, and few enough that every quote can scan them.
pub const MAX_TIERS: usize = 20;
/// Pass kinds at one conference: delegates, visitors, observers, press…
pub const MAX_PASS_KINDS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    #[error("at least one price tier is required")]
    Empty,
    #[error("at most {MAX_TIERS} price tiers")]
    TooMany,
    #[error("exactly one tier, the last, must have no `until` date")]
    OpenEnded,
    #[error("tiers must be ordered by strictly increasing `until` dates")]
    Order,
    #[error("tier codes must be unique")]
    DuplicateCode,
    #[error("at least one pass kind is required")]
    NoKinds,
    #[error("at most {MAX_PASS_KINDS} pass kinds")]
    TooManyKinds,
    #[error("at least one pass kind must vote")]
    NoVotingKind,
    #[error("pass kind codes must be unique")]
    DuplicateKind,
    #[error("every tier must give a fee for every pass kind, and for no other")]
    Fees,
}

impl PriceTable {
    pub fn new(kinds: Vec<PassKind>, tiers: Vec<PriceTier>) -> Result<Self, TierError> {
        check_kinds(&kinds)?;
        let Some((last, rest)) = tiers.split_last() else {
            return Err(TierError::Empty);
        };
        if tiers.len() > MAX_TIERS {
            return Err(TierError::TooMany);
        }
        if last.until.is_some() || rest.iter().any(|t| t.until.is_none()) {
            return Err(TierError::OpenEnded);
        }
        if rest.windows(2).any(|w| w[0].until >= w[1].until) {
            return Err(TierError::Order);
        }
        let mut codes: Vec<&str> = tiers.iter().map(|t| t.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) {
            return Err(TierError::DuplicateCode);
        }
        let covered = |t: &PriceTier| {
            t.pass_fees.len() == kinds.len()
                && kinds.iter().all(|k| t.pass_fees.contains_key(&k.code))
        };
        if !tiers.iter().all(covered) {
            return Err(TierError::Fees);
        }
        Ok(Self(Prices { kinds, tiers }))
    }

    pub fn kinds(&self) -> &[PassKind] {
        &self.0.kinds
    }

    /// The kind with this code, if the conference offers it.
    pub fn kind(&self, code: &str) -> Option<&PassKind> {
        self.0.kinds.iter().find(|k| k.code == code)
    }

    /// The kind a person gets who names none: the first voting kind.
    pub fn default_kind(&self) -> &PassKind {
        self.0
            .kinds
            .iter()
            .find(|k| k.votes)
            .expect("a price table always has a voting kind")
    }

    /// The kind's name, or its code if the conference no longer offers it.
    pub fn kind_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.kind(code).map_or(code, |k| k.name.as_str())
    }

    pub fn tiers(&self) -> &[PriceTier] {
        &self.0.tiers
    }

    pub fn into_parts(self) -> Prices {
        self.0
    }

    /// The tier in force on a local date.
    pub fn tier_on(&self, date: NaiveDate) -> &PriceTier {
        self.0
            .tiers
            .iter()
            .find(|t| t.until.is_none_or(|until| date <= until))
            .expect("a price table always ends with an open-ended tier")
    }

    /// The price of one place of `kind` (one of this table's) on a local
    /// date, with or without the dinner.
    pub fn quote(&self, date: NaiveDate, kind: &PassKind, dinner: bool) -> Quote {
        let tier = self.tier_on(date);
        let pass_fee = tier.pass_fee(kind);
        let dinner_fee = if dinner { tier.dinner_fee } else { Money::ZERO };
        Quote {
            tier_code: tier.code.clone(),
            pass_kind: kind.code.clone(),
            pass_fee,
            dinner_fee,
            total: pass_fee
                .checked_add(dinner_fee)
                .expect("fees are bounded far below overflow"),
        }
    }
}

impl PriceTier {
    /// The fee of a kind of this tier's table.
    pub fn pass_fee(&self, kind: &PassKind) -> Money {
        *self
            .pass_fees
            .get(&kind.code)
            .expect("a price table gives every tier a fee for every kind")
    }
}

fn check_kinds(kinds: &[PassKind]) -> Result<(), TierError> {
    if kinds.is_empty() {
        return Err(TierError::NoKinds);
    }
    if kinds.len() > MAX_PASS_KINDS {
        return Err(TierError::TooManyKinds);
    }
    if !kinds.iter().any(|k| k.votes) {
        return Err(TierError::NoVotingKind);
    }
    let mut codes: Vec<&str> = kinds.iter().map(|k| k.code.as_str()).collect();
    codes.sort_unstable();
    if codes.windows(2).any(|w| w[0] == w[1]) {
        return Err(TierError::DuplicateKind);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub tier_code: String,
    pub pass_kind: String,
    pub pass_fee: Money,
    /// The dinner fee charged: zero when the person does not dine.
    pub dinner_fee: Money,
    pub total: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2016, m, day).unwrap()
    }

    fn tier(code: &str, until: Option<NaiveDate>, pass: &str, dinner: &str) -> PriceTier {
        PriceTier {
            code: code.into(),
            name: code.into(),
            until,
            pass_fees: [("delegate".to_owned(), pass.parse().unwrap())].into(),
            dinner_fee: dinner.parse().unwrap(),
        }
    }

    fn one_kind(tiers: Vec<PriceTier>) -> Result<PriceTable, TierError> {
        PriceTable::new(vec![delegate_kind()], tiers)
    }

    fn cardiff() -> PriceTable {
        one_kind(vec![
            tier("early", Some(d(6, 30)), "90", "45"),
            tier("standard", None, "110", "45"),
        ])
        .unwrap()
    }

    fn visitor() -> PassKind {
        PassKind {
            code: "visitor".into(),
            name: "Visitor".into(),
            votes: false,
        }
    }

    /// The Annual Conference with delegate and visitor passes.
    fn cardiff_with_visitors() -> PriceTable {
        let with_visitor = |mut t: PriceTier, fee: &str| {
            t.pass_fees.insert("visitor".into(), fee.parse().unwrap());
            t
        };
        PriceTable::new(
            vec![delegate_kind(), visitor()],
            vec![
                with_visitor(tier("early", Some(d(6, 30)), "90", "45"), "40"),
                with_visitor(tier("standard", None, "110", "45"), "50"),
            ],
        )
        .unwrap()
    }

    #[test]
    fn each_kind_has_its_fee_and_the_dinner_goes_with_any() {
        let t = cardiff_with_visitors();
        let v = t.kind("visitor").unwrap();
        assert_eq!(t.quote(d(6, 30), v, false).total.to_string(), "40.00");
        assert_eq!(t.quote(d(6, 30), v, true).total.to_string(), "85.00");
        assert_eq!(t.quote(d(7, 1), v, true).total.to_string(), "95.00");
        assert_eq!(t.default_kind().code, "delegate");
        assert_eq!(
            t.quote(d(7, 1), t.default_kind(), false).total.to_string(),
            "110.00"
        );
        assert_eq!(t.kind_name("visitor"), "Visitor");
        assert_eq!(t.kind_name("press"), "press");
    }

    #[test]
    fn kinds_are_checked() {
        let tiers = || vec![tier("standard", None, "110", "45")];
        assert_eq!(PriceTable::new(vec![], tiers()), Err(TierError::NoKinds));
        assert_eq!(
            PriceTable::new(vec![visitor()], tiers()),
            Err(TierError::NoVotingKind)
        );
        assert_eq!(
            PriceTable::new(vec![delegate_kind(), delegate_kind()], tiers()),
            Err(TierError::DuplicateKind)
        );
        assert_eq!(
            PriceTable::new(vec![delegate_kind(), visitor()], tiers()),
            Err(TierError::Fees)
        );
    }

    #[test]
    fn reference_conference_prices() {
        let t = cardiff();
        let k = t.default_kind();
        assert_eq!(t.quote(d(6, 30), k, false).total.to_string(), "90.00");
        assert_eq!(t.quote(d(6, 30), k, true).total.to_string(), "135.00");
        assert_eq!(t.quote(d(7, 1), k, false).total.to_string(), "110.00");
        let q = t.quote(d(7, 1), k, true);
        assert_eq!(q.tier_code, "standard");
        assert_eq!(q.total.to_string(), "155.00");
        assert_eq!(t.quote(d(7, 1), k, false).dinner_fee, Money::ZERO);
    }

    /// The instant a request arrives, judged in the conference's zone.
    fn tier_at(table: &PriceTable, tz: chrono_tz::Tz, local: &str) -> String {
        use chrono::TimeZone;
        let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let instant = tz
            .from_local_datetime(&naive)
            .unwrap()
            .with_timezone(&chrono::Utc);
        table
            .tier_on(crate::deadlines::rules::local_date(instant, tz))
            .code
            .clone()
    }

    #[test]
    fn tier_changes_at_local_midnight_in_bst_gmt_and_far_zones() {
        let london = chrono_tz::Europe::London;
        let t = cardiff();
        // BST (UTC+1): the early-bird date of the Annual Conference.
        assert_eq!(tier_at(&t, london, "2016-06-30 23:59:59.999999"), "early");
        assert_eq!(tier_at(&t, london, "2016-07-01 00:00:00"), "standard");
        // GMT: a November conference whose early bird ends on 31 October.
        let winter = one_kind(vec![
            tier(
                "early",
                Some(NaiveDate::from_ymd_opt(2016, 10, 31).unwrap()),
                "40",
                "20",
            ),
            tier("standard", None, "50", "20"),
        ])
        .unwrap();
        assert_eq!(
            tier_at(&winter, london, "2016-10-31 23:59:59.999999"),
            "early"
        );
        assert_eq!(tier_at(&winter, london, "2016-11-01 00:00:00"), "standard");
        // Far from UTC (UTC+12): the same local rule.
        let auckland = chrono_tz::Pacific::Auckland;
        assert_eq!(tier_at(&t, auckland, "2016-06-30 23:59:59.999999"), "early");
        assert_eq!(tier_at(&t, auckland, "2016-07-01 00:00:00"), "standard");
    }

    #[test]
    fn table_shape_is_checked() {
        assert_eq!(one_kind(vec![]), Err(TierError::Empty));
        assert_eq!(
            one_kind(vec![tier("a", Some(d(6, 30)), "1", "1")]),
            Err(TierError::OpenEnded)
        );
        assert_eq!(
            one_kind(vec![tier("a", None, "1", "1"), tier("b", None, "1", "1")]),
            Err(TierError::OpenEnded)
        );
        assert_eq!(
            one_kind(vec![
                tier("a", Some(d(7, 1)), "1", "1"),
                tier("b", Some(d(6, 1)), "1", "1"),
                tier("c", None, "1", "1"),
            ]),
            Err(TierError::Order)
        );
        assert_eq!(
            one_kind(vec![
                tier("a", Some(d(6, 1)), "1", "1"),
                tier("a", None, "1", "1")
            ]),
            Err(TierError::DuplicateCode)
        );
    }
}
