//! A conference's rules as data (dates, zone, deadlines, prices, caps,
//! limits, CAC policy), and how a request body becomes them. Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::pricing::{self, PassKind, PriceTable, PriceTier};
use crate::deadlines::rules::DeadlineKey;
use crate::values::money::Money;
use crate::values::{self, FieldError, Problems};

/// A conference's deadlines: a date for each thing it takes, or none when
/// it does not take that thing (a conference without a `motions` deadline
/// takes no motions). Without a `registration` deadline, registration
/// closes at the end of the conference's first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines([Option<NaiveDate>; 6]);

impl Deadlines {
    pub fn new(dates: [Option<NaiveDate>; 6]) -> Self {
        Self(dates)
    }

    pub fn get(&self, key: DeadlineKey) -> Option<NaiveDate> {
        self.0[DeadlineKey::ALL
            .iter()
            .position(|k| *k == key)
            .expect("every key is listed")]
    }

    pub fn dates(&self) -> [Option<NaiveDate>; 6] {
        self.0
    }

    /// The deadlines the conference has, by key.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        DeadlineKey::ALL
            .iter()
            .filter_map(|k| Some((k.as_str().to_owned(), self.get(*k)?.to_string())))
            .collect()
    }
}

/// A conference's validated settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceSpec {
    pub slug: String,
    pub name: String,
    pub venue: String,
    pub timezone: Tz,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub currency: String,
    /// The first local date registration is accepted (none: from creation).
    pub registration_opens: Option<NaiveDate>,
    pub deadlines: Deadlines,
    pub prices: PriceTable,
    pub capacity: Option<u32>,
    pub dinner_capacity: Option<u32>,
    pub motion_word_limit: Option<u32>,
    pub amendment_word_limit: Option<u32>,
    pub policy_word_limit: Option<u32>,
    /// CAC places to elect; none when the conference holds no CAC election.
    pub cac_vacancies: Option<u32>,
    pub cac_excluded_regions: Vec<String>,
}

/// A kind of pass the conference offers.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassKindInput {
    /// Short stable code stored with each person, e.g. `visitor`.
    #[schema(example = "visitor")]
    pub code: String,
    #[schema(example = "Visitor")]
    pub name: String,
    /// Whether the holder votes: voting passes count against an
    /// organisation's entitlement, and only their holders may stand for CAC.
    pub votes: bool,
}

