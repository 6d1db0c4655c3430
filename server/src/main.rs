//! `kentongan`: the whistleblowing server and the operator's commands.
#![allow(clippy::print_stdout)] // a command-line program: stdout is its output

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use kentongan_crypto::Recipient;
use kentongan_server::audit::{self, Action, AuditEvent};
use kentongan_server::config::{self, Config};
use kentongan_server::notify::Notifier;
use kentongan_server::onion::{self, ServiceTarget};
use kentongan_server::serve::ListenAddress;
use kentongan_server::store::CaseRow;
use kentongan_server::store::{self, Store, StoreError};
use kentongan_server::web::{self, AppState, Settings};
use kentongan_server::workflow::{Due, Stage};
use kentongan_server::{backup, casework, export, team};

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
    /// Configuration file (TOML). Default: kentongan.toml in the working directory, else
    /// /etc/kentongan/kentongan.toml (where the Debian package puts it), if present.
    #[arg(long, global = true, env = "KENTONGAN_CONFIG")]
    config: Option<PathBuf>,
    /// Database: sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://data/kentongan.sqlite3]
    #[arg(long, global = true, env = "KENTONGAN_DATABASE_URL")]
    database_url: Option<String>,
    /// Who runs the command, as recorded in the audit log (`operator:NAME`) and in a case's
    /// history [default: your login name, or `operator` if there is none].
    #[arg(long, global = true)]
    by: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve {
        /// Address to listen on, or unix:PATH for a unix socket [default: 127.0.0.1:8080]
        #[arg(long, env = "KENTONGAN_LISTEN")]
        listen: Option<String>,
        /// Serve HTTPS with this certificate chain (PEM), re-read when it changes; overrides
        /// `[tls] cert`.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM); overrides `[tls] key`.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        /// Change nothing: print each migration, whether and when it was applied, and where
        /// the database stands. Exit 0 when it is up to date, 1 when migrations are pending,
        /// one failed, or the database is newer than this kentongan.
        #[arg(long)]
        status: bool,
    },
    /// Check what an operator must fix: configuration, database and migrations, investigators
    /// and admins, the SMTP server, disk space, the clock. One line a check (`ok`, `warn`,
    /// `FIX`); exit 1 if any line says FIX. Changes nothing.
    Doctor,
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
    /// List cases, add replies, notes and grants, and move cases through the workflow.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Check and read the audit log of investigators' and operators' actions.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent snapshot of the database to a new file, while the server runs and
    /// takes reports. SQLite: an SQLite file (VACUUM INTO). PostgreSQL: a pg_dump archive
    /// (custom format; pg_dump must be at least the server's version). Attachments are in the
    /// database, so they are in the backup; like the database, it holds only ciphertext and
    /// public metadata.
    Backup {
        /// The backup file to create; it must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fill an empty database from a backup made by `kentongan backup` of the same kind of
    /// database, then bring its schema up to date. Refuses a database that holds cases or
    /// investigators unless --force. Stop the server first.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace everything in a database that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum CaseCommand {
    /// List cases: number, stage, age in days, deadline, assignee and category. Counts per
    /// stage and paging go to standard error.
    List {
        /// Print a JSON array instead of tab-separated lines.
        #[arg(long)]
        json: bool,
        /// Only cases in this stage.
        #[arg(long)]
        stage: Option<String>,
        /// Only cases assigned to this investigator id, or to nobody with `none`.
        #[arg(long, value_name = "INVESTIGATOR_ID|none")]
        assignee: Option<String>,
        /// Only cases of this category (a slug of `[cases] categories`), or unclassified
        /// ones with `none`.
        #[arg(long, value_name = "CATEGORY|none")]
        category: Option<String>,
        /// Only open cases past their deadline.
        #[arg(long, conflicts_with = "due_within")]
        overdue: bool,
        /// Only open cases due today or within this many working days.
        #[arg(long, value_name = "WORKING_DAYS")]
        due_within: Option<u32>,
        /// newest, oldest, activity (latest item or move first) or due [default: oldest]
        #[arg(long)]
        sort: Option<String>,
        /// Which page, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Cases per page, at most 200.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Assign a case to an investigator, or to nobody.
    Assign {
        /// The case number.
        id: i64,
        /// An investigator id (see `kentongan investigator list`), or `none`.
        #[arg(long, value_name = "INVESTIGATOR_ID|none")]
        to: String,
    },
    /// Classify a case with one of the office's categories (`[cases] categories`), or clear
    /// it with `none`.
    Classify {
        /// The case number.
        id: i64,
        #[arg(value_name = "CATEGORY|none")]
        category: String,
    },
    /// Add a reply written offline with `kentongan-keytool reply` to a case, as a message
    /// from the investigators to the reporter.
    Reply {
        /// The case number.
        id: i64,
        /// The reply file.
        reply: PathBuf,
    },
    /// Add an internal note written offline with `kentongan-keytool note` to a case
    /// (investigators only; the reporter never sees it).
    Note {
        /// The case number.
        id: i64,
        /// The note file.
        note: PathBuf,
    },
    /// Give a registered investigator access to a case, from a grant file made with
    /// `kentongan-keytool grant` by someone who can already open it.
    Grant {
        /// The case number.
        id: i64,
        /// The grant file.
        grant: PathBuf,
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
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 and print the entry count and head hash if every entry is
    /// there, unedited and in order; exit 1 naming the first bad entry otherwise.
    ///
    /// The chain cannot show entries cut off its end, nor a chain rebuilt by someone who can
    /// write the database. Record the printed head somewhere else (on paper, in the office's
    /// files) and pass it later as --anchor to catch both.
    Verify {
        /// A head recorded earlier, as COUNT:HASH (e.g. 42:9f86d0…): that entry must still be
        /// there with that hash.
        #[arg(long, value_name = "COUNT:HASH")]
        anchor: Option<String>,
    },
    /// List every entry, oldest first.
    List {
        /// Print a JSON array (with each entry's hashes) instead of tab-separated lines.
        #[arg(long)]
        json: bool,
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
    /// Give an investigator the admin role (`--admin`) or take it away (`--no-admin`). At
    /// least one active admin always remains.
    Role {
        id: i64,
        /// Make them an admin.
        #[arg(
            long,
            conflicts_with = "no_admin",
            required_unless_present = "no_admin"
        )]
        admin: bool,
        /// Make them an investigator without the admin role.
        #[arg(long)]
        no_admin: bool,
    },
    /// Remove an investigator's second factor (TOTP), for a lost phone: they log in with
    /// their key alone, or enrol again if the team requires it.
    TotpReset { id: i64 },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration file.
    Example,
    /// Print the torrc lines that make this server a Tor onion service, forwarding to the
    /// configured listen address (or to --socket or --port).
    Torrc {
        /// The server's unix socket (as in listen = "unix:PATH").
        #[arg(long, conflicts_with = "port")]
        socket: Option<PathBuf>,
        /// The server's port on loopback.
        #[arg(long)]
        port: Option<u16>,
    },
}

/// A command that has printed why it failed, and only has to exit with status 1.
#[derive(Debug, thiserror::Error)]
#[error("the command failed; see its output")]
struct AlreadyReported;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<AlreadyReported>() => ExitCode::FAILURE,
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
        Some(Command::Serve { listen, .. }) => listen.clone(),
        _ => None,
    };
    if let Some(Command::Config(ConfigCommand::Example)) = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let mut config = Config::load(
        cli.global.config.as_deref(),
        listen,
        cli.global.database_url,
    )?;
    config.database_url.refuse_root_in_others_folder()?;
    if let Some(Command::Serve {
        tls_cert: Some(cert),
        tls_key: Some(key),
        ..
    }) = &cli.command
    {
        config.tls.cert = Some(cert.clone());
        config.tls.key = Some(key.clone());
    }
    // Backup and restore open the database their own way (restore must find it as it is);
    // the status and the doctor read it without migrating.
    match &cli.command {
        Some(Command::Migrate { status: true }) => {
            return migrate_status(&config).await;
        }
        Some(Command::Doctor) => {
            let file = config::file_to_read(cli.global.config.as_deref());
            let checks = kentongan_server::doctor::checks(&config, file.as_deref()).await;
            for check in &checks {
                println!("{check}");
            }
            if checks
                .iter()
                .any(|check| check.level == kentongan_server::doctor::Level::Fix)
            {
                return Err(AlreadyReported.into());
            }
            return Ok(());
        }
        Some(Command::Backup { out }) => {
            // A newer Kentongan's database is refused here too: restoring this backup would
            // need that newer version anyway.
            refuse_newer(&config).await?;
            let contents = backup::backup(&config.database_url.0, out)
                .await
                .with_context(|| format!("cannot back up {}", config.database_url))?;
            let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or_default();
            match contents {
                Some(contents) => println!(
                    "backup written to {} ({size} bytes): {contents}",
                    out.display()
                ),
                None => println!("backup written to {} ({size} bytes)", out.display()),
            }
            return Ok(());
        }
        Some(Command::Config(ConfigCommand::Torrc { socket, port })) => {
            let target = match (socket, port) {
                (Some(path), _) => ServiceTarget::Socket(path.clone()),
                (None, Some(port)) => ServiceTarget::port(*port),
                (None, None) => ServiceTarget::from_listen(&listen_address(&config)?)?,
            };
            print!("{}", onion::torrc(&target)?);
            return Ok(());
        }
        Some(Command::Restore { file, force }) => {
            let contents = backup::restore(&config.database_url.0, file, *force)
                .await
                .with_context(|| format!("cannot restore into {}", config.database_url))?;
            println!(
                "restored {} into {}: {contents}",
                file.display(),
                config.database_url
            );
            return Ok(());
        }
        _ => {}
    }
    let store = store::open(&config.database_url.0)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url))?;

    match cli.command.unwrap_or(Command::Serve {
        listen: None,
        tls_cert: None,
        tls_key: None,
    }) {
        Command::Serve { .. } => serve(config, store).await,
        Command::Migrate { .. } => {
            println!("database is up to date: {}", config.database_url);
            Ok(())
        }
        Command::Investigator(command) => {
            investigator(command, &*store, &config, &by(cli.global.by)?).await
        }
        Command::Case(command) => case(command, &*store, &config, cli.global.by).await,
        Command::Audit(command) => audit_command(command, &*store).await,
        Command::Export { case, all, out } => {
            let actor = audit::operator(&by(cli.global.by)?);
            if all {
                let n = export::export_all(&*store, &out, &actor).await?;
                println!("exported {n} case(s) to {}", out.display());
            } else if let Some(id) = case {
                export::export_case(&*store, id, &out, &actor).await?;
                println!("exported case {id} to {}", out.display());
            }
            Ok(())
        }
        Command::Config(_) | Command::Doctor | Command::Backup { .. } | Command::Restore { .. } => {
            Ok(())
        }
    }
}

