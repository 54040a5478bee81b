//! The guides' commands, run as written: every ```` ```sh ```` block of a
//! guide in `docs/`, in order, in one bash script with `set -euo pipefail`,
//! against the binary this checkout builds (as `plenary` on the `PATH`), on
//! a fresh SQLite database in a scratch directory. The one change made to
//! the text is the address: `localhost:8080` becomes a free port, so tests
//! can run side by side. Blocks in other languages (`text`, `ini`, `nginx`,
//! `yaml`) are configuration or need what a test machine lacks (Docker,
//! systemd) and are not run.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

/// The ```` ```sh ```` blocks of a Markdown file, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```sh block");
    blocks
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a guide's shell blocks; `prelude` runs first (for a guide that
/// assumes a server is already running). Returns the scratch directory.
fn run_guide(guide: &str, prelude: &str) -> tempfile::TempDir {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(guide);
    let markdown = std::fs::read_to_string(&path).expect("the guide exists");
    let blocks = shell_blocks(&markdown);
    assert!(!blocks.is_empty(), "{guide} has no sh blocks");

    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_plenary"), bin.join("plenary")).unwrap();
    let address = format!("127.0.0.1:{}", free_port());

    let mut script = String::from(
        "set -euo pipefail\n\
         trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT\n",
    );
    for block in std::iter::once(prelude.to_owned()).chain(blocks) {
        script.push_str(&block.replace("localhost:8080", &address));
    }
    let script_path = dir.path().join("guide.sh");
    std::fs::File::create(&script_path)
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();

    let out = Command::new("bash")
        .arg(&script_path)
        .current_dir(dir.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("plenary.db").display()),
        )
        .env("PLENARY_LISTEN", &address)
        .env("PLENARY_MAIL_DIR", dir.path().join("mail"))
        .env_remove("PLENARY_CONFIG")
        .env_remove("PLENARY_SMTP_URL")
        .env_remove("PLENARY_METRICS_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{guide} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn the_administrators_guide_runs_as_written() {
    let dir = run_guide("admin-guide.md", "");
    let backup = dir.path().join("backups/plenary-first.db");
    assert!(backup.is_file(), "the backup was written");
    let log = std::fs::read_to_string(dir.path().join("plenary.log")).unwrap();
    assert!(!log.contains("chair@party.example"), "{log}");
}

/// The API guide assumes a server is running, as its text says.
const SERVER: &str = "plenary serve > server.log 2>&1 &\n\
     for _ in $(seq 50); do curl -sf localhost:8080/readyz > /dev/null && break; sleep 0.2; done\n";

#[test]
fn the_api_guide_runs_as_written() {
    let dir = run_guide("api-guide.md", SERVER);
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap_or_default();
    let registration: serde_json::Value =
        serde_json::from_slice(&read("registration.json")).expect("the registration was saved");
    assert_eq!(registration["total"], "225.00");
    assert!(
        read("INV-0001.pdf").starts_with(b"%PDF"),
        "the invoice was downloaded"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for wanted in [
        "delegates",
        "motions",
        "rooming-list",
        "attendance",
        "payments",
    ] {
        assert!(
            names
                .iter()
                .any(|n| n.contains(wanted) && n.ends_with(".csv")),
            "{wanted} CSV downloaded: {names:?}"
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.contains("badges") && n.ends_with(".pdf")),
        "badges downloaded: {names:?}"
    );
}

#[test]
fn blocks_are_found_in_order() {
    let md = "text\n```sh\none\ntwo\n```\n```ini\nskip\n```\n```sh\nthree\n```\n";
    assert_eq!(shell_blocks(md), ["one\ntwo\n", "three\n"]);
}
