//! PDFs built to hurt the reader: what an attacker with a preparer's account uploads.

use std::io::Write;

/// A one-page PDF whose catalog carries an array nested `depth` deep (`[[[…]]]`): a
/// recursive parser without a bound overflows its stack on it.
pub fn deeply_nested(depth: usize) -> Vec<u8> {
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    classic(&[
        format!("<< /Type /Catalog /Pages 2 0 R /Nested {nested} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
    ])
}

/// A one-page PDF whose page lives in a deflated object stream that decodes to the page
/// followed by `padding` spaces: with 64 MB of padding, about 64 KB on disk.
pub fn page_in_object_stream(padding: usize) -> Vec<u8> {
    let page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>";
    // The stream's index, "3 0 " (object 3 at offset 0 after /First), then the page.
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(b"3 0 ").expect("deflate");
    deflate.write_all(page).expect("deflate");
    let spaces = vec![b' '; 1 << 20];
    let mut left = padding;
    while left > 0 {
        let chunk = left.min(spaces.len());
        deflate.write_all(&spaces[..chunk]).expect("deflate");
        left -= chunk;
    }
    let packed = deflate.finish().expect("deflate");

    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |pdf: &mut Vec<u8>, number: u32, body: &[u8]| {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{number} 0 obj\n").as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    object(&mut pdf, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
    object(&mut pdf, 2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    let mut container = format!(
        "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
        packed.len()
    )
    .into_bytes();
    container.extend_from_slice(&packed);
    container.extend_from_slice(b"\nendstream");
    object(&mut pdf, 4, &container);

    // Cross-reference stream (object 5): type, offset or container, generation or index.
    let xref_at = pdf.len();
    let mut rows = Vec::new();
    let mut row = |kind: u8, field: u32, last: u16| {
        rows.push(kind);
        rows.extend_from_slice(&field.to_be_bytes());
        rows.extend_from_slice(&last.to_be_bytes());
    };
    row(0, 0, 65535);
    row(1, offsets[0] as u32, 0);
    row(1, offsets[1] as u32, 0);
    row(2, 4, 0);
    row(1, offsets[2] as u32, 0);
    row(1, xref_at as u32, 0);
    pdf.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&rows);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    pdf
}

/// Objects 1..=n with a classic cross-reference table; object 1 is the catalog.
fn classic(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