/// `kentongan migrate --status`: every migration and where the database stands; exit 1
/// unless it is up to date.
async fn migrate_status(config: &Config) -> anyhow::Result<()> {
    let status = store::schema::status(&config.database_url.0)
        .await
        .with_context(|| format!("cannot read the database {}", config.database_url))?;
    println!("database {}", config.database_url);
    if !status.exists {
        println!("(it does not exist yet: `kentongan migrate` creates it)");
    }
    println!("version\tname\tapplied");
    for migration in &status.migrations {
        let applied = match (&migration.applied_on, migration.succeeded) {
            (Some(on), true) => on.clone(),
            (Some(on), false) => format!("FAILED {on}"),
            (None, _) => "pending".to_owned(),
        };
        println!("{}\t{}\t{applied}", migration.version, migration.name);
    }
    for version in &status.unknown {
        println!("{version}\t?\tapplied, unknown to this kentongan");
    }
    let verdict = status.verdict();
    println!("{verdict}");
    match verdict {
        store::schema::Verdict::UpToDate { .. } => Ok(()),
        _ => Err(AlreadyReported.into()),
    }
}

/// Fails with the plain message if the database was written by a newer Kentongan.
async fn refuse_newer(config: &Config) -> anyhow::Result<()> {
    let status = store::schema::status(&config.database_url.0)
        .await
        .with_context(|| format!("cannot read the database {}", config.database_url))?;
    if let store::schema::Verdict::Newer { database, known } = status.verdict() {
        bail!("{}", store::schema::newer_message(database, known));
    }
    Ok(())
}

