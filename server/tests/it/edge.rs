//! The HTTP edge: CSRF, body size, batches, limits, health.

use crate::common::{error_code_of, firm, TestServer, PASSWORD};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn posts_that_a_foreign_page_could_forge_are_refused(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db.clone()).await;
    let accountant = server.login(&a.accountant_email, PASSWORD).await;
    let cookie = accountant.cookie.clone().unwrap();
    let mutation = format!(
        r#"{{"query":"mutation {{ setDelegations(cabinetId: \"{}\", userId: \"{}\", delegations: [SIGN]) {{ role }} }}"}}"#,
        a.cabinet, a.collaborator
    );
    let http = reqwest::Client::new();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = http
            .post(server.url("/graphql"))
            .header("content-type", content_type)
            .header("cookie", &cookie)
            .body(mutation.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{content_type}");
        assert_eq!(
            error_code_of(&body(response).await),
            "CSRF_REJECTED",
            "{content_type}"
        );
    }
    let granted: bool = sqlx::query_scalar("SELECT can_sign FROM memberships WHERE user_id = $1")
        .bind(a.collaborator)
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(!granted, "no forged post changed anything");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn get_serves_graphiql_and_never_executes(db: PgPool) {
    let server = TestServer::start(db).await;
    let response = reqwest::get(server.url("/graphql?query=mutation%20%7B%20logout%20%7D"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("graphiql"), "GraphiQL page expected");
    assert!(!html.contains("\"logout\""));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn batches_are_refused(db: PgPool) {
    let server = TestServer::start(db).await;
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .json(&json!([{ "query": "{ currentTerms { cguVersion } }" }, { "query": "{ currentTerms { cguVersion } }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_code_of(&body(response).await), "VALIDATION");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn oversized_bodies_are_refused_before_parsing(db: PgPool) {
    let server = TestServer::start(db).await;
    let huge = format!(
        r#"{{"query":"{{ currentTerms {{ cguVersion }} }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(13 * 1024 * 1024)
    );
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(error_code_of(&body(response).await), "PAYLOAD_TOO_LARGE");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn too_deep_queries_and_unknown_fields_get_codes(db: PgPool) {
    let server = TestServer::start(db).await;
    let mut client = server.client();
    let mut deep = String::from("name");
    for _ in 0..20 {
        deep = format!("ofType {{ {deep} }}");
    }
    let code = client
        .error_code(
            &format!("{{ __schema {{ types {{ {deep} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(code, "QUERY_TOO_COMPLEX");
    assert_eq!(
        client.error_code("{ noSuchField }", json!({})).await,
        "VALIDATION"
    );
    assert_eq!(client.error_code("{ broken", json!({})).await, "VALIDATION");
}

/// A 1 KB document whose fragments each spread the next one twice used to hold a core for
/// minutes (async-graphql expands every spread again); forty aliases of a 100-row list
/// passed the complexity limit. Both are refused at once, without a session.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn costly_documents_are_refused_before_they_cost(db: PgPool) {
    let server = TestServer::start(db).await;
    let mut client = server.client();
    let mut bomb = String::from("query { ...F0 }\n");
    for n in 0..30 {
        bomb.push_str(&format!(
            "fragment F{n} on Query {{ ...F{next} ...F{next} }}\n",
            next = n + 1
        ));
    }
    bomb.push_str("fragment F30 on Query { currentTerms { cguVersion } }");
    let started = std::time::Instant::now();
    assert_eq!(
        client.error_code(&bomb, json!({})).await,
        "QUERY_TOO_COMPLEX"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused in {:?}",
        started.elapsed()
    );

    let aliases: String = (0..40)
        .map(|i| format!("a{i}: collections(cabinetId: \"00000000-0000-0000-0000-000000000000\", first: 100) {{ edges {{ node {{ auditTrail {{ seq at kind actor ip userAgent details hash }} }} }} }} "))
        .collect();
    assert_eq!(
        client
            .error_code(&format!("{{ {aliases} }}"), json!({}))
            .await,
        "QUERY_TOO_COMPLEX"
    );
    assert_eq!(
        client
            .error_code(
                &format!(
                    "{{ currentTerms {{ cguVersion }} }} # {}",
                    "x".repeat(40_000)
                ),
                json!({})
            )
            .await,
        "QUERY_TOO_COMPLEX"
    );
}

/// The development outbox shows every cabinet's links and codes: a platform
/// administrator's session only, never anybody reaching the server.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_development_outbox_is_for_platform_administrators_only(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let admin = crate::common::user(&db, "admin@plateforme.fr", "Paul", "Roux").await;
    sqlx::query("UPDATE users SET is_platform_admin = true WHERE id = $1")
        .bind(admin)
        .execute(&db)
        .await
        .unwrap();
    let server = TestServer::start(db.clone()).await;
    let outbox = "{ devOutbox(first: 5) { recipient body } }";
    assert_eq!(
        server.client().error_code(outbox, json!({})).await,
        "UNAUTHENTICATED"
    );
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    assert_eq!(accountant.error_code(outbox, json!({})).await, "FORBIDDEN");
    let mut administrator = server.login("admin@plateforme.fr", PASSWORD).await;
    assert!(administrator.data(outbox, json!({})).await["devOutbox"].is_array());

    // Off unless asked for, and refused outright behind https.
    let closed = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        |config| config.dev_outbox = false,
    )
    .await;
    let mut administrator = closed.login("admin@plateforme.fr", PASSWORD).await;
    assert_eq!(
        administrator.error_code(outbox, json!({})).await,
        "NOT_FOUND"
    );
    let mut deployed = paraphe_server::config::Config::for_tests(String::new());
    deployed.public_url = "https://paraphe.example.fr".into();
    assert!(deployed
        .checked()
        .unwrap_err()
        .to_string()
        .contains("PARAPHE_DEV_OUTBOX"));
}

/// GraphiQL and introspection are development tools: off unless configured (they were
/// always on).
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn graphiql_and_introspection_are_off_unless_asked_for(db: PgPool) {
    let server = TestServer::start_with(
        db,
        paraphe_server::events::EventBus::in_process(),
        |config| {
            config.graphiql = false;
            config.introspection = false;
        },
    )
    .await;
    assert_eq!(
        reqwest::get(server.url("/graphql")).await.unwrap().status(),
        404
    );
    let answer = server
        .client()
        .gql("{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        answer["data"]["__schema"].is_null(),
        "the schema is not revealed: {answer}"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn health_and_readiness_answer(db: PgPool) {
    let server = TestServer::start(db).await;
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200
    );
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
}

#[test]
fn the_committed_schema_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .unwrap_or_default();
    assert!(
        committed == paraphe_server::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -p paraphe-server -- export-schema > schema.graphql`"
    );
}
