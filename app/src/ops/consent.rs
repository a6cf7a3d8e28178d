//! Consent and membership: who may see what (the consumer decides), invites, revocation, and the
//! circle's access log. What the UI offers comes from `shared::policy`, as the server enforces.

use carecircle_shared::policy::{self, CircleAction};
use carecircle_shared::wire::{AccessLogEntry, CircleDetail, Invite, InviteInfo, MemberInfo};
use carecircle_shared::{Access, CircleId, DocKind, MemberId, Role};

use crate::core::CareCircle;
use crate::error::{AppError, AppResult};

impl CareCircle {
    /// True when I may do `action` in this circle (what the screens offer).
    pub fn may(&self, circle: CircleId, action: CircleAction) -> bool {
        self.role(circle).is_ok_and(|r| policy::may(r, action))
    }

    pub(crate) fn require(&self, circle: CircleId, action: CircleAction) -> AppResult<()> {
        if self.may(circle, action) {
            Ok(())
        } else {
            Err(AppError::NotAllowed(
                "your role in this circle does not allow that",
            ))
        }
    }

    /// Members and their access, fetched from the server (online) and kept on this device.
    pub async fn members(&self, circle: CircleId) -> AppResult<CircleDetail> {
        let detail = self.client.circle(circle).await?;
        self.store.set_members(circle, &detail.members).await?;
        Ok(detail)
    }

    /// Members as last fetched, from this device (works offline; empty before the first fetch).
    pub async fn known_members(&self, circle: CircleId) -> AppResult<Vec<MemberInfo>> {
        self.store.members(circle).await
    }

    /// Invites someone for `role` (the consumer invites carers: it is their consent).
    pub async fn invite(
        &self,
        circle: CircleId,
        role: Role,
        expires_in_secs: Option<u64>,
    ) -> AppResult<Invite> {
        self.require(circle, policy::invite_action(role))?;
        self.client.invite(circle, role, expires_in_secs).await
    }

    /// The circle's outstanding invites I may see: all of them for the consumer, my own for
    /// others (never the codes).
    pub async fn invites(&self, circle: CircleId) -> AppResult<Vec<InviteInfo>> {
        self.role(circle)?;
        self.client.invites(circle).await
    }

    /// Cancels an outstanding invite (mine, or any as the consumer), so its code stops working.
    pub async fn cancel_invite(&self, circle: CircleId, invite: &InviteInfo) -> AppResult<()> {
        let role = self.role(circle)?;
        if !policy::may_manage_invite(role, Some(invite.created_by) == self.me().ok()) {
            return Err(AppError::NotAllowed(
                "only the consumer or the person who made an invite may cancel it",
            ));
        }
        self.client.cancel_invite(circle, invite.id).await
    }

    /// Sets a member's access to one document (the consumer's decision).
    pub async fn set_access(
        &self,
        circle: CircleId,
        member: MemberId,
        kind: DocKind,
        access: Access,
    ) -> AppResult<()> {
        self.require(circle, CircleAction::ChangeAccess)?;
        self.client.set_access(circle, member, kind, access).await
    }

    /// Revokes a member. Copies already on their devices cannot be recalled; each device deletes
    /// its copy when it next syncs.
    pub async fn revoke(&self, circle: CircleId, member: MemberId) -> AppResult<()> {
        self.require(circle, CircleAction::RevokeMember)?;
        self.client.remove_member(circle, member).await
    }

    /// Leaves a circle.
    pub async fn leave(&mut self, circle: CircleId) -> AppResult<()> {
        self.require(circle, CircleAction::Leave)?;
        self.client.remove_member(circle, self.me()?).await
    }

    /// A page of the circle's access log, newest first.
    pub async fn access_log(
        &self,
        circle: CircleId,
        before: Option<i64>,
        limit: usize,
    ) -> AppResult<Vec<AccessLogEntry>> {
        self.require(circle, CircleAction::ReadAccessLog)?;
        self.client.access_log(circle, before, limit).await
    }
}
