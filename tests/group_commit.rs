//! The group commit (`plenary::db::group`): writes waiting together share
//! one transaction, each in its own savepoint; a refused write changes
//! nothing and leaves the others in its batch committed; a write that
//! panics takes its batch with it and every caller hears so; and
//! registrations through the API are committed in shared batches.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{Backend, TestApp};
use diesel::RunQueryDsl;
use plenary::db::group::GroupCommit;
use plenary::db::DbConnection;
use plenary::ops::Error;
use serde_json::json;

#[derive(diesel::QueryableByName)]
struct Numbers {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

fn insert(conn: &mut DbConnection, n: i64) -> Result<(), Error> {
    diesel::sql_query(format!("INSERT INTO scratch (n) VALUES ({n})")).execute(conn)?;
    Ok(())
}

fn stored(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query("SELECT COUNT(*) AS count FROM scratch")
        .get_result::<Numbers>(&mut conn)
        .unwrap()
        .count
}

async fn scratch_app(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query("CREATE TABLE scratch (n BIGINT PRIMARY KEY)")
        .execute(&mut conn)
        .unwrap();
    app
}

/// Holds the writer inside a first write until `open` is sent, so that
/// the writes queued meanwhile form the next batch together.
async fn hold_writer(group: &GroupCommit) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (open, gate) = mpsc::channel::<()>();
    let g = group.clone();
    let first = tokio::spawn(async move {
        g.run(String::new(), move |_conn| {
            gate.recv().unwrap();
            Ok::<(), Error>(())
        })
        .await
        .unwrap()
    });
    while group.stats().batches == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (open, first)
}

