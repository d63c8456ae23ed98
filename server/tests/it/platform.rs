//! The platform's administration without SQL: an administrator creates a cabinet with its
//! accountant (who chooses a password from the emailed link and logs in), credits it,
//! grants the operator role, closes a cabinet; everyone else is refused; all is logged.

use paraphe_operations::{
    close_cabinet, create_cabinet, password_link, platform_cabinets, platform_events, set_operator,
    ChoosePassword, CloseCabinet, CreateCabinet, PasswordLink, PlatformCabinets, PlatformEvents,
    SetOperator,
};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{error_code_of, firm, user, Client, TestServer, PASSWORD};

async fn platform_admin(db: &PgPool) -> Uuid {
    let id = user(db, "admin@plateforme.fr", "Alice", "Admin").await;
    sqlx::query!(
        "UPDATE users SET is_platform_admin = true WHERE id = $1",
        id
    )
    .execute(db)
    .await
    .unwrap();
    id
}

fn new_cabinet(siren: &str, email: &str) -> create_cabinet::Variables {
    create_cabinet::Variables {
        input: create_cabinet::CreateCabinetInput {
            name: "Cabinet Lemoine".into(),
            siren: siren.into(),
            accountant_email: email.into(),
            accountant_first_name: "Jeanne".into(),
            accountant_last_name: "Lemoine".into(),
        },
    }
}

