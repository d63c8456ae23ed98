//! The MRZ parser takes OCR output, i.e. anything: it must never panic, and whatever it
//! accepts must have the shape it promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paraphe_server::identity::mrz;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    if let Ok(read) = mrz::parse(&text, today) {
        assert!(!read.surname.is_empty());
        assert!(read.birth_date <= today);
    }
    let _ = paraphe_server::identity::ocr::mrz_from_ocr(&text, today);
});