async fn wait_for_queue(group: &GroupCommit, waiting: u64) {
    while group.stats().waiting < waiting {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs `writes` as one batch: the writer is held inside a first write
/// until all of them are queued, then let go. Their answers, in order.
async fn one_batch<T, F>(
    group: &GroupCommit,
    writes: impl IntoIterator<Item = (String, F)>,
) -> Vec<Result<T, Error>>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
{
    let (open, first) = hold_writer(group).await;
    let queued: Vec<_> = writes
        .into_iter()
        .map(|(order, f)| {
            let g = group.clone();
            tokio::spawn(async move { g.run(order, f).await })
        })
        .collect();
    wait_for_queue(group, queued.len() as u64).await;
    open.send(()).unwrap();
    first.await.unwrap();
    let mut answers = Vec::new();
    for q in queued {
        answers.push(q.await.unwrap());
    }
    answers
}

async fn a_refused_write_changes_nothing_and_its_batch_commits(backend: Backend) {
    let app = scratch_app(backend).await;
    let group = GroupCommit::start(app.state.pool.clone(), 64).unwrap();
    let answers = one_batch(
        &group,
        (1..=6_i64).map(|n| {
            (format!("{n:02}"), move |conn: &mut DbConnection| {
                insert(conn, n)?;
                if n % 3 == 0 {
                    // Written, then refused: the savepoint takes it back.
                    return Err(Error::Conflict(format!("{n} is refused")));
                }
                Ok(n)
            })
        }),
    )
    .await;
    for (n, answer) in (1..=6_i64).zip(&answers) {
        match answer {
            Ok(v) => assert!(n % 3 != 0 && *v == n),
            Err(Error::Conflict(why)) => assert!(n % 3 == 0, "{why}"),
            Err(other) => panic!("write {n}: {other}"),
        }
    }
    let stats = group.stats();
    assert_eq!(
        (stats.batches, stats.writes, stats.waiting),
        (2, 7, 0),
        "the six writes queued behind the first shared one transaction"
    );
    assert_eq!(stored(&app), 4, "the four accepted writes");
}

async fn a_write_that_fails_in_the_database_leaves_the_batch_usable(backend: Backend) {
    let app = scratch_app(backend).await;
    let group = GroupCommit::start(app.state.pool.clone(), 64).unwrap();
    // The second inserts a number the first took in the same transaction:
    // a unique violation, which on PostgreSQL aborts the transaction
    // unless its savepoint is rolled back.
    let answers = one_batch(
        &group,
        [("a", 1_i64), ("b", 1), ("c", 2)].map(|(order, n)| {
            (order.to_owned(), move |conn: &mut DbConnection| {
                insert(conn, n)
            })
        }),
    )
    .await;
    let answers: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(answers, [true, false, true]);
    assert_eq!(stored(&app), 2);
}

async fn a_panic_rolls_back_its_batch_and_every_caller_is_told(backend: Backend) {
    let app = scratch_app(backend).await;
    let group = GroupCommit::start(app.state.pool.clone(), 64).unwrap();
    let answers = one_batch(
        &group,
        (1..=3_i64).map(|n| {
            (format!("{n}"), move |conn: &mut DbConnection| {
                insert(conn, n)?;
                assert!(n != 2, "write 2 panics");
                Ok(())
            })
        }),
    )
    .await;
    let answers: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(
        answers,
        [false, false, false],
        "nothing in the batch committed"
    );
    assert_eq!(stored(&app), 0);
    group
        .run(String::new(), |conn| insert(conn, 9))
        .await
        .expect("the writer carries on with a fresh connection");
    assert_eq!(stored(&app), 1);
}

/// Registrations through the API join the group commit: forty queued
/// together for a conference of thirty places are one transaction that
/// takes exactly thirty; the ten refusals change nothing.
async fn concurrent_registrations_share_one_transaction(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.staff().await;
    let conference = app.conference(&staff, json!({"capacity": 30})).await;
    let id = conference["id"].as_str().unwrap().to_owned();
    let org = app
        .organisation(&staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let group = app
        .state
        .writer
        .clone()
        .expect("group commit is on by default");
    let (open, first) = hold_writer(&group).await;
    let before = group.stats();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (base, client, staff, id, org) = (
            app.base.clone(),
            app.client.clone(),
            staff.clone(),
            id.clone(),
            org.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(format!("{base}/api/v1/conferences/{id}/registrations"))
                .bearer_auth(staff)
                .json(&json!({
                    "organisation_id": org,
                    "payment_method": "cheque",
                    "delegates": [{"name": format!("Delegate {i}"),
                                   "email": format!("d{i}@example.org")}],
                }))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap();
            (status, body)
        }));
    }
    wait_for_queue(&group, 40).await;
    open.send(()).unwrap();
    first.await.unwrap();
    let mut accepted = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => accepted += 1,
            409 => assert_eq!(body["code"], "capacity_reached", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(accepted, 30);
    let after = group.stats();
    assert_eq!(
        (after.batches - before.batches, after.writes - before.writes),
        (1, 40)
    );
    let conference_id = plenary::ids::ConferenceId::parse(&id).unwrap();
    let taken = app
        .state
        .db(move |conn| {
            Ok(plenary::registrations::capacity::taken(
                conn,
                &conference_id,
            )?)
        })
        .await
        .unwrap();
    assert_eq!(taken, (30, 0));
    let list = app
        .get(
            &format!("/api/v1/conferences/{id}/registrations?limit=100"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 30);
    let queued = app.queued("registration_confirmation").await;
    assert_eq!(queued.len(), 30, "emails only for the accepted");
}

/// With `group_commit_max = 0` every registration has a transaction of
/// its own, and the rules hold the same.
async fn group_commit_can_be_turned_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.group_commit_max = 0).await;
    assert!(app.state.writer.is_none());
    let staff = app.staff().await;
    let conference = app.conference(&staff, json!({"capacity": 1})).await;
    let id = conference["id"].as_str().unwrap().to_owned();
    let org = app
        .organisation(&staff, "Leeds", "Yorkshire & the Humber")
        .await;
    let register = |n: u32| {
        json!({
            "organisation_id": org,
            "payment_method": "cheque",
            "delegates": [{"name": format!("Delegate {n}"), "email": format!("d{n}@example.org")}],
        })
    };
    let path = format!("/api/v1/conferences/{id}/registrations");
    app.post(&path, Some(&staff), &register(1))
        .await
        .expect(201);
    app.post(&path, Some(&staff), &register(2))
        .await
        .problem(409, "capacity_reached");
}

backend_tests!(
    group_commit_can_be_turned_off,
    a_refused_write_changes_nothing_and_its_batch_commits,
    a_write_that_fails_in_the_database_leaves_the_batch_usable,
    a_panic_rolls_back_its_batch_and_every_caller_is_told,
    concurrent_registrations_share_one_transaction,
);
