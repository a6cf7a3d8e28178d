//! The CareCircle app: the web build (wasm32, feature `web`) or the desktop build (feature `desktop`).

fn main() {
    carecircle_app::ui::launch();
}
