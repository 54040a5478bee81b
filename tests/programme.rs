//! A conference's programme: the seed's items created as data, read by
//! anyone, changed and removed by staff, and the iCalendar feed read by a
//! real parser, with its times right on both sides of the end of British
//! Summer Time.

mod common;

use common::{london, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    the_annual_programme_is_data,
    the_confirmation_shows_the_dinner_and_attaches_the_programme,
    the_feed_parses_with_times_right_across_the_clock_change,
    a_change_keeps_the_uid_and_raises_the_sequence,
    bad_items_are_refused_and_change_nothing,
);

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

/// The 2016 notice's programme: 9 Sep welcome reception; 10 Sep day 1 and
/// the conference dinner; 11 Sep day 2 with the AGM.
fn annual_programme() -> Vec<Value> {
    let item = |title: &str, starts_at: &str, ends_at: &str, place: &str, ticketed: bool| {
        json!({"title": title, "starts_at": starts_at, "ends_at": ends_at,
               "place": place, "ticketed": ticketed})
    };
    vec![
        item(
            "Conference Welcome Reception",
            "2016-09-09T18:00",
            "2016-09-09T20:00",
            "Radisson Blu Hotel Cardiff",
            false,
        ),
        item(
            "Conference Day 1",
            "2016-09-10T09:30",
            "2016-09-10T17:30",
            "Radisson Blu Hotel Cardiff",
            false,
        ),
        item(
            "Conference Dinner",
            "2016-09-10T19:30",
            "2016-09-10T23:30",
            "Radisson Blu Hotel Cardiff, Ballroom",
            true,
        ),
        item(
            "Conference Day 2 including AGM",
            "2016-09-11T09:30",
            "2016-09-11T16:00",
            "Radisson Blu Hotel Cardiff",
            false,
        ),
    ]
}

async fn setup(b: Backend, changes: Value) -> (TestApp, String, String) {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let conference = app.conference(&staff, changes).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (app, staff, conference)
}

async fn add(app: &TestApp, staff: &str, conference: &str, item: &Value) -> Value {
    app.post(
        &format!("/api/v1/conferences/{conference}/programme"),
        Some(staff),
        item,
    )
    .await
    .expect(201)
}

/// The feed, parsed: each event's properties by name.
async fn feed(app: &TestApp, conference: &str) -> Vec<Vec<(String, String)>> {
    let res = app
        .get(
            &format!("/api/v1/conferences/{conference}/programme.ics"),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.headers["content-type"], CALENDAR_TYPE);
    let mut calendars = ical::IcalParser::new(res.text.as_bytes());
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    assert!(calendars.next().is_none());
    calendar
        .events
        .into_iter()
        .map(|e| {
            e.properties
                .into_iter()
                .map(|p| (p.name, p.value.unwrap_or_default()))
                .collect()
        })
        .collect()
}

fn prop<'a>(event: &'a [(String, String)], name: &str) -> &'a str {
    event
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

async fn the_annual_programme_is_data(b: Backend) {
    let (app, staff, conference) = setup(b, json!({})).await;
    let items = annual_programme();
    // Added out of order: the programme is read in the order things happen.
    for i in [2, 0, 3, 1] {
        let created = add(&app, &staff, &conference, &items[i]).await;
        assert_eq!(created["title"], items[i]["title"]);
        assert_eq!(created["starts_at"], items[i]["starts_at"]);
        assert_eq!(created["revision"], 0);
    }
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    for token in [None, Some(member.as_str()), Some(staff.as_str())] {
        let p = app
            .get(
                &format!("/api/v1/conferences/{conference}/programme"),
                token,
            )
            .await
            .expect(200);
        assert_eq!(p["timezone"], "Europe/London");
        assert_eq!(p["next_cursor"], Value::Null);
        let titles: Vec<&str> = p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Conference Welcome Reception",
                "Conference Day 1",
                "Conference Dinner",
                "Conference Day 2 including AGM"
            ]
        );
        let dinner = &p["items"][2];
        assert_eq!(dinner["ticketed"], true);
        assert_eq!(dinner["place"], "Radisson Blu Hotel Cardiff, Ballroom");
        assert_eq!(dinner["starts_at"], "2016-09-10T19:30");
        // British Summer Time: 19:30 in Cardiff is 18:30 UTC.
        assert_eq!(dinner["starts_utc"], "2016-09-10T18:30:00Z");
        assert_eq!(dinner["ends_utc"], "2016-09-10T22:30:00Z");
        assert_eq!(p["items"][0]["ticketed"], false);
    }
    let events = feed(&app, &conference).await;
    assert_eq!(events.len(), 4);
    assert_eq!(prop(&events[2], "SUMMARY"), "Conference Dinner");
    assert_eq!(prop(&events[2], "DTSTART"), "20160910T183000Z");
    assert_eq!(
        prop(&events[2], "LOCATION"),
        "Radisson Blu Hotel Cardiff\\, Ballroom"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/conferences/{}/programme", uuid::Uuid::new_v4()),
            None
        )
        .await
        .problem(404, "not_found")["status"],
        404
    );
}