impl From<&PassKind> for PassKindInput {
    fn from(k: &PassKind) -> Self {
        Self {
            code: k.code.clone(),
            name: k.name.clone(),
            votes: k.votes,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceTierInput {
    /// Short stable code stored with each registration, e.g. `early`.
    pub code: String,
    pub name: String,
    /// Last local date (inclusive) the tier applies; null for the last tier.
    #[schema(value_type = Option<String>, format = Date, example = "2016-06-30")]
    pub until: Option<String>,
    /// The fee of each pass kind, by kind code: every kind, and no other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, String>>, example = json!({"delegate": "90.00", "visitor": "40.00"}))]
    pub pass_fees: Option<BTreeMap<String, String>>,
    /// The fee of the conference's only pass kind, for clients written
    /// before pass kinds; with several kinds give `pass_fees` (if both are
    /// given, this must equal the first voting kind's fee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "90.00")]
    pub pass_fee: Option<String>,
    #[schema(value_type = String, example = "45.00")]
    pub dinner_fee: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CacInput {
    pub vacancies: i64,
    #[serde(default)]
    pub excluded_regions: Vec<String>,
}

/// Body of `POST /conferences`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConferenceInput {
    #[schema(example = "annual-2016")]
    pub slug: String,
    #[schema(example = "Co-operative Party Annual Conference 2016")]
    pub name: String,
    #[schema(example = "Radisson Blu Hotel Cardiff")]
    pub venue: String,
    #[schema(example = "Europe/London")]
    pub timezone: String,
    #[schema(example = "2016-09-09")]
    pub starts_on: String,
    #[schema(example = "2016-09-11")]
    pub ends_on: String,
    #[schema(example = "GBP")]
    pub currency: String,
    /// The first local date registration is accepted; absent or null: at once.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "2016-03-01")]
    pub registration_opens: Option<String>,
    /// A date for each thing the conference takes, any of: registration,
    /// motions, amendments, policy_submissions, cac_nominations,
    /// award_nominations. A kind without a deadline is not taken (409
    /// `not_open`); without `registration`, registration closes at the end
    /// of the first day.
    #[serde(default)]
    pub deadlines: BTreeMap<String, String>,
    /// The kinds of pass offered (at least one votes); absent: one voting
    /// kind, `delegate`.
    #[serde(default)]
    pub pass_kinds: Option<Vec<PassKindInput>>,
    pub price_tiers: Vec<PriceTierInput>,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub dinner_capacity: Option<i64>,
    #[serde(default)]
    pub motion_word_limit: Option<i64>,
    #[serde(default)]
    pub amendment_word_limit: Option<i64>,
    #[serde(default)]
    pub policy_word_limit: Option<i64>,
    /// The CAC election; absent or null when the conference holds none.
    #[serde(default)]
    pub cac: Option<CacInput>,
}

/// Body of `PATCH /conferences/{id}`: a JSON merge patch (RFC 7386) of
/// the conference. A member left out is unchanged; `null` removes an
/// optional value (a cap, a word limit, a deadline, the CAC election) and
/// is refused for a required one;
/// `deadlines` and `cac` merge member by member; `price_tiers` and
/// `cac.excluded_regions` replace the whole list.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConferencePatch {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub slug: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub venue: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub starts_on: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub ends_on: Option<Option<String>>,
    /// Refused (409) once anything has been registered or paid.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub currency: Option<Option<String>>,
    /// `null` removes the opening date.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub registration_opens: Option<Option<String>>,
    /// Merged key by key: `{"cac_nominations": "2027-08-08"}` moves one
    /// deadline and leaves the others.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<BTreeMap<String, Option<String>>>)]
    pub deadlines: Option<Option<BTreeMap<String, Option<String>>>>,
    /// Replaces the whole list; every tier must then give a fee for every
    /// kind.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<PassKindInput>>)]
    pub pass_kinds: Option<Option<Vec<PassKindInput>>>,
    /// Replaces the whole table.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<PriceTierInput>>)]
    pub price_tiers: Option<Option<Vec<PriceTierInput>>>,
    /// Not below the places already taken (422).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub capacity: Option<Option<i64>>,
    /// Not below the dinner seats already taken (422).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub dinner_capacity: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub motion_word_limit: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub amendment_word_limit: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub policy_word_limit: Option<Option<i64>>,
    /// Merged member by member.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<CacPatch>)]
    pub cac: Option<Option<CacPatch>>,
}

/// The `cac` member of a conference patch.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CacPatch {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub vacancies: Option<Option<i64>>,
    /// Replaces the whole list; `null` empties it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<String>>)]
    pub excluded_regions: Option<Option<Vec<String>>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn count(p: &mut Problems, field: &str, v: Option<i64>, min: i64) -> Option<u32> {
    let v = v?;
    if v < min || v > i32::MAX as i64 {
        p.push(
            field,
            format!("must be a whole number from {min} to {}", i32::MAX),
        );
        None
    } else {
        Some(v as u32)
    }
}

/// The earliest a conference may start.
pub const EARLIEST_START: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// How far ahead of today a conference may start, in years.
pub const YEARS_AHEAD: u32 = 5;

impl ConferenceInput {
    /// Checks every field and how the dates fit together; `today` bounds
    /// how far ahead a conference may start.
    pub fn parse(
        self,
        regions: &[String],
        today: NaiveDate,
    ) -> Result<ConferenceSpec, Vec<FieldError>> {
        let mut p = Problems::default();
        let slug = p.take("slug", values::slug(&self.slug));
        let name = p.take("name", values::line(&self.name, 200));
        let venue = p.take("venue", values::line(&self.venue, 200));
        let timezone = p.take("timezone", values::timezone(&self.timezone));
        let starts_on = p.take("starts_on", values::date(&self.starts_on));
        let ends_on = p.take("ends_on", values::date(&self.ends_on));
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                p.push("ends_on", "must be on or after starts_on");
            }
        }
        if let Some(s) = starts_on {
            let latest = today
                .checked_add_months(chrono::Months::new(12 * YEARS_AHEAD))
                .unwrap_or(today);
            if s < EARLIEST_START || s > latest {
                p.push(
                    "starts_on",
                    format!("must be between {EARLIEST_START} and {latest} (at most {YEARS_AHEAD} years ahead)"),
                );
            }
        }
        let currency = p.take("currency", values::currency(&self.currency));

        let mut dates = [None; 6];
        for (slot, key) in dates.iter_mut().zip(DeadlineKey::ALL) {
            let field = format!("deadlines.{}", key.as_str());
            if let Some(v) = self.deadlines.get(key.as_str()) {
                if let Some(date) = p.take(&field, values::date(v)) {
                    if let (Some(s), Some(e)) = (starts_on, ends_on) {
                        if let Err(e) = latest_deadline(*key, s, e, date) {
                            p.push(&field, e);
                        }
                    }
                    *slot = Some(date);
                }
            }
        }
        let registration_opens = match &self.registration_opens {
            None => None,
            Some(v) => p.take("registration_opens", values::date(v)),
        };
        if let (Some(opens), Some(s)) = (registration_opens, starts_on) {
            if opens > s {
                p.push(
                    "registration_opens",
                    format!("must be on or before the conference's first day ({s})"),
                );
            }
        }
        if let (Some(opens), Some(closes)) = (registration_opens, dates[0]) {
            if opens > closes {
                p.push(
                    "registration_opens",
                    format!("must be on or before the registration deadline ({closes})"),
                );
            }
        }
        for key in self.deadlines.keys() {
            if DeadlineKey::parse(key).is_none() {
                p.push(format!("deadlines.{key}"), "is not a deadline key");
            }
        }

        let kinds = parse_kinds(&mut p, self.pass_kinds.as_deref());
        let kind_codes: Vec<&str> = match &self.pass_kinds {
            Some(kinds) => kinds.iter().map(|k| k.code.as_str()).collect(),
            None => vec!["delegate"],
        };
        let first_voting = self
            .pass_kinds
            .as_ref()
            .and_then(|kinds| kinds.iter().find(|k| k.votes))
            .map_or("delegate", |k| k.code.as_str());
        let mut tiers = Vec::with_capacity(self.price_tiers.len());
        for (i, t) in self.price_tiers.iter().enumerate() {
            let f = |name: &str| format!("price_tiers[{i}].{name}");
            let code = p.take(&f("code"), values::slug(&t.code));
            let name = p.take(&f("name"), values::line(&t.name, 100));
            let until = match &t.until {
                None => Some(None),
                Some(u) => p.take(&f("until"), values::date(u)).map(Some),
            };
            if let (Some(Some(u)), Some(e)) = (until, ends_on) {
                if u > e {
                    p.push(
                        f("until"),
                        format!("must be on or before the conference's last day ({e})"),
                    );
                }
            }
            let pass_fees = tier_fees(&mut p, i, t, &kind_codes, first_voting);
            let dinner_fee = p.take(&f("dinner_fee"), Money::parse_non_negative(&t.dinner_fee));
            if let (Some(code), Some(name), Some(until), Some(pass_fees), Some(dinner_fee)) =
                (code, name, until, pass_fees, dinner_fee)
            {
                tiers.push(PriceTier {
                    code,
                    name,
                    until,
                    pass_fees,
                    dinner_fee,
                });
            }
        }
        let prices = match kinds {
            Some(kinds) if tiers.len() == self.price_tiers.len() => {
                p.take("price_tiers", PriceTable::new(kinds, tiers))
            }
            _ => None,
        };

        let capacity = count(&mut p, "capacity", self.capacity, 0);
        let dinner_capacity = count(&mut p, "dinner_capacity", self.dinner_capacity, 0);
        let motion_word_limit = count(&mut p, "motion_word_limit", self.motion_word_limit, 1);
        let amendment_word_limit =
            count(&mut p, "amendment_word_limit", self.amendment_word_limit, 1);
        let policy_word_limit = count(&mut p, "policy_word_limit", self.policy_word_limit, 1);
        let mut cac_vacancies = None;
        let mut excluded = Vec::new();
        if let Some(cac) = &self.cac {
            cac_vacancies = count(&mut p, "cac.vacancies", Some(cac.vacancies), 0);
            for (i, r) in cac.excluded_regions.iter().enumerate() {
                if let Some(r) = p.take(
                    &format!("cac.excluded_regions[{i}]"),
                    values::Region::parse(r, regions),
                ) {
                    if !excluded.contains(&r.as_str().to_owned()) {
                        excluded.push(r.into_inner());
                    }
                }
            }
        } else if self
            .deadlines
            .contains_key(DeadlineKey::CacNominations.as_str())
        {
            p.push("cac", "is required with a cac_nominations deadline");
        }

        if !p.is_empty() {
            return Err(p.0);
        }
        Ok(ConferenceSpec {
            slug: slug.expect("checked"),
            name: name.expect("checked"),
            venue: venue.expect("checked"),
            timezone: timezone.expect("checked"),
            starts_on: starts_on.expect("checked"),
            ends_on: ends_on.expect("checked"),
            currency: currency.expect("checked"),
            registration_opens,
            deadlines: Deadlines(dates),
            prices: prices.expect("checked"),
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit,
            cac_vacancies,
            cac_excluded_regions: excluded,
        })
    }
}

