//! Signing in and out, the start page, and changing one's password.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{render, render_refused, see_other, Chrome, Input};
use crate::accounts::ops as accounts;
use crate::accounts::store;
use crate::accounts::throttle::ClientAddress;
use crate::accounts::tokens::Taken;
use crate::accounts::web_sessions;
use crate::ops::Error;
use crate::security;
use crate::values::EmailAddress;
use crate::web::error::PageError;
use crate::web::fields::{Fields, Problems};
use crate::web::session::{self, Posted, SignedIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password))
        .route("/password-reset", web::get().to(reset_form))
        .route("/password-reset", web::post().to(request_reset))
        .route("/password/{token}", web::get().to(link_form))
        .route("/password/{token}", web::post().to(set_with_link));
}

/// Where a signed-in visitor starts.
fn home_of(session: &SignedIn) -> &'static str {
    if session.actor().is_staff() {
        "/staff"
    } else {
        "/portal"
    }
}

/// `/`: the visitor's home when signed in, the sign-in page otherwise.
async fn start(req: HttpRequest) -> Result<HttpResponse, PageError> {
    match session::signed_in(&req).await? {
        Some(s) => Ok(see_other(home_of(&s))),
        None => Ok(see_other("/login")),
    }
}

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage {
    chrome: Chrome,
    problems: Problems,
    email: Input,
    password: Input,
}

fn login_page(email: &str, problems: Problems) -> LoginPage {
    LoginPage {
        chrome: Chrome::anonymous(if problems.is_empty() {
            "Sign in"
        } else {
            "Error: Sign in"
        }),
        email: Input::new("email", "Email", email, &problems)
            .kind("email")
            .autocomplete("username"),
        password: Input::new("password", "Password", "", &problems)
            .kind("password")
            .autocomplete("current-password"),
        problems,
    }
}

async fn login_form(req: HttpRequest) -> Result<HttpResponse, PageError> {
    if let Some(s) = session::signed_in(&req).await? {
        return Ok(see_other(home_of(&s)));
    }
    render(&login_page("", Problems::default()))
}

