//! A cabinet's contacts through the API: create, search, edit, delete (a contact in a
//! running collection stays readable there), the CSV import with its preview, and the
//! export; every refusal with its code.

use encoding_rs::WINDOWS_1252;
use paraphe_operations::{
    contacts, create_contact, delete_contact, import_contacts, preview_contact_import,
    update_contact, ContactField, Contacts, CreateContact, CsvEncoding, DeleteContact,
    GraphQLQuery, ImportContacts, ImportOutcome, ImportProblemKind, PreviewContactImport, Response,
    UpdateContact,
};
use paraphe_server::ids::CabinetId;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{error_code_of, firm, sample_pdf, token_in, Client, TestServer, PASSWORD};

fn input(first: &str, last: &str, email: &str, mobile: &str) -> create_contact::ContactInput {
    create_contact::ContactInput {
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        mobile: mobile.into(),
        client_reference: String::new(),
        company: String::new(),
    }
}

fn code<T>(response: &Response<T>) -> String {
    response
        .errors
        .as_ref()
        .and_then(|e| e.first())
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x["code"].as_str())
        .unwrap_or_else(|| panic!("expected an error, got {:?}", response.errors))
        .to_owned()
}

async fn create(
    client: &mut Client,
    cabinet: Uuid,
    input: create_contact::ContactInput,
) -> Response<create_contact::ResponseData> {
    client
        .run::<CreateContact>(create_contact::Variables {
            cabinet_id: cabinet.to_string(),
            input,
        })
        .await
}

async fn list(
    client: &mut Client,
    cabinet: Uuid,
    search: Option<&str>,
    first: i64,
) -> contacts::ContactsContacts {
    let answer = client
        .run::<Contacts>(contacts::Variables {
            cabinet_id: cabinet.to_string(),
            search: search.map(str::to_owned),
            first,
        })
        .await;
    answer
        .data
        .unwrap_or_else(|| panic!("{:?}", answer.errors))
        .contacts
}

async fn emails(client: &mut Client, cabinet: Uuid, search: &str) -> Vec<String> {
    list(client, cabinet, Some(search), 100)
        .await
        .edges
        .into_iter()
        .map(|e| e.node.email)
        .collect()
}

/// One of the app's upload operations, the file as its `$file`.
async fn upload<Q: GraphQLQuery>(
    client: &mut Client,
    variables: Q::Variables,
    content: Vec<u8>,
) -> Response<Q::ResponseData> {
    let body = Q::build_query(variables);
    let variables = serde_json::to_value(&body.variables).unwrap();
    let answer = client
        .upload(body.query, variables, "contacts.csv", content)
        .await;
    serde_json::from_value(answer.clone())
        .unwrap_or_else(|e| panic!("the answer does not fit the operation ({e}): {answer}"))
}

async fn preview(
    client: &mut Client,
    cabinet: Uuid,
    file: Vec<u8>,
    outcomes: Option<Vec<ImportOutcome>>,
) -> Response<preview_contact_import::ResponseData> {
    upload::<PreviewContactImport>(
        client,
        preview_contact_import::Variables {
            cabinet_id: cabinet.to_string(),
            file: (),
            outcomes,
        },
        file,
    )
    .await
}

