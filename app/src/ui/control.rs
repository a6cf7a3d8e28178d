//! The one place screens' requests meet the core: an [`Action`] queue worked by a single task
//! that owns the [`CareCircle`], syncs in the background and republishes the [`Snapshot`].

use std::fmt;

use carecircle_shared::automerge::ScalarValue;
use carecircle_shared::schema::{
    Appointment, Goal, Organisation, PastReview, Plan, Referral, TeamMember,
};
use carecircle_shared::wire::{InviteInfo, LiveEvent};
use carecircle_shared::{
    Access, CircleId, DocKind, DocumentId, ItemId, MemberId, Relationship, Role,
};
use dioxus::prelude::*;
use futures::{FutureExt, StreamExt};

use crate::client::LiveEvents;
use crate::core::CareCircle;
use crate::engine::{Members, SyncAnswer, SyncReport, SyncRun};
use crate::error::AppError;
use crate::error::AppResult;
use crate::ops::plan::PlanItem;
use crate::ui::model::{Notice, Phase, Screen, Snapshot};
use crate::ui::platform;

/// How often the app syncs on its own while signed in and up to date, without live updates.
pub const SYNC_EVERY_MS: u64 = 15_000;
/// How often it syncs on its own while live updates tell it of every change (a safety net).
pub const SYNC_EVERY_LIVE_MS: u64 = 60_000;
/// How often it tries while offline or with changes waiting (browsers do not always say when
/// the network comes back).
pub const RETRY_EVERY_MS: u64 = 4_000;
/// Access log entries fetched per page.
pub const ACCESS_LOG_PAGE: usize = 100;

/// A change to a plan section the screens can make.
pub type PlanEdit = Box<dyn FnOnce(&mut Plan)>;
/// A change to a section of the team document (service contact, supports).
pub type TeamEdit = Box<dyn FnOnce(&mut carecircle_shared::schema::Team)>;

/// An item as a form opened it and as the person saved it: only the fields they changed are
/// written, onto the item as it is when the save runs (see `carecircle_shared::fields`).
#[derive(Debug, Clone, PartialEq)]
pub struct Edited<T> {
    /// The item when the form opened (for a new item, what the form started from).
    pub opened: T,
    /// The item as saved.
    pub saved: T,
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> Edited<T> {
    /// Writes the fields the person changed into `current`.
    fn apply(&self, current: &mut T, units: carecircle_shared::fields::Units) {
        if let Ok(merged) =
            carecircle_shared::fields::apply_changed(current, &self.opened, &self.saved, units)
        {
            *current = merged;
        }
    }
}

/// The plan's lists whose items can be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanList {
    /// Goals.
    Goals,
    /// Past reviews.
    Reviews,
    /// Referrals.
    Referrals,
}

/// Saves a plan list item from its form: a new one is added; for one already there, only the
/// fields the person changed are written.
async fn save_in_plan<T>(core: &mut CareCircle, circle: CircleId, e: Edited<T>) -> AppResult<()>
where
    T: PlanItem + Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    let saved = e.saved.clone();
    core.save_plan_item(circle, saved, move |x| e.apply(x, &[]))
        .await
        .map(|_| ())
}

