//! The HTTP API (`/v1/...` and `/healthz`): thin handlers that check input and call the store.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use carecircle_shared::automerge::ActorId;
use carecircle_shared::limits::{
    DEFAULT_INVITE_LIFETIME_SECS, Limits, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
use carecircle_shared::validation;
use carecircle_shared::wire::{
    AcceptInvite, AccessLogEntry, CircleDetail, CircleSummary, CreateCircle, CreateInvite,
    DeviceInfo, ErrorCode, Health, Invite, InviteInfo, LoginRequest, RegisterActor,
    RegisterRequest, Session, SetAccess, SyncRequest, SyncResponse,
};
use carecircle_shared::{CircleId, DeviceId, DocumentId, InviteId, MemberId};
use serde::Deserialize;

use crate::AppState;
use crate::clock::now;
use crate::doc_locks::carries_changes;
use crate::error::{ApiError, ApiResult};
use crate::events::Notice;
use crate::extract::{Body, PathParams, QueryParams};
use crate::secret::{
    hash_password, hash_secret, new_invite_code, new_token, normalise_code, verify_password,
};
use crate::store::{Caller, NewDevice};

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// `GET /v1/limits`: the limits in force, for client batching.
pub async fn limits(State(state): State<AppState>) -> Json<Limits> {
    Json(state.config.limits)
}

/// A name others will see, trimmed: required, short, no control or text-direction characters.
fn name_field(field: &'static str, value: &str) -> ApiResult<String> {
    let value = value.trim();
    validation::name(field, value).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(value.to_string())
}

fn username(value: &str) -> ApiResult<String> {
    let name = value.trim().to_lowercase();
    let ok = (3..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::bad_request(
            "a username is 3 to 64 letters, digits, '.', '_', '-' or '@'",
        ))
    }
}

fn actor(hex: &str) -> ApiResult<ActorId> {
    let bytes = hex::decode(hex.trim())
        .ok()
        .filter(|b| (1..=32).contains(&b.len()))
        .ok_or_else(|| ApiError::bad_request("the actor id is not 1 to 32 bytes of hex"))?;
    Ok(ActorId::from(bytes))
}

async fn sign_in_device(
    state: &AppState,
    member: MemberId,
    display_name: String,
    device_name: &str,
    actor: ActorId,
) -> ApiResult<Session> {
    let token = new_token();
    let device = state
        .store
        .create_device(NewDevice {
            member,
            name: name_field("device_name", device_name)?,
            actor,
            token_hash: hash_secret(&token),
        })
        .await?;
    Ok(Session {
        token,
        member,
        device,
        display_name,
    })
}

