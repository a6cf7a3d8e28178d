//! Live updates: `GET /v1/events` tells a signed-in device, as server-sent events, which of the
//! documents it reads another device changed and when a membership or access in its circles
//! changed. Removal from a circle, signing the device out, or the stream's lifetime ends it;
//! what it says is only ever a nudge to sync (document ids, never content).

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use carecircle_shared::limits::{EVENT_STREAM_SECS, MAX_EVENT_STREAMS_PER_DEVICE};
use carecircle_shared::wire::{CircleSummary, ErrorCode, LiveEvent};
use carecircle_shared::{CircleId, DeviceId, DocumentId, MemberId};
use futures::Stream;
use tokio::sync::broadcast;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::{Caller, Store};

/// Notices a stream falls behind by before it is told "something changed" instead.
const BACKLOG: usize = 1024;

/// Something that happened, for the streams to sort out whom it concerns.
#[derive(Debug, Clone)]
pub enum Notice {
    /// `by` uploaded changes to these documents.
    Docs {
        /// The documents.
        docs: Vec<DocumentId>,
        /// The device that uploaded them (it is not told of its own changes).
        by: DeviceId,
    },
    /// A membership or access in `circle` changed; `member` is the one it changed for (a new
    /// circle's member is not yet among its subscribers' circles).
    Standing {
        /// The circle.
        circle: CircleId,
        /// The member concerned.
        member: MemberId,
    },
    /// The device was signed out or revoked.
    SignedOut(DeviceId),
}

/// Where notices are published, and how many streams each device holds.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Notice>>,
    open: Arc<Mutex<HashMap<DeviceId, usize>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(BACKLOG).0,
            open: Arc::default(),
        }
    }
}

impl Hub {
    /// Tells every open stream (nobody listening is fine).
    pub fn notify(&self, notice: Notice) {
        let _ = self.tx.send(Arc::new(notice));
    }

    /// Streams open now, over all devices.
    pub fn streams(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }

    fn claim(&self, device: DeviceId) -> ApiResult<Claim> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(device).or_default();
        if *n >= MAX_EVENT_STREAMS_PER_DEVICE {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "this device already has as many live connections as it may; it will sync by polling",
            ));
        }
        *n += 1;
        Ok(Claim {
            open: self.open.clone(),
            device,
        })
    }
}

/// One device's stream slot, given back when the stream is dropped.
struct Claim {
    open: Arc<Mutex<HashMap<DeviceId, usize>>>,
    device: DeviceId,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.device) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.device);
            }
        }
    }
}

/// What one member reads, as its stream knows it.
#[derive(Default)]
struct View {
    circles: HashSet<CircleId>,
    docs: HashSet<DocumentId>,
}

impl View {
    fn of(circles: &[CircleSummary]) -> View {
        View {
            circles: circles.iter().map(|c| c.id).collect(),
            docs: circles
                .iter()
                .flat_map(|c| c.documents.iter().map(|d| d.id))
                .collect(),
        }
    }
}

struct Live {
    started: bool,
    done: bool,
    rx: broadcast::Receiver<Arc<Notice>>,
    view: View,
    caller: Caller,
    store: Arc<dyn Store>,
    _claim: Claim,
}

impl Live {
    /// The next event for this member, or `None` when the stream ends.
    async fn next(&mut self) -> Option<LiveEvent> {
        if !self.started {
            self.started = true;
            return Some(LiveEvent::Ready);
        }
        if self.done {
            return None;
        }
        loop {
            let notice = match self.rx.recv().await {
                Ok(n) => n,
                // Fell behind: which documents is not known, but something changed.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some(LiveEvent::Changed(Vec::new()));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            match &*notice {
                Notice::Docs { docs, by } => {
                    if *by == self.caller.device {
                        continue;
                    }
                    let mine: Vec<DocumentId> = docs
                        .iter()
                        .filter(|d| self.view.docs.contains(d))
                        .copied()
                        .collect();
                    if !mine.is_empty() {
                        return Some(LiveEvent::Changed(mine));
                    }
                }
                Notice::Standing { circle, member } => {
                    if !self.view.circles.contains(circle) && *member != self.caller.member {
                        continue;
                    }
                    // Asked again: what this member reads now. A circle gone (removed, or
                    // left on another device) ends the stream after this event.
                    let Ok(circles) = self.store.list_circles(&self.caller).await else {
                        return None;
                    };
                    let now = View::of(&circles);
                    self.done = self.view.circles.iter().any(|c| !now.circles.contains(c));
                    self.view = now;
                    return Some(LiveEvent::Standing);
                }
                Notice::SignedOut(device) => {
                    if *device == self.caller.device {
                        return None;
                    }
                }
            }
        }
    }
}

/// `GET /v1/events`: the caller's live updates, as server-sent events.
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let claim = state.events.claim(caller.device)?;
    // Listening before the circles are read: nothing that happens meanwhile is missed.
    let rx = state.events.tx.subscribe();
    let circles = state.store.list_circles(&caller).await?;
    let live = Live {
        started: false,
        done: false,
        rx,
        view: View::of(&circles),
        caller,
        store: state.store.clone(),
        _claim: claim,
    };
    let lifetime = tokio::time::sleep(Duration::from_secs(EVENT_STREAM_SECS));
    let stream = futures::stream::unfold(
        (live, Box::pin(lifetime)),
        |(mut live, mut lifetime)| async move {
            let event = tokio::select! {
                e = live.next() => e?,
                _ = &mut lifetime => return None,
            };
            let sse = Event::default().event(event.name()).data(event.data());
            Some((Ok(sse), (live, lifetime)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