/// Signs in with the API's throttled credential check. A wrong email and a
/// wrong password get the same message.
async fn login(
    req: HttpRequest,
    client: ClientAddress,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let email = form.get("email").trim().to_owned();
    let password = form.get("password").to_owned();
    let mut problems = Problems::default();
    if email.is_empty() {
        problems.field("email", "Enter your email address");
    }
    if password.is_empty() {
        problems.field("password", "Enter your password");
    }
    if problems.is_empty() {
        match web_sessions::sign_in(&state, &email, password, &client).await {
            Ok(new) => {
                // A session this browser already had ends: one at a time.
                if let Some(old) = session::session_token(&req) {
                    let hash = crate::security::digest(&old);
                    state
                        .tx(move |conn| web_sessions::sign_out(conn, &hash))
                        .await?;
                }
                let to = if new.actor.is_staff() {
                    "/staff"
                } else {
                    "/portal"
                };
                return Ok(HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to))
                    .cookie(session::cookie(&new.token, session::secure(&state)))
                    .finish());
            }
            Err(Error::Unauthenticated) => {
                problems.field(
                    "email",
                    "The email address or password is not right. Check both and try again.",
                );
            }
            Err(Error::TooManyRequests { retry_after_secs }) => {
                let minutes = retry_after_secs.div_ceil(60);
                problems.general(format!(
                    "There have been too many failed attempts to sign in with this email address. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_refused(&login_page(&email, problems))
}

/// Ends the session on the server and in the browser.
async fn logout(req: HttpRequest, post: Posted<SignedIn>) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let hash = post.who.token_hash.clone();
    state
        .tx(move |conn| web_sessions::sign_out(conn, &hash))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .cookie(session::removal(session::secure(&state)))
        .finish())
}

#[derive(Template)]
#[template(path = "web/password.html")]
struct PasswordPage {
    chrome: Chrome,
    problems: Problems,
    changed: bool,
    current: Input,
    new: Input,
}

fn password_page(session: &SignedIn, problems: Problems, changed: bool) -> PasswordPage {
    PasswordPage {
        chrome: Chrome::signed_in("Change your password", session),
        current: Input::new("current_password", "Current password", "", &problems)
            .kind("password")
            .autocomplete("current-password"),
        new: Input::new("new_password", "New password", "", &problems)
            .kind("password")
            .autocomplete("new-password")
            .hint("At least 12 characters. A few unrelated words make a good one."),
        problems,
        changed,
    }
}

async fn password_form(session: SignedIn) -> Result<HttpResponse, PageError> {
    render(&password_page(&session, Problems::default(), false))
}

async fn change_password(
    req: HttpRequest,
    client: ClientAddress,
    post: Posted<SignedIn>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let session = post.who;
    let result = web_sessions::change_password(
        &state,
        &session.actor().user_id,
        post.form.get("current_password").to_owned(),
        post.form.get("new_password").to_owned(),
        &session.token_hash,
        &client,
    )
    .await;
    match result {
        Ok(()) => render(&password_page(&session, Problems::default(), true)),
        Err(Error::Validation(errors)) => {
            let inputs = ["current_password".to_owned(), "new_password".to_owned()];
            let problems = Problems::from_fields(&errors, &inputs, |field, message| match field {
                "current_password" => "The current password is not right".to_owned(),
                _ => format!("The new password {message}"),
            });
            render_refused(&password_page(&session, problems, false))
        }
        Err(Error::TooManyRequests { .. }) => {
            let mut problems = Problems::default();
            problems.general(
                "There have been too many wrong passwords. Wait a few minutes and try again.",
            );
            render_refused(&password_page(&session, problems, false))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "web/password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    problems: Problems,
    email: Input,
    sent: bool,
}

fn reset_page(email: &str, problems: Problems, sent: bool) -> ResetPage {
    ResetPage {
        chrome: Chrome::anonymous(match (sent, problems.is_empty()) {
            (true, _) => "Check your email",
            (false, true) => "Reset your password",
            (false, false) => "Error: Reset your password",
        }),
        email: Input::new("email", "Email", email, &problems)
            .kind("email")
            .autocomplete("email"),
        problems,
        sent,
    }
}

/// `/password-reset`: ask for a link to set a new password.
async fn reset_form() -> Result<HttpResponse, PageError> {
    render(&reset_page("", Problems::default(), false))
}

/// Sends a reset link if the address has an account; the page says the
/// same either way (the API's `POST /auth/password-reset`).
async fn request_reset(req: HttpRequest, form: Fields) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let typed = form.get("email").trim().to_owned();
    let email = match EmailAddress::parse(&typed) {
        Ok(e) => e,
        Err(_) => {
            let mut p = Problems::default();
            p.field(
                "email",
                "Enter an email address in the right form, like name@example.org",
            );
            return render_refused(&reset_page(&typed, p, false));
        }
    };
    let now = state.now();
    let settings = state.settings.clone();
    state
        .tx(move |conn| accounts::request_password_reset(conn, now, &settings, &email))
        .await?;
    render(&reset_page(&typed, Problems::default(), true))
}

#[derive(Template)]
#[template(path = "web/password_link.html")]
struct LinkPage {
    chrome: Chrome,
    problems: Problems,
    /// Why the link cannot be used ("" when it can).
    dead: &'static str,
    action: String,
    password: Input,
}

fn link_page(token: &str, problems: Problems, dead: &'static str) -> LinkPage {
    LinkPage {
        chrome: Chrome::anonymous(match (dead.is_empty(), problems.is_empty()) {
            (false, _) => "This link cannot be used",
            (true, true) => "Set your password",
            (true, false) => "Error: Set your password",
        }),
        action: format!("/password/{token}"),
        password: Input::new("password", "New password", "", &problems)
            .kind("password")
            .autocomplete("new-password")
            .hint("At least 12 characters. A few unrelated words make a good one."),
        problems,
        dead,
    }
}

/// Why a link that is not usable cannot be used, in words.
fn dead_reason(taken: &Taken) -> &'static str {
    match taken {
        Taken::Now(_) => "",
        Taken::Used => "This link has been used already. Each link works once.",
        Taken::Expired => "This link has expired.",
        Taken::Unknown => "This link is not one we sent, or it was replaced by a newer one.",
    }
}

fn dead_page(token: &str, taken: &Taken) -> Result<HttpResponse, PageError> {
    let page = link_page(token, Problems::default(), dead_reason(taken));
    Ok(HttpResponse::Gone()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// A token as links carry it, or none (any other text is no token).
fn plausible(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `/password/{token}`: the page an invitation or reset email links to.
async fn link_form(req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let token = token.into_inner();
    if !plausible(&token) {
        return dead_page("", &Taken::Unknown);
    }
    let now = state.now();
    let t = token.clone();
    let taken = state
        .db(move |conn| accounts::check_link(conn, &t, now))
        .await?;
    match taken {
        Taken::Now(_) => render(&link_page(&token, Problems::default(), "")),
        other => dead_page(&token, &other),
    }
}

/// Sets the password through the link (used up at once), then signs the
/// person in.
async fn set_with_link(
    req: HttpRequest,
    client: ClientAddress,
    token: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let token = token.into_inner();
    if !plausible(&token) {
        return dead_page("", &Taken::Unknown);
    }
    let password = form.get("password").to_owned();
    if let Err(message) = security::check_password_policy(&password) {
        let mut p = Problems::default();
        p.field("password", format!("The new password {message}"));
        return render_refused(&link_page(&token, p, ""));
    }
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || security::hash_password(&to_hash))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
    let now = state.now();
    let t = token.clone();
    let set = state
        .tx(move |conn| {
            let user_id = accounts::set_password_with_link(conn, &t, &hash, now)?;
            store::get(conn, &user_id)?.ok_or(Error::NotFound)
        })
        .await;
    let user = match set {
        Ok(user) => user,
        Err(Error::NotFound) => return dead_page(&token, &Taken::Unknown),
        Err(Error::Conflict(_)) => {
            let t = token.clone();
            let taken = state
                .db(move |conn| accounts::check_link(conn, &t, now))
                .await?;
            return match taken {
                Taken::Now(_) => Err(PageError::Refused(
                    actix_web::http::StatusCode::CONFLICT,
                    "This link belongs to a disabled account. Ask the conference office.".into(),
                )),
                other => dead_page(&token, &other),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let new = web_sessions::sign_in(&state, &user.email, password, &client).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            if new.actor.is_staff() {
                "/staff"
            } else {
                "/portal"
            },
        ))
        .cookie(session::cookie(&new.token, session::secure(&state)))
        .finish())
}
