//! Invitations: the accountant invites a collaborator (with delegations) or another
//! accountant by email; the link works once for 7 days, for the invited email only;
//! resending replaces it, withdrawing kills it; everything else is refused with its code.

use paraphe_operations::{
    accept_invitation, accept_invitation_with_new_account, invitation_link, invitations,
    invite_member, resend_invitation, withdraw_invitation, AcceptInvitation,
    AcceptInvitationWithNewAccount, Delegation, InvitationLink, Invitations, InviteMember,
    ResendInvitation, Role, WithdrawInvitation,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{firm, Client, TestServer, PASSWORD};

/// The token of the invitation link (`…/invitation/<token>`) in the latest email to `to`.
async fn invitation_token(db: &PgPool, to: &str) -> Option<String> {
    let body = sqlx::query_scalar!(
        "SELECT body FROM outbox WHERE channel = 'email' AND recipient = $1 ORDER BY id DESC LIMIT 1",
        to,
    )
    .fetch_optional(db)
    .await
    .unwrap()?;
    let start = body.find("/invitation/")? + "/invitation/".len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

fn code<T>(response: &paraphe_operations::Response<T>) -> String {
    let errors = response.errors.as_ref().expect("an error");
    errors[0].extensions.as_ref().expect("extensions")["code"]
        .as_str()
        .expect("a code")
        .to_owned()
}

async fn invite(
    client: &mut Client,
    cabinet: Uuid,
    email: &str,
    role: Role,
    delegations: Vec<Delegation>,
) -> paraphe_operations::Response<invite_member::ResponseData> {
    client
        .run::<InviteMember>(invite_member::Variables {
            cabinet_id: cabinet.to_string(),
            input: invite_member::InviteMemberInput {
                email: email.into(),
                role,
                delegations,
                language: None,
            },
        })
        .await
}

async fn look(
    client: &mut Client,
    token: &str,
) -> paraphe_operations::Response<invitation_link::ResponseData> {
    client
        .run::<InvitationLink>(invitation_link::Variables {
            token: token.into(),
        })
        .await
}

async fn pending(
    client: &mut Client,
    cabinet: Uuid,
) -> Vec<invitations::InvitationsCabinetInvitations> {
    client
        .run::<Invitations>(invitations::Variables {
            id: cabinet.to_string(),
        })
        .await
        .data
        .expect("the invitations")
        .cabinet
        .invitations
}

fn sign_up(token: &str, password: &str) -> accept_invitation_with_new_account::Variables {
    accept_invitation_with_new_account::Variables {
        token: token.into(),
        first_name: "Nina".into(),
        last_name: "Marchand".into(),
        password: password.into(),
    }
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_invited_collaborator_creates_an_account_and_joins_with_the_chosen_delegations(
    db: PgPool,
) {
    let firm = firm(&db, "inv", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;

    let invited = invite(
        &mut accountant,
        firm.cabinet,
        "Nina.Marchand@Exemple.fr",
        Role::Collaborator,
        vec![Delegation::Prepare],
    )
    .await
    .data
    .expect("invited")
    .invite_member;
    assert_eq!(invited.email, "nina.marchand@exemple.fr");
    assert_eq!(invited.delegations, [Delegation::Prepare]);
    assert_eq!(pending(&mut accountant, firm.cabinet).await.len(), 1);

    // The email names the inviter and the cabinet and carries the link; the page shows it.
    let subject = sqlx::query_scalar!(
        r#"SELECT subject AS "subject!" FROM outbox WHERE recipient = 'nina.marchand@exemple.fr'"#
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        subject.contains("Cabinet inv") && subject.contains("Claire Expertinv"),
        "{subject}"
    );
    let token = invitation_token(&db, "nina.marchand@exemple.fr")
        .await
        .expect("a link by email");
    let mut phone = server.client();
    let link = look(&mut phone, &token)
        .await
        .data
        .expect("the link")
        .invitation;
    assert_eq!(link.cabinet_name, "Cabinet inv");
    assert_eq!(link.role, Role::Collaborator);
    assert_eq!(link.delegations, [Delegation::Prepare]);
    assert!(!link.account_exists);

    // A password too short is refused and nothing is made; a good one makes the account,
    // joins the cabinet and logs in on this phone.
    let short = phone
        .run::<AcceptInvitationWithNewAccount>(sign_up(&token, "court"))
        .await;
    assert_eq!(code(&short), "VALIDATION");
    let me = phone
        .run::<AcceptInvitationWithNewAccount>(sign_up(&token, "une phrase de passe solide"))
        .await
        .data
        .expect("joined")
        .accept_invitation_with_new_account;
    assert_eq!(me.user.email, "nina.marchand@exemple.fr");
    assert_eq!(
        me.current_cabinet_id.as_deref(),
        Some(firm.cabinet.to_string().as_str())
    );
    assert_eq!(me.memberships.len(), 1);
    assert_eq!(me.memberships[0].role, Role::Collaborator);
    assert_eq!(me.memberships[0].delegations, [Delegation::Prepare]);
    let again = server
        .login("nina.marchand@exemple.fr", "une phrase de passe solide")
        .await;
    drop(again);

    // The link served once; the invitation left the waiting list; the log has both.
    let used = look(&mut server.client(), &token).await;
    assert_eq!(code(&used), "LINK_USED");
    let twice = server
        .client()
        .run::<AcceptInvitationWithNewAccount>(sign_up(&token, "une autre phrase solide"))
        .await;
    assert_eq!(code(&twice), "LINK_USED");
    assert!(pending(&mut accountant, firm.cabinet).await.is_empty());
    let kinds: Vec<String> = sqlx::query_scalar!("SELECT kind FROM platform_events ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(kinds.contains(&"invitation_sent".to_owned()), "{kinds:?}");
    assert!(
        kinds.contains(&"invitation_accepted".to_owned()),
        "{kinds:?}"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_existing_account_accepts_once_logged_in_and_no_other_account_can(db: PgPool) {
    let firm = firm(&db, "acc", true).await;
    let other = crate::common::firm(&db, "oth", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;

    // Another cabinet's accountant is invited as an accountant of this one.
    invite(
        &mut accountant,
        firm.cabinet,
        &other.accountant_email,
        Role::Accountant,
        vec![],
    )
    .await
    .data
    .expect("invited");
    let token = invitation_token(&db, &other.accountant_email)
        .await
        .unwrap();
    let mut visitor = server.client();
    let link = look(&mut visitor, &token).await.data.unwrap().invitation;
    assert!(link.account_exists);
    assert_eq!(link.role, Role::Accountant);

    // Without logging in, no account is made over the existing one.
    let sign_up_anyway = visitor
        .run::<AcceptInvitationWithNewAccount>(sign_up(&token, "une phrase de passe solide"))
        .await;
    assert_eq!(code(&sign_up_anyway), "VALIDATION");
    // Someone else's session cannot take it.
    let mut stranger = server.login(&other.collaborator_email, PASSWORD).await;
    let taken = stranger
        .run::<AcceptInvitation>(accept_invitation::Variables {
            token: token.clone(),
        })
        .await;
    assert_eq!(code(&taken), "INVITATION_FOR_ANOTHER_ACCOUNT");
    // Without a session: UNAUTHENTICATED.
    let anonymous = server
        .client()
        .run::<AcceptInvitation>(accept_invitation::Variables {
            token: token.clone(),
        })
        .await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");

    // The invited person, logged in, joins: the cabinet is current and in their list,
    // with every delegation.
    let mut invitee = server.login(&other.accountant_email, PASSWORD).await;
    let me = invitee
        .run::<AcceptInvitation>(accept_invitation::Variables { token })
        .await
        .data
        .expect("joined")
        .accept_invitation;
    assert_eq!(
        me.current_cabinet_id.as_deref(),
        Some(firm.cabinet.to_string().as_str())
    );
    let joined = me
        .memberships
        .iter()
        .find(|m| m.cabinet_id == firm.cabinet.to_string())
        .expect("the new cabinet is listed");
    assert_eq!(joined.role, Role::Accountant);
    assert_eq!(joined.delegations.len(), 3);
    assert_eq!(me.memberships.len(), 2);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn only_the_accountant_invites_and_duplicates_are_refused(db: PgPool) {
    let firm = firm(&db, "dup", true).await;
    let other = crate::common::firm(&db, "far", true).await;
    let closed = crate::common::firm(&db, "shut", false).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;
    let mut collaborator = server.login(&firm.collaborator_email, PASSWORD).await;

    let by_collaborator = invite(
        &mut collaborator,
        firm.cabinet,
        "x@exemple.fr",
        Role::Collaborator,
        vec![],
    )
    .await;
    assert_eq!(code(&by_collaborator), "FORBIDDEN");
    let listed = collaborator
        .error_code(
            "query($id: UUID!) { cabinet(id: $id) { invitations { id } } }",
            serde_json::json!({ "id": firm.cabinet }),
        )
        .await;
    assert_eq!(listed, "FORBIDDEN");
    let member = invite(
        &mut accountant,
        firm.cabinet,
        &firm.collaborator_email,
        Role::Collaborator,
        vec![],
    )
    .await;
    assert_eq!(code(&member), "ALREADY_MEMBER");
    let bad = invite(
        &mut accountant,
        firm.cabinet,
        "pas-un-email",
        Role::Collaborator,
        vec![],
    )
    .await;
    assert_eq!(code(&bad), "VALIDATION");
    let foreign = invite(
        &mut accountant,
        other.cabinet,
        "x@exemple.fr",
        Role::Collaborator,
        vec![],
    )
    .await;
    assert_eq!(code(&foreign), "NOT_FOUND");

    // The terms not accepted yet: the cabinet invites nobody.
    let mut closed_accountant = server.login(&closed.accountant_email, PASSWORD).await;
    let not_open = invite(
        &mut closed_accountant,
        closed.cabinet,
        "x@exemple.fr",
        Role::Collaborator,
        vec![],
    )
    .await;
    assert_eq!(code(&not_open), "CABINET_NOT_OPEN");

    let first = invite(
        &mut accountant,
        firm.cabinet,
        "x@exemple.fr",
        Role::Collaborator,
        vec![Delegation::Sign],
    )
    .await;
    let first = first.data.expect("invited").invite_member;
    let second = invite(
        &mut accountant,
        firm.cabinet,
        "X@exemple.fr",
        Role::Accountant,
        vec![],
    )
    .await;
    assert_eq!(code(&second), "ALREADY_INVITED");

    // Another cabinet's accountant can neither resend nor withdraw it.
    let mut outsider = server.login(&other.accountant_email, PASSWORD).await;
    let resent = outsider
        .run::<ResendInvitation>(resend_invitation::Variables {
            cabinet_id: other.cabinet.to_string(),
            id: first.id.clone(),
        })
        .await;
    assert_eq!(code(&resent), "NOT_FOUND");
    let withdrawn = outsider
        .run::<WithdrawInvitation>(withdraw_invitation::Variables {
            cabinet_id: other.cabinet.to_string(),
            id: first.id,
        })
        .await;
    assert_eq!(code(&withdrawn), "NOT_FOUND");
    assert_eq!(pending(&mut accountant, firm.cabinet).await.len(), 1);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_resend_replaces_the_link_and_a_withdrawal_kills_it(db: PgPool) {
    let firm = firm(&db, "re", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;
    let invited = invite(
        &mut accountant,
        firm.cabinet,
        "lent@exemple.fr",
        Role::Collaborator,
        vec![],
    )
    .await
    .data
    .unwrap()
    .invite_member;
    let first_token = invitation_token(&db, "lent@exemple.fr").await.unwrap();

    let resend = |id: &str| resend_invitation::Variables {
        cabinet_id: firm.cabinet.to_string(),
        id: id.to_owned(),
    };
    let resent = accountant
        .run::<ResendInvitation>(resend(&invited.id))
        .await
        .data
        .expect("resent")
        .resend_invitation;
    assert_eq!(resent.send_count, 2);
    let second_token = invitation_token(&db, "lent@exemple.fr").await.unwrap();
    assert_ne!(first_token, second_token);
    let mut visitor = server.client();
    assert_eq!(
        code(&look(&mut visitor, &first_token).await),
        "LINK_INVALID"
    );
    assert!(look(&mut visitor, &second_token).await.data.is_some());

    // Five emails in all, then no more.
    for _ in 0..3 {
        assert!(accountant
            .run::<ResendInvitation>(resend(&invited.id))
            .await
            .data
            .is_some());
    }
    let sixth = accountant
        .run::<ResendInvitation>(resend(&invited.id))
        .await;
    assert_eq!(code(&sixth), "RATE_LIMITED");
    let emails = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM outbox WHERE recipient = 'lent@exemple.fr'"#
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(emails, 5);

    // Withdrawn: the live link says it no longer exists; withdrawing again finds nothing.
    let live = invitation_token(&db, "lent@exemple.fr").await.unwrap();
    let withdraw = withdraw_invitation::Variables {
        cabinet_id: firm.cabinet.to_string(),
        id: invited.id.clone(),
    };
    let done = accountant.run::<WithdrawInvitation>(withdraw.clone()).await;
    assert_eq!(done.data.map(|d| d.withdraw_invitation), Some(true));
    assert_eq!(code(&look(&mut visitor, &live).await), "LINK_INVALID");
    let again = accountant.run::<WithdrawInvitation>(withdraw).await;
    assert_eq!(code(&again), "NOT_FOUND");
    assert_eq!(
        code(
            &accountant
                .run::<ResendInvitation>(resend(&invited.id))
                .await
        ),
        "NOT_FOUND"
    );
    // A new invitation to the same person is possible once the old one is withdrawn.
    assert!(invite(
        &mut accountant,
        firm.cabinet,
        "lent@exemple.fr",
        Role::Collaborator,
        vec![]
    )
    .await
    .data
    .is_some());
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_expired_invitation_says_so_until_it_is_resent_and_a_closed_cabinet_takes_nobody(
    db: PgPool,
) {
    let firm = firm(&db, "exp", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;
    let invited = invite(
        &mut accountant,
        firm.cabinet,
        "tard@exemple.fr",
        Role::Collaborator,
        vec![],
    )
    .await
    .data
    .unwrap()
    .invite_member;
    sqlx::query!(
        "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'tard@exemple.fr'"
    )
    .execute(&db)
    .await
    .unwrap();
    let token = invitation_token(&db, "tard@exemple.fr").await.unwrap();
    let mut visitor = server.client();
    assert_eq!(code(&look(&mut visitor, &token).await), "LINK_EXPIRED");
    let late = visitor
        .run::<AcceptInvitationWithNewAccount>(sign_up(&token, "une phrase de passe solide"))
        .await;
    assert_eq!(code(&late), "LINK_EXPIRED");
    // Still waiting (expired): the accountant resends it, and the new link works.
    assert_eq!(pending(&mut accountant, firm.cabinet).await.len(), 1);
    accountant
        .run::<ResendInvitation>(resend_invitation::Variables {
            cabinet_id: firm.cabinet.to_string(),
            id: invited.id,
        })
        .await
        .data
        .expect("resent");
    let fresh = invitation_token(&db, "tard@exemple.fr").await.unwrap();
    assert!(look(&mut visitor, &fresh).await.data.is_some());

    // The platform closes the cabinet: its invitations take nobody in.
    sqlx::query!(
        "UPDATE cabinets SET closed_at = now() WHERE id = $1",
        firm.cabinet
    )
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(code(&look(&mut visitor, &fresh).await), "CABINET_CLOSED");
    let refused = visitor
        .run::<AcceptInvitationWithNewAccount>(sign_up(&fresh, "une phrase de passe solide"))
        .await;
    assert_eq!(code(&refused), "CABINET_CLOSED");
    let nobody = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM users WHERE email = 'tard@exemple.fr'"#
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(nobody, 0);
}
