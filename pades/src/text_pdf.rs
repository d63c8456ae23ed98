//! Plain readable PDFs made by Paraphe itself (the audit trail of a proof file): A4 pages
//! of Helvetica text, WinAnsi-encoded, no embedded fonts.

use lopdf::{dictionary, Document, Object, Stream, StringFormat};

const LINES_PER_PAGE: usize = 60;
const MAX_CHARS: usize = 110;

/// `title` then `lines`, wrapped and paginated.
pub fn render(title: &str, lines: &[String]) -> Result<Vec<u8>, super::PdfError> {
    let mut wrapped: Vec<String> = Vec::new();
    for line in lines {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            wrapped.push(String::new());
        }
        for chunk in chars.chunks(MAX_CHARS) {
            wrapped.push(chunk.iter().collect());
        }
    }
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let chunks: Vec<&[String]> = if wrapped.is_empty() {
        vec![&[][..]]
    } else {
        wrapped.chunks(LINES_PER_PAGE).collect()
    };
    let count = chunks.len();
    let mut kids = Vec::new();
    for (index, chunk) in chunks.into_iter().enumerate() {
        let mut content = b"BT /F1 13 Tf 50 800 Td ".to_vec();
        content.extend(super::syntax::to_bytes(&Object::String(
            super::stamp::win_ansi(title),
            StringFormat::Hexadecimal,
        )));
        content.extend(b" Tj ET\nBT /F1 8 Tf 11 TL 50 775 Td\n");
        for line in chunk {
            content.extend(super::syntax::to_bytes(&Object::String(
                super::stamp::win_ansi(line),
                StringFormat::Hexadecimal,
            )));
            content.extend(b" Tj T*\n");
        }
        content.extend(
            format!(
                "ET\nBT /F1 8 Tf 500 30 Td ({} / {count}) Tj ET\n",
                index + 1
            )
            .as_bytes(),
        );
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id,
            "Resources" => resources_id,
        });
        kids.push(Object::Reference(page_id));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count as i64 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| super::PdfError::Invalid(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_text_makes_several_readable_pages() {
        let lines: Vec<String> = (0..130)
            .map(|i| format!("ligne n° {i} — signé à 10 h"))
            .collect();
        let pdf = super::render("Journal de preuve", &lines).unwrap();
        let info = crate::inspect(&pdf).unwrap();
        assert_eq!(info.pages, 3);
    }
}