/// Something a screen asks for.
pub enum Action {
    /// Use another server (start screen).
    SetServer(String),
    /// Sign in.
    SignIn { username: String, password: String },
    /// Create an account and sign in.
    Register {
        username: String,
        password: String,
        display_name: String,
    },
    /// Join a circle with an invite code.
    Join {
        code: String,
        relationship: Option<Relationship>,
    },
    /// Start a circle.
    CreateCircle { name: String, role: Role },
    /// Show another circle.
    SelectCircle(CircleId),
    /// Show what an address names (Back, Forward, a link).
    Open(crate::ui::route::Route),
    /// Sync now.
    Sync,
    /// Add or (when the id exists) update an appointment.
    SaveAppointment(Box<Edited<Appointment>>),
    /// Cancel an appointment.
    CancelAppointment(ItemId),
    /// Move an appointment (new start, new end; RFC 3339).
    Reschedule {
        id: ItemId,
        start: String,
        end: String,
    },
    /// Record that I double-checked an appointment.
    DoubleCheck(ItemId),
    /// Written details requested / received.
    WrittenDetails {
        id: ItemId,
        requested: bool,
        received: bool,
    },
    /// Add or update a care team member.
    SaveTeamMember(Box<Edited<TeamMember>>),
    /// Remove a care team member.
    RemoveTeamMember(ItemId),
    /// Add or update an organisation.
    SaveOrganisation(Box<Edited<Organisation>>),
    /// Remove an organisation.
    RemoveOrganisation(ItemId),
    /// Add a question (for an appointment and/or a person).
    AddQuestion {
        text: String,
        appointment: Option<ItemId>,
        person: Option<ItemId>,
    },
    /// Mark a question asked.
    MarkAsked(ItemId),
    /// Record an answer.
    Answer { id: ItemId, answer: String },
    /// Close a question.
    CloseQuestion(ItemId),
    /// Add a note (optionally about an appointment).
    AddNote {
        text: String,
        appointment: Option<ItemId>,
    },
    /// Edit my own note.
    EditNote { id: ItemId, text: String },
    /// Keep a piece of information about the condition or the journey.
    AddInformation(Box<carecircle_shared::schema::Information>),
    /// Remove information I kept.
    RemoveInformation(ItemId),
    /// Change a plan section.
    EditPlan { what: &'static str, edit: PlanEdit },
    /// Change a section of the team document.
    EditTeam { what: &'static str, edit: TeamEdit },
    /// Add or update a goal.
    SaveGoal(Box<Edited<Goal>>),
    /// Record or change a past review.
    SaveReview(Box<Edited<PastReview>>),
    /// Add or change a referral.
    SaveReferral(Box<Edited<Referral>>),
    /// Remove a goal, a past review or a referral from the plan.
    RemoveFromPlan(PlanList, ItemId),
    /// Set the next review date (`YYYY-MM-DD`, or empty to clear).
    SetReviewDate(String),
    /// Keep one of a conflict's values.
    ResolveConflict {
        kind: DocKind,
        path: Vec<String>,
        value: ScalarValue,
    },
    /// I have read the feed.
    MarkSeen,
    /// Fetch members (names, roles, access).
    LoadMembers,
    /// Fetch the access log: the newest page, or (`earlier`) the page before the oldest shown.
    LoadAccessLog {
        /// Page back towards the beginning.
        earlier: bool,
    },
    /// Create an invite; `tap` identifies the press, so a second press of the same one
    /// creates nothing.
    Invite {
        /// The role they will join as.
        role: Role,
        /// One id per press of "Create an invite code" (renewed by "Make another code").
        tap: ItemId,
    },
    /// Fetch the outstanding invites.
    LoadInvites,
    /// Cancel an outstanding invite.
    CancelInvite(Box<InviteInfo>),
    /// Change a member's access to one document.
    SetAccess {
        member: MemberId,
        kind: DocKind,
        access: Access,
    },
    /// Remove a member.
    Revoke(MemberId),
    /// Leave the circle.
    Leave,
    /// Another tab saved something: take it in from the shared store.
    Reload,
    /// The person has read a refusal's message.
    SeenRefused(i64),
    /// Delete a kept copy.
    DeleteKept(i64),
    /// Add a kept copy's notes or questions again on the shared copy.
    AddAgain(i64),
    /// Forget a message.
    DismissNotice(usize),
    /// Download the appointments as ICS.
    DownloadIcs,
    /// Count what signing out would lose.
    CheckSignOut,
    /// Sign out (`discard`: even if changes are waiting).
    SignOut { discard: bool },
}

impl fmt::Debug for Action {
    // Names only: actions carry health data, which must not reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Action::SetServer(_) => "SetServer",
            Action::SignIn { .. } => "SignIn",
            Action::Register { .. } => "Register",
            Action::Join { .. } => "Join",
            Action::CreateCircle { .. } => "CreateCircle",
            Action::SelectCircle(_) => "SelectCircle",
            Action::Open(_) => "Open",
            Action::Sync => "Sync",
            Action::SaveAppointment(_) => "SaveAppointment",
            Action::CancelAppointment(_) => "CancelAppointment",
            Action::Reschedule { .. } => "Reschedule",
            Action::DoubleCheck(_) => "DoubleCheck",
            Action::WrittenDetails { .. } => "WrittenDetails",
            Action::SaveTeamMember(_) => "SaveTeamMember",
            Action::RemoveTeamMember(_) => "RemoveTeamMember",
            Action::SaveOrganisation(_) => "SaveOrganisation",
            Action::RemoveOrganisation(_) => "RemoveOrganisation",
            Action::AddQuestion { .. } => "AddQuestion",
            Action::MarkAsked(_) => "MarkAsked",
            Action::Answer { .. } => "Answer",
            Action::CloseQuestion(_) => "CloseQuestion",
            Action::AddNote { .. } => "AddNote",
            Action::EditNote { .. } => "EditNote",
            Action::AddInformation(_) => "AddInformation",
            Action::RemoveInformation(_) => "RemoveInformation",
            Action::EditPlan { .. } => "EditPlan",
            Action::EditTeam { .. } => "EditTeam",
            Action::SaveGoal(_) => "SaveGoal",
            Action::SaveReview(_) => "SaveReview",
            Action::SaveReferral(_) => "SaveReferral",
            Action::RemoveFromPlan(..) => "RemoveFromPlan",
            Action::SetReviewDate(_) => "SetReviewDate",
            Action::ResolveConflict { .. } => "ResolveConflict",
            Action::MarkSeen => "MarkSeen",
            Action::LoadMembers => "LoadMembers",
            Action::LoadAccessLog { .. } => "LoadAccessLog",
            Action::Invite { .. } => "Invite",
            Action::LoadInvites => "LoadInvites",
            Action::CancelInvite(_) => "CancelInvite",
            Action::SetAccess { .. } => "SetAccess",
            Action::Revoke(_) => "Revoke",
            Action::Leave => "Leave",
            Action::Reload => "Reload",
            Action::SeenRefused(_) => "SeenRefused",
            Action::DeleteKept(_) => "DeleteKept",
            Action::AddAgain(_) => "AddAgain",
            Action::DismissNotice(_) => "DismissNotice",
            Action::DownloadIcs => "DownloadIcs",
            Action::CheckSignOut => "CheckSignOut",
            Action::SignOut { .. } => "SignOut",
        };
        f.write_str(name)
    }
}

