//! `kentongan`: the whistleblowing server and the operator's commands.
#![allow(clippy::print_stdout)] // a command-line program: stdout is its output

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use kentongan_crypto::Recipient;
use kentongan_server::config::{self, Config};
use kentongan_server::store::{self, Store, StoreError};
use kentongan_server::web::{self, AppState, Settings};
use kentongan_server::{export, team};

#[derive(Parser)]
#[command(name = "kentongan", version, about = "Kentongan whistleblowing system")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Global {
    /// Configuration file (TOML). Default: kentongan.toml in the working directory, if present.
    #[arg(long, global = true, env = "KENTONGAN_CONFIG")]
    config: Option<PathBuf>,
    /// Database: sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://data/kentongan.sqlite3]
    #[arg(long, global = true, env = "KENTONGAN_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, env = "KENTONGAN_LISTEN")]
        listen: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Register, list and disable investigators.
    #[command(subcommand)]
    Investigator(InvestigatorCommand),
    /// Write cases as bundles that `kentongan-keytool open` reads.
    Export {
        /// The case number.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        case: Option<i64>,
        /// Every case, one file each.
        #[arg(long)]
        all: bool,
        /// A file (with --case) or a directory (with --all).
        #[arg(long)]
        out: PathBuf,
    },
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum InvestigatorCommand {
    /// Register an investigator's public key, made with `kentongan-keytool generate`.
    Add {
        #[arg(long)]
        name: String,
        /// The age1… public key.
        #[arg(long)]
        recipient: String,
        /// May manage the team.
        #[arg(long)]
        admin: bool,
    },
    /// List investigators.
    List,
    /// Stop sealing new cases to an investigator.
    Disable { id: i64 },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration file.
    Example,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KENTONGAN_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let listen = match &cli.command {
        Some(Command::Serve { listen }) => listen.clone(),
        _ => None,
    };
    if let Some(Command::Config(ConfigCommand::Example)) = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let config = Config::load(
        cli.global.config.as_deref(),
        listen,
        cli.global.database_url,
    )?;
    let store = store::open(&config.database_url.0)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url))?;

    match cli.command.unwrap_or(Command::Serve { listen: None }) {
        Command::Serve { .. } => serve(config, store).await,
        Command::Migrate => {
            println!("database is up to date: {}", config.database_url);
            Ok(())
        }
        Command::Investigator(command) => investigator(command, &*store, &config).await,
        Command::Export { case, all, out } => {
            if all {
                let n = export::export_all(&*store, &out).await?;
                println!("exported {n} case(s) to {}", out.display());
            } else if let Some(id) = case {
                export::export_case(&*store, id, &out).await?;
                println!("exported case {id} to {}", out.display());
            }
            Ok(())
        }
        Command::Config(ConfigCommand::Example) => Ok(()),
    }
}

async fn serve(config: Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let state = AppState::new(
        store.clone(),
        Settings {
            office: config.office,
            secure_cookies: config.secure_cookies,
            utc_offset: config.utc_offset,
            max_concurrent_seals: config.max_concurrent_seals,
            max_waiting_seals: config.max_waiting_seals,
        },
    );
    let team = team::TeamCache::new(store).get().await?;
    if team.members.is_empty() {
        tracing::warn!(
            "no investigator is registered: the report form refuses reports until one is \
             (kentongan investigator add --name NAME --recipient age1…)"
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        "Kentongan listening on http://{} with database {}",
        config.listen,
        config.database_url
    );
    axum::serve(listener, web::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn investigator(
    command: InvestigatorCommand,
    store: &dyn Store,
    config: &Config,
) -> anyhow::Result<()> {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(config.utc_offset)
        .date();
    match command {
        InvestigatorCommand::Add {
            name,
            recipient,
            admin,
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                bail!("the name must be 1 to 200 characters");
            }
            let recipient: Recipient = recipient.parse().context(
                "not a valid public key: it should start with age1 and come from kentongan-keytool",
            )?;
            match store.add_investigator(name, &recipient, admin, today).await {
                Ok(added) => println!(
                    "added investigator {} ({}), key fingerprint {}",
                    added.id,
                    added.name,
                    recipient.fingerprint()
                ),
                Err(StoreError::Duplicate) => bail!("this public key is already registered"),
                Err(e) => return Err(e.into()),
            }
        }
        InvestigatorCommand::List => {
            println!("id\tactive\tadmin\tadded\tfingerprint\tname\trecipient");
            for i in store.investigators().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    i.id,
                    if i.active { "yes" } else { "no" },
                    if i.admin { "yes" } else { "no" },
                    i.added_on,
                    i.recipient.fingerprint(),
                    i.name,
                    i.recipient
                );
            }
        }
        InvestigatorCommand::Disable { id } => match store.disable_investigator(id).await {
            Ok(()) => {
                println!("investigator {id} disabled: new cases are no longer sealed to them")
            }
            Err(StoreError::NotFound) => bail!("there is no investigator {id}"),
            Err(e) => return Err(e.into()),
        },
    }
    Ok(())
}
