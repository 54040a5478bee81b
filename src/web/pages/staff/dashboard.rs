//! `/staff/conferences/{id}`: one conference at a glance (the dashboard
//! figures of `exports::dashboard`): delegates registered over time as an
//! inline SVG chart with the same figures as a table, places and dinner
//! seats left, money by tier and by payment method, submissions by kind
//! and status, deadlines ahead and emails waiting or failed. Every figure
//! links to the list behind it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::encode;
use crate::exports::dashboard::{self, Day};
use crate::exports::rules::MoneyTotals;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::values::money::Money;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::pages::{render, Chrome};
use crate::web::session::{self, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences/{id}", web::get().to(show));
}

/// The chart's drawing area, in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// One labelled tick on an axis.
pub struct Tick {
    pub x: String,
    pub y: String,
    pub label: String,
}

/// Delegates registered over time as a line: the running total at the
/// end of each day on which anyone registered, over the days from the
/// first registration to `today` (or the last registration, if later).
pub struct Chart {
    pub width: f64,
    pub height: f64,
    /// `points` of the polyline.
    pub line: String,
    /// The last point, marked.
    pub last: Option<(String, String)>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub axis_left: String,
    pub axis_bottom: String,
    pub axis_right: String,
}

fn unit(v: f64) -> String {
    format!("{v:.1}")
}

impl Chart {
    pub fn of(days: &[Day], today: NaiveDate) -> Option<Chart> {
        // From the day before the first registration, so the first step shows.
        let first = days.first()?.date.pred_opt()?;
        let last = days.last()?.date.max(today);
        let span = (last - first).num_days().max(1) as f64;
        let top = days.last()?.cumulative.max(1);
        // A round top for the scale: 1, 2, 5, 10, 20, 50 …
        let mut scale = 1;
        while scale < top {
            scale = match scale.to_string().chars().next() {
                Some('1') => scale * 2,
                Some('2') => scale * 5 / 2,
                _ => scale * 2,
            };
        }
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let x = |d: NaiveDate| LEFT + plot_w * (d - first).num_days() as f64 / span;
        let y = |n: i64| TOP + plot_h * (1.0 - n as f64 / scale as f64);
        // A step line: flat until the next day with registrations.
        let mut points = vec![(x(first), y(0))];
        let mut previous = 0;
        for d in days {
            points.push((x(d.date), y(previous)));
            points.push((x(d.date), y(d.cumulative)));
            previous = d.cumulative;
        }
        points.push((x(last), y(previous)));
        let line = points
            .iter()
            .map(|(a, b)| format!("{},{}", unit(*a), unit(*b)))
            .collect::<Vec<_>>()
            .join(" ");
        let y_ticks = [0, scale / 2, scale]
            .iter()
            .map(|n| Tick {
                x: unit(LEFT - 8.0),
                y: unit(y(*n) + 5.0),
                label: n.to_string(),
            })
            .collect();
        let mut x_ticks = vec![Tick {
            x: unit(x(first)),
            y: unit(HEIGHT - BOTTOM + 22.0),
            label: first.format("%-d %b").to_string(),
        }];
        if last != first {
            x_ticks.push(Tick {
                x: unit(x(last)),
                y: unit(HEIGHT - BOTTOM + 22.0),
                label: last.format("%-d %b").to_string(),
            });
        }
        Some(Chart {
            width: WIDTH,
            height: HEIGHT,
            last: Some((unit(x(last)), unit(y(previous)))),
            line,
            y_ticks,
            x_ticks,
            axis_left: unit(LEFT),
            axis_bottom: unit(HEIGHT - BOTTOM),
            axis_right: unit(WIDTH - RIGHT),
        })
    }
}

/// A line of money figures with the list it comes from.
pub struct MoneyLine {
    pub label: String,
    pub link: String,
    pub registered: String,
    pub paid: String,
    pub outstanding: String,
    pub outstanding_link: String,
}

/// One count of submissions.
pub struct SubmissionLine {
    pub kind: String,
    pub status: String,
    pub count: i64,
    pub link: String,
}

pub struct DeadlineLine {
    pub label: &'static str,
    pub date: String,
    pub left: String,
}

pub struct DayLine {
    pub date: String,
    pub registered: i64,
    pub cumulative: i64,
}

