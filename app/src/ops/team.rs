//! Care team and organisations: add, edit, remove; who to call if something goes wrong.

use carecircle_shared::schema::{Organisation, Team, TeamMember};
use carecircle_shared::{CircleId, ItemId};

use super::missing;
use crate::core::CareCircle;
use crate::error::AppResult;

impl CareCircle {
    /// Edits a section of the team document (the service contact, supports and respite).
    pub async fn edit_team(
        &mut self,
        circle: CircleId,
        what: &str,
        f: impl FnOnce(&mut Team),
    ) -> AppResult<()> {
        self.edit(circle, what, |t: &mut Team| {
            f(t);
            Ok(())
        })
        .await
    }

    /// Adds a person to the care team.
    pub async fn add_team_member(
        &mut self,
        circle: CircleId,
        member: TeamMember,
    ) -> AppResult<ItemId> {
        self.edit(circle, "Added a care team member", |t: &mut Team| {
            let id = member.id.clone();
            t.members.insert(id.clone(), member);
            Ok(id)
        })
        .await
    }

    /// Changes a team member.
    pub async fn update_team_member(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        f: impl FnOnce(&mut TeamMember),
    ) -> AppResult<()> {
        self.edit(circle, "Updated a care team member", |t: &mut Team| {
            f(t.members.get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Removes a team member.
    pub async fn remove_team_member(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        self.edit(circle, "Removed a care team member", |t: &mut Team| {
            t.members.remove(id).map(|_| ()).ok_or_else(|| missing(id))
        })
        .await
    }

    /// Adds an organisation or agency.
    pub async fn add_organisation(
        &mut self,
        circle: CircleId,
        org: Organisation,
    ) -> AppResult<ItemId> {
        self.edit(circle, "Added an organisation", |t: &mut Team| {
            let id = org.id.clone();
            t.organisations.insert(id.clone(), org);
            Ok(id)
        })
        .await
    }

    /// Changes an organisation.
    pub async fn update_organisation(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        f: impl FnOnce(&mut Organisation),
    ) -> AppResult<()> {
        self.edit(circle, "Updated an organisation", |t: &mut Team| {
            f(t.organisations.get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Removes an organisation.
    pub async fn remove_organisation(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        self.edit(circle, "Removed an organisation", |t: &mut Team| {
            t.organisations
                .remove(id)
                .map(|_| ())
                .ok_or_else(|| missing(id))
        })
        .await
    }

    /// Who to call if something goes wrong: flagged team members, then organisations' contacts.
    pub fn who_to_call(&self, circle: CircleId) -> AppResult<(Vec<TeamMember>, Vec<Organisation>)> {
        let team: Team = self.view(circle)?;
        let people = team.who_to_call().into_iter().cloned().collect();
        let orgs = team
            .organisations
            .values()
            .filter(|o| !o.contact_if_something_goes_wrong.trim().is_empty())
            .cloned()
            .collect();
        Ok((people, orgs))
    }
}
