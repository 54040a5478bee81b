//! SQLite's write-ahead log stays bounded: a reader holding an old
//! snapshot pins the log while it reads (nothing can be copied back past
//! its snapshot), and once it ends the log is truncated under its bound
//! again, whether or not anything is written afterwards.

mod common;

use std::time::Duration;

use common::{Backend, TestApp};
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::json;

const BOUND: u64 = 256 * 1024;

async fn register(app: &TestApp, staff: &str, org: &str, conference: &str, i: usize) {
    app.post(
        &format!("/api/v1/conferences/{conference}/registrations"),
        Some(staff),
        &json!({"organisation_id": org, "payment_method": "invoice",
                "delegates": [{"name": format!("Delegate {i}"), "email": format!("d{i}@wal.example")}]}),
    )
    .await
    .expect(201);
}

/// Polls until the log is under the bound; false if it never gets there.
async fn settles_under_bound(app: &TestApp) -> bool {
    for _ in 0..300 {
        if app.state.pool.wal_bytes() <= BOUND {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reader_pins_the_log_only_while_it_reads() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.sqlite_wal_max_bytes = BOUND).await;
    let staff = app.staff().await;
    let org = app.organisation(&staff, "Cardiff West", "Wales").await;
    let conference = app.conference(&staff, json!({})).await;
    let conference = conference["id"].as_str().unwrap().to_owned();

    // A reader on its own connection (an export streaming to a slow
    // client holds its snapshot the same way).
    let path = app.database_url.strip_prefix("sqlite://").unwrap();
    let mut reader = SqliteConnection::establish(path).unwrap();
    reader.batch_execute("BEGIN").unwrap();
    diesel::sql_query("SELECT id FROM delegates")
        .execute(&mut reader)
        .unwrap();

    // While it reads, writes pile up in the log past its bound.
    let mut i = 0;
    while app.state.pool.wal_bytes() <= 2 * BOUND {
        assert!(i < 2_000, "the log never grew past twice its bound");
        register(&app, &staff, &org, &conference, i).await;
        i += 1;
    }

    // Once it ends, the log is truncated without another write.
    reader.batch_execute("COMMIT").unwrap();
    assert!(
        settles_under_bound(&app).await,
        "the log stayed at {} bytes",
        app.state.pool.wal_bytes()
    );

    // And it stays bounded under further writes once checkpoints succeed.
    for j in 0..50 {
        register(&app, &staff, &org, &conference, i + j).await;
    }
    assert!(settles_under_bound(&app).await);
}
