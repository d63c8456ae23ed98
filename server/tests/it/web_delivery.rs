//! How the web app reaches a browser: the right bundle for each page, precompressed
//! files, and cache headers that let a phone keep the app between visits.

use std::path::{Path, PathBuf};

use crate::common::TestServer;
use paraphe_server::events::EventBus;
use sqlx::PgPool;

const WASM: &str = "paraphe-web-0123456789abcdef_bg.wasm";

/// A `dist/` as `scripts/lib.sh` leaves it: two bundles, each file with its `.br` and
/// `.gz` beside it (their contents are tagged rather than really compressed: the test
/// checks which file is served).
fn dist() -> PathBuf {
    let dist = std::env::temp_dir().join(format!("paraphe-dist-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dist.join("public")).unwrap();
    let write = |path: &Path, body: &str| {
        std::fs::write(path, body).unwrap();
        std::fs::write(
            path.with_file_name(format!(
                "{}.br",
                path.file_name().unwrap().to_str().unwrap()
            )),
            format!("br:{body}"),
        )
        .unwrap();
        std::fs::write(
            path.with_file_name(format!(
                "{}.gz",
                path.file_name().unwrap().to_str().unwrap()
            )),
            format!("gz:{body}"),
        )
        .unwrap();
    };
    write(&dist.join("index.html"), "back office");
    write(&dist.join("public/index.html"), "public");
    write(&dist.join(WASM), "wasm");
    dist
}

async fn get(server: &TestServer, path: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(server.url(path));
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn each_page_gets_its_bundle_compressed_and_cached_by_name(db: PgPool) {
    let dist = dist();
    let server = TestServer::start_with(db, EventBus::in_process(), {
        let dist = dist.clone();
        move |config| config.dist_dir = dist
    })
    .await;

    // Pages: the bundle that owns them, brotli when the browser takes it, never cached
    // without asking (a new release shows at the next load).
    for (path, bundle) in [
        ("/", "back office"),
        ("/collections/42", "back office"),
        ("/connexion", "public"),
        ("/signer/abc", "public"),
        ("/capture/abc", "public"),
    ] {
        let response = get(&server, path, Some("gzip, deflate, br")).await;
        assert_eq!(header(&response, "content-encoding"), "br", "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(
            header(&response, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}: {:?}",
            response.headers()
        );
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            response.text().await.unwrap(),
            format!("br:{bundle}"),
            "{path}"
        );
    }
    let gzip = get(&server, "/signer/abc", Some("gzip")).await;
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    assert_eq!(gzip.text().await.unwrap(), "gz:public");
    let plain = get(&server, "/connexion", None).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.unwrap(), "public");

    // Assets named by their content: kept a year, never revalidated.
    let wasm = get(&server, &format!("/{WASM}"), Some("br")).await;
    assert_eq!(
        header(&wasm, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert_eq!(header(&wasm, "content-encoding"), "br");
    assert_eq!(wasm.text().await.unwrap(), "br:wasm");

    // The API is not a file: its answers carry no cache policy of the app's.
    let health = get(&server, "/healthz", Some("br")).await;
    assert_eq!(header(&health, "cache-control"), "");
    let _ = std::fs::remove_dir_all(dist);
}