async fn import(
    client: &mut Client,
    cabinet: Uuid,
    file: Vec<u8>,
) -> Response<import_contacts::ResponseData> {
    upload::<ImportContacts>(
        client,
        import_contacts::Variables {
            cabinet_id: cabinet.to_string(),
            file: (),
        },
        file,
    )
    .await
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

async fn count_contacts(db: &PgPool, cabinet: Uuid) -> i64 {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM contacts WHERE cabinet_id = $1"#,
        cabinet
    )
    .fetch_one(db)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn contacts_are_created_found_edited_and_deleted(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let f = firm(&db, "ct", true).await;
    let mut me = server.login(&f.accountant_email, PASSWORD).await;

    // A French mobile is kept in E.164; company and reference are kept as typed.
    let mut helene = input(
        "Hélène",
        "Dupré",
        "Helene.Dupre@Exemple.fr",
        "06 12 34 56 78",
    );
    helene.company = "SARL Dupré & Fils".into();
    helene.client_reference = "C-042".into();
    let created = create(&mut me, f.cabinet, helene).await;
    let helene = created.data.expect("created").create_contact;
    assert_eq!(helene.email, "helene.dupre@exemple.fr");
    assert_eq!(helene.mobile, "+33612345678");
    assert_eq!(
        (helene.company.as_str(), helene.client_reference.as_str()),
        ("SARL Dupré & Fils", "C-042")
    );
    for (first, last, email, mobile) in [
        ("Paul", "Martin", "paul@exemple.fr", "+33 7 00 00 00 01"),
        ("Zoé", "Albert", "zoe@exemple.fr", "0033 6 98 76 54 32"),
        (
            "John",
            "Smith",
            "john_100%@example.co.uk",
            "+44 7700 900123",
        ),
    ] {
        create(&mut me, f.cabinet, input(first, last, email, mobile))
            .await
            .data
            .expect("created");
    }

    // By last name, accents and case aside; every word in any order; the company, the
    // reference, the mobile as stored and as the French write it.
    let all = list(&mut me, f.cabinet, None, 100).await;
    assert_eq!(all.total_count, 4);
    let names: Vec<_> = all
        .edges
        .iter()
        .map(|e| e.node.last_name.as_str())
        .collect();
    assert_eq!(names, ["Albert", "Dupré", "Martin", "Smith"]);
    assert_eq!(
        emails(&mut me, f.cabinet, "helene").await,
        ["helene.dupre@exemple.fr"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "DUPRE hél").await,
        ["helene.dupre@exemple.fr"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "sarl fils").await,
        ["helene.dupre@exemple.fr"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "c-042").await,
        ["helene.dupre@exemple.fr"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "0612").await,
        ["helene.dupre@exemple.fr"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "+3370").await,
        ["paul@exemple.fr"]
    );
    // LIKE's wildcards are only characters.
    assert_eq!(
        emails(&mut me, f.cabinet, "%").await,
        ["john_100%@example.co.uk"]
    );
    assert_eq!(
        emails(&mut me, f.cabinet, "_").await,
        ["john_100%@example.co.uk"]
    );
    assert!(emails(&mut me, f.cabinet, "helene paul").await.is_empty());
    let found = list(&mut me, f.cabinet, Some("exemple.fr"), 100).await;
    assert_eq!(found.total_count, 3);

    // Pages.
    let first_page = list(&mut me, f.cabinet, None, 2).await;
    assert_eq!(
        (first_page.edges.len(), first_page.page_info.has_next_page),
        (2, true)
    );
    assert_eq!(first_page.total_count, 4);
    let too_many = me
        .run::<Contacts>(contacts::Variables {
            cabinet_id: f.cabinet.to_string(),
            search: None,
            first: 1001,
        })
        .await;
    assert_eq!(code(&too_many), "VALIDATION");
    // A cursor not given by the server is refused, not handed to the database.
    for cursor in ["-5", "9223372036854775807", "4294967295", "abc"] {
        let refused = me
            .error_code(
                "query($c: UUID!, $after: String) { contacts(cabinetId: $c, after: $after) { totalCount } }",
                serde_json::json!({ "c": f.cabinet, "after": cursor }),
            )
            .await;
        assert_eq!(refused, "VALIDATION", "{cursor}");
    }

    // Edits: every field; another contact's email is refused, as on creation.
    let edit = |id: &str, input: create_contact::ContactInput| update_contact::Variables {
        id: id.to_owned(),
        input: update_contact::ContactInput {
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            mobile: input.mobile,
            client_reference: input.client_reference,
            company: input.company,
        },
    };
    let updated = me
        .run::<UpdateContact>(edit(
            &helene.id,
            input(
                "Hélène",
                "Dupré-Roux",
                "helene@roux.fr",
                "+33 6 11 11 11 11",
            ),
        ))
        .await
        .data
        .expect("updated")
        .update_contact;
    assert_eq!(
        (
            updated.last_name.as_str(),
            updated.email.as_str(),
            updated.mobile.as_str()
        ),
        ("Dupré-Roux", "helene@roux.fr", "+33611111111")
    );
    assert_eq!(updated.company, "", "every field is replaced");
    let taken = me
        .run::<UpdateContact>(edit(
            &helene.id,
            input("Hélène", "Dupré", "PAUL@exemple.fr", "0612345678"),
        ))
        .await;
    assert_eq!(code(&taken), "CONTACT_EXISTS");
    let twice = create(
        &mut me,
        f.cabinet,
        input("Paul", "Bis", "paul@exemple.fr", "0612345678"),
    )
    .await;
    assert_eq!(code(&twice), "CONTACT_EXISTS");

    // Bad input: the code and the French rule (the app checks with the same types first).
    for bad in [
        input("Ana", "Diaz", "pas-un-email", "0612345678"),
        input("Ana", "Diaz", "ana@exemple.fr", "06 12"),
        input("Ana", "Diaz", "ana@exemple.fr", "+3361234567"),
        input("", "Diaz", "ana@exemple.fr", "0612345678"),
        input("Ana", &"x".repeat(101), "ana@exemple.fr", "0612345678"),
        create_contact::ContactInput {
            client_reference: "r".repeat(51),
            ..input("Ana", "Diaz", "ana@exemple.fr", "0612345678")
        },
        create_contact::ContactInput {
            company: "c".repeat(201),
            ..input("Ana", "Diaz", "ana@exemple.fr", "0612345678")
        },
    ] {
        let refused = create(&mut me, f.cabinet, bad.clone()).await;
        assert_eq!(code(&refused), "VALIDATION", "{bad:?}");
        let refused = me.run::<UpdateContact>(edit(&helene.id, bad.clone())).await;
        assert_eq!(code(&refused), "VALIDATION", "{bad:?}");
    }

    // Deleted once; then it is not found.
    let deleted = me
        .run::<DeleteContact>(delete_contact::Variables {
            id: helene.id.clone(),
        })
        .await;
    assert_eq!(deleted.data.map(|d| d.delete_contact), Some(true));
    let again = me
        .run::<DeleteContact>(delete_contact::Variables {
            id: helene.id.clone(),
        })
        .await;
    assert_eq!(code(&again), "NOT_FOUND");
    let gone = me
        .run::<UpdateContact>(edit(&helene.id, input("A", "B", "a@b.fr", "0612345678")))
        .await;
    assert_eq!(code(&gone), "NOT_FOUND");
    assert_eq!(count_contacts(&db, f.cabinet).await, 3);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn contacts_stay_inside_their_cabinet_and_need_the_prepare_delegation(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let ours = firm(&db, "own", true).await;
    let theirs = firm(&db, "oth", true).await;
    let closed = firm(&db, "shut", false).await;
    let mut me = server.login(&ours.accountant_email, PASSWORD).await;
    let contact = create(
        &mut me,
        ours.cabinet,
        input("Olga", "Bern", "olga@client.fr", "0630303030"),
    )
    .await
    .data
    .unwrap()
    .create_contact;
    let csv = "Prénom;Nom;E-mail;Mobile\nA;B;a@b.fr;0612345678\n"
        .as_bytes()
        .to_vec();

    // Another cabinet's member: as if nothing existed.
    let mut stranger = server.login(&theirs.accountant_email, PASSWORD).await;
    let list_of = |cabinet: Uuid| contacts::Variables {
        cabinet_id: cabinet.to_string(),
        search: None,
        first: 10,
    };
    assert_eq!(
        code(&stranger.run::<Contacts>(list_of(ours.cabinet)).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(
            &create(
                &mut stranger,
                ours.cabinet,
                input("X", "Y", "x@y.fr", "0612345678")
            )
            .await
        ),
        "NOT_FOUND"
    );
    let edit = update_contact::Variables {
        id: contact.id.clone(),
        input: update_contact::ContactInput {
            first_name: "X".into(),
            last_name: "Y".into(),
            email: "x@y.fr".into(),
            mobile: "0612345678".into(),
            client_reference: String::new(),
            company: String::new(),
        },
    };
    assert_eq!(
        code(&stranger.run::<UpdateContact>(edit.clone()).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(
            &stranger
                .run::<DeleteContact>(delete_contact::Variables {
                    id: contact.id.clone()
                })
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&preview(&mut stranger, ours.cabinet, csv.clone(), None).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&import(&mut stranger, ours.cabinet, csv.clone()).await),
        "NOT_FOUND"
    );
    let export = |client: &Client, cabinet: Uuid| {
        let mut request = client
            .http
            .get(server.url(&format!("/api/cabinets/{cabinet}/contacts.csv")));
        if let Some(cookie) = &client.cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let response = export(&stranger, ours.cabinet).await.unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code_of(&body), "NOT_FOUND");
    // The stranger's own cabinet does not hold it either.
    assert!(list(&mut stranger, theirs.cabinet, None, 10)
        .await
        .edges
        .is_empty());

    // A collaborator without the prepare delegation: refused; with it: allowed.
    let mut collaborator = server.login(&ours.collaborator_email, PASSWORD).await;
    assert_eq!(
        code(&collaborator.run::<Contacts>(list_of(ours.cabinet)).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&collaborator.run::<UpdateContact>(edit.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&import(&mut collaborator, ours.cabinet, csv.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        export(&collaborator, ours.cabinet).await.unwrap().status(),
        403
    );
    sqlx::query!(
        "UPDATE memberships SET can_prepare = true WHERE cabinet_id = $1 AND user_id = $2",
        ours.cabinet,
        ours.collaborator
    )
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(
        list(&mut collaborator, ours.cabinet, None, 10)
            .await
            .total_count,
        1
    );
    assert_eq!(
        export(&collaborator, ours.cabinet).await.unwrap().status(),
        200
    );

    // A cabinet whose terms are not accepted yet; nobody logged in.
    let mut unopened = server.login(&closed.accountant_email, PASSWORD).await;
    assert_eq!(
        code(&unopened.run::<Contacts>(list_of(closed.cabinet)).await),
        "CABINET_NOT_OPEN"
    );
    assert_eq!(
        code(
            &create(
                &mut unopened,
                closed.cabinet,
                input("X", "Y", "x@y.fr", "0612345678")
            )
            .await
        ),
        "CABINET_NOT_OPEN"
    );
    let mut anonymous = server.client();
    assert_eq!(
        code(&anonymous.run::<Contacts>(list_of(ours.cabinet)).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&preview(&mut anonymous, ours.cabinet, csv, None).await),
        "UNAUTHENTICATED"
    );
    let response = export(&anonymous, ours.cabinet).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(count_contacts(&db, theirs.cabinet).await, 0);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_contact_edited_or_deleted_stays_as_it_was_in_its_running_collection(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let f = firm(&db, "run", true).await;
    paraphe_server::billing::credit(&db, CabinetId::from_uuid(f.cabinet), 1000, "test", None)
        .await
        .unwrap();
    let mut me = server.login(&f.accountant_email, PASSWORD).await;
    let olga = create(
        &mut me,
        f.cabinet,
        input("Olga", "Bern", "olga@client.fr", "06 30 30 30 30"),
    )
    .await
    .data
    .unwrap()
    .create_contact;

    let collection = me
        .data(
            "mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Bilan 2026\", mode: SEQUENTIAL) { id } }",
            json!({ "c": f.cabinet }),
        )
        .await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uploaded = me
        .upload(
            "mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }",
            json!({ "id": collection, "file": null }),
            "bilan.pdf",
            sample_pdf(),
        )
        .await;
    assert!(uploaded.get("errors").is_none(), "{uploaded}");
    me.data(
        "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }",
        json!({ "id": collection, "s": { "contactId": olga.id } }),
    )
    .await;
    me.data(
        "mutation($id: UUID!) { launchCollection(id: $id) { status } }",
        json!({ "id": collection }),
    )
    .await;

    // Edited, then deleted: the running collection keeps Olga as she was invited.
    me.run::<UpdateContact>(update_contact::Variables {
        id: olga.id.clone(),
        input: update_contact::ContactInput {
            first_name: "Olga".into(),
            last_name: "Bernard".into(),
            email: "olga@ailleurs.fr".into(),
            mobile: "0799999999".into(),
            client_reference: String::new(),
            company: String::new(),
        },
    })
    .await
    .data
    .expect("edited");
    let deleted = me
        .run::<DeleteContact>(delete_contact::Variables {
            id: olga.id.clone(),
        })
        .await;
    assert_eq!(deleted.data.map(|d| d.delete_contact), Some(true));

    let signers = me
        .data(
            "query($id: UUID!) { collection(id: $id) { status signers { firstName lastName email mobile status } } }",
            json!({ "id": collection }),
        )
        .await;
    assert_eq!(signers["collection"]["status"], "ACTIVE");
    assert_eq!(
        signers["collection"]["signers"],
        json!([{ "firstName": "Olga", "lastName": "Bern", "email": "olga@client.fr", "mobile": "+33630303030", "status": "INVITED" }])
    );
    let contact_id = sqlx::query_scalar!(
        "SELECT contact_id FROM signers WHERE collection_id = $1",
        Uuid::parse_str(&collection).unwrap()
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(contact_id, None, "ON DELETE SET NULL");

    // The signer's link still opens it, in her name.
    let body = sqlx::query_scalar!(
        "SELECT body FROM outbox WHERE channel = 'email' AND recipient = 'olga@client.fr' ORDER BY id LIMIT 1"
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let mut olga_browser = server.client();
    let session = olga_browser
        .data(
            "query($t: String!) { signingSession(token: $t) { signerName status } }",
            json!({ "t": token_in(&body) }),
        )
        .await;
    assert_eq!(session["signingSession"]["status"], "ACTIVE");
    assert_eq!(session["signingSession"]["signerName"], "Olga BERN");

    // A deleted contact signs no new collection.
    let next = me
        .data(
            "mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Bilan 2027\", mode: SEQUENTIAL) { id } }",
            json!({ "c": f.cabinet }),
        )
        .await["createCollection"]["id"]
        .clone();
    let refused = me
        .gql(
            "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }",
            json!({ "id": next, "s": { "contactId": olga.id } }),
        )
        .await;
    assert_eq!(error_code_of(&refused), "NOT_FOUND");
}

/// What Excel in French writes for « CSV (séparateur : point-virgule) »: Windows-1252,
/// `;`, CRLF, headers as the firm named them, a few bad lines.
const SPREADSHEET: &str =
    "Prénom;Nom;Adresse e-mail;Téléphone portable;Raison sociale;N° client;Ville\r\n\
    Élodie;Müller;Elodie.Muller@Exemple.fr;06 12 34 56 78;SARL Müller;C-001;Lyon\r\n\
    Paul;Martin;paul@exemple.fr;0700000001;;C-002;Paris\r\n\
    Ana;Diaz;ana-sans-arobase.fr;06 12 34 56 79;;C-003;Nice\r\n\
    Bruno;Petit;bruno@exemple.fr;06 12;;C-004;Lille\r\n\
    ;Sans-Prénom;sp@exemple.fr;0612345670;;;\r\n\
    Élodie;Müller;ELODIE.MULLER@exemple.fr;0612345678;SARL Müller;C-001;Lyon\r\n\
    Zoé;Blanc;zoe@exemple.fr;612345671;;C-005;Metz\r\n\
    ;;;;;;\r\n\
    Olga;Bern;olga@client.fr;+33 6 30 30 30 30;Bern SAS;C-006;Caen\r\n";

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_spreadsheet_export_is_previewed_line_by_line_then_imported(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let f = firm(&db, "imp", true).await;
    let mut me = server.login(&f.accountant_email, PASSWORD).await;
    // Already known: Paul (his mobile changes), Olga (the same in every column).
    let paul = create(
        &mut me,
        f.cabinet,
        input("Paul", "Martin", "paul@exemple.fr", "0600000000"),
    )
    .await
    .data
    .unwrap()
    .create_contact;
    let mut olga = input("Olga", "Bern", "olga@client.fr", "0630303030");
    olga.company = "Bern SAS".into();
    olga.client_reference = "C-006".into();
    let olga = create(&mut me, f.cabinet, olga)
        .await
        .data
        .unwrap()
        .create_contact;
    let file = windows_1252(SPREADSHEET);

    let seen = preview(&mut me, f.cabinet, file.clone(), None)
        .await
        .data
        .expect("previewed")
        .preview_contact_import;
    assert_eq!(seen.encoding, CsvEncoding::Windows1252);
    assert_eq!(seen.delimiter, ";");
    assert_eq!(
        seen.columns
            .iter()
            .map(|c| (c.header.as_str(), c.field))
            .collect::<Vec<_>>(),
        [
            ("Prénom", Some(ContactField::FirstName)),
            ("Nom", Some(ContactField::LastName)),
            ("Adresse e-mail", Some(ContactField::Email)),
            ("Téléphone portable", Some(ContactField::Mobile)),
            ("Raison sociale", Some(ContactField::Company)),
            ("N° client", Some(ContactField::ClientReference)),
            ("Ville", None),
        ]
    );
    assert!(seen.missing_fields.is_empty());
    assert_eq!(
        (
            seen.line_count,
            seen.create_count,
            seen.update_count,
            seen.unchanged_count,
            seen.duplicate_count,
            seen.invalid_count
        ),
        (8, 2, 1, 1, 1, 3)
    );
    let verdicts: Vec<_> = seen
        .lines
        .iter()
        .map(|l| (l.line, l.outcome, l.duplicate_of))
        .collect();
    assert_eq!(
        verdicts,
        [
            (2, ImportOutcome::Create, None),
            (3, ImportOutcome::Update, None),
            (4, ImportOutcome::Invalid, None),
            (5, ImportOutcome::Invalid, None),
            (6, ImportOutcome::Invalid, None),
            (7, ImportOutcome::Duplicate, Some(2)),
            (8, ImportOutcome::Create, None),
            (10, ImportOutcome::Unchanged, None),
        ]
    );
    let problems = |line: i64| {
        seen.lines
            .iter()
            .find(|l| l.line == line)
            .unwrap()
            .problems
            .iter()
            .map(|p| (p.field, p.kind, p.value.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        problems(4),
        [(
            ContactField::Email,
            ImportProblemKind::Invalid,
            "ana-sans-arobase.fr".to_owned()
        )]
    );
    assert_eq!(
        problems(5),
        [(
            ContactField::Mobile,
            ImportProblemKind::Invalid,
            "06 12".to_owned()
        )]
    );
    assert_eq!(
        problems(6),
        [(
            ContactField::FirstName,
            ImportProblemKind::Missing,
            String::new()
        )]
    );
    let line = |n: i64| seen.lines.iter().find(|l| l.line == n).unwrap();
    // Valid lines show what would be stored; the update names its contact.
    assert_eq!(
        (line(2).email.as_str(), line(2).mobile.as_str()),
        ("elodie.muller@exemple.fr", "+33612345678")
    );
    assert_eq!(line(8).mobile, "+33612345671", "Excel's lost 0 is put back");
    assert_eq!(line(3).contact_id.as_deref(), Some(paul.id.as_str()));
    assert_eq!(line(10).contact_id.as_deref(), Some(olga.id.as_str()));

    // Only the lines asked for; nothing changed yet.
    let bad_only = preview(
        &mut me,
        f.cabinet,
        file.clone(),
        Some(vec![ImportOutcome::Invalid]),
    )
    .await
    .data
    .unwrap()
    .preview_contact_import;
    assert_eq!(
        bad_only.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
        [4, 5, 6]
    );
    assert_eq!(count_contacts(&db, f.cabinet).await, 2);

    let done = import(&mut me, f.cabinet, file.clone())
        .await
        .data
        .expect("imported")
        .import_contacts;
    assert_eq!(
        (
            done.created,
            done.updated,
            done.unchanged,
            done.duplicates,
            done.invalid
        ),
        (2, 1, 1, 1, 3)
    );
    let all = list(&mut me, f.cabinet, None, 100).await;
    let stored: Vec<_> = all
        .edges
        .iter()
        .map(|e| {
            let c = &e.node;
            (
                c.first_name.as_str(),
                c.last_name.as_str(),
                c.email.as_str(),
                c.mobile.as_str(),
                c.company.as_str(),
                c.client_reference.as_str(),
            )
        })
        .collect();
    assert_eq!(
        stored,
        [
            (
                "Olga",
                "Bern",
                "olga@client.fr",
                "+33630303030",
                "Bern SAS",
                "C-006"
            ),
            (
                "Zoé",
                "Blanc",
                "zoe@exemple.fr",
                "+33612345671",
                "",
                "C-005"
            ),
            (
                "Paul",
                "Martin",
                "paul@exemple.fr",
                "+33700000001",
                "",
                "C-002"
            ),
            (
                "Élodie",
                "Müller",
                "elodie.muller@exemple.fr",
                "+33612345678",
                "SARL Müller",
                "C-001"
            ),
        ]
    );

    // The same file again changes nothing: everything valid is now up to date.
    let again = import(&mut me, f.cabinet, file)
        .await
        .data
        .unwrap()
        .import_contacts;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));

    // A file without the company column leaves the company alone.
    let update = "first name,last name,email,mobile\nOlga,Bern,olga@client.fr,0630303031\n";
    let updated = import(&mut me, f.cabinet, update.as_bytes().to_vec())
        .await
        .data
        .unwrap()
        .import_contacts;
    assert_eq!(updated.updated, 1);
    let olga_now = list(&mut me, f.cabinet, Some("olga"), 10)
        .await
        .edges
        .remove(0)
        .node;
    assert_eq!(
        (
            olga_now.mobile.as_str(),
            olga_now.company.as_str(),
            olga_now.client_reference.as_str()
        ),
        ("+33630303031", "Bern SAS", "C-006")
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn files_that_cannot_be_read_as_contacts_are_refused_with_their_code(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let f = firm(&db, "bad", true).await;
    let mut me = server.login(&f.accountant_email, PASSWORD).await;

    let mut too_many = String::from("Prénom;Nom;E-mail;Mobile\n");
    for i in 0..10_001 {
        too_many.push_str(&format!("A;B;a{i}@b.fr;0612345678\n"));
    }
    let mut too_big = b"Pr\xe9nom;Nom;E-mail;Mobile\n".to_vec();
    too_big.resize(5 * 1024 * 1024 + 1, b' ');
    for (file, expected) in [
        (Vec::new(), "CSV_INVALID"),
        (b"\r\n;;;\r\n".to_vec(), "CSV_INVALID"),
        // A workbook saved as .xlsx (a ZIP), not as CSV.
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec(),
            "CSV_INVALID",
        ),
        // No header row: the first line is already a contact.
        (b"Elodie;Martin;e@m.fr;0612345678\n".to_vec(), "CSV_INVALID"),
        (too_big, "CSV_TOO_LARGE"),
        (too_many.into_bytes(), "CSV_TOO_LARGE"),
    ] {
        let previewed = preview(&mut me, f.cabinet, file.clone(), None).await;
        assert_eq!(code(&previewed), expected);
        let imported = import(&mut me, f.cabinet, file).await;
        assert_eq!(code(&imported), expected);
    }

    // Required columns missing: named by the preview, every line refused, nothing imported.
    let partial = "Nom;Courriel\nMartin;m@exemple.fr\nDurand;d@exemple.fr\n";
    let seen = preview(&mut me, f.cabinet, partial.as_bytes().to_vec(), None)
        .await
        .data
        .unwrap()
        .preview_contact_import;
    assert_eq!(
        seen.missing_fields,
        [ContactField::FirstName, ContactField::Mobile]
    );
    assert_eq!((seen.invalid_count, seen.create_count), (2, 0));
    let done = import(&mut me, f.cabinet, partial.as_bytes().to_vec())
        .await
        .data
        .unwrap()
        .import_contacts;
    assert_eq!((done.created, done.invalid), (0, 2));
    assert_eq!(count_contacts(&db, f.cabinet).await, 0);

    // An upload that is not a file at all.
    let not_a_file = me
        .gql(
            "mutation($c: UUID!) { importContacts(cabinetId: $c, file: \"texte\") { created } }",
            json!({ "c": f.cabinet }),
        )
        .await;
    assert!(not_a_file.get("errors").is_some(), "{not_a_file}");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_export_opens_in_excel_and_imports_back_as_it_was(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let ours = firm(&db, "exp", true).await;
    let other = firm(&db, "dst", true).await;
    let mut me = server.login(&ours.accountant_email, PASSWORD).await;
    let mut elodie = input("Élodie", "Müller", "elodie@exemple.fr", "06 12 34 56 78");
    elodie.company = "=HYPERLINK(\"http://exemple.invalid\")".into();
    elodie.client_reference = "C-001".into();
    create(&mut me, ours.cabinet, elodie).await.data.unwrap();
    let mut john = input(
        "John; \"Jack\"",
        "Smith",
        "john@example.co.uk",
        "+44 7700 900123",
    );
    john.company = "Smith & Co".into();
    create(&mut me, ours.cabinet, john).await.data.unwrap();

    let response = me
        .http
        .get(server.url(&format!("/api/cabinets/{}/contacts.csv", ours.cabinet)))
        .header("cookie", me.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"contacts-"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert_eq!(
        text,
        "\u{feff}Prénom;Nom;E-mail;Mobile;Société;Référence client\r\n\
         Élodie;Müller;elodie@exemple.fr;06 12 34 56 78;\"'=HYPERLINK(\"\"http://exemple.invalid\"\")\";C-001\r\n\
         \"John; \"\"Jack\"\"\";Smith;john@example.co.uk;'+447700900123;Smith & Co;\r\n"
    );

    // Into another cabinet: the same contacts, formulas and all.
    let mut accountant = server.login(&other.accountant_email, PASSWORD).await;
    let done = import(&mut accountant, other.cabinet, bytes)
        .await
        .data
        .unwrap()
        .import_contacts;
    assert_eq!((done.created, done.invalid), (2, 0));
    let theirs = list(&mut accountant, other.cabinet, None, 10).await;
    let ours_list = list(&mut me, ours.cabinet, None, 10).await;
    let fields = |l: &contacts::ContactsContacts| {
        l.edges
            .iter()
            .map(|e| {
                let c = &e.node;
                (
                    c.first_name.clone(),
                    c.last_name.clone(),
                    c.email.clone(),
                    c.mobile.clone(),
                    c.company.clone(),
                    c.client_reference.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(fields(&theirs), fields(&ours_list));

    // An empty cabinet exports its header only.
    let empty = firm(&db, "nil", true).await;
    let mut nobody = server.login(&empty.accountant_email, PASSWORD).await;
    let response = nobody
        .http
        .get(server.url(&format!("/api/cabinets/{}/contacts.csv", empty.cabinet)))
        .header("cookie", nobody.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "\u{feff}Prénom;Nom;E-mail;Mobile;Société;Référence client\r\n"
    );
    // Keeps the list's own query happy too.
    assert_eq!(
        list(&mut nobody, empty.cabinet, None, 10).await.total_count,
        0
    );
}