async fn serve(mut config: Config, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let listen = listen_address(&config)?;
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
            deadlines: config.deadlines,
            categories: config.categories.clone(),
            attachments: config.attachments,
            onion_address: config.onion_address.clone(),
        },
    );
    let _sweeper = kentongan_server::uploads::sweep_daily(store.clone(), config.utc_offset);
    let team = team::TeamCache::new(store).get().await?;
    if team.members.is_empty() {
        tracing::warn!(
            "no investigator is registered: the report form refuses reports until one is \
             (kentongan investigator add --name NAME --recipient age1…)"
        );
    }
    let app = web::router(state);
    let stop = kentongan_server::serve::stop_signal();
    if let ListenAddress::Unix(path) = listen {
        if config.tls.is_on() {
            bail!("[tls] needs a TCP listen address: a unix socket is for an onion service");
        }
        let (listener, _socket_file) = kentongan_server::serve::bind_unix(&path)
            .with_context(|| format!("cannot listen on the unix socket {}", path.display()))?;
        tracing::info!(
            "Kentongan listening on the unix socket {} with database {}",
            path.display(),
            config.database_url
        );
        kentongan_server::serve::serve(listener, app, config.connections, None, stop).await;
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // After the bind: an ACME CA checks the name by connecting to this listener.
    let https = if config.tls.is_on() {
        Some(config.tls.start(&config.database_url.0)?)
    } else {
        None
    };
    tracing::info!(
        "Kentongan listening on {}://{} with database {}",
        if https.is_some() { "https" } else { "http" },
        config.listen,
        config.database_url
    );
    let _redirect = match (&https, &config.tls.redirect_http) {
        (Some(_), Some(address)) => {
            let https_port = listener.local_addr()?.port();
            let redirect = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address} (redirect_http)"))?;
            tracing::info!("redirecting plain HTTP on {address} to HTTPS");
            Some(tokio::spawn(kentongan_server::serve::serve(
                redirect,
                kentongan_server::tls::redirect::router(https_port),
                config.connections,
                None,
                kentongan_server::serve::stop_signal(),
            )))
        }
        (None, Some(_)) => bail!("[tls] redirect_http needs HTTPS: cert and key, or acme_domains"),
        _ => None,
    };
    kentongan_server::serve::serve(
        listener,
        app,
        config.connections,
        https.as_ref().map(|https| https.acceptor.clone()),
        stop,
    )
    .await;
    Ok(())
}

