//! The lazy reader behind signing reads uploaded PDFs object by object: any bytes must give
//! an answer (a document, or "read it fully instead"), never a panic, a hang or a stack
//! overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paraphe_server::signing::fuzzing;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the page, the rest is the file.
    let Some((&page, pdf)) = data.split_first() else { return };
    let _ = fuzzing::lazy_read(pdf, u32::from(page % 8));
});
