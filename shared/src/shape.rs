//! What an upload writes, checked against the schema: every key a new operation writes must be
//! one the schema has, every value the kind the schema gives it, and every *losing* concurrent
//! value a new operation wrote must make a valid document were it to win.
//!
//! A typed view hydrates only the winning values and ignores keys it does not know, so without
//! this an upload could store unknown keys, or a malformed value that loses a conflict today and
//! surfaces when the winner is deleted or someone keeps it. The check compares the merged
//! document with its canonical form (the typed view written back by autosurgeon, exactly as
//! the edit helper writes) at the places the new operations wrote, and substitutes each new
//! loser into it. Only operations of the new changes are judged, so content stored before this
//! rule existed never blocks anyone.

use automerge::ObjId as ExId;
use std::collections::BTreeSet;

use automerge::hydrate::{self, Value as Target};
use automerge::legacy;
use automerge::{Automerge, Change, ObjType, Prop, ReadDoc, Value};
use autosurgeon::{hydrate as hydrate_typed, reconcile};

use crate::parts::{Touched, visible_path};
use crate::schema::DocSchema;
use crate::validation::Links;

/// Deepest nesting a written value may have (the schema's own is far shallower).
pub const MAX_DEPTH: usize = 16;

/// Why an upload's operations do not fit the schema. Names no content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A new operation wrote a key the schema does not have.
    #[error("a change writes a key the schema does not have")]
    UnknownKey,
    /// A new operation wrote a value of the wrong kind (text for a number, a list for a map).
    #[error("a change writes a value of the wrong kind")]
    WrongKind,
    /// A new losing concurrent value would not make a valid document.
    #[error("a change writes a losing value that does not fit the schema")]
    InvalidLoser,
    /// A written value nests deeper than [`MAX_DEPTH`].
    #[error("a change writes a value nested too deeply")]
    TooDeep,
}

/// What the new changes did: the operation ids they made, and where they wrote.
#[derive(Debug, Clone, Default)]
pub struct NewOps {
    ranges: Vec<(automerge::ActorId, u64, u64)>,
    /// (object, key) pairs written: the object as `counter@actor` or `_root`; the key of a map,
    /// or none for a list (the whole list is checked).
    writes: BTreeSet<(String, Option<String>)>,
}

impl NewOps {
    /// The ops of `changes`.
    pub fn of(changes: &[Change]) -> Self {
        let mut new = Self::default();
        for change in changes.iter().filter(|c| !c.is_empty()) {
            new.ranges.push((
                change.actor_id().clone(),
                change.start_op().get(),
                change.max_op(),
            ));
            for op in change.decode().operations {
                let obj = match op.obj {
                    legacy::ObjectId::Root => "_root".to_string(),
                    legacy::ObjectId::Id(legacy::OpId(counter, actor)) => {
                        format!("{counter}@{}", actor.to_hex_string())
                    }
                };
                let key = match op.key {
                    legacy::Key::Map(k) => Some(k.to_string()),
                    legacy::Key::Seq(_) => None,
                };
                new.writes.insert((obj, key));
            }
        }
        new
    }

    /// The (object, key) pairs written.
    pub fn writes(&self) -> &BTreeSet<(String, Option<String>)> {
        &self.writes
    }

    fn contains(&self, id: &ExId) -> bool {
        match id {
            ExId::Root => false,
            ExId::Id(counter, actor, _) => self
                .ranges
                .iter()
                .any(|(a, start, end)| a == actor && (*start..=*end).contains(counter)),
        }
    }
}

/// Checks what `new` wrote into `doc`, whose typed view is `value`, against `T`'s schema (see
/// the module docs). Only the places the new operations wrote are visited.
pub fn check_written<T: DocSchema>(
    doc: &Automerge,
    value: &T,
    new: &NewOps,
) -> Result<(), ShapeError> {
    if new.writes.is_empty() {
        return Ok(());
    }
    // Only the touched items are looked at, so only they need a canonical form.
    let value = &value.only(&Touched::by(doc, new, T::ITEM_MAPS));
    let canonical = canonical(value).ok_or(ShapeError::WrongKind)?;
    let mut walk = Walk {
        doc,
        new,
        canonical: &canonical,
        value,
        path: Vec::new(),
    };
    for (obj, key) in &new.writes {
        let obj = doc.import_obj(obj).map_err(|_| ShapeError::WrongKind)?;
        // Where the object is; a write inside a deleted object or a losing value is inert
        // (a losing value the new changes made is checked whole where it was put).
        let Some(path) = visible_path(doc, &obj) else {
            continue;
        };
        let Some(expected) = slot(&canonical, &path) else {
            return Err(ShapeError::UnknownKey);
        };
        walk.path = path;
        match (expected, key) {
            (Target::Map(m), Some(k)) => match m.get(k) {
                Some(e) => walk.prop(&obj, Prop::Map(k.clone()), e)?,
                None => {
                    let all = doc.get_all(&obj, k.as_str()).unwrap_or_default();
                    if all.iter().any(|(_, id)| new.contains(id)) {
                        return Err(ShapeError::UnknownKey);
                    }
                }
            },
            (Target::List(l), None) => walk.list(&obj, l)?,
            _ => return Err(ShapeError::WrongKind),
        }
    }
    Ok(())
}

/// The canonical value at `path`.
fn slot<'a>(tree: &'a Target, path: &[Prop]) -> Option<&'a Target> {
    let mut here = tree;
    for prop in path {
        here = match (here, prop) {
            (Target::Map(m), Prop::Map(k)) => m.get(k)?,
            (Target::List(l), Prop::Seq(i)) => l.iter().nth(*i).map(|v| &v.value)?,
            _ => return None,
        };
    }
    Some(here)
}

