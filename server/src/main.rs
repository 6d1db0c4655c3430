//! `kentongan`: the whistleblowing server and the operator's commands.
#![allow(clippy::print_stdout)] // a command-line program: stdout is its output

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use kentongan_crypto::Recipient;
use kentongan_server::config::{self, Config};
use kentongan_server::notify::Notifier;
use kentongan_server::store::{self, Store, StoreError};
use kentongan_server::web::{self, AppState, Settings};
use kentongan_server::workflow::{Due, Stage};
use kentongan_server::{casework, export, team};

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
    /// List cases and move them through the workflow.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum CaseCommand {
    /// List cases: number, stage, age in days and deadline.
    List {
        /// Print a JSON array instead of tab-separated lines.
        #[arg(long)]
        json: bool,
    },
    /// Add a reply written offline with `kentongan-keytool reply` to a case, as a message
    /// from the investigators to the reporter.
    Reply {
        /// The case number.
        id: i64,
        /// The reply file.
        reply: PathBuf,
    },
    /// Move a case to another stage of the workflow, optionally with a message to the
    /// reporter (required for tidak-dapat-ditindaklanjuti and dialihkan).
    Move {
        /// The case number.
        id: i64,
        /// The stage to move to (diterima, pemeriksaan, verifikasi, tindakan-korektif,
        /// selesai, tidak-dapat-ditindaklanjuti, dialihkan).
        #[arg(long)]
        to: String,
        /// A reply file made with `kentongan-keytool reply`: the message to the reporter that
        /// comes with the move.
        #[arg(long, value_name = "REPLY_FILE")]
        reply: Option<PathBuf>,
        /// Who moves it, as recorded in the case's history [default: your login name, or
        /// `operator` if there is none].
        #[arg(long)]
        by: Option<String>,
    },
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
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever the error chain holds (and no backtrace, even with
            // RUST_BACKTRACE set): what the operator needs is the reason.
            let message = format!("{error:#}").replace(['\n', '\r'], " ");
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
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
        Command::Case(command) => case(command, &*store, &config).await,
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

async fn serve(mut config: Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    // E-mail notifications: started before the first request, so no event goes unqueued.
    let _notifier = match config.notify.take() {
        Some(settings) => {
            let to = settings.to.len();
            let notifier =
                Notifier::new(store.clone(), settings, config.deadlines, config.utc_offset)?;
            tracing::info!("notifications by e-mail are on, to {to} address(es)");
            Some(notifier.spawn())
        }
        None => {
            tracing::info!("notifications by e-mail are off (no [notify] in the configuration)");
            None
        }
    };
    let state = AppState::new(
        store.clone(),
        Settings {
            office: config.office,
            secure_cookies: config.secure_cookies,
            utc_offset: config.utc_offset,
            max_concurrent_derivations: config.max_concurrent_derivations,
            max_waiting_derivations: config.max_waiting_derivations,
            login_limits: config.login_limits,
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

/// Today in the office's time zone.
fn office_today(config: &Config) -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(config.utc_offset)
        .date()
}

async fn case(command: CaseCommand, store: &dyn Store, config: &Config) -> anyhow::Result<()> {
    let today = office_today(config);
    match command {
        CaseCommand::List { json } => {
            let rows = casework::list(store, today, &config.deadlines).await?;
            if json {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|case| {
                        serde_json::json!({
                            "id": case.id,
                            "created_on": case.created_on.to_string(),
                            "stage": case.stage.slug(),
                            "age_days": case.age_days,
                            "due": due_json(&case.due),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("id\tstage\tage_days\tdue");
                for case in &rows {
                    println!(
                        "{}\t{}\t{}\t{}",
                        case.id,
                        case.stage,
                        case.age_days,
                        case.due.label()
                    );
                }
            }
        }
        CaseCommand::Reply { id, reply } => {
            let parsed = casework::read_reply(&reply)?;
            casework::import_reply(store, id, &parsed, today).await?;
            println!("reply added to case {id}");
        }
        CaseCommand::Move { id, to, reply, by } => {
            // Everything that needs no database first: the stage, the name, the file.
            let to: Stage = to.parse()?;
            let by = by
                .or_else(login_name)
                .unwrap_or_else(|| "operator".to_owned());
            let by = casework::check_name(&by)?;
            let reply = reply.as_deref().map(casework::read_reply).transpose()?;
            let moved = casework::move_case(store, id, to, by, reply.as_ref(), today).await?;
            let with = if reply.is_some() {
                ", with a message to the reporter"
            } else {
                ""
            };
            println!(
                "case {id} moved from {} to {} (by {by}{with})",
                moved.from, moved.to
            );
        }
    }
    Ok(())
}

/// Who runs the command, as the operating system names them.
fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
}

fn due_json(due: &Due) -> serde_json::Value {
    match due {
        Due::OnTime { due } => serde_json::json!({"state": "on-time", "date": due.to_string()}),
        Due::DueToday { due } => {
            serde_json::json!({"state": "due-today", "date": due.to_string()})
        }
        Due::Overdue {
            due,
            working_days_late,
        } => serde_json::json!({
            "state": "overdue",
            "date": due.to_string(),
            "working_days_late": working_days_late,
        }),
        Due::Met => serde_json::json!({"state": "met"}),
    }
}

async fn investigator(
    command: InvestigatorCommand,
    store: &dyn Store,
    config: &Config,
) -> anyhow::Result<()> {
    let today = office_today(config);
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
