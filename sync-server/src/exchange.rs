//! One document's step of a sync exchange: receive into a fork, check, merge, and answer.
//!
//! Pure over loaded data (no storage), so every store implementation runs the same checks: the
//! member's write access, every new change's actor belongs to the uploading device and names the
//! uploading member, the size limit, the schema, and the item rules of notes and questions.

use std::collections::{HashMap, HashSet};

use carecircle_shared::authorship::{ItemRuleError, check_item_rules};
use carecircle_shared::automerge::sync::{self, SyncDoc};
use carecircle_shared::automerge::{Change, ChangeHash};
use carecircle_shared::document::CommitMessage;
use carecircle_shared::limits::MAX_INFLATION_FACTOR;
use carecircle_shared::shape::NewOps;
use carecircle_shared::wire::{ErrorCode, Refusal};
use carecircle_shared::{Access, DocKind, Document, Links, MemberId, Role};

use crate::upload::{self, UploadError};

/// Who is syncing one document, and what they may do.
#[derive(Debug, Clone, Copy)]
pub struct Uploader<'a> {
    /// The member.
    pub member: MemberId,
    /// Their role in the document's circle.
    pub role: Role,
    /// Their access to this document (at least read: others never reach an exchange).
    pub access: Access,
    /// The uploading device's registered actors (hex).
    pub actors: &'a HashSet<String>,
    /// Actors of other members' devices who may write this document, with who they are: their
    /// changes may be relayed (a device re-uploading what it received before a restore lost it).
    pub relayable: &'a HashMap<String, Author>,
}

/// The member an actor's device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Author {
    /// The member.
    pub member: MemberId,
    /// Their role in the circle.
    pub role: Role,
}

/// What one step produced; the caller persists it in one transaction.
#[derive(Debug, Default)]
pub struct Step {
    /// The changes merged into the document, as an incremental chunk to append.
    pub merged_chunk: Option<Vec<u8>>,
    /// The document with them merged (its typed view already made by the checks), set exactly
    /// when `merged_chunk` is.
    pub merged: Option<Document>,
    /// The sync state to store for (device, document).
    pub state: Vec<u8>,
    /// The server's next message.
    pub reply: Option<Vec<u8>>,
    /// True when the reply carries changes (the member received document content).
    pub sent_changes: bool,
    /// Set when the upload was refused; nothing was merged.
    pub refused: Option<Refusal>,
    /// True when merged changes included other members' changes relayed by this device.
    pub relayed: bool,
}

fn read_only() -> Refusal {
    refusal(
        ErrorCode::Forbidden,
        "you may read this document but not change it",
    )
}

fn refusal(code: ErrorCode, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_string(),
    }
}

/// Runs one step for `doc`; an accepted upload comes back merged into a new document.
pub fn step(
    kind: DocKind,
    doc: &Document,
    stored_state: Option<&[u8]>,
    incoming: Option<&[u8]>,
    uploader: Uploader<'_>,
    stored_bytes: usize,
    max_document_bytes: usize,
) -> Step {
    let mut state = stored_state
        .and_then(|b| sync::State::decode(b).ok())
        .unwrap_or_default();
    let mut refused = None;
    let mut merged_chunk = None;
    let mut merged = None;
    let mut relayed = false;
    if let Some(bytes) = incoming {
        match receive(
            kind,
            doc,
            &mut state,
            bytes,
            uploader,
            stored_bytes,
            max_document_bytes,
        ) {
            Ok(Some(accepted)) => {
                merged_chunk = Some(accepted.chunk);
                merged = Some(accepted.doc);
                relayed = accepted.relayed;
            }
            Ok(None) => {}
            Err(r) => {
                // Forget what the refused message told us, so the next exchange starts clean.
                state = sync::State::new();
                refused = Some(r);
            }
        }
    }
    let message = merged
        .as_ref()
        .unwrap_or(doc)
        .automerge()
        .generate_sync_message(&mut state);
    let sent_changes = message.as_ref().is_some_and(|m| !m.changes.is_empty());
    Step {
        merged_chunk,
        merged,
        state: state.encode(),
        reply: message.map(sync::Message::encode),
        sent_changes,
        refused,
        relayed,
    }
}

/// An upload that passed every check.
struct Accepted {
    chunk: Vec<u8>,
    doc: Document,
    relayed: bool,
}

