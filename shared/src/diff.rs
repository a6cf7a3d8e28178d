//! Writing a typed value into a document by changing only what differs from what is shown.
//!
//! A plain reconcile re-puts every field, and in Automerge a put resolves any conflict on that
//! field. So an edit of one field would silently settle every conflict in the document and drop
//! the losing values. Writing only what differs keeps conflicts visible until someone resolves one.

use automerge::hydrate::{self, Value as Target};
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, ReadDoc, Value};

/// Makes the map `obj` hold `target`: puts changed scalars, recurses into existing objects,
/// creates new ones whole, and deletes keys that are gone.
pub(crate) fn write_map<D: Transactable + ReadDoc>(
    doc: &mut D,
    obj: &ObjId,
    target: &hydrate::Map,
) -> Result<(), AutomergeError> {
    let gone: Vec<String> = doc.keys(obj).filter(|k| target.get(k).is_none()).collect();
    for key in gone {
        doc.delete(obj, key.as_str())?;
    }
    for (key, wanted) in target.iter() {
        write_key(doc, obj, key, Some(&wanted.value))?;
    }
    Ok(())
}

/// Makes `key` of the map `obj` hold `wanted`, or be absent when `wanted` is `None`.
pub(crate) fn write_key<D: Transactable + ReadDoc>(
    doc: &mut D,
    obj: &ObjId,
    key: &str,
    wanted: Option<&Target>,
) -> Result<(), AutomergeError> {
    let current = doc.get(obj, key)?;
    let Some(wanted) = wanted else {
        if current.is_some() {
            doc.delete(obj, key)?;
        }
        return Ok(());
    };
    match (wanted, current) {
        (Target::Scalar(s), Some((Value::Scalar(cur), _))) if *cur == *s => {}
        (Target::Scalar(s), _) => doc.put(obj, key, s.clone())?,
        (Target::Map(m), Some((Value::Object(ObjType::Map), id))) => write_map(doc, &id, m)?,
        (Target::List(l), Some((Value::Object(ObjType::List), id))) => write_list(doc, &id, l)?,
        (other, _) => {
            doc.batch_create_object(obj, key, other, false)?;
        }
    }
    Ok(())
}

/// Makes the list `obj` hold `target`, keeping the common prefix and suffix and splicing the
/// middle, so an append or a removal touches only that entry.
fn write_list<D: Transactable + ReadDoc>(
    doc: &mut D,
    obj: &ObjId,
    target: &hydrate::List,
) -> Result<(), AutomergeError> {
    let wanted: Vec<&Target> = target.iter().map(|v| &v.value).collect();
    let current: Vec<Target> = match doc.hydrate(obj, None)? {
        Target::List(list) => list.iter().map(|v| v.value.clone()).collect(),
        _ => Vec::new(),
    };
    let prefix = current
        .iter()
        .zip(&wanted)
        .take_while(|(a, b)| a == *b)
        .count();
    let suffix = current[prefix..]
        .iter()
        .rev()
        .zip(wanted[prefix..].iter().rev())
        .take_while(|(a, b)| a == *b)
        .count();
    let delete = current.len() - prefix - suffix;
    let insert = wanted[prefix..wanted.len() - suffix]
        .iter()
        .map(|v| (*v).clone());
    if delete > 0 || wanted.len() - prefix - suffix > 0 {
        doc.splice(obj, prefix, delete as isize, insert)?;
    }
    Ok(())
}
