use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use paraphe_server::ids::CabinetId;
use paraphe_server::pki::{CabinetIdentity, Level, PersonIdentity, Pki};
use paraphe_server::signing::{self, PadesLevel, SignatureRequest, VisibleStamp};
use paraphe_server::{config::Config, db, demo};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "paraphe-server",
    about = "Paraphe: electronic signatures for accounting firms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    settings: paraphe_server::config::Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the API and the web app.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create the demo cabinet, accountant and collaborator (idempotent); prints credentials.
    SeedDemo,
    /// Print the GraphQL schema (SDL); `schema.graphql` at the root is this output.
    ExportSchema,
    /// Sign PDFs with the instance's certificate authorities (for operators and outside checks).
    #[command(subcommand)]
    Pdf(PdfCommand),
    /// The instance's certificate authorities.
    #[command(subcommand)]
    Pki(PkiCommand),
    /// Key custody.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Cabinets' prepaid credit.
    #[command(subcommand)]
    Billing(BillingCommand),
    /// The platform's administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Makes EMAIL a platform administrator (creating the account if needed) and prints a
    /// one-time link to choose its password (7 days) when it has none.
    Create {
        email: String,
        #[arg(long, default_value = "Administrateur")]
        first_name: String,
        #[arg(long, default_value = "Paraphe")]
        last_name: String,
    },
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Credit a cabinet with prepaid credit; prints the new balance.
    Credit {
        /// The cabinet's id.
        cabinet: uuid::Uuid,
        /// Amount in euro cents (2500 = 25,00 €).
        cents: i64,
        #[arg(long, default_value = "crédit prépayé")]
        note: String,
    },
    /// Print a cabinet's balance in cents.
    Balance { cabinet: uuid::Uuid },
}

#[derive(Subcommand)]
enum PdfCommand {
    /// Sign IN into OUT with a test identity issued by the instance's CAs.
    Sign {
        input: std::path::PathBuf,
        output: std::path::PathBuf,
        /// The signer's name, "First LAST".
        #[arg(long, default_value = "Camille TESTEUR")]
        name: String,
        /// Certificate level: lcp, qcp, seal or onetime.
        #[arg(long, default_value = "lcp")]
        level: paraphe_server::pki::Level,
        /// PAdES level: b-b, b-t, b-lt or b-lta.
        #[arg(long, default_value = "b-b")]
        pades: PadesLevel,
        /// A visible stamp at PAGE,X,Y,W,H (points from the bottom-left corner); invisible
        /// by default.
        #[arg(long)]
        visible: Option<String>,
    },
    /// Validate every signature of FILE against the instance's roots; exit code 0 only if
    /// all are valid and nothing changed after the last one.
    Verify {
        file: std::path::PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Print the instance's trust anchors (PEM) for outside validators.
    ExportRoots,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a fresh key-encryption key for PARAPHE_KEY_ENCRYPTION_KEY.
    NewKek,
}

/// Logs go to stderr, whatever the command: stdout carries only a command's data (a PEM,
/// a report, a balance), so that `paraphe-server pki export-roots > roots.pem` is a PEM.
fn init_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("PARAPHE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::ExportSchema => {
            print!("{}", paraphe_server::graphql::sdl());
            return Ok(());
        }
        Command::Keys(KeysCommand::NewKek) => {
            println!("{}", paraphe_server::keys::KeyEncryptionKey::generate().1);
            return Ok(());
        }
        _ => {}
    }
    init_logs();
    let config = Config::from_settings(cli.settings)?;
    let pool = db::connect(config.database_url.expose())
        .await
        .context("cannot connect to PostgreSQL (DATABASE_URL)")?;
    db::migrate(&pool).await.context("migrations failed")?;
    match cli.command {
        Command::Migrate => tracing::info!("migrations applied"),
        Command::SeedDemo => {
            demo::seed(&pool, &config).await?;
            println!("Cabinet « {} » prêt.", demo::CABINET_NAME);
            for (label, person) in [
                ("Expert-comptable", &demo::ACCOUNTANT),
                ("Collaborateur", &demo::COLLABORATOR),
                ("Opérateur", &demo::OPERATOR),
                ("Plateforme", &demo::PLATFORM_ADMIN),
            ] {
                println!(
                    "  {label:<17} {}  mot de passe : {}",
                    person.email, person.password
                );
            }
        }
        Command::Serve => serve(config, pool).await?,
        Command::Admin(AdminCommand::Create {
            email,
            first_name,
            last_name,
        }) => {
            let email =
                paraphe_shared::Email::parse(&email).map_err(|e| anyhow::anyhow!("EMAIL: {e}"))?;
            let first_name = paraphe_shared::PersonName::parse(&first_name)
                .map_err(|e| anyhow::anyhow!("--first-name: {e}"))?;
            let last_name = paraphe_shared::PersonName::parse(&last_name)
                .map_err(|e| anyhow::anyhow!("--last-name: {e}"))?;
            let created =
                paraphe_server::platform::create_admin(&pool, &email, &first_name, &last_name)
                    .await?;
            println!("{email} administre la plateforme.");
            match created.setup_token {
                Some(token) => println!(
                    "Lien pour choisir son mot de passe (valable 7 jours, une seule fois) :\n{}",
                    paraphe_server::accounts::recovery::link_url(&config.public_url, &token)
                ),
                None => println!("Ce compte a déjà un mot de passe : il se connecte avec."),
            }
        }
        Command::Pdf(PdfCommand::Sign {
            input,
            output,
            name,
            level,
            pades,
            visible,
        }) => {
            let stamp = visible
                .map(|placement| {
                    let label = match level {
                        Level::Lcp => "Signature avancée (LCP)",
                        Level::Qcp => "Signature avancée, certificat qualifié (QCP)",
                        Level::Seal => "Cachet électronique",
                        Level::OneTime => "Signature électronique (certificat à usage unique)",
                    };
                    let mut stamp = VisibleStamp::parse_placement(&placement, label)?;
                    if level == Level::Seal {
                        stamp.cabinet = Some(name.clone());
                    }
                    Ok::<_, String>(stamp)
                })
                .transpose()
                .map_err(|e| anyhow::anyhow!("--visible {e}"))?;
            let pki = paraphe_server::app::pki(&config, &pool).await?;
            sign_pdf(&pki, &input, &output, &name, level, pades, stamp).await?;
        }
        Command::Pdf(PdfCommand::Verify { file, json }) => {
            let pki = paraphe_server::app::pki(&config, &pool).await?;
            let pdf =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut report = signing::validate(&pdf, &pki.trust_anchors())
                .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
            pki.check_revocation(&mut report).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
            if !report.all_valid() {
                std::process::exit(2);
            }
        }
        Command::Pki(PkiCommand::ExportRoots) => {
            let pki = paraphe_server::app::pki(&config, &pool).await?;
            print!("{}", pki.hierarchy.roots_pem()?);
        }
        Command::Billing(BillingCommand::Credit {
            cabinet,
            cents,
            note,
        }) => {
            let balance = paraphe_server::billing::credit(
                &pool,
                CabinetId::from_uuid(cabinet),
                cents,
                &note,
                None,
            )
            .await?;
            println!("{}", paraphe_server::billing::Cents(balance));
        }
        Command::Billing(BillingCommand::Balance { cabinet }) => {
            let balance = paraphe_server::billing::balance(
                &mut *pool.acquire().await?,
                CabinetId::from_uuid(cabinet),
            )
            .await?;
            println!("{balance}");
        }
        Command::ExportSchema | Command::Keys(_) => unreachable!("handled above"),
    }
    Ok(())
}

