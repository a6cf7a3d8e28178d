//! What the screens show: one snapshot of the core's state, rebuilt after every action.
//!
//! Screens only read a [`Snapshot`]; they never call the core. Component tests build snapshots
//! by hand, the running app builds them with [`Snapshot::load`].

use std::collections::BTreeMap;

use carecircle_shared::conflict::Conflict;
use carecircle_shared::history::HistoryEntry;
use carecircle_shared::schema::{
    Appointment, Appointments, Notes, Plan, Question, Questions, Team,
};
use carecircle_shared::time::Zone;
use carecircle_shared::wire::{AccessLogEntry, CircleSummary, Invite, InviteInfo, MemberInfo};
use carecircle_shared::{CircleId, DocKind, ItemId, MemberId, Role, Timestamp};

use crate::core::{CareCircle, SyncStatus};
use crate::ops::appointments::Agenda;
use crate::ops::attention::Reminder;
use crate::ops::caseload::CaseloadRow;
use crate::ops::feed::FeedEntry;
use crate::store::RefusedEdit;

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Screen {
    /// Home: attention, next appointments, who to call (a case manager's caseload first).
    #[default]
    Today,
    /// A case manager's circles as a work list, what needs attention first.
    Caseload,
    /// All appointments by day.
    Appointments,
    /// One appointment.
    Appointment(ItemId),
    /// Add (None) or edit an appointment.
    AppointmentForm(Option<ItemId>),
    /// Care team and organisations.
    Team,
    /// Questions to ask.
    Questions,
    /// The individual service plan.
    Plan,
    /// Notes.
    Notes,
    /// Information the consumer and carers keep about the condition and the journey.
    Information,
    /// What changed since I last looked.
    Changes,
    /// Members, consent, invites.
    Circle,
    /// Who looked at and changed what, grouped per person and day.
    AccessLog,
    /// Print-friendly copies.
    Written(Written),
    /// Everything else.
    More,
    /// What the server did not accept, kept on this device.
    Kept,
    /// Sign out.
    Settings,
}

/// A print-friendly copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The plan.
    Plan,
    /// One appointment with its questions.
    Appointment(ItemId),
}

/// Where the app is before a circle can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Opening the local store.
    #[default]
    Loading,
    /// No session on this device: the start screen.
    SignedOut,
    /// Signed in.
    Ready,
}

/// A message the person should read once (access withdrawn, copies deleted...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Plain words.
    pub text: String,
}

/// One circle, as this member may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct CircleView {
    /// The circle and my documents in it.
    pub summary: CircleSummary,
    /// Documents I may read (None: not shared with me, or not on this device).
    pub team: Option<Team>,
    /// Appointments.
    pub appointments: Option<Appointments>,
    /// Questions.
    pub questions: Option<Questions>,
    /// The plan.
    pub plan: Option<Plan>,
    /// Notes.
    pub notes: Option<Notes>,
    /// Today and upcoming, in the device's time zone.
    pub agenda: Agenda,
    /// What needs attention.
    pub reminders: Vec<Reminder>,
    /// Changes by others since I last looked.
    pub feed: Vec<FeedEntry>,
    /// Open conflicts.
    pub conflicts: Vec<(DocKind, Conflict)>,
    /// Each readable document's history, newest first (at most [`HISTORY_SHOWN`]).
    pub history: BTreeMap<DocKind, Vec<HistoryEntry>>,
}

/// How many history entries a screen shows per document.
pub const HISTORY_SHOWN: usize = 20;

/// Everything the screens show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Loading, signed out or ready.
    pub phase: Phase,
    /// The server this device syncs with.
    pub server: String,
    /// Me, once signed in.
    pub me: Option<MemberId>,
    /// My display name.
    pub my_name: String,
    /// My circles (a case manager's caseload).
    pub circles: Vec<CircleSummary>,
    /// With more than one circle, or as a case manager: each circle as a work-list row.
    pub caseload: Vec<CaseloadRow>,
    /// The circle being shown.
    pub circle: Option<CircleView>,
    /// Sync status for the status line.
    pub status: SyncStatus,
    /// What the server did not accept, kept on this device (the person's own words); those
    /// not yet `resolved` have not been seen.
    pub refused: Vec<RefusedEdit>,
    /// Messages to read once.
    pub notices: Vec<Notice>,
    /// The last action's failure, in plain words.
    pub error: Option<String>,
    /// An action is running.
    pub busy: bool,
    /// The device clock when this snapshot was made.
    pub now: Timestamp,
    /// The device's time zone (each date gets its own offset).
    pub zone: Zone,
    /// Members of the shown circle (as last fetched; kept on the device for offline use).
    pub members: Vec<MemberInfo>,
    /// The last invite I created (code to pass on).
    pub invite: Option<Invite>,
    /// The press of "Create an invite code" that made `invite`.
    pub invite_tap: Option<ItemId>,
    /// The shown circle's outstanding invites I may see (when loaded).
    pub invites: Vec<InviteInfo>,
    /// Bumped whenever `invites` is set from a fresh answer, so that a list fetched earlier
    /// and arriving later does not replace it.
    pub invites_stamp: u64,
    /// The shown circle's access log, newest first (the pages loaded so far).
    pub access_log: Vec<AccessLogEntry>,
    /// The loaded pages reach the log's first entry.
    pub access_log_complete: bool,
    /// Sign-out check: changes that would be lost.
    pub sign_out_check: Option<usize>,
}

