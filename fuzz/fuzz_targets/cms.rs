//! DER from outside: a signature's CMS (what the validator parses from `/Contents`), an
//! outside time-stamping authority's answer, and the OCSP and RFC 3161 requests anyone may
//! send to our responders. None may panic; the responders always answer something.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use paraphe_server::pki::{self, CaHierarchy};
use paraphe_server::signing::fuzzing;

fn hierarchy() -> &'static CaHierarchy {
    static HIERARCHY: OnceLock<CaHierarchy> = OnceLock::new();
    HIERARCHY.get_or_init(|| CaHierarchy::generate("http://localhost:8080").expect("a test hierarchy"))
}

fuzz_target!(|data: &[u8]| {
    assert!(!fuzzing::check_cms(data), "a CMS accepted without any trust anchor");
    let nonce = der::asn1::Int::new(&[1]).expect("nonce");
    let _ = paraphe_server::signing::validation::check_outside_time_stamp(data, &[0; 32], &nonce);
    let _ = pki::ocsp::parse(hierarchy(), data);
    assert!(!pki::tsa::respond(hierarchy(), data).is_empty());
});
