//! Who may do what: the one table of default document access per role, circle actions, and item rules.
//!
//! The server enforces it, the app uses it to decide what to offer, and the tests generate the
//! authorization matrix from it. Nothing else in the project hard-codes a permission.
//!
//! One reading of DESIGN.md is recorded here: questions are asked *of* the consumer's case
//! manager, so the case manager (journey 3, "answers questions") may answer any question, as may
//! the consumer ("may also answer or close any question"). A carer changes only their own.

use crate::role::Role;
use crate::vocabulary;

vocabulary! {
    /// The five documents of a circle; each is one unit of access control.
    pub enum DocKind {
        /// Care team members and organisations.
        Team = "team",
        /// Appointments.
        Appointments = "appointments",
        /// Questions to ask.
        Questions = "questions",
        /// Assessment and individual service plan.
        Plan = "plan",
        /// Dated notes.
        Notes = "notes",
    }
}

impl DocKind {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            DocKind::Team => "Care team",
            DocKind::Appointments => "Appointments",
            DocKind::Questions => "Questions",
            DocKind::Plan => "Plan",
            DocKind::Notes => "Notes",
        }
    }
}

vocabulary! {
    /// A member's access to one document.
    pub enum Access {
        /// Cannot see the document at all.
        None = "none",
        /// Receives the document; uploads are refused.
        Read = "read",
        /// Receives and changes the document (within the item rules).
        Write = "write",
    }
}

impl Access {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            Access::None => "No access",
            Access::Read => "Can read",
            Access::Write => "Can read and change",
        }
    }
}

impl Access {
    /// True for read and write.
    pub const fn can_read(self) -> bool {
        matches!(self, Access::Read | Access::Write)
    }

    /// True for write only.
    pub const fn can_write(self) -> bool {
        matches!(self, Access::Write)
    }
}

/// Default access per role (rows) and document (columns, in [`DocKind::ALL`] order).
///
/// What a document holds decides who reads it by default: supports and respite are the
/// carer's business too, so they live in the team document (with the service contact), which
/// carers read, not in the plan, which is shared with a carer only when the consumer says so.
pub const DEFAULT_ACCESS: [(Role, [Access; 5]); 3] = {
    use Access::{None as N, Read as R, Write as W};
    [
        //                 team appts questions plan notes
        (Role::Consumer, [W, W, W, W, W]),
        (Role::Carer, [R, R, W, N, W]),
        (Role::CaseManager, [W, W, W, W, W]),
    ]
};

/// The access a member of `role` gets to `kind` when they join.
pub fn default_access(role: Role, kind: DocKind) -> Access {
    let column = DocKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default();
    DEFAULT_ACCESS
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, row)| row[column])
        .unwrap_or(Access::None)
}

vocabulary! {
    /// Things a member may do to the circle itself (not to a document).
    pub enum CircleAction {
        /// Create an invite for the circle's consumer (only while it has none).
        InviteConsumer = "invite_consumer",
        /// Create an invite for a carer (it is the consumer's consent to share).
        InviteCarer = "invite_carer",
        /// Create an invite for another case manager.
        InviteCaseManager = "invite_case_manager",
        /// See and cancel every outstanding invite of the circle (everyone sees and cancels
        /// the invites they made themselves).
        ManageInvites = "manage_invites",
        /// Change any member's access to any document.
        ChangeAccess = "change_access",
        /// Revoke a member.
        RevokeMember = "revoke_member",
        /// Read the circle's access log.
        ReadAccessLog = "read_access_log",
        /// See who is in the circle and their roles.
        ListMembers = "list_members",
        /// Leave the circle.
        Leave = "leave",
    }
}

/// Which roles may do each circle action.
pub const CIRCLE_ACTIONS: [(CircleAction, &[Role]); 9] = [
    (CircleAction::InviteConsumer, &[Role::CaseManager]),
    (CircleAction::InviteCarer, &[Role::Consumer]),
    (
        CircleAction::InviteCaseManager,
        &[Role::Consumer, Role::CaseManager],
    ),
    (CircleAction::ManageInvites, &[Role::Consumer]),
    (CircleAction::ChangeAccess, &[Role::Consumer]),
    (CircleAction::RevokeMember, &[Role::Consumer]),
    (
        CircleAction::ReadAccessLog,
        &[Role::Consumer, Role::CaseManager],
    ),
    (
        CircleAction::ListMembers,
        &[Role::Consumer, Role::Carer, Role::CaseManager],
    ),
    (CircleAction::Leave, &[Role::Carer, Role::CaseManager]),
];

/// True when a member of `role` may do `action` to their circle.
pub fn may(role: Role, action: CircleAction) -> bool {
    CIRCLE_ACTIONS
        .iter()
        .any(|(a, roles)| *a == action && roles.contains(&role))
}

/// The circle action that inviting someone of `invitee` role needs.
pub const fn invite_action(invitee: Role) -> CircleAction {
    match invitee {
        Role::Consumer => CircleAction::InviteConsumer,
        Role::Carer => CircleAction::InviteCarer,
        Role::CaseManager => CircleAction::InviteCaseManager,
    }
}

/// True when a member of `role` may see and cancel an invite (`made_it`: they created it).
pub fn may_manage_invite(role: Role, made_it: bool) -> bool {
    made_it || may(role, CircleAction::ManageInvites)
}

