//! Entry points for the fuzz targets in `fuzz/` and for replaying their corpus as ordinary
//! tests: each takes arbitrary bytes and must never panic, hang or allocate without bound.

use std::collections::{HashMap, HashSet};

use carecircle_shared::automerge::sync::{self, SyncDoc};
use carecircle_shared::automerge::{ActorId, Automerge};
use carecircle_shared::limits::Limits;
use carecircle_shared::schema::{Note, Notes};
use carecircle_shared::wire::{
    AcceptInvite, CreateCircle, CreateInvite, LoginRequest, RegisterRequest, SetAccess,
    SyncRequest, SyncResponse,
};
use carecircle_shared::{Access, DocKind, Document, Links, MemberId, Role, Timestamp};

use crate::exchange::{self, Uploader};
use crate::upload;

/// The member and actor the fuzzed uploads come from.
fn uploader_identity() -> (MemberId, ActorId) {
    let member = "7b0c7f44-3c55-4d1e-9a43-2f7a6f1c9e01"
        .parse()
        .unwrap_or_else(|_| MemberId::random());
    (member, ActorId::from(&[0x42u8; 16][..]))
}

/// The server's notes document, made once per process (building it per input would make
/// every run mostly set-up).
fn server_notes() -> &'static Document {
    static DOC: std::sync::OnceLock<Document> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let (member, actor) = uploader_identity();
        notes_document(member, &actor)
    })
}

/// A real notes document: the server's skeleton plus two notes by the uploader.
fn notes_document(member: MemberId, actor: &ActorId) -> Document {
    let mut doc = Document::create(
        DocKind::Notes,
        ActorId::from(&[0x01u8; 16][..]),
        member,
        Timestamp(1_700_000_000_000),
    );
    doc.set_actor(actor.clone());
    for text in ["First note", "Second note"] {
        let _ = doc.change(
            member,
            "Added a note",
            Timestamp(1_700_000_000_000),
            &Links::unknown(),
            |n: &mut Notes| {
                let note = Note {
                    author: Some(member),
                    text: text.into(),
                    ..Default::default()
                };
                n.items.insert(note.id.clone(), note);
                Ok(())
            },
        );
    }
    doc
}

/// Runs one exchange step of `message` against a copy of the server's notes document, as a
/// writer whose device owns the fuzzed actor, then the server's answer back into a client.
fn exchange_with(message: &[u8], server: &Document, access: Access) {
    let (member, actor) = uploader_identity();
    let actors: HashSet<String> = [actor.to_hex_string()].into();
    let uploader = Uploader {
        member,
        role: Role::Consumer,
        access,
        actors: &actors,
        relayable: &HashMap::new(),
    };
    let stored = server.save().len();
    let step = exchange::step(
        DocKind::Notes,
        server,
        None,
        Some(message),
        uploader,
        stored,
        Limits::DEFAULT.max_document_bytes,
    );
    if let Some(reply) = step.reply {
        let mut client = Automerge::new();
        let mut state = sync::State::new();
        if let Ok(m) = sync::Message::decode(&reply) {
            let _ = client.receive_sync_message(&mut state, m);
        }
    }
}

/// Arbitrary bytes as an incoming sync message for a real document.
pub fn sync_message_bytes(data: &[u8]) {
    let server = server_notes();
    exchange_with(data, server, Access::Write);
    exchange_with(data, server, Access::Read);
}

/// A well-formed sync message carrying real changes, damaged where `data` says: the first
/// byte picks how many edits the client makes, the rest are (position, xor) pairs applied to
/// the encoded message.
pub fn sync_message_structured(data: &[u8]) {
    let (member, actor) = uploader_identity();
    let server = server_notes();
    let mut client = Document::load(DocKind::Notes, &server.save())
        .unwrap_or_else(|_| Document::empty(DocKind::Notes, actor.clone()));
    client.set_actor(actor.clone());
    let edits = data.first().copied().unwrap_or(0) % 8;
    for i in 0..edits {
        let _ = client.change(
            member,
            "Added a note",
            Timestamp(1_700_000_000_000 + i64::from(i)),
            &Links::unknown(),
            |n: &mut Notes| {
                let note = Note {
                    author: Some(member),
                    text: "x".repeat(usize::from(i) * 40),
                    ..Default::default()
                };
                n.items.insert(note.id.clone(), note);
                Ok(())
            },
        );
    }
    // A round as the client would: its first message, then one answering the server's.
    let mut client_state = sync::State::new();
    let mut server_state = sync::State::new();
    let mut server_doc = server.automerge().clone();
    let Some(first) = client.automerge().generate_sync_message(&mut client_state) else {
        return;
    };
    let _ = server_doc.receive_sync_message(&mut server_state, first);
    if let Some(answer) = server_doc.generate_sync_message(&mut server_state) {
        let _ = client
            .automerge_mut()
            .receive_sync_message(&mut client_state, answer);
    }
    let Some(message) = client.automerge().generate_sync_message(&mut client_state) else {
        return;
    };
    let mut bytes = message.encode();
    for pair in data.get(1..).unwrap_or(&[]).chunks_exact(3) {
        if bytes.is_empty() {
            break;
        }
        let at = usize::from(u16::from_le_bytes([pair[0], pair[1]])) % bytes.len();
        bytes[at] ^= pair[2];
    }
    exchange_with(&bytes, server, Access::Write);
}

/// Arbitrary bytes through every decoder the server runs on client input: the JSON wire
/// types, sync messages and states, and the upload guard.
pub fn wire_decoders(data: &[u8]) {
    let _ = serde_json::from_slice::<SyncRequest>(data);
    let _ = serde_json::from_slice::<SyncResponse>(data);
    let _ = serde_json::from_slice::<RegisterRequest>(data);
    let _ = serde_json::from_slice::<LoginRequest>(data);
    let _ = serde_json::from_slice::<CreateCircle>(data);
    let _ = serde_json::from_slice::<CreateInvite>(data);
    let _ = serde_json::from_slice::<AcceptInvite>(data);
    let _ = serde_json::from_slice::<SetAccess>(data);
    let _ = sync::State::decode(data);
    if let Ok(message) = sync::Message::decode(data) {
        let _ = upload::check(&message.changes, 1 << 20);
    }
    let _ = upload::check(&sync::ChunkList::from(data.to_vec()), 1 << 20);
}
