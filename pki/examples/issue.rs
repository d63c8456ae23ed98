//! Makes a certificate authority hierarchy in memory, issues a person's certificate,
//! answers OCSP about it before and after revoking it, and writes everything to a
//! directory for `openssl` to look at.
//!
//! ```text
//! cargo run -p paraphe-pki --example issue                 # writes to ./pki-example/
//! cargo run -p paraphe-pki --example issue -- some/dir
//! ```

use std::path::{Path, PathBuf};

use der::EncodePem;
use paraphe_pades::{RawSigner, SoftwareKey};
use paraphe_pki::memory::MemoryRegistry;
use paraphe_pki::{ocsp, Ca, CaHierarchy, Level, PersonIdentity, Pki, RevocationReason};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "pki-example".into()),
    );
    std::fs::create_dir_all(&dir)?;
    tokio::runtime::Builder::new_current_thread()
        .build()?
        .block_on(run(&dir))
}

async fn run(dir: &Path) -> Result<(), BoxError> {
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf, BoxError> {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    };

    println!("making the hierarchy (six RSA keys)…");
    let hierarchy = CaHierarchy::<SoftwareKey>::generate("http://localhost:8080")?;
    let registry = MemoryRegistry::for_hierarchy(&hierarchy);
    let pki = Pki::new(hierarchy, registry);
    write("root.pem", pki.hierarchy.roots_pem()?.as_bytes())?;
    write(
        "lcp-ca.pem",
        pki.hierarchy.lcp.certificate_pem()?.as_bytes(),
    )?;

    let key = SoftwareKey::generate(2048)?;
    let person = PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: "PARAPHE-EXAMPLE-1".into(),
    };
    let certificate = pki
        .issue_for_person(Level::Lcp, &person, &key.public_key()?)
        .await?;
    write(
        "claire.pem",
        certificate.to_pem(der::pem::LineEnding::LF)?.as_bytes(),
    )?;
    println!("issued: {}", certificate.tbs_certificate.subject);

    // What a relying party sends, and the signed answer, before and after revocation.
    let serial = certificate.tbs_certificate.serial_number.clone();
    let request = ocsp::request(&pki.hierarchy, Ca::Lcp, &serial)?;
    write("ocsp-good.der", &answer(&pki, &request).await)?;
    let revocation = pki
        .revoke(&certificate, RevocationReason::KeyCompromise)
        .await?;
    println!("revoked at {}", revocation.at);
    write("ocsp-revoked.der", &answer(&pki, &request).await)?;
    write("lcp.crl", &pki.crl(Ca::Lcp).await?)?;

    println!(
        "\nwritten to {}; look at them with:\n  \
         openssl verify -CAfile root.pem -untrusted lcp-ca.pem claire.pem\n  \
         openssl ocsp -respin ocsp-good.der -resp_text -noverify\n  \
         openssl ocsp -respin ocsp-revoked.der -resp_text -noverify\n  \
         openssl crl -inform DER -in lcp.crl -noout -text",
        dir.display()
    );
    Ok(())
}

/// The DER OCSP response to a DER request, as the responder's endpoint would send it.
async fn answer(pki: &Pki<SoftwareKey, MemoryRegistry>, request: &[u8]) -> Vec<u8> {
    match pki.ocsp_lookup(request).await {
        Ok((query, states)) => pki.ocsp_answer(&query, &states),
        // Garbage, or a CA that is not ours: the unsigned error response.
        Err(error_response) => error_response,
    }
}
