//! What differs between the web build and the native (desktop, mobile) builds: where data is
//! kept, which server is the default, how a file is saved.

use crate::core::CareCircle;
use crate::error::AppResult;

/// Opens the core over this platform's local store.
#[cfg(target_arch = "wasm32")]
pub async fn open_core() -> AppResult<CareCircle> {
    let store = crate::store::indexeddb::IndexedDbStore::open("carecircle").await?;
    CareCircle::open(Box::new(store), &default_server()).await
}

/// Opens the core over this platform's local store.
#[cfg(not(target_arch = "wasm32"))]
pub async fn open_core() -> AppResult<CareCircle> {
    let dir = data_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::AppError::Storage(format!("cannot create the data folder: {e}")))?;
    let store = crate::SqliteLocalStore::open(&dir.join("carecircle.sqlite3"))?;
    CareCircle::open(Box::new(store), &default_server()).await
}

/// Where the native app keeps its data: `CARECIRCLE_APP_DIR`, else the platform's data folder.
#[cfg(not(target_arch = "wasm32"))]
pub fn data_dir() -> std::path::PathBuf {
    std::env::var_os("CARECIRCLE_APP_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("carecircle")))
        .unwrap_or_else(|| std::path::PathBuf::from("carecircle-data"))
}

/// The server a new device talks to: the site that served the web app.
#[cfg(target_arch = "wasm32")]
pub fn default_server() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
}

/// The server a new device talks to: `CARECIRCLE_SERVER`, else the local demo server.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_server() -> String {
    std::env::var("CARECIRCLE_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8080".into())
}

/// The name this device is listed under in "my devices".
pub fn device_name() -> String {
    if cfg!(target_arch = "wasm32") {
        "Web browser".into()
    } else {
        format!("{} app", std::env::consts::OS)
    }
}

/// Offers a text file to the person (web: a download; native: saved in the downloads folder).
#[cfg(target_arch = "wasm32")]
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let fail = |_| "the file could not be offered for download".to_string();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "no link".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Offers a text file to the person (web: a download; native: saved in the downloads folder).
#[cfg(not(target_arch = "wasm32"))]
pub fn download(name: &str, _mime: &str, text: &str) -> Result<(), String> {
    let dir = dirs::download_dir().unwrap_or_else(data_dir);
    std::fs::write(dir.join(name), text).map_err(|e| format!("the file could not be saved: {e}"))
}

/// Calls `online` whenever the browser regains a network connection and `offline` as soon as
/// it loses it (web only).
#[cfg(target_arch = "wasm32")]
pub fn on_network(online: impl Fn() + 'static, offline: impl Fn() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    if let Some(w) = web_sys::window() {
        for (event, f) in [
            ("online", Box::new(online) as Box<dyn Fn()>),
            ("offline", Box::new(offline)),
        ] {
            let cb = Closure::<dyn Fn()>::new(f);
            let _ = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
            cb.forget();
        }
    }
}

/// Calls `online` / `offline` as the network comes and goes (web only).
#[cfg(not(target_arch = "wasm32"))]
pub fn on_network(_online: impl Fn() + 'static, _offline: impl Fn() + 'static) {}

/// Opens the print dialog for the current page (no script evaluation, which the web app's
/// content security policy forbids).
#[cfg(target_arch = "wasm32")]
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Opens the print dialog of the desktop webview.
#[cfg(not(target_arch = "wasm32"))]
pub fn print() {
    let _ = dioxus::document::eval("window.print()");
}

/// Gives this tab an actor id no other tab of the browser writes with: the first of the
/// device's ids whose Web Lock it can take (held for the page's life), else a new one. Two tabs
/// never write with one id, so their changes never share sequence numbers.
#[cfg(target_arch = "wasm32")]
pub async fn claim_actor(core: &mut CareCircle) -> AppResult<()> {
    if core.session().is_none() {
        return Ok(());
    }
    for hex in core.device_actors() {
        if let Ok(bytes) = hex::decode(&hex)
            && hold_lock(&format!("carecircle-actor-{hex}")).await
        {
            return core.use_actor(bytes.into()).await;
        }
    }
    let actor = carecircle_shared::automerge::ActorId::random();
    hold_lock(&format!("carecircle-actor-{}", actor.to_hex_string())).await;
    core.use_actor(actor).await
}

/// Native builds have one writer per process, holding the session's actor id.
#[cfg(not(target_arch = "wasm32"))]
pub async fn claim_actor(_core: &mut CareCircle) -> AppResult<()> {
    Ok(())
}

/// Takes the Web Lock `name` if no other tab holds it, and keeps it until the page closes.
/// Browsers without Web Locks: true (a single tab is the common case there).
#[cfg(target_arch = "wasm32")]
async fn hold_lock(name: &str) -> bool {
    use js_sys::{Function, Object, Promise, Reflect};
    use std::cell::RefCell;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else {
        return true;
    };
    let locks = Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(request) = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return true;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &true.into());
    let (tx, rx) = futures::channel::oneshot::channel::<bool>();
    let tx = RefCell::new(Some(tx));
    let granted = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |lock: JsValue| {
        let held = !lock.is_null();
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(held);
        }
        if held {
            // Never settles: the lock is released when the page goes.
            Promise::new(&mut |_, _| {}).into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let asked = request.call3(
        &locks,
        &name.into(),
        &options,
        granted.as_ref().unchecked_ref(),
    );
    granted.forget();
    if asked.is_err() {
        return true;
    }
    rx.await.unwrap_or(false)
}

