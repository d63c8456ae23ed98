//! A real server on a free port over a fresh database (from `#[sqlx::test]`), and a
//! small GraphQL client that keeps its session cookie like a browser.

pub mod hostile_pdf;
pub mod identity_documents;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use paraphe_server::accounts::{self, NewUser};
use paraphe_server::cabinets;
use paraphe_server::config::Config;
use paraphe_server::events::EventBus;
use paraphe_server::ids::{CabinetId, UserId};
use paraphe_server::pki::{self, CaHierarchy, Pki, Registry};
use paraphe_shared::{Email, PersonName, Role};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Generating RSA keys is slow: tests that do not look at the CAs share one hierarchy.
fn shared_hierarchy() -> CaHierarchy {
    static HIERARCHY: OnceLock<CaHierarchy> = OnceLock::new();
    HIERARCHY
        .get_or_init(|| CaHierarchy::generate("http://localhost:8080").unwrap())
        .clone()
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub db: PgPool,
    pub pki: Arc<Pki>,
}

impl TestServer {
    pub async fn start(db: PgPool) -> Self {
        Self::start_with(db, EventBus::in_process(), |_| {}).await
    }

    pub async fn start_with(db: PgPool, bus: EventBus, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_full(db, bus, tweak, false, None, None).await
    }

    /// A server on a listener the test bound already: what must know the server's
    /// address before it starts (an OpenID provider's redirect URIs) can be set up first.
    pub async fn start_on(
        listener: tokio::net::TcpListener,
        db: PgPool,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_full(
            db,
            EventBus::in_process(),
            tweak,
            false,
            None,
            Some(listener),
        )
        .await
    }

    /// A server whose time-stamps come from an outside authority.
    pub async fn start_with_remote_tsa(db: PgPool, tsa: pki::remote_tsa::RemoteTsa) -> Self {
        Self::start_full(db, EventBus::in_process(), |_| {}, false, Some(tsa), None).await
    }

    /// A server whose certificate authorities are new and point their CRL and OCSP URLs
    /// at this very server, for relying parties that fetch them.
    pub async fn start_with_own_pki(db: PgPool) -> Self {
        Self::start_full(db, EventBus::in_process(), |_| {}, true, None, None).await
    }

    async fn start_full(
        db: PgPool,
        bus: EventBus,
        tweak: impl FnOnce(&mut Config),
        own_pki: bool,
        remote_tsa: Option<pki::remote_tsa::RemoteTsa>,
        listener: Option<tokio::net::TcpListener>,
    ) -> Self {
        let mut config = Config::for_tests(String::new());
        tweak(&mut config);
        let listener = match listener {
            Some(listener) => listener,
            None => tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        };
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let hierarchy = if own_pki {
            let base_url = base_url.clone();
            tokio::task::spawn_blocking(move || CaHierarchy::generate(&base_url))
                .await
                .unwrap()
                .unwrap()
        } else {
            shared_hierarchy()
        };
        let stored =
            pki::store::load_or_create(&db, &config.key_encryption_key, &base_url, None, || {
                Ok(hierarchy)
            })
            .await
            .unwrap();
        let mut pki = Pki::new(stored, Registry::Database(db.clone()));
        if let Some(tsa) = remote_tsa {
            pki = pki.with_remote_tsa(tsa);
        }
        let pki = Arc::new(pki);
        let state = paraphe_server::app::assemble(db.clone(), bus, config, pki.clone());
        paraphe_server::app::spawn_workers(&state).unwrap();
        let app = paraphe_server::router(state);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestServer { addr, db, pki }
    }

