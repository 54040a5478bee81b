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

/// Body of `PATCH /conferences/{id}`: any subset of the fields; `null`
/// clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConferencePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadlines: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_tiers: Option<Vec<PriceTierInput>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dinner_capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion_word_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment_word_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_word_limit: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cac: Option<CacInput>,
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

impl ConferenceInput {
    pub fn parse(self, regions: &[String]) -> Result<ConferenceSpec, Vec<FieldError>> {
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
        let currency = p.take("currency", values::currency(&self.currency));

        let mut dates = Vec::with_capacity(6);
        for key in DeadlineKey::ALL {
            let field = format!("deadlines.{}", key.as_str());
            match self.deadlines.get(key.as_str()) {
                Some(v) => dates.extend(p.take(&field, values::date(v))),
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

    /// Applies a patch and validates the result as a whole.
    pub fn patched(
        &self,
        patch: ConferencePatch,
        regions: &[String],
    ) -> Result<ConferenceSpec, Vec<FieldError>> {
        let mut i = self.to_input();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = patch.$f { i.$f = v; } )* };
        }
        set!(
            slug,
            name,
            venue,
            timezone,
            starts_on,
            ends_on,
            currency,
            deadlines,
            price_tiers,
            capacity,
            dinner_capacity,
            motion_word_limit,
            amendment_word_limit,
            policy_word_limit,
            cac
        );
        i.parse(regions)
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

    #[test]
    fn reference_conference_parses() {
        let spec = cardiff_input().parse(&regions()).unwrap();
        assert_eq!(
            spec.deadlines.get(DeadlineKey::Motions).to_string(),
            "2016-04-04"
        );
        assert_eq!(spec.prices.tiers().len(), 2);
        assert_eq!(spec.cac_excluded_regions.len(), 2);
        assert_eq!(spec.to_input().parse(&regions()).unwrap(), spec);
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
        let errors = i.parse(&regions()).unwrap_err();
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
        let spec = cardiff_input().parse(&regions()).unwrap();
        let patch: ConferencePatch =
            serde_json::from_value(serde_json::json!({"capacity": 500, "motion_word_limit": null}))
                .unwrap();
        let patched = spec.patched(patch, &regions()).unwrap();
        assert_eq!(patched.capacity, Some(500));
        assert_eq!(patched.motion_word_limit, None);
        let bad: ConferencePatch =
            serde_json::from_value(serde_json::json!({"starts_on": "2016-09-12"})).unwrap();
        assert_eq!(
            spec.patched(bad, &regions()).unwrap_err()[0].field,
            "ends_on"
        );
    }
}
