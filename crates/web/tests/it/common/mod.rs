//! The test application: the real router on a fresh store (SQLite, or PostgreSQL when
//! `AIGUILLAGE_TEST_DATABASE_URL` names a server), Maine-et-Loire's communes, one account per role,
//! a clock the test moves, and helpers that sign in through the real login form — and, for the
//! roles that require it, through the real second factor: the first sign-in of an account enrols
//! it (the secret read from the page, the code computed at the test's clock, the recovery codes
//! kept), later ones type the code of the clock's step, or a recovery code when that step's code
//! has already served.
#![allow(dead_code)]

pub mod bank;
pub mod journeys;

use aiguillage_domain::role::Role;
use aiguillage_interop::territory::embedded;
use aiguillage_service::accounts::{create_account, AccountRequest, Requester};
use aiguillage_store::testing::fresh_store;
use aiguillage_store::{NewStructure, Store};
use aiguillage_web::{router, AppState, Settings};
use axum::body::{to_bytes, Body};
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

pub const START: i64 = 1_795_000_000;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub clock: Arc<AtomicI64>,
    pub structure_id: i64,
    /// The state the router serves (for use cases a test runs as a command would).
    pub state: AppState,
    /// The second factors the helpers enrolled, by e-mail.
    pub second_factors: Arc<Mutex<HashMap<String, Enrolled>>>,
}

/// A second factor a helper enrolled: the secret, the recovery codes not used yet, the last step
/// whose code served.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
    pub last_step: i64,
}

/// The password of the test account of a role.
pub fn password_of(role: Role) -> String {
    format!("{}-girafe-tambour-orageux", role.code())
}

pub fn email_of(role: Role) -> String {
    format!("{}@test.aiguillage.fr", role.code())
}

