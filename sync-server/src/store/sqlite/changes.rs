//! What changed since a device's cursor, read from indexes alone: the documents' change clock
//! and the access log's membership and access entries. No document is loaded to answer it.

use std::collections::HashSet;

use carecircle_shared::wire::{SyncChanges, SyncCursor};
use carecircle_shared::{Access, DocumentId, MemberId};
use rusqlite::{Transaction, params};

use super::{db, parse};
use crate::clock::now;
use crate::error::ApiResult;

/// The access-log actions that change a circle list or a member list.
const STANDING: &str = "('create_circle', 'join', 'change_access', 'revoke', 'leave')";

/// The change clock now: the highest number any document change has.
pub(super) fn clock(tx: &Transaction<'_>) -> ApiResult<i64> {
    tx.prepare_cached("SELECT COALESCE(MAX(changed_seq), 0) FROM documents")
        .map_err(db)?
        .query_row([], |r| r.get(0))
        .map_err(db)
}

/// The number for a change being written: the time in microseconds, or one more than the last
/// if that is later. Numbers given after a restore from an older backup are still above every
/// cursor a device was given before it, so no change is hidden behind an old cursor.
pub(super) fn next(tx: &Transaction<'_>) -> ApiResult<i64> {
    Ok((clock(tx)? + 1).max(now().millis() * 1000))
}

/// The member's standing clock: the last membership or access entry in any circle they are or
/// were in (a removal is logged in the circle they left).
fn standing(tx: &Transaction<'_>, member: MemberId) -> ApiResult<i64> {
    tx.prepare_cached(&format!(
        "SELECT COALESCE(MAX((SELECT MAX(l.seq) FROM access_log l
                              WHERE l.circle_id = m.circle_id AND l.action IN {STANDING})), 0)
         FROM memberships m WHERE m.account_id = ?1"
    ))
    .map_err(db)?
    .query_row(params![member.to_string()], |r| r.get(0))
    .map_err(db)
}

/// What changed for `member` since `since`, but for the documents the request `named`.
pub(super) fn since(
    tx: &Transaction<'_>,
    member: MemberId,
    since: SyncCursor,
    named: &HashSet<DocumentId>,
) -> ApiResult<SyncChanges> {
    let cursor = SyncCursor {
        docs: clock(tx)?,
        standing: standing(tx, member)?,
    };
    let everything = since.docs > cursor.docs || since.standing > cursor.standing;
    let mut stmt = tx
        .prepare_cached(
            "SELECT d.id FROM documents d
             JOIN memberships m ON m.circle_id = d.circle_id AND m.account_id = ?1
                 AND m.revoked_at IS NULL
             JOIN member_access a ON a.circle_id = d.circle_id AND a.account_id = ?1
                 AND a.kind = d.kind AND a.access != ?3
             WHERE d.changed_seq > ?2
             ORDER BY d.changed_seq",
        )
        .map_err(db)?;
    let after = if everything { i64::MIN } else { since.docs };
    let rows = stmt
        .query_map(
            params![member.to_string(), after, Access::None.as_str()],
            |r| r.get::<_, String>(0),
        )
        .map_err(db)?;
    let mut docs = Vec::new();
    for row in rows {
        let id: DocumentId = parse(&row.map_err(db)?)?;
        if !named.contains(&id) {
            docs.push(id);
        }
    }
    Ok(SyncChanges {
        cursor,
        docs,
        standing: everything || since.standing != cursor.standing,
        everything,
        ..SyncChanges::default()
    })
}