async fn serve(config: Config, pool: sqlx::PgPool) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let addr = config.addr;
    let state = paraphe_server::build_state(pool, config).await?;
    paraphe_server::app::spawn_workers(&state)?;
    let app = paraphe_server::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Signs with a throw-away key and a certificate the instance's CA issues for it (recorded,
/// so OCSP answers for it like for any other).
async fn sign_pdf(
    pki: &Pki,
    input: &std::path::Path,
    output: &std::path::Path,
    name: &str,
    level: Level,
    pades: PadesLevel,
    stamp: Option<VisibleStamp>,
) -> anyhow::Result<()> {
    let pdf = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let key = tokio::task::spawn_blocking(paraphe_server::pki::generate_key).await??;
    let certificate = match level {
        Level::Seal => {
            let cabinet = CabinetIdentity {
                name: name.to_owned(),
                siren: "123456782".into(),
            };
            pki.issue_for_cabinet(&cabinet, key.public()).await?
        }
        level => {
            let (first_name, last_name) = name.split_once(' ').unwrap_or((name, "TESTEUR"));
            let person = PersonIdentity {
                first_name: first_name.to_owned(),
                last_name: last_name.to_owned(),
                email: "test@paraphe.invalid".into(),
                serial_number: format!("PARAPHE-TEST-{}", uuid::Uuid::new_v4().simple()),
            };
            pki.issue_for_person(level, &person, key.public()).await?
        }
    };
    let mut chain = vec![certificate];
    chain.extend(pki.hierarchy.chain_above(level));
    let request = SignatureRequest {
        signer_name: name.to_owned(),
        reason: None,
        location: None,
        time: chrono::Utc::now(),
        stamp,
    };
    let signed = signing::sign_at_level(&pdf, &request, &key, &chain, pades, pki)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    std::fs::write(output, signed).with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

fn print_report(report: &signing::ValidationReport) {
    let yes_no = |b: bool| if b { "oui" } else { "NON" };
    if report.signatures.is_empty() {
        println!("Aucune signature.");
    }
    for signature in &report.signatures {
        println!(
            "{} ({:?}, révision {}/{})",
            signature.field, signature.kind, signature.revision, report.revisions
        );
        println!(
            "  signataire        : {}",
            signature.signer.as_deref().unwrap_or("?")
        );
        println!(
            "  intègre           : {}",
            yes_no(signature.intact && signature.covers_whole_revision)
        );
        println!(
            "  signature valide  : {}",
            yes_no(signature.cryptographically_valid)
        );
        println!("  chaîne de confiance : {}", yes_no(signature.trusted));
        if let Some(kind) = &signature.certificate_kind {
            println!("  certificat        : {kind}");
        }
        println!(
            "  révoqué           : {}",
            signature
                .revoked
                .map(|r| if r { "OUI" } else { "non" })
                .unwrap_or("inconnu")
        );
        println!(
            "  horodatage        : {}",
            signature
                .time_stamp
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "aucun".into())
        );
        for problem in &signature.problems {
            println!("  ! {problem}");
        }
    }
    println!(
        "Modifié après la dernière signature : {}",
        if report.modified_after_last_signature {
            "OUI"
        } else {
            "non"
        }
    );
    println!(
        "{}",
        if report.all_valid() {
            "VALIDE"
        } else {
            "INVALIDE"
        }
    );
}
