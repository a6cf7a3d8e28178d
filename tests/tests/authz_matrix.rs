//! The authorization matrix, generated from `shared::policy`: every role x document x action
//! and every role x circle action, plus a stranger, a member of another circle using their own
//! valid token on this circle's ids, and a revoked member. Prints how many cells it checked.

use carecircle_shared::policy::{self, CircleAction};
use carecircle_shared::schema::*;
use carecircle_shared::wire::CircleSummary;
use carecircle_shared::{
    Access, CircleId, DocKind, Document, DocumentId, InviteId, MemberId, Role,
};
use carecircle_tests::scenario::{accept, invite};
use carecircle_tests::{Api, Peer, Reply, TestServer};
use serde_json::json;

/// Who acts in a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subject {
    Member(Role),
    Stranger,
    OtherCircleMember,
    Revoked,
}

const SUBJECTS: [Subject; 6] = [
    Subject::Member(Role::Consumer),
    Subject::Member(Role::Carer),
    Subject::Member(Role::CaseManager),
    Subject::Stranger,
    Subject::OtherCircleMember,
    Subject::Revoked,
];

struct People {
    consumer: Peer,
    carer: Peer,
    case_manager: Peer,
    stranger: Peer,
    other: Peer,
    revoked: Peer,
    target: Peer,
}

impl People {
    fn subject(&mut self, s: Subject) -> &mut Peer {
        match s {
            Subject::Member(Role::Consumer) => &mut self.consumer,
            Subject::Member(Role::Carer) => &mut self.carer,
            Subject::Member(Role::CaseManager) => &mut self.case_manager,
            Subject::Stranger => &mut self.stranger,
            Subject::OtherCircleMember => &mut self.other,
            Subject::Revoked => &mut self.revoked,
        }
    }
}

async fn people(api: &Api) -> People {
    let mut p = People {
        consumer: Peer::register(api, "m-consumer").await,
        carer: Peer::register(api, "m-carer").await,
        case_manager: Peer::register(api, "m-cm").await,
        stranger: Peer::register(api, "m-stranger").await,
        other: Peer::register(api, "m-other").await,
        revoked: Peer::register(api, "m-revoked").await,
        target: Peer::register(api, "m-target").await,
    };
    let _: CircleSummary = p
        .other
        .api
        .post("/v1/circles", &json!({"name": "Other", "role": "consumer"}))
        .await
        .ok();
    p.other.refresh().await;
    p.stranger.refresh().await;
    p
}

/// A fresh circle: consumer, carer, case manager, a target carer and a revoked carer.
async fn circle(p: &mut People) -> CircleId {
    let c: CircleSummary = p
        .consumer
        .api
        .post(
            "/v1/circles",
            &json!({"name": "Matrix", "role": "consumer"}),
        )
        .await
        .ok();
    for (peer, role) in [
        (&p.carer, Role::Carer),
        (&p.case_manager, Role::CaseManager),
        (&p.target, Role::Carer),
        (&p.revoked, Role::Carer),
    ] {
        let code = invite(&p.consumer.api, c.id, role).await;
        accept(&peer.api, &code).await;
    }
    for peer in [
        &mut p.consumer,
        &mut p.carer,
        &mut p.case_manager,
        &mut p.revoked,
    ] {
        peer.refresh().await;
        peer.sync().await;
    }
    let revoked = p.revoked.session.member;
    assert_eq!(
        p.consumer
            .api
            .delete(&format!("/v1/circles/{}/members/{revoked}", c.id))
            .await
            .status,
        204
    );
    c.id
}

/// An outstanding carer invite made by the consumer.
async fn spare_invite(consumer: &Api, circle: CircleId) -> InviteId {
    let reply: serde_json::Value = consumer
        .post(
            &format!("/v1/circles/{circle}/invites"),
            &json!({"role": "carer"}),
        )
        .await
        .ok();
    serde_json::from_value(reply["id"].clone()).expect("invite id")
}

