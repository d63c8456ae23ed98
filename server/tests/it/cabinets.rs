use crate::common::{firm, user, TestServer, PASSWORD};
use paraphe_server::ids::{CabinetId, UserId};
use paraphe_shared::Role;
use serde_json::json;
use sqlx::PgPool;

const ACCEPT: &str = "mutation($c: UUID!, $cgu: String!, $pp: String!) {
    acceptTerms(cabinetId: $c, cguVersion: $cgu, privacyPolicyVersion: $pp) { isOpen termsAcceptance { cguVersion } } }";
const TERMS: &str = "{ currentTerms { cguVersion privacyPolicyVersion } }";
const SET: &str = "mutation($c: UUID!, $u: UUID!, $d: [Delegation!]!) {
    setDelegations(cabinetId: $c, userId: $u, delegations: $d) { role delegations } }";
const MINE: &str = "query($c: UUID!) { cabinet(id: $c) { name isOpen myRole myDelegations } }";
const MEMBERS: &str = "query($c: UUID!, $first: Int!) { cabinet(id: $c) {
    members(first: $first) { edges { node { email role delegations } } pageInfo { hasNextPage } } } }";

async fn accept_current_terms(
    client: &mut crate::common::Client,
    cabinet: uuid::Uuid,
) -> serde_json::Value {
    let terms = client.data(TERMS, json!({})).await;
    let vars = json!({ "c": cabinet, "cgu": terms["currentTerms"]["cguVersion"], "pp": terms["currentTerms"]["privacyPolicyVersion"] });
    client.gql(ACCEPT, vars).await
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_closed_cabinet_refuses_operations_until_its_accountant_accepts_the_terms(db: PgPool) {
    let a = firm(&db, "a", false).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;

    let grant = json!({ "c": a.cabinet, "u": a.collaborator, "d": ["PREPARE"] });
    assert_eq!(
        accountant.error_code(SET, grant.clone()).await,
        "CABINET_NOT_OPEN"
    );
    assert_eq!(
        accountant
            .error_code(MEMBERS, json!({ "c": a.cabinet, "first": 10 }))
            .await,
        "CABINET_NOT_OPEN"
    );
    let closed = collaborator.data(MINE, json!({ "c": a.cabinet })).await;
    assert_eq!(closed["cabinet"]["isOpen"], false);

    // Only the accountant may accept, and only the versions in force.
    let response = accept_current_terms(&mut collaborator, a.cabinet).await;
    assert_eq!(crate::common::error_code_of(&response), "FORBIDDEN");
    let stale = json!({ "c": a.cabinet, "cgu": "2019-01", "pp": "2019-01" });
    assert_eq!(accountant.error_code(ACCEPT, stale).await, "VALIDATION");

    let response = accept_current_terms(&mut accountant, a.cabinet).await;
    assert_eq!(
        response["data"]["acceptTerms"]["isOpen"], true,
        "{response}"
    );
    let (ip, by): (Option<String>, uuid::Uuid) =
        sqlx::query_as("SELECT ip, accepted_by FROM terms_acceptances WHERE cabinet_id = $1")
            .bind(a.cabinet)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        ip.as_deref(),
        Some("127.0.0.1"),
        "the acceptance records the IP"
    );
    assert_eq!(by, a.accountant);

    // Accepting again is harmless and records nothing new.
    accept_current_terms(&mut accountant, a.cabinet).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM terms_acceptances")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 1);

    let granted = accountant.data(SET, grant).await;
    assert_eq!(granted["setDelegations"]["delegations"], json!(["PREPARE"]));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn delegations_granted_and_revoked_take_effect_on_the_next_request(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;

    accountant
        .data(
            SET,
            json!({ "c": a.cabinet, "u": a.collaborator, "d": ["PREPARE", "SEAL"] }),
        )
        .await;
    let mine = collaborator.data(MINE, json!({ "c": a.cabinet })).await;
    assert_eq!(mine["cabinet"]["myDelegations"], json!(["PREPARE", "SEAL"]));

    accountant
        .data(SET, json!({ "c": a.cabinet, "u": a.collaborator, "d": [] }))
        .await;
    let mine = collaborator.data(MINE, json!({ "c": a.cabinet })).await;
    assert_eq!(mine["cabinet"]["myDelegations"], json!([]));
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn only_the_accountant_manages_delegations_and_the_accountants_own_cannot_be_cut(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let self_grant = json!({ "c": a.cabinet, "u": a.collaborator, "d": ["SIGN"] });
    assert_eq!(collaborator.error_code(SET, self_grant).await, "FORBIDDEN");
    let cut_accountant = json!({ "c": a.cabinet, "u": a.accountant, "d": [] });
    assert_eq!(
        accountant.error_code(SET, cut_accountant).await,
        "VALIDATION"
    );
    let nobody = json!({ "c": a.cabinet, "u": uuid::Uuid::new_v4(), "d": [] });
    assert_eq!(accountant.error_code(SET, nobody).await, "NOT_FOUND");
    let bad_enum = json!({ "c": a.cabinet, "u": a.collaborator, "d": ["DELETE_EVERYTHING"] });
    assert_eq!(accountant.error_code(SET, bad_enum).await, "VALIDATION");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_removed_collaborator_loses_the_cabinet_at_once(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    collaborator.data(MINE, json!({ "c": a.cabinet })).await;
    let remove = "mutation($c: UUID!, $u: UUID!) { removeMember(cabinetId: $c, userId: $u) }";
    accountant
        .data(remove, json!({ "c": a.cabinet, "u": a.collaborator }))
        .await;
    assert_eq!(
        collaborator
            .error_code(MINE, json!({ "c": a.cabinet }))
            .await,
        "NOT_FOUND"
    );
    let me = collaborator
        .data(
            "{ me { currentCabinetId memberships { cabinetId } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["currentCabinetId"], serde_json::Value::Null);
    assert_eq!(me["me"]["memberships"], json!([]));
    assert_eq!(
        accountant
            .error_code(remove, json!({ "c": a.cabinet, "u": a.accountant }))
            .await,
        "VALIDATION"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_person_in_two_cabinets_switches_between_them(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let b = firm(&db, "b", true).await;
    paraphe_server::cabinets::add_member(
        &db,
        CabinetId::from_uuid(b.cabinet),
        UserId::from_uuid(a.collaborator),
        Role::Collaborator,
    )
    .await
    .unwrap();
    let server = TestServer::start(db).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let me = collaborator
        .data("{ me { memberships { cabinetName } } }", json!({}))
        .await;
    assert_eq!(
        me["me"]["memberships"],
        json!([{ "cabinetName": "Cabinet a" }, { "cabinetName": "Cabinet b" }])
    );
    let switch = "mutation($c: UUID!) { switchCabinet(cabinetId: $c) { currentCabinetId } }";
    let switched = collaborator.data(switch, json!({ "c": b.cabinet })).await;
    assert_eq!(
        switched["switchCabinet"]["currentCabinetId"],
        json!(b.cabinet)
    );
    let me = collaborator
        .data("{ me { currentCabinetId } }", json!({}))
        .await;
    assert_eq!(
        me["me"]["currentCabinetId"],
        json!(b.cabinet),
        "the choice sticks to the session"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn member_pages_are_capped_at_one_hundred(db: PgPool) {
    let a = firm(&db, "a", true).await;
    for i in 0..3 {
        let extra = user(
            &db,
            &format!("extra{i}@cabinet-a.fr"),
            "Extra",
            &format!("Membre{i}"),
        )
        .await;
        paraphe_server::cabinets::add_member(
            &db,
            CabinetId::from_uuid(a.cabinet),
            UserId::from_uuid(extra),
            Role::Collaborator,
        )
        .await
        .unwrap();
    }
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    assert_eq!(
        accountant
            .error_code(MEMBERS, json!({ "c": a.cabinet, "first": 101 }))
            .await,
        "VALIDATION"
    );
    let page = accountant
        .data(MEMBERS, json!({ "c": a.cabinet, "first": 2 }))
        .await;
    let members = &page["cabinet"]["members"];
    assert_eq!(
        members["edges"][0]["node"]["role"], "ACCOUNTANT",
        "accountants come first"
    );
    assert_eq!(members["edges"].as_array().unwrap().len(), 2);
    assert_eq!(members["pageInfo"]["hasNextPage"], true);
    let all = accountant
        .data(MEMBERS, json!({ "c": a.cabinet, "first": 100 }))
        .await;
    assert_eq!(
        all["cabinet"]["members"]["edges"].as_array().unwrap().len(),
        5
    );
}
