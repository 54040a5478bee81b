//! The organisation portal in a real browser: headless Chromium driven over
//! WebDriver (chromedriver) against the real server, on SQLite and
//! PostgreSQL, with JavaScript on and off. A local party secretary signs in
//! (after a wrong password), registers two delegates (one dining) at the
//! early-bird price, sees £225.00 and the booking reference, finds the
//! booking in the list, substitutes a delegate, submits a 300-word motion
//! and is refused a 301-word one, nominates a delegate for CAC and signs
//! out. axe-core checks every page (WCAG 2.0, 2.1 and 2.2 A and AA), and a
//! screenshot of every page goes to `target/screenshots/`, at desktop and
//! at phone width.
//!
//! Needs `chromium`, `chromedriver` and `target/axe/node_modules/axe-core/
//! axe.min.js` (`.ci/run` installs them). Without them the tests say so
//! loudly and pass, unless `PLENARY_BROWSER_TESTS=require`, when they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{london, Backend, TestApp, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

backend_tests!(journey_with_javascript, journey_without_javascript);

async fn journey_with_javascript(b: Backend) {
    journey(b, true).await
}

async fn journey_without_javascript(b: Backend) {
    journey(b, false).await
}

const CHROMIUM: &str = "/usr/bin/chromium";
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js")
}

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// What the browser tests need, or why they cannot run: skipped loudly,
/// or failed when `PLENARY_BROWSER_TESTS=require`.
fn prerequisites() -> Option<(PathBuf, String)> {
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

/// A chromedriver of our own on a free loopback port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(path: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
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

async fn open_browser(driver: &Driver, javascript: bool) -> Client {
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
struct Journey {
    c: Client,
    base: String,
    javascript: bool,
    axe: String,
    shots: PathBuf,
    shot: usize,
    /// Whether this run also saves phone-width screenshots.
    phone: bool,
}

impl Journey {
    async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    #[track_caller]
    fn expect_contains(page: &str, wanted: &str) {
        assert!(
            page.contains(wanted),
            "expected {wanted:?} on the page:\n{page}"
        );
    }

    /// The input labelled `label`, within the fieldset whose legend is
    /// `within` if given: found through the label, so the label must name
    /// the input.
    async fn field(&self, within: Option<&str>, label: &str) -> fantoccini::elements::Element {
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

    async fn fill(&self, within: Option<&str>, label: &str, value: &str) {
        let f = self.field(within, label).await;
        f.clear().await.unwrap();
        f.send_keys(value).await.unwrap();
    }

    async fn tick(&self, within: Option<&str>, label: &str) {
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
    async fn click_to_next_page(&self, el: fantoccini::elements::Element) {
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

    async fn button(&self, button: &str) -> fantoccini::elements::Element {
        self.c
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{button}']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no button {button:?}: {e}"))
    }

    /// Presses a button that sends its form.
    async fn press(&self, button: &str) {
        self.click_to_next_page(self.button(button).await).await;
    }

    async fn follow(&self, link: &str) {
        let el = self
            .c
            .find(Locator::XPath(&format!("//a[normalize-space()='{link}']")))
            .await
            .unwrap_or_else(|e| panic!("no link {link:?}: {e}"));
        self.click_to_next_page(el).await;
    }

    /// Runs axe-core in the page: no violations of the WCAG A and AA rules.
    async fn axe(&self, name: &str) {
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
    async fn page(&mut self, name: &str) {
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

fn words(n: usize) -> String {
    (0..n)
        .map(|i| ["co-operative", "energy", "for", "every", "community"][i % 5])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn journey(b: Backend, javascript: bool) {
    let Some((driver_path, axe)) = prerequisites() else {
        return;
    };
    let backend = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let app = TestApp::spawn(b).await;
    // 1 March 2016: the early-bird rate, and every deadline ahead.
    app.clock.set(london(2016, 3, 1, 10, 0, 0));
    let staff = app.staff().await;
    let org = app
        .post(
            "/api/v1/organisations",
            Some(&staff),
            &json!({"name": "Cardiff Co-operative Party", "kind": "local_party",
                    "region": "Wales", "contact_email": "secretary@cardiff.example"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_user("secretary@cardiff.example", "organisation", Some(&org))
        .await;
    app.conference(&staff, json!({"capacity": 600, "dinner_capacity": 300}))
        .await;

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/screenshots/{backend}-{}",
        if javascript { "js" } else { "no-js" }
    ));
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let driver = start_driver(&driver_path).await;
    let mut j = Journey {
        c: open_browser(&driver, javascript).await,
        base: app.base.clone(),
        javascript,
        axe,
        shots,
        shot: 0,
        phone: javascript && backend == "sqlite",
    };

    // Signed out, the start page is the sign-in page.
    j.go("/").await;
    assert_eq!(j.path().await, "/login");
    j.page("sign-in").await;

    // A wrong password says so, without saying which of the two was wrong.
    j.fill(None, "Email", "secretary@cardiff.example").await;
    j.fill(None, "Password", "not the password at all").await;
    j.press("Sign in").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The email address or password is not right");
    assert_eq!(
        j.field(None, "Email")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("secretary@cardiff.example")
    );
    j.page("sign-in-wrong-password").await;

    j.fill(None, "Password", PASSWORD).await;
    j.press("Sign in").await;
    assert_eq!(j.path().await, "/portal", "{}", j.text().await);
    let page = j.text().await;
    Journey::expect_contains(&page, "Cardiff Co-operative Party");
    Journey::expect_contains(&page, "Sign out");
    Journey::expect_contains(&page, "£90.00");
    Journey::expect_contains(&page, "£135.00");
    Journey::expect_contains(&page, "Monday 22 August 2016");
    j.page("home").await;

    // Register two delegates, one dining, with a mistake on the way.
    j.follow("Register delegates").await;
    j.fill(Some("Delegate 1"), "Name", "Ada Lovelace").await;
    j.fill(Some("Delegate 1"), "Email", "ada@example.org").await;
    j.tick(Some("Delegate 1"), "Conference dinner").await;
    j.fill(Some("Delegate 1"), "Dietary requirements", "Vegetarian")
        .await;
    // With JavaScript the row is added in place; without, by the server.
    if javascript {
        j.button("Add another delegate")
            .await
            .click()
            .await
            .unwrap();
    } else {
        j.press("Add another delegate").await;
    }
    j.fill(Some("Delegate 2"), "Name", "Robert Owen").await;
    j.fill(Some("Delegate 2"), "Email", "robert.example.org")
        .await;
    j.tick(None, "Cheque").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "£225.00");
    j.page("register").await;
    j.press("Register").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "There is a problem");
    Journey::expect_contains(
        &page,
        "Delegate 2: Email must be an email address such as name@example.org",
    );
    assert_eq!(
        j.field(Some("Delegate 1"), "Name")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Ada Lovelace"),
        "what was typed is kept"
    );
    assert!(j
        .field(Some("Delegate 1"), "Conference dinner")
        .await
        .is_selected()
        .await
        .unwrap());
    j.page("register-error").await;
    // The summary links to the input.
    j.c.find(Locator::LinkText(
        "Delegate 2: Email must be an email address such as name@example.org",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    j.fill(Some("Delegate 2"), "Email", "robert@example.org")
        .await;
    j.press("Register").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Registration complete");
    Journey::expect_contains(&page, "£225.00");
    let reference = page
        .split_whitespace()
        .find(|w| w.starts_with("PL-"))
        .expect("a booking reference")
        .to_owned();
    j.page("registered").await;

    // A reload of the confirmation registers nothing more.
    j.c.refresh().await.unwrap();
    let list = app.get("/api/v1/conferences", None).await.expect(200);
    let conference = list["items"][0]["id"].as_str().unwrap().to_owned();
    let regs = app
        .get(
            &format!("/api/v1/conferences/{conference}/registrations"),
            Some(&staff),
        )
        .await
        .expect(200);
    assert_eq!(regs["items"].as_array().unwrap().len(), 1);

    // The booking in the list.
    j.follow("Bookings").await;
    let page = j.text().await;
    Journey::expect_contains(&page, &reference);
    Journey::expect_contains(&page, "Robert Owen");
    Journey::expect_contains(&page, "payable to The Co-operative Party");
    j.page("bookings").await;

    // Substitute Robert Owen.
    let substitute =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Substitute') and contains(., 'Robert Owen')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(substitute).await;
    j.page("substitute").await;
    j.fill(None, "Name", "Beatrice Webb").await;
    j.fill(None, "Email", "beatrice@example.org").await;
    j.press("Continue").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Check the substitution");
    Journey::expect_contains(&page, "The fee of £90.00 stays as it is");
    j.page("substitute-check").await;
    j.press("Confirm substitution").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "The substitution has been made");
    Journey::expect_contains(&page, "Beatrice Webb");
    assert!(!page.contains("Robert Owen"), "{page}");
    j.page("substituted").await;

    // A motion of 300 words is received as M1; one of 301 is refused.
    j.follow("Home").await;
    j.follow("Submit a motion").await;
    j.fill(None, "Title", "Community energy").await;
    j.fill(None, "Motion", &words(300)).await;
    // With JavaScript the word count is live; without, the server counts.
    let counter = j.c.find(Locator::Css(".word-count")).await.unwrap();
    assert_eq!(counter.is_displayed().await.unwrap(), javascript);
    if javascript {
        assert_eq!(counter.text().await.unwrap(), "300 words of 300");
    }
    j.page("motion").await;
    j.press("Submit motion").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "Motion received");
    Journey::expect_contains(&page, "M1");
    j.page("motion-received").await;

    j.follow("Home").await;
    j.follow("Submit a motion").await;
    j.fill(None, "Title", "Co-operative housing").await;
    let long = words(301);
    j.fill(None, "Motion", &long).await;
    j.press("Submit motion").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "301 words");
    Journey::expect_contains(&page, "The limit is 300 words");
    assert_eq!(
        j.field(None, "Motion")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(long.as_str()),
        "the text is kept"
    );
    j.page("motion-too-long").await;

    // Nominate Ada Lovelace for CAC.
    j.follow("Home").await;
    j.follow("Nominate for CAC").await;
    let candidate = j.field(None, "Candidate").await;
    candidate
        .select_by_label(&format!("Ada Lovelace ({reference})"))
        .await
        .unwrap();
    j.fill(
        None,
        "Supporting statement",
        "Chaired our branch for ten years.",
    )
    .await;
    j.page("cac").await;
    j.press("Submit nomination").await;
    let page = j.text().await;
    Journey::expect_contains(&page, "CAC nomination received");
    Journey::expect_contains(&page, "N1");
    j.page("cac-received").await;

    // The other pages a secretary may reach, each checked and pictured:
    // the submissions list, the other forms, cancelling a place,
    // withdrawing a motion, the password form and a page not found.
    j.follow("Home").await;
    j.follow("Motions, amendments, policy submissions and nominations")
        .await;
    Journey::expect_contains(&j.text().await, "Community energy");
    j.page("submissions").await;
    for (link, name) in [
        ("Propose an amendment", "amendment"),
        ("Make a policy submission", "policy-submission"),
        ("Nominate for an award", "award"),
    ] {
        j.follow(link).await;
        j.page(name).await;
        j.c.back().await.unwrap();
    }
    let withdraw =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Withdraw') and contains(., 'M1')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(withdraw).await;
    Journey::expect_contains(&j.text().await, "Withdraw M1?");
    j.page("withdraw").await;
    j.follow("Bookings").await;
    let cancel =
        j.c.find(Locator::XPath(
            "//a[starts-with(normalize-space(), 'Cancel place') and contains(., 'Beatrice Webb')]",
        ))
        .await
        .unwrap();
    j.click_to_next_page(cancel).await;
    Journey::expect_contains(&j.text().await, "£90.00 comes off the booking");
    j.page("cancel").await;
    j.follow("Change password").await;
    j.page("password").await;
    j.go("/portal/no-such-page").await;
    Journey::expect_contains(&j.text().await, "Page not found");
    j.page("not-found").await;

    // Sign out: back to signing in, and the portal is closed.
    j.press("Sign out").await;
    assert_eq!(j.path().await, "/login");
    j.go("/portal").await;
    assert_eq!(j.path().await, "/login");

    j.c.close().await.unwrap();
    drop(driver);
}
