//! Data protection: the register of personal data covers every column of
//! the migrated schema, and the README's table is the register's.

mod common;

use std::collections::BTreeSet;

use common::{Backend, TestDb};
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use plenary::db::{migrate, DatabaseTarget, Manager};
use plenary::privacy::register::{lookup, markdown_table, REGISTER};

backend_tests!(every_column_of_every_table_is_in_the_register);

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Every (table, column) of the migrated schema, Diesel's own table aside.
fn schema_columns(backend: &Backend) -> BTreeSet<(String, String)> {
    let (_db, url) = TestDb::create(backend);
    let target = DatabaseTarget::parse(&url).unwrap();
    migrate(&target).expect("migrate");
    let mut conn = Manager::new(target.clone()).establish().unwrap();
    let query = if target.is_sqlite() {
        "SELECT m.name AS table_name, p.name AS column_name \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
    } else {
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = 'public'"
    };
    diesel::sql_query(query)
        .load::<Column>(&mut conn)
        .unwrap()
        .into_iter()
        .filter(|c| c.table_name != "__diesel_schema_migrations")
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

async fn every_column_of_every_table_is_in_the_register(backend: Backend) {
    let columns = schema_columns(&backend);
    assert!(columns.len() > 100, "read {} columns", columns.len());
    let unclassified: Vec<String> = columns
        .iter()
        .filter(|(t, c)| lookup(t, c).is_none())
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "columns the register of personal data does not classify: {}. Add an entry for each \
         to REGISTER in src/privacy/register.rs (personal(...) with its category, purpose and \
         retention, or not(...) with why it is not personal), then copy the README's \
         \"Personal data\" table from the failure of readme_table_is_the_register",
        unclassified.join(", ")
    );
    let stale: Vec<String> = REGISTER
        .iter()
        .filter(|e| !columns.contains(&(e.table.to_owned(), e.column.to_owned())))
        .map(|e| format!("{}.{}", e.table, e.column))
        .collect();
    assert!(
        stale.is_empty(),
        "src/privacy/register.rs lists columns the schema no longer has: {}",
        stale.join(", ")
    );
}

#[test]
fn readme_table_is_the_register() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = "<!-- personal-data-register:start -->\n";
    let end = "<!-- personal-data-register:end -->";
    let from = readme
        .find(start)
        .expect("README has the register's start marker")
        + start.len();
    let to = readme[from..]
        .find(end)
        .expect("README has the register's end marker")
        + from;
    let expected = markdown_table();
    assert!(
        readme[from..to] == expected,
        "the README's \"Personal data\" table differs from src/privacy/register.rs; \
         replace the lines between the markers with:\n{expected}"
    );
}
