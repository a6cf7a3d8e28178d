//! History: who changed what, when, read from each change's commit message and time.

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::document::{CommitMessage, Document};
use crate::ids::MemberId;
use crate::time::Timestamp;

/// One change in a document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The change's hash (hex).
    pub hash: String,
    /// The actor (device key) that made it (hex).
    pub actor: String,
    /// The member named in the commit message; the server verified it on upload.
    pub by: Option<MemberId>,
    /// When it was made.
    pub at: Timestamp,
    /// What changed, in a few words.
    pub what: String,
}

impl Document {
    /// Every change, oldest first (causal order).
    pub fn history(&self) -> Vec<HistoryEntry> {
        self.history_since(&[])
    }

    /// Changes not included in `heads` (e.g. since the member last looked), oldest first.
    pub fn history_since(&self, heads: &[ChangeHash]) -> Vec<HistoryEntry> {
        self.automerge()
            .get_changes(heads)
            .into_iter()
            .map(|change| {
                let message = change.message().and_then(CommitMessage::decode);
                HistoryEntry {
                    hash: change.hash().to_string(),
                    actor: change.actor_id().to_hex_string(),
                    by: message.as_ref().map(|m| m.by),
                    at: Timestamp(change.timestamp()),
                    what: message.map(|m| m.what).unwrap_or_default(),
                }
            })
            .collect()
    }
}
