//! A member of cabinet A tries every cabinet-scoped operation on cabinet B.

use crate::common::{firm, TestServer, PASSWORD};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn nothing_of_another_cabinet_is_reachable(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let b = firm(&db, "b", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut intruder = server.login(&a.accountant_email, PASSWORD).await;
    let b_contact: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO contacts (cabinet_id, first_name, last_name, email, mobile) VALUES ($1, 'Olga', 'Bern', 'olga@b.fr', '+33630303030') RETURNING id",
    )
    .bind(b.cabinet)
    .fetch_one(&db)
    .await
    .unwrap();
    let (terms_cgu, terms_pp) = (
        paraphe_shared::terms::CGU_VERSION,
        paraphe_shared::terms::PRIVACY_POLICY_VERSION,
    );

    let attempts = [
        ("query($c: UUID!) { cabinet(id: $c) { name } }", json!({ "c": b.cabinet })),
        ("query($c: UUID!) { cabinet(id: $c) { members { edges { node { email } } } } }", json!({ "c": b.cabinet })),
        ("mutation($c: UUID!) { switchCabinet(cabinetId: $c) { currentCabinetId } }", json!({ "c": b.cabinet })),
        (
            "mutation($c: UUID!, $g: String!, $p: String!) { acceptTerms(cabinetId: $c, cguVersion: $g, privacyPolicyVersion: $p) { isOpen } }",
            json!({ "c": b.cabinet, "g": terms_cgu, "p": terms_pp }),
        ),
        (
            "mutation($c: UUID!, $u: UUID!) { setDelegations(cabinetId: $c, userId: $u, delegations: [PREPARE, SIGN, SEAL]) { role } }",
            json!({ "c": b.cabinet, "u": b.collaborator }),
        ),
        // Own cabinet, but the other cabinet's person.
        (
            "mutation($c: UUID!, $u: UUID!) { setDelegations(cabinetId: $c, userId: $u, delegations: [SIGN]) { role } }",
            json!({ "c": a.cabinet, "u": b.collaborator }),
        ),
        ("mutation($c: UUID!, $u: UUID!) { removeMember(cabinetId: $c, userId: $u) }", json!({ "c": b.cabinet, "u": b.collaborator })),
        ("mutation($c: UUID!, $u: UUID!) { removeMember(cabinetId: $c, userId: $u) }", json!({ "c": a.cabinet, "u": b.collaborator })),
        ("query($c: UUID!) { contacts(cabinetId: $c) { totalCount edges { node { email } } } }", json!({ "c": b.cabinet })),
        (
            "mutation($c: UUID!) { createContact(cabinetId: $c, input: { firstName: \"X\", lastName: \"Y\", email: \"x@y.fr\", mobile: \"0612345678\" }) { id } }",
            json!({ "c": b.cabinet }),
        ),
        (
            "mutation($id: UUID!) { updateContact(id: $id, input: { firstName: \"X\", lastName: \"Y\", email: \"x@y.fr\", mobile: \"0612345678\" }) { id } }",
            json!({ "id": b_contact }),
        ),
        ("mutation($id: UUID!) { deleteContact(id: $id) }", json!({ "id": b_contact })),
    ];
    for (operation, variables) in attempts {
        let code = intruder.error_code(operation, variables.clone()).await;
        assert!(
            code == "NOT_FOUND" || code == "FORBIDDEN",
            "{operation} with {variables} answered {code}"
        );
    }

    // And nothing changed in B.
    let (prepare, sign, seal): (bool, bool, bool) =
        sqlx::query_as("SELECT can_prepare, can_sign, can_seal FROM memberships WHERE cabinet_id = $1 AND user_id = $2")
            .bind(b.cabinet)
            .bind(b.collaborator)
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(!prepare && !sign && !seal);
    let acceptances: i64 =
        sqlx::query_scalar("SELECT count(*) FROM terms_acceptances WHERE cabinet_id = $1")
            .bind(b.cabinet)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(acceptances, 1);
    let contacts: Vec<(String, String)> =
        sqlx::query_as("SELECT last_name, email FROM contacts WHERE cabinet_id = $1")
            .bind(b.cabinet)
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(contacts, [("Bern".to_owned(), "olga@b.fr".to_owned())]);
}
