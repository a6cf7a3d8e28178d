//! The one behaviour suite every [`LocalStore`] implementation must pass (native SQLite in
//! `cargo test`; IndexedDB in a browser). Public so each platform's tests can run it.

use carecircle_shared::automerge::{ActorId, Automerge};
use carecircle_shared::schema::{Note, Notes};
use carecircle_shared::wire::{CircleSummary, ErrorCode, MemberInfo, SyncCursor};
use carecircle_shared::{
    CircleId, DeviceId, DocKind, Document, DocumentId, Links, MemberId, Role, Timestamp,
};

use super::{DocWrite, LocalStore, Part, RefusedEdit, SavedSession};

fn assemble(parts: &[Part]) -> Automerge {
    let mut doc = Automerge::new();
    for p in parts.iter().filter(|p| !p.bytes.is_empty()) {
        doc.load_incremental(&p.bytes).expect("stored parts load");
    }
    doc
}

fn ids(parts: &[Part]) -> Vec<String> {
    parts.iter().map(|p| p.id.clone()).collect()
}

/// Runs every behaviour check against `store` (which must start empty). Panics on a failure.
pub async fn check_store(store: &dyn LocalStore) {
    // Session.
    assert_eq!(store.session().await.expect("session"), None);
    let session = SavedSession {
        server: "http://127.0.0.1:8080".into(),
        token: "t".into(),
        member: MemberId::random(),
        device: DeviceId::random(),
        display_name: "Sam".into(),
        actor: ActorId::random().to_hex_string(),
        last_synced_at: Some(Timestamp(5)),
        actors: vec![ActorId::random().to_hex_string()],
        cursor: Some(SyncCursor {
            docs: 7,
            standing: 3,
        }),
    };
    store
        .set_session(Some(&session))
        .await
        .expect("set session");
    assert_eq!(
        store.session().await.expect("session"),
        Some(session.clone())
    );

    // Circles.
    let circles = vec![CircleSummary {
        id: CircleId::random(),
        name: "Alex".into(),
        role: Role::Carer,
        documents: vec![],
    }];
    store.set_circles(&circles).await.expect("set circles");
    assert_eq!(store.circles().await.expect("circles"), circles);

    // Member lists, per circle.
    let circle = circles[0].id;
    assert!(store.members(circle).await.expect("members").is_empty());
    let members = vec![MemberInfo {
        member: session.member,
        display_name: "Sam".into(),
        role: Role::Carer,
        relationship: None,
        access: Default::default(),
        joined_at: Timestamp(5),
    }];
    store
        .set_members(circle, &members)
        .await
        .expect("set members");
    assert_eq!(store.members(circle).await.expect("members"), members);
    assert!(
        store
            .members(CircleId::random())
            .await
            .expect("members")
            .is_empty()
    );

    // Documents: snapshot + appended chunks load back to the same document.
    let id = DocumentId::random();
    assert_eq!(store.load(id).await.expect("load"), None);
    let mut doc = Document::create(
        DocKind::Notes,
        ActorId::random(),
        session.member,
        Timestamp(1),
    );
    let first = Part::new(doc.save(), true);
    store
        .append(id, DocKind::Notes, &first)
        .await
        .expect("append snapshot");
    // The same part twice is one part.
    store
        .append(id, DocKind::Notes, &first)
        .await
        .expect("append again");
    for i in 0..5 {
        let before = doc.heads();
        doc.change(
            session.member,
            "Added a note",
            Timestamp(2 + i),
            &Links::unknown(),
            |n: &mut Notes| {
                let note = Note {
                    author: Some(session.member),
                    text: format!("note {i}"),
                    ..Default::default()
                };
                n.items.insert(note.id.clone(), note);
                Ok(())
            },
        )
        .expect("edit");
        let chunk = Part::new(doc.automerge().save_after(&before), false);
        store
            .append(id, DocKind::Notes, &chunk)
            .await
            .expect("append chunk");
    }
    let parts = store.load(id).await.expect("load").expect("stored");
    assert_eq!(parts.len(), 6);
    assert_eq!(parts[0], first, "snapshots first");
    assert_eq!(assemble(&parts).get_heads(), doc.heads());
    assert_eq!(
        store.documents().await.expect("documents"),
        vec![(id, DocKind::Notes)]
    );

    // A compaction removes only the parts it covers: a part another writer added meanwhile
    // (here: written after the parts were listed) stays, and loading merges it.
    let covered = ids(&parts);
    let mut other = doc.clone();
    let before = other.heads();
    other
        .change(
            session.member,
            "Added a note",
            Timestamp(20),
            &Links::unknown(),
            |n: &mut Notes| {
                let note = Note {
                    author: Some(session.member),
                    text: "from another tab".into(),
                    ..Default::default()
                };
                n.items.insert(note.id.clone(), note);
                Ok(())
            },
        )
        .expect("edit");
    let theirs = Part::new(other.automerge().save_after(&before), false);
    store
        .append(id, DocKind::Notes, &theirs)
        .await
        .expect("append theirs");
    let snapshot = Part::new(doc.save(), true);
    store
        .replace(id, DocKind::Notes, &snapshot, &covered)
        .await
        .expect("replace");
    let parts = store.load(id).await.expect("load").expect("stored");
    assert_eq!(ids(&parts), vec![snapshot.id.clone(), theirs.id.clone()]);
    assert_eq!(assemble(&parts).get_heads(), other.heads());
    // Compacting everything leaves one snapshot.
    let all = ids(&parts);
    let snapshot = Part::new(other.save(), true);
    store
        .replace(id, DocKind::Notes, &snapshot, &all)
        .await
        .expect("replace all");
    let parts = store.load(id).await.expect("load").expect("stored");
    assert_eq!(ids(&parts), vec![snapshot.id]);
    let doc = other;

    // Sync state and last-seen heads.
    assert_eq!(store.sync_state(id).await.expect("state"), None);
    store
        .set_sync_state(id, Some(b"state"))
        .await
        .expect("set state");
    assert_eq!(
        store.sync_state(id).await.expect("state").as_deref(),
        Some(&b"state"[..])
    );
    store.set_sync_state(id, None).await.expect("clear state");
    assert_eq!(store.sync_state(id).await.expect("state"), None);
    assert!(store.last_seen(id).await.expect("seen").is_empty());
    store
        .set_last_seen(id, &doc.heads())
        .await
        .expect("set seen");
    assert_eq!(store.last_seen(id).await.expect("seen"), doc.heads());

    // One batched write (a sync exchange): new documents made by their parts, states set for
    // them and for a document the store had, a state alone for an unknown document ignored.
    let (a, b, unknown) = (
        DocumentId::random(),
        DocumentId::random(),
        DocumentId::random(),
    );
    let writes = [
        DocWrite {
            state: Some(b"a-state".to_vec()),
            ..DocWrite::part(a, DocKind::Notes, first.clone(), Vec::new())
        },
        DocWrite::part(b, DocKind::Team, first.clone(), Vec::new()),
        DocWrite {
            doc: id,
            kind: DocKind::Notes,
            part: None,
            state: Some(b"id-state".to_vec()),
        },
        DocWrite {
            doc: unknown,
            kind: DocKind::Notes,
            part: None,
            state: Some(b"lost".to_vec()),
        },
    ];
    store.write(&writes).await.expect("batched write");
    let listed = store.documents().await.expect("documents");
    assert!(listed.contains(&(a, DocKind::Notes)) && listed.contains(&(b, DocKind::Team)));
    assert!(!listed.iter().any(|(d, _)| *d == unknown));
    for (doc, state) in [
        (a, Some(&b"a-state"[..])),
        (b, None),
        (id, Some(&b"id-state"[..])),
    ] {
        assert_eq!(
            store.sync_state(doc).await.expect("state").as_deref(),
            state
        );
    }
    assert_eq!(store.load(b).await.expect("load").map(|p| p.len()), Some(1));
    store.delete(a).await.expect("delete");
    store.delete(b).await.expect("delete");

    // Refused edits: kept, resolved, dismissed.
    let edit = RefusedEdit {
        id: 0,
        doc: id,
        kind: DocKind::Notes,
        code: ErrorCode::Forbidden,
        message: "read only".into(),
        at: Timestamp(9),
        copy: doc.save(),
        resolved: false,
    };
    let rid = store.add_refused(&edit).await.expect("add refused");
    let listed = store.refused().await.expect("refused");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        RefusedEdit {
            id: rid,
            ..edit.clone()
        },
        listed[0]
    );
    store.resolve_refused(rid).await.expect("resolve");
    assert!(store.refused().await.expect("refused")[0].resolved);
    store.dismiss_refused(rid).await.expect("dismiss");
    assert!(store.refused().await.expect("refused").is_empty());

    // Delete removes the document with its state; clear removes everything.
    store.set_sync_state(id, Some(b"s")).await.expect("state");
    store.delete(id).await.expect("delete");
    assert_eq!(store.load(id).await.expect("load"), None);
    assert_eq!(store.sync_state(id).await.expect("state"), None);
    store
        .append(id, DocKind::Notes, &Part::new(doc.save(), true))
        .await
        .expect("append");
    store.clear().await.expect("clear");
    assert_eq!(store.session().await.expect("session"), None);
    assert!(store.documents().await.expect("documents").is_empty());
    assert!(store.circles().await.expect("circles").is_empty());
    assert!(store.members(circle).await.expect("members").is_empty());
}
