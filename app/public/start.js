// Starts the web app. A file of its own, not an inline script, so the page's content security
// policy can allow scripts from this site only.
import init from "/carecircle-ui.js";

init("/carecircle-ui_bg.wasm");
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
// Ask the browser to keep this site's storage (the record and unsynced changes) even when the
// device runs low on space, instead of evicting it as a cache.
if (navigator.storage && navigator.storage.persist) {
  navigator.storage.persisted().then((kept) => kept || navigator.storage.persist()).catch(() => {});
}
