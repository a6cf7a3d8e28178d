//! Item rules inside `notes` and `questions`: only an item's author changes it (answers aside);
//! and in every document, a field that names a member (who double-checked, who added an item)
//! can only be set to the member making the change.
//!
//! The server runs this on the fork of every upload, comparing the document before and after
//! the uploaded changes, so the rule holds whatever the uploading app does.

use std::collections::BTreeMap;

use crate::document::{DocError, Document};
use crate::ids::{ItemId, MemberId};
use crate::policy::{self, DocKind, ItemRule};
use crate::role::Role;
use crate::schema::{Appointments, Notes, Plan, Question, Questions};

/// Why an upload broke an item rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemRuleError {
    /// The member changed or removed an item someone else wrote, or wrote an item as someone else.
    #[error("item {item} may only be changed by its author")]
    NotAuthor {
        /// The item's id.
        item: ItemId,
    },
    /// The documents could not be read as their schema.
    #[error(transparent)]
    Document(#[from] DocError),
}

/// Checks that every item that differs between `before` and `after` was changed as `member`
/// (of `role`) is allowed to by [`policy::item_rule`], and that every member-naming field the
/// change set names `member`.
pub fn check_item_rules(
    kind: DocKind,
    role: Role,
    member: MemberId,
    before: &Document,
    after: &Document,
) -> Result<(), ItemRuleError> {
    check_member_fields(kind, member, before, after)?;
    match policy::item_rule(kind) {
        ItemRule::AnyWriter => Ok(()),
        ItemRule::AuthorOnly => {
            let (b, a): (Notes, Notes) = (before.view()?, after.view()?);
            each_changed(&b.items, &a.items, |id, old, new| {
                let ok = [old, new]
                    .into_iter()
                    .flatten()
                    .all(|n| n.author == Some(member));
                ok.then_some(())
                    .ok_or(ItemRuleError::NotAuthor { item: id.clone() })
            })?;
            each_changed(&b.information, &a.information, |id, old, new| {
                let ok = [old, new]
                    .into_iter()
                    .flatten()
                    .all(|i| i.added_by == Some(member));
                ok.then_some(())
                    .ok_or(ItemRuleError::NotAuthor { item: id.clone() })
            })
        }
        ItemRule::AuthorOnlyExceptAnswers => {
            let (b, a): (Questions, Questions) = (before.view()?, after.view()?);
            each_changed(&b.items, &a.items, |id, old, new| {
                let own = [old, new]
                    .into_iter()
                    .flatten()
                    .all(|q| q.asked_by == Some(member));
                let answered = match (old, new) {
                    (Some(old), Some(new)) => {
                        policy::may_answer_any_question(role)
                            && only_answer_changed(old, new, member)
                    }
                    _ => false,
                };
                (own || answered)
                    .then_some(())
                    .ok_or(ItemRuleError::NotAuthor { item: id.clone() })
            })
        }
    }
}

/// Fields naming a member (`double_checked_by`, `created_by`; a note's author and a question's
/// asker and answerer are covered by the item rules) may change only to `member` or to none.
fn check_member_fields(
    kind: DocKind,
    member: MemberId,
    before: &Document,
    after: &Document,
) -> Result<(), ItemRuleError> {
    let named_ok = |old: Option<MemberId>, new: Option<MemberId>| {
        old == new || new.is_none() || new == Some(member)
    };
    match kind {
        DocKind::Appointments => {
            let (b, a): (Appointments, Appointments) = (before.view()?, after.view()?);
            each_changed(&b.items, &a.items, |id, old, new| {
                let Some(new) = new else { return Ok(()) };
                let ok = named_ok(old.and_then(|o| o.double_checked_by), new.double_checked_by)
                    && named_ok(old.and_then(|o| o.created_by), new.created_by);
                ok.then_some(())
                    .ok_or(ItemRuleError::NotAuthor { item: id.clone() })
            })
        }
        DocKind::Plan => {
            let (b, a): (Plan, Plan) = (before.view()?, after.view()?);
            each_changed(&b.goals, &a.goals, |id, old, new| {
                let Some(new) = new else { return Ok(()) };
                named_ok(old.and_then(|o| o.created_by), new.created_by)
                    .then_some(())
                    .ok_or(ItemRuleError::NotAuthor { item: id.clone() })
            })
        }
        DocKind::Team | DocKind::Questions | DocKind::Notes => Ok(()),
    }
}

/// True when `new` differs from `old` only in the answer fields, and any answer recorded is
/// recorded as `member`.
fn only_answer_changed(old: &Question, new: &Question, member: MemberId) -> bool {
    let mut masked = new.clone();
    masked.status = old.status;
    masked.answer = old.answer.clone();
    masked.answered_by = old.answered_by;
    masked.answered_at = old.answered_at;
    let answered_by_ok = new.answered_by == old.answered_by || new.answered_by == Some(member);
    masked == *old && answered_by_ok
}

fn each_changed<T: PartialEq>(
    before: &BTreeMap<ItemId, T>,
    after: &BTreeMap<ItemId, T>,
    mut check: impl FnMut(&ItemId, Option<&T>, Option<&T>) -> Result<(), ItemRuleError>,
) -> Result<(), ItemRuleError> {
    for id in before
        .keys()
        .chain(after.keys().filter(|k| !before.contains_key(*k)))
    {
        let (old, new) = (before.get(id), after.get(id));
        if old != new {
            check(id, old, new)?;
        }
    }
    Ok(())
}
