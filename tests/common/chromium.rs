//! The browser-test harness shared by the Chromium journeys (`browser.rs`,
//! `staff_browser.rs`, `desk_browser.rs`): a chromedriver of our own, a headless Chromium with
//! JavaScript on or off, pages found by their labels and buttons, axe-core
//! run in each page, and screenshots at desktop and phone width. Included
//! with `#[path = "common/chromium.rs"] mod chromium;`.

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

pub fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js")
}

pub fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// What the browser tests need, or why they cannot run: skipped loudly,
/// or failed when `PLENARY_BROWSER_TESTS=require`.
pub fn prerequisites() -> Option<(PathBuf, String)> {
    let missing = match (
        chromedriver(),
        Path::new(CHROMIUM).exists(),
        std::fs::read_to_string(axe_path()),
    ) {
        (Some(driver), true, Ok(axe)) => return Some((driver, axe)),
        (None, _, _) | (_, false, _) => {
            "chromium and chromedriver (apt-get install chromium chromium-driver)".to_owned()
        }
        (_, _, Err(_)) => format!("axe-core at {}", axe_path().display()),
    };
    if std::env::var("PLENARY_BROWSER_TESTS").as_deref() == Ok("require") {
        panic!("browser tests required, but {missing} is missing");
    }
    eprintln!(
        "\n\n*** BROWSER TESTS SKIPPED: {missing} is missing. Run `bash .ci/run`, or install it, \
         to test the portal in Chromium. ***\n"
    );
    None
}

/// A chromedriver of our own on a free loopback port, stopped on drop with
/// every Chromium it started (its process group), so that a journey that
/// failed before closing its session leaves no browser behind.
pub struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_driver(path: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{url}/status")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver {
        child,
        url,
        _profile: tempfile::tempdir().unwrap(),
    }
}

pub async fn open_browser(driver: &Driver, javascript: bool) -> Client {
    let profile = driver._profile.path().display().to_string();
    let mut options = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
            format!("--user-data-dir={profile}"),
            format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
        ],
    });
    if !javascript {
        options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The browser, the server and where this run's screenshots go.
pub struct Journey {
    pub c: Client,
    pub base: String,
    pub javascript: bool,
    pub axe: String,
    pub shots: PathBuf,
    pub shot: usize,
    /// Whether this run also saves phone-width screenshots.
    pub phone: bool,
}

impl Journey {
    /// A journey in a fresh browser on `driver` against the server at
    /// `base`. Its screenshots go to `target/screenshots/[<prefix>-]<backend>-
    /// <js|no-js>` (emptied first), at phone width too on the SQLite run
    /// with JavaScript.
    pub async fn start(
        driver: &Driver,
        base: &str,
        axe: String,
        prefix: &str,
        backend: &str,
        javascript: bool,
    ) -> Journey {
        let run = format!("{backend}-{}", if javascript { "js" } else { "no-js" });
        let name = match prefix {
            "" => run,
            prefix => format!("{prefix}-{run}"),
        };
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/screenshots")
            .join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Journey {
            c: open_browser(driver, javascript).await,
            base: base.to_owned(),
            javascript,
            axe,
            shots,
            shot: 0,
            phone: javascript && backend == "sqlite",
        }
    }

    pub async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    pub async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    #[track_caller]
    pub fn expect_contains(page: &str, wanted: &str) {
        assert!(
            page.contains(wanted),
            "expected {wanted:?} on the page:\n{page}"
        );
    }

    /// The input labelled `label`, within the fieldset whose legend is
    /// `within` if given: found through the label, so the label must name
    /// the input.
    pub async fn field(&self, within: Option<&str>, label: &str) -> fantoccini::elements::Element {
        let scope = within
            .map(|l| format!("//fieldset[legend[normalize-space()='{l}']]"))
            .unwrap_or_default();
        let xpath = format!("{scope}//label[normalize-space()='{label}']");
        let label_el = self
            .c
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no label {label:?}: {e}"));
        let id = label_el.attr("for").await.unwrap().expect("label has for=");
        self.c.find(Locator::Id(&id)).await.unwrap()
    }

    pub async fn fill(&self, within: Option<&str>, label: &str, value: &str) {
        let f = self.field(within, label).await;
        f.clear().await.unwrap();
        f.send_keys(value).await.unwrap();
    }

    pub async fn tick(&self, within: Option<&str>, label: &str) {
        let scope = within
            .map(|l| format!("//fieldset[legend[normalize-space()='{l}']]"))
            .unwrap_or_default();
        self.c
            .find(Locator::XPath(&format!(
                "{scope}//label[normalize-space()='{label}']"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks and waits for the next page: until the current document is
    /// gone (its root element goes stale).
    pub async fn click_to_next_page(&self, el: fantoccini::elements::Element) {
        let root = self.c.find(Locator::Css("html")).await.unwrap();
        el.click().await.unwrap();
        for _ in 0..200 {
            if root.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no new page after the click");
    }

    pub async fn button(&self, button: &str) -> fantoccini::elements::Element {
        self.c
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{button}']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no button {button:?}: {e}"))
    }

    /// Presses a button that sends its form.
    pub async fn press(&self, button: &str) {
        self.click_to_next_page(self.button(button).await).await;
    }

    pub async fn follow(&self, link: &str) {
        let el = self
            .c
            .find(Locator::XPath(&format!("//a[normalize-space()='{link}']")))
            .await
            .unwrap_or_else(|e| panic!("no link {link:?}: {e}"));
        self.click_to_next_page(el).await;
    }

    /// Runs axe-core in the page: no violations of the WCAG A and AA rules.
    pub async fn axe(&self, name: &str) {
        self.c.execute(&self.axe, vec![]).await.unwrap();
        let script = format!(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {{runOnly: {{type: 'tag', values: {tags}}}}})
               .then(function (r) {{ done(r.violations.map(function (v) {{
                 return {{id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.map(function (n) {{ return n.target.join(' '); }})}}; }})); }})
               .catch(function (e) {{ done([{{id: 'axe-failed', help: String(e)}}]); }});",
            tags = serde_json::to_string(&AXE_TAGS).unwrap()
        );
        let violations = self.c.execute_async(&script, vec![]).await.unwrap();
        assert_eq!(
            violations,
            json!([]),
            "axe-core found accessibility violations on {name}: {violations:#}"
        );
    }

    /// Saves a full-page screenshot at desktop width (and phone width, on
    /// the run that takes those), then checks the page with axe-core.
    pub async fn page(&mut self, name: &str) {
        self.shot += 1;
        let widths: &[(u32, u32, &str)] = if self.phone {
            &[
                (DESKTOP.0, DESKTOP.1, "desktop"),
                (PHONE.0, PHONE.1, "phone"),
            ]
        } else {
            &[(DESKTOP.0, DESKTOP.1, "desktop")]
        };
        for (w, h, label) in widths {
            self.c.set_window_size(*w, *h).await.unwrap();
            let height = self
                .c
                .execute("return document.documentElement.scrollHeight;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or(u64::from(*h));
            self.c
                .set_window_size(*w, (height as u32).clamp(*h, 6000))
                .await
                .unwrap();
            let png = self.c.screenshot().await.unwrap();
            std::fs::write(
                self.shots
                    .join(format!("{:02}-{name}-{label}.png", self.shot)),
                png,
            )
            .unwrap();
        }
        self.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
        if self.javascript {
            self.axe(name).await;
        }
    }
}
