//! The document API: skeletons, validation, history, conflicts and item rules.

use carecircle_shared::authorship::{ItemRuleError, check_item_rules};
use carecircle_shared::automerge::{ActorId, ROOT, ReadDoc, ScalarValue};
use carecircle_shared::schema::*;
use carecircle_shared::{
    DocError, DocKind, Document, ItemId, Links, MemberId, Role, Timestamp, ValidationError,
};

const T0: Timestamp = Timestamp(1_763_800_000_000);

fn server_doc(kind: DocKind) -> Document {
    Document::create(kind, ActorId::random(), MemberId::nil(), T0)
}

/// A device's copy: the server's bytes loaded with the device's own actor.
fn device_copy(server: &Document) -> Document {
    let mut doc = Document::load(server.kind(), &server.save()).expect("load");
    doc.set_actor(ActorId::random());
    doc
}

fn merge(into: &mut Document, from: &Document) {
    let mut other = from.automerge().clone();
    into.automerge_mut().merge(&mut other).expect("merge");
}

fn add_note(doc: &mut Document, by: MemberId, text: &str, at: Timestamp) -> ItemId {
    doc.change(
        by,
        "Added a note",
        at,
        &Links::unknown(),
        |n: &mut Notes| {
            let note = Note {
                author: Some(by),
                written_at: at,
                text: text.into(),
                ..Default::default()
            };
            let id = note.id.clone();
            n.items.insert(id.clone(), note);
            Ok(id)
        },
    )
    .expect("add note")
}

fn appointment(start: &str, end: &str) -> Appointment {
    Appointment {
        purpose: "Review with psychiatrist".into(),
        start: start.into(),
        end: end.into(),
        ..Default::default()
    }
}

fn add_appointment(doc: &mut Document, by: MemberId, a: Appointment) -> Result<ItemId, DocError> {
    doc.change(
        by,
        "Added an appointment",
        T0,
        &Links::unknown(),
        |x: &mut Appointments| {
            let id = a.id.clone();
            x.items.insert(id.clone(), a);
            Ok(id)
        },
    )
}

#[test]
fn every_kind_gets_a_valid_skeleton() {
    for kind in DocKind::ALL {
        let doc = server_doc(*kind);
        assert!(doc.has_skeleton());
        doc.validate().expect("skeleton validates");
        let reloaded = Document::load(*kind, &doc.save()).expect("reload");
        reloaded.validate().expect("reloaded skeleton validates");
        assert_eq!(doc.history().len(), 1, "{kind}: one creating change");
    }
    let plan: Plan = server_doc(DocKind::Plan).view().expect("plan");
    assert!(
        plan.areas
            .iter()
            .iter()
            .all(|(_, a)| a.status == AreaStatus::NotYetDiscussed)
    );
}

#[test]
fn synced_skeleton_never_duplicates_containers() {
    let server = server_doc(DocKind::Notes);
    let (sam, alex) = (MemberId::random(), MemberId::random());
    let mut phone = device_copy(&server);
    let mut laptop = device_copy(&server);
    let a = add_note(&mut phone, sam, "Slept better this week", T0);
    let b = add_note(&mut laptop, alex, "Pharmacy closes at 6", T0);
    merge(&mut phone, &laptop);
    merge(&mut laptop, &phone);
    for doc in [&phone, &laptop] {
        let items = doc.automerge().get_all(ROOT, "items").expect("items");
        assert_eq!(items.len(), 1, "exactly one items container");
        let notes: Notes = doc.view().expect("view");
        assert!(notes.items.contains_key(&a) && notes.items.contains_key(&b));
        assert!(doc.conflicts().is_empty());
    }
}

