//! The real `carecircle-server` binary as a child process, for kill -9 and restart tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The server binary: `CARECIRCLE_SERVER_BIN` when set (to measure another build), else the
/// one built next to the test executables (built here if missing).
pub fn server_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("CARECIRCLE_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("carecircle-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args([
            "build",
            "-p",
            "carecircle-server",
            "--bin",
            "carecircle-server",
        ]);
        // A benchmark (target/release) measures the release build.
        if dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo build");
        assert!(status.success(), "building carecircle-server");
    }
    bin
}

/// A field of a process's `/proc/PID/status` in KiB (`VmRSS:` now, `VmHWM:` the peak), or 0.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A running server process.
#[derive(Debug)]
pub struct ServerProcess {
    /// The child.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl ServerProcess {
    /// Starts the binary on `127.0.0.1:0` with `data_dir` and waits for its address.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(server_binary())
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--login-attempts-per-minute", "100000"])
            .args(["--invite-attempts-per-minute", "100000"])
            // As environment variables, which a build without these settings ignores.
            .env("CARECIRCLE_REGISTRATIONS_PER_MINUTE", "100000")
            .env("CARECIRCLE_REGISTRATIONS_PER_MINUTE_TOTAL", "100000")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn carecircle-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut base = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read stdout");
            if let Some(addr) = line.strip_prefix("carecircle-server listening on ") {
                base = Some(addr.trim().to_string());
                break;
            }
        }
        let base = base.expect("server printed its address");
        Self { child, base }
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