/// The code a read or write by someone with `access` gets: none when allowed.
fn access_code(access: Access, write: bool) -> Option<&'static str> {
    match (write, access.can_read(), access.can_write()) {
        (_, false, _) => Some("revoked"),
        (true, true, false) => Some("forbidden"),
        _ => None,
    }
}

fn expected_doc_code(subject: Subject, kind: DocKind, write: bool) -> Option<&'static str> {
    match subject {
        Subject::Member(role) => access_code(policy::default_access(role, kind), write),
        Subject::Stranger | Subject::OtherCircleMember => Some("forbidden"),
        Subject::Revoked => Some("revoked"),
    }
}

/// A small valid edit of each document, authored by `me`.
fn edit(doc: &mut Document, me: MemberId) {
    let t = carecircle_tests::peer::now();
    let l = carecircle_shared::Links::unknown();
    let r = match doc.kind() {
        DocKind::Team => doc.change(me, "Added", t, &l, |x: &mut Team| {
            let m = TeamMember {
                name: "GP".into(),
                ..Default::default()
            };
            x.members.insert(m.id.clone(), m);
            Ok(())
        }),
        DocKind::Appointments => doc.change(me, "Added", t, &l, |x: &mut Appointments| {
            let a = Appointment {
                purpose: "Check-up".into(),
                start: "2026-12-01T10:00:00+11:00".into(),
                end: "2026-12-01T11:00:00+11:00".into(),
                ..Default::default()
            };
            x.items.insert(a.id.clone(), a);
            Ok(())
        }),
        DocKind::Questions => doc.change(me, "Added", t, &l, |x: &mut Questions| {
            let q = Question {
                text: "Why?".into(),
                asked_by: Some(me),
                ..Default::default()
            };
            x.items.insert(q.id.clone(), q);
            Ok(())
        }),
        DocKind::Plan => doc.change(me, "Edited", t, &l, |x: &mut Plan| {
            x.treatment_summary = format!("Summary by {me}");
            Ok(())
        }),
        DocKind::Notes => doc.change(me, "Added", t, &l, |x: &mut Notes| {
            let n = Note {
                author: Some(me),
                text: "Note".into(),
                ..Default::default()
            };
            x.items.insert(n.id.clone(), n);
            Ok(())
        }),
    };
    r.expect("valid local edit");
}

/// One circle action as `api`. `spare` is an outstanding invite the consumer made.
async fn circle_action(
    api: &Api,
    circle: CircleId,
    action: CircleAction,
    me: MemberId,
    target: MemberId,
    spare: InviteId,
) -> Reply {
    let invites = format!("/v1/circles/{circle}/invites");
    match action {
        CircleAction::ManageInvites => api.delete(&format!("{invites}/{spare}")).await,
        CircleAction::InviteConsumer => api.post(&invites, &json!({"role": "consumer"})).await,
        CircleAction::InviteCarer => api.post(&invites, &json!({"role": "carer"})).await,
        CircleAction::InviteCaseManager => {
            api.post(&invites, &json!({"role": "case_manager"})).await
        }
        CircleAction::ChangeAccess => {
            api.put(
                &format!("/v1/circles/{circle}/members/{target}/access"),
                &json!({"kind": "notes", "access": "read"}),
            )
            .await
        }
        CircleAction::RevokeMember => {
            api.delete(&format!("/v1/circles/{circle}/members/{target}"))
                .await
        }
        CircleAction::ReadAccessLog => api.get(&format!("/v1/circles/{circle}/access-log")).await,
        CircleAction::ListMembers => api.get(&format!("/v1/circles/{circle}")).await,
        CircleAction::Leave => {
            api.delete(&format!("/v1/circles/{circle}/members/{me}"))
                .await
        }
    }
}