#[derive(Template)]
#[template(path = "web/staff/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    id: String,
    name: String,
    dates: String,
    venue: String,
    today: String,
    chart: Option<Chart>,
    chart_summary: String,
    days: Vec<DayLine>,
    delegates: u32,
    capacity: Option<u32>,
    places_left: Option<u32>,
    dinners: u32,
    dinner_capacity: Option<u32>,
    dinners_left: Option<u32>,
    money_total: MoneyLine,
    by_tier: Vec<MoneyLine>,
    by_method: Vec<MoneyLine>,
    submissions: Vec<SubmissionLine>,
    deadlines: Vec<DeadlineLine>,
    emails_pending: i64,
    emails_failed: i64,
    arrivals: i64,
    /// (kind name, people holding it), when the conference offers several.
    passes: Vec<(String, i64)>,
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let now = state.now();
    let actor = session.actor().clone();
    let id = ConferenceId::from(id.into_inner());
    let d = state
        .db(move |conn| dashboard::dashboard(conn, &actor, &id, now))
        .await?;
    let c = &d.conference;
    let cid = c.id.to_string();
    let currency = c.spec.currency.clone();
    let list = format!("/staff/registrations?conference_id={cid}");
    let money = |label: String, link: String, t: &MoneyTotals| MoneyLine {
        label,
        registered: format::money(Money::from_minor(t.registered), &currency),
        paid: format::money(Money::from_minor(t.paid), &currency),
        outstanding: format::money(Money::from_minor(t.outstanding), &currency),
        outstanding_link: format!("{link}&payment_status=unpaid"),
        link,
    };
    let by_tier = d
        .money_by_tier
        .iter()
        .map(|(code, t)| {
            let name = c
                .spec
                .prices
                .tiers()
                .iter()
                .find(|tier| &tier.code == code)
                .map_or_else(|| code.clone(), |tier| tier.name.clone());
            money(name, list.clone(), t)
        })
        .collect();
    let by_method = d
        .money_by_method
        .iter()
        .map(|(m, t)| {
            money(
                format::payment_method(*m).to_owned(),
                format!("{list}&method={}", m.as_str()),
                t,
            )
        })
        .collect();
    let submissions = d
        .submissions
        .iter()
        .map(|(kind, status, count)| SubmissionLine {
            kind: format::kind(*kind),
            status: format::status(*status),
            count: *count,
            link: format!(
                "/staff/submissions?conference_id={cid}&kind={}&status={}",
                encode(kind.as_str()),
                encode(status.as_str())
            ),
        })
        .collect();
    let deadlines = d
        .deadlines_ahead
        .iter()
        .map(|a| DeadlineLine {
            label: format::deadline(a.key),
            date: format::date(a.date),
            left: format::days_left(a.days_left),
        })
        .collect();
    let delegates = d
        .registered_over_time
        .last()
        .map_or(0, |day| day.cumulative);
    let chart_summary = match (
        d.registered_over_time.first(),
        d.registered_over_time.last(),
    ) {
        (Some(first), Some(last)) if first.date == last.date => format!(
            "{} delegate{} registered on {}.",
            last.cumulative,
            if last.cumulative == 1 { "" } else { "s" },
            format::date(first.date),
        ),
        (Some(first), Some(last)) => format!(
            "{} delegate{} registered between {} and {}.",
            last.cumulative,
            if last.cumulative == 1 { "" } else { "s" },
            format::date(first.date),
            format::date(last.date)
        ),
        _ => "No delegates have registered yet.".to_owned(),
    };
    let page = DashboardPage {
        chrome: Chrome::signed_in(&c.spec.name, &session),
        id: cid.clone(),
        name: c.spec.name.clone(),
        dates: format::date_range(c.spec.starts_on, c.spec.ends_on),
        venue: c.spec.venue.clone(),
        today: format::date(d.today),
        chart: Chart::of(&d.registered_over_time, d.today),
        chart_summary,
        days: d
            .registered_over_time
            .iter()
            .map(|day| DayLine {
                date: format::date(day.date),
                registered: day.registered,
                cumulative: day.cumulative,
            })
            .collect(),
        delegates: u32::try_from(delegates).unwrap_or(u32::MAX),
        capacity: c.spec.capacity,
        places_left: c
            .spec
            .capacity
            .map(|cap| cap.saturating_sub(c.taken.places)),
        dinners: c.taken.dinners,
        dinner_capacity: c.spec.dinner_capacity,
        dinners_left: c
            .spec
            .dinner_capacity
            .map(|cap| cap.saturating_sub(c.taken.dinners)),
        money_total: money("All registrations".into(), list.clone(), &d.money),
        by_tier,
        by_method,
        submissions,
        deadlines,
        emails_pending: d.emails_pending,
        emails_failed: d.emails_failed,
        arrivals: d.arrivals,
        passes: if d.by_pass_kind.len() > 1 {
            d.by_pass_kind
                .iter()
                .map(|(_, name, n)| (name.clone(), *n))
                .collect()
        } else {
            Vec::new()
        },
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, registered: i64, cumulative: i64) -> Day {
        Day {
            date: NaiveDate::from_ymd_opt(2027, 6, d).unwrap(),
            registered,
            cumulative,
        }
    }

    #[test]
    fn the_chart_steps_up_on_each_day_and_runs_to_today() {
        let today = NaiveDate::from_ymd_opt(2027, 6, 11).unwrap();
        let chart = Chart::of(&[day(1, 2, 2), day(6, 3, 5)], today).unwrap();
        // From 31 May to today, 11 days; scale 5: 0 at the bottom (220),
        // 5 at the top (16).
        assert_eq!(
            chart.line,
            "48.0,220.0 100.4,220.0 100.4,138.4 362.2,138.4 362.2,16.0 624.0,16.0"
        );
        let labels: Vec<_> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "2", "5"]);
        let dates: Vec<_> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(dates, ["31 May", "11 Jun"]);
        assert!(Chart::of(&[], today).is_none());
    }

    #[test]
    fn the_scale_is_round() {
        let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        let top = |n| {
            Chart::of(&[day(1, n, n)], today).unwrap().y_ticks[2]
                .label
                .clone()
        };
        assert_eq!(top(1), "1");
        assert_eq!(top(3), "5");
        assert_eq!(top(7), "10");
        assert_eq!(top(11), "20");
        assert_eq!(top(180), "200");
        assert_eq!(top(201), "500");
    }
}
