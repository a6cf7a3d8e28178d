//! The fuzz targets' regression corpus (`fuzz/regressions/<target>/`: crashes found and seeds),
//! replayed on stable as ordinary tests, so a fixed crash stays fixed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("regression corpus directory") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            run(&std::fs::read(&path).expect("read corpus file"));
            n += 1;
        }
    }
    n
}

#[test]
fn sync_message_bytes_corpus() {
    let n = replay(
        "sync_message_bytes",
        carecircle_server::fuzzing::sync_message_bytes,
    );
    println!("replayed {n} inputs");
}

#[test]
fn sync_message_structured_corpus() {
    let n = replay(
        "sync_message_structured",
        carecircle_server::fuzzing::sync_message_structured,
    );
    println!("replayed {n} inputs");
}

#[test]
fn wire_decoders_corpus() {
    let n = replay("wire_decoders", carecircle_server::fuzzing::wire_decoders);
    println!("replayed {n} inputs");
}