fn listen_address(config: &Config) -> anyhow::Result<ListenAddress> {
    ListenAddress::parse(&config.listen).map_err(anyhow::Error::msg)
}

/// Today in the office's time zone.
fn office_today(config: &Config) -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(config.utc_offset)
        .date()
}

async fn case(
    command: CaseCommand,
    store: &dyn Store,
    config: &Config,
    by: Option<String>,
) -> anyhow::Result<()> {
    let today = office_today(config);
    match command {
        CaseCommand::List {
            json,
            stage,
            assignee,
            category,
            overdue,
            due_within,
            sort,
            page,
            limit,
        } => {
            let args = casework::ListArgs {
                stage,
                assignee,
                category,
                overdue,
                due_within,
                sort,
                page,
                limit,
            };
            let query = casework::case_query(&args, &config.categories, today, &config.deadlines)?;
            let list = casework::list(store, &query).await?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .rows
                    .iter()
                    .map(|case| case_json(case, today, config))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("id\tstage\tage_days\tdue\tassignee\tcategory\tlast_activity");
                for case in &list.rows {
                    let assignee = case.assignee.as_ref().map_or("-".to_owned(), |who| {
                        let name: String = who
                            .name
                            .chars()
                            .map(|c| if c.is_control() { ' ' } else { c })
                            .collect();
                        format!("{} {name}", who.id)
                    });
                    println!(
                        "{}\t{}\t{}\t{}\t{assignee}\t{}\t{}",
                        case.id,
                        case.stage,
                        (today - case.created_on).whole_days(),
                        case.due(today, &config.deadlines).label(),
                        case.classification.as_deref().unwrap_or("-"),
                        case.last_activity_on,
                    );
                }
            }
            // The summary goes to standard error, so standard output stays one case a line.
            let counts: Vec<String> = list
                .counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(stage, n)| format!("{stage} {n}"))
                .collect();
            let first = u64::from(query.offset) + 1;
            let last = u64::from(query.offset) + list.rows.len() as u64;
            eprintln!(
                "{} of {} case(s) (page {page}); by stage: {}",
                if list.rows.is_empty() {
                    "none".to_owned()
                } else {
                    format!("{first}-{last}")
                },
                list.total,
                if counts.is_empty() {
                    "-".to_owned()
                } else {
                    counts.join(", ")
                }
            );
            if last < list.total {
                eprintln!("more: --page {}", page.saturating_add(1));
            }
        }
        CaseCommand::Assign { id, to } => {
            let actor = audit::operator(&self::by(by)?);
            let to = casework::investigator_or_none("--to", &to)?;
            casework::assign(store, id, to, &actor).await?;
            match to {
                Some(investigator) => println!("case {id} assigned to investigator {investigator}"),
                None => println!("case {id} assigned to nobody"),
            }
        }
        CaseCommand::Classify { id, category } => {
            let actor = audit::operator(&self::by(by)?);
            match casework::classify(store, &config.categories, id, &category, &actor).await? {
                Some(category) => println!(
                    "case {id} classified as {} ({})",
                    category.slug, category.label
                ),
                None => println!("case {id} is no longer classified"),
            }
        }
        CaseCommand::Reply { id, reply } => {
            let actor = audit::operator(&self::by(by)?);
            let parsed = casework::read_reply(&reply)?;
            casework::import_reply(store, id, &parsed, today, &actor).await?;
            println!("reply added to case {id}");
        }
        CaseCommand::Note { id, note } => {
            let actor = audit::operator(&self::by(by)?);
            let parsed = casework::read_note(&note)?;
            casework::import_note(store, id, &parsed, today, &actor).await?;
            println!("internal note added to case {id} (investigators only)");
        }
        CaseCommand::Grant { id, grant } => {
            let actor = audit::operator(&self::by(by)?);
            let parsed = casework::read_grant(&grant)?;
            let investigator = casework::import_grant(store, id, &parsed, &actor).await?;
            println!(
                "investigator {investigator} (key fingerprint {}) can now open case {id}",
                parsed.investigator.fingerprint()
            );
        }
        CaseCommand::Move { id, to, reply } => {
            // Everything that needs no database first: the stage, the name, the file.
            let to: Stage = to.parse()?;
            let by = self::by(by)?;
            let actor = audit::operator(&by);
            let reply = reply.as_deref().map(casework::read_reply).transpose()?;
            let moved =
                casework::move_case(store, id, to, &by, reply.as_ref(), today, &actor).await?;
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

/// Who runs the command: `--by`, else the login name, else `operator`; checked like a name
/// recorded in a case's history.
fn by(given: Option<String>) -> anyhow::Result<String> {
    let by = given
        .or_else(login_name)
        .unwrap_or_else(|| "operator".to_owned());
    Ok(casework::check_name(&by)?.to_owned())
}

/// Who runs the command, as the operating system names them.
fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
}