impl Snapshot {
    /// The shown circle's id.
    pub fn circle_id(&self) -> Option<CircleId> {
        self.circle.as_ref().map(|c| c.summary.id)
    }

    /// My role in the shown circle.
    pub fn role(&self) -> Option<Role> {
        self.circle.as_ref().map(|c| c.summary.role)
    }

    /// A member's display name, when known.
    pub fn name_of(&self, member: Option<MemberId>) -> String {
        match member {
            Some(m) if Some(m) == self.me => "you".to_string(),
            Some(m) => self
                .members
                .iter()
                .find(|x| x.member == m)
                .map(|x| x.display_name.clone())
                .unwrap_or_else(|| "a circle member".to_string()),
            None => "someone".to_string(),
        }
    }

    /// Builds the snapshot from the core, showing `circle` (or my first circle).
    pub async fn load(core: &CareCircle, circle: Option<CircleId>, keep: &Snapshot) -> Snapshot {
        let now = core.now();
        let zone = crate::ui::format::device_zone();
        let mut snap = Snapshot {
            phase: if core.session().is_some() {
                Phase::Ready
            } else {
                Phase::SignedOut
            },
            server: core.server().to_string(),
            me: core.session().map(|s| s.member),
            my_name: core
                .session()
                .map(|s| s.display_name.clone())
                .unwrap_or_default(),
            circles: core.circles().to_vec(),
            status: core.status().await.unwrap_or_default(),
            refused: core.refused_edits().await.unwrap_or_default(),
            now,
            zone,
            notices: keep.notices.clone(),
            invite: keep.invite.clone(),
            invite_tap: keep.invite_tap.clone(),
            invites: keep.invites.clone(),
            invites_stamp: keep.invites_stamp,
            access_log: keep.access_log.clone(),
            access_log_complete: keep.access_log_complete,
            ..Snapshot::default()
        };
        let id = circle
            .filter(|c| core.circle(*c).is_ok())
            .or_else(|| core.circles().first().map(|c| c.id));
        if core.circles().len() > 1 || core.circles().iter().any(|c| c.role == Role::CaseManager) {
            snap.caseload = core.caseload(now, zone).await.unwrap_or_default();
        }
        if let Some(id) = id {
            snap.circle = CircleView::load(core, id, now, zone).await;
            snap.members = core.known_members(id).await.unwrap_or_default();
        }
        if snap.circle_id() != keep.circle_id() {
            snap.invite = None;
            snap.invites.clear();
            snap.access_log.clear();
            snap.access_log_complete = false;
        }
        snap
    }
}

impl CircleView {
    /// True when I may change `kind` (my access, from the consent the consumer gave): write
    /// controls are offered only then, so nothing is saved here that the server will refuse.
    pub fn can_write(&self, kind: DocKind) -> bool {
        self.summary
            .documents
            .iter()
            .any(|d| d.kind == kind && d.access.can_write())
    }

    /// True when two people changed something of this item at once and it is not settled.
    pub fn has_conflict(&self, kind: DocKind, id: &ItemId) -> bool {
        self.conflicts
            .iter()
            .any(|(k, c)| *k == kind && c.path.get(1).map(String::as_str) == Some(id.as_str()))
    }

    /// One appointment, if appointments are on this device.
    pub fn appointment(&self, id: &ItemId) -> Option<Appointment> {
        self.appointments.as_ref()?.items.get(id).cloned()
    }

    /// Care team members named by id, as "Name (role)"; ids no longer in the team are skipped.
    pub fn team_people(&self, ids: &[ItemId]) -> Vec<String> {
        let Some(team) = &self.team else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| team.members.get(id))
            .map(|m| {
                let mut s = m.name.clone();
                if !m.role_title.is_empty() {
                    s.push_str(&format!(" ({})", m.role_title));
                }
                if !m.phone.is_empty() {
                    s.push_str(&format!(" — {}", m.phone));
                }
                s
            })
            .collect()
    }

    /// The questions for an appointment (asked for it, or linked to it), oldest first.
    pub fn questions_for(&self, a: &Appointment) -> Vec<Question> {
        let mut out: Vec<Question> = self
            .questions
            .iter()
            .flat_map(|qs| qs.items.values())
            .filter(|q| q.for_appointment.as_ref() == Some(&a.id) || a.question_ids.contains(&q.id))
            .cloned()
            .collect();
        out.sort_by_key(|q| q.created_at);
        out
    }

    async fn load(
        core: &CareCircle,
        id: CircleId,
        now: Timestamp,
        zone: Zone,
    ) -> Option<CircleView> {
        let summary = core.circle(id).ok()?.clone();
        let mut history = BTreeMap::new();
        for d in &summary.documents {
            if let Ok(doc) = core.document(id, d.kind) {
                let mut h = doc.history();
                h.reverse();
                h.truncate(HISTORY_SHOWN);
                history.insert(d.kind, h);
            }
        }
        Some(CircleView {
            team: core.view(id).ok(),
            appointments: core.view(id).ok(),
            questions: core.view(id).ok(),
            plan: core.view(id).ok(),
            notes: core.view(id).ok(),
            agenda: core.agenda(id, now, zone).unwrap_or_default(),
            reminders: core.reminders(id, now).unwrap_or_default(),
            feed: core.changed_since_last_looked(id).await.unwrap_or_default(),
            conflicts: core.conflicts(id).unwrap_or_default(),
            history,
            summary,
        })
    }
}
