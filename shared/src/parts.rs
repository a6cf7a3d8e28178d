//! The parts of a document an edit or an upload touched — top-level fields, and single items
//! of the top-level maps of items — so that typed views are refreshed, canonical forms built
//! and edits written for those parts alone, not for the whole document.
//!
//! A notes document with hundreds of notes used to be hydrated, re-reconciled and compared
//! whole for every note added, on the phone and on the server alike. Each schema lists its
//! fields with [`parts!`](crate::parts!); a field left out does not compile.

use std::collections::{BTreeMap, BTreeSet};

use automerge::hydrate::{self, Value as Target};
use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ObjId, ObjType, Prop, ReadDoc, Value};
use autosurgeon::{Hydrate, HydrateError};

use crate::shape::NewOps;

/// Which parts of a document something touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Everything: a new document, or a write that cannot be placed in one part.
    pub all: bool,
    /// Top-level fields touched as a whole.
    pub fields: BTreeSet<String>,
    /// Items touched in a top-level map of items: the field, then the items' keys.
    pub entries: BTreeMap<String, BTreeSet<String>>,
}

impl Touched {
    /// Every part.
    pub fn everything() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// True when nothing was touched.
    pub fn is_empty(&self) -> bool {
        !self.all && self.fields.is_empty() && self.entries.is_empty()
    }

    /// The parts the operations in `new` wrote, in `doc` (which holds them). Operations inside
    /// deleted or losing objects change no visible value and are left out.
    pub fn by(doc: &Automerge, new: &NewOps, item_maps: &[&str]) -> Self {
        let mut touched = Self::default();
        for (obj, key) in new.writes() {
            let Ok(obj) = doc.import_obj(obj) else {
                return Self::everything();
            };
            if obj == automerge::ROOT {
                match key {
                    Some(k) => touched.fields.insert(k.clone()),
                    None => return Self::everything(),
                };
                continue;
            }
            let Some(path) = visible_path(doc, &obj) else {
                continue;
            };
            let Some(Prop::Map(field)) = path.first() else {
                return Self::everything();
            };
            if !item_maps.contains(&field.as_str()) {
                touched.fields.insert(field.clone());
                continue;
            }
            let item = match (path.get(1), key) {
                (Some(Prop::Map(item)), _) => Some(item.clone()),
                (None, Some(k)) => Some(k.clone()),
                _ => None,
            };
            match item {
                Some(item) => {
                    touched
                        .entries
                        .entry(field.clone())
                        .or_default()
                        .insert(item);
                }
                None => {
                    touched.fields.insert(field.clone());
                }
            }
        }
        touched
    }
}

/// The keys and indexes from the root to `obj`, if every step of the way is visible.
pub(crate) fn visible_path(doc: &Automerge, obj: &ObjId) -> Option<Vec<Prop>> {
    if *obj == automerge::ROOT {
        return Some(Vec::new());
    }
    let mut path = Vec::new();
    for parent in doc.parents(obj).ok()? {
        if !parent.visible {
            return None;
        }
        path.push(parent.prop);
    }
    path.reverse();
    Some(path)
}

/// A schema type seen as its parts (implemented by [`parts!`](crate::parts!)).
pub trait Parts: Sized {
    /// The top-level fields that are maps of items, touched item by item.
    const ITEM_MAPS: &'static [&'static str];

    /// What differs between `self` and `other`.
    fn differences(&self, other: &Self) -> Touched;

    /// A copy with only the touched items in each map of items (other fields whole).
    fn only(&self, touched: &Touched) -> Self;

    /// Re-reads the touched parts from `doc`, leaving the rest as it is.
    fn refresh(&mut self, doc: &Automerge, touched: &Touched) -> Result<(), HydrateError>;

    /// An empty value holding only the touched parts (untouched fields as in a new document).
    fn keep_touched(&self, touched: &Touched) -> Self;
}