#[tokio::test]
async fn authorization_matrix_matches_the_policy_table() {
    let server = TestServer::start().await;
    let mut p = people(&server.api()).await;
    let mut cells = 0;

    // Documents: read and write, every subject x kind.
    let c = circle(&mut p).await;
    let consumer_docs: Vec<_> = p
        .consumer
        .circles
        .iter()
        .find(|x| x.id == c)
        .expect("circle")
        .documents
        .clone();
    for doc in &consumer_docs {
        let doc_bytes = p.consumer.docs[&doc.id].save();
        for subject in SUBJECTS {
            // A copy of the document under its real id, whether or not this subject may have it.
            let [read, write] =
                read_and_write(p.subject(subject), doc.id, doc.kind, &doc_bytes).await;
            assert_eq!(
                read.as_deref(),
                expected_doc_code(subject, doc.kind, false),
                "{subject:?} read {}",
                doc.kind
            );
            assert_eq!(
                write.as_deref(),
                expected_doc_code(subject, doc.kind, true),
                "{subject:?} write {}",
                doc.kind
            );
            cells += 2;
        }
    }

    // Circle actions: a fresh circle per cell, since some actions change membership.
    for action in CircleAction::ALL {
        for subject in SUBJECTS {
            let c = circle(&mut p).await;
            let target = p.target.session.member;
            let spare = spare_invite(&p.consumer.api, c).await;
            let peer = p.subject(subject);
            let me = peer.session.member;
            let reply = circle_action(&peer.api, c, *action, me, target, spare).await;
            let code = reply.code();
            match subject {
                Subject::Member(role) => {
                    let allowed = (200..300).contains(&reply.status)
                        || code.as_deref() == Some("circle_has_consumer");
                    assert_eq!(
                        allowed,
                        policy::may(role, *action),
                        "{role} {action}: {} {}",
                        reply.status,
                        reply.body
                    );
                    if !allowed {
                        assert_eq!(code.as_deref(), Some("forbidden"));
                    }
                }
                Subject::Stranger | Subject::OtherCircleMember => {
                    assert_eq!(code.as_deref(), Some("forbidden"), "{subject:?} {action}")
                }
                Subject::Revoked => {
                    assert_eq!(code.as_deref(), Some("revoked"), "{subject:?} {action}")
                }
            }
            cells += 1;
        }
    }
    println!("authorization matrix: {cells} cells checked, all match shared::policy");
    assert_eq!(
        cells,
        DocKind::ALL.len() * SUBJECTS.len() * 2 + CircleAction::ALL.len() * SUBJECTS.len()
    );
}

/// Reads then writes document `id` as `peer`, starting from a copy of `saved`; the codes each
/// got.
async fn read_and_write(
    peer: &mut Peer,
    id: DocumentId,
    kind: DocKind,
    saved: &[u8],
) -> [Option<String>; 2] {
    let mut copy = Document::load(kind, saved).expect("load");
    copy.set_actor(peer.actor.clone());
    peer.docs.insert(id, copy);
    peer.states.remove(&id);
    let code = |report: carecircle_tests::peer::SyncReport| {
        report
            .refusals
            .get(&id)
            .map(|r| r.code.as_str().to_string())
    };
    let read = code(peer.sync_docs(&[id]).await);
    let member = peer.session.member;
    edit(peer.docs.get_mut(&id).expect("copy"), member);
    let write = code(peer.sync_docs(&[id]).await);
    peer.docs.remove(&id);
    [read, write]
}

