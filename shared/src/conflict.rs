//! Conflicts: fields that concurrent edits set to different values, shown rather than hidden.
//!
//! Automerge picks a winner deterministically; this module finds every field with more than one
//! concurrent value, says who set each, and lets a member resolve it by writing one value.

use std::collections::HashMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ScalarValue, Value, transaction::CommitOptions};
use serde::{Deserialize, Serialize};

use crate::document::{CommitMessage, DocError, Document};
use crate::ids::MemberId;
use crate::time::Timestamp;

/// One field with concurrent values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Path from the document root, e.g. `["items", "<appointment id>", "start"]`.
    pub path: Vec<String>,
    /// The competing values; the first is the one currently shown (Automerge's winner).
    pub values: Vec<ConflictValue>,
}

/// One of a conflict's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictValue {
    /// The value (objects appear as the string `"<object>"`).
    pub value: serde_json::Value,
    /// Who set it, where known.
    pub by: Option<MemberId>,
}

impl Document {
    /// Every field that currently has more than one concurrent value.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let doc = self.automerge();
        let mut members: HashMap<String, MemberId> = HashMap::new();
        for change in doc.get_changes(&[]) {
            if let Some(m) = change.message().and_then(CommitMessage::decode) {
                members.insert(change.actor_id().to_hex_string(), m.by);
            }
        }
        let mut out = Vec::new();
        walk(doc, automerge::ROOT, &mut Vec::new(), &members, &mut out);
        out
    }

    /// Resolves a conflict by writing `value` to the field at `path` (which must exist). The
    /// document it would make is validated first; if it fails, nothing is written.
    pub fn resolve_conflict(
        &mut self,
        by: MemberId,
        at: Timestamp,
        path: &[String],
        value: ScalarValue,
    ) -> Result<(), DocError> {
        let Some((field, parents)) = path.split_last() else {
            return Err(DocError::Automerge);
        };
        let message = CommitMessage {
            by,
            what: "Resolved a conflict".into(),
        }
        .encode();
        let mut next = self.clone();
        next.automerge_mut()
            .transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message)
                        .with_time(at.millis())
                },
                |tx| {
                    let mut obj = automerge::ROOT;
                    for key in parents {
                        match tx.get(&obj, key.as_str())? {
                            Some((Value::Object(ObjType::Map), id)) => obj = id,
                            _ => return Err(automerge::AutomergeError::InvalidOp(ObjType::Map)),
                        }
                    }
                    if tx.get(&obj, field.as_str())?.is_none() {
                        return Err(automerge::AutomergeError::InvalidOp(ObjType::Map));
                    }
                    tx.put(&obj, field.as_str(), value)
                },
            )
            .map_err(|_| DocError::Automerge)?;
        next.validate()?;
        next.validate_change_from(self, &crate::validation::Links::unknown())?;
        *self = next;
        Ok(())
    }
}

fn walk(
    doc: &automerge::Automerge,
    obj: automerge::ObjId,
    path: &mut Vec<String>,
    members: &HashMap<String, MemberId>,
    out: &mut Vec<Conflict>,
) {
    let Ok(obj_type) = doc.object_type(&obj) else {
        return;
    };
    let props: Vec<automerge::Prop> = match obj_type {
        ObjType::Map | ObjType::Table => doc.keys(&obj).map(automerge::Prop::Map).collect(),
        ObjType::List => (0..doc.length(&obj)).map(automerge::Prop::Seq).collect(),
        ObjType::Text => return,
    };
    for prop in props {
        let Ok(values) = doc.get_all(&obj, prop.clone()) else {
            continue;
        };
        path.push(match &prop {
            automerge::Prop::Map(k) => k.clone(),
            automerge::Prop::Seq(i) => i.to_string(),
        });
        if values.len() > 1 {
            // get_all lists values in op order; the winner (what `get` returns) is last.
            let values = values
                .iter()
                .rev()
                .map(|(value, id)| ConflictValue {
                    value: to_json(value),
                    by: match id {
                        automerge::ObjId::Id(_, actor, _) => {
                            members.get(&actor.to_hex_string()).copied()
                        }
                        automerge::ObjId::Root => None,
                    },
                })
                .collect();
            out.push(Conflict {
                path: path.clone(),
                values,
            });
        }
        if let Ok(Some((Value::Object(_), child))) = doc.get(&obj, prop) {
            walk(doc, child, path, members, out);
        }
        path.pop();
    }
}

fn to_json(value: &Value<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Object(_) => J::String("<object>".into()),
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => J::String(s.to_string()),
            ScalarValue::Int(i) => J::from(*i),
            ScalarValue::Uint(u) => J::from(*u),
            ScalarValue::F64(f) => J::from(*f),
            ScalarValue::Boolean(b) => J::Bool(*b),
            ScalarValue::Timestamp(t) => J::from(*t),
            ScalarValue::Null => J::Null,
            other => J::String(other.to_string()),
        },
    }
}
