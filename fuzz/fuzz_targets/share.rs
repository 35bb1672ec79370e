//! Any bytes as a shared session: a sealed one (with a fixed key), a fragment, plain JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::share;

fuzz_target!(|data: &[u8]| {
    let _ = share::open(data, &[7u8; 32]);
    let _ = share::SharedSession::from_json(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = share::from_fragment(s);
        let _ = share::key_from_text(s);
    }
});
