// Starts the web app. A file of its own, not an inline script, so the page's content security
// policy can allow scripts from this site only.
import init from "/carecircle-ui.js";

init("/carecircle-ui_bg.wasm");
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
