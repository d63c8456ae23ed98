//! Single sign-on (OpenID Connect), over HTTP as a browser goes through it.
//!
//! Against a real provider first: node's oidc-provider (`e2e/oidc/provider.mjs`, installed
//! by `scripts/lib.sh`), its own login and consent pages posted like a person would, the
//! code exchanged with PKCE, its ID tokens checked against its JWKS. The ID token's edge
//! cases (bad signature, another issuer or audience, expired, another nonce, rotated keys,
//! a refused code) need a provider that misbehaves on purpose: a small one served here,
//! signing what each test asks with keys made here.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use paraphe_server::config::OidcConfig;
use paraphe_server::keys::MemoryKey;
use paraphe_server::keys::RawSigner as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::common::{self, workspace_root, TestServer};

const CLIENT_ID: &str = "paraphe";
const CLIENT_SECRET: &str = "paraphe-sso-test-secret";

// ---------------------------------------------------------------------------------------
// A browser: cookies by name (both servers are 127.0.0.1, their cookie names differ) and
// redirects followed by hand, so that each stop can be looked at.

struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let attributes = attributes.to_ascii_lowercase();
            if value.is_empty()
                || attributes.contains("max-age=0")
                || attributes.contains("expires=thu, 01 jan 1970")
            {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let response = self
            .http
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.keep_cookies(&response);
        response
    }

    async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let response = self
            .http
            .post(url)
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// A GraphQL operation with this browser's cookies.
    async fn gql(&mut self, server: &TestServer, query: &str) -> Value {
        let response = self
            .http
            .post(server.url("/graphql"))
            .header("cookie", self.cookie_header())
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response.json().await.unwrap()
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn absolute(base: &str, location: &str) -> String {
    reqwest::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The login page's code in a final redirect (`/connexion?sso=CODE`).
fn sso_code(location: &str) -> String {
    query_param(&absolute("http://x", location), "sso")
        .unwrap_or_else(|| panic!("not a failed login: {location}"))
}

// ---------------------------------------------------------------------------------------
// The real provider.

/// `e2e/oidc/provider.mjs` on a free port, stopped when dropped.
struct NodeProvider {
    issuer: String,
    process: std::process::Child,
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl NodeProvider {
    /// `conform`: the profile's claims only from the userinfo endpoint.
    async fn start(paraphe: SocketAddr, conform: bool) -> Self {
        let script = workspace_root().join("e2e/oidc/provider.mjs");
        assert!(
            workspace_root()
                .join("e2e/oidc/node_modules/oidc-provider")
                .exists(),
            "e2e/oidc/node_modules is missing: npm ci --prefix e2e/oidc (scripts/test.sh does)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut process = std::process::Command::new("node")
            .arg(script)
            .args(["--port", &port.to_string()])
            .args([
                "--redirect-uri",
                &format!("http://{paraphe}/auth/oidc/callback"),
            ])
            .args([
                "--post-logout-redirect-uri",
                &format!("http://{paraphe}/connexion"),
            ])
            .args(conform.then_some("--conform"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node is missing (apt-get install nodejs)");
        let stdout = process.stdout.take().unwrap();
        // Its first line says where it listens; the rest is read too (and dropped), so that
        // it never writes into a closed pipe.
        let (sender, listening) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            let mut sender = Some(sender);
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(issuer) = line.strip_prefix("listening ") {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(issuer.to_owned());
                    }
                }
            }
        });
        let issuer = tokio::time::timeout(Duration::from_secs(20), listening)
            .await
            .expect("the provider did not start")
            .expect("the provider stopped before listening");
        NodeProvider { issuer, process }
    }
}

fn oidc_config(issuer: &str) -> OidcConfig {
    OidcConfig {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        name: "Comptexpert".into(),
    }
}

/// Paraphe with the real provider.
async fn with_node_provider(db: PgPool) -> (TestServer, NodeProvider) {
    with_node_provider_as(db, false).await
}

async fn with_node_provider_as(db: PgPool, conform: bool) -> (TestServer, NodeProvider) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let provider = NodeProvider::start(addr, conform).await;
    let issuer = provider.issuer.clone();
    let server = TestServer::start_on(listener, db, move |config| {
        config.public_url = format!("http://{addr}");
        config.oidc = Some(oidc_config(&issuer));
    })
    .await;
    (server, provider)
}

/// Goes through the provider's pages as `account` (its login page, then consent) from
/// `start`, until the provider sends the browser back to Paraphe's callback; returns that
/// callback's address, not yet opened.
async fn through_provider(browser: &mut Browser, start: &str, account: &str) -> String {
    let mut url = start.to_owned();
    for _ in 0..20 {
        if url.contains("/auth/oidc/callback") {
            return url;
        }
        let response = browser.get(&url).await;
        if response.status().is_redirection() {
            url = absolute(&url, &location(&response));
            continue;
        }
        let page = response.text().await.unwrap();
        let form: Vec<(&str, &str)> = if page.contains(r#"name="prompt" value="login""#) {
            vec![
                ("prompt", "login"),
                ("login", account),
                ("password", "anything"),
            ]
        } else if page.contains(r#"name="prompt" value="consent""#) {
            vec![("prompt", "consent")]
        } else {
            panic!("unexpected page at {url}: {page}")
        };
        let response = browser.post_form(&url, &form).await;
        url = absolute(&url, &location(&response));
    }
    panic!("the provider never sent the browser back")
}

/// A whole login as `account`; returns where Paraphe's callback sends the browser.
async fn sign_in(
    browser: &mut Browser,
    server: &TestServer,
    account: &str,
    return_to: Option<&str>,
) -> String {
    let start = match return_to {
        Some(path) => server.url(&format!(
            "/auth/oidc/login?return_to={}",
            url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        )),
        None => server.url("/auth/oidc/login"),
    };
    let callback = through_provider(browser, &start, account).await;
    let response = browser.get(&callback).await;
    assert_eq!(response.status(), 303, "the callback redirects");
    location(&response)
}

const ME: &str = "{ me { user { id email firstName lastName } } }";

async fn me(browser: &mut Browser, server: &TestServer) -> Value {
    let answer = browser.gql(server, ME).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    answer["data"]["me"]["user"].clone()
}

async fn log_kinds(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar::<_, String>("SELECT kind FROM platform_events ORDER BY id")
        .fetch_all(db)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_new_person_signs_in_gets_an_account_from_the_claims_and_logs_out_through_the_provider(
    db: PgPool,
) {
    let (server, provider) = with_node_provider(db.clone()).await;
    let mut browser = Browser::new();

    let options = browser
        .gql(&server, "{ signInOptions { sso { name loginUrl } } }")
        .await;
    assert_eq!(
        options["data"]["signInOptions"]["sso"],
        json!({ "name": "Comptexpert", "loginUrl": "/auth/oidc/login" })
    );

    // The authorization request: code flow, PKCE S256, state and nonce.
    let started = browser.get(&server.url("/auth/oidc/login")).await;
    assert_eq!(started.status(), 303);
    let authorize = location(&started);
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    assert_eq!(
        query_param(&authorize, "response_type").as_deref(),
        Some("code")
    );
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    for needed in ["code_challenge", "state", "nonce"] {
        assert!(
            query_param(&authorize, needed).is_some(),
            "{needed}: {authorize}"
        );
    }
    let stored: Vec<u8> = sqlx::query_scalar("SELECT state_hash FROM oidc_logins")
        .fetch_one(&db)
        .await
        .unwrap();
    let state = query_param(&authorize, "state").unwrap();
    assert_eq!(
        stored,
        Sha256::digest(state.as_bytes()).to_vec(),
        "the state is stored hashed"
    );

    let callback = through_provider(&mut browser, &authorize, "nadia").await;
    let landed = browser.get(&callback).await;
    assert_eq!(location(&landed), "/");
    let user = me(&mut browser, &server).await;
    assert_eq!(user["email"], "nadia.kessler@comptexpert.example");
    assert_eq!(
        (user["firstName"].as_str(), user["lastName"].as_str()),
        (Some("Nadia"), Some("Kessler")),
        "the profile comes from the provider's claims"
    );
    // The enrolment's first step shows these names to confirm.
    let enrolment = browser
        .gql(
            &server,
            "{ myEnrolment { step } me { user { firstName lastName email } } }",
        )
        .await;
    assert_eq!(enrolment["data"]["myEnrolment"]["step"], "PROFILE");
    let linked: (String, String) =
        sqlx::query_as("SELECT issuer, subject FROM external_identities")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        linked,
        (provider.issuer.clone(), "comptexpert-0001".to_owned())
    );
    assert!(log_kinds(&db)
        .await
        .contains(&"sso_account_created".to_owned()));

    // The answer served once: the same callback again is refused.
    let replayed = browser.get(&callback).await;
    assert_eq!(sso_code(&location(&replayed)), "STATE_USED");

    // Logging out goes through the provider: its end-session address with the ID token
    // as hint and the login page to come back to; the session here is closed.
    let out = browser
        .gql(&server, "mutation { signOut { providerLogoutUrl } }")
        .await;
    let logout = out["data"]["signOut"]["providerLogoutUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert!(
        logout.starts_with(&format!("{}/session/end", provider.issuer)),
        "{logout}"
    );
    assert!(query_param(&logout, "id_token_hint").is_some());
    assert_eq!(
        query_param(&logout, "post_logout_redirect_uri"),
        Some(server.url("/connexion"))
    );
    let after = browser.gql(&server, ME).await;
    assert_eq!(common::error_code_of(&after), "UNAUTHENTICATED");
    // The provider takes it: its confirmation page, then back to our login page.
    let confirm = browser.get(&logout).await;
    assert_eq!(confirm.status(), 200);
    let page = confirm.text().await.unwrap();
    let xsrf = page
        .split(r#"name="xsrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the provider's logout form");
    let confirmed = browser
        .post_form(
            &format!("{}/session/end/confirm", provider.issuer),
            &[("xsrf", xsrf), ("logout", "yes")],
        )
        .await;
    assert_eq!(location(&confirmed), server.url("/connexion"));

    // A second login (the provider asks again: its session ended) finds the same account.
    let mut again = Browser::new();
    assert_eq!(sign_in(&mut again, &server, "nadia", None).await, "/");
    assert_eq!(me(&mut again, &server).await["id"], user["id"]);
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(accounts, 1);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_verified_email_links_the_existing_account_which_keeps_its_password(db: PgPool) {
    let existing = common::user(&db, "collaborateur@demo.paraphe.fr", "Hugo", "Bernard").await;
    let (server, _provider) = with_node_provider(db.clone()).await;
    let mut browser = Browser::new();
    assert_eq!(
        sign_in(&mut browser, &server, "hugo", Some("/invitation/t0k3n")).await,
        "/invitation/t0k3n",
        "back where the login was asked for"
    );
    assert_eq!(
        me(&mut browser, &server).await["id"],
        existing.to_string(),
        "the account with that verified email"
    );
    assert!(log_kinds(&db)
        .await
        .contains(&"sso_identity_linked".to_owned()));
    // The password still opens it.
    server
        .login("collaborateur@demo.paraphe.fr", common::PASSWORD)
        .await;
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_provider_that_keeps_the_profile_for_userinfo_is_asked_there(db: PgPool) {
    let (server, _provider) = with_node_provider_as(db.clone(), true).await;
    let mut browser = Browser::new();
    assert_eq!(sign_in(&mut browser, &server, "nadia", None).await, "/");
    let user = me(&mut browser, &server).await;
    assert_eq!(user["email"], "nadia.kessler@comptexpert.example");
    assert_eq!(user["lastName"], "Kessler");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_unverified_email_never_opens_nor_makes_an_account(db: PgPool) {
    let (server, _provider) = with_node_provider(db.clone()).await;
    // Nobody has the address yet: it is not taken either (the owner may come later).
    let mut browser = Browser::new();
    let landed = sign_in(&mut browser, &server, "claire", None).await;
    assert_eq!(sso_code(&landed), "EMAIL_NOT_VERIFIED");
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind("expert@demo.paraphe.fr")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(accounts, 0, "no account squats the address");

    let existing = common::user(&db, "expert@demo.paraphe.fr", "Claire", "Martin").await;
    let mut browser = Browser::new();
    let landed = sign_in(&mut browser, &server, "claire", None).await;
    assert_eq!(sso_code(&landed), "EMAIL_NOT_VERIFIED");
    let answer = browser.gql(&server, ME).await;
    assert_eq!(common::error_code_of(&answer), "UNAUTHENTICATED");
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM external_identities")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(links, 0);
    let refused: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT user_id FROM platform_events WHERE kind = 'sso_link_refused'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        refused,
        Some(existing),
        "the account's log says someone tried"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn what_the_provider_or_the_browser_get_wrong_comes_back_as_a_code(db: PgPool) {
    let (server, provider) = with_node_provider(db.clone()).await;

    // No email from the provider: no account to find or make.
    let mut browser = Browser::new();
    assert_eq!(
        sso_code(&sign_in(&mut browser, &server, "anonymous", None).await),
        "EMAIL_MISSING"
    );

    // Declining at the provider (its "cancel"), the page kept for the next try.
    let mut browser = Browser::new();
    let mut url = server.url("/auth/oidc/login?return_to=/invitation/abc");
    let interaction = loop {
        let response = browser.get(&url).await;
        url = absolute(&url, &location(&response));
        if url.contains("/interaction/") {
            break url;
        }
    };
    let aborted = browser.get(&format!("{interaction}/abort")).await;
    let mut back = absolute(&interaction, &location(&aborted));
    while !back.contains("/auth/oidc/callback") {
        let response = browser.get(&back).await;
        back = absolute(&back, &location(&response));
    }
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    let landed = location(&browser.get(&back).await);
    assert_eq!(
        landed, "/connexion?sso=DENIED&suite=%2Finvitation%2Fabc",
        "the page asked for is kept for the next try"
    );

    // An answer opened in another browser than the one that started the login.
    let mut alice = Browser::new();
    let callback = through_provider(&mut alice, &server.url("/auth/oidc/login"), "nadia").await;
    let mut mallory = Browser::new();
    assert_eq!(
        sso_code(&location(&mallory.get(&callback).await)),
        "BROWSER_MISMATCH"
    );
    // …which spent it.
    assert_eq!(
        sso_code(&location(&alice.get(&callback).await)),
        "STATE_USED"
    );

    // A login left more than ten minutes at the provider.
    let mut slow = Browser::new();
    let callback = through_provider(
        &mut slow,
        &server.url("/auth/oidc/login?return_to=/collections"),
        "nadia",
    )
    .await;
    sqlx::query("UPDATE oidc_logins SET expires_at = now() - interval '1 minute'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        location(&slow.get(&callback).await),
        "/connexion?sso=STATE_EXPIRED&suite=%2Fcollections"
    );

    // Forged or truncated answers.
    let mut browser = Browser::new();
    for (query, code) in [
        ("?code=x&state=never-issued", "STATE_UNKNOWN"),
        ("?code=x", "STATE_UNKNOWN"),
        ("", "STATE_UNKNOWN"),
        ("?error=server_error", "PROVIDER_ERROR"),
    ] {
        let response = browser
            .get(&server.url(&format!("/auth/oidc/callback{query}")))
            .await;
        assert_eq!(sso_code(&location(&response)), code, "{query}");
    }

    // A live login answered with another error, with another issuer (RFC 9207 mix-up),
    // or with no code.
    for (answer, code) in [
        ("error=temporarily_unavailable".to_owned(), "PROVIDER_ERROR"),
        (
            "code=x&iss=http%3A%2F%2Fevil.example".to_owned(),
            "ISSUER_MISMATCH",
        ),
        (format!("iss={}", provider.issuer), "PROVIDER_ERROR"),
    ] {
        let mut browser = Browser::new();
        let authorize = location(&browser.get(&server.url("/auth/oidc/login")).await);
        let state = query_param(&authorize, "state").unwrap();
        let response = browser
            .get(&server.url(&format!("/auth/oidc/callback?state={state}&{answer}")))
            .await;
        assert_eq!(sso_code(&location(&response)), code, "{answer}");
    }

    // A code the provider never issued: it refuses to exchange it.
    let mut browser = Browser::new();
    let authorize = location(&browser.get(&server.url("/auth/oidc/login")).await);
    let state = query_param(&authorize, "state").unwrap();
    let response = browser
        .get(&server.url(&format!("/auth/oidc/callback?state={state}&code=forged")))
        .await;
    assert_eq!(sso_code(&location(&response)), "TOKEN_EXCHANGE_FAILED");

    // Only paths of this site follow a login.
    let mut browser = Browser::new();
    assert_eq!(
        sign_in(&mut browser, &server, "nadia", Some("//evil.example/")).await,
        "/"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn without_a_provider_the_server_serves_passwords_and_says_why_sso_fails(db: PgPool) {
    // Not configured.
    let plain = TestServer::start(db.clone()).await;
    let mut browser = Browser::new();
    let options = browser
        .gql(&plain, "{ signInOptions { sso { name } } }")
        .await;
    assert_eq!(options["data"]["signInOptions"]["sso"], Value::Null);
    let response = browser.get(&plain.url("/auth/oidc/login")).await;
    assert_eq!(sso_code(&location(&response)), "NOT_CONFIGURED");
    let response = browser
        .get(&plain.url("/auth/oidc/callback?state=x&code=y"))
        .await;
    assert_eq!(sso_code(&location(&response)), "NOT_CONFIGURED");

    // Configured, but the provider is down: the server starts, passwords work, SSO says so.
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        move |config| {
            config.oidc = Some(oidc_config(&format!("http://127.0.0.1:{closed_port}")));
        },
    )
    .await;
    common::user(&db, "claire@cabinet.example", "Claire", "Martin").await;
    let mut password = down.login("claire@cabinet.example", common::PASSWORD).await;
    let out = password
        .data("mutation { signOut { providerLogoutUrl } }", json!({}))
        .await;
    assert_eq!(
        out["signOut"]["providerLogoutUrl"],
        Value::Null,
        "a password session logs out here only"
    );
    let response = browser.get(&down.url("/auth/oidc/login")).await;
    assert_eq!(sso_code(&location(&response)), "UNAVAILABLE");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_database_failure_is_internal_and_told_as_such(db: PgPool) {
    let (server, _provider) = with_node_provider(db.clone()).await;
    sqlx::query("DROP TABLE oidc_logins")
        .execute(&db)
        .await
        .unwrap();
    let mut browser = Browser::new();
    let response = browser.get(&server.url("/auth/oidc/login")).await;
    assert_eq!(sso_code(&location(&response)), "INTERNAL");
}

// ---------------------------------------------------------------------------------------
// A provider that signs what each test asks.

struct SigningKey {
    kid: String,
    key: MemoryKey,
}

impl SigningKey {
    fn new(kid: &str) -> Self {
        SigningKey {
            kid: kid.to_owned(),
            key: MemoryKey::generate().unwrap(),
        }
    }

    fn jwk(&self) -> Value {
        let public = self.key.public();
        json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    /// An RS256 JWT of `claims`, its header naming `kid`.
    fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": kid });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign_sha256(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// What the token endpoint answers next.
enum Answer {
    Refuse,
    /// An OAuth answer without the ID token OpenID Connect requires.
    AccessTokenOnly,
    IdToken(String),
}

struct FakeState {
    jwks: Vec<Value>,
    next: Answer,
    /// The form of the last token request (its PKCE verifier, its code).
    last_request: HashMap<String, String>,
    last_authorization: Option<String>,
}

struct FakeProvider {
    issuer: String,
    state: Arc<Mutex<FakeState>>,
}

impl FakeProvider {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(FakeState {
            jwks: Vec::new(),
            next: Answer::Refuse,
            last_request: HashMap::new(),
            last_authorization: None,
        }));
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || {
                    let discovery = discovery.clone();
                    async move { Json(discovery) }
                }),
            )
            .route(
                "/jwks",
                get(|State(state): State<Arc<Mutex<FakeState>>>| async move {
                    let keys = state.lock().unwrap().jwks.clone();
                    Json(json!({ "keys": keys }))
                }),
            )
            // Asked only for a token without email; never answers.
            .route(
                "/userinfo",
                get(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route(
                "/token",
                post(
                    |State(state): State<Arc<Mutex<FakeState>>>,
                     headers: axum::http::HeaderMap,
                     Form(form): Form<HashMap<String, String>>| async move {
                        let mut state = state.lock().unwrap();
                        state.last_request = form;
                        state.last_authorization = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        match &state.next {
                            Answer::Refuse => (
                                axum::http::StatusCode::BAD_REQUEST,
                                Json(json!({ "error": "invalid_grant" })),
                            ),
                            Answer::AccessTokenOnly => (
                                axum::http::StatusCode::OK,
                                Json(json!({ "access_token": "at", "token_type": "Bearer" })),
                            ),
                            Answer::IdToken(token) => (
                                axum::http::StatusCode::OK,
                                Json(json!({
                                    "access_token": "at", "token_type": "Bearer",
                                    "expires_in": 300, "id_token": token,
                                })),
                            ),
                        }
                    },
                ),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeProvider { issuer, state }
    }

    fn serve_keys(&self, keys: &[&SigningKey]) {
        self.state.lock().unwrap().jwks = keys.iter().map(|k| k.jwk()).collect();
    }

    fn answer(&self, answer: Answer) {
        self.state.lock().unwrap().next = answer;
    }
}

/// Starts a login and answers it with `code`; returns where Paraphe sends the browser.
async fn answer_login(
    server: &TestServer,
    provider: &FakeProvider,
    make: impl FnOnce(&str) -> Answer,
) -> String {
    let mut browser = Browser::new();
    let authorize = location(&browser.get(&server.url("/auth/oidc/login")).await);
    let state = query_param(&authorize, "state").unwrap();
    let nonce = query_param(&authorize, "nonce").unwrap();
    provider.answer(make(&nonce));
    location(
        &browser
            .get(&server.url(&format!("/auth/oidc/callback?state={state}&code=c0de")))
            .await,
    )
}

fn claims(provider: &FakeProvider, nonce: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": provider.issuer, "aud": CLIENT_ID, "sub": "fake-0001",
        "iat": now, "exp": now + 300, "nonce": nonce,
        "email": "louise@cabinet.example", "email_verified": true,
        "given_name": "Louise", "family_name": "Arnaud",
    })
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (key, value) in changes.as_object().unwrap() {
        claims[key] = value.clone();
    }
    claims
}

/// A case: what it is, the token endpoint's answer for a login's nonce, the code expected.
type Case<'a> = (&'static str, Box<dyn Fn(&str) -> Answer + 'a>, &'static str);

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn id_tokens_are_checked_signature_issuer_audience_expiry_and_nonce(db: PgPool) {
    let provider = FakeProvider::start().await;
    let key = SigningKey::new("k1");
    let stranger = SigningKey::new("k1");
    provider.serve_keys(&[&key]);
    let issuer = provider.issuer.clone();
    let server = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        move |config| config.oidc = Some(oidc_config(&issuer)),
    )
    .await;

    let cases: Vec<Case> = vec![
        (
            "refused code",
            Box::new(|_| Answer::Refuse),
            "TOKEN_EXCHANGE_FAILED",
        ),
        (
            "signed by another key under the same kid",
            Box::new(|n| Answer::IdToken(stranger.sign("k1", &claims(&provider, n)))),
            "TOKEN_INVALID",
        ),
        (
            "no ID token at all",
            Box::new(|_| Answer::AccessTokenOnly),
            "TOKEN_INVALID",
        ),
        (
            "not a JWT",
            Box::new(|_| Answer::IdToken("not.a-token".into())),
            "TOKEN_INVALID",
        ),
        (
            "another issuer",
            Box::new(|n| {
                Answer::IdToken(key.sign(
                    "k1",
                    &with(
                        claims(&provider, n),
                        json!({ "iss": "https://evil.example" }),
                    ),
                ))
            }),
            "ISSUER_MISMATCH",
        ),
        (
            "another client",
            Box::new(|n| {
                Answer::IdToken(key.sign(
                    "k1",
                    &with(claims(&provider, n), json!({ "aud": "someone-else" })),
                ))
            }),
            "AUDIENCE_MISMATCH",
        ),
        (
            "expired five minutes ago",
            Box::new(|n| {
                let past = chrono::Utc::now().timestamp() - 300;
                Answer::IdToken(key.sign(
                    "k1",
                    &with(
                        claims(&provider, n),
                        json!({ "exp": past, "iat": past - 300 }),
                    ),
                ))
            }),
            "TOKEN_EXPIRED",
        ),
        (
            "issued in ten minutes",
            Box::new(|n| {
                let future = chrono::Utc::now().timestamp() + 600;
                Answer::IdToken(key.sign(
                    "k1",
                    &with(
                        claims(&provider, n),
                        json!({ "iat": future, "exp": future + 300 }),
                    ),
                ))
            }),
            "TOKEN_EXPIRED",
        ),
        (
            "another login's nonce",
            Box::new(|n| {
                Answer::IdToken(key.sign(
                    "k1",
                    &with(claims(&provider, n), json!({ "nonce": "stolen" })),
                ))
            }),
            "NONCE_MISMATCH",
        ),
        (
            "no email, and the userinfo endpoint fails",
            Box::new(|n| {
                let mut claims = claims(&provider, n);
                claims.as_object_mut().unwrap().remove("email");
                Answer::IdToken(key.sign("k1", &claims))
            }),
            "PROVIDER_ERROR",
        ),
        (
            "a key the provider never published",
            Box::new(|n| Answer::IdToken(stranger.sign("k9", &claims(&provider, n)))),
            "TOKEN_INVALID",
        ),
    ];
    for (case, make, code) in cases {
        let landed = answer_login(&server, &provider, make).await;
        assert_eq!(sso_code(&landed), code, "{case}");
    }
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(accounts, 0, "no refused token made an account");

    // Expired by less than the clock skew allowed: accepted.
    let landed = answer_login(&server, &provider, |n| {
        let just = chrono::Utc::now().timestamp() - 30;
        Answer::IdToken(key.sign(
            "k1",
            &with(
                claims(&provider, n),
                json!({ "exp": just, "iat": just - 300 }),
            ),
        ))
    })
    .await;
    assert_eq!(landed, "/");
    // The code went with its PKCE verifier, the client authenticated itself.
    let state = provider.state.lock().unwrap();
    assert_eq!(
        state.last_request.get("code").map(String::as_str),
        Some("c0de")
    );
    assert!(state.last_request.contains_key("code_verifier"));
    assert!(state
        .last_authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Basic ")));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn rotated_keys_are_fetched_again_and_a_provider_without_logout_logs_out_here(db: PgPool) {
    let provider = FakeProvider::start().await;
    let old = SigningKey::new("2026-01");
    provider.serve_keys(&[&old]);
    let issuer = provider.issuer.clone();
    let server = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        move |config| config.oidc = Some(oidc_config(&issuer)),
    )
    .await;
    let landed = answer_login(&server, &provider, |n| {
        Answer::IdToken(old.sign("2026-01", &claims(&provider, n)))
    })
    .await;
    assert_eq!(landed, "/");

    // The provider rotates: the next token is signed by a key the cached JWKS lacks.
    let new = SigningKey::new("2026-02");
    provider.serve_keys(&[&old, &new]);
    // (the refresh is throttled: a key fetch at most every ten seconds)
    tokio::time::sleep(Duration::from_secs(11)).await;
    let mut browser = Browser::new();
    let authorize = location(&browser.get(&server.url("/auth/oidc/login")).await);
    let state = query_param(&authorize, "state").unwrap();
    let nonce = query_param(&authorize, "nonce").unwrap();
    provider.answer(Answer::IdToken(
        new.sign("2026-02", &claims(&provider, &nonce)),
    ));
    let landed = location(
        &browser
            .get(&server.url(&format!("/auth/oidc/callback?state={state}&code=c")))
            .await,
    );
    assert_eq!(landed, "/", "the new key was fetched");
    assert_eq!(
        me(&mut browser, &server).await["email"],
        "louise@cabinet.example"
    );

    // This provider publishes no end-session endpoint: logging out stays here.
    let out = browser
        .gql(&server, "mutation { signOut { providerLogoutUrl } }")
        .await;
    assert_eq!(out["data"]["signOut"]["providerLogoutUrl"], Value::Null);
    assert_eq!(
        common::error_code_of(&browser.gql(&server, ME).await),
        "UNAUTHENTICATED"
    );
}