fn case_json(case: &CaseRow, today: time::Date, config: &Config) -> serde_json::Value {
    serde_json::json!({
        "id": case.id,
        "created_on": case.created_on.to_string(),
        "stage": case.stage.slug(),
        "age_days": (today - case.created_on).whole_days(),
        "due": due_json(&case.due(today, &config.deadlines)),
        "acknowledged_on": case.acknowledged_on.map(|day| day.to_string()),
        "last_activity_on": case.last_activity_on.to_string(),
        "assignee": case.assignee.as_ref().map(|who| serde_json::json!({
            "id": who.id,
            "name": who.name,
            "active": who.active,
        })),
        "classification": case.classification.as_ref().map(|slug| serde_json::json!({
            "slug": slug,
            "label": config.categories.label(slug),
        })),
    })
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
    by: &str,
) -> anyhow::Result<()> {
    let today = office_today(config);
    let actor = audit::operator(by);
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
            let audit = AuditEvent::new(actor, Action::InvestigatorAdd)
                .detail("name", name)
                .detail("recipient", recipient.to_string())
                .detail("admin", admin);
            match store
                .add_investigator(name, &recipient, admin, today, &audit)
                .await
            {
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
            println!("id\tactive\tadmin\ttotp\tadded\tfingerprint\tname\trecipient");
            for i in store.investigators().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    i.id,
                    if i.active { "yes" } else { "no" },
                    if i.admin { "yes" } else { "no" },
                    if i.totp { "yes" } else { "no" },
                    i.added_on,
                    i.recipient.fingerprint(),
                    i.name,
                    i.recipient
                );
            }
        }
        InvestigatorCommand::Disable { id } => {
            let audit =
                AuditEvent::new(actor, Action::InvestigatorDisable).detail("investigator", id);
            match store.disable_investigator(id, &audit).await {
                Ok(()) => {
                    println!("investigator {id} disabled: new cases are no longer sealed to them")
                }
                Err(StoreError::NotFound) => bail!("there is no investigator {id}"),
                Err(e) => return Err(e.into()),
            }
        }
        InvestigatorCommand::Role { id, admin, .. } => {
            let audit = AuditEvent::new(actor, Action::InvestigatorRole)
                .detail("investigator", id)
                .detail("admin", admin);
            match store.set_admin(id, admin, &audit).await {
                Ok(()) if admin => println!("investigator {id} is now an admin"),
                Ok(()) => println!("investigator {id} is no longer an admin"),
                Err(StoreError::NotFound) => bail!("there is no investigator {id}"),
                Err(StoreError::LastAdmin) => bail!(
                    "investigator {id} is the last active admin: make someone else admin first"
                ),
                Err(e) => return Err(e.into()),
            }
        }
        InvestigatorCommand::TotpReset { id } => {
            let audit = AuditEvent::new(actor, Action::TotpReset).detail("investigator", id);
            match store.disable_totp(id, &audit).await {
                Ok(()) => println!(
                    "investigator {id} has no second factor now (their open sessions end \
                     at the server's next restart or within a working day)"
                ),
                Err(StoreError::NotFound) => bail!("there is no investigator {id}"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

async fn audit_command(command: AuditCommand, store: &dyn Store) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { anchor } => {
            // The anchor is checked before the database is read: a typo is not a broken log.
            let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
            let entries = store
                .audit_log()
                .await
                .context("cannot read the audit log")?;
            match audit::verify_anchored(&entries, anchor) {
                Ok(intact) => println!(
                    "audit log intact: {} entries, head {}",
                    intact.count,
                    hex::encode(intact.head)
                ),
                Err(broken) => bail!("audit log broken: {broken}"),
            }
        }
        AuditCommand::List { json } => {
            let entries = store
                .audit_log()
                .await
                .context("cannot read the audit log")?;
            if json {
                let list: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|entry| {
                        serde_json::json!({
                            "seq": entry.seq,
                            "at": entry.at.format(&time::format_description::well_known::Rfc3339).ok(),
                            "actor": entry.actor,
                            "action": entry.action,
                            "case": entry.case,
                            // As stored; shown as a string if it is not JSON (it was edited).
                            "detail": serde_json::from_str::<serde_json::Value>(&entry.detail)
                                .unwrap_or_else(|_| entry.detail.clone().into()),
                            "prev_hash": hex::encode(entry.prev_hash),
                            "hash": hex::encode(entry.hash),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("seq\tat\tactor\taction\tcase\tdetail");
                for entry in &entries {
                    let at = entry
                        .at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    let case = entry.case.map_or("-".to_owned(), |id| id.to_string());
                    println!(
                        "{}\t{at}\t{}\t{}\t{case}\t{}",
                        entry.seq,
                        one_line(&entry.actor),
                        one_line(&entry.action),
                        one_line(&entry.detail)
                    );
                }
            }
        }
    }
    Ok(())
}

/// `COUNT:HASH`, as `audit verify` prints them.
fn parse_anchor(text: &str) -> anyhow::Result<(i64, [u8; 32])> {
    let parsed = text.split_once(':').and_then(|(count, hash)| {
        let count: i64 = count.trim().parse().ok().filter(|n| *n > 0)?;
        let hash: [u8; 32] = hex::decode(hash.trim()).ok()?.try_into().ok()?;
        Some((count, hash))
    });
    parsed.with_context(|| {
        format!(
            "--anchor must be COUNT:HASH as `kentongan audit verify` printed them \
             (a number, a colon, 64 hex digits), not {:?}",
            text.chars().take(80).collect::<String>()
        )
    })
}

/// Control characters (a tab or newline in a name) shown escaped, so one entry is one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