#[test]
fn the_trap_two_skeletons_lose_one_sides_items() {
    // Why skeletons are created once: two devices that each create one end up with two
    // conflicting containers, and one side's notes vanish from view.
    let (sam, alex) = (MemberId::random(), MemberId::random());
    let mut phone = server_doc(DocKind::Notes);
    let mut laptop = server_doc(DocKind::Notes);
    add_note(&mut phone, sam, "one", T0);
    add_note(&mut laptop, alex, "two", T0);
    merge(&mut phone, &laptop);
    assert_eq!(
        phone
            .automerge()
            .get_all(ROOT, "items")
            .expect("items")
            .len(),
        2
    );
    let notes: Notes = phone.view().expect("view");
    assert_eq!(notes.items.len(), 1, "one side's note is hidden");
}

#[test]
fn a_document_not_yet_received_refuses_edits_instead_of_creating_containers() {
    let mut empty = Document::empty(DocKind::Notes, ActorId::random());
    let err = empty
        .change(
            MemberId::random(),
            "Added a note",
            T0,
            &Links::unknown(),
            |_: &mut Notes| Ok(()),
        )
        .expect_err("no skeleton");
    assert_eq!(err, DocError::NoSkeleton(DocKind::Notes));
    assert!(empty.heads().is_empty(), "nothing written");
}

#[test]
fn wrong_kind_and_malformed_bytes_are_clear_errors() {
    let doc = server_doc(DocKind::Notes);
    assert_eq!(
        doc.view::<Plan>().expect_err("kind"),
        DocError::WrongKind {
            expected: DocKind::Plan,
            found: DocKind::Notes
        }
    );
    assert_eq!(
        Document::load(DocKind::Notes, b"not automerge").expect_err("bytes"),
        DocError::Malformed
    );
}

