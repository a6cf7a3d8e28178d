// Starts the web app. A file of its own, not an inline script, so the page's content security
// policy can allow scripts from this site only.
import init from "/carecircle-ui.js";

// The app's code, with a progress bar while it downloads (the first visit; later visits
// come from the service worker's cache at once).
const WASM = "/carecircle-ui_bg.wasm";
async function load() {
  const bar = document.getElementById("boot-progress");
  const text = document.getElementById("boot-text");
  try {
    const res = await fetch(WASM);
    // The wasm's own size, written in by the build: the Content-Length of a compressed
    // download is smaller than what the body yields.
    const total = Number("__WASM_BYTES__") || 0;
    if (!res.ok || !res.body || !total || !bar) return init({ module_or_path: WASM });
    const reader = res.body.getReader();
    const chunks = [];
    let got = 0;
    bar.max = total;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      bar.value = got;
      if (text) text.textContent = `Opening CareCircle… ${Math.min(100, Math.round((got * 100) / total))}%`;
    }
    await init({ module_or_path: new Response(new Blob(chunks), { headers: { "content-type": "application/wasm" } }) });
  } catch (e) {
    if (text) text.textContent = "CareCircle could not start. Check the connection and reload the page.";
    throw e;
  }
}
load();
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
// Ask the browser to keep this site's storage (the record and unsynced changes) even when the
// device runs low on space, instead of evicting it as a cache.
if (navigator.storage && navigator.storage.persist) {
  navigator.storage.persisted().then((kept) => kept || navigator.storage.persist()).catch(() => {});
}
