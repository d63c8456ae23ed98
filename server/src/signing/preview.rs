//! Pages of a PDF as pictures (poppler's pdftoppm): identity documents sent as PDF for
//! OCR, and the page on which a preparer places a visible stamp. At 72 dots per inch a
//! pixel is a PDF point, so the picture's size is the page's.

use std::path::Path;
use std::process::Command;

/// A picture of a page and its media type.
pub struct Picture {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Above this, a page's PNG is a photograph or a scan: JPEG says it in a fraction of the
/// bytes (a 150 dpi page of the corpus: 1.86 MB in PNG, 218 KB in JPEG), while text stays
/// sharper and smaller in PNG (71 KB against 108 KB).
const PNG_BUDGET: usize = 512 * 1024;

/// Page `page` of `pdf` for a reader on a phone: PNG, or JPEG (quality 85) when the PNG
/// would be heavier than [`PNG_BUDGET`].
pub fn page_picture(pdftoppm: &Path, pdf: &[u8], page: u32, dpi: u32) -> Result<Picture, String> {
    let png = render(pdftoppm, pdf, page, dpi, Format::Png)?;
    if png.len() <= PNG_BUDGET {
        return Ok(Picture {
            bytes: png,
            content_type: "image/png",
        });
    }
    let jpeg = render(pdftoppm, pdf, page, dpi, Format::Jpeg)?;
    Ok(if jpeg.len() < png.len() {
        Picture {
            bytes: jpeg,
            content_type: "image/jpeg",
        }
    } else {
        Picture {
            bytes: png,
            content_type: "image/png",
        }
    })
}

/// Page `page` (1-based) of `pdf` as a PNG at `dpi`; the error says why, for the log.
pub fn page_png(pdftoppm: &Path, pdf: &[u8], page: u32, dpi: u32) -> Result<Vec<u8>, String> {
    render(pdftoppm, pdf, page, dpi, Format::Png)
}

#[derive(Clone, Copy)]
enum Format {
    Png,
    Jpeg,
}

fn render(
    pdftoppm: &Path,
    pdf: &[u8],
    page: u32,
    dpi: u32,
    format: Format,
) -> Result<Vec<u8>, String> {
    // The PDF may be an identity document: written where only this process reads it.
    let scratch = crate::subprocess::ScratchDir::new("page").map_err(|e| e.to_string())?;
    let input = scratch.path().join("in.pdf");
    std::fs::write(&input, pdf).map_err(|e| e.to_string())?;
    let page = page.to_string();
    let (format_args, extension): (&[&str], &str) = match format {
        Format::Png => (&["-png"], "png"),
        Format::Jpeg => (&["-jpeg", "-jpegopt", "quality=85"], "jpg"),
    };
    let mut command = Command::new(pdftoppm);
    command
        .args([
            "-r",
            &dpi.to_string(),
            "-singlefile",
            "-f",
            &page,
            "-l",
            &page,
        ])
        .args(format_args)
        .arg(&input)
        .arg(scratch.path().join("page"));
    let output = crate::subprocess::run(&mut command, None, crate::subprocess::RENDER)?;
    if !output.status.success() {
        return Err(format!("exit status {}", output.status));
    }
    std::fs::read(scratch.path().join(format!("page.{extension}"))).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/corpus/sign")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn text_pages_come_as_png_and_photographs_as_jpeg() {
        let pdftoppm = Path::new("pdftoppm");
        let text = page_picture(
            pdftoppm,
            &corpus("002-trivial-libre-office-writer.pdf"),
            1,
            150,
        )
        .unwrap();
        assert_eq!(text.content_type, "image/png");
        assert!(text.bytes.starts_with(b"\x89PNG"));
        let photo = page_picture(pdftoppm, &corpus("cmyk-image.pdf"), 1, 150).unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        assert!(
            photo.bytes.starts_with(&[0xFF, 0xD8]) && photo.bytes.len() <= PNG_BUDGET,
            "{} bytes",
            photo.bytes.len()
        );
    }
}
