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

mod passwords {
    use paraphe_operations::{
        change_password, choose_password, close_session, request_password_reset, ChangePassword,
        ChoosePassword, CloseSession, MySessions, RequestPasswordReset, SignOutOtherSessions,
    };
    use serde_json::json;
    use sqlx::PgPool;

    use crate::common::{error_code_of, firm, TestServer, PASSWORD};
    use crate::platform::password_token;

    const ME: &str = "{ me { user { email } } }";
    const NEW: &str = "une nouvelle phrase de passe";

    fn code<T>(response: &paraphe_operations::Response<T>) -> String {
        response.errors.as_ref().expect("an error")[0]
            .extensions
            .as_ref()
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn emails_to(db: &PgPool, to: &str) -> i64 {
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM outbox WHERE channel = 'email' AND recipient = $1"#,
            to
        )
        .fetch_one(db)
        .await
        .unwrap()
    }

    fn reset(email: &str) -> request_password_reset::Variables {
        request_password_reset::Variables {
            email: email.into(),
        }
    }

    #[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
    async fn a_reset_link_works_once_and_closes_every_session(db: PgPool) {
        let a = firm(&db, "a", false).await;
        let server = TestServer::start(db.clone()).await;
        let mut logged_in = server.login(&a.accountant_email, PASSWORD).await;
        let mut visitor = server.client();
        let asked = visitor
            .run::<RequestPasswordReset>(reset(&a.accountant_email.to_uppercase()))
            .await;
        assert_eq!(asked.data.map(|d| d.request_password_reset), Some(true));
        let token = password_token(&db, &a.accountant_email)
            .await
            .expect("a reset email");

        let choose = |password: &str| choose_password::Variables {
            token: token.clone(),
            password: password.into(),
        };
        let chosen = visitor.run::<ChoosePassword>(choose(NEW)).await;
        assert_eq!(chosen.data.map(|d| d.choose_password), Some(true));
        // The session opened before the reset is gone, the old password too.
        assert_eq!(logged_in.error_code(ME, json!({})).await, "UNAUTHENTICATED");
        let login =
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }";
        let old = visitor
            .gql(login, json!({ "e": a.accountant_email, "p": PASSWORD }))
            .await;
        assert_eq!(error_code_of(&old), "INVALID_CREDENTIALS");
        server.login(&a.accountant_email, NEW).await;
        // Once only.
        assert_eq!(
            code(
                &visitor
                    .run::<ChoosePassword>(choose("encore une autre phrase"))
                    .await
            ),
            "LINK_USED"
        );
    }

    #[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
    async fn asking_for_a_reset_reveals_nothing_and_cannot_flood_a_mailbox(db: PgPool) {
        let a = firm(&db, "a", false).await;
        let server = TestServer::start(db.clone()).await;
        let mut visitor = server.client();
        let unknown = visitor
            .run::<RequestPasswordReset>(reset("personne@nulle-part.fr"))
            .await;
        assert_eq!(unknown.data.map(|d| d.request_password_reset), Some(true));
        assert_eq!(emails_to(&db, "personne@nulle-part.fr").await, 0);
        assert_eq!(
            code(
                &visitor
                    .run::<RequestPasswordReset>(reset("pas-un-email"))
                    .await
            ),
            "VALIDATION"
        );
        for _ in 0..5 {
            let asked = visitor
                .run::<RequestPasswordReset>(reset(&a.accountant_email))
                .await;
            assert_eq!(asked.data.map(|d| d.request_password_reset), Some(true));
        }
        assert_eq!(emails_to(&db, &a.accountant_email).await, 3);
        // Only the newest link works.
        let newest = password_token(&db, &a.accountant_email).await.unwrap();
        let live: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM password_links WHERE used_at IS NULL AND expires_at > now()"#
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(live, 1);
        let link = visitor
            .gql(
                "query($t: String!) { passwordLink(token: $t) { purpose } }",
                json!({ "t": newest }),
            )
            .await;
        assert_eq!(link["data"]["passwordLink"]["purpose"], "RESET");
    }

    #[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
    async fn expired_and_forged_links_say_so(db: PgPool) {
        let a = firm(&db, "a", false).await;
        let server = TestServer::start(db.clone()).await;
        let mut visitor = server.client();
        visitor
            .run::<RequestPasswordReset>(reset(&a.accountant_email))
            .await;
        let token = password_token(&db, &a.accountant_email).await.unwrap();
        let inspect = "query($t: String!) { passwordLink(token: $t) { email } }";
        let forged = visitor.gql(inspect, json!({ "t": "AAAA" })).await;
        assert_eq!(error_code_of(&forged), "LINK_INVALID");
        sqlx::query!("UPDATE password_links SET expires_at = now() - interval '1 minute'")
            .execute(&db)
            .await
            .unwrap();
        let expired = visitor.gql(inspect, json!({ "t": token })).await;
        assert_eq!(error_code_of(&expired), "LINK_EXPIRED");
        let choose = visitor
            .run::<ChoosePassword>(choose_password::Variables {
                token,
                password: NEW.into(),
            })
            .await;
        assert_eq!(code(&choose), "LINK_EXPIRED");
    }

    #[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
    async fn changing_my_password_keeps_this_session_and_closes_the_others(db: PgPool) {
        let a = firm(&db, "a", false).await;
        let server = TestServer::start(db.clone()).await;
        let mut here = server.login(&a.accountant_email, PASSWORD).await;
        let mut elsewhere = server.login(&a.accountant_email, PASSWORD).await;
        let change = |current: &str, new: &str| change_password::Variables {
            current_password: current.into(),
            new_password: new.into(),
        };
        assert_eq!(
            code(&here.run::<ChangePassword>(change("mauvais", NEW)).await),
            "INVALID_CREDENTIALS"
        );
        assert_eq!(
            code(&here.run::<ChangePassword>(change(PASSWORD, "court")).await),
            "VALIDATION"
        );
        let changed = here.run::<ChangePassword>(change(PASSWORD, NEW)).await;
        assert_eq!(changed.data.map(|d| d.change_password), Some(true));
        here.data(ME, json!({})).await;
        assert_eq!(elsewhere.error_code(ME, json!({})).await, "UNAUTHENTICATED");
        server.login(&a.accountant_email, NEW).await;
        let anonymous = server
            .client()
            .run::<ChangePassword>(change(NEW, PASSWORD))
            .await;
        assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    }

    #[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
    async fn i_list_my_sessions_and_sign_the_others_out(db: PgPool) {
        let a = firm(&db, "a", false).await;
        let server = TestServer::start(db.clone()).await;
        let mut laptop = server.login(&a.accountant_email, PASSWORD).await;
        let mut phone = server.login(&a.accountant_email, PASSWORD).await;
        let mut tablet = server.login(&a.accountant_email, PASSWORD).await;
        // Someone else's sessions are not mine.
        server.login(&a.collaborator_email, PASSWORD).await;

        let sessions = laptop
            .run::<MySessions>(paraphe_operations::my_sessions::Variables)
            .await
            .data
            .unwrap()
            .my_sessions;
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);

        let phone_id = phone
            .run::<MySessions>(paraphe_operations::my_sessions::Variables)
            .await
            .data
            .unwrap()
            .my_sessions
            .into_iter()
            .find(|s| s.current)
            .unwrap()
            .id;
        let closed = laptop
            .run::<CloseSession>(close_session::Variables {
                id: phone_id.clone(),
            })
            .await;
        assert_eq!(closed.data.map(|d| d.close_session), Some(true));
        assert_eq!(phone.error_code(ME, json!({})).await, "UNAUTHENTICATED");
        let again = laptop
            .run::<CloseSession>(close_session::Variables { id: phone_id })
            .await;
        assert_eq!(code(&again), "NOT_FOUND");

        let others = laptop
            .run::<SignOutOtherSessions>(paraphe_operations::sign_out_other_sessions::Variables)
            .await;
        assert_eq!(others.data.map(|d| d.sign_out_other_sessions), Some(1));
        assert_eq!(tablet.error_code(ME, json!({})).await, "UNAUTHENTICATED");
        laptop.data(ME, json!({})).await;
    }
}
