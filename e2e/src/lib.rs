//! Harness for the browser tests: starts the real `paraphe-server` binary on a free port
//! over a database of its own, and chromedriver driving headless Debian Chromium.
//! Everything started here is stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("e2e/ sits in the workspace")
        .to_path_buf()
}

pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("e2e/artifacts");
    std::fs::create_dir_all(&dir).expect("cannot create e2e/artifacts");
    dir
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// The server binary built next to this test binary (`target/<profile>/paraphe-server`).
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("paraphe-server");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build -p paraphe-server` first (scripts/test.sh does)",
        binary.display()
    );
    binary
}

async fn wait_until_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "{what} did not start listening on {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub struct Server {
    pub base_url: String,
    /// The server's own database, for running other `paraphe-server` commands on it.
    pub database_url: String,
    process: Child,
    database: String,
    admin_url: String,
    port: u16,
    /// Settings beside the harness's own (single sign-on's).
    env: Vec<(String, String)>,
}

async fn serve(database_url: &str, database: &str, port: u16, env: &[(String, String)]) -> Child {
    let process = Command::new(server_binary())
        .arg("serve")
        .envs(env.iter().map(|(name, value)| (name, value)))
        .env("DATABASE_URL", database_url)
        .env("PARAPHE_KEY_ENCRYPTION_KEY", TEST_KEK)
        .env("PARAPHE_ADDR", format!("127.0.0.1:{port}"))
        .env("PARAPHE_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("PARAPHE_DIST_DIR", workspace_root().join("dist"))
        .env("PARAPHE_DEV_OUTBOX", "true")
        .env("PARAPHE_OUTBOX_DIR", std::env::temp_dir().join(database))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start paraphe-server");
    wait_until_listening(port, "paraphe-server").await;
    process
}

/// A fixed key-encryption key: each run's database (and so its CA keys) is thrown away.
pub const TEST_KEK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

impl Server {
    /// A fresh database (from the `DATABASE_URL` server), the demo seeded, the app served.
    pub async fn start() -> Server {
        Self::start_with(true).await
    }

    /// An empty instance, as `PARAPHE_DEMO=false scripts/run.sh` starts it: no demo
    /// cabinet, no account.
    pub async fn start_empty() -> Server {
        Self::start_with(false).await
    }

    async fn start_with(demo: bool) -> Server {
        Self::start_configured(demo, free_port(), Vec::new()).await
    }

    /// A fresh instance (the demo seeded or not) on `port`, with more settings: what must
    /// know the server's address before it starts (an OpenID provider) is started first.
    pub async fn start_configured(demo: bool, port: u16, env: Vec<(String, String)>) -> Server {
        let admin_url =
            std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL server");
        let server_url = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base.to_owned())
            .unwrap_or(admin_url.clone());
        let database = format!("paraphe_e2e_{}", uuid::Uuid::new_v4().simple());
        let database_url = format!("{server_url}/{database}");
        // The browser tests drive the build users get: both release bundles, precompressed
        // (`build_web` in scripts/lib.sh, which scripts/run.sh and scripts/test.sh share).
        let dist = workspace_root().join("dist");
        for built in [
            "index.html",
            "index.html.br",
            "public/index.html",
            "public/index.html.br",
        ] {
            assert!(dist.join(built).exists(), "dist/{built} is missing: dist/ is not the release build that scripts/run.sh serves (scripts/test.sh builds it)");
        }

        let seeded = Command::new(server_binary())
            .arg(if demo { "seed-demo" } else { "migrate" })
            .env("DATABASE_URL", &database_url)
            .env("PARAPHE_KEY_ENCRYPTION_KEY", TEST_KEK)
            .stdout(Stdio::null())
            .status()
            .await
            .expect("cannot run paraphe-server");
        assert!(seeded.success(), "seed-demo or migrate failed");

        let base_url = format!("http://127.0.0.1:{port}");
        let process = serve(&database_url, &database, port, &env).await;
        Server {
            base_url,
            database_url,
            process,
            database,
            admin_url,
            port,
            env,
        }
    }

    /// Kills the server outright (SIGKILL: no graceful shutdown), as a crash would.
    pub async fn crash(&mut self) {
        self.process.kill().await.expect("kill paraphe-server");
    }

    /// Starts the server again on the same database and port.
    pub async fn restart(&mut self) {
        self.process = serve(&self.database_url, &self.database, self.port, &self.env).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
        if let Ok(mut admin) =
            <sqlx::PgConnection as sqlx::Connection>::connect(&self.admin_url).await
        {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.database
            ))
            .execute(&mut admin)
            .await;
        }
    }
}

/// A real OpenID Connect provider (node's oidc-provider, `e2e/oidc/provider.mjs`) whose one
/// client is a Paraphe on `paraphe_port`; stopped when dropped. Its accounts are in the
/// script (`nadia`, new to Paraphe; `hugo`, the demo collaborator's verified email).
pub struct OidcProvider {
    pub issuer: String,
    _process: Child,
}

impl OidcProvider {
    pub async fn start(paraphe_port: u16) -> OidcProvider {
        let root = workspace_root();
        assert!(
            root.join("e2e/oidc/node_modules/oidc-provider").exists(),
            "e2e/oidc/node_modules is missing: npm ci --prefix e2e/oidc (scripts/test.sh does)"
        );
        let port = free_port();
        let paraphe = format!("http://127.0.0.1:{paraphe_port}");
        let process = Command::new("node")
            .arg(root.join("e2e/oidc/provider.mjs"))
            .args(["--port", &port.to_string()])
            .args(["--redirect-uri", &format!("{paraphe}/auth/oidc/callback")])
            .args([
                "--post-logout-redirect-uri",
                &format!("{paraphe}/connexion"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node is missing (apt-get install nodejs)");
        wait_until_listening(port, "oidc-provider").await;
        OidcProvider {
            issuer: format!("http://127.0.0.1:{port}"),
            _process: process,
        }
    }

    /// The settings that make a Paraphe use this provider, named `name` on the login page.
    pub fn settings(&self, name: &str) -> Vec<(String, String)> {
        [
            ("PARAPHE_OIDC_ISSUER", self.issuer.as_str()),
            ("PARAPHE_OIDC_CLIENT_ID", "paraphe"),
            ("PARAPHE_OIDC_CLIENT_SECRET", "paraphe-sso-test-secret"),
            ("PARAPHE_OIDC_NAME", name),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}

pub struct Chromedriver {
    pub url: String,
    _process: Child,
}

impl Chromedriver {
    pub async fn start() -> Chromedriver {
        let port = free_port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver not found: apt-get install chromium chromium-driver (scripts/test.sh does)");
        wait_until_listening(port, "chromedriver").await;
        Chromedriver {
            url: format!("http://127.0.0.1:{port}"),
            _process: process,
        }
    }

    /// A fresh headless browser with its own profile (cookies are not shared), asking for
    /// French as a French person's browser does.
    pub async fn browser(&self, width: u32, height: u32) -> WebDriver {
        self.browser_in(width, height, "fr-FR").await
    }

    /// The same, with another preferred language (`en-GB`: `navigator.languages` and
    /// `Accept-Language` say English).
    pub async fn browser_in(&self, width: u32, height: u32, language: &str) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        if Path::new("/usr/bin/chromium").exists() {
            caps.set_binary("/usr/bin/chromium").expect("binary");
        }
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ] {
            caps.add_arg(arg).expect("chrome arg");
        }
        caps.add_arg(&format!("--lang={language}"))
            .expect("chrome arg");
        let primary = language.split('-').next().unwrap_or(language);
        caps.add_experimental_option(
            "prefs",
            serde_json::json!({ "intl.accept_languages": format!("{language},{primary}") }),
        )
        .expect("chrome prefs");
        caps.add_arg(&format!("--window-size={width},{height}"))
            .expect("chrome arg");
        let driver = WebDriver::new(&self.url, caps)
            .await
            .expect("cannot start a Chromium session");
        driver
            .set_window_rect(0, 0, width, height)
            .await
            .expect("window size");
        driver
    }
}

/// Logs in through the login page, and waits for the back office (a full load: the login
/// page is in the public bundle).
pub async fn log_in(browser: &WebDriver, server: &Server, email: &str, password: &str) {
    browser.goto(server.url("/connexion")).await.unwrap();
    wait_for(browser, "input#email")
        .await
        .send_keys(email)
        .await
        .unwrap();
    wait_for(browser, "input#password")
        .await
        .send_keys(password)
        .await
        .unwrap();
    wait_for(browser, "button#login-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(browser, "#logout").await;
}

/// Waits for the first element matching `css`, failing with the selector's name.
pub async fn wait_for(driver: &WebDriver, css: &str) -> WebElement {
    driver
        .query(By::Css(css))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("`{css}` never appeared: {e}"))
}

/// Waits for the first picture matching `css` to have loaded (a natural width).
pub async fn wait_for_picture(driver: &WebDriver, css: &str) -> WebElement {
    driver
        .query(By::Css(css))
        .with_filter(|image: WebElement| async move {
            Ok(image.prop("naturalWidth").await?.is_some_and(|w| w != "0"))
        })
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap_or_else(|e| panic!("`{css}` never showed a picture: {e}"))
}

/// Waits until nothing matches `css`.
pub async fn wait_gone(driver: &WebDriver, css: &str) {
    driver
        .query(By::Css(css))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .not_exists()
        .await
        .unwrap_or_else(|e| panic!("`{css}` never went away: {e}"));
}

pub async fn screenshot(driver: &WebDriver, name: &str) {
    let path = artifacts_dir().join(format!("{name}.png"));
    driver
        .screenshot(&path)
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
}

/// The GraphQL API as an integrator (or the preparer's app) calls it, keeping the session
/// cookie; for setting up what a browser test then looks at.
pub struct Api {
    http: reqwest::Client,
    endpoint: String,
    cookie: Option<String>,
}

impl Api {
    pub fn new(server: &Server) -> Api {
        Api {
            http: reqwest::Client::new(),
            endpoint: server.url("/graphql"),
            cookie: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> serde_json::Value {
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("GraphQL request");
        if let Some(set_cookie) = response.headers().get("set-cookie") {
            self.cookie = set_cookie
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .map(str::to_owned);
        }
        let body: serde_json::Value = response.json().await.expect("GraphQL JSON");
        assert!(body.get("errors").is_none(), "GraphQL errors: {body}");
        body["data"].clone()
    }

    pub async fn run(&mut self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let request = self
            .http
            .post(&self.endpoint)
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        self.send(request).await
    }

    /// Runs one of the app's own operations (`paraphe-operations`), with the types the web
    /// app uses; fails the test on a GraphQL error.
    pub async fn operation<Q: paraphe_operations::GraphQLQuery>(
        &mut self,
        variables: Q::Variables,
    ) -> Q::ResponseData {
        let body = Q::build_query(variables);
        let variables = serde_json::to_value(&body.variables).expect("variables as JSON");
        let data = self.run(body.query, variables).await;
        serde_json::from_value(data.clone())
            .unwrap_or_else(|e| panic!("the answer does not fit the operation ({e}): {data}"))
    }

    /// Logs in as the demo accountant and opens the demo cabinet (accepts the current
    /// terms); returns the cabinet's id.
    pub async fn open_demo_cabinet(&mut self) -> String {
        use paraphe_operations as op;
        self.login("expert@demo.paraphe.fr", "demo-expert-2026")
            .await;
        let me = self.operation::<op::Me>(op::me::Variables).await;
        let cabinet = me
            .me
            .memberships
            .first()
            .expect("a demo cabinet")
            .cabinet_id
            .clone();
        let terms = self
            .operation::<op::CurrentTerms>(op::current_terms::Variables)
            .await
            .current_terms;
        self.operation::<op::AcceptTerms>(op::accept_terms::Variables {
            cabinet_id: cabinet.clone(),
            cgu_version: terms.cgu_version,
            privacy_policy_version: terms.privacy_policy_version,
        })
        .await;
        cabinet
    }

    pub async fn login(&mut self, email: &str, password: &str) {
        self.operation::<paraphe_operations::Login>(paraphe_operations::login::Variables {
            email: email.to_owned(),
            password: password.to_owned(),
        })
        .await;
    }

    /// A plain GET on the server with the session cookie (downloads).
    pub async fn get_bytes(&mut self, path: &str) -> Vec<u8> {
        let url = format!("{}{path}", self.endpoint.trim_end_matches("/graphql"));
        let request = self.http.get(url);
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("GET");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.bytes().await.expect("body").to_vec()
    }

    /// A multipart upload of `content` as the `$file` variable.
    pub async fn upload(
        &mut self,
        query: &str,
        variables: serde_json::Value,
        filename: &str,
        content: Vec<u8>,
    ) -> serde_json::Value {
        let form = reqwest::multipart::Form::new()
            .text(
                "operations",
                serde_json::json!({ "query": query, "variables": variables }).to_string(),
            )
            .text("map", r#"{"0": ["variables.file"]}"#)
            .part(
                "0",
                reqwest::multipart::Part::bytes(content).file_name(filename.to_owned()),
            );
        let request = self
            .http
            .post(&self.endpoint)
            .header("x-paraphe-csrf", "1")
            .multipart(form);
        self.send(request).await
    }

    /// The newest development-outbox message to `recipient` whose text contains `needle`,
    /// read as the demo platform administrator (the only one who may read it).
    pub async fn outbox(&mut self, recipient: &str, needle: &str) -> String {
        self.outbox_as(
            ("plateforme@demo.paraphe.fr", "demo-plateforme-2026"),
            recipient,
            needle,
        )
        .await
    }

    /// [`Api::outbox`] read by another platform administrator (an instance without the
    /// demo has its own).
    pub async fn outbox_as(
        &mut self,
        (email, password): (&str, &str),
        recipient: &str,
        needle: &str,
    ) -> String {
        let mut admin = Api {
            http: self.http.clone(),
            endpoint: self.endpoint.clone(),
            cookie: None,
        };
        admin.login(email, password).await;
        for _ in 0..150 {
            let data = admin
                .run(
                    "{ devOutbox(first: 100) { recipient subject body } }",
                    serde_json::json!({}),
                )
                .await;
            let found = data["devOutbox"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|m| {
                    m["recipient"] == recipient
                        && (m["body"].as_str().unwrap_or_default().contains(needle)
                            || m["subject"].as_str().unwrap_or_default().contains(needle))
                });
            if let Some(message) = found {
                return message["body"].as_str().unwrap_or_default().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message to {recipient} containing {needle:?}");
    }
}

/// Runs axe-core (the copy `scripts/lib.sh` installs in tools/node_modules) on the page as
/// it is now, and fails on any serious or critical violation, naming each with the
/// elements concerned.
pub async fn assert_accessible(driver: &WebDriver, page: &str) {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let axe = AXE.get_or_init(|| {
        let path = workspace_root().join("tools/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/test.sh installs it with npm ci --prefix tools)",
                path.display()
            )
        })
    });
    driver
        .execute(axe.as_str(), Vec::new())
        .await
        .expect("axe-core loads");
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
           .then(r => done(JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })))))
           .catch(e => done(JSON.stringify([{ id: 'axe-error', help: String(e) }])));";
    let result = driver
        .execute_async(script, Vec::new())
        .await
        .expect("axe-core runs");
    let violations: serde_json::Value =
        serde_json::from_str(result.json().as_str().unwrap_or("[]")).expect("axe-core's report");
    assert_eq!(
        violations,
        serde_json::json!([]),
        "{page}: serious or critical accessibility violations"
    );
}

/// The `/signer/<token>` link in an email body.
pub fn signer_link(body: &str) -> String {
    let start = body.find("http").expect("no link in the email");
    body[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The 6-digit code in an SMS.
pub fn sms_code(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("no code in the SMS")
        .to_owned()
}

/// The link to choose a password (`…/mot-de-passe/<token>`) in a message or a command's
/// output.
pub fn password_link(text: &str) -> String {
    let path = text
        .find("/mot-de-passe/")
        .expect("no password link in the text");
    let start = text[..path].rfind("http").expect("no absolute link");
    text[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