/// What an action changed beyond the documents.
enum Outcome {
    /// Nothing to sync.
    Done,
    /// Sync now (a local edit, signed in, joined, reset...).
    SyncNow,
}

/// A request on its way: a sync run's next step, or a list a screen asked for.
type Pending<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

/// A sync run whose current request is on its way.
struct InFlight {
    run: SyncRun,
    answer: Pending<Result<SyncAnswer, AppError>>,
    /// Something changed after the run began: run again when it ends.
    again: bool,
}

/// A list fetched for a screen, applied to the snapshot when it arrives.
type Fetched = Pending<Box<dyn FnOnce(&mut Snapshot)>>;

/// Fetches a list in the background; `put` shows it once it arrives (a failure leaves what
/// is shown: the status line already says when the server cannot be reached).
fn fetch<T: 'static>(
    fetches: &futures::stream::FuturesUnordered<Fetched>,
    request: impl Future<Output = Result<T, AppError>> + 'static,
    put: impl FnOnce(&mut Snapshot, T) + 'static,
) {
    fetches.push(Box::pin(async move {
        let result = request.await;
        Box::new(move |s: &mut Snapshot| {
            if let Ok(v) = result {
                put(s, v);
            }
        }) as Box<dyn FnOnce(&mut Snapshot)>
    }));
}

/// What woke the loop.
enum Event {
    Action(Option<Action>),
    Answer(Result<SyncAnswer, AppError>),
    Fetched(Box<dyn FnOnce(&mut Snapshot)>),
    /// The live-update stream opened (or could not).
    Opened(AppResult<LiveEvents>),
    /// A live update, or `None`: the stream ended.
    Live(Option<LiveEvent>),
    Tick,
}

/// The live-update stream: open, being opened, or down until the next tick.
enum Live {
    Down,
    Opening(Pending<AppResult<LiveEvents>>),
    Open(LiveEvents),
    /// Opening failed (offline, refused): tried again at the next tick, so polling carries on.
    Failed,
}

