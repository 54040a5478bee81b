//! Hotel room blocks: the Annual Conference's blocks at the Radisson Blu
//! and the Park Inn as data, a room booked and priced with a place, no
//! night oversold under a 40-way race, the release date, cancellation
//! freeing the nights, and the rooming list as CSV and XLSX.

mod common;

use std::sync::Arc;

use calamine::{Data, DataType, Reader, Xlsx};
use common::{london, Backend, TestApp};
use serde_json::{json, Value};

backend_tests!(
    the_annual_blocks_are_data_and_a_room_is_priced_at_receipt,
    bad_room_requests_are_refused_and_change_nothing,
    forty_racers_for_two_rooms_get_exactly_two,
    a_block_is_offered_until_the_end_of_its_release_date,
    cancelling_frees_the_nights_and_the_room_fee,
    a_substitute_takes_the_room_with_the_place,
    the_rooming_list_is_per_hotel_as_csv_and_xlsx,
    the_console_lists_blocks_adds_one_and_downloads_the_rooming_list,
    the_portal_offers_a_room_with_each_place,
);

const RADISSON: &str = "Radisson Blu Hotel Cardiff";
const PARK_INN: &str = "Park Inn by Radisson Cardiff City Centre";

struct Fixture {
    app: TestApp,
    staff: String,
    member: String,
    conference: String,
    radisson: String,
    park_inn: String,
}

fn radisson() -> Value {
    json!({"hotel": RADISSON, "hotel_address": "Meridian Gate, Bute Terrace, Cardiff CF10 2FL",
           "room_type": "Double for single use", "nightly_rate": "125.00",
           "nights": {"2016-09-08": 10, "2016-09-09": 30, "2016-09-10": 30},
           "release_on": "2016-08-12"})
}

fn park_inn() -> Value {
    json!({"hotel": PARK_INN, "hotel_address": "Mary Ann Street, Cardiff CF10 2JH",
           "room_type": "Standard double", "nightly_rate": "89.00",
           "nights": {"2016-09-09": 20, "2016-09-10": 20},
           "release_on": "2016-08-12"})
}