/// The pass kinds of a conference body (absent: `delegate` alone),
/// each problem under `pass_kinds[i].field`.
fn parse_kinds(p: &mut Problems, inputs: Option<&[PassKindInput]>) -> Option<Vec<PassKind>> {
    let Some(inputs) = inputs else {
        return Some(vec![pricing::delegate_kind()]);
    };
    let before = p.0.len();
    if inputs.is_empty() {
        p.push("pass_kinds", "at least one pass kind is required");
    } else if !inputs.iter().any(|k| k.votes) {
        p.push("pass_kinds", "at least one pass kind must vote");
    }
    if inputs.len() > pricing::MAX_PASS_KINDS {
        p.push(
            "pass_kinds",
            format!("at most {} pass kinds", pricing::MAX_PASS_KINDS),
        );
    }
    let mut kinds = Vec::with_capacity(inputs.len());
    for (i, k) in inputs.iter().enumerate() {
        let code = p.take(&format!("pass_kinds[{i}].code"), values::slug(&k.code));
        let name = p.take(&format!("pass_kinds[{i}].name"), values::line(&k.name, 100));
        if inputs[..i].iter().any(|earlier| earlier.code == k.code) {
            p.push(
                format!("pass_kinds[{i}].code"),
                "repeats an earlier pass kind's code",
            );
        }
        if let (Some(code), Some(name)) = (code, name) {
            kinds.push(PassKind {
                code,
                name,
                votes: k.votes,
            });
        }
    }
    (p.0.len() == before).then_some(kinds)
}