async fn the_feed_parses_with_times_right_across_the_clock_change(b: Backend) {
    // A conference over the last weekend of October 2016: the clocks went
    // back at 02:00 BST on Sunday 30 October.
    let (app, staff, conference) = setup(
        b,
        json!({"starts_on": "2016-10-29", "ends_on": "2016-10-31"}),
    )
    .await;
    let saturday = add(
        &app,
        &staff,
        &conference,
        &json!({"title": "Saturday dinner", "starts_at": "2016-10-29T19:30",
                "ends_at": "2016-10-29T22:00", "place": "City Hall", "ticketed": true}),
    )
    .await;
    let monday = add(
        &app,
        &staff,
        &conference,
        &json!({"title": "Monday session", "starts_at": "2016-10-31T19:30",
                "ends_at": "2016-10-31T22:00", "place": "City Hall", "ticketed": false}),
    )
    .await;
    assert_eq!(saturday["starts_utc"], "2016-10-29T18:30:00Z");
    assert_eq!(monday["starts_utc"], "2016-10-31T19:30:00Z");

    let events = feed(&app, &conference).await;
    assert_eq!(events.len(), 2);
    let by_uid = |id: &Value| {
        let uid = format!("{}@programme.plenary", id.as_str().unwrap());
        events
            .iter()
            .find(|e| prop(e, "UID") == uid)
            .unwrap_or_else(|| panic!("no event {uid}"))
            .clone()
    };
    let sat = by_uid(&saturday["id"]);
    assert_eq!(prop(&sat, "DTSTART"), "20161029T183000Z");
    assert_eq!(prop(&sat, "DTEND"), "20161029T210000Z");
    assert_eq!(prop(&sat, "SUMMARY"), "Saturday dinner");
    assert_eq!(prop(&sat, "SEQUENCE"), "0");
    let mon = by_uid(&monday["id"]);
    // Greenwich Mean Time again: local and UTC agree.
    assert_eq!(prop(&mon, "DTSTART"), "20161031T193000Z");
    assert_eq!(prop(&mon, "DTEND"), "20161031T220000Z");
    assert_eq!(prop(&mon, "LOCATION"), "City Hall");
}

