//! `inspect` runs on every upload, before anything is stored: any bytes must give a page
//! count or a coded error, and an accepted file has at least one page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paraphe_server::signing;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = signing::inspect(data) {
        assert!(info.pages >= 1);
    }
});
