//! The binary's command line: `--help` documents every flag and its environment variable.

use std::process::Command;

#[test]
fn help_documents_every_flag_and_env_var() {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle-server"))
        .arg("--help")
        .output()
        .expect("run carecircle-server --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--demo",
        "--no-registration",
        "--web-dir",
        "--max-request-bytes",
        "--login-attempts-per-minute",
        "CARECIRCLE_LISTEN",
        "CARECIRCLE_DATA_DIR",
        "CARECIRCLE_DEMO",
        "CARECIRCLE_NO_REGISTRATION",
    ] {
        assert!(help.contains(flag), "--help mentions {flag}");
    }
}

#[test]
fn a_bad_flag_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_carecircle-server"))
        .arg("--listen=not-an-address")
        .output()
        .expect("run carecircle-server");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}
