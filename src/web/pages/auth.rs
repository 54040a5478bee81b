//! Signing in and out, the start page, and changing one's password.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{render, render_refused, see_other, Chrome, Input};
use crate::accounts::throttle::ClientAddress;
use crate::accounts::web_sessions;
use crate::ops::Error;
use crate::web::error::PageError;
use crate::web::fields::{Fields, Problems};
use crate::web::session::{self, Posted, SignedIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password));
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
