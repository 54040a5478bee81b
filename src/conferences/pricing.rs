//! Price tiers: the tier in force on a local calendar date is the first
//! whose `until` is on or after that date (inclusive); the last tier is
//! open-ended. A delegate's fee is the pass fee plus the dinner fee if they
//! dine.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTier {
    pub code: String,
    pub name: String,
    pub until: Option<NaiveDate>,
    pub pass_fee: Money,
    pub dinner_fee: Money,
}

/// A validated, non-empty tier table ordered by `until`, ending open-ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<PriceTier>", into = "Vec<PriceTier>")]
pub struct PriceTable(Vec<PriceTier>);

impl TryFrom<Vec<PriceTier>> for PriceTable {
    type Error = TierError;

    fn try_from(tiers: Vec<PriceTier>) -> Result<Self, TierError> {
        Self::new(tiers)
    }
}

impl From<PriceTable> for Vec<PriceTier> {
    fn from(t: PriceTable) -> Self {
        t.0
    }
}

/// Tiers in one table: far more than any conference's early-bird, standard
/// and late rates, and few enough that every quote can scan them.
pub const MAX_TIERS: usize = 20;

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
}

impl PriceTable {
    pub fn new(tiers: Vec<PriceTier>) -> Result<Self, TierError> {
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
        Ok(Self(tiers))
    }

    pub fn tiers(&self) -> &[PriceTier] {
        &self.0
    }

    pub fn into_tiers(self) -> Vec<PriceTier> {
        self.0
    }

    /// The tier in force on a local date.
    pub fn tier_on(&self, date: NaiveDate) -> &PriceTier {
        self.0
            .iter()
            .find(|t| t.until.is_none_or(|until| date <= until))
            .expect("a price table always ends with an open-ended tier")
    }

    pub fn quote(&self, date: NaiveDate, dinner: bool) -> Quote {
        let tier = self.tier_on(date);
        let dinner_fee = if dinner { tier.dinner_fee } else { Money::ZERO };
        Quote {
            tier_code: tier.code.clone(),
            pass_fee: tier.pass_fee,
            dinner_fee,
            total: tier
                .pass_fee
                .checked_add(dinner_fee)
                .expect("fees are bounded far below overflow"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub tier_code: String,
    pub pass_fee: Money,
    /// The dinner fee charged: zero when the delegate does not dine.
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
            pass_fee: pass.parse().unwrap(),
            dinner_fee: dinner.parse().unwrap(),
        }
    }

    fn cardiff() -> PriceTable {
        PriceTable::new(vec![
            tier("early", Some(d(6, 30)), "90", "45"),
            tier("standard", None, "110", "45"),
        ])
        .unwrap()
    }

    #[test]
    fn reference_conference_prices() {
        let t = cardiff();
        assert_eq!(t.quote(d(6, 30), false).total.to_string(), "90.00");
        assert_eq!(t.quote(d(6, 30), true).total.to_string(), "135.00");
        assert_eq!(t.quote(d(7, 1), false).total.to_string(), "110.00");
        let q = t.quote(d(7, 1), true);
        assert_eq!(q.tier_code, "standard");
        assert_eq!(q.total.to_string(), "155.00");
        assert_eq!(t.quote(d(7, 1), false).dinner_fee, Money::ZERO);
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
        let winter = PriceTable::new(vec![
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
        assert_eq!(PriceTable::new(vec![]), Err(TierError::Empty));
        assert_eq!(
            PriceTable::new(vec![tier("a", Some(d(6, 30)), "1", "1")]),
            Err(TierError::OpenEnded)
        );
        assert_eq!(
            PriceTable::new(vec![tier("a", None, "1", "1"), tier("b", None, "1", "1")]),
            Err(TierError::OpenEnded)
        );
        assert_eq!(
            PriceTable::new(vec![
                tier("a", Some(d(7, 1)), "1", "1"),
                tier("b", Some(d(6, 1)), "1", "1"),
                tier("c", None, "1", "1"),
            ]),
            Err(TierError::Order)
        );
        assert_eq!(
            PriceTable::new(vec![
                tier("a", Some(d(6, 1)), "1", "1"),
                tier("a", None, "1", "1")
            ]),
            Err(TierError::DuplicateCode)
        );
    }
}
