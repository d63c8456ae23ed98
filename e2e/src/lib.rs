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
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("e2e/ sits in the workspace").to_path_buf()
}

pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("e2e/artifacts");
    std::fs::create_dir_all(&dir).expect("cannot create e2e/artifacts");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("no free port")
}

/// The server binary built next to this test binary (`target/<profile>/paraphe-server`).
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("paraphe-server");
    assert!(binary.exists(), "{} is missing: run `cargo build -p paraphe-server` first (scripts/test.sh does)", binary.display());
    binary
}

async fn wait_until_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "{what} did not start listening on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub struct Server {
    pub base_url: String,
    process: Child,
    database: String,
    admin_url: String,
}

/// A fixed key-encryption key: each run's database (and so its CA keys) is thrown away.
const TEST_KEK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

impl Server {
    /// A fresh database (from the `DATABASE_URL` server), the demo seeded, the app served.
    pub async fn start() -> Server {
        let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL server");
        let server_url = admin_url.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin_url.clone());
        let database = format!("paraphe_e2e_{}", uuid::Uuid::new_v4().simple());
        let database_url = format!("{server_url}/{database}");
        let dist = workspace_root().join("dist");
        assert!(dist.join("index.html").exists(), "dist/ is not built: run `trunk build --offline` (scripts/test.sh does)");

        let seeded = Command::new(server_binary())
            .arg("seed-demo")
            .env("DATABASE_URL", &database_url)
            .env("PARAPHE_KEY_ENCRYPTION_KEY", TEST_KEK)
            .stdout(Stdio::null())
            .status()
            .await
            .expect("cannot run paraphe-server");
        assert!(seeded.success(), "seed-demo failed");

        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let process = Command::new(server_binary())
            .arg("serve")
            .env("DATABASE_URL", &database_url)
            .env("PARAPHE_KEY_ENCRYPTION_KEY", TEST_KEK)
            .env("PARAPHE_ADDR", format!("127.0.0.1:{port}"))
            .env("PARAPHE_PUBLIC_URL", &base_url)
            .env("PARAPHE_DIST_DIR", &dist)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start paraphe-server");
        wait_until_listening(port, "paraphe-server").await;
        Server { base_url, process, database, admin_url }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
        if let Ok(mut admin) = <sqlx::PgConnection as sqlx::Connection>::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)).execute(&mut admin).await;
        }
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
        Chromedriver { url: format!("http://127.0.0.1:{port}"), _process: process }
    }

    /// A fresh headless browser with its own profile (cookies are not shared).
    pub async fn browser(&self, width: u32, height: u32) -> WebDriver {
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
            "--lang=fr-FR",
        ] {
            caps.add_arg(arg).expect("chrome arg");
        }
        caps.add_arg(&format!("--window-size={width},{height}")).expect("chrome arg");
        let driver = WebDriver::new(&self.url, caps).await.expect("cannot start a Chromium session");
        driver.set_window_rect(0, 0, width, height).await.expect("window size");
        driver
    }
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
    driver.screenshot(&path).await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
}