/// `POST /v1/accounts`: create an account and sign this device in.
pub async fn register(
    State(state): State<AppState>,
    Body(req): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    if !state.config.registration_open {
        return Err(ApiError::new(
            ErrorCode::RegistrationClosed,
            "this server does not accept new accounts",
        ));
    }
    let name = username(&req.username)?;
    let display_name = name_field("display_name", &req.display_name)?;
    name_field("device_name", &req.device_name)?;
    let actor = actor(&req.actor)?;
    let length = req.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(ApiError::new(
            ErrorCode::WeakPassword,
            format!("a password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let password = req.password;
    let hash = state
        .hasher
        .run(move || hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let member = state
        .store
        .create_account(&name, &display_name, &hash)
        .await?;
    let session = sign_in_device(&state, member, display_name, &req.device_name, actor).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// `POST /v1/sessions`: sign a device in.
pub async fn login(
    State(state): State<AppState>,
    Body(req): Body<LoginRequest>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    let actor = actor(&req.actor)?;
    name_field("device_name", &req.device_name)?;
    let creds = state
        .store
        .credentials(&req.username.trim().to_lowercase())
        .await?;
    let stored = creds.as_ref().map(|c| c.password_hash.clone());
    let password = req
        .password
        .chars()
        .take(MAX_PASSWORD_CHARS)
        .collect::<String>();
    let ok = state
        .hasher
        .run(move || verify_password(&password, stored.as_deref()))
        .await?;
    let Some(creds) = creds.filter(|_| ok) else {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the username or password is not right",
        ));
    };
    let session = sign_in_device(
        &state,
        creds.member,
        creds.display_name,
        &req.device_name,
        actor,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// `DELETE /v1/sessions/current`: sign this device out.
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    state.store.sign_out(&caller).await?;
    state.events.notify(Notice::SignedOut(caller.device));
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/devices`.
pub async fn devices(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DeviceInfo>>> {
    Ok(Json(state.store.list_devices(&caller).await?))
}

/// `DELETE /v1/devices/{device}`.
pub async fn revoke_device(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(device): PathParams<DeviceId>,
) -> ApiResult<StatusCode> {
    state.store.revoke_device(&caller, device).await?;
    state.events.notify(Notice::SignedOut(device));
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/devices/current/actors`.
pub async fn register_actor(
    State(state): State<AppState>,
    caller: Caller,
    Body(req): Body<RegisterActor>,
) -> ApiResult<StatusCode> {
    state
        .store
        .register_actor(&caller, actor(&req.actor)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/circles`.
pub async fn create_circle(
    State(state): State<AppState>,
    caller: Caller,
    Body(req): Body<CreateCircle>,
) -> ApiResult<(StatusCode, Json<CircleSummary>)> {
    let name = name_field("name", &req.name)?;
    let circle = state.store.create_circle(&caller, &name, req.role).await?;
    standing(&state, circle.id, caller.member);
    Ok((StatusCode::CREATED, Json(circle)))
}

/// `GET /v1/circles`: my circles (a case manager's caseload).
pub async fn circles(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<CircleSummary>>> {
    Ok(Json(state.store.list_circles(&caller).await?))
}

/// `GET /v1/circles/{circle}`.
pub async fn circle(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(circle): PathParams<CircleId>,
) -> ApiResult<Json<CircleDetail>> {
    Ok(Json(state.store.circle_detail(&caller, circle).await?))
}

/// `POST /v1/circles/{circle}/invites`.
pub async fn create_invite(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(circle): PathParams<CircleId>,
    Body(req): Body<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    let max = state.config.limits.max_invite_lifetime_secs;
    let secs = req.expires_in_secs.unwrap_or(DEFAULT_INVITE_LIFETIME_SECS);
    if secs == 0 || secs > max {
        return Err(ApiError::bad_request(format!(
            "an invite lives between 1 second and {max} seconds"
        )));
    }
    let code = new_invite_code();
    let expires_at = now().plus_millis(secs as i64 * 1000);
    let id = state
        .store
        .create_invite(&caller, circle, req.role, &hash_secret(&code), expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Invite {
            id,
            code,
            role: req.role,
            expires_at,
        }),
    ))
}

/// `GET /v1/circles/{circle}/invites`: outstanding invites (role, creator, expiry; never codes).
pub async fn invites(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(circle): PathParams<CircleId>,
) -> ApiResult<Json<Vec<InviteInfo>>> {
    Ok(Json(state.store.list_invites(&caller, circle).await?))
}

/// `DELETE /v1/circles/{circle}/invites/{invite}`: cancel an outstanding invite.
pub async fn cancel_invite(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((circle, invite)): PathParams<(CircleId, InviteId)>,
) -> ApiResult<StatusCode> {
    state.store.cancel_invite(&caller, circle, invite).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/invites/accept`.
pub async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    Body(req): Body<AcceptInvite>,
) -> ApiResult<Json<CircleSummary>> {
    let code = normalise_code(&req.code);
    if code.is_empty() || code.len() > 64 {
        return Err(ApiError::new(
            ErrorCode::InviteInvalid,
            "that invite code is not known; check it and try again",
        ));
    }
    let circle = state
        .store
        .accept_invite(&caller, &hash_secret(&code), req.relationship)
        .await?;
    standing(&state, circle.id, caller.member);
    Ok(Json(circle))
}

/// `PUT /v1/circles/{circle}/members/{member}/access`.
pub async fn set_access(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((circle, member)): PathParams<(CircleId, MemberId)>,
    Body(req): Body<SetAccess>,
) -> ApiResult<StatusCode> {
    state
        .store
        .set_access(&caller, circle, member, req.kind, req.access)
        .await?;
    standing(&state, circle, member);
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/circles/{circle}/members/{member}`: revoke a member, or leave.
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((circle, member)): PathParams<(CircleId, MemberId)>,
) -> ApiResult<StatusCode> {
    state.store.remove_member(&caller, circle, member).await?;
    standing(&state, circle, member);
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of the access log.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Entries with a `seq` below this.
    pub before: Option<i64>,
    /// Page size.
    pub limit: Option<usize>,
}

/// `GET /v1/circles/{circle}/access-log?before=&limit=`.
pub async fn access_log(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(circle): PathParams<CircleId>,
    QueryParams(page): QueryParams<Page>,
) -> ApiResult<Json<Vec<AccessLogEntry>>> {
    let limits = state.config.limits;
    let limit = page.limit.unwrap_or(limits.page_size);
    if limit == 0 || limit > limits.max_page_size {
        return Err(ApiError::bad_request(format!(
            "limit is between 1 and {}",
            limits.max_page_size
        )));
    }
    Ok(Json(
        state
            .store
            .access_log(&caller, circle, page.before, limit)
            .await?,
    ))
}

/// `POST /v1/sync`: one batched exchange for many documents.
pub async fn sync(
    State(state): State<AppState>,
    caller: Caller,
    Body(req): Body<SyncRequest>,
) -> ApiResult<Json<SyncResponse>> {
    let limits = state.config.limits;
    let uploaded: Vec<DocumentId> = req
        .docs
        .iter()
        .filter(|d| d.message.as_ref().is_some_and(|m| carries_changes(&m.0)))
        .map(|d| d.doc)
        .collect();
    let response = state.store.sync(&caller, req, &limits).await?;
    // Committed: the other devices reading these documents are told to sync.
    let docs: Vec<DocumentId> = uploaded
        .into_iter()
        .filter(|id| {
            response
                .docs
                .iter()
                .any(|r| r.doc == *id && r.refused.is_none())
        })
        .collect();
    if !docs.is_empty() {
        state.events.notify(Notice::Docs {
            docs,
            by: caller.device,
        });
    }
    Ok(Json(response))
}

/// Tells the live streams that a membership or access in `circle` changed for `member`.
fn standing(state: &AppState, circle: CircleId, member: MemberId) {
    state.events.notify(Notice::Standing { circle, member });
}