async fn a_change_keeps_the_uid_and_raises_the_sequence(b: Backend) {
    let (app, staff, conference) = setup(b, json!({})).await;
    let items = annual_programme();
    let dinner = add(&app, &staff, &conference, &items[2]).await;
    let reception = add(&app, &staff, &conference, &items[0]).await;
    let item_path = |id: &Value| {
        format!(
            "/api/v1/conferences/{conference}/programme/{}",
            id.as_str().unwrap()
        )
    };
    app.clock.set(london(2016, 4, 1, 10, 0, 0));
    let moved = app
        .patch(
            &item_path(&dinner["id"]),
            Some(&staff),
            &json!({"starts_at": "2016-09-10T20:00", "place": "Cardiff City Hall"}),
        )
        .await
        .expect(200);
    assert_eq!(moved["id"], dinner["id"]);
    assert_eq!(moved["revision"], 1);
    assert_eq!(moved["starts_at"], "2016-09-10T20:00");
    assert_eq!(moved["ends_at"], "2016-09-10T23:30");
    assert_eq!(moved["title"], "Conference Dinner");
    assert_eq!(moved["ticketed"], true);

    let events = feed(&app, &conference).await;
    assert_eq!(events.len(), 2);
    let uid = format!("{}@programme.plenary", dinner["id"].as_str().unwrap());
    let ev = events.iter().find(|e| prop(e, "UID") == uid).unwrap();
    assert_eq!(prop(ev, "SEQUENCE"), "1");
    assert_eq!(prop(ev, "DTSTART"), "20160910T190000Z");
    assert_eq!(prop(ev, "LOCATION"), "Cardiff City Hall");
    assert_eq!(prop(ev, "DTSTAMP"), "20160401T090000Z");

    // A change that would end the dinner before it starts changes nothing.
    app.patch(
        &item_path(&dinner["id"]),
        Some(&staff),
        &json!({"ends_at": "2016-09-10T19:00"}),
    )
    .await
    .problem(422, "validation_failed");
    let again = feed(&app, &conference).await;
    assert_eq!(again, events);

    let res = app
        .request(
            Method::DELETE,
            &item_path(&reception["id"]),
            Some(&staff),
            None,
            &[],
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    let events = feed(&app, &conference).await;
    assert_eq!(events.len(), 1);
    assert_eq!(prop(&events[0], "UID"), uid);
    app.request(
        Method::DELETE,
        &item_path(&reception["id"]),
        Some(&staff),
        None,
        &[],
    )
    .await
    .problem(404, "not_found");
}

async fn bad_items_are_refused_and_change_nothing(b: Backend) {
    let (app, staff, conference) = setup(b, json!({})).await;
    let path = format!("/api/v1/conferences/{conference}/programme");
    let fields = |v: Value| -> Vec<String> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let bad = app
        .post(
            &path,
            Some(&staff),
            &json!({"title": " ", "starts_at": "2016-09-10 19:30", "ends_at": "2016-09-10T19:00",
                    "place": "", "ticketed": false}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(bad), ["title", "place", "starts_at"]);
    let outside = app
        .post(
            &path,
            Some(&staff),
            &json!({"title": "Too early", "starts_at": "2016-09-08T19:30",
                    "ends_at": "2016-09-08T19:00", "place": "Cardiff"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(outside), ["starts_at", "ends_at"]);
    app.post(
        &path,
        Some(&staff),
        &json!({"title": "Dinner", "starts_at": "2016-09-10T19:30", "ends_at": "2016-09-10T23:00",
                "place": "Cardiff", "ticketed": true, "price": "45.00"}),
    )
    .await
    .problem(400, "malformed_request");
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    let good = annual_programme().remove(2);
    app.post(&path, None, &good)
        .await
        .problem(401, "unauthenticated");
    app.post(&path, Some(&member), &good)
        .await
        .problem(403, "forbidden");
    app.post(
        &format!("/api/v1/conferences/{}/programme", uuid::Uuid::new_v4()),
        Some(&staff),
        &good,
    )
    .await
    .problem(404, "not_found");
    let p = app.get(&path, None).await.expect(200);
    assert_eq!(p["items"], json!([]));

    // An item is reached only through its own conference.
    let item = add(&app, &staff, &conference, &good).await;
    let other = app.conference(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(
        &format!(
            "/api/v1/conferences/{other}/programme/{}",
            item["id"].as_str().unwrap()
        ),
        Some(&staff),
        &json!({"title": "Moved"}),
    )
    .await
    .problem(404, "not_found");
    let p = app.get(&path, None).await.expect(200);
    assert_eq!(p["items"][0]["title"], "Conference Dinner");
}

async fn the_confirmation_shows_the_dinner_and_attaches_the_programme(b: Backend) {
    let (app, staff, conference) = setup(b, json!({})).await;
    let mut ids = Vec::new();
    for item in annual_programme() {
        ids.push(
            add(&app, &staff, &conference, &item).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let org = app.organisation(&staff, "Cardiff", "Wales").await;
    let member = app.org_user(&org).await;
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(&member),
        &json!({"payment_method": "cheque", "delegates": [
            {"name": "Ada Jones", "email": "ada@cardiff.example", "dinner": true},
            {"name": "Ben Evans", "email": "ben@cardiff.example", "dinner": false}]}),
    )
    .await
    .expect(201);
    let sent = app.queued("registration_confirmation").await;
    assert_eq!(sent.len(), 2);
    let ada = sent
        .iter()
        .find(|e| e.recipient == "ada@cardiff.example")
        .unwrap();
    assert!(
        ada.text.contains(
            "- Saturday 10 September 2016, 19:30: Conference Dinner, \
             Radisson Blu Hotel Cardiff, Ballroom (your ticket is booked)"
        ),
        "{}",
        ada.text
    );
    assert!(ada.html.contains("<h2>Programme</h2>"));
    let ben = sent
        .iter()
        .find(|e| e.recipient == "ben@cardiff.example")
        .unwrap();
    assert!(ben.text.contains(
        "Conference Dinner, Radisson Blu Hotel Cardiff, Ballroom (ticketed, not booked)"
    ));
    assert!(ben
        .text
        .contains("- Friday 9 September 2016, 18:00: Conference Welcome Reception"));

    // The attachment: the conference as an all-day event, then each item
    // under the feed's UID, so a calendar holds each item once.
    let ics = ada.ics.as_ref().expect("a calendar is attached");
    let calendar = ical::IcalParser::new(ics.as_bytes())
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    assert_eq!(calendar.events.len(), 5);
    let dinner_uid = format!("{}@programme.plenary", ids[2]);
    let dinner = calendar
        .events
        .iter()
        .find(|e| {
            e.properties
                .iter()
                .any(|p| p.name == "UID" && p.value.as_deref() == Some(dinner_uid.as_str()))
        })
        .expect("the dinner is in the attachment");
    let value = |name: &str| {
        dinner
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap()
    };
    assert_eq!(value("DTSTART"), "20160910T183000Z");
    assert_eq!(value("DTEND"), "20160910T223000Z");
}