/// Works the action queue for the app's lifetime. Syncing runs beside it: a sync's requests
/// are awaited here together with the queue, so an edit is saved (and shown as waiting) at
/// once even while a request hangs on a stalled network.
pub async fn run(
    mut rx: UnboundedReceiver<Action>,
    mut snapshot: Signal<Snapshot>,
    mut screen: Signal<Screen>,
    start: Option<CircleId>,
) {
    let mut core = match platform::open_core().await {
        Ok(core) => core,
        Err(e) => {
            snapshot.write().error =
                Some(format!("This device's storage could not be opened ({e})."));
            return;
        }
    };
    if let Err(e) = platform::claim_actor(&mut core).await {
        snapshot.write().error = Some(explain(&e));
    }
    // The circle the page's address named, if it is one of mine once the circles are known.
    let mut shown: Option<CircleId> = start;
    let mut syncing: Option<InFlight> = None;
    let mut fetches: futures::stream::FuturesUnordered<Fetched> = Default::default();
    let mut live = Live::Down;
    if core.session().is_some() {
        syncing = start_sync(&mut core, shown, &mut snapshot).await;
    }
    publish(&core, shown, &mut snapshot).await;
    loop {
        // Signed in: live updates are opened (again) whenever they are down.
        if core.session().is_some() && matches!(live, Live::Down) {
            let client = core.client();
            live = Live::Opening(Box::pin(async move { client.events().await }));
        }
        let event = {
            // Copied out: no signal guard may live across the wait below.
            let (offline, waiting) = {
                let s = snapshot.peek();
                (s.status.offline, s.status.waiting)
            };
            let every = if offline || waiting > 0 {
                RETRY_EVERY_MS
            } else if matches!(live, Live::Open(_)) {
                SYNC_EVERY_LIVE_MS
            } else {
                SYNC_EVERY_MS
            };
            let tick = futures_timer::Delay::new(std::time::Duration::from_millis(every));
            let answer = async {
                match syncing.as_mut() {
                    Some(f) => f.answer.as_mut().await,
                    None => std::future::pending().await,
                }
            };
            let fetched = async {
                match fetches.next().await {
                    Some(apply) => apply,
                    None => std::future::pending().await,
                }
            };
            let updates = async {
                match &mut live {
                    Live::Opening(opening) => Event::Opened(opening.as_mut().await),
                    Live::Open(events) => Event::Live(events.next().await),
                    Live::Down | Live::Failed => std::future::pending().await,
                }
            };
            futures::select! {
                a = rx.next() => Event::Action(a),
                a = answer.fuse() => Event::Answer(a),
                f = fetched.fuse() => Event::Fetched(f),
                e = updates.fuse() => e,
                _ = tick.fuse() => Event::Tick,
            }
        };
        if matches!(event, Event::Tick) && matches!(live, Live::Failed) {
            live = Live::Down;
        }
        match event {
            Event::Action(None) => return,
            Event::Opened(Ok(events)) => live = Live::Open(events),
            Event::Opened(Err(_)) => live = Live::Failed,
            Event::Live(None) => live = Live::Down,
            Event::Live(Some(update)) => {
                // Another device changed something this member reads (or the stream just
                // opened, and something may have changed before it did): sync now.
                if core.session().is_some() {
                    match syncing.as_mut() {
                        Some(f) => f.again |= !matches!(update, LiveEvent::Ready),
                        None => syncing = start_sync(&mut core, shown, &mut snapshot).await,
                    }
                }
            }
            Event::Action(Some(Action::Sync)) | Event::Tick => {
                if core.session().is_none() {
                    continue;
                }
                match syncing.as_mut() {
                    Some(f) => f.again |= matches!(event, Event::Action(_)),
                    None => syncing = start_sync(&mut core, shown, &mut snapshot).await,
                }
            }
            Event::Action(Some(action)) => {
                if action.restarts_sync() {
                    // Perhaps another account or server: its own stream is opened afresh.
                    live = Live::Down;
                }
                if action.restarts_sync()
                    && let Some(f) = syncing.take()
                {
                    // Signing in or out, leaving, a reset: what the run was doing no longer
                    // applies; a new run starts after the action if it needs one.
                    let _ = core.sync_end(f.run, Err(AppError::Offline)).await;
                    core.status.offline = false;
                }
                snapshot.write().busy = true;
                let was_shown = shown;
                let result = apply(
                    &mut core,
                    action,
                    &mut shown,
                    &mut snapshot,
                    &mut screen,
                    &fetches,
                )
                .await;
                let mut error = None;
                match result {
                    Ok(Outcome::Done) => {}
                    Ok(Outcome::SyncNow) => {
                        if shown != was_shown {
                            // Another circle: its screens show it before the sync starts, so
                            // nothing of the previous circle can be tapped meanwhile.
                            publish(&core, shown, &mut snapshot).await;
                        }
                        match syncing.as_mut() {
                            Some(f) => f.again = true,
                            None => syncing = start_sync(&mut core, shown, &mut snapshot).await,
                        }
                    }
                    Err(e) => error = Some(explain(&e)),
                }
                let mut s = snapshot.write();
                s.busy = false;
                if error.is_some() {
                    s.error = error;
                }
            }
            Event::Answer(answer) => {
                let f = syncing
                    .take()
                    .expect("an answer comes from a run in flight");
                syncing = continue_sync(&mut core, f, answer, shown, &mut snapshot).await;
            }
            Event::Fetched(apply) => apply(&mut snapshot.write()),
        }
        if core.take_changed() {
            platform::announce();
        }
        publish(&core, shown, &mut snapshot).await;
    }
}