/// One tier's pass fees: `pass_fees` naming every kind and no other, or
/// (for the conference's only kind) `pass_fee`.
fn tier_fees(
    p: &mut Problems,
    i: usize,
    t: &PriceTierInput,
    kinds: &[&str],
    first_voting: &str,
) -> Option<BTreeMap<String, Money>> {
    let f = |name: &str| format!("price_tiers[{i}].{name}");
    if kinds.is_empty() {
        // No kinds to price: the problem is `pass_kinds`'.
        return None;
    }
    let Some(given) = &t.pass_fees else {
        let Some(fee) = &t.pass_fee else {
            p.push(f("pass_fees"), "is required: a fee for each pass kind");
            return None;
        };
        if let [only] = kinds {
            let fee = p.take(&f("pass_fee"), Money::parse_non_negative(fee))?;
            return Some([((*only).to_owned(), fee)].into());
        }
        p.push(
            f("pass_fees"),
            "is required when the conference offers more than one pass kind",
        );
        return None;
    };
    let before = p.0.len();
    let mut fees = BTreeMap::new();
    for kind in kinds {
        let field = f(&format!("pass_fees.{kind}"));
        match given.get(*kind) {
            None => p.push(
                field,
                "is required: every tier gives a fee for every pass kind",
            ),
            Some(v) => {
                if let Some(fee) = p.take(&field, Money::parse_non_negative(v)) {
                    fees.insert((*kind).to_owned(), fee);
                }
            }
        }
    }
    for code in given.keys().filter(|c| !kinds.contains(&c.as_str())) {
        p.push(
            f(&format!("pass_fees.{code}")),
            "is not one of the conference's pass kinds",
        );
    }
    if let Some(fee) = &t.pass_fee {
        let same = Money::parse_non_negative(fee)
            .ok()
            .is_some_and(|fee| fees.get(first_voting) == Some(&fee));
        if !same {
            p.push(
                f("pass_fee"),
                format!("must equal pass_fees.{first_voting} (the first voting kind's fee), or be left out"),
            );
        }
    }
    (p.0.len() == before).then_some(fees)
}

