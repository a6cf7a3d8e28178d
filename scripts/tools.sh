# Shared by scripts/run, scripts/build-web and scripts/test: each installs only what is missing.
# Source it; it defines functions and changes nothing by itself.

# One cargo target directory kept outside the clone, so a fresh clone on a machine that built the
# project before (CI included) reuses its compiled dependencies. Set CARGO_TARGET_DIR to choose
# another; it is created when missing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carecircle/target}"
mkdir -p "$CARGO_TARGET_DIR"

step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, installed only when one of the named commands/files is missing.
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# wasm-bindgen's CLI must match the wasm-bindgen version in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local version
  version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -qF "$version"; then
    step "installing wasm-bindgen-cli $version (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$version"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    step "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

# The desktop build links webkit2gtk; Xvfb lets it start without a display.
ensure_desktop_libs() {
  if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null || [ ! -e /usr/include/xdo.h ] || ! command -v xvfb-run >/dev/null; then
    step "installing webkit2gtk and friends for the desktop build"
    apt_install libwebkit2gtk-4.1-dev libxdo-dev libssl-dev pkg-config xvfb xauth
  fi
}

# npm packages for the browser tests (versions pinned in tests/browser/package-lock.json).
ensure_node_modules() {
  if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
    step "installing the browser tests' npm packages"
    (cd tests/browser && npm ci --no-audit --no-fund)
  fi
}

# wasm-opt from npm's binaryen (a pinned version, kept beside the cargo cache), for the web build.
BINARYEN_VERSION=132.0.0
ensure_wasm_opt() {
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/carecircle/tools/binaryen-$BINARYEN_VERSION"
  if [ ! -x "$dir/node_modules/.bin/wasm-opt" ]; then
    step "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  WASM_OPT="$dir/node_modules/.bin/wasm-opt"
}
