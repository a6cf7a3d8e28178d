#![cfg(target_arch = "wasm32")]
//! The local-store behaviour suite on the browser's IndexedDB store (headless Chromium).

use carecircle_app::store::indexeddb::IndexedDbStore;
use carecircle_app::store::suite::check_store;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn indexeddb_store_passes_the_behaviour_suite() {
    let name = format!(
        "carecircle-test-{}",
        carecircle_shared::DocumentId::random()
    );
    let store = IndexedDbStore::open(&name).await.expect("open IndexedDB");
    check_store(&store).await;
}