    /// A server whose emails go to `smtp` (a real SMTP server).
    pub async fn start_with_smtp(db: PgPool, smtp: &SmtpSink) -> Self {
        let url = smtp.url();
        Self::start_with(db, EventBus::in_process(), move |config| {
            config.smtp_url = Some(url.into())
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            endpoint: self.url("/graphql"),
            cookie: None,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Client {
        let mut client = self.client();
        let response = client
            .run::<paraphe_operations::Login>(paraphe_operations::login::Variables {
                email: email.to_owned(),
                password: password.to_owned(),
            })
            .await;
        assert!(
            response.errors.is_none(),
            "login failed: {:?}",
            response.errors
        );
        assert!(client.cookie.is_some(), "login set no cookie");
        client
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub endpoint: String,
    pub cookie: Option<String>,
}

impl Client {
    /// Runs an operation; returns the whole JSON response (data and errors).
    pub async fn gql(&mut self, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(&self.endpoint)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        for set_cookie in response.headers().get_all("set-cookie") {
            let value = set_cookie.to_str().unwrap();
            let pair = value.split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        response.json().await.unwrap()
    }

    /// Runs one of the app's own operations (`paraphe-operations`): the same document and
    /// types the web app sends.
    pub async fn run<Q: paraphe_operations::GraphQLQuery>(
        &mut self,
        variables: Q::Variables,
    ) -> paraphe_operations::Response<Q::ResponseData> {
        let body = Q::build_query(variables);
        let variables = serde_json::to_value(&body.variables).expect("variables as JSON");
        let answer = self.gql(body.query, variables).await;
        serde_json::from_value(answer.clone())
            .unwrap_or_else(|e| panic!("the answer does not fit the operation ({e}): {answer}"))
    }

    /// A GraphQL multipart request (spec: operations, map, then the file) uploading
    /// `content` as variable `file`.
    pub async fn upload(
        &mut self,
        query: &str,
        variables: Value,
        filename: &str,
        content: Vec<u8>,
    ) -> Value {
        let operations = json!({ "query": query, "variables": variables });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.file"]}"#)
            .part(
                "0",
                reqwest::multipart::Part::bytes(content)
                    .file_name(filename.to_owned())
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("x-paraphe-csrf", "1")
            .multipart(form);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    pub async fn data(&mut self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response}"
        );
        response["data"].clone()
    }

    /// The `extensions.code` of the first error; panics if the operation succeeded.
    pub async fn error_code(&mut self, query: &str, variables: Value) -> String {
        let response = self.gql(query, variables).await;
        error_code_of(&response)
    }
}

pub fn error_code_of(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {response}"))
        .to_owned()
}

pub const PASSWORD: &str = "un mot de passe solide";

pub async fn user(db: &PgPool, email: &str, first: &str, last: &str) -> Uuid {
    accounts::create_user(
        db,
        NewUser {
            email: Email::parse(email).unwrap(),
            first_name: PersonName::parse(first).unwrap(),
            last_name: PersonName::parse(last).unwrap(),
            mobile: None,
            password: Some(PASSWORD.into()),
        },
    )
    .await
    .unwrap()
    .id
    .into_uuid()
}

/// A cabinet with an accountant and a collaborator; `open` accepts the terms.
pub struct Firm {
    pub cabinet: Uuid,
    pub accountant: Uuid,
    pub accountant_email: String,
    pub collaborator: Uuid,
    pub collaborator_email: String,
}

pub async fn firm(db: &PgPool, tag: &str, open: bool) -> Firm {
    let accountant_email = format!("ec-{tag}@cabinet-{tag}.fr");
    let collaborator_email = format!("collab-{tag}@cabinet-{tag}.fr");
    let accountant = user(db, &accountant_email, "Claire", &format!("Expert{tag}")).await;
    let collaborator = user(db, &collaborator_email, "Hugo", &format!("Collab{tag}")).await;
    let cabinet = cabinets::create_cabinet(
        db,
        &format!("Cabinet {tag}"),
        None,
        UserId::from_uuid(accountant),
    )
    .await
    .unwrap()
    .into_uuid();
    cabinets::add_member(
        db,
        CabinetId::from_uuid(cabinet),
        UserId::from_uuid(collaborator),
        Role::Collaborator,
    )
    .await
    .unwrap();
    if open {
        sqlx::query(
            "INSERT INTO terms_acceptances (cabinet_id, accepted_by, cgu_version, privacy_policy_version) VALUES ($1, $2, $3, $4)",
        )
        .bind(cabinet)
        .bind(accountant)
        .bind(paraphe_shared::terms::CGU_VERSION)
        .bind(paraphe_shared::terms::PRIVACY_POLICY_VERSION)
        .execute(db)
        .await
        .unwrap();
    }
    Firm {
        cabinet,
        accountant,
        accountant_email,
        collaborator,
        collaborator_email,
    }
}

pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Python of the test virtualenv (pyHanko, aiosmtpd).
pub fn python() -> std::path::PathBuf {
    std::env::var("PARAPHE_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".data/venv/bin/python"))
}

/// A real SMTP server (aiosmtpd) that stores what it receives; killed when dropped.
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

/// How the sink protects its connections (see `tests/tools/smtp_sink.py`).
#[derive(Debug, Clone, Copy)]
pub enum SinkSecurity {
    Plain,
    /// STARTTLS required, login required.
    StartTls,
    /// TLS from the first byte, login required.
    Implicit,
}

impl SmtpSink {
    /// The login and password a TLS sink requires (reserved characters, to test encoding).
    pub const LOGIN: &'static str = "paraphe";
    pub const PASSWORD: &'static str = "relay p@ss:word";

    pub fn start() -> Self {
        Self::start_secured(SinkSecurity::Plain)
    }

    pub fn start_secured(security: SinkSecurity) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("paraphe-smtp-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/smtp_sink.py");
        let mut child = std::process::Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .arg(&dir)
            .arg(match security {
                SinkSecurity::Plain => "plain",
                SinkSecurity::StartTls => "starttls",
                SinkSecurity::Implicit => "implicit",
            })
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("cannot start the SMTP sink (aiosmtpd in .data/venv)");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line.trim(), "ready", "SMTP sink did not start");
        SmtpSink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The private CA that certifies a TLS sink's certificate (PEM).
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.pem")).expect("this sink has no TLS")
    }

    /// Every message received so far, in order: (recipient, subject, body).
    pub fn messages(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
                let field = |name: &str| {
                    head.lines()
                        .find_map(|l| l.strip_prefix(name))
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                };
                Mail {
                    to: field("To:"),
                    from: field("From:"),
                    subject: field("Subject:"),
                    login: field("Login:"),
                    body: body.to_owned(),
                }
            })
            .collect()
    }

    /// Waits (up to 20 s) for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Mail {
        for _ in 0..200 {
            if let Some(mail) = self
                .messages()
                .into_iter()
                .find(|m| m.to == to && m.subject.contains(subject))
            {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "no email to {to} about {subject:?}; received: {:#?}",
            self.messages()
        );
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    /// The login the client authenticated with, empty when it did not.
    pub login: String,
    pub body: String,
}

impl Mail {
    /// The token of the first signer link (`…/signer/<token>`) in the body.
    pub fn signer_token(&self) -> String {
        token_in(&self.body)
    }
}

/// The token of the first signer link (`…/signer/<token>`) in a message's text.
pub fn token_in(body: &str) -> String {
    let start = body
        .find("/signer/")
        .expect("no signer link in the message")
        + "/signer/".len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The PDF most tests sign: a one-page letter of the corpus.
pub fn sample_pdf() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"),
    )
    .unwrap()
}

/// The 6-digit code in the latest SMS sent to `mobile` (the outbox table).
pub async fn sms_code(db: &PgPool, mobile: &str) -> String {
    let body = sqlx::query_scalar!(
        "SELECT body FROM outbox WHERE channel = 'sms' AND recipient = $1 ORDER BY id DESC LIMIT 1",
        mobile,
    )
    .fetch_one(db)
    .await
    .unwrap();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("no code in the SMS")
        .to_owned()
}