/// A signed-in browser: its cookie header and the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_settings(Settings::default()).await
    }

    /// The same, with instance settings of the test's choosing (an SMTP relay, …).
    pub async fn with_settings(settings: Settings) -> TestApp {
        let (store, _) = fresh_store().await.expect("fresh store");
        let data = embedded()
            .expect("territory files")
            .with_communes_of(&["49"]);
        store
            .import_territory(&data, &|_| {})
            .await
            .expect("territory import");
        let structure = NewStructure {
            name: "CCAS d'Angers".into(),
            kind: "CCAS".into(),
            commune_code: "49007".into(),
        };
        let structure_id = store
            .ensure_structure(&structure, START)
            .await
            .expect("structure");
        for role in Role::ALL {
            let request = AccountRequest {
                email: email_of(role),
                display_name: format!("Test {}", role.label()),
                role: role.code().into(),
                structure_id: structure_id.to_string(),
                territory: "49".into(),
                password: password_of(role),
            };
            let requester = Requester {
                account_id: None,
                reason: "test",
            };
            create_account(&store, &request, requester, START)
                .await
                .expect("test account");
        }
        let clock = Arc::new(AtomicI64::new(START));
        let clock_reader = clock.clone();
        let state = AppState {
            store: store.clone(),
            settings: Arc::new(settings),
            clock: Arc::new(move || clock_reader.load(Ordering::SeqCst)),
            indicators: Arc::default(),
            proconnect: None,
        };
        TestApp {
            router: router(state.clone()),
            store,
            clock,
            structure_id,
            state,
            second_factors: Arc::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// After a right password: completes the second factor when the login asks for it (enrolling
    /// at the first sign-in of a role that requires it) and returns the signed-in cookie header.
    pub async fn finish_sign_in(&self, email: &str, response: Response<Body>) -> String {
        let to = location(&response).unwrap_or_default();
        let token = set_cookie(&response, "aiguillage_session").expect("session cookie");
        let pending = format!("aiguillage_session={token}");
        if to.starts_with("/connexion/double-authentification") {
            let (html, csrf_cookie) = self.step_page(&to, &pending).await;
            let secret = base32_decode(
                &between(
                    &html,
                    "id=\"secret-totp\" class=\"fr-text--lg\">",
                    "</code>",
                )
                .expect("the secret is shown while enrolling"),
            );
            let step = aiguillage_domain::second_factor::time_step(self.now());
            let code = aiguillage_domain::second_factor::code_at_step(&secret, step);
            let cookie = format!("{pending}; {csrf_cookie}");
            let csrf = csrf_cookie
                .split_once('=')
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default();
            let done = self
                .post_form(
                    "/connexion/double-authentification",
                    Some(&cookie),
                    &[("csrf_token", &csrf), ("code", &code), ("suivant", "/")],
                )
                .await;
            assert_eq!(done.status(), StatusCode::OK, "enrolment of {email}");
            let session = set_cookie(&done, "aiguillage_session").expect("signed-in session");
            let page = body_text(done).await;
            let recovery_codes = recovery_codes_in(&page);
            assert_eq!(recovery_codes.len(), 10, "ten recovery codes shown");
            let enrolled = Enrolled {
                secret,
                recovery_codes,
                last_step: step,
            };
            self.second_factors
                .lock()
                .expect("second factors")
                .insert(email.to_owned(), enrolled);
            return format!("aiguillage_session={session}");
        }
        if to.starts_with("/connexion/code") {
            let typed = {
                let mut factors = self.second_factors.lock().expect("second factors");
                let enrolled = factors.get_mut(email).expect("an enrolled second factor");
                let mut step = aiguillage_domain::second_factor::time_step(self.now());
                if step <= enrolled.last_step && enrolled.recovery_codes.is_empty() {
                    // The step's code has served and no recovery code is left (a test signing
                    // in the same account many times): the next step's code, 30 seconds later.
                    self.advance(aiguillage_domain::second_factor::STEP_SECONDS);
                    step += 1;
                }
                if step > enrolled.last_step {
                    enrolled.last_step = step;
                    aiguillage_domain::second_factor::code_at_step(&enrolled.secret, step)
                } else {
                    enrolled.recovery_codes.pop().expect("a recovery code left")
                }
            };
            let (_, csrf_cookie) = self.step_page(&to, &pending).await;
            let cookie = format!("{pending}; {csrf_cookie}");
            let csrf = csrf_cookie
                .split_once('=')
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default();
            let done = self
                .post_form(
                    "/connexion/code",
                    Some(&cookie),
                    &[("csrf_token", &csrf), ("code", &typed), ("suivant", "/")],
                )
                .await;
            assert_eq!(
                done.status(),
                StatusCode::SEE_OTHER,
                "second factor of {email}"
            );
            let session = set_cookie(&done, "aiguillage_session").expect("signed-in session");
            return format!("aiguillage_session={session}");
        }
        pending
    }

    /// A step page of the sign-in, with the login-form cookie it sets (`name=value`).
    pub async fn step_page(&self, path: &str, cookie: &str) -> (String, String) {
        let page = self
            .send(
                Request::get(path)
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let csrf = set_cookie(&page, "__Host-aiguillage_csrf").expect("login csrf cookie");
        (
            body_text(page).await,
            format!("__Host-aiguillage_csrf={csrf}"),
        )
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers")
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Response<Body> {
        let mut builder = Request::get(path);
        if let Some(session) = session {
            builder = builder.header(header::COOKIE, &session.cookie);
        }
        self.send(builder.body(Body::empty()).expect("request"))
            .await
    }

    /// Posts a form (`fields` url-encoded), with the session's cookie when given.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Response<Body> {
        let body = fields
            .iter()
            .map(|(name, value)| {
                format!(
                    "{}={}",
                    urlencoding::encode(name),
                    urlencoding::encode(value)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut builder =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body)).expect("request"))
            .await
    }

    /// Opens the login form and returns the login CSRF cookie header and token.
    pub async fn login_form(&self) -> (String, String) {
        let response = self.get("/connexion", None).await;
        let cookie = set_cookie(&response, "__Host-aiguillage_csrf").expect("login csrf cookie");
        let html = body_text(response).await;
        let token = hidden_csrf(&html).expect("csrf field");
        assert_eq!(cookie, token, "the form carries the cookie's token");
        (format!("__Host-aiguillage_csrf={cookie}"), token)
    }

    /// Tries to sign in with the given password; returns the response.
    pub async fn attempt_login(&self, email: &str, password: &str) -> Response<Body> {
        let (cookie, token) = self.login_form().await;
        let fields = [
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
            ("suivant", "/"),
        ];
        self.post_form("/connexion", Some(&cookie), &fields).await
    }

    /// Signs in as the test account of `role` without opening a page yet (an account of several
    /// structures is first asked which one it acts for): the session's cookie, no CSRF token.
    pub async fn sign_in_without_csrf(&self, role: Role) -> Session {
        let response = self
            .attempt_login(&email_of(role), &password_of(role))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {role}");
        let cookie = self.finish_sign_in(&email_of(role), response).await;
        Session {
            cookie,
            csrf: String::new(),
        }
    }

    /// Signs in as the test account of `role` and reads the session's CSRF token from a page.
    pub async fn sign_in(&self, role: Role) -> Session {
        let response = self
            .attempt_login(&email_of(role), &password_of(role))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {role}");
        let cookie = self.finish_sign_in(&email_of(role), response).await;
        let home = self
            .get(
                "/compte",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        let csrf = hidden_csrf(&body_text(home).await).expect("session csrf in the page");
        Session { cookie, csrf }
    }
}

/// The text between `start` and the next `end`.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_owned())
}

/// The recovery codes a page shows (`<li><code>ABCDE-FGH23</code></li>`).
pub fn recovery_codes_in(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .filter_map(|part| part.split_once("</code>").map(|(code, _)| code.to_owned()))
        .collect()
}

/// Decodes base32 (RFC 4648, spaces ignored), as an authenticator application reads a typed key.
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("a base32 letter") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(response: &Response<Body>, name: &str) -> Option<String> {
    set_cookie_line(response, name).and_then(|line| {
        line.split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, value)| value.to_owned())
    })
}