/// Every deadline falls on or before the conference's last day, and
/// registration on or before its first: a deadline (or an extension of it)
/// after that contradicts the conference.
pub fn latest_deadline(
    key: DeadlineKey,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    date: NaiveDate,
) -> Result<(), String> {
    match key {
        DeadlineKey::Registration if date > starts_on => Err(format!(
            "must be on or before the conference's first day ({starts_on})"
        )),
        _ if date > ends_on => Err(format!(
            "must be on or before the conference's last day ({ends_on})"
        )),
        _ => Ok(()),
    }
}

impl ConferenceSpec {
    /// The last local date something is taken: its deadline, and for
    /// registration without one the conference's first day; none when the
    /// conference does not take it.
    pub fn closes(&self, key: DeadlineKey) -> Option<NaiveDate> {
        match (key, self.deadlines.get(key)) {
            (DeadlineKey::Registration, None) => Some(self.starts_on),
            (_, date) => date,
        }
    }

    /// The spec as an input body, so a patch can be applied and re-parsed.
    pub fn to_input(&self) -> ConferenceInput {
        ConferenceInput {
            slug: self.slug.clone(),
            name: self.name.clone(),
            venue: self.venue.clone(),
            timezone: self.timezone.name().to_owned(),
            starts_on: self.starts_on.to_string(),
            ends_on: self.ends_on.to_string(),
            currency: self.currency.clone(),
            registration_opens: self.registration_opens.map(|d| d.to_string()),
            deadlines: self.deadlines.to_map(),
            pass_kinds: Some(
                self.prices
                    .kinds()
                    .iter()
                    .map(PassKindInput::from)
                    .collect(),
            ),
            price_tiers: self
                .prices
                .tiers()
                .iter()
                .map(|t| PriceTierInput {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    until: t.until.map(|u| u.to_string()),
                    pass_fees: Some(
                        t.pass_fees
                            .iter()
                            .map(|(k, v)| (k.clone(), v.to_string()))
                            .collect(),
                    ),
                    pass_fee: None,
                    dinner_fee: t.dinner_fee.to_string(),
                })
                .collect(),
            capacity: self.capacity.map(i64::from),
            dinner_capacity: self.dinner_capacity.map(i64::from),
            motion_word_limit: self.motion_word_limit.map(i64::from),
            amendment_word_limit: self.amendment_word_limit.map(i64::from),
            policy_word_limit: self.policy_word_limit.map(i64::from),
            cac: self.cac_vacancies.map(|v| CacInput {
                vacancies: i64::from(v),
                excluded_regions: self.cac_excluded_regions.clone(),
            }),
        }
    }