#[tokio::test]
async fn invites_and_access_the_consumer_changed_follow_the_policy() {
    let server = TestServer::start().await;
    let mut p = people(&server.api()).await;
    let mut cells = 0;

    // Listing invites: every member may (seeing what policy lets them see); others may not.
    let c = circle(&mut p).await;
    spare_invite(&p.consumer.api, c).await;
    for subject in SUBJECTS {
        let reply = p
            .subject(subject)
            .api
            .get(&format!("/v1/circles/{c}/invites"))
            .await;
        let expected = match subject {
            Subject::Member(role) => {
                let listed: Vec<serde_json::Value> = reply.ok();
                let sees_all = policy::may(role, CircleAction::ManageInvites);
                assert_eq!(listed.len(), usize::from(sees_all), "{role} lists invites");
                None
            }
            Subject::Stranger | Subject::OtherCircleMember => Some("forbidden"),
            Subject::Revoked => Some("revoked"),
        };
        if expected.is_some() {
            assert_eq!(
                reply.code().as_deref(),
                expected,
                "{subject:?} lists invites"
            );
        }
        cells += 1;
    }

    // Accepting after revocation: an invite made after the removal lets them back; one made
    // before their next removal does not.
    let back = invite(&p.consumer.api, c, Role::Carer).await;
    accept(&p.revoked.api, &back).await;
    let older = invite(&p.consumer.api, c, Role::Carer).await;
    let revoked = p.revoked.session.member;
    let removed = p
        .consumer
        .api
        .delete(&format!("/v1/circles/{c}/members/{revoked}"))
        .await;
    assert_eq!(removed.status, 204);
    let reply = p
        .revoked
        .api
        .post("/v1/invites/accept", &json!({"code": older}))
        .await;
    assert_eq!(reply.code().as_deref(), Some("revoked"), "{reply:?}");
    cells += 2;
    let newer = invite(&p.consumer.api, c, Role::Carer).await;
    accept(&p.revoked.api, &newer).await;
    cells += 1;

    // Access the consumer changed away from the defaults: the plan shared with the carer for
    // writing, the team withdrawn from them, the case manager's notes made read-only.
    let c = circle(&mut p).await;
    p.consumer.refresh().await;
    p.consumer.sync().await;
    let changes = [
        (p.carer.session.member, DocKind::Plan, Access::Write),
        (p.carer.session.member, DocKind::Team, Access::None),
        (p.case_manager.session.member, DocKind::Notes, Access::Read),
    ];
    for (member, kind, access) in changes {
        let r = p
            .consumer
            .api
            .put(
                &format!("/v1/circles/{c}/members/{member}/access"),
                &json!({"kind": kind, "access": access}),
            )
            .await;
        assert_eq!(r.status, 204, "{r:?}");
    }
    for role in [Role::Carer, Role::CaseManager] {
        let member = p.subject(Subject::Member(role)).session.member;
        for kind in DocKind::ALL {
            let access = changes
                .iter()
                .find(|(m, k, _)| *m == member && k == kind)
                .map_or(policy::default_access(role, *kind), |(_, _, a)| *a);
            let id = p.consumer.doc_id(c, *kind);
            let saved = p.consumer.docs[&id].save();
            let got = read_and_write(p.subject(Subject::Member(role)), id, *kind, &saved).await;
            let expected = [access_code(access, false), access_code(access, true)];
            assert_eq!(
                got.iter().map(|c| c.as_deref()).collect::<Vec<_>>(),
                expected,
                "{role} x {kind} with {access}"
            );
            cells += 2;
        }
    }
    println!("invites and changed access: {cells} cells checked, all match shared::policy");
}

#[tokio::test]
async fn a_carer_reads_supports_and_respite_by_default_but_not_the_plan() {
    // Supports and respite live in the team document (carers read it by default), not in the
    // plan (carers do not), so the carer gets them without the consumer changing any access.
    let server = TestServer::start().await;
    let mut p = people(&server.api()).await;
    let c = circle(&mut p).await;
    p.case_manager.edit(c, "Edited supports", |t: &mut Team| {
        t.supports.respite = "A weekend a month with Respite Co".into();
        t.supports.supports = "Carer support group on Tuesdays".into();
        Ok(())
    });
    p.case_manager.sync().await;
    p.carer.sync().await;
    let team: Team = p.carer.view(c);
    assert_eq!(team.supports.respite, "A weekend a month with Respite Co");
    assert_eq!(team.supports.supports, "Carer support group on Tuesdays");
    assert_eq!(
        policy::default_access(Role::Carer, DocKind::Team),
        Access::Read
    );
    assert_eq!(
        policy::default_access(Role::Carer, DocKind::Plan),
        Access::None
    );
}
