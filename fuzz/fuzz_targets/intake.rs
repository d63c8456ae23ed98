//! What an identity upload meets first: its media type is judged from its bytes (the
//! image itself is only ever decoded by pdftoppm and tesseract, in bounded subprocesses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use paraphe_server::identity;

fuzz_target!(|data: &[u8]| {
    if let Some(kind) = identity::sniff(data) {
        assert!(matches!(kind, "image/jpeg" | "image/png" | "application/pdf"));
        assert!(data.len() >= 3);
    }
});