    /// Applies a merge patch and validates the result as a whole.
    pub fn patched(
        &self,
        patch: ConferencePatch,
        regions: &[String],
        today: NaiveDate,
    ) -> Result<ConferenceSpec, Vec<FieldError>> {
        let mut i = self.to_input();
        let mut p = Problems::default();
        macro_rules! required {
            ($($f:ident),*) => {$(
                match patch.$f {
                    None => {}
                    Some(None) => p.push(stringify!($f), "is required and cannot be removed"),
                    Some(Some(v)) => i.$f = v,
                }
            )*};
        }
        macro_rules! optional {
            ($($f:ident),*) => {$( if let Some(v) = patch.$f { i.$f = v; } )*};
        }
        required!(
            slug,
            name,
            venue,
            timezone,
            starts_on,
            ends_on,
            currency,
            price_tiers
        );
        match patch.pass_kinds {
            None => {}
            Some(None) => p.push("pass_kinds", "is required and cannot be removed"),
            Some(Some(kinds)) => i.pass_kinds = Some(kinds),
        }
        optional!(
            registration_opens,
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit
        );
        match patch.deadlines {
            None => {}
            Some(None) => i.deadlines.clear(),
            Some(Some(changes)) => {
                for (key, date) in changes {
                    match date {
                        Some(date) => i.deadlines.insert(key, date),
                        None => i.deadlines.remove(&key),
                    };
                }
            }
        }
        match patch.cac {
            None => {}
            Some(None) => i.cac = None,
            Some(Some(cac)) => {
                let vacancies = match cac.vacancies {
                    None => i.cac.as_ref().map(|c| c.vacancies),
                    Some(v) => v,
                };
                match vacancies {
                    None => p.push("cac.vacancies", "is required"),
                    Some(vacancies) => {
                        let excluded_regions = match cac.excluded_regions {
                            None => i.cac.take().map(|c| c.excluded_regions).unwrap_or_default(),
                            Some(regions) => regions.unwrap_or_default(),
                        };
                        i.cac = Some(CacInput {
                            vacancies,
                            excluded_regions,
                        });
                    }
                }
            }
        }
        p.into_result()?;
        i.parse(regions, today)
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn cardiff_input() -> ConferenceInput {
        serde_json::from_value(serde_json::json!({
            "slug": "annual-2016",
            "name": "Annual Conference 2016",
            "venue": "Radisson Blu Hotel Cardiff",
            "timezone": "Europe/London",
            "starts_on": "2016-09-09",
            "ends_on": "2016-09-11",
            "currency": "GBP",
            "deadlines": {
                "registration": "2016-08-22", "motions": "2016-04-04",
                "amendments": "2016-08-01", "policy_submissions": "2016-08-01",
                "cac_nominations": "2016-08-01", "award_nominations": "2016-08-01"
            },
            "price_tiers": [
                {"code": "early", "name": "Early bird", "until": "2016-06-30", "pass_fee": "90.00", "dinner_fee": "45.00"},
                {"code": "standard", "name": "Standard", "until": null, "pass_fee": "110.00", "dinner_fee": "45.00"}
            ],
            "motion_word_limit": 300,
            "cac": {"vacancies": 2, "excluded_regions": ["North East & North Cumbria", "West Midlands"]}
        }))
        .unwrap()
    }

    fn regions() -> Vec<String> {
        crate::config::Settings::defaults().regions
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2016, 5, 1).unwrap()
    }

    fn patch(v: serde_json::Value) -> ConferencePatch {
        serde_json::from_value(v).unwrap()
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn reference_conference_parses() {
        let spec = cardiff_input().parse(&regions(), today()).unwrap();
        assert_eq!(
            spec.deadlines
                .get(DeadlineKey::Motions)
                .unwrap()
                .to_string(),
            "2016-04-04"
        );
        assert_eq!(spec.prices.tiers().len(), 2);
        assert_eq!(spec.cac_excluded_regions.len(), 2);
        assert_eq!(spec.to_input().parse(&regions(), today()).unwrap(), spec);
    }

    #[test]
    fn every_problem_is_listed() {
        let mut i = cardiff_input();
        i.timezone = "Mars/Olympus".into();
        i.ends_on = "2016-09-01".into();
        i.currency = "XXQ".into();
        i.deadlines.insert("motions".into(), "4 April".into());
        i.price_tiers[0].pass_fee = Some("-1".into());
        i.cac
            .as_mut()
            .unwrap()
            .excluded_regions
            .push("Atlantis".into());
        let errors = i.parse(&regions(), today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "timezone",
                "ends_on",
                "currency",
                "deadlines.motions",
                "price_tiers[0].pass_fee",
                "cac.excluded_regions[2]"
            ]
        );
    }

    #[test]
    fn patch_clears_and_revalidates() {
        let spec = cardiff_input().parse(&regions(), today()).unwrap();
        let patch: ConferencePatch =
            serde_json::from_value(serde_json::json!({"capacity": 500, "motion_word_limit": null}))
                .unwrap();
        let patched = spec.patched(patch, &regions(), today()).unwrap();
        assert_eq!(patched.capacity, Some(500));
        assert_eq!(patched.motion_word_limit, None);
        let bad: ConferencePatch =
            serde_json::from_value(serde_json::json!({"starts_on": "2016-09-12"})).unwrap();
        assert_eq!(
            spec.patched(bad, &regions(), today()).unwrap_err()[0].field,
            "ends_on"
        );
    }