impl Action {
    /// Actions after which a sync already under way no longer applies (joining or starting a
    /// circle included: a circle list fetched before it would make the new circle look left).
    fn restarts_sync(&self) -> bool {
        matches!(
            self,
            Action::SetServer(_)
                | Action::SignIn { .. }
                | Action::Register { .. }
                | Action::Join { .. }
                | Action::CreateCircle { .. }
                | Action::Leave
                | Action::CheckSignOut
                | Action::SignOut { .. }
        )
    }
}

/// Starts a sync run and sends its first request; `None` if there was nothing to send.
async fn start_sync(
    core: &mut CareCircle,
    shown: Option<CircleId>,
    snapshot: &mut Signal<Snapshot>,
) -> Option<InFlight> {
    let mut again = true;
    while again {
        // Names for authors and the circle screen: the shown circle's members.
        let run = core.sync_begin(Members::Shown(shown));
        match step_sync(core, run, false, snapshot).await {
            Step::Sent(f) => return Some(*f),
            Step::Ended {
                completed,
                again: a,
            } => again = completed && a,
        }
    }
    None
}

/// Takes in a run's answer and sends its next request, or ends it (and, if something changed
/// meanwhile, starts the next run).
async fn continue_sync(
    core: &mut CareCircle,
    mut f: InFlight,
    answer: Result<SyncAnswer, AppError>,
    shown: Option<CircleId>,
    snapshot: &mut Signal<Snapshot>,
) -> Option<InFlight> {
    let step = match answer {
        Ok(a) => match core.sync_answer(&mut f.run, a).await {
            Ok(()) => step_sync(core, f.run, f.again, snapshot).await,
            Err(e) => Step::ended(finish_sync(core, f.run, Err(e), snapshot).await, false),
        },
        Err(e) => Step::ended(finish_sync(core, f.run, Err(e), snapshot).await, false),
    };
    match step {
        Step::Sent(f) => Some(*f),
        // A failed run is retried by the timer, not at once.
        Step::Ended {
            completed: true,
            again: true,
        } => start_sync(core, shown, snapshot).await,
        Step::Ended { .. } => None,
    }
}

/// Where a run stands after one step.
enum Step {
    /// Its next request is on its way.
    Sent(Box<InFlight>),
    /// It ended (`completed`: without failing; `again`: something changed meanwhile).
    Ended { completed: bool, again: bool },
}

impl Step {
    fn ended(completed: bool, again: bool) -> Step {
        Step::Ended { completed, again }
    }
}

/// Sends a run's next request, or ends it.
async fn step_sync(
    core: &mut CareCircle,
    mut run: SyncRun,
    again: bool,
    snapshot: &mut Signal<Snapshot>,
) -> Step {
    match core.sync_next(&mut run).await {
        Ok(Some(step)) => Step::Sent(Box::new(InFlight {
            run,
            answer: Box::pin(step.send(core.client())),
            again,
        })),
        Ok(None) => Step::ended(finish_sync(core, run, Ok(()), snapshot).await, again),
        Err(e) => Step::ended(finish_sync(core, run, Err(e), snapshot).await, false),
    }
}

/// Ends a run, turning deletions, refusals and failures into messages; true if it completed.
async fn finish_sync(
    core: &mut CareCircle,
    run: SyncRun,
    result: Result<(), AppError>,
    snapshot: &mut Signal<Snapshot>,
) -> bool {
    match core.sync_end(run, result).await {
        Ok(report) => {
            let notices = notices_for(&report);
            snapshot.write().notices.extend(notices);
            true
        }
        Err(AppError::Offline) => false,
        Err(e) => {
            snapshot.write().error = Some(explain(&e));
            false
        }
    }
}

/// Rebuilds the snapshot from the core, keeping what only the screens hold.
async fn publish(core: &CareCircle, shown: Option<CircleId>, snapshot: &mut Signal<Snapshot>) {
    let keep = snapshot.peek().clone();
    let mut next = Snapshot::load(core, shown, &keep).await;
    next.error = keep.error.clone();
    next.sign_out_check = keep.sign_out_check;
    next.busy = keep.busy;
    snapshot.set(next);
}

/// A circle as a sentence names it: "Alex's circle" for a circle named after its person.
fn circle_name(name: &str) -> String {
    if name.to_lowercase().contains("circle") {
        name.to_string()
    } else {
        format!("{name}’s circle")
    }
}

/// Where unsynced words of a withdrawn document went.
const KEPT_WORDS: &str =
    "What you wrote that had not synced is kept for you under More, \"Kept on this device\".";

