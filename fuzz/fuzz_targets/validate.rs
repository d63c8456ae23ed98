//! The validator reads PDFs signed anywhere: any bytes must give a report or an error, and
//! with no trust anchor nothing can be reported as valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paraphe_server::signing;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = signing::validate(data, &[]) {
        assert!(!report.all_valid(), "valid without any trust anchor");
    }
});