    #[test]
    fn a_patch_is_a_json_merge_patch() {
        let spec = cardiff_input().parse(&regions(), today()).unwrap();
        // One deadline moves; the other five stay.
        let moved = spec
            .patched(
                patch(serde_json::json!({"deadlines": {"cac_nominations": "2016-08-08"}})),
                &regions(),
                today(),
            )
            .unwrap();
        assert_eq!(
            moved
                .deadlines
                .get(DeadlineKey::CacNominations)
                .unwrap()
                .to_string(),
            "2016-08-08"
        );
        assert_eq!(
            moved.deadlines.get(DeadlineKey::Registration),
            spec.deadlines.get(DeadlineKey::Registration)
        );
        // cac merges member by member; a null list empties it.
        let cac = spec
            .patched(
                patch(serde_json::json!({"cac": {"excluded_regions": null}})),
                &regions(),
                today(),
            )
            .unwrap();
        assert_eq!(cac.cac_vacancies, Some(2));
        assert!(cac.cac_excluded_regions.is_empty());
        // Arrays replace whole.
        let tiers = spec
            .patched(
                patch(serde_json::json!({"price_tiers": [
                    {"code": "one", "name": "One", "until": null, "pass_fee": "10", "dinner_fee": "5"}
                ]})),
                &regions(),
                today(),
            )
            .unwrap();
        assert_eq!(tiers.prices.tiers().len(), 1);
        // null removes an optional value and is refused for a required one.
        let errors = spec
            .patched(
                patch(serde_json::json!({
                    "name": null, "timezone": null, "currency": null, "price_tiers": null,
                    "cac": {"vacancies": null}
                })),
                &regions(),
                today(),
            )
            .unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "name",
                "timezone",
                "currency",
                "price_tiers",
                "cac.vacancies"
            ]
        );
        // A deadline and the CAC election are optional: null removes them.
        let removed = spec
            .patched(
                patch(serde_json::json!({"deadlines": {"motions": null, "cac_nominations": null}, "cac": null})),
                &regions(),
                today(),
            )
            .unwrap();
        assert_eq!(removed.deadlines.get(DeadlineKey::Motions), None);
        assert_eq!(removed.cac_vacancies, None);
        // CAC nominations need an election to nominate for.
        let orphan = spec
            .patched(patch(serde_json::json!({"cac": null})), &regions(), today())
            .unwrap_err();
        assert_eq!(fields(&orphan), ["cac"]);
    }

    /// The Local Government Conference: one day, with nothing but what it has.
    #[test]
    fn a_conference_needs_only_what_it_has() {
        let minimal: ConferenceInput = serde_json::from_value(serde_json::json!({
            "slug": "local-government-2016",
            "name": "Local Government Conference 2016",
            "venue": "Manchester",
            "timezone": "Europe/London",
            "starts_on": "2016-11-12",
            "ends_on": "2016-11-12",
            "currency": "GBP",
            "registration_opens": "2016-09-01",
            "price_tiers": [{"code": "standard", "name": "Standard", "until": null, "pass_fee": "30.00", "dinner_fee": "0.00"}]
        }))
        .unwrap();
        let spec = minimal.parse(&regions(), today()).unwrap();
        assert_eq!(spec.deadlines.to_map(), BTreeMap::new());
        assert_eq!(spec.closes(DeadlineKey::Registration), Some(spec.starts_on));
        assert_eq!(spec.closes(DeadlineKey::Motions), None);
        assert_eq!(spec.cac_vacancies, None);
        assert_eq!(spec.to_input().parse(&regions(), today()).unwrap(), spec);

        let mut late = cardiff_input();
        late.registration_opens = Some("2016-08-23".into());
        assert_eq!(
            fields(&late.parse(&regions(), today()).unwrap_err()),
            ["registration_opens"]
        );
    }

    #[test]
    fn dates_fit_the_conference() {
        let mut i = cardiff_input();
        i.deadlines
            .insert("registration".into(), "2016-09-10".into());
        i.deadlines.insert("amendments".into(), "2016-09-12".into());
        i.price_tiers[0].until = Some("2016-09-30".into());
        let errors = i.parse(&regions(), today()).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "deadlines.registration",
                "deadlines.amendments",
                "price_tiers[0].until"
            ]
        );
        // Registration may close on the first day; the rest on the last.
        let mut ok = cardiff_input();
        ok.deadlines
            .insert("registration".into(), "2016-09-09".into());
        ok.deadlines
            .insert("amendments".into(), "2016-09-11".into());
        assert!(ok.parse(&regions(), today()).is_ok());

        for starts in ["0001-01-01", "1999-12-31", "2021-05-02"] {
            let mut far = cardiff_input();
            far.starts_on = starts.into();
            far.ends_on = starts.into();
            assert!(
                fields(&far.parse(&regions(), today()).unwrap_err()).contains(&"starts_on"),
                "{starts}"
            );
        }
    }
}
