//! The `plenary` binary: migrate, create-staff, and refusing bad settings.

use std::process::Command;

fn plenary(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plenary"));
    c.current_dir(dir).env_remove("PLENARY_CONFIG").env(
        "DATABASE_URL",
        format!("sqlite://{}", dir.join("cli.db").display()),
    );
    c
}

#[test]
fn migrate_and_create_staff() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let create = |email: &str, password: &str| {
        plenary(dir.path())
            .args(["create-staff", "--email", email, "--password", password])
            .output()
            .unwrap()
    };
    let out = create("chair@party.example", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));

    let out = create("chair@party.example", "a long enough password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = create("Chair@Party.Example", "a long enough password");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_EMAIL_RETRY_SECS", "soon")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("email_retry_secs"), "{err}");

    let out = plenary(dir.path())
        .env("DATABASE_URL", "mysql://localhost/plenary")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    let cfg = dir.path().join("plenary.toml");
    std::fs::write(&cfg, "listen = \"not an address\"\n").unwrap();
    let out = plenary(dir.path())
        .env("PLENARY_CONFIG", &cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));
}
