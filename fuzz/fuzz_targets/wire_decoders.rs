//! Fuzz target: `carecircle_server::fuzzing::wire_decoders` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    carecircle_server::fuzzing::wire_decoders(data);
});