/// Implements [`Parts`] for a schema struct: `parts!(Notes { fields: [schema], items: [items] })`.
/// Every field must be listed, once, in `fields` (whole) or `items` (a `BTreeMap` of items).
#[macro_export]
macro_rules! parts {
    ($t:ty { fields: [$($f:ident),* $(,)?], items: [$($m:ident),* $(,)?] $(,)? }) => {
        impl $crate::parts::Parts for $t {
            const ITEM_MAPS: &'static [&'static str] = &[$(stringify!($m)),*];

            fn differences(&self, other: &Self) -> $crate::parts::Touched {
                let mut touched = $crate::parts::Touched::default();
                $(
                    if self.$f != other.$f {
                        touched.fields.insert(stringify!($f).to_string());
                    }
                )*
                $(
                    let keys = $crate::parts::changed_keys(&self.$m, &other.$m);
                    if !keys.is_empty() {
                        touched.entries.insert(stringify!($m).to_string(), keys);
                    }
                )*
                touched
            }

            fn only(&self, touched: &$crate::parts::Touched) -> Self {
                Self {
                    $($f: self.$f.clone(),)*
                    $($m: $crate::parts::only_entries(&self.$m, touched, stringify!($m)),)*
                }
            }

            fn keep_touched(&self, touched: &$crate::parts::Touched) -> Self {
                let mut out = Self::default();
                $(
                    if touched.all || touched.fields.contains(stringify!($f)) {
                        out.$f = self.$f.clone();
                    }
                )*
                $(out.$m = $crate::parts::only_entries(&self.$m, touched, stringify!($m));)*
                out
            }

            fn refresh(
                &mut self,
                doc: &automerge::Automerge,
                touched: &$crate::parts::Touched,
            ) -> Result<(), autosurgeon::HydrateError> {
                if touched.all {
                    *self = autosurgeon::hydrate(doc)?;
                    return Ok(());
                }
                $(
                    if touched.fields.contains(stringify!($f)) {
                        self.$f = autosurgeon::hydrate_prop(doc, &automerge::ROOT, stringify!($f))?;
                    }
                )*
                $(
                    if touched.fields.contains(stringify!($m)) {
                        self.$m = autosurgeon::hydrate_prop(doc, &automerge::ROOT, stringify!($m))?;
                    } else if let Some(keys) = touched.entries.get(stringify!($m)) {
                        $crate::parts::refresh_entries(&mut self.$m, doc, stringify!($m), keys)?;
                    }
                )*
                Ok(())
            }
        }
    };
}

/// Keys whose items differ between two maps (added, removed or changed).
pub fn changed_keys<K: AsRef<str> + Ord, V: PartialEq>(
    a: &BTreeMap<K, V>,
    b: &BTreeMap<K, V>,
) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = a
        .iter()
        .filter(|(k, v)| b.get(k) != Some(v))
        .map(|(k, _)| k.as_ref().to_string())
        .collect();
    keys.extend(
        b.keys()
            .filter(|k| !a.contains_key(k))
            .map(|k| k.as_ref().to_string()),
    );
    keys
}

/// The touched items of map `field`, or all of them when everything or the field is touched.
pub fn only_entries<K: AsRef<str> + Ord + Clone, V: Clone>(
    map: &BTreeMap<K, V>,
    touched: &Touched,
    field: &str,
) -> BTreeMap<K, V> {
    if touched.all || touched.fields.contains(field) {
        return map.clone();
    }
    match touched.entries.get(field) {
        Some(keys) => map
            .iter()
            .filter(|(k, _)| keys.contains(k.as_ref()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None => BTreeMap::new(),
    }
}

/// Re-reads the items `keys` of map `field` from `doc`, as a whole hydration would read them.
pub fn refresh_entries<K, V>(
    map: &mut BTreeMap<K, V>,
    doc: &Automerge,
    field: &str,
    keys: &BTreeSet<String>,
) -> Result<(), HydrateError>
where
    K: From<String> + Ord,
    V: Hydrate,
{
    let obj = match doc.get(automerge::ROOT, field) {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        _ => {
            *map = autosurgeon::hydrate_prop(doc, &automerge::ROOT, field)?;
            return Ok(());
        }
    };
    for key in keys {
        let present = matches!(doc.get(&obj, key.as_str()), Ok(Some(_)));
        if present {
            let item: V = autosurgeon::hydrate_prop(doc, &obj, key.as_str())?;
            map.insert(K::from(key.clone()), item);
        } else {
            map.remove(&K::from(key.clone()));
        }
    }
    Ok(())
}

/// Makes the root of `doc` hold `target` in the touched parts only (the rest is not looked
/// at): see [`crate::diff`] for how one part is written.
pub(crate) fn write_touched<D: Transactable + ReadDoc>(
    doc: &mut D,
    target: &hydrate::Map,
    touched: &Touched,
) -> Result<(), AutomergeError> {
    if touched.all {
        return crate::diff::write_map(doc, &automerge::ROOT, target);
    }
    for field in &touched.fields {
        crate::diff::write_key(doc, &automerge::ROOT, field, target.get(field))?;
    }
    for (field, keys) in &touched.entries {
        if touched.fields.contains(field) {
            continue;
        }
        let wanted = match target.get(field) {
            Some(Target::Map(m)) => m,
            other => {
                crate::diff::write_key(doc, &automerge::ROOT, field, other)?;
                continue;
            }
        };
        let obj = match doc.get(automerge::ROOT, field.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => {
                // No map yet: it is created holding the touched items, which are all it has.
                crate::diff::write_key(doc, &automerge::ROOT, field, target.get(field))?;
                continue;
            }
        };
        for key in keys {
            crate::diff::write_key(doc, &obj, key, wanted.get(key))?;
        }
    }
    Ok(())
}
