//! Three devices (consumer, carer, case manager) edit concurrently and sync through the real
//! server in batched requests until every replica is identical.

use carecircle_shared::schema::*;
use carecircle_shared::{DocKind, ItemId};
use carecircle_tests::TestServer;
use carecircle_tests::peer::now;
use carecircle_tests::scenario::circle_of_three;

#[tokio::test]
async fn concurrent_edits_converge_through_the_server() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "three").await;
    let circle = c.id;
    let (consumer_id, carer_id, cm_id) = (
        c.consumer.session.member,
        c.carer.session.member,
        c.case_manager.session.member,
    );

    // Everyone edits offline, at the same time.
    let appt = c
        .case_manager
        .edit(circle, "Added an appointment", |x: &mut Appointments| {
            let a = Appointment {
                purpose: "Medication review".into(),
                start: "2026-11-24T10:00:00+11:00".into(),
                end: "2026-11-24T10:45:00+11:00".into(),
                created_by: Some(cm_id),
                ..Default::default()
            };
            let id = a.id.clone();
            x.items.insert(id.clone(), a);
            Ok(id)
        });
    c.case_manager
        .edit(circle, "Added a team member", |t: &mut Team| {
            let m = TeamMember {
                name: "Dr Priya Raman".into(),
                contact_if_something_goes_wrong: true,
                ..Default::default()
            };
            t.members.insert(m.id.clone(), m);
            Ok(())
        });
    c.case_manager
        .edit(circle, "Set the review date", |p: &mut Plan| {
            p.review.next_review_date = Some("2026-12-01".into());
            Ok(())
        });
    c.consumer.edit(circle, "Added a goal", |p: &mut Plan| {
        let g = Goal {
            goal: "Go back to pottery class".into(),
            created_by: Some(consumer_id),
            ..Default::default()
        };
        p.goals.insert(g.id.clone(), g);
        Ok(())
    });
    c.consumer
        .edit(circle, "Added a question", |q: &mut Questions| {
            let x = Question {
                text: "Can the dose change?".into(),
                asked_by: Some(consumer_id),
                created_at: now(),
                ..Default::default()
            };
            q.items.insert(x.id.clone(), x);
            Ok(())
        });
    let mut carer_notes = Vec::new();
    for text in ["Slept better", "Pharmacy closes at 6"] {
        carer_notes.push(c.carer.edit(circle, "Added a note", |n: &mut Notes| {
            let note = Note {
                author: Some(carer_id),
                written_at: now(),
                text: text.into(),
                ..Default::default()
            };
            let id = note.id.clone();
            n.items.insert(id.clone(), note);
            Ok::<ItemId, _>(id)
        }));
    }

    // Sync in turns; each sync is a handful of batched requests for all five documents.
    for _ in 0..2 {
        for peer in [&mut c.consumer, &mut c.carer, &mut c.case_manager] {
            let report = peer.sync().await;
            assert!(
                report.errors.is_empty() && report.refusals.is_empty(),
                "{report:?}"
            );
            assert!(
                report.requests <= 6,
                "batched: {} requests",
                report.requests
            );
        }
    }

    // Every document every member can read is identical on every device.
    for kind in DocKind::ALL {
        let readers: Vec<_> = [&c.consumer, &c.carer, &c.case_manager]
            .into_iter()
            .filter(|p| p.circles[0].documents.iter().any(|d| d.kind == *kind))
            .collect();
        let mut heads0 = readers[0].doc(circle, *kind).heads();
        heads0.sort();
        for p in &readers[1..] {
            let mut h = p.doc(circle, *kind).heads();
            h.sort();
            assert_eq!(h, heads0, "{kind} heads");
        }
    }
    let notes: Notes = c.case_manager.view(circle);
    for id in &carer_notes {
        assert_eq!(notes.items[id].author, Some(carer_id));
    }
    let plan: Plan = c.consumer.view(circle);
    assert_eq!(plan.goals.len(), 1);
    assert_eq!(plan.review.next_review_date.as_deref(), Some("2026-12-01"));
    let appts: Appointments = c.carer.view(circle);
    assert!(appts.items.contains_key(&appt));
    assert!(
        c.carer.circles[0]
            .documents
            .iter()
            .all(|d| d.kind != DocKind::Plan),
        "carer has no plan by default"
    );
    // History names who did what.
    let history = c.consumer.doc(circle, DocKind::Notes).history();
    assert!(
        history
            .iter()
            .any(|h| h.by == Some(carer_id) && h.what == "Added a note")
    );
}