/// A typed value as the edit helper would write it.
fn canonical<T: DocSchema>(value: &T) -> Option<Target> {
    let mut scratch = Automerge::new();
    scratch.transact(|tx| reconcile(tx, value)).ok()?;
    Some(scratch.hydrate(None))
}

struct Walk<'a, T> {
    doc: &'a Automerge,
    new: &'a NewOps,
    canonical: &'a Target,
    value: &'a T,
    path: Vec<Prop>,
}

impl<T: DocSchema> Walk<'_, T> {
    fn map(&mut self, obj: &ExId, canon: &hydrate::Map) -> Result<(), ShapeError> {
        let keys: Vec<String> = self.doc.keys(obj).collect();
        for key in keys {
            let prop = Prop::Map(key.clone());
            match canon.get(&key) {
                Some(expected) => self.prop(obj, prop, expected)?,
                None => {
                    // Known only to an upload that wrote it: refuse; older content is left be.
                    let all = self.doc.get_all(obj, key.as_str()).unwrap_or_default();
                    if all.iter().any(|(_, id)| self.new.contains(id)) {
                        return Err(ShapeError::UnknownKey);
                    }
                }
            }
        }
        Ok(())
    }

    fn list(&mut self, obj: &ExId, canon: &hydrate::List) -> Result<(), ShapeError> {
        let expected: Vec<&Target> = canon.iter().map(|v| &v.value).collect();
        for i in 0..self.doc.length(obj) {
            match expected.get(i) {
                Some(e) => self.prop(obj, Prop::Seq(i), e)?,
                None => {
                    let all = self.doc.get_all(obj, i).unwrap_or_default();
                    if all.iter().any(|(_, id)| self.new.contains(id)) {
                        return Err(ShapeError::UnknownKey);
                    }
                }
            }
        }
        Ok(())
    }

    /// One key or index: the winner must have the canonical kind (recursing into objects), and
    /// each new loser must make a valid document when put in the winner's place.
    fn prop(&mut self, obj: &ExId, prop: Prop, expected: &Target) -> Result<(), ShapeError> {
        let all = self.doc.get_all(obj, prop.clone()).unwrap_or_default();
        let winner = self.doc.get(obj, prop.clone()).ok().flatten();
        self.path.push(prop);
        let result = (|| {
            for (value, id) in &all {
                let is_winner = winner.as_ref().is_some_and(|(_, w)| w == id);
                if is_winner {
                    match (value, expected) {
                        (Value::Object(ObjType::Map), Target::Map(m)) => self.map(id, m)?,
                        (Value::Object(ObjType::List), Target::List(l)) => self.list(id, l)?,
                        (Value::Scalar(s), Target::Scalar(e)) if same_kind(s, e) => {}
                        _ if self.new.contains(id) => return Err(ShapeError::WrongKind),
                        _ => {}
                    }
                } else if self.new.contains(id) {
                    self.loser(value, id)?;
                }
            }
            Ok(())
        })();
        self.path.pop();
        result
    }

    fn loser(&self, value: &Value<'_>, id: &ExId) -> Result<(), ShapeError> {
        let substitute = target_of(self.doc, value, id, 0)?;
        let mut candidate = self.canonical.clone();
        let slot = slot_at(&mut candidate, &self.path).ok_or(ShapeError::InvalidLoser)?;
        *slot = substitute;
        let Target::Map(root) = &candidate else {
            return Err(ShapeError::InvalidLoser);
        };
        let mut doc = Automerge::new();
        doc.transact(|tx| crate::diff::write_map(tx, &automerge::ROOT, root))
            .map_err(|_| ShapeError::InvalidLoser)?;
        let typed: T = hydrate_typed(&doc).map_err(|_| ShapeError::InvalidLoser)?;
        typed
            .validate_change(self.value, &Links::unknown())
            .map_err(|_| ShapeError::InvalidLoser)
    }
}

/// Scalars of one kind: text with text, numbers of one representation, and so on; null stands
/// for an absent optional value and fits anywhere.
fn same_kind(a: &automerge::ScalarValue, b: &automerge::ScalarValue) -> bool {
    use automerge::ScalarValue::Null;
    matches!((a, b), (Null, _) | (_, Null))
        || std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// A value of `doc` as a plain tree, refusing text objects and anything nested too deeply.
fn target_of(
    doc: &Automerge,
    value: &Value<'_>,
    id: &ExId,
    depth: usize,
) -> Result<Target, ShapeError> {
    if depth > MAX_DEPTH {
        return Err(ShapeError::TooDeep);
    }
    match value {
        Value::Scalar(s) => Ok(Target::Scalar(s.as_ref().clone())),
        Value::Object(ObjType::Map) => {
            let mut out = std::collections::HashMap::new();
            for key in doc.keys(id) {
                if let Ok(Some((v, child))) = doc.get(id, key.as_str()) {
                    out.insert(key, target_of(doc, &v, &child, depth + 1)?);
                }
            }
            Ok(Target::Map(hydrate::Map::from(out)))
        }
        Value::Object(ObjType::List) => {
            let mut out = Vec::new();
            for i in 0..doc.length(id) {
                if let Ok(Some((v, child))) = doc.get(id, i) {
                    out.push(target_of(doc, &v, &child, depth + 1)?);
                }
            }
            Ok(Target::List(hydrate::List::from(out)))
        }
        Value::Object(_) => Err(ShapeError::WrongKind),
    }
}

/// The value at `path` inside a tree.
fn slot_at<'a>(tree: &'a mut Target, path: &[Prop]) -> Option<&'a mut Target> {
    let mut here = tree;
    for prop in path {
        here = match (here, prop) {
            (Target::Map(m), Prop::Map(k)) => m.get_mut(k)?,
            (Target::List(l), Prop::Seq(i)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(here)
}