/// The whole `Set-Cookie` line for cookie `name`.
pub fn set_cookie_line(response: &Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub fn location(response: &Response<Body>) -> Option<String> {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Where a referral form sent the browser: the referral's own path, without the `?fait=…`
/// confirmation the redirection carries.
pub fn referral_location(response: &Response<Body>) -> Option<String> {
    location(response).map(|to| to.split(['?', '#']).next().unwrap_or_default().to_owned())
}

/// The body, with the HTML entities of quotes and ampersands decoded so tests can look for plain text.
pub async fn body_text(response: Response<Body>) -> String {
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes)
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The value of the first hidden `csrf_token` field of a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// Signs in a new prescriber or mediator of another structure (`structure_id`), created for the test.
pub async fn sign_in_elsewhere(
    app: &TestApp,
    structure_id: i64,
    email: &str,
    role: Role,
) -> Session {
    let password = "une phrase de passe assez longue 2026";
    let request = AccountRequest {
        email: email.into(),
        display_name: format!("Compte {email}"),
        role: role.code().into(),
        structure_id: structure_id.to_string(),
        territory: "49".into(),
        password: password.into(),
    };
    let requester = Requester {
        account_id: None,
        reason: "test",
    };
    create_account(&app.store, &request, requester, START)
        .await
        .expect("account");
    sign_in_again(app, email).await
}

/// Signs in again an account made by [`sign_in_elsewhere`] (after the clock moved past its
/// session's deadline, say).
pub async fn sign_in_again(app: &TestApp, email: &str) -> Session {
    let password = "une phrase de passe assez longue 2026";
    let response = app.attempt_login(email, password).await;
    let cookie = app.finish_sign_in(email, response).await;
    let page = app
        .get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await;
    let csrf = hidden_csrf(&body_text(page).await).expect("csrf");
    Session { cookie, csrf }
}

/// Signs in a new account of `role` for territory `territory`, at a new structure in `commune`.
pub async fn sign_in_territory(
    app: &TestApp,
    (role, territory, commune): (Role, &str, &str),
    email: &str,
) -> Session {
    let structure = NewStructure {
        name: format!("Structure de {email}"),
        kind: "Collectivité".into(),
        commune_code: commune.into(),
    };
    let structure_id = app
        .store
        .ensure_structure(&structure, START)
        .await
        .expect("structure");
    let password = "une phrase de passe assez longue 2026";
    let request = AccountRequest {
        email: email.into(),
        display_name: format!("Compte {email}"),
        role: role.code().into(),
        structure_id: structure_id.to_string(),
        territory: territory.into(),
        password: password.into(),
    };
    let requester = Requester {
        account_id: None,
        reason: "test",
    };
    create_account(&app.store, &request, requester, START)
        .await
        .expect("account");
    let response = app.attempt_login(email, password).await;
    let cookie = app.finish_sign_in(email, response).await;
    let page = app
        .get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await;
    let csrf = hidden_csrf(&body_text(page).await).expect("csrf");
    Session { cookie, csrf }
}

/// A real SMTP server (Python's aiosmtpd, storing what it receives in a Maildir), stopped on drop.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    maildir: std::path::PathBuf,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let maildir = std::env::temp_dir().join(format!("aiguillage-smtp-{port}"));
        let _ = std::fs::remove_dir_all(&maildir);
        let python =
            std::env::var("AIGUILLAGE_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let mut child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{python} -m aiosmtpd (Debian package python3-aiosmtpd): {e}")
            });
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpServer {
                    child,
                    port,
                    maildir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port} (is python3-aiosmtpd installed?)");
    }

    /// Every message received so far, as raw text.
    pub fn received(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok())
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

impl SmtpServer {
    /// Instance settings that send mail through this server.
    pub fn settings(&self) -> Settings {
        Settings {
            smtp: Some(aiguillage_service::mail::SmtpSettings {
                host: "127.0.0.1".into(),
                port: self.port,
                from: "aiguillage@example.fr".into(),
            }),
            ..Settings::default()
        }
    }
}