/// Plain messages for what a sync deleted or refused.
fn notices_for(report: &SyncReport) -> Vec<Notice> {
    let mut out = Vec::new();
    // A whole circle gone: one message, not one per document.
    for (name, _) in &report.left {
        out.push(Notice {
            text: format!(
                "You are no longer in {}. The copies of its record on this device have been deleted.",
                circle_name(name)
            ),
        });
    }
    if report.kept > 0 && !report.left.is_empty() {
        out.push(Notice {
            text: KEPT_WORDS.into(),
        });
    }
    let in_left = |doc: &DocumentId| report.left.iter().any(|(_, docs)| docs.contains(doc));
    for (doc, kind) in report.deleted.iter().filter(|(doc, _)| !in_left(doc)) {
        let refused = report.refused.contains_key(doc);
        let mut text = format!(
            "Your access to the {} was withdrawn, so the copy on this device has been deleted.",
            kind.label().to_lowercase()
        );
        if refused {
            text.push_str(&format!(
                " Your change to the {} was not accepted: access changed.",
                kind.label().to_lowercase()
            ));
        }
        if report.kept > 0 {
            text.push(' ');
            text.push_str(KEPT_WORDS);
        }
        out.push(Notice { text });
    }
    out
}

/// A failure in plain words (never document content).
pub fn explain(e: &AppError) -> String {
    use carecircle_shared::wire::ErrorCode as C;
    match e {
        AppError::Offline => {
            "You are offline. Your work is saved on this device and will sync later.".into()
        }
        AppError::Server { code, message } => match code {
            C::InvalidCredentials => "That username and password do not match.".into(),
            C::UsernameTaken => "That username is taken; try another.".into(),
            C::WeakPassword => "Please choose a longer password (at least 10 characters).".into(),
            C::RegistrationClosed => "This server does not take new accounts.".into(),
            C::InviteInvalid => "That invite code was not recognised.".into(),
            C::InviteExpired => "That invite code has expired; ask for a new one.".into(),
            C::InviteUsed => "That invite code has already been used.".into(),
            C::InviteCancelled => {
                "That invite code was cancelled, or the person who made it can no longer invite; ask for a new one."
                    .into()
            }
            C::AlreadyMember => "You are already in that circle.".into(),
            C::RateLimited => "Too many tries; wait a minute and try again.".into(),
            C::Unauthorized => {
                "You have been signed out on this device; please sign in again.".into()
            }
            C::Revoked => "You were removed from that circle; only a new invite lets you back in."
                .into(),
            C::Forbidden => "You may not do that in this circle.".into(),
            // The server's own words: they name the field and the rule, never content.
            C::BadRequest => format!("Please check what you typed: {message}."),
            other => format!("The server could not do that ({other})."),
        },
        AppError::Invalid(v) => v.plain(),
        other => other.to_string(),
    }
}

