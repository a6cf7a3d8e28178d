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
        "--registrations-per-minute",
        "--registrations-per-minute-total",
        "--trusted-proxy",
        "--token-idle-secs",
        "--tls-cert",
        "--tls-key",
        "CARECIRCLE_LISTEN",
        "CARECIRCLE_TRUSTED_PROXY",
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

#[test]
fn a_rate_it_cannot_honour_is_a_start_up_error_not_a_silent_cap() {
    for (flag, value) in [
        ("--login-attempts-per-minute", "100000000"),
        ("--invite-attempts-per-minute", "0"),
        ("--registrations-per-minute-total", "2000000"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(env!("CARGO_BIN_EXE_carecircle-server"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args([flag, value])
            .output()
            .expect("run carecircle-server");
        assert!(!out.status.success(), "{flag} {value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{flag}: {stderr}");
    }
}