/// The token of the first password link (`…/mot-de-passe/<token>`) in the latest email
/// to `to`.
pub async fn password_token(db: &PgPool, to: &str) -> Option<String> {
    let body = sqlx::query_scalar!(
        "SELECT body FROM outbox WHERE channel = 'email' AND recipient = $1 ORDER BY id DESC LIMIT 1",
        to,
    )
    .fetch_optional(db)
    .await
    .unwrap()?;
    let start = body.find("/mot-de-passe/")? + "/mot-de-passe/".len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

async fn event_kinds(admin: &mut Client) -> Vec<String> {
    let events = admin
        .run::<PlatformEvents>(platform_events::Variables {
            first: 50,
            before: None,
        })
        .await
        .data
        .unwrap()
        .platform_events;
    events.into_iter().map(|e| e.kind).collect()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_admin_provisions_a_cabinet_whose_new_accountant_chooses_a_password(db: PgPool) {
    platform_admin(&db).await;
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;

    let created = admin
        .run::<CreateCabinet>(new_cabinet("732 829 320", "Jeanne@Lemoine-Expertise.fr"))
        .await;
    let cabinet = created.data.expect("created").create_cabinet;
    assert_eq!(cabinet.siren.as_deref(), Some("732829320"));
    assert_eq!(cabinet.accountants, ["jeanne@lemoine-expertise.fr"]);
    assert_eq!((cabinet.member_count, cabinet.credit_balance_cents), (1, 0));

    // The accountant's email carries a set-up link; the page shows whose account it is.
    let token = password_token(&db, "jeanne@lemoine-expertise.fr")
        .await
        .expect("a set-up link by email");
    let mut visitor = server.client();
    let link = visitor
        .run::<PasswordLink>(password_link::Variables {
            token: token.clone(),
        })
        .await
        .data
        .unwrap()
        .password_link;
    assert_eq!(link.purpose, password_link::PasswordLinkPurpose::SETUP);
    assert_eq!(
        (link.email.as_str(), link.first_name.as_str()),
        ("jeanne@lemoine-expertise.fr", "Jeanne")
    );

    // Too short is refused; a good one is kept, once.
    let choose = |password: &str| paraphe_operations::choose_password::Variables {
        token: token.clone(),
        password: password.into(),
    };
    let short = visitor.run::<ChoosePassword>(choose("court")).await;
    assert_eq!(
        short.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "VALIDATION"
    );
    let chosen = visitor
        .run::<ChoosePassword>(choose("la comptabilité en partie double"))
        .await;
    assert_eq!(chosen.data.map(|d| d.choose_password), Some(true));
    let again = visitor
        .run::<ChoosePassword>(choose("une autre phrase bien longue"))
        .await;
    assert_eq!(
        again.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "LINK_USED"
    );

    // She logs in with it and finds her cabinet, as its accountant.
    let mut accountant = server
        .login(
            "jeanne@lemoine-expertise.fr",
            "la comptabilité en partie double",
        )
        .await;
    let me = accountant
        .data("{ me { memberships { cabinetName role } } }", json!({}))
        .await;
    assert_eq!(
        me["me"]["memberships"],
        json!([{ "cabinetName": "Cabinet Lemoine", "role": "ACCOUNTANT" }])
    );

    let kinds = event_kinds(&mut admin).await;
    for kind in ["cabinet_created", "accountant_assigned", "password_chosen"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} not logged: {kinds:?}"
        );
    }
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_existing_account_joins_the_new_cabinet_without_a_set_up_link(db: PgPool) {
    platform_admin(&db).await;
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;
    let created = admin
        .run::<CreateCabinet>(new_cabinet("732829320", &a.accountant_email))
        .await;
    assert!(created.errors.is_none(), "{:?}", created.errors);
    assert_eq!(password_token(&db, &a.accountant_email).await, None);
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let me = accountant
        .data("{ me { memberships { cabinetName } } }", json!({}))
        .await;
    assert_eq!(me["me"]["memberships"].as_array().unwrap().len(), 2);
}

/// The code and message of a refused `createCabinet`.
async fn refuse(admin: &mut Client, variables: create_cabinet::Variables) -> (String, String) {
    let response = admin.run::<CreateCabinet>(variables).await;
    let error = &response.errors.expect("refused")[0];
    (
        error.extensions.as_ref().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned(),
        error.message.clone(),
    )
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn bad_cabinets_are_refused_with_the_field_that_is_wrong(db: PgPool) {
    platform_admin(&db).await;
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;
    let (code, message) = refuse(&mut admin, new_cabinet("123456789", "j@l.fr")).await;
    assert_eq!(code, "VALIDATION");
    assert!(message.contains("SIREN"), "{message}");
    let (code, message) = refuse(&mut admin, new_cabinet("732829320", "pas-un-email")).await;
    assert_eq!(code, "VALIDATION");
    assert!(message.contains("e-mail"), "{message}");
    let mut blank_name = new_cabinet("732829320", "j@l.fr");
    blank_name.input.name = "  ".into();
    assert_eq!(refuse(&mut admin, blank_name).await.0, "VALIDATION");
    let mut blank_person = new_cabinet("732829320", "j@l.fr");
    blank_person.input.accountant_last_name = String::new();
    assert_eq!(refuse(&mut admin, blank_person).await.0, "VALIDATION");
    // One SIREN, one cabinet.
    let first = admin
        .run::<CreateCabinet>(new_cabinet("732829320", "j@l.fr"))
        .await;
    assert!(first.errors.is_none());
    let (code, message) = refuse(&mut admin, new_cabinet("732829320", "k@l.fr")).await;
    assert_eq!(code, "VALIDATION");
    assert!(message.contains("SIREN"), "{message}");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn only_platform_admins_reach_the_platform_area(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let list = accountant
        .gql("{ platformCabinets { id } }", json!({}))
        .await;
    assert_eq!(error_code_of(&list), "FORBIDDEN");
    let create = accountant
        .run::<CreateCabinet>(new_cabinet("732829320", "x@y.fr"))
        .await;
    assert_eq!(
        create.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "FORBIDDEN"
    );
    let close = accountant
        .run::<CloseCabinet>(close_cabinet::Variables {
            id: a.cabinet.to_string(),
        })
        .await;
    assert_eq!(
        close.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "FORBIDDEN"
    );
    let mut anonymous = server.client();
    let answer = anonymous
        .gql("{ platformUsers { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code_of(&answer), "UNAUTHENTICATED");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_closed_cabinet_leaves_its_members_lists_and_refuses_them(db: PgPool) {
    platform_admin(&db).await;
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;

    // Running collections keep it open.
    sqlx::query!(
        "INSERT INTO collections (cabinet_id, title, created_by, status, mode) VALUES ($1, 'En cours', $2, 'active', 'parallel')",
        a.cabinet,
        a.accountant,
    )
    .execute(&db)
    .await
    .unwrap();
    let close = |id: Uuid| close_cabinet::Variables { id: id.to_string() };
    let refused = admin.run::<CloseCabinet>(close(a.cabinet)).await;
    assert_eq!(
        refused.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "INVALID_STATE"
    );
    sqlx::query!(
        "UPDATE collections SET status = 'cancelled', ended_at = now() WHERE cabinet_id = $1",
        a.cabinet
    )
    .execute(&db)
    .await
    .unwrap();

    let closed = admin.run::<CloseCabinet>(close(a.cabinet)).await;
    assert!(closed.data.unwrap().close_cabinet.closed_at.is_some());
    let twice = admin.run::<CloseCabinet>(close(a.cabinet)).await;
    assert_eq!(
        twice.errors.unwrap()[0].extensions.as_ref().unwrap()["code"],
        "INVALID_STATE"
    );

    let me = accountant
        .data(
            "{ me { currentCabinetId memberships { cabinetId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["me"],
        json!({ "currentCabinetId": null, "memberships": [] })
    );
    let cabinet = accountant
        .gql(
            "query($id: UUID!) { cabinet(id: $id) { name } }",
            json!({ "id": a.cabinet }),
        )
        .await;
    assert_eq!(error_code_of(&cabinet), "CABINET_CLOSED");

    let listed = admin
        .run::<PlatformCabinets>(platform_cabinets::Variables {
            search: Some("cabinet a".into()),
        })
        .await
        .data
        .unwrap()
        .platform_cabinets;
    assert!(listed[0].closed_at.is_some());
    assert!(event_kinds(&mut admin)
        .await
        .contains(&"cabinet_closed".to_owned()));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_admin_grants_and_withdraws_the_operator_role(db: PgPool) {
    platform_admin(&db).await;
    let someone = user(&db, "verif@plateforme.fr", "Victor", "Verif").await;
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;
    let mut operator = server.login("verif@plateforme.fr", PASSWORD).await;
    let queue = "{ verificationQueue { id } }";
    assert_eq!(operator.error_code(queue, json!({})).await, "FORBIDDEN");

    let set = |on: bool| set_operator::Variables {
        user_id: someone.to_string(),
        operator: on,
    };
    let granted = admin.run::<SetOperator>(set(true)).await.data.unwrap();
    assert!(granted.set_operator.is_operator);
    operator.data(queue, json!({})).await;
    let withdrawn = admin.run::<SetOperator>(set(false)).await.data.unwrap();
    assert!(!withdrawn.set_operator.is_operator);
    assert_eq!(operator.error_code(queue, json!({})).await, "FORBIDDEN");

    let kinds = event_kinds(&mut admin).await;
    assert!(
        kinds.starts_with(&[
            "operator_withdrawn".to_owned(),
            "operator_granted".to_owned()
        ]),
        "{kinds:?}"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn every_user_is_reached_page_after_page(db: PgPool) {
    platform_admin(&db).await;
    for i in 0..7 {
        user(&db, &format!("client{i}@pagine.fr"), "Client", "Pagine").await;
    }
    let server = TestServer::start(db.clone()).await;
    let mut admin = server.login("admin@plateforme.fr", PASSWORD).await;
    const PAGE: &str =
        "query($after: String) { platformUsers(search: \"pagine\", first: 3, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    let mut pages = 0;
    loop {
        let page = admin.data(PAGE, json!({ "after": after })).await["platformUsers"].clone();
        assert_eq!(page["totalCount"], 7);
        pages += 1;
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["email"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("client{i}@pagine.fr")).collect();
    assert_eq!(seen, expected, "each once, by email");
    let too_many = admin
        .error_code("{ platformUsers(first: 201) { totalCount } }", json!({}))
        .await;
    assert_eq!(too_many, "VALIDATION");
}