/// True when a member of `inviter` role may invite someone of `invitee` role.
pub fn may_invite(inviter: Role, invitee: Role) -> bool {
    may(inviter, invite_action(invitee))
}

/// Roles whose own access is fixed at write: the consumer always keeps their whole record.
pub const FIXED_ACCESS_ROLES: &[Role] = &[Role::Consumer];

/// True when a member of `role` may have their document access changed by the consumer.
pub fn access_can_change(role: Role) -> bool {
    !FIXED_ACCESS_ROLES.contains(&role)
}

/// Roles that may create a circle: the consumer for themselves, or a case manager for a consumer.
pub const CIRCLE_CREATORS: &[Role] = &[Role::Consumer, Role::CaseManager];

/// How the items of a document may be changed by members with write access to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRule {
    /// Anyone with write access may change any item.
    AnyWriter,
    /// Only an item's author may create (as themselves), change or delete it.
    AuthorOnly,
    /// Like `AuthorOnly`, but roles in [`ANSWERING_ROLES`] may also change the answer fields
    /// ([`QUESTION_ANSWER_FIELDS`]) of any question.
    AuthorOnlyExceptAnswers,
}

/// The item rule for each document.
pub const fn item_rule(kind: DocKind) -> ItemRule {
    match kind {
        DocKind::Notes => ItemRule::AuthorOnly,
        DocKind::Questions => ItemRule::AuthorOnlyExceptAnswers,
        DocKind::Team | DocKind::Appointments | DocKind::Plan => ItemRule::AnyWriter,
    }
}

/// Roles that may answer, mark asked or close any question.
pub const ANSWERING_ROLES: &[Role] = &[Role::Consumer, Role::CaseManager];

/// The fields of a question that the answering roles may change on others' questions.
pub const QUESTION_ANSWER_FIELDS: &[&str] = &["status", "answer", "answered_by", "answered_at"];

/// True when `role` may change the answer fields of a question someone else asked.
pub fn may_answer_any_question(role: Role) -> bool {
    ANSWERING_ROLES.contains(&role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_row_and_defaults_match_the_design_table() {
        use Access::*;
        use DocKind::*;
        let expect = [
            (Role::Consumer, [Write, Write, Write, Write, Write]),
            (Role::Carer, [Read, Read, Write, None, Write]),
            (Role::CaseManager, [Write, Write, Write, Write, Write]),
        ];
        for (role, row) in expect {
            for (kind, access) in [Team, Appointments, Questions, Plan, Notes]
                .into_iter()
                .zip(row)
            {
                assert_eq!(default_access(role, kind), access, "{role} x {kind}");
            }
        }
        assert!(DEFAULT_ACCESS.len() == Role::ALL.len());
    }

    #[test]
    fn circle_actions_match_the_design() {
        use CircleAction::*;
        let cases = [
            (InviteConsumer, [false, false, true]),
            (InviteCarer, [true, false, false]),
            (InviteCaseManager, [true, false, true]),
            (ManageInvites, [true, false, false]),
            (ChangeAccess, [true, false, false]),
            (RevokeMember, [true, false, false]),
            (ReadAccessLog, [true, false, true]),
            (ListMembers, [true, true, true]),
            (Leave, [false, true, true]),
        ];
        assert_eq!(cases.len(), CircleAction::ALL.len());
        for (action, expected) in cases {
            for (role, allowed) in [Role::Consumer, Role::Carer, Role::CaseManager]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(may(role, action), allowed, "{role} may {action}");
            }
        }
    }

    #[test]
    fn invites_follow_consent() {
        assert!(may_invite(Role::Consumer, Role::Carer));
        assert!(!may_invite(Role::CaseManager, Role::Carer));
        assert!(!may_invite(Role::Carer, Role::Carer));
        assert!(may_invite(Role::CaseManager, Role::Consumer));
        assert!(!may_invite(Role::Consumer, Role::Consumer));
        assert!(may_manage_invite(Role::CaseManager, true));
        assert!(!may_manage_invite(Role::CaseManager, false));
        assert!(may_manage_invite(Role::Consumer, false));
        assert!(may_invite(Role::Consumer, Role::CaseManager));
        assert!(may_invite(Role::CaseManager, Role::CaseManager));
    }

    #[test]
    fn item_rules() {
        assert_eq!(item_rule(DocKind::Notes), ItemRule::AuthorOnly);
        assert_eq!(
            item_rule(DocKind::Questions),
            ItemRule::AuthorOnlyExceptAnswers
        );
        assert_eq!(item_rule(DocKind::Plan), ItemRule::AnyWriter);
        assert!(may_answer_any_question(Role::Consumer));
        assert!(may_answer_any_question(Role::CaseManager));
        assert!(!may_answer_any_question(Role::Carer));
        assert!(!access_can_change(Role::Consumer));
        assert!(access_can_change(Role::Carer) && access_can_change(Role::CaseManager));
    }

    #[test]
    fn access_levels() {
        assert!(!Access::None.can_read());
        assert!(Access::Read.can_read() && !Access::Read.can_write());
        assert!(Access::Write.can_read() && Access::Write.can_write());
    }
}