async fn apply(
    core: &mut CareCircle,
    action: Action,
    shown: &mut Option<CircleId>,
    snapshot: &mut Signal<Snapshot>,
    screen: &mut Signal<Screen>,
    fetches: &futures::stream::FuturesUnordered<Fetched>,
) -> Result<Outcome, AppError> {
    snapshot.write().error = None;
    let device = platform::device_name();
    let circle = shown
        .or_else(|| core.circles().first().map(|c| c.id))
        .ok_or(AppError::NoCircle);
    Ok(match action {
        Action::SetServer(url) => {
            core.set_server(url.trim()).await?;
            Outcome::Done
        }
        Action::SignIn { username, password } => {
            core.sign_in(username.trim(), &password, &device).await?;
            platform::claim_actor(core).await?;
            screen.set(Screen::Today);
            Outcome::SyncNow
        }
        Action::Register {
            username,
            password,
            display_name,
        } => {
            core.register(username.trim(), &password, display_name.trim(), &device)
                .await?;
            platform::claim_actor(core).await?;
            screen.set(Screen::Today);
            Outcome::SyncNow
        }
        Action::Join { code, relationship } => {
            *shown = Some(core.join(code.trim(), relationship).await?);
            screen.set(Screen::Today);
            Outcome::SyncNow
        }
        Action::CreateCircle { name, role } => {
            *shown = Some(core.create_circle(name.trim(), role).await?);
            screen.set(Screen::Today);
            Outcome::SyncNow
        }
        Action::Open(route) => {
            let mut outcome = Outcome::Done;
            if let Some(c) = route.circle
                && *shown != Some(c)
                && core.circle(c).is_ok()
            {
                *shown = Some(c);
                outcome = Outcome::SyncNow;
            }
            if *screen.peek() != route.screen {
                screen.set(route.screen);
            }
            outcome
        }
        Action::SelectCircle(id) => {
            *shown = Some(id);
            screen.set(Screen::Today);
            // Its member list is refreshed at the end of the sync.
            Outcome::SyncNow
        }
        Action::Sync => Outcome::SyncNow,
        Action::SaveAppointment(e) => {
            let circle = circle?;
            let id = e.saved.id.clone();
            let exists = core
                .view::<carecircle_shared::schema::Appointments>(circle)?
                .items
                .contains_key(&id);
            if exists {
                core.update_appointment(circle, &id, "Updated an appointment", move |x| {
                    e.apply(x, Appointment::UNITS)
                })
                .await?;
            } else {
                core.add_appointment(circle, e.saved).await?;
            }
            Outcome::SyncNow
        }
        Action::CancelAppointment(id) => {
            core.cancel_appointment(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::Reschedule { id, start, end } => {
            core.reschedule_appointment(circle?, &id, &start, &end)
                .await?;
            Outcome::SyncNow
        }
        Action::DoubleCheck(id) => {
            core.double_check(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::WrittenDetails {
            id,
            requested,
            received,
        } => {
            core.written_details(circle?, &id, requested, received)
                .await?;
            Outcome::SyncNow
        }
        Action::SaveTeamMember(e) => {
            let circle = circle?;
            let id = e.saved.id.clone();
            let exists = core
                .view::<carecircle_shared::schema::Team>(circle)?
                .members
                .contains_key(&id);
            if exists {
                core.update_team_member(circle, &id, move |x| e.apply(x, &[]))
                    .await?;
            } else {
                core.add_team_member(circle, e.saved).await?;
            }
            Outcome::SyncNow
        }
        Action::RemoveTeamMember(id) => {
            core.remove_team_member(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::SaveOrganisation(e) => {
            let circle = circle?;
            let id = e.saved.id.clone();
            let exists = core
                .view::<carecircle_shared::schema::Team>(circle)?
                .organisations
                .contains_key(&id);
            if exists {
                core.update_organisation(circle, &id, move |x| e.apply(x, &[]))
                    .await?;
            } else {
                core.add_organisation(circle, e.saved).await?;
            }
            Outcome::SyncNow
        }
        Action::RemoveOrganisation(id) => {
            core.remove_organisation(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::AddQuestion {
            text,
            appointment,
            person,
        } => {
            core.add_question(circle?, &text, appointment, person)
                .await?;
            Outcome::SyncNow
        }
        Action::MarkAsked(id) => {
            core.mark_asked(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::Answer { id, answer } => {
            core.answer_question(circle?, &id, &answer).await?;
            Outcome::SyncNow
        }
        Action::CloseQuestion(id) => {
            core.close_question(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::AddNote { text, appointment } => {
            core.add_note(circle?, &text, appointment).await?;
            Outcome::SyncNow
        }
        Action::EditNote { id, text } => {
            core.edit_note(circle?, &id, &text).await?;
            Outcome::SyncNow
        }
        Action::AddInformation(info) => {
            core.add_information(circle?, *info).await?;
            Outcome::SyncNow
        }
        Action::RemoveInformation(id) => {
            core.remove_information(circle?, &id).await?;
            Outcome::SyncNow
        }
        Action::EditPlan { what, edit } => {
            core.edit_plan(circle?, what, edit).await?;
            Outcome::SyncNow
        }
        Action::EditTeam { what, edit } => {
            core.edit_team(circle?, what, edit).await?;
            Outcome::SyncNow
        }
        Action::SaveGoal(mut e) => {
            if e.saved.created_by.is_none() {
                // Recorded as added by me; the same on both sides, so an edit writes nothing.
                let me = Some(core.me()?);
                e.saved.created_by = me;
                e.opened.created_by = me;
            }
            save_in_plan(core, circle?, *e).await?;
            Outcome::SyncNow
        }
        Action::SaveReview(e) => {
            save_in_plan(core, circle?, *e).await?;
            Outcome::SyncNow
        }
        Action::SaveReferral(e) => {
            save_in_plan(core, circle?, *e).await?;
            Outcome::SyncNow
        }
        Action::RemoveFromPlan(list, id) => {
            let circle = circle?;
            match list {
                PlanList::Goals => core.remove_plan_item::<Goal>(circle, &id).await?,
                PlanList::Reviews => core.remove_plan_item::<PastReview>(circle, &id).await?,
                PlanList::Referrals => core.remove_plan_item::<Referral>(circle, &id).await?,
            }
            Outcome::SyncNow
        }
        Action::SetReviewDate(date) => {
            let date = date.trim();
            core.set_review_date(circle?, (!date.is_empty()).then_some(date))
                .await?;
            Outcome::SyncNow
        }
        Action::ResolveConflict { kind, path, value } => {
            core.resolve_conflict(circle?, kind, &path, value).await?;
            Outcome::SyncNow
        }
        Action::MarkSeen => {
            core.mark_seen(circle?).await?;
            Outcome::Done
        }
        Action::LoadMembers => Outcome::SyncNow,
        Action::LoadAccessLog { earlier } => {
            let circle = circle?;
            core.require(
                circle,
                carecircle_shared::policy::CircleAction::ReadAccessLog,
            )?;
            let client = core.client();
            let before = earlier
                .then(|| snapshot.peek().access_log.last().map(|e| e.seq))
                .flatten();
            fetch(
                fetches,
                async move { client.access_log(circle, before, ACCESS_LOG_PAGE).await },
                move |s, page| {
                    if s.circle_id() != Some(circle) {
                        return;
                    }
                    if page.len() < ACCESS_LOG_PAGE && (earlier || s.access_log.is_empty()) {
                        s.access_log_complete = true;
                    }
                    // Pages are merged by entry number: a page asked for twice, or a newer
                    // page arriving after an earlier one, shows each entry once.
                    let mut all: std::collections::BTreeMap<i64, _> =
                        s.access_log.drain(..).map(|e| (e.seq, e)).collect();
                    all.extend(page.into_iter().map(|e| (e.seq, e)));
                    s.access_log = all.into_values().rev().collect();
                },
            );
            Outcome::Done
        }
        Action::Invite { role, tap } => {
            if snapshot.read().invite_tap.as_ref() == Some(&tap) {
                // The same press again (a double tap): its invite is already shown.
                return Ok(Outcome::Done);
            }
            let circle = circle?;
            let invite = core.invite(circle, role, None).await?;
            let invites = core.invites(circle).await?;
            let mut s = snapshot.write();
            s.invite = Some(invite);
            s.invite_tap = Some(tap);
            s.invites = invites;
            s.invites_stamp += 1;
            Outcome::Done
        }
        Action::LoadInvites => {
            let circle = circle?;
            core.role(circle)?;
            let client = core.client();
            let stamp = snapshot.peek().invites_stamp;
            fetch(
                fetches,
                async move { client.invites(circle).await },
                move |s, invites| {
                    if s.invites_stamp == stamp {
                        s.invites = invites;
                    }
                },
            );
            Outcome::Done
        }
        Action::CancelInvite(invite) => {
            let circle = circle?;
            core.cancel_invite(circle, &invite).await?;
            let invites = core.invites(circle).await?;
            let mut s = snapshot.write();
            if s.invite.as_ref().is_some_and(|i| i.id == invite.id) {
                s.invite = None;
            }
            s.invites = invites;
            s.invites_stamp += 1;
            Outcome::Done
        }
        Action::SetAccess {
            member,
            kind,
            access,
        } => {
            let circle = circle?;
            core.set_access(circle, member, kind, access).await?;
            core.members(circle).await?;
            Outcome::Done
        }
        Action::Revoke(member) => {
            let circle = circle?;
            core.revoke(circle, member).await?;
            core.members(circle).await?;
            Outcome::Done
        }
        Action::Leave => {
            core.leave(circle?).await?;
            *shown = None;
            screen.set(Screen::Today);
            Outcome::SyncNow
        }
        Action::SeenRefused(id) => {
            core.seen_refused(id).await?;
            Outcome::Done
        }
        Action::DeleteKept(id) => {
            core.delete_kept(id).await?;
            Outcome::Done
        }
        Action::AddAgain(id) => {
            core.add_again(id).await?;
            Outcome::SyncNow
        }
        Action::Reload => {
            if core.reload().await? && core.session().is_none() {
                *shown = None;
                screen.set(Screen::Today);
            }
            Outcome::Done
        }
        Action::DismissNotice(i) => {
            let mut s = snapshot.write();
            if i < s.notices.len() {
                s.notices.remove(i);
            }
            Outcome::Done
        }
        Action::DownloadIcs => {
            let ics = core.appointments_ics(circle?)?;
            platform::download("appointments.ics", "text/calendar", &ics)
                .map_err(AppError::Storage)?;
            Outcome::Done
        }
        Action::CheckSignOut => {
            let _ = core.sync().await;
            snapshot.write().sign_out_check = Some(core.waiting().await?);
            Outcome::Done
        }
        Action::SignOut { discard } => {
            let _ = core.sync().await;
            core.sign_out(discard).await?;
            *shown = None;
            let mut s = snapshot.write();
            s.sign_out_check = None;
            s.notices.clear();
            s.phase = Phase::SignedOut;
            screen.set(Screen::Today);
            Outcome::Done
        }
    })
}
