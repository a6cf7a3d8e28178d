//! Convergence property: three members edit their own copies of every document in random
//! order and merge in random order; every replica ends identical, no edit without a concurrent
//! rival is lost, and every same-field rivalry is reported as a conflict on every replica.
//! After every step, each replica's typed view (refreshed only where changes touched it) equals
//! one hydrated whole.
//!
//! Cases: 256 by default; set `PROPTEST_CASES` for more.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use carecircle_shared::automerge::{ActorId, ChangeHash, ScalarValue};
use carecircle_shared::schema::*;
use carecircle_shared::time::Zone;
use carecircle_shared::{DocKind, Document, ItemId, Links, MemberId, Timestamp};
use proptest::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value as Json, json};

const REPLICAS: usize = 3;

/// Conflicts settled across all cases (printed, so a run shows settling was exercised).
static SETTLED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Debug, Clone)]
enum Op {
    Add {
        who: usize,
        kind: usize,
    },
    Edit {
        who: usize,
        kind: usize,
        item: usize,
        field: usize,
    },
    Delete {
        who: usize,
        kind: usize,
        item: usize,
    },
    Answer {
        who: usize,
        item: usize,
    },
    DoubleCheck {
        who: usize,
        item: usize,
    },
    Merge {
        from: usize,
        to: usize,
        kind: usize,
    },
    /// Moves an appointment (start and end together) to `hour`, lasting `minutes`.
    Move {
        who: usize,
        item: usize,
        hour: u32,
        minutes: i64,
    },
    /// Changes an appointment's place.
    Relocate {
        who: usize,
        item: usize,
    },
    /// Settles a time or place conflict with one of its values.
    Settle {
        who: usize,
        pick: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..REPLICAS;
    let kind = 0..DocKind::ALL.len();
    prop_oneof![
        3 => (who.clone(), kind.clone()).prop_map(|(who, kind)| Op::Add { who, kind }),
        4 => (who.clone(), kind.clone(), 0..8usize, 0..4usize)
            .prop_map(|(who, kind, item, field)| Op::Edit { who, kind, item, field }),
        1 => (who.clone(), kind.clone(), 0..8usize)
            .prop_map(|(who, kind, item)| Op::Delete { who, kind, item }),
        1 => (who.clone(), 0..8usize).prop_map(|(who, item)| Op::Answer { who, item }),
        1 => (who.clone(), 0..8usize).prop_map(|(who, item)| Op::DoubleCheck { who, item }),
        2 => (who.clone(), 0..8usize, 7..20u32, 15..120i64)
            .prop_map(|(who, item, hour, minutes)| Op::Move { who, item, hour, minutes }),
        1 => (who.clone(), 0..8usize).prop_map(|(who, item)| Op::Relocate { who, item }),
        2 => (who.clone(), 0..4usize).prop_map(|(who, pick)| Op::Settle { who, pick }),
        3 => (who.clone(), who, kind).prop_map(|(from, to, kind)| Op::Merge { from, to, kind }),
    ]
}

/// The collection of items each document's edits work on, and its editable text fields.
fn collection(kind: DocKind) -> (&'static str, &'static [&'static str]) {
    match kind {
        DocKind::Team => ("members", &["name", "phone", "role_title", "hours"]),
        DocKind::Appointments => (
            "items",
            &["purpose", "transport", "notes", "support_person"],
        ),
        DocKind::Questions => ("items", &["text"]),
        DocKind::Plan => ("goals", &["goal", "progress"]),
        DocKind::Notes => ("items", &["text"]),
    }
}

fn new_item(kind: DocKind, id: &ItemId, by: MemberId, value: &str) -> Json {
    let id = id.clone();
    let item = match kind {
        DocKind::Team => serde_json::to_value(TeamMember {
            id,
            ..Default::default()
        }),
        DocKind::Appointments => serde_json::to_value(Appointment {
            id,
            start: "2026-11-23T10:00:00+11:00".into(),
            end: "2026-11-23T11:00:00+11:00".into(),
            ..Default::default()
        }),
        DocKind::Questions => serde_json::to_value(Question {
            id,
            asked_by: Some(by),
            ..Default::default()
        }),
        DocKind::Plan => serde_json::to_value(Goal {
            id,
            ..Default::default()
        }),
        DocKind::Notes => serde_json::to_value(Note {
            id,
            author: Some(by),
            ..Default::default()
        }),
    };
    let mut item = item.expect("serialise");
    for field in collection(kind).1 {
        item[*field] = json!(format!("{value} {field}"));
    }
    item
}

/// Edits a document as JSON through the typed API (the one write helper).
fn change_json(doc: &mut Document, by: MemberId, at: Timestamp, f: impl FnOnce(&mut Json)) {
    fn typed<T: DocSchema + Serialize + DeserializeOwned>(
        doc: &mut Document,
        by: MemberId,
        at: Timestamp,
        f: impl FnOnce(&mut Json),
    ) {
        doc.change(by, "Edited", at, &Links::unknown(), |x: &mut T| {
            let mut j = serde_json::to_value(&*x).expect("to json");
            f(&mut j);
            *x = serde_json::from_value(j).expect("from json");
            Ok(())
        })
        .expect("valid edit");
    }
    match doc.kind() {
        DocKind::Team => typed::<Team>(doc, by, at, f),
        DocKind::Appointments => typed::<Appointments>(doc, by, at, f),
        DocKind::Questions => typed::<Questions>(doc, by, at, f),
        DocKind::Plan => typed::<Plan>(doc, by, at, f),
        DocKind::Notes => typed::<Notes>(doc, by, at, f),
    }
}

fn view_json(doc: &Document) -> Json {
    match doc.kind() {
        DocKind::Team => serde_json::to_value(doc.view::<Team>().expect("view")),
        DocKind::Appointments => serde_json::to_value(doc.view::<Appointments>().expect("view")),
        DocKind::Questions => serde_json::to_value(doc.view::<Questions>().expect("view")),
        DocKind::Plan => serde_json::to_value(doc.view::<Plan>().expect("view")),
        DocKind::Notes => serde_json::to_value(doc.view::<Notes>().expect("view")),
    }
    .expect("to json")
}

fn item_ids(doc: &Document) -> Vec<ItemId> {
    let (coll, _) = collection(doc.kind());
    view_json(doc)[coll]
        .as_object()
        .map(|m| m.keys().map(|k| ItemId::from(k.as_str())).collect())
        .unwrap_or_default()
}

/// An item's fields as they are stored: an appointment's start, end and zone are one slot, its
/// place one value.
fn stored_fields(kind: DocKind, item: &Json) -> serde_json::Map<String, Json> {
    let mut fields = item.as_object().cloned().unwrap_or_default();
    if kind == DocKind::Appointments
        && let Ok(a) = serde_json::from_value::<Appointment>(item.clone())
    {
        for k in ["start", "end", "zone"] {
            fields.remove(k);
        }
        fields.insert("slot".into(), json!(a.slot().encode()));
        fields.insert(
            "place".into(),
            json!(serde_json::to_string(&a.place).expect("place")),
        );
    }
    fields
}

/// One recorded field write: which change made it and what it set.
#[derive(Debug, Clone)]
struct Write {
    hash: ChangeHash,
    value: Json,
}

#[derive(Default)]
struct Model {
    /// (kind, item, field) -> writes.
    writes: BTreeMap<(DocKind, String, String), Vec<Write>>,
    created: BTreeSet<(DocKind, String)>,
    deleted: BTreeSet<(DocKind, String)>,
}

struct World {
    members: [MemberId; REPLICAS],
    /// replicas[r][k]: replica r's copy of document kind k.
    replicas: Vec<Vec<Document>>,
    model: Model,
    clock: i64,
}

impl World {
    fn new() -> Self {
        let server: Vec<Document> = DocKind::ALL
            .iter()
            .map(|k| Document::create(*k, ActorId::random(), MemberId::nil(), Timestamp(1)))
            .collect();
        let replicas = (0..REPLICAS)
            .map(|_| {
                server
                    .iter()
                    .map(|d| {
                        let mut copy = Document::load(d.kind(), &d.save()).expect("load");
                        copy.set_actor(ActorId::random());
                        copy
                    })
                    .collect()
            })
            .collect();
        Self {
            members: [MemberId::random(), MemberId::random(), MemberId::random()],
            replicas,
            model: Model::default(),
            clock: 1_000,
        }
    }

    fn tick(&mut self) -> i64 {
        self.clock += 1;
        self.clock
    }

    /// Applies an edit and records every field it actually changed.
    fn edit(&mut self, who: usize, kind: usize, f: impl FnOnce(&mut Json)) {
        let at = Timestamp(self.tick());
        let by = self.members[who];
        let doc = &mut self.replicas[who][kind];
        let (coll, _) = collection(doc.kind());
        let before = view_json(doc);
        let heads = doc.heads();
        change_json(doc, by, at, f);
        if doc.heads() == heads {
            return;
        }
        let hash = doc.heads()[0];
        let after = view_json(doc);
        let kind = doc.kind();
        let empty = serde_json::Map::new();
        let old_items = before[coll].as_object().unwrap_or(&empty);
        for (id, item) in after[coll].as_object().unwrap_or(&empty) {
            let old = old_items.get(id);
            if old.is_none() {
                self.model.created.insert((kind, id.clone()));
            }
            let old = old.map(|o| stored_fields(kind, o));
            for (field, value) in &stored_fields(kind, item) {
                if old.as_ref().and_then(|o| o.get(field)) != Some(value) {
                    self.model
                        .writes
                        .entry((kind, id.clone(), field.clone()))
                        .or_default()
                        .push(Write {
                            hash,
                            value: value.clone(),
                        });
                }
            }
        }
        for id in old_items.keys() {
            if after[coll].get(id).is_none() {
                self.model.deleted.insert((kind, id.clone()));
            }
        }
    }

    fn pick(&self, who: usize, kind: usize, item: usize) -> Option<ItemId> {
        let ids = item_ids(&self.replicas[who][kind]);
        (!ids.is_empty()).then(|| ids[item % ids.len()].clone())
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Add { who, kind } => {
                let k = DocKind::ALL[kind];
                let id = ItemId::random();
                let value = format!("v{}", self.tick());
                let item = new_item(k, &id, self.members[who], &value);
                let (coll, _) = collection(k);
                self.edit(who, kind, |j| j[coll][id.as_str()] = item);
            }
            Op::Edit {
                who,
                kind,
                item,
                field,
            } => {
                let Some(id) = self.pick(who, kind, item) else {
                    return;
                };
                let (coll, fields) = collection(DocKind::ALL[kind]);
                let field = fields[field % fields.len()];
                let value = format!("v{}", self.tick());
                self.edit(who, kind, |j| j[coll][id.as_str()][field] = json!(value));
            }
            Op::Delete { who, kind, item } => {
                let Some(id) = self.pick(who, kind, item) else {
                    return;
                };
                let (coll, _) = collection(DocKind::ALL[kind]);
                self.edit(who, kind, |j| {
                    j[coll].as_object_mut().expect("map").remove(id.as_str());
                });
            }
            Op::Answer { who, item } => {
                let kind = 2; // questions
                let Some(id) = self.pick(who, kind, item) else {
                    return;
                };
                let (by, at) = (self.members[who], self.tick());
                self.edit(who, kind, |j| {
                    let q = &mut j["items"][id.as_str()];
                    q["status"] = json!("answered");
                    q["answer"] = json!(format!("answer {at}"));
                    q["answered_by"] = json!(by);
                    q["answered_at"] = json!(at);
                });
            }
            Op::DoubleCheck { who, item } => {
                let kind = 1; // appointments
                let Some(id) = self.pick(who, kind, item) else {
                    return;
                };
                let (by, at) = (self.members[who], self.tick());
                self.edit(who, kind, |j| {
                    let a = &mut j["items"][id.as_str()];
                    let mut typed: Appointment = serde_json::from_value(a.clone()).expect("appt");
                    typed.mark_double_checked(by, Timestamp(at));
                    *a = serde_json::to_value(typed).expect("json");
                });
            }
            Op::Merge { from, to, kind } => self.merge(from, to, kind),
            Op::Move {
                who,
                item,
                hour,
                minutes,
            } => {
                let Some(id) = self.pick(who, 1, item) else {
                    return;
                };
                let zone = Zone::named("Australia/Melbourne").expect("zone");
                let start = format!("2027-04-0{}T{hour:02}:00", 3 + (minutes % 3));
                let start = zone.place_input(&start).expect("start");
                let end = carecircle_shared::time::parse_datetime(&start).expect("parse")
                    + chrono::Duration::minutes(minutes);
                let end = zone.show(&end).to_rfc3339();
                self.edit(who, 1, |j| {
                    let a = &mut j["items"][id.as_str()];
                    a["start"] = json!(start);
                    a["end"] = json!(end);
                    a["zone"] = json!(zone.name());
                });
            }
            Op::Relocate { who, item } => {
                let Some(id) = self.pick(who, 1, item) else {
                    return;
                };
                let room = format!("Room {}", self.tick());
                self.edit(who, 1, |j| {
                    j["items"][id.as_str()]["place"]["name"] = json!(room);
                });
            }
            Op::Settle { who, pick } => {
                // Someone catches up with everyone's appointments, then settles what clashes.
                for from in 0..REPLICAS {
                    self.merge(from, who, 1);
                }
                let by = self.members[who];
                let at = Timestamp(self.tick());
                let doc = &mut self.replicas[who][1];
                let conflicts: Vec<_> = doc
                    .conflicts()
                    .into_iter()
                    .filter(|c| matches!(c.path.last().map(String::as_str), Some("slot" | "place")))
                    .collect();
                let Some(c) = conflicts.first() else {
                    return;
                };
                // One of the values not shown: keeping the shown one writes no new value
                // (Automerge only retires the others), which this model does not track.
                let chosen = c.values[1 + pick % (c.values.len() - 1)].value.clone();
                let value = ScalarValue::Str(chosen.as_str().unwrap_or_default().into());
                let heads = doc.heads();
                // Settling never yields a record that fails validation (refused if it would).
                if doc.resolve_conflict(by, at, &c.path, value).is_ok() && doc.heads() != heads {
                    let hash = doc.heads()[0];
                    self.model
                        .writes
                        .entry((DocKind::Appointments, c.path[1].clone(), c.path[2].clone()))
                        .or_default()
                        .push(Write {
                            hash,
                            value: chosen,
                        });
                    let n = SETTLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if n.is_power_of_two() {
                        eprintln!("time or place conflicts settled so far: {n}");
                    }
                }
            }
        }
    }

    fn merge(&mut self, from: usize, to: usize, kind: usize) {
        if from == to {
            return;
        }
        let mut source = self.replicas[from][kind].automerge().clone();
        self.replicas[to][kind]
            .automerge_mut()
            .merge(&mut source)
            .expect("merge");
    }

    fn merge_everything(&mut self) {
        for kind in 0..DocKind::ALL.len() {
            for r in 1..REPLICAS {
                self.merge(r, 0, kind);
            }
            for r in 1..REPLICAS {
                self.merge(0, r, kind);
            }
        }
    }
}

/// Hash -> all its ancestors, from the merged document.
fn ancestry(doc: &Document) -> HashMap<ChangeHash, BTreeSet<ChangeHash>> {
    let mut out: HashMap<ChangeHash, BTreeSet<ChangeHash>> = HashMap::new();
    // get_changes is in causal order, so every dependency is seen before its dependants.
    for change in doc.automerge().get_changes(&[]) {
        let mut set = BTreeSet::new();
        for dep in change.deps() {
            set.insert(*dep);
            if let Some(more) = out.get(dep) {
                set.extend(more.iter().copied());
            }
        }
        out.insert(change.hash(), set);
    }
    out
}

fn check(world: &World) -> Result<(), TestCaseError> {
    for (k, kind) in DocKind::ALL.iter().enumerate() {
        let docs: Vec<&Document> = world.replicas.iter().map(|r| &r[k]).collect();
        // 1. Every replica is identical: heads, content, and the conflicts it reports.
        let mut heads0 = docs[0].heads();
        heads0.sort();
        let view0 = view_json(docs[0]);
        let conflicts0 = docs[0].conflicts();
        for d in &docs[1..] {
            let mut h = d.heads();
            h.sort();
            prop_assert_eq!(&h, &heads0, "{} heads differ", kind);
            prop_assert_eq!(&view_json(d), &view0, "{} content differs", kind);
            prop_assert_eq!(&d.conflicts(), &conflicts0, "{} conflicts differ", kind);
        }
        // 2. The model: causally-last writes win, concurrent rival writes are reported.
        let (coll, _) = collection(*kind);
        let ancestors = ancestry(docs[0]);
        let mut expected_conflicts = BTreeSet::new();
        for ((wk, item, field), writes) in &world.model.writes {
            if wk != kind || world.model.deleted.contains(&(*kind, item.clone())) {
                continue;
            }
            let frontier: Vec<&Write> = writes
                .iter()
                .filter(|w| {
                    !writes
                        .iter()
                        .any(|o| o.hash != w.hash && ancestors[&o.hash].contains(&w.hash))
                })
                .collect();
            let shown = &stored_fields(*kind, &view0[coll][item])[field.as_str()];
            if frontier.len() == 1 {
                prop_assert_eq!(
                    shown,
                    &frontier[0].value,
                    "{} {} {} lost an edit",
                    kind,
                    item,
                    field
                );
            } else {
                let path = vec![coll.to_string(), item.clone(), field.clone()];
                let reported = conflicts0.iter().find(|c| c.path == path);
                prop_assert!(
                    reported.is_some(),
                    "{} conflict not reported: {:?}",
                    kind,
                    path
                );
                let mut got: Vec<String> = reported
                    .map(|c| c.values.iter().map(|v| v.value.to_string()).collect())
                    .unwrap_or_default();
                let mut want: Vec<String> = frontier.iter().map(|w| w.value.to_string()).collect();
                got.sort();
                want.sort();
                prop_assert_eq!(got, want, "{} conflict values", kind);
                prop_assert!(
                    frontier.iter().any(|w| &w.value == shown),
                    "shown value is one of the rivals"
                );
                expected_conflicts.insert(path);
            }
        }
        let reported: BTreeSet<Vec<String>> = conflicts0.iter().map(|c| c.path.clone()).collect();
        prop_assert_eq!(
            reported,
            expected_conflicts,
            "{} unexpected conflicts",
            kind
        );
        // 3. Every item created and not deleted is present.
        for (ck, item) in &world.model.created {
            if ck == kind && !world.model.deleted.contains(&(*kind, item.clone())) {
                prop_assert!(
                    view0[coll].get(item).is_some(),
                    "{} item {} lost",
                    kind,
                    item
                );
            }
        }
    }
    Ok(())
}

/// Every typed view (refreshed part by part since the last one) equals a view hydrated whole.
fn same_as_whole(world: &World) -> Result<(), TestCaseError> {
    for replica in &world.replicas {
        for doc in replica {
            let whole = Document::from_automerge(doc.kind(), doc.automerge().clone());
            prop_assert_eq!(
                view_json(doc),
                view_json(&whole),
                "{} refreshed view",
                doc.kind()
            );
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn three_members_converge_and_report_every_conflict(ops in prop::collection::vec(op(), 1..48)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            same_as_whole(&world)?;
        }
        world.merge_everything();
        same_as_whole(&world)?;
        check(&world)?;
    }
}
