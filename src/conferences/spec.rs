//! A conference's rules as data (dates, zone, deadlines, prices, caps,
//! limits, CAC policy), and how a request body becomes them. Pure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::pricing::{PriceTable, PriceTier};
use crate::deadlines::rules::DeadlineKey;
use crate::values::money::Money;
use crate::values::{self, FieldError, Problems};

/// The six deadlines of a conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines([NaiveDate; 6]);

impl Deadlines {
    pub fn new(dates: [NaiveDate; 6]) -> Self {
        Self(dates)
    }

    pub fn get(&self, key: DeadlineKey) -> NaiveDate {
        self.0[DeadlineKey::ALL
            .iter()
            .position(|k| *k == key)
            .expect("every key is listed")]
    }

    pub fn dates(&self) -> [NaiveDate; 6] {
        self.0
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        DeadlineKey::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), self.get(*k).to_string()))
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
    pub deadlines: Deadlines,
    pub prices: PriceTable,
    pub capacity: Option<u32>,
    pub dinner_capacity: Option<u32>,
    pub motion_word_limit: Option<u32>,
    pub amendment_word_limit: Option<u32>,
    pub policy_word_limit: Option<u32>,
    pub cac_vacancies: u32,
    pub cac_excluded_regions: Vec<String>,
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
    #[schema(value_type = String, example = "90.00")]
    pub pass_fee: String,
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
    /// A date for each of: registration, motions, amendments,
    /// policy_submissions, cac_nominations, award_nominations.
    pub deadlines: BTreeMap<String, String>,
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
    pub cac: CacInput,
}

/// Body of `PATCH /conferences/{id}`: a JSON merge patch (RFC 7386) of
/// the conference. A member left out is unchanged; `null` removes an
/// optional value (a cap, a word limit) and is refused for a required one;
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
    /// Merged key by key: `{"cac_nominations": "2027-08-08"}` moves one
    /// deadline and leaves the others.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<BTreeMap<String, Option<String>>>)]
    pub deadlines: Option<Option<BTreeMap<String, Option<String>>>>,
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

        let mut dates = Vec::with_capacity(6);
        for key in DeadlineKey::ALL {
            let field = format!("deadlines.{}", key.as_str());
            match self.deadlines.get(key.as_str()) {
                Some(v) => {
                    if let Some(date) = p.take(&field, values::date(v)) {
                        if let (Some(s), Some(e)) = (starts_on, ends_on) {
                            if let Err(e) = latest_deadline(*key, s, e, date) {
                                p.push(&field, e);
                            }
                        }
                        dates.push(date);
                    }
                }
                None => p.push(field, "is required"),
            }
        }
        for key in self.deadlines.keys() {
            if DeadlineKey::parse(key).is_none() {
                p.push(format!("deadlines.{key}"), "is not a deadline key");
            }
        }

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
            let pass_fee = p.take(&f("pass_fee"), Money::parse_non_negative(&t.pass_fee));
            let dinner_fee = p.take(&f("dinner_fee"), Money::parse_non_negative(&t.dinner_fee));
            if let (Some(code), Some(name), Some(until), Some(pass_fee), Some(dinner_fee)) =
                (code, name, until, pass_fee, dinner_fee)
            {
                tiers.push(PriceTier {
                    code,
                    name,
                    until,
                    pass_fee,
                    dinner_fee,
                });
            }
        }
        let prices = if tiers.len() == self.price_tiers.len() {
            p.take("price_tiers", PriceTable::new(tiers))
        } else {
            None
        };

        let capacity = count(&mut p, "capacity", self.capacity, 0);
        let dinner_capacity = count(&mut p, "dinner_capacity", self.dinner_capacity, 0);
        let motion_word_limit = count(&mut p, "motion_word_limit", self.motion_word_limit, 1);
        let amendment_word_limit =
            count(&mut p, "amendment_word_limit", self.amendment_word_limit, 1);
        let policy_word_limit = count(&mut p, "policy_word_limit", self.policy_word_limit, 1);
        let cac_vacancies = count(&mut p, "cac.vacancies", Some(self.cac.vacancies), 0);
        let mut excluded = Vec::new();
        for (i, r) in self.cac.excluded_regions.iter().enumerate() {
            if let Some(r) = p.take(
                &format!("cac.excluded_regions[{i}]"),
                values::Region::parse(r, regions),
            ) {
                if !excluded.contains(&r.as_str().to_owned()) {
                    excluded.push(r.into_inner());
                }
            }
        }

        if !p.is_empty() {
            return Err(p.0);
        }
        let deadlines: [NaiveDate; 6] = dates.try_into().expect("six dates when no problems");
        Ok(ConferenceSpec {
            slug: slug.expect("checked"),
            name: name.expect("checked"),
            venue: venue.expect("checked"),
            timezone: timezone.expect("checked"),
            starts_on: starts_on.expect("checked"),
            ends_on: ends_on.expect("checked"),
            currency: currency.expect("checked"),
            deadlines: Deadlines(deadlines),
            prices: prices.expect("checked"),
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit,
            cac_vacancies: cac_vacancies.expect("checked"),
            cac_excluded_regions: excluded,
        })
    }
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
            deadlines: self.deadlines.to_map(),
            price_tiers: self
                .prices
                .tiers()
                .iter()
                .map(|t| PriceTierInput {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    until: t.until.map(|u| u.to_string()),
                    pass_fee: t.pass_fee.to_string(),
                    dinner_fee: t.dinner_fee.to_string(),
                })
                .collect(),
            capacity: self.capacity.map(i64::from),
            dinner_capacity: self.dinner_capacity.map(i64::from),
            motion_word_limit: self.motion_word_limit.map(i64::from),
            amendment_word_limit: self.amendment_word_limit.map(i64::from),
            policy_word_limit: self.policy_word_limit.map(i64::from),
            cac: CacInput {
                vacancies: i64::from(self.cac_vacancies),
                excluded_regions: self.cac_excluded_regions.clone(),
            },
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
        optional!(
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit
        );
        match patch.deadlines {
            None => {}
            Some(None) => p.push("deadlines", "is required and cannot be removed"),
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
            Some(None) => p.push("cac", "is required and cannot be removed"),
            Some(Some(cac)) => {
                match cac.vacancies {
                    None => {}
                    Some(None) => p.push("cac.vacancies", "is required and cannot be removed"),
                    Some(Some(v)) => i.cac.vacancies = v,
                }
                if let Some(regions) = cac.excluded_regions {
                    i.cac.excluded_regions = regions.unwrap_or_default();
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
            spec.deadlines.get(DeadlineKey::Motions).to_string(),
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
        i.deadlines.remove("motions");
        i.price_tiers[0].pass_fee = "-1".into();
        i.cac.excluded_regions.push("Atlantis".into());
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
            moved.deadlines.get(DeadlineKey::CacNominations).to_string(),
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
        assert_eq!(cac.cac_vacancies, 2);
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
                    "deadlines": {"motions": null}, "cac": {"vacancies": null}
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
        let removed = spec
            .patched(
                patch(serde_json::json!({"deadlines": {"motions": null}})),
                &regions(),
                today(),
            )
            .unwrap_err();
        assert_eq!(fields(&removed), ["deadlines.motions"]);
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
