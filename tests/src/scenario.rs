//! Ready-made situations: a circle with its consumer, a carer and a case manager, all synced.

use carecircle_shared::wire::{CircleSummary, Invite};
use carecircle_shared::{CircleId, Role};
use serde_json::json;

use crate::{Api, Peer};

/// A circle of three people, each on their own device.
#[derive(Debug)]
pub struct Circle {
    /// The circle.
    pub id: CircleId,
    /// The consumer (who created the circle).
    pub consumer: Peer,
    /// A carer (family member).
    pub carer: Peer,
    /// The case manager.
    pub case_manager: Peer,
}

/// Creates an invite for `role` as `inviter`, returning the code.
pub async fn invite(inviter: &Api, circle: CircleId, role: Role) -> String {
    let invite: Invite = inviter
        .post(
            &format!("/v1/circles/{circle}/invites"),
            &json!({ "role": role }),
        )
        .await
        .ok();
    invite.code
}

/// Accepts an invite code.
pub async fn accept(who: &Api, code: &str) -> CircleSummary {
    who.post(
        "/v1/invites/accept",
        &json!({ "code": code, "relationship": "family_member" }),
    )
    .await
    .ok()
}

/// Registers three people with `prefix`ed usernames, creates the consumer's circle, invites and
/// admits the carer and the case manager, and syncs everyone once.
pub async fn circle_of_three(api: &Api, prefix: &str) -> Circle {
    let mut consumer = Peer::register(api, &format!("{prefix}-consumer")).await;
    let mut carer = Peer::register(api, &format!("{prefix}-carer")).await;
    let mut case_manager = Peer::register(api, &format!("{prefix}-cm")).await;
    let circle: CircleSummary = consumer
        .api
        .post(
            "/v1/circles",
            &json!({ "name": prefix, "role": "consumer" }),
        )
        .await
        .ok();
    for (peer, role) in [(&carer, Role::Carer), (&case_manager, Role::CaseManager)] {
        let code = invite(&consumer.api, circle.id, role).await;
        accept(&peer.api, &code).await;
    }
    for peer in [&mut consumer, &mut carer, &mut case_manager] {
        peer.refresh().await;
        let report = peer.sync().await;
        assert!(
            report.errors.is_empty() && report.refusals.is_empty(),
            "{report:?}"
        );
    }
    Circle {
        id: circle.id,
        consumer,
        carer,
        case_manager,
    }
}
