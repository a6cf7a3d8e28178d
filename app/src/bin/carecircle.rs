//! `carecircle`: a small command-line front end on the app core, so the journeys are scriptable.

use std::path::PathBuf;

use anyhow::{Context, bail};
use carecircle_app::ops::appointments::device_zone;
use carecircle_app::{CareCircle, SqliteLocalStore};
use carecircle_shared::CircleId;
use carecircle_shared::time::Zone;
use clap::{Parser, Subcommand};

/// CareCircle from the command line (the same core the app screens use).
#[derive(Debug, Parser)]
#[command(name = "carecircle", version, about)]
struct Cli {
    /// Server address.
    #[arg(
        long,
        env = "CARECIRCLE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// This device's local store (SQLite file).
    #[arg(
        long,
        env = "CARECIRCLE_STORE",
        default_value = "carecircle-device.sqlite3"
    )]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an account and sign this device in (password from CARECIRCLE_PASSWORD).
    Register {
        username: String,
        display_name: String,
    },
    /// Sign this device in (password from CARECIRCLE_PASSWORD).
    SignIn { username: String },
    /// Sync every circle.
    Sync,
    /// Sync status: offline, last synced, changes waiting.
    Status,
    /// List my circles.
    Circles,
    /// Today's and upcoming appointments of a circle (times shown in UTC offset +HH).
    Agenda {
        circle: String,
        /// IANA time zone "today" is in (the device's when left out), e.g. Australia/Perth.
        #[arg(long)]
        zone: Option<String>,
    },
    /// Add a note to a circle (saved here at once; syncs with `sync`).
    AddNote { circle: String, text: String },
    /// Print a circle's appointments as an iCalendar file.
    Ics { circle: String },
}

fn password() -> anyhow::Result<String> {
    std::env::var("CARECIRCLE_PASSWORD").context("set CARECIRCLE_PASSWORD to the password")
}

fn find(core: &CareCircle, key: &str) -> anyhow::Result<CircleId> {
    if let Ok(id) = key.parse::<CircleId>() {
        return Ok(id);
    }
    match core
        .circles()
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(key))
    {
        Some(c) => Ok(c.id),
        None => bail!("no circle named {key} on this device; run `carecircle sync` first"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let store = SqliteLocalStore::open(&cli.store).context("opening the local store")?;
    let mut core = CareCircle::open(Box::new(store), &cli.server).await?;
    match cli.command {
        Command::Register {
            username,
            display_name,
        } => {
            core.register(&username, &password()?, &display_name, "command line")
                .await?;
            println!("signed in as {display_name}");
        }
        Command::SignIn { username } => {
            core.sign_in(&username, &password()?, "command line")
                .await?;
            println!("signed in");
        }
        Command::Sync => {
            let report = core.sync_with_retry(3).await?;
            println!(
                "synced: {} requests, {} documents updated",
                report.requests, report.received
            );
            for (doc, refusal) in report.refused {
                println!("not accepted ({doc}): {}", refusal.message);
            }
        }
        Command::Status => {
            let status = core.status().await?;
            let last = status
                .last_synced_at
                .and_then(|t| t.to_utc())
                .map(|t| t.to_rfc3339())
                .unwrap_or("never".into());
            println!(
                "offline: {}; last synced: {last}; changes waiting: {}",
                status.offline, status.waiting
            );
        }
        Command::Circles => {
            for c in core.circles() {
                println!("{}  {}  ({})", c.id, c.name, c.role.label());
            }
        }
        Command::Agenda { circle, zone } => {
            let id = find(&core, &circle)?;
            let zone = match zone {
                Some(name) => Zone::named(&name).context("not a known time zone")?,
                None => device_zone(),
            };
            let agenda = core.agenda(id, core.now(), zone)?;
            for (label, list) in [("Today", agenda.today), ("Upcoming", agenda.upcoming)] {
                println!("{label}:");
                for a in list {
                    let checked = if a.is_double_checked() {
                        "double-checked"
                    } else {
                        "not double-checked"
                    };
                    println!(
                        "  {}  {}  at {}  ({checked})",
                        a.start, a.purpose, a.place.name
                    );
                }
            }
        }
        Command::AddNote { circle, text } => {
            let id = find(&core, &circle)?;
            core.add_note(id, &text, None).await?;
            println!("saved on this device");
        }
        Command::Ics { circle } => {
            let id = find(&core, &circle)?;
            print!("{}", core.appointments_ics(id)?);
        }
    }
    Ok(())
}
