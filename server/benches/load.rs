//! Load benchmark of the signing flow: N signers, C at a time, each opening their link,
//! accepting, requesting a code and signing a 2-page PDF, against one server over real
//! HTTP (the code is read where the SMS gateway would take it: the outbox table).
//! Prints signatures per second, p50/p99 latencies and errors, against issue 4's target
//! (≥ 200 signatures/s, p99 < 150 ms at 50 concurrent signers, 0 errors, on 2 cores).
//!
//! Run: `scripts/bench-load.sh` (or `cargo bench -p paraphe-server --bench load`);
//! PARAPHE_LOAD_SIGNERS (default 200) and PARAPHE_LOAD_CONCURRENCY (default 50).
//!
//! A warm-up round of one visit per concurrent signer runs first, untimed: a server that
//! has been up for a while has its connections open and its statements prepared on each.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use paraphe_server::cabinets::{self, access::Need};
use paraphe_server::collections::{prepare, DocumentKind, SigningMode};
use paraphe_server::config::Config;
use paraphe_server::graphql::context::RequestMeta;
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::Semaphore;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn gql(
    http: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let response = http
        .post(url)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    match body.get("errors") {
        Some(errors) => Err(errors.to_string()),
        None => Ok(body["data"].clone()),
    }
}

/// One signer's whole visit; returns (whole flow, the `sign` request alone).
async fn visit(
    http: &reqwest::Client,
    url: &str,
    db: &PgPool,
    token: &str,
    mobile: &str,
) -> Result<(Duration, Duration), String> {
    let start = Instant::now();
    gql(
        http,
        url,
        "query($t: String!) { signingSession(token: $t) { title } }",
        json!({ "t": token }),
    )
    .await?;
    gql(
        http,
        url,
        "mutation($t: String!) { acceptDocuments(token: $t) { accepted } }",
        json!({ "t": token }),
    )
    .await?;
    gql(
        http,
        url,
        "mutation($t: String!) { requestSigningCode(token: $t) { expiresAt } }",
        json!({ "t": token }),
    )
    .await?;
    let (body,): (String,) = sqlx::query_as(
        "SELECT body FROM outbox WHERE channel = 'sms' AND recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(mobile)
    .fetch_one(db)
    .await
    .map_err(|e| e.to_string())?;
    let code = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .ok_or("no code")?
        .to_owned();
    let signing = Instant::now();
    gql(
        http,
        url,
        "mutation($t: String!, $c: String!) { sign(token: $t, code: $c) { signerStatus } }",
        json!({ "t": token, "c": code }),
    )
    .await?;
    Ok((start.elapsed(), signing.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let signers = env_number("PARAPHE_LOAD_SIGNERS", 200);
    let concurrency = env_number("PARAPHE_LOAD_CONCURRENCY", 50);
    let warm_up = concurrency;
    let admin_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server_url = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap_or(admin_url.clone());
    let database = format!("paraphe_load_{}", uuid::Uuid::new_v4().simple());
    let database_url = format!("{server_url}/{database}");
    let db = paraphe_server::db::connect(&database_url).await?;
    paraphe_server::db::migrate(&db).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::for_tests(database_url.clone());
    let kek = config.key_encryption_key.clone();
    config.public_url = format!("http://{addr}");
    let pki = Arc::new(
        paraphe_server::pki::load_or_create(&db, &config.key_encryption_key, &config.public_url)
            .await?,
    );
    let state = paraphe_server::app::assemble(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        config,
        pki,
    );
    paraphe_server::app::spawn_workers(&state)?;
    let app = paraphe_server::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    // A cabinet with credit, and one collection of one 2-page PDF per signer.
    let accountant = paraphe_server::accounts::create_user(
        &db,
        paraphe_server::accounts::NewUser {
            email: paraphe_shared::Email::parse("ec@charge.fr")?,
            first_name: paraphe_shared::PersonName::parse("Claire")?,
            last_name: paraphe_shared::PersonName::parse("Charge")?,
            mobile: None,
            password: None,
        },
    )
    .await?
    .id;
    let cabinet = cabinets::create_cabinet(&db, "Cabinet Charge", None, accountant).await?;
    sqlx::query("INSERT INTO terms_acceptances (cabinet_id, accepted_by, cgu_version, privacy_policy_version) VALUES ($1, $2, $3, $4)")
        .bind(cabinet)
        .bind(accountant)
        .bind(paraphe_shared::terms::CGU_VERSION)
        .bind(paraphe_shared::terms::PRIVACY_POLICY_VERSION)
        .execute(&db)
        .await?;
    paraphe_server::billing::credit(
        &db,
        cabinet,
        (warm_up + signers) as i64 * 25,
        "charge",
        None,
    )
    .await?;
    let scope = cabinets::access::check(&db, accountant, cabinet, &[Need::Open]).await?;
    let lines: Vec<String> = (0..90)
        .map(|i| format!("Article {i} — le client s'engage à fournir les pièces justificatives."))
        .collect();
    let pdf = paraphe_server::signing::text_pdf::render("Lettre de mission", &lines)?;
    let meta = RequestMeta::default();
    let mut visits = Vec::new();
    eprintln!("preparing {} collections…", warm_up + signers);
    for i in 0..warm_up + signers {
        let collection = prepare::create(
            &db,
            &scope,
            &format!("Dossier {i}"),
            "",
            SigningMode::Sequential,
            &meta,
        )
        .await?;
        prepare::add_document(
            &db,
            &scope,
            collection.id,
            "mission.pdf",
            pdf.clone(),
            DocumentKind::ToSign,
            &meta,
        )
        .await?;
        let mobile = format!("+3367{i:07}");
        let source = prepare::SignerSource::Person {
            first_name: "Client".into(),
            last_name: format!("Numero{i}"),
            email: format!("client{i}@charge.fr"),
            mobile: mobile.clone(),
        };
        prepare::add_signer(
            &db,
            &scope,
            collection.id,
            prepare::NewSigner {
                source,
                level: 1,
                stamp: None,
                language: None,
            },
            &meta,
        )
        .await?;
        let public_url = format!("http://{addr}");
        let issuer = paraphe_server::collections::links::LinkIssuer {
            public_url: &public_url,
            kek: &kek,
        };
        prepare::launch(&db, issuer, &scope, collection.id, &meta).await?;
        let (body,): (String,) =
            sqlx::query_as("SELECT body FROM outbox WHERE channel = 'email' AND recipient = $1")
                .bind(format!("client{i}@charge.fr"))
                .fetch_one(&db)
                .await?;
        let start = body
            .find("/signer/")
            .ok_or_else(|| anyhow::anyhow!("no link"))?
            + "/signer/".len();
        let token: String = body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        visits.push((token, mobile));
    }

    // Keys made ahead of time, as the server's pool worker does between peaks
    // (PARAPHE_LOAD_POOL=0 measures generation on demand instead).
    if env_number("PARAPHE_LOAD_POOL", 1) > 0 {
        let filling = Instant::now();
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        paraphe_server::keys::pool::refill(&db, &kek, (warm_up + signers) as i64, cores).await?;
        eprintln!(
            "key pool filled with {} keys in {:.1} s",
            warm_up + signers,
            filling.elapsed().as_secs_f64()
        );
    }
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/graphql");
    let timed = visits.split_off(warm_up);
    eprintln!("warming up with {warm_up} signers…");
    let warm_ups: Vec<_> = visits
        .iter()
        .map(|(token, mobile)| visit(&http, &url, &db, token, mobile))
        .collect();
    for outcome in futures_util::future::join_all(warm_ups).await {
        outcome.map_err(|e| anyhow::anyhow!("warm-up visit failed: {e}"))?;
    }

    eprintln!("{signers} signers, {concurrency} at a time…");
    let gate = Arc::new(Semaphore::new(concurrency));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for (token, mobile) in timed {
        let (http, url, db, gate) = (http.clone(), url.clone(), db.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            visit(&http, &url, &db, &token, &mobile).await
        }));
    }
    let mut flows = Vec::new();
    let mut signs = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        match task.await? {
            Ok((flow, sign)) => {
                flows.push(flow);
                signs.push(sign);
            }
            Err(e) => errors.push(e),
        }
    }
    let wall = began.elapsed();
    flows.sort();
    signs.sort();
    let rate = signs.len() as f64 / wall.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "signers: {signers}, concurrency: {concurrency}, wall time: {:.2} s",
        wall.as_secs_f64()
    );
    println!("signatures/s: {rate:.1}   (target ≥ 200)");
    println!(
        "sign request  p50 {:.0} ms  p99 {:.0} ms   (target p99 < 150 ms)",
        ms(percentile(&signs, 0.5)),
        ms(percentile(&signs, 0.99))
    );
    println!("whole visit   p50 {:.0} ms  p99 {:.0} ms   (open, accept, code with key and certificate, sign)", ms(percentile(&flows, 0.5)), ms(percentile(&flows, 0.99)));
    println!(
        "errors: {}   (target 0){}",
        errors.len(),
        errors
            .first()
            .map(|e| format!(" — first: {e}"))
            .unwrap_or_default()
    );

    db.close().await;
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    Ok(())
}
