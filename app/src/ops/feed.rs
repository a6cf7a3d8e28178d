//! What changed since you last looked (with the server-verified author of each change), open
//! conflicts, and who will be informed of a change.

use carecircle_shared::automerge::ScalarValue;
use carecircle_shared::conflict::Conflict;
use carecircle_shared::history::HistoryEntry;
use carecircle_shared::schema::Team;
use carecircle_shared::wire::MemberInfo;
use carecircle_shared::{CircleId, DocKind, MemberId};

use crate::core::CareCircle;
use crate::error::AppResult;

/// One entry of the "what's changed" feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Which document.
    pub kind: DocKind,
    /// The change: who (verified by the server on upload), when, what.
    pub change: HistoryEntry,
}

/// Who will be told of a change to one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Informed {
    /// Circle members who can read the document (their display names).
    pub members: Vec<String>,
    /// Care team members flagged "informed of changes".
    pub team: Vec<String>,
}

impl CareCircle {
    /// Changes by others since I last looked, oldest first.
    pub async fn changed_since_last_looked(&self, circle: CircleId) -> AppResult<Vec<FeedEntry>> {
        let me = self.me()?;
        let mut out = Vec::new();
        for d in &self.circle(circle)?.documents {
            let Some(doc) = self.docs.get(&d.id) else {
                continue;
            };
            let seen = self.store.last_seen(d.id).await?;
            for change in doc.history_since(&seen) {
                if change.by != Some(me) {
                    out.push(FeedEntry {
                        kind: d.kind,
                        change,
                    });
                }
            }
        }
        out.sort_by_key(|e| e.change.at);
        Ok(out)
    }

    /// Records that I have now looked at everything in this circle.
    pub async fn mark_seen(&mut self, circle: CircleId) -> AppResult<()> {
        for d in self.circle(circle)?.documents.clone() {
            if let Some(doc) = self.docs.get(&d.id) {
                self.store.set_last_seen(d.id, &doc.heads()).await?;
            }
        }
        Ok(())
    }

    /// Fields with concurrent values, in every document of the circle.
    pub fn conflicts(&self, circle: CircleId) -> AppResult<Vec<(DocKind, Conflict)>> {
        let mut out = Vec::new();
        for d in &self.circle(circle)?.documents {
            if let Some(doc) = self.docs.get(&d.id) {
                out.extend(doc.conflicts().into_iter().map(|c| (d.kind, c)));
            }
        }
        Ok(out)
    }

    /// Resolves a conflict by writing the chosen value, saved on this device at once.
    pub async fn resolve_conflict(
        &mut self,
        circle: CircleId,
        kind: DocKind,
        path: &[String],
        value: ScalarValue,
    ) -> AppResult<()> {
        let (me, now) = (self.me()?, self.now());
        let id = self.doc_id(circle, kind)?;
        let doc = self
            .docs
            .get_mut(&id)
            .ok_or(crate::AppError::NoDocument(kind))?;
        let before = doc.heads();
        doc.resolve_conflict(me, now, path, value)?;
        self.persist(id, &before).await
    }

    /// Who will be informed of a change to `kind`: circle members who can read it (fetched from
    /// the server) and team members flagged "informed of changes".
    pub async fn informed_of(&self, circle: CircleId, kind: DocKind) -> AppResult<Informed> {
        let detail = self.client.circle(circle).await?;
        let me: Option<MemberId> = self.session.as_ref().map(|s| s.member);
        Ok(informed(
            &detail.members,
            me,
            self.view::<Team>(circle).ok().as_ref(),
            kind,
        ))
    }
}

/// Who will see a change to `kind`: the other members who may read it (from the consent each
/// has), as "Name (role)", and the care team's people flagged "informed of changes".
pub fn informed(
    members: &[MemberInfo],
    me: Option<MemberId>,
    team: Option<&Team>,
    kind: DocKind,
) -> Informed {
    let members = members
        .iter()
        .filter(|m| Some(m.member) != me && m.access.get(&kind).is_some_and(|a| a.can_read()))
        .map(|m| format!("{} ({})", m.display_name, m.role.label().to_lowercase()))
        .collect();
    let team = team
        .map(|t| {
            t.informed_of_changes()
                .into_iter()
                .map(|m| m.name.clone())
                .collect()
        })
        .unwrap_or_default();
    Informed { members, team }
}