/// Runs a failing edit and checks both the error and that the document did not change.
fn refused<T: DocSchema>(
    doc: &mut Document,
    links: &Links,
    edit: impl FnOnce(&mut T),
) -> ValidationError {
    let before = doc.heads();
    let err = doc
        .change(MemberId::random(), "edit", T0, links, |x: &mut T| {
            edit(x);
            Ok(())
        })
        .expect_err("must be refused");
    assert_eq!(
        doc.heads(),
        before,
        "refused edit left the document unchanged"
    );
    match err {
        DocError::Invalid(v) => v,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn bad_input_is_refused_with_its_specific_error() {
    let by = MemberId::random();
    // End before start.
    let mut appts = server_doc(DocKind::Appointments);
    let a = appointment("2026-11-23T10:00:00+11:00", "2026-11-23T09:00:00+11:00");
    let id = a.id.clone();
    let before = appts.heads();
    assert_eq!(
        add_appointment(&mut appts, by, a).expect_err("end before start"),
        DocError::Invalid(ValidationError::EndBeforeStart { item: id })
    );
    assert_eq!(appts.heads(), before);
    // A time without an offset.
    let err = refused(&mut appts, &Links::unknown(), |x: &mut Appointments| {
        let a = appointment("2026-11-23T10:00:00", "2026-11-23T11:00:00+11:00");
        x.items.insert(a.id.clone(), a);
    });
    assert_eq!(err, ValidationError::BadDateTime { field: "start" });

    // Empty name.
    let mut team = server_doc(DocKind::Team);
    let err = refused(&mut team, &Links::unknown(), |t: &mut Team| {
        let m = TeamMember {
            name: "  ".into(),
            ..Default::default()
        };
        t.members.insert(m.id.clone(), m);
    });
    assert_eq!(err, ValidationError::Empty { field: "name" });

    // Text over the limit.
    let mut notes = server_doc(DocKind::Notes);
    let err = refused(&mut notes, &Links::unknown(), |n: &mut Notes| {
        let note = Note {
            author: Some(by),
            text: "x".repeat(carecircle_shared::limits::MAX_LONG_TEXT_CHARS + 1),
            ..Default::default()
        };
        n.items.insert(note.id.clone(), note);
    });
    assert_eq!(
        err,
        ValidationError::TooLong {
            field: "text",
            max: carecircle_shared::limits::MAX_LONG_TEXT_CHARS
        }
    );

    // Unknown appointment link.
    let links = Links {
        appointments: Some(Default::default()),
        ..Links::unknown()
    };
    let missing = ItemId::random();
    let err = refused(&mut notes, &links, |n: &mut Notes| {
        let note = Note {
            author: Some(by),
            text: "About the appointment".into(),
            appointment_id: Some(missing.clone()),
            ..Default::default()
        };
        n.items.insert(note.id.clone(), note);
    });
    assert_eq!(
        err,
        ValidationError::UnknownLink {
            field: "appointment_id",
            id: missing
        }
    );

    // Unsupported schema version (an edit may not claim another version).
    let err = refused(&mut notes, &Links::unknown(), |n: &mut Notes| n.schema = 99);
    assert_eq!(
        err,
        ValidationError::UnsupportedSchema {
            found: 99,
            supported: SCHEMA_VERSION
        }
    );

    // Mismatched item key.
    let err = refused(&mut notes, &Links::unknown(), |n: &mut Notes| {
        let note = Note {
            author: Some(by),
            text: "hi".into(),
            ..Default::default()
        };
        n.items.insert(ItemId::random(), note);
    });
    assert!(matches!(err, ValidationError::BadItemId { .. }));
}

#[test]
fn a_document_from_a_newer_schema_is_refused_on_read() {
    let mut doc = server_doc(DocKind::Notes);
    doc.automerge_mut()
        .transact(|tx| {
            use carecircle_shared::automerge::transaction::Transactable;
            tx.put(ROOT, "schema", 2_u64)
        })
        .expect("raw write");
    assert_eq!(
        doc.view::<Notes>().expect_err("newer"),
        DocError::Invalid(ValidationError::UnsupportedSchema {
            found: 2,
            supported: SCHEMA_VERSION
        })
    );
    assert!(doc.validate().is_err());
}

#[test]
fn history_names_both_members_with_times_and_descriptions() {
    let server = server_doc(DocKind::Notes);
    let (sam, alex) = (MemberId::random(), MemberId::random());
    let mut phone = device_copy(&server);
    let mut laptop = device_copy(&server);
    let t1 = T0.plus_millis(60_000);
    let t2 = T0.plus_millis(120_000);
    let n = add_note(&mut phone, sam, "first", t1);
    merge(&mut laptop, &phone);
    laptop
        .change(
            alex,
            "Added a note",
            t2,
            &Links::unknown(),
            |x: &mut Notes| {
                let note = Note {
                    author: Some(alex),
                    written_at: t2,
                    text: "second".into(),
                    ..Default::default()
                };
                x.items.insert(note.id.clone(), note);
                Ok(())
            },
        )
        .expect("alex");
    let seen = laptop.heads();
    phone
        .change(
            sam,
            "Edited a note",
            t2.plus_millis(1),
            &Links::unknown(),
            |x: &mut Notes| {
                x.items.get_mut(&n).expect("note").text = "first, edited".into();
                Ok(())
            },
        )
        .expect("edit");
    merge(&mut laptop, &phone);
    let history = laptop.history();
    let described: Vec<_> = history
        .iter()
        .map(|h| (h.by, h.at, h.what.as_str()))
        .collect();
    assert_eq!(
        described[0],
        (Some(MemberId::nil()), T0, "Created the notes document")
    );
    assert!(described.contains(&(Some(sam), t1, "Added a note")));
    assert!(described.contains(&(Some(alex), t2, "Added a note")));
    assert!(described.contains(&(Some(sam), t2.plus_millis(1), "Edited a note")));
    // "What changed since you last looked": only Sam's edit is new to Alex.
    let since = laptop.history_since(&seen);
    assert_eq!(since.len(), 1);
    assert_eq!(
        (since[0].by, since[0].what.as_str()),
        (Some(sam), "Edited a note")
    );
}

#[test]
fn concurrent_times_conflict_as_whole_slots_and_settle_whole() {
    let mut server = server_doc(DocKind::Appointments);
    let cm = MemberId::random();
    let a = appointment("2026-11-23T10:00:00+11:00", "2026-11-23T10:30:00+11:00");
    let id = add_appointment(&mut server, cm, a).expect("add");
    let (sam, alex) = (MemberId::random(), MemberId::random());
    let mut phone = device_copy(&server);
    let mut laptop = device_copy(&server);
    let set = |doc: &mut Document, by, start: &str, end: &str| {
        doc.change(
            by,
            "Changed the time",
            T0,
            &Links::unknown(),
            |x: &mut Appointments| {
                let a = x.items.get_mut(&id).expect("appt");
                a.start = start.into();
                a.end = end.into();
                Ok(())
            },
        )
        .expect("set time");
    };
    // Sam moves it to the afternoon; Alex only makes it longer. Field by field this merged
    // into 14:00 (Sam's start) – 11:00 (Alex's end), a record that fails validation.
    set(
        &mut phone,
        sam,
        "2026-11-23T14:00:00+11:00",
        "2026-11-23T14:30:00+11:00",
    );
    set(
        &mut laptop,
        alex,
        "2026-11-23T10:00:00+11:00",
        "2026-11-23T11:00:00+11:00",
    );
    merge(&mut phone, &laptop);
    merge(&mut laptop, &phone);
    for doc in [&phone, &laptop] {
        let conflicts = doc.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(
            conflicts[0].path,
            vec!["items".to_string(), id.to_string(), "slot".into()]
        );
        let mut who: Vec<_> = conflicts[0].values.iter().map(|v| v.by).collect();
        who.sort();
        let mut expected = vec![Some(sam), Some(alex)];
        expected.sort();
        assert_eq!(who, expected);
        // Whatever wins is one person's whole slot, and the first value is the one shown.
        let shown: Appointments = doc.view().expect("view");
        let a = &shown.items[&id];
        assert!(
            [
                ("2026-11-23T14:00:00+11:00", "2026-11-23T14:30:00+11:00"),
                ("2026-11-23T10:00:00+11:00", "2026-11-23T11:00:00+11:00")
            ]
            .contains(&(a.start.as_str(), a.end.as_str())),
            "{a:?}"
        );
        assert_eq!(conflicts[0].values[0].value, a.slot().encode().as_str());
        shown
            .validate_change(&Appointments::default(), &Links::unknown())
            .expect("the merged record is valid");
    }
    // An unrelated edit of the same appointment does not silently settle the conflict.
    phone
        .change(
            sam,
            "Added transport",
            T0,
            &Links::unknown(),
            |x: &mut Appointments| {
                x.items.get_mut(&id).expect("appt").transport = "Bus 12".into();
                Ok(())
            },
        )
        .expect("edit other field");
    assert_eq!(
        phone.conflicts().len(),
        1,
        "conflict still shown after an unrelated edit"
    );
    // Settling writes one whole slot, which then shows on every replica; a slot that would
    // not be valid is refused and nothing is written.
    let path = phone.conflicts()[0].path.clone();
    let backwards = Slot {
        start: "2026-11-23T14:00:00+11:00".into(),
        end: "2026-11-23T11:00:00+11:00".into(),
        zone: String::new(),
    };
    let heads = phone.heads();
    assert!(
        phone
            .resolve_conflict(sam, T0, &path, ScalarValue::Str(backwards.encode().into()))
            .is_err()
    );
    assert_eq!(phone.heads(), heads, "nothing written");
    let alexs = Slot {
        start: "2026-11-23T10:00:00+11:00".into(),
        end: "2026-11-23T11:00:00+11:00".into(),
        zone: String::new(),
    };
    phone
        .resolve_conflict(sam, T0, &path, ScalarValue::Str(alexs.encode().into()))
        .expect("resolve");
    merge(&mut laptop, &phone);
    for doc in [&phone, &laptop] {
        assert!(doc.conflicts().is_empty());
        let x: Appointments = doc.view().expect("view");
        assert_eq!(x.items[&id].slot(), alexs);
        assert_eq!(x.items[&id].transport, "Bus 12");
    }
}

#[test]
fn appointments_recorded_with_separate_times_and_a_place_map_still_read() {
    let by = MemberId::random();
    let mut doc = server_doc(DocKind::Appointments);
    let id = ItemId::random();
    // The shape earlier builds wrote: start and end as keys of their own, the place a map.
    doc.automerge_mut()
        .transact::<_, _, carecircle_shared::automerge::AutomergeError>(|tx| {
            use carecircle_shared::automerge::ObjType;
            use carecircle_shared::automerge::transaction::Transactable;
            let (_, items) = tx.get(ROOT, "items")?.expect("items");
            let a = tx.put_object(&items, id.as_str(), ObjType::Map)?;
            for (k, v) in [
                ("id", id.as_str()),
                ("purpose", "Review"),
                ("start", "2026-11-23T10:00:00+11:00"),
                ("end", "2026-11-23T11:00:00+11:00"),
                ("status", "scheduled"),
                ("support_person", ""),
                ("transport", ""),
                ("notes", ""),
            ] {
                tx.put(&a, k, v)?;
            }
            for k in ["written_details_requested", "written_details_received"] {
                tx.put(&a, k, false)?;
            }
            for k in ["with_team", "question_ids"] {
                tx.put_object(&a, k, ObjType::List)?;
            }
            let place = tx.put_object(&a, "place", ObjType::Map)?;
            for (k, v) in [
                ("name", "Clinic"),
                ("address", "1 Main St"),
                ("telehealth_url", ""),
            ] {
                tx.put(&place, k, v)?;
            }
            Ok(())
        })
        .expect("old shape");
    let x: Appointments = doc.view().expect("view");
    let a = &x.items[&id];
    assert_eq!(
        (a.start.as_str(), a.place.name.as_str()),
        ("2026-11-23T10:00:00+11:00", "Clinic")
    );
    // Edited, it is written in the current shape.
    doc.change(
        by,
        "Edited",
        T0,
        &Links::unknown(),
        |x: &mut Appointments| {
            x.items.get_mut(&id).expect("appt").place.name = "Clinic B".into();
            Ok(())
        },
    )
    .expect("edit");
    let x: Appointments = Document::load(DocKind::Appointments, &doc.save())
        .expect("load")
        .view()
        .expect("view");
    assert_eq!(x.items[&id].place.name, "Clinic B");
    assert_eq!(x.items[&id].start, "2026-11-23T10:00:00+11:00");
}

#[test]
fn item_rules_let_only_authors_change_notes_and_answerers_answer_questions() {
    let (consumer, carer, cm) = (MemberId::random(), MemberId::random(), MemberId::random());
    let server = server_doc(DocKind::Notes);
    let mut doc = device_copy(&server);
    let id = add_note(&mut doc, carer, "Carer's note", T0);
    let before = doc.clone();
    let mut edited = doc.clone();
    edited
        .change(
            cm,
            "Edited a note",
            T0,
            &Links::unknown(),
            |n: &mut Notes| {
                n.items.get_mut(&id).expect("note").text = "changed by someone else".into();
                Ok(())
            },
        )
        .expect("local edit");
    assert_eq!(
        check_item_rules(DocKind::Notes, Role::CaseManager, cm, &before, &edited),
        Err(ItemRuleError::NotAuthor { item: id.clone() })
    );
    // Writing a note as someone else is refused too.
    let mut forged = before.clone();
    add_note(&mut forged, consumer, "pretending", T0);
    assert!(check_item_rules(DocKind::Notes, Role::Carer, carer, &before, &forged).is_err());
    let mut own = before.clone();
    add_note(&mut own, carer, "mine", T0);
    assert_eq!(
        check_item_rules(DocKind::Notes, Role::Carer, carer, &before, &own),
        Ok(())
    );

    // Questions: the case manager may answer the carer's question, the carer may not edit the
    // consumer's, and nobody but the author may change its text.
    let qs_server = server_doc(DocKind::Questions);
    let mut qs = device_copy(&qs_server);
    let q = qs
        .change(
            consumer,
            "Added a question",
            T0,
            &Links::unknown(),
            |x: &mut Questions| {
                let q = Question {
                    text: "Can the dose change?".into(),
                    asked_by: Some(consumer),
                    ..Default::default()
                };
                let id = q.id.clone();
                x.items.insert(id.clone(), q);
                Ok(id)
            },
        )
        .expect("question");
    let before = qs.clone();
    let mut answered = qs.clone();
    answered
        .change(
            cm,
            "Answered a question",
            T0,
            &Links::unknown(),
            |x: &mut Questions| {
                let q = x.items.get_mut(&q).expect("q");
                q.status = QuestionStatus::Answered;
                q.answer = "Yes, at the review".into();
                q.answered_by = Some(cm);
                q.answered_at = Some(T0);
                Ok(())
            },
        )
        .expect("answer");
    assert_eq!(
        check_item_rules(
            DocKind::Questions,
            Role::CaseManager,
            cm,
            &before,
            &answered
        ),
        Ok(())
    );
    assert!(check_item_rules(DocKind::Questions, Role::Carer, carer, &before, &answered).is_err());
    let mut reworded = qs.clone();
    reworded
        .change(
            cm,
            "Edited a question",
            T0,
            &Links::unknown(),
            |x: &mut Questions| {
                x.items.get_mut(&q).expect("q").text = "Different question".into();
                Ok(())
            },
        )
        .expect("reword");
    assert!(
        check_item_rules(
            DocKind::Questions,
            Role::CaseManager,
            cm,
            &before,
            &reworded
        )
        .is_err()
    );
}

#[test]
fn every_optional_link_and_time_round_trips() {
    let by = MemberId::random();
    let mut appts = server_doc(DocKind::Appointments);
    let mut a = appointment("2026-11-23T10:00:00+11:00", "2026-11-23T11:00:00+11:00");
    a.with_team = vec![ItemId::random()];
    a.question_ids = vec![ItemId::random()];
    a.double_checked_by = Some(by);
    a.double_checked_at = Some(T0);
    a.rescheduled_from = Some("2026-11-22T10:00:00+11:00".into());
    a.created_by = Some(by);
    let id = add_appointment(&mut appts, by, a.clone()).expect("add");
    let back: Appointments = Document::load(DocKind::Appointments, &appts.save())
        .expect("load")
        .view()
        .expect("view");
    assert_eq!(back.items[&id], a);

    let mut qs = server_doc(DocKind::Questions);
    let q = Question {
        text: "Which pharmacy?".into(),
        asked_by: Some(by),
        created_at: T0,
        for_appointment: Some(ItemId::random()),
        for_team_member: Some(ItemId::random()),
        status: QuestionStatus::Answered,
        answer: "The one on High St".into(),
        answered_by: Some(by),
        answered_at: Some(T0),
        ..Default::default()
    };
    let qid = q.id.clone();
    let stored = q.clone();
    qs.change(by, "Added", T0, &Links::unknown(), |x: &mut Questions| {
        x.items.insert(qid.clone(), stored);
        Ok(())
    })
    .expect("question");
    let back: Questions = qs.view().expect("view");
    assert_eq!(back.items[&qid], q);

    let mut team = server_doc(DocKind::Team);
    let org = Organisation {
        name: "Clinic".into(),
        ..Default::default()
    };
    let member = TeamMember {
        name: "GP".into(),
        organisation_id: Some(org.id.clone()),
        circle_member: Some(by),
        ..Default::default()
    };
    let (oid, mid) = (org.id.clone(), member.id.clone());
    let (o2, m2) = (org.clone(), member.clone());
    team.change(by, "Added", T0, &Links::unknown(), |t: &mut Team| {
        t.organisations.insert(oid.clone(), o2);
        t.members.insert(mid.clone(), m2);
        Ok(())
    })
    .expect("team");
    let back: Team = team.view().expect("view");
    assert_eq!(back.members[&member.id], member);
}

fn edit_appointment(
    doc: &mut Document,
    by: MemberId,
    id: &ItemId,
    f: impl FnOnce(&mut Appointment),
) {
    doc.change(
        by,
        "Updated an appointment",
        T0,
        &Links::unknown(),
        |x: &mut Appointments| {
            f(x.items.get_mut(id).expect("appointment"));
            Ok(())
        },
    )
    .expect("edit");
}

fn shown(doc: &Document, id: &ItemId) -> Appointment {
    doc.view::<Appointments>().expect("view").items[id].clone()
}

#[test]
fn a_double_check_goes_stale_when_the_time_or_place_changes_even_concurrently() {
    let (carer, case_manager) = (MemberId::random(), MemberId::random());
    let mut server = server_doc(DocKind::Appointments);
    let mut a = appointment("2027-04-10T10:00:00+10:00", "2027-04-10T10:30:00+10:00");
    a.zone = "Australia/Melbourne".into();
    let id = add_appointment(&mut server, case_manager, a).expect("add");
    let mut phone = device_copy(&server);
    let mut office = device_copy(&server);
    // The carer double-checks on their phone while the case manager, offline, moves the room.
    edit_appointment(&mut phone, carer, &id, |a| a.mark_double_checked(carer, T0));
    assert!(shown(&phone, &id).is_double_checked());
    edit_appointment(&mut office, case_manager, &id, |a| {
        a.place.name = "Room 4".into()
    });
    merge(&mut phone, &office);
    merge(&mut office, &phone);
    for doc in [&phone, &office] {
        let a = shown(doc, &id);
        assert!(
            !a.is_double_checked(),
            "the confirmed place is not the place"
        );
        assert!(a.changed_since_double_check());
    }
    // Double-checked again, then the time changes (same instant in other notation: no change).
    edit_appointment(&mut phone, carer, &id, |a| a.mark_double_checked(carer, T0));
    edit_appointment(&mut phone, case_manager, &id, |a| {
        a.start = "2027-04-10T10:00:00.000+10:00".into();
    });
    assert!(shown(&phone, &id).is_double_checked(), "the same instant");
    edit_appointment(&mut phone, case_manager, &id, |a| {
        a.start = "2027-04-10T09:30:00+10:00".into();
    });
    assert!(shown(&phone, &id).changed_since_double_check());
}

#[test]
fn times_must_carry_their_zones_offset_for_that_date() {
    let by = MemberId::random();
    let mut doc = server_doc(DocKind::Appointments);
    // April in Melbourne is +10:00: the +11:00 of November is refused.
    let mut a = appointment("2027-04-10T10:00:00+11:00", "2027-04-10T11:00:00+11:00");
    a.zone = "Australia/Melbourne".into();
    assert_eq!(
        add_appointment(&mut doc, by, a.clone()),
        Err(DocError::Invalid(ValidationError::WrongOffset {
            field: "start"
        }))
    );
    a.start = "2027-04-10T10:00:00+10:00".into();
    a.end = "2027-04-10T11:00:00+10:00".into();
    add_appointment(&mut doc, by, a.clone()).expect("right offset");
    let mut b = appointment("2027-04-10T10:00:00+10:00", "2027-04-10T11:00:00+10:00");
    b.zone = "Australia/Atlantis".into();
    assert_eq!(
        add_appointment(&mut doc, by, b),
        Err(DocError::Invalid(ValidationError::UnknownZone {
            field: "zone"
        }))
    );
    // Appointments recorded before zones keep working.
    let legacy = appointment("2027-04-10T10:00:00+11:00", "2027-04-10T11:00:00+11:00");
    add_appointment(&mut doc, by, legacy).expect("no zone");
}