fn receive(
    kind: DocKind,
    doc: &Document,
    state: &mut sync::State,
    bytes: &[u8],
    uploader: Uploader<'_>,
    stored_bytes: usize,
    max_document_bytes: usize,
) -> Result<Option<Accepted>, Refusal> {
    let malformed = || refusal(ErrorCode::Malformed, "the sync message could not be read");
    let message = sync::Message::decode(bytes).map_err(|_| malformed())?;
    // Whatever the member's access: unsorted hashes or a broken bloom filter would crash the
    // reply or the stored sync state.
    upload::check_summary(&message).map_err(|_| malformed())?;
    if !message.changes.is_empty() {
        // Decided before a single change is inflated or decoded.
        if !uploader.access.can_write() {
            return Err(read_only());
        }
        let budget = max_document_bytes.saturating_mul(MAX_INFLATION_FACTOR);
        upload::check(&message.changes, budget).map_err(|e| match e {
            UploadError::Malformed => refusal(
                ErrorCode::Malformed,
                "a change in the sync message could not be read",
            ),
            UploadError::TooLarge => refusal(
                ErrorCode::TooLarge,
                "the changes would exceed the document's size limit",
            ),
        })?;
    }
    let before_heads: Vec<ChangeHash> = doc.heads();
    let mut fork = doc.automerge().fork();
    fork.receive_sync_message(state, message)
        .map_err(|_| malformed())?;
    let new_changes = fork.get_changes(&before_heads);
    if new_changes.is_empty() {
        // Nothing new: keep the state the message produced (heads, needs).
        return Ok(None);
    }
    if !uploader.access.can_write() {
        return Err(read_only());
    }
    // Every change is attributed to a registered device: the uploader's own (naming the
    // uploader), or another writer's, relayed (naming that writer).
    let mut relayed = false;
    let mut authors = Vec::with_capacity(new_changes.len());
    for change in &new_changes {
        let actor = change.actor_id().to_hex_string();
        let author = if uploader.actors.contains(&actor) {
            Author {
                member: uploader.member,
                role: uploader.role,
            }
        } else if let Some(author) = uploader.relayable.get(&actor) {
            relayed = true;
            *author
        } else {
            return Err(refusal(
                ErrorCode::UnknownActor,
                "a change was made with an actor id that is not this device's",
            ));
        };
        let named = change.message().and_then(CommitMessage::decode);
        if named.map(|m| m.by) != Some(author.member) {
            return Err(refusal(
                ErrorCode::UnknownActor,
                "a change does not name the member whose device made it",
            ));
        }
        authors.push(author);
    }
    let chunk = fork.save_after(&before_heads);
    if stored_bytes.saturating_add(chunk.len()) > max_document_bytes {
        return Err(refusal(
            ErrorCode::TooLarge,
            "the document would exceed its size limit",
        ));
    }
    // `doc` keeps its typed view (the store may have it from an earlier request).
    let after = doc.successor(fork);
    after
        .check_written(&NewOps::of(&new_changes))
        .map_err(|_| {
            refusal(
                ErrorCode::Invalid,
                "the change writes something the document's schema does not have",
            )
        })?;
    let after = if relayed {
        // Each relayed change is checked as its own author's, one at a time in causal order.
        check_each(kind, doc, &new_changes, &authors)?
    } else {
        let author = Author {
            member: uploader.member,
            role: uploader.role,
        };
        check_content(kind, author, doc, &after)?;
        after
    };
    Ok(Some(Accepted {
        chunk,
        doc: after,
        relayed,
    }))
}

/// Applies `changes` to a copy of `before` one at a time, checking each as its author's.
fn check_each(
    kind: DocKind,
    before: &Document,
    changes: &[Change],
    authors: &[Author],
) -> Result<Document, Refusal> {
    let mut current = before.clone();
    for (change, author) in changes.iter().zip(authors) {
        let mut next = current.automerge().clone();
        next.apply_changes([change.clone()]).map_err(|_| {
            refusal(
                ErrorCode::Malformed,
                "a change in the sync message could not be applied",
            )
        })?;
        let next = current.successor(next);
        check_content(kind, *author, &current, &next)?;
        current = next;
    }
    Ok(current)
}

/// Schema and item-rule checks of an upload, comparing the document before and after it.
fn check_content(
    kind: DocKind,
    author: Author,
    before: &Document,
    after: &Document,
) -> Result<(), Refusal> {
    let invalid = || {
        refusal(
            ErrorCode::Invalid,
            "the change does not fit the document's schema",
        )
    };
    after.validate().map_err(|_| invalid())?;
    after
        .validate_change_from(before, &Links::unknown())
        .map_err(|_| invalid())?;
    check_item_rules(kind, author.role, author.member, before, after).map_err(|e| match e {
        ItemRuleError::NotAuthor { .. } => {
            refusal(ErrorCode::NotAuthor, "only an item's author may change it")
        }
        ItemRuleError::Document(_) => invalid(),
    })
}
