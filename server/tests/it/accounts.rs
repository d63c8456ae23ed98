use crate::common::{error_code_of, firm, TestServer, PASSWORD};
use serde_json::json;
use sqlx::PgPool;

const ME: &str = "{ me { user { email firstName } currentCabinetId memberships { cabinetName role delegations isOpen } } }";

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn login_sets_an_http_only_cookie_and_opens_the_first_cabinet(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db).await;
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .json(&json!({ "query": "mutation { login(email: \"EC-A@cabinet-a.fr\", password: \"un mot de passe solide\") { currentCabinetId } }" }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("paraphe_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP install must not set Secure: {cookie}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["login"]["currentCabinetId"], json!(a.cabinet));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn me_lists_the_cabinets_with_role_and_delegations(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let me = accountant.data(ME, json!({})).await;
    assert_eq!(me["me"]["user"]["firstName"], "Claire");
    assert_eq!(me["me"]["memberships"][0]["role"], "ACCOUNTANT");
    assert_eq!(
        me["me"]["memberships"][0]["delegations"],
        json!(["PREPARE", "SIGN", "SEAL"])
    );
    assert_eq!(me["me"]["memberships"][0]["isOpen"], false);
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let me = collaborator.data(ME, json!({})).await;
    assert_eq!(me["me"]["memberships"][0]["role"], "COLLABORATOR");
    assert_eq!(me["me"]["memberships"][0]["delegations"], json!([]));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn wrong_password_and_unknown_email_get_the_same_answer(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db).await;
    let login =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }";
    let mut client = server.client();
    let wrong = client
        .gql(login, json!({ "e": a.accountant_email, "p": "mauvais" }))
        .await;
    let unknown = client
        .gql(
            login,
            json!({ "e": "personne@nulle-part.fr", "p": "mauvais" }),
        )
        .await;
    let malformed = client
        .gql(login, json!({ "e": "pas-un-email", "p": "mauvais" }))
        .await;
    for response in [&wrong, &unknown, &malformed] {
        assert_eq!(error_code_of(response), "INVALID_CREDENTIALS");
        assert_eq!(
            response["errors"][0]["message"],
            wrong["errors"][0]["message"]
        );
    }
    assert!(client.cookie.is_none());
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn without_a_session_everything_personal_is_unauthenticated(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut anonymous = server.client();
    assert_eq!(anonymous.error_code(ME, json!({})).await, "UNAUTHENTICATED");
    assert_eq!(
        anonymous
            .error_code(
                "query($id: UUID!) { cabinet(id: $id) { name } }",
                json!({ "id": a.cabinet })
            )
            .await,
        "UNAUTHENTICATED"
    );
    anonymous.cookie = Some("paraphe_session=forged-token".into());
    assert_eq!(anonymous.error_code(ME, json!({})).await, "UNAUTHENTICATED");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn logout_ends_the_session_server_side(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db).await;
    let mut client = server.login(&a.accountant_email, PASSWORD).await;
    let stolen = client.cookie.clone();
    client.data("mutation { logout }", json!({})).await;
    assert!(client.cookie.is_none(), "the cookie is cleared");
    client.cookie = stolen;
    assert_eq!(
        client.error_code(ME, json!({})).await,
        "UNAUTHENTICATED",
        "a copied cookie no longer works"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn password_guessing_is_stopped_even_for_the_right_password(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db).await;
    let login =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }";
    let mut client = server.client();
    for _ in 0..paraphe_server::accounts::MAX_LOGIN_FAILURES {
        let code = client
            .error_code(login, json!({ "e": a.accountant_email, "p": "devinette" }))
            .await;
        assert_eq!(code, "INVALID_CREDENTIALS");
    }
    let code = client
        .error_code(
            login,
            json!({ "e": a.accountant_email.to_uppercase(), "p": PASSWORD }),
        )
        .await;
    assert_eq!(code, "RATE_LIMITED");
    // Other accounts are unaffected.
    server.login(&a.collaborator_email, PASSWORD).await;
}

async fn login_from(server: &TestServer, address: &str, email: &str, password: &str) -> String {
    let body = json!({ "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }", "variables": { "e": email, "p": password } });
    let response: serde_json::Value = reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("x-forwarded-for", address)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned()
}

/// Behind the proxy, the client's address is the last one of `X-Forwarded-For` (the proxy
/// appended it); the first ones are whatever the client sent, and used to be believed.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_address_is_the_one_the_proxy_saw(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        |config| config.trust_proxy = true,
    )
    .await;
    assert_eq!(
        login_from(
            &server,
            "198.51.100.66, 203.0.113.9",
            &a.accountant_email,
            "devinette"
        )
        .await,
        "INVALID_CREDENTIALS"
    );
    let ip: Option<String> = sqlx::query_scalar("SELECT ip FROM login_failures")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("203.0.113.9"));
}

/// Thirty guesses at once used to be thirty evaluations (the count was read before any
/// failure was written); a stranger's guesses from one address locked the owner out
/// everywhere. Now guesses are counted as they come, per email and address, and per
/// address.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn guesses_are_counted_as_they_come_and_only_where_they_come_from(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start_with(
        db,
        paraphe_server::events::EventBus::in_process(),
        |config| config.trust_proxy = true,
    )
    .await;
    let guesses =
        (0..30).map(|_| login_from(&server, "203.0.113.9", &a.accountant_email, "devinette"));
    let codes = futures_util::future::join_all(guesses).await;
    let evaluated = codes.iter().filter(|c| *c == "INVALID_CREDENTIALS").count();
    assert!(
        evaluated <= paraphe_server::accounts::MAX_LOGIN_FAILURES as usize,
        "{evaluated} guesses evaluated: {codes:?}"
    );
    assert!(
        codes
            .iter()
            .all(|c| c == "INVALID_CREDENTIALS" || c == "RATE_LIMITED"),
        "{codes:?}"
    );
    assert_eq!(
        login_from(&server, "203.0.113.9", &a.accountant_email, PASSWORD).await,
        "RATE_LIMITED"
    );
    // The owner, from their own address, still gets in.
    assert_eq!(
        login_from(&server, "198.51.100.7", &a.accountant_email, PASSWORD).await,
        "OK"
    );

    // One address spraying many accounts is stopped too.
    for n in 0..paraphe_server::accounts::MAX_LOGIN_FAILURES_PER_ADDRESS {
        assert_eq!(
            login_from(
                &server,
                "192.0.2.1",
                &format!("inconnu{n}@nulle-part.fr"),
                "devinette"
            )
            .await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        login_from(&server, "192.0.2.1", &a.collaborator_email, PASSWORD).await,
        "RATE_LIMITED"
    );
}
