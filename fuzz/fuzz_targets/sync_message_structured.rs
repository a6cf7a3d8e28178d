//! Fuzz target: `carecircle_server::fuzzing::sync_message_structured` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    carecircle_server::fuzzing::sync_message_structured(data);
});