async fn fixture(b: Backend) -> Fixture {
    let app = TestApp::spawn(b).await;
    app.clock.set(london(2016, 6, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app
        .organisation(&staff, "Cardiff Co-operative Party", "Wales")
        .await;
    let member = app.org_user(&org).await;
    let conference = app.conference(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/conferences/{conference}/room-blocks");
    let radisson = app.post(&path, Some(&staff), &radisson()).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let park_inn = app.post(&path, Some(&staff), &park_inn()).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        app,
        staff,
        member,
        conference,
        radisson,
        park_inn,
    }
}

fn delegate(name: &str, room: Option<(&str, &[&str])>) -> Value {
    let mut d = json!({
        "name": name,
        "email": format!("{}@cardiff.example", name.to_lowercase().replace(' ', ".")),
        "dinner": true,
        "dietary_requirements": "",
        "access_requirements": "",
    });
    if let Some((block, nights)) = room {
        d["room"] = json!({"room_block_id": block, "nights": nights});
    }
    d
}

impl Fixture {
    async fn register(&self, delegates: Vec<Value>) -> common::Response {
        self.app
            .post(
                &format!("/api/v1/conferences/{}/registrations", self.conference),
                Some(&self.member),
                &json!({"payment_method": "invoice", "delegates": delegates}),
            )
            .await
    }

    async fn blocks(&self) -> Value {
        self.app
            .get(
                &format!("/api/v1/conferences/{}/room-blocks", self.conference),
                None,
            )
            .await
            .expect(200)
    }

    /// Rooms left per night of one block.
    async fn left(&self, block: &str) -> Vec<(String, u64)> {
        let blocks = self.blocks().await;
        let b = blocks["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == block)
            .unwrap()
            .clone();
        b["nights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["night"].as_str().unwrap().to_owned(),
                    n["left"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

fn nights(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(n, l)| (n.to_string(), *l)).collect()
}

async fn the_annual_blocks_are_data_and_a_room_is_priced_at_receipt(b: Backend) {
    let f = fixture(b).await;
    let blocks = f.blocks().await;
    let hotels: Vec<&str> = blocks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["hotel"].as_str().unwrap())
        .collect();
    assert_eq!(hotels, [PARK_INN, RADISSON]);
    let park = &blocks["items"][0];
    assert_eq!(park["nightly_rate"], "89.00");
    assert_eq!(park["currency"], "GBP");
    assert_eq!(park["release_on"], "2016-08-12");
    assert_eq!(park["offered"], true);
    assert_eq!(
        park["nights"],
        json!([{"night": "2016-09-09", "rooms": 20, "left": 20},
               {"night": "2016-09-10", "rooms": 20, "left": 20}])
    );

    let reg = f
        .register(vec![
            delegate(
                "Ada Jones",
                Some((&f.park_inn, &["2016-09-10", "2016-09-09"])),
            ),
            delegate("Ben Evans", None),
        ])
        .await
        .expect(201);
    let ada = &reg["delegates"][0];
    // Early bird £90 + dinner £45 + two nights at £89.
    assert_eq!(ada["room_fee"], "178.00");
    assert_eq!(ada["fee"], "313.00");
    assert_eq!(
        ada["room"],
        json!({"room_block_id": f.park_inn, "nights": ["2016-09-09", "2016-09-10"],
               "arrival": "2016-09-09", "departure": "2016-09-11"})
    );
    assert_eq!(reg["delegates"][1]["room_fee"], "0.00");
    assert_eq!(reg["delegates"][1]["room"], Value::Null);
    assert_eq!(reg["total"], "448.00");
    assert_eq!(
        f.left(&f.park_inn).await,
        nights(&[("2016-09-09", 19), ("2016-09-10", 19)])
    );
    assert_eq!(
        f.left(&f.radisson).await,
        nights(&[("2016-09-08", 10), ("2016-09-09", 30), ("2016-09-10", 30)])
    );

    // The price was fixed at receipt: the invoice has the room as a line.
    let invoices = f
        .app
        .get(
            &format!(
                "/api/v1/registrations/{}/invoices",
                reg["id"].as_str().unwrap()
            ),
            Some(&f.member),
        )
        .await
        .expect(200);
    assert_eq!(invoices["items"][0]["total"], "448.00");
}

async fn bad_room_requests_are_refused_and_change_nothing(b: Backend) {
    let f = fixture(b).await;
    let fields = |v: Value| -> Vec<String> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let gap = f
        .register(vec![delegate(
            "Ada Jones",
            Some((&f.radisson, &["2016-09-08", "2016-09-10"])),
        )])
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(gap), ["delegates[0].room.nights"]);
    let not_held = f
        .register(vec![delegate(
            "Ada Jones",
            Some((&f.park_inn, &["2016-09-08"])),
        )])
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(not_held), ["delegates[0].room.nights"]);
    let typed = f
        .register(vec![delegate(
            "Ada Jones",
            Some(("nope", &["9 September"])),
        )])
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        fields(typed),
        [
            "delegates[0].room.room_block_id",
            "delegates[0].room.nights[0]"
        ]
    );
    // Another conference's block is no block of this one.
    let other = f.app.conference(&f.staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = f
        .app
        .post(
            &format!("/api/v1/conferences/{other}/room-blocks"),
            Some(&f.staff),
            &park_inn(),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = f
        .register(vec![delegate(
            "Ada Jones",
            Some((&elsewhere, &["2016-09-09"])),
        )])
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(foreign), ["delegates[0].room.room_block_id"]);

    let bad_block = f
        .app
        .post(
            &format!("/api/v1/conferences/{}/room-blocks", f.conference),
            Some(&f.staff),
            &json!({"hotel": "", "hotel_address": "Cardiff", "room_type": "Twin",
                    "nightly_rate": "-1", "nights": {}, "release_on": "2016-09-20"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(fields(bad_block), ["hotel", "nightly_rate", "nights"]);
    f.app
        .post(
            &format!("/api/v1/conferences/{}/room-blocks", f.conference),
            Some(&f.member),
            &park_inn(),
        )
        .await
        .problem(403, "forbidden");
    assert_eq!(
        f.app
            .get(
                &format!("/api/v1/conferences/{}/registrations", f.conference),
                Some(&f.staff)
            )
            .await
            .expect(200)["items"],
        json!([])
    );
    assert_eq!(f.blocks().await["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        f.left(&f.park_inn).await,
        nights(&[("2016-09-09", 20), ("2016-09-10", 20)])
    );
}

async fn forty_racers_for_two_rooms_get_exactly_two(b: Backend) {
    let f = fixture(b).await;
    let small = f
        .app
        .post(
            &format!("/api/v1/conferences/{}/room-blocks", f.conference),
            Some(&f.staff),
            &json!({"hotel": PARK_INN, "hotel_address": "Mary Ann Street, Cardiff CF10 2JH",
                    "room_type": "Accessible double", "nightly_rate": "89.00",
                    "nights": {"2016-09-09": 2, "2016-09-10": 40}, "release_on": "2016-08-12"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let f = Arc::new(f);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (f, small) = (f.clone(), small.clone());
        tasks.push(tokio::spawn(async move {
            let res = f
                .register(vec![delegate(
                    &format!("Racer {i}"),
                    Some((&small, &["2016-09-09", "2016-09-10"])),
                )])
                .await;
            (res.status.as_u16(), res.body)
        }));
    }
    let mut booked = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => booked += 1,
            409 => {
                assert_eq!(body["code"], "capacity_reached", "{body}");
                let detail = body["detail"].as_str().unwrap();
                assert!(detail.contains("night of 2016-09-09"), "{detail}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(booked, 2);
    assert_eq!(
        f.left(&small).await,
        nights(&[("2016-09-09", 0), ("2016-09-10", 38)])
    );
    let regs = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/registrations", f.conference),
            Some(&f.staff),
        )
        .await
        .expect(200);
    assert_eq!(regs["items"].as_array().unwrap().len(), 2);
}

async fn a_block_is_offered_until_the_end_of_its_release_date(b: Backend) {
    let f = fixture(b).await;
    f.app.clock.set(london(2016, 8, 12, 23, 59, 59));
    f.register(vec![delegate(
        "Last Minute",
        Some((&f.radisson, &["2016-09-09"])),
    )])
    .await
    .expect(201);
    f.app.clock.set(london(2016, 8, 13, 0, 0, 0));
    let refused = f
        .register(vec![delegate(
            "Too Late",
            Some((&f.radisson, &["2016-09-09"])),
        )])
        .await
        .problem(409, "deadline_passed");
    assert!(refused["detail"].as_str().unwrap().contains(RADISSON));
    // The place alone is still open until 22 August.
    f.register(vec![delegate("Too Late", None)])
        .await
        .expect(201);
    let blocks = f.blocks().await;
    assert_eq!(blocks["items"][1]["offered"], false);
    assert_eq!(
        f.left(&f.radisson).await,
        nights(&[("2016-09-08", 10), ("2016-09-09", 29), ("2016-09-10", 30)])
    );
}

async fn cancelling_frees_the_nights_and_the_room_fee(b: Backend) {
    let f = fixture(b).await;
    let reg = f
        .register(vec![
            delegate(
                "Ada Jones",
                Some((&f.radisson, &["2016-09-08", "2016-09-09"])),
            ),
            delegate("Ben Evans", Some((&f.radisson, &["2016-09-09"]))),
        ])
        .await
        .expect(201);
    // 2 × (£90 + £45) + 3 nights at £125.
    assert_eq!(reg["total"], "645.00");
    assert_eq!(
        f.left(&f.radisson).await,
        nights(&[("2016-09-08", 9), ("2016-09-09", 28), ("2016-09-10", 30)])
    );
    let ada = reg["delegates"][0]["id"].as_str().unwrap();
    let after = f
        .app
        .post(
            &format!("/api/v1/delegates/{ada}/cancellation"),
            Some(&f.member),
            &json!({}),
        )
        .await
        .expect(200);
    // Like a pass: the cancelled place's whole fee, room included, is off.
    assert_eq!(after["total"], "260.00");
    assert_eq!(
        f.left(&f.radisson).await,
        nights(&[("2016-09-08", 10), ("2016-09-09", 29), ("2016-09-10", 30)])
    );
}

async fn the_rooming_list_is_per_hotel_as_csv_and_xlsx(b: Backend) {
    let f = fixture(b).await;
    let mut ada = delegate(
        "Ada Jones",
        Some((&f.radisson, &["2016-09-09", "2016-09-10"])),
    );
    ada["access_requirements"] = json!("Step-free room");
    ada["dietary_requirements"] = json!("Vegan");
    let reg = f
        .register(vec![
            ada,
            delegate("Ben Evans", Some((&f.park_inn, &["2016-09-10"]))),
            delegate("=Cara Price", Some((&f.radisson, &["2016-09-08"]))),
            delegate("Dai Roberts", None),
        ])
        .await
        .expect(201);
    let reference = reg["reference"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/conferences/{}/rooming-list{tail}", f.conference);

    let res = f.app.get(&path(".csv"), Some(&f.staff)).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("-rooming-list-2016-06-01.csv"),
        "{disposition}"
    );
    let text = res.text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "guest",
            "organisation",
            "reference",
            "hotel",
            "room_type",
            "arrival",
            "departure",
            "nights",
            "requirements"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        rows,
        [
            row(&[
                "Ben Evans",
                "Cardiff Co-operative Party",
                &reference,
                PARK_INN,
                "Standard double",
                "2016-09-10",
                "2016-09-11",
                "1",
                ""
            ]),
            row(&[
                "'=Cara Price",
                "Cardiff Co-operative Party",
                &reference,
                RADISSON,
                "Double for single use",
                "2016-09-08",
                "2016-09-09",
                "1",
                ""
            ]),
            row(&[
                "Ada Jones",
                "Cardiff Co-operative Party",
                &reference,
                RADISSON,
                "Double for single use",
                "2016-09-09",
                "2016-09-11",
                "2",
                "Access: Step-free room; Dietary: Vegan"
            ]),
        ]
    );

    let res = f
        .app
        .get(
            &format!(
                "{}?hotel={}",
                path(".csv"),
                "Park%20Inn%20by%20Radisson%20Cardiff%20City%20Centre"
            ),
            Some(&f.staff),
        )
        .await;
    assert_eq!(res.status, 200);
    let mut reader = csv::Reader::from_reader(res.text.trim_start_matches('\u{feff}').as_bytes());
    let guests: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(guests, ["Ben Evans"]);

    let res = f
        .app
        .client
        .get(format!("{}{}", f.app.base, path(".xlsx")))
        .bearer_auth(&f.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("Rooming list").unwrap();
    let cells: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[0][0], Data::String("guest".into()));
    assert_eq!(cells[3][0], Data::String("Ada Jones".into()));
    assert_eq!(cells[3][7], Data::Float(2.0));
    let arrival = cells[3][5].as_date().expect("arrival is a date");
    assert_eq!(arrival.to_string(), "2016-09-09");
    assert_eq!(cells[2][0], Data::String("=Cara Price".into()));

    f.app
        .get(&path(".csv"), Some(&f.member))
        .await
        .problem(403, "forbidden");
    f.app
        .get(&path(".xlsx"), None)
        .await
        .problem(401, "unauthenticated");
}

async fn the_console_lists_blocks_adds_one_and_downloads_the_rooming_list(b: Backend) {
    let f = fixture(b).await;
    f.register(vec![delegate(
        "Ada Jones",
        Some((&f.park_inn, &["2016-09-09"])),
    )])
    .await
    .expect(201);
    f.app.create_user("desk@party.example", "staff", None).await;
    let mut desk = common::visitor::Visitor::new(&f.app);
    assert_eq!(
        desk.sign_in("desk@party.example", common::PASSWORD)
            .await
            .status,
        303
    );
    let path = format!("/staff/conferences/{}/rooms", f.conference);
    let page = desk.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(PARK_INN));
    assert!(
        page.text.contains("Friday 9 September 2016: 19 of 20"),
        "{}",
        page.text
    );
    assert!(page.text.contains("£89.00"));
    assert!(page.text.contains("Rooming list (CSV)"));
    assert!(page.text.contains("Rooming list (Excel)"));

    let csrf = page.hidden("csrf_token");
    let key = page.hidden("idempotency_key");
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("hotel", "Mercure Cardiff Holland House"),
        ("hotel_address", "24-26 Newport Road, Cardiff CF24 0DD"),
        ("room_type", "Twin"),
        ("nightly_rate", "79.00"),
        ("first_night", "2016-09-09"),
        ("last_night", "2016-09-08"),
        ("rooms", "10"),
        ("release_on", "2016-08-12"),
    ];
    let refused = desk.post(&path, &form).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused
        .text
        .contains("Last night must be on or after the first night"));
    assert!(refused
        .text
        .contains("value=\"Mercure Cardiff Holland House\""));
    form[7] = ("last_night", "2016-09-10");
    let added = desk.post(&path, &form).await;
    assert_eq!(added.status, 303, "{}", added.text);
    // The same form sent twice adds one block.
    assert_eq!(desk.post(&path, &form).await.status, 303);
    let blocks = f.blocks().await;
    let mercure: Vec<&Value> = blocks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["hotel"] == "Mercure Cardiff Holland House")
        .collect();
    assert_eq!(mercure.len(), 1);
    assert_eq!(
        mercure[0]["nights"],
        json!([{"night": "2016-09-09", "rooms": 10, "left": 10},
               {"night": "2016-09-10", "rooms": 10, "left": 10}])
    );

    let csv = desk
        .get(&format!(
            "/staff/conferences/{}/rooming-list.csv?hotel=Park+Inn+by+Radisson+Cardiff+City+Centre",
            f.conference
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains("Ada Jones"), "{}", csv.text);
    let xlsx = desk
        .get(&format!(
            "/staff/conferences/{}/rooming-list.xlsx",
            f.conference
        ))
        .await;
    assert_eq!(xlsx.status, 200);

    // A visitor who is not signed in is sent to sign in.
    let anonymous = common::visitor::Visitor::new(&f.app);
    assert_eq!(anonymous.get(&path).await.status, 303);
    form[2] = ("hotel", "Sneaky Hotel");
    anonymous.post(&path, &form).await;
    assert!(!f.blocks().await.to_string().contains("Sneaky Hotel"));
}

async fn a_substitute_takes_the_room_with_the_place(b: Backend) {
    let f = fixture(b).await;
    let reg = f
        .register(vec![delegate(
            "Ada Jones",
            Some((&f.park_inn, &["2016-09-09", "2016-09-10"])),
        )])
        .await
        .expect(201);
    let ada = reg["delegates"][0]["id"].as_str().unwrap();
    f.app
        .post(
            &format!("/api/v1/delegates/{ada}/substitution"),
            Some(&f.member),
            &json!({"name": "Bea Morgan", "email": "bea@cardiff.example"}),
        )
        .await
        .expect(200);
    let after = f
        .app
        .get(
            &format!("/api/v1/registrations/{}", reg["id"].as_str().unwrap()),
            Some(&f.member),
        )
        .await
        .expect(200);
    let bea = after["delegates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Bea Morgan" && d["status"] == "active")
        .expect("the substitute holds the place")
        .clone();
    assert_eq!(bea["room"]["arrival"], "2016-09-09");
    assert_eq!(bea["room_fee"], "178.00");
    assert_eq!(after["total"], reg["total"]);
    assert_eq!(
        f.left(&f.park_inn).await,
        nights(&[("2016-09-09", 19), ("2016-09-10", 19)])
    );
    let csv = f
        .app
        .get(
            &format!("/api/v1/conferences/{}/rooming-list.csv", f.conference),
            Some(&f.staff),
        )
        .await;
    assert!(csv.text.contains("Bea Morgan"));
    assert!(!csv.text.contains("Ada Jones"));
}

async fn the_portal_offers_a_room_with_each_place(b: Backend) {
    let f = fixture(b).await;
    let org = f
        .app
        .get("/api/v1/organisations", Some(&f.member))
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.app
        .create_user("secretary@cardiff.example", "organisation", Some(&org))
        .await;
    let mut secretary = common::visitor::Visitor::new(&f.app);
    assert_eq!(
        secretary
            .sign_in("secretary@cardiff.example", common::PASSWORD)
            .await
            .status,
        303
    );
    let path = format!("/portal/conferences/{}/register", f.conference);
    let form = secretary.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form
        .text
        .contains("<label class=\"label\" for=\"delegates-0-room\">Hotel room</label>"));
    assert!(form.text.contains("No hotel room"));
    let label = format!(
        "{PARK_INN}, Standard double: 9 September 2016 to 11 September 2016 (2 nights, £178.00)"
    );
    assert!(form.text.contains(&label), "{}", form.text);
    let value = format!("{}|2016-09-09|2016-09-11|17800", f.park_inn);
    let csrf = form.hidden("csrf_token");
    let key = form.hidden("idempotency_key");
    let done = secretary
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("delegates-0-name", "Ada Jones"),
                ("delegates-0-email", "ada@cardiff.example"),
                ("delegates-0-dinner", "yes"),
                ("delegates-0-room", value.as_str()),
                ("payment_method", "cheque"),
                ("action", "register"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(
        f.left(&f.park_inn).await,
        nights(&[("2016-09-09", 19), ("2016-09-10", 19)])
    );
    let booking = secretary.get(done.location()).await;
    assert!(booking.text.contains("£313.00"), "{}", booking.text);

    // A stay the block does not hold is refused beside the room's input.
    let form = secretary.get(&path).await;
    let csrf = form.hidden("csrf_token");
    let key = form.hidden("idempotency_key");
    let bad = format!("{}|2016-09-08|2016-09-10|0", f.park_inn);
    let refused = secretary
        .post(
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("delegates-0-name", "Ben Evans"),
                ("delegates-0-email", "ben@cardiff.example"),
                ("delegates-0-room", bad.as_str()),
                ("payment_method", "cheque"),
                ("action", "register"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused.text.contains("id=\"delegates-0-room-error\""),
        "{}",
        refused.text
    );
    assert!(refused
        .text
        .contains("Delegate 1: Hotel room the block has no rooms on the night of 2016-09-08"));
}