/// The channel the tabs of this browser tell each other about saved changes on.
#[cfg(target_arch = "wasm32")]
fn channel() -> Option<web_sys::BroadcastChannel> {
    thread_local! {
        static CHANNEL: Option<web_sys::BroadcastChannel> =
            web_sys::BroadcastChannel::new("carecircle").ok();
    }
    CHANNEL.with(|c| c.clone())
}

/// Tells the other tabs this one saved something (they load it from the shared store).
#[cfg(target_arch = "wasm32")]
pub fn announce() {
    if let Some(c) = channel() {
        let _ = c.post_message(&"saved".into());
    }
}

/// Other tabs: nobody to tell.
#[cfg(not(target_arch = "wasm32"))]
pub fn announce() {}

/// Calls `saved` whenever another tab says it saved something.
#[cfg(target_arch = "wasm32")]
pub fn on_announce(saved: impl Fn() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    if let Some(c) = channel() {
        let cb = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| saved());
        c.set_onmessage(Some(cb.as_ref().unchecked_ref()));
        cb.forget();
    }
}

/// Other tabs: none on native builds.
#[cfg(not(target_arch = "wasm32"))]
pub fn on_announce(_saved: impl Fn() + 'static) {}

/// Puts `text` on the clipboard; true if the browser took it.
#[cfg(target_arch = "wasm32")]
pub fn copy_text(text: &str) -> bool {
    web_sys::window()
        .and_then(|w| {
            let clipboard = js_sys::Reflect::get(&w.navigator(), &"clipboard".into()).ok()?;
            let write = js_sys::Reflect::get(&clipboard, &"writeText".into()).ok()?;
            let write: js_sys::Function = wasm_bindgen::JsCast::dyn_into(write).ok()?;
            write.call1(&clipboard, &text.into()).ok()
        })
        .is_some()
}

/// Puts `text` on the clipboard (the desktop webview's).
#[cfg(not(target_arch = "wasm32"))]
pub fn copy_text(text: &str) -> bool {
    let text = serde_json::to_string(text).unwrap_or_default();
    let _ = dioxus::document::eval(&format!("navigator.clipboard.writeText({text})"));
    true
}

/// Moves keyboard focus (and the screen) to the element `id`, e.g. the field a problem is about.
#[cfg(target_arch = "wasm32")]
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Focus is left to the webview on native builds.
#[cfg(not(target_arch = "wasm32"))]
pub fn focus(_id: &str) {}

/// The page's address fragment (`#/…`), empty when there is none.
#[cfg(target_arch = "wasm32")]
pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Native builds have no address bar.
#[cfg(not(target_arch = "wasm32"))]
pub fn current_hash() -> String {
    String::new()
}

/// Puts `hash` in the address bar: a new history entry (Back returns to the one before), or
/// in place of the current one.
#[cfg(target_arch = "wasm32")]
pub fn show_hash(hash: &str, new_entry: bool) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = if new_entry {
            h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash))
        } else {
            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash))
        };
    }
}

/// Native builds have no address bar.
#[cfg(not(target_arch = "wasm32"))]
pub fn show_hash(_hash: &str, _new_entry: bool) {}

/// Calls `moved` with the new address whenever the person goes Back or Forward, or opens a link
/// to another screen of the app.
#[cfg(target_arch = "wasm32")]
pub fn on_address(moved: impl Fn(String) + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    if let Some(w) = web_sys::window() {
        let cb = Closure::<dyn Fn()>::new(move || moved(current_hash()));
        let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// Native builds have no Back button of their own.
#[cfg(not(target_arch = "wasm32"))]
pub fn on_address(_moved: impl Fn(String) + 'static) {}

/// Moves keyboard focus to the shown screen's heading, so a screen reader reads where the
/// person now is and Tab starts from the top of the new screen.
#[cfg(target_arch = "wasm32")]
pub fn focus_heading() {
    use wasm_bindgen::JsCast;
    if let Some(h) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("main h1").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        h.set_tab_index(-1);
        let _ = h.focus();
    }
}

/// Focus is left to the webview on native builds.
#[cfg(not(target_arch = "wasm32"))]
pub fn focus_heading() {}

/// Saves the written copy on the page (`#written-copy`) as a self-contained HTML file, to keep
/// or share; it prints as the page does.
#[cfg(target_arch = "wasm32")]
pub fn save_written_copy(name: &str) -> Result<(), String> {
    let copy = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("written-copy"))
        .ok_or("there is no copy on the page")?;
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{}</style></head><body><main class=\"printable\">{}</main></body></html>",
        escape_html(name),
        crate::ui::STYLE,
        copy.outer_html()
    );
    download(name, "text/html;charset=utf-8", &page)
}

/// The desktop webview prints; a file copy is the web app's.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_written_copy(_name: &str) -> Result<(), String> {
    Err("use Print here (a PDF printer keeps a file)".into())
}

/// `s` safe inside HTML text.
#[cfg(target_arch = "wasm32")]
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
