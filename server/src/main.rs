use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use paraphe_server::{config::Config, db, demo};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "paraphe-server", about = "Paraphe: electronic signatures for accounting firms")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn init_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("PARAPHE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::ExportSchema = cli.command {
        print!("{}", paraphe_server::graphql::sdl());
        return Ok(());
    }
    init_logs();
    let config = Config::from_env()?;
    let pool = db::connect(&config.database_url).await.context("cannot connect to PostgreSQL (DATABASE_URL)")?;
    db::migrate(&pool).await.context("migrations failed")?;
    match cli.command {
        Command::Migrate => tracing::info!("migrations applied"),
        Command::SeedDemo => {
            demo::seed(&pool).await?;
            println!("Cabinet « {} » prêt.", demo::CABINET_NAME);
            for (label, person) in [("Expert-comptable", &demo::ACCOUNTANT), ("Collaborateur", &demo::COLLABORATOR)] {
                println!("  {label:<17} {}  mot de passe : {}", person.email, person.password);
            }
        }
        Command::Serve => serve(config, pool).await?,
        Command::ExportSchema => unreachable!("handled above"),
    }
    Ok(())
}

async fn serve(config: Config, pool: sqlx::PgPool) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let addr = config.addr;
    let state = paraphe_server::build_state(pool, config).await?;
    let app = paraphe_server::router(state);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
