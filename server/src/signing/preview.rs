//! Pages of a PDF as pictures (poppler's pdftoppm): identity documents sent as PDF for
//! OCR, and the page on which a preparer places a visible stamp. At 72 dots per inch a
//! pixel is a PDF point, so the picture's size is the page's.

use std::path::Path;
use std::process::{Command, Stdio};

/// Page `page` (1-based) of `pdf` as a PNG at `dpi`; the error says why, for the log.
pub fn page_png(pdftoppm: &Path, pdf: &[u8], page: u32, dpi: u32) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!("paraphe-page-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = (|| {
        let input = dir.join("in.pdf");
        std::fs::write(&input, pdf).map_err(|e| e.to_string())?;
        let page = page.to_string();
        let status = Command::new(pdftoppm)
            .args(["-r", &dpi.to_string(), "-png", "-singlefile", "-f", &page, "-l", &page])
            .arg(&input)
            .arg(dir.join("page"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("exit status {status}"));
        }
        std::fs::read(dir.join("page.png")).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
