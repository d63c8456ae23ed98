//! Reads only what a new revision needs: the cross-reference sections (tables or streams,
//! following `/Prev` and `/XRefStm`), then the catalog, the page that gets the widget (found
//! by descending the page tree with `/Count`), the AcroForm, the DocMDP permissions, the
//! page's annotations and the `/DSS`. Objects are parsed one by one with lopdf's object
//! parser (see [`parse_object`]), which bounds nesting; everything else — content streams, images, fonts, other pages — is never
//! parsed. So signing costs what the bytes cost (hashing, copying), not what the objects
//! cost: a 2000-page PDF no longer parses 6000 objects to sign one.
//!
//! The result is a `Document` holding those objects only. Anything unusual (bytes before
//! `%PDF-`, a broken cross-reference section, an encrypted file, a cycle) gives `None`, and
//! the caller falls back to lopdf's full load, which reports the proper error.

use std::collections::{BTreeMap, HashMap, HashSet};

use lopdf::xref::{Xref, XrefEntry, XrefType};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, ObjectStream, Stream};

use super::pdf::MAX_DECODED_STREAM_BYTES;

/// Page trees deeper than this are refused (the full load decides).
const MAX_DEPTH: usize = 64;

/// The document with just what signing needs, and the id of page `page_number` (1-based).
pub(super) fn load(pdf: &[u8], page_number: u32) -> Option<(Document, ObjectId)> {
    let mut partial = Partial::open(pdf).ok()?;
    if partial.trailer().has(b"Encrypt") {
        return None;
    }
    let root_id = partial
        .trailer()
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok()?;
    partial.load(root_id).ok()?;
    let root = partial.dict(root_id)?.clone();

    // DocMDP: /Perms → /DocMDP → /Reference [..] → /TransformParams.
    if let Some(perms) = partial.follow(root.get(b"Perms").ok())? {
        if let Some(signature) = partial.follow(perms.get(b"DocMDP").ok())? {
            if let Some(Object::Array(references)) =
                partial.resolve(signature.get(b"Reference").ok())?
            {
                for reference in references {
                    if let Some(reference) = partial.follow(Some(&reference))? {
                        partial.follow(reference.get(b"TransformParams").ok())?;
                    }
                }
            }
        }
    }
    if let Some(form) = partial.follow(root.get(b"AcroForm").ok())? {
        partial.resolve(form.get(b"Fields").ok())?;
    }
    if let Some(dss) = partial.follow(root.get(b"DSS").ok())? {
        for key in [&b"Certs"[..], b"OCSPs", b"CRLs"] {
            partial.resolve(dss.get(key).ok())?;
        }
    }
    let pages = root.get(b"Pages").and_then(Object::as_reference).ok()?;
    let page = partial.find_page(pages, page_number).ok()??;
    let page_dict = partial.dict(page)?.clone();
    partial.resolve(page_dict.get(b"Annots").ok())?;
    Some((partial.into_document(), page))
}

struct Partial<'a> {
    pdf: &'a [u8],
    /// The objects read so far, with the merged cross-reference and trailer.
    document: Document,
    /// Decoded object streams, by container number.
    object_streams: HashMap<u32, BTreeMap<ObjectId, Object>>,
}

impl<'a> Partial<'a> {
    fn open(pdf: &'a [u8]) -> Result<Self, String> {
        if !pdf.starts_with(b"%PDF-") {
            return Err("bytes before the header".into());
        }
        let start = startxref(pdf).ok_or("no startxref")?;
        let mut partial = Partial {
            pdf,
            document: Document::new(),
            object_streams: HashMap::new(),
        };
        let mut entries: BTreeMap<u32, XrefEntry> = BTreeMap::new();
        let mut newest: Option<(Dictionary, XrefType)> = None;
        let mut seen = HashSet::new();
        let mut next = Some(start);
        while let Some(offset) = next {
            if !seen.insert(offset) || seen.len() > 1000 {
                return Err("cross-reference sections loop".into());
            }
            let (section, trailer, kind) = partial.section(offset)?;
            // Newer sections win: an older one only fills what is absent.
            for (id, entry) in section {
                entries.entry(id).or_insert(entry);
            }
            next = trailer
                .get(b"Prev")
                .and_then(Object::as_i64)
                .ok()
                .map(|p| usize::try_from(p).map_err(|_| "negative /Prev"))
                .transpose()?;
            if newest.is_none() {
                newest = Some((trailer, kind));
            }
        }
        let (mut trailer, kind) = newest.ok_or("no cross-reference section")?;
        trailer.remove(b"Prev");
        let size = trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let mut xref = Xref::new(size, kind);
        xref.entries = entries;
        let document = &mut partial.document;
        document.max_id = xref.max_id().max(size.saturating_sub(1));
        document.reference_table = xref;
        document.trailer = trailer;
        document.xref_start = start;
        Ok(partial)
    }

    fn trailer(&self) -> &Dictionary {
        &self.document.trailer
    }

    /// One cross-reference section at `offset`: its entries, trailer and kind. A hybrid
    /// file's `/XRefStm` entries fill what its table leaves free (ISO 32000 7.5.8.4).
    fn section(
        &mut self,
        offset: usize,
    ) -> Result<(BTreeMap<u32, XrefEntry>, Dictionary, XrefType), String> {
        let bytes = self
            .pdf
            .get(offset..)
            .ok_or("cross-reference offset beyond the end")?;
        let at = offset + bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let bytes = &self.pdf[at..];
        if bytes.starts_with(b"xref") {
            let (mut entries, trailer) = table(self.pdf, at + 4)?;
            if let Ok(stream_at) = trailer.get(b"XRefStm").and_then(Object::as_i64) {
                let stream_at = usize::try_from(stream_at).map_err(|_| "negative /XRefStm")?;
                let (stream_entries, _) = self.stream_section(stream_at)?;
                for (id, entry) in stream_entries {
                    if !entries.get(&id).is_some_and(XrefEntry::is_normal) {
                        entries.insert(id, entry);
                    }
                }
            }
            Ok((entries, trailer, XrefType::CrossReferenceTable))
        } else {
            let (entries, trailer) = self.stream_section(at)?;
            Ok((entries, trailer, XrefType::CrossReferenceStream))
        }
    }

    /// A cross-reference stream object at `offset`.
    fn stream_section(
        &mut self,
        offset: usize,
    ) -> Result<(BTreeMap<u32, XrefEntry>, Dictionary), String> {
        let id = object_header(self.pdf, offset).ok_or("no object at a cross-reference offset")?;
        // A cross-reference stream's /Length is direct (ISO 32000 7.5.8.2).
        let Object::Stream(stream) = self.read_at(offset, id, true)? else {
            return Err("a cross-reference section is not a stream".into());
        };
        // Uncompressed streams (no /Filter) are allowed.
        let content = stream
            .get_plain_content_with_limit(MAX_DECODED_STREAM_BYTES)
            .map_err(|e| e.to_string())?;
        let dict = stream.dict;
        let widths: Vec<usize> = dict
            .get(b"W")
            .and_then(Object::as_array)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|w| {
                w.as_i64()
                    .ok()
                    .and_then(|w| usize::try_from(w).ok())
                    .filter(|w| *w <= 8)
            })
            .collect::<Option<_>>()
            .ok_or("bad /W")?;
        let [w1, w2, w3] = widths[..] else {
            return Err("bad /W".into());
        };
        let size = dict
            .get(b"Size")
            .and_then(Object::as_i64)
            .map_err(|e| e.to_string())?;
        let index: Vec<i64> = match dict.get(b"Index").and_then(Object::as_array) {
            Ok(index) => index
                .iter()
                .map(|i| i.as_i64().map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
            Err(_) => vec![0, size],
        };
        let row = w1 + w2 + w3;
        if row == 0 || !index.len().is_multiple_of(2) {
            return Err("bad cross-reference stream".into());
        }
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        let mut entries = BTreeMap::new();
        let mut rows = content.chunks_exact(row);
        for pair in index.chunks(2) {
            let (first, count) = (
                u32::try_from(pair[0]).map_err(|_| "bad /Index")?,
                u32::try_from(pair[1]).map_err(|_| "bad /Index")?,
            );
            for n in 0..count {
                let row = rows.next().ok_or("cross-reference stream too short")?;
                let kind = if w1 == 0 { 1 } else { field(&row[..w1]) };
                let (second, third) = (field(&row[w1..w1 + w2]), field(&row[w1 + w2..]));
                let entry = match kind {
                    0 => XrefEntry::Free,
                    1 => XrefEntry::Normal {
                        offset: u32::try_from(second).map_err(|_| "offset")?,
                        generation: u16::try_from(third).map_err(|_| "generation")?,
                    },
                    2 => XrefEntry::Compressed {
                        container: u32::try_from(second).map_err(|_| "container")?,
                        index: u16::try_from(third).map_err(|_| "index")?,
                    },
                    _ => continue,
                };
                entries.insert(first.checked_add(n).ok_or("bad /Index")?, entry);
            }
        }
        Ok((entries, dict))
    }

    /// Parses object `id` into the document, if the cross-reference knows it. A reference
    /// to an object that does not exist is the null object: nothing is added.
    fn load(&mut self, id: ObjectId) -> Result<(), String> {
        if self.document.objects.contains_key(&id) {
            return Ok(());
        }
        let object = match self.document.reference_table.get(id.0).cloned() {
            Some(XrefEntry::Normal { offset, generation }) if generation == id.1 => {
                self.read_at(offset as usize, id, true)?
            }
            Some(XrefEntry::Compressed { container, .. }) if id.1 == 0 => {
                if !self.object_streams.contains_key(&container) {
                    let Some(XrefEntry::Normal {
                        offset,
                        generation: 0,
                    }) = self.document.reference_table.get(container).cloned()
                    else {
                        return Err("an object stream that is not a plain object".into());
                    };
                    let Object::Stream(stream) =
                        self.read_at(offset as usize, (container, 0), true)?
                    else {
                        return Err("an object stream that is not a stream".into());
                    };
                    let objects =
                        ObjectStream::new_with_limit(&stream, Some(MAX_DECODED_STREAM_BYTES))
                            .map_err(|e| e.to_string())?
                            .objects;
                    self.object_streams.insert(container, objects);
                }
                match self
                    .object_streams
                    .get(&container)
                    .and_then(|objects| objects.get(&id))
                {
                    Some(object) => object.clone(),
                    None => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        self.document.objects.insert(id, object);
        Ok(())
    }

    /// The indirect object `id` whose `N G obj` header is at `offset`: a dictionary followed
    /// by `stream` is a stream whose data is `/Length` bytes long (an indirect `/Length` is
    /// read too); anything else ends at `endobj`. With `streams` false, a stream is an error.
    fn read_at(&self, offset: usize, id: ObjectId, streams: bool) -> Result<Object, String> {
        if object_header(self.pdf, offset) != Some(id) {
            return Err("the cross-reference points at another object".into());
        }
        let body = offset
            + memchr::memmem::find(&self.pdf[offset..], b"obj").ok_or("no obj keyword")?
            + b"obj".len();
        let rest = &self.pdf[body..];
        let end = memchr::memmem::find(rest, b"endobj").unwrap_or(rest.len());
        let Some(keyword) = stream_keyword(&rest[..end]) else {
            return parse_object(&rest[..end]);
        };
        if !streams {
            return Err("a stream where a number was expected".into());
        }
        let Object::Dictionary(dict) = parse_object(&rest[..keyword])? else {
            return Err("stream without a dictionary".into());
        };
        let mut data = keyword + b"stream".len();
        data += match rest.get(data..data + 2) {
            Some(b"\r\n") => 2,
            Some([b'\n', _]) | Some([b'\r', _]) => 1,
            _ => return Err("no end of line after stream".into()),
        };
        let length = match dict.get(b"Length").map_err(|e| e.to_string())? {
            Object::Integer(length) => *length,
            // Read directly, never through an object stream or another stream: a /Length
            // that pointed back at its own stream would otherwise recurse without end.
            Object::Reference(length_id) => match self.document.reference_table.get(length_id.0) {
                Some(XrefEntry::Normal {
                    offset: at,
                    generation,
                }) if *generation == length_id.1 && *length_id != id => {
                    let (at, length_id) = (*at as usize, *length_id);
                    let object = self.read_at(at, length_id, false)?;
                    object.as_i64().map_err(|_| "/Length is not a number")?
                }
                _ => return Err("unreadable /Length".into()),
            },
            _ => return Err("bad /Length".into()),
        };
        let length = usize::try_from(length).map_err(|_| "negative /Length")?;
        let content = rest
            .get(data..data.checked_add(length).ok_or("bad /Length")?)
            .ok_or("stream beyond the end of the file")?;
        let after = &rest[data + length..];
        if !after
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(9)
            .copied()
            .eq(b"endstream".iter().copied())
        {
            return Err("stream data does not end at /Length".into());
        }
        Ok(Object::Stream(Stream::new(dict, content.to_vec())))
    }

    fn dict(&self, id: ObjectId) -> Option<&Dictionary> {
        self.document
            .objects
            .get(&id)
            .and_then(|o| o.as_dict().ok())
    }

    /// Loads `value` if it is a reference; answers what it stands for. `None` (outer) when
    /// parsing failed.
    fn resolve(&mut self, value: Option<&Object>) -> Option<Option<Object>> {
        match value {
            Some(Object::Reference(id)) => {
                self.load(*id).ok()?;
                Some(self.document.objects.get(id).cloned())
            }
            other => Some(other.cloned()),
        }
    }

    /// Like `resolve`, for a value that should be a dictionary.
    fn follow(&mut self, value: Option<&Object>) -> Option<Option<Dictionary>> {
        Some(self.resolve(value)?.and_then(|o| o.as_dict().ok().cloned()))
    }

    /// Page `number` (1-based), descending from `pages` by each node's `/Count`.
    fn find_page(&mut self, pages: ObjectId, number: u32) -> Result<Option<ObjectId>, String> {
        if number == 0 {
            return Ok(None);
        }
        let mut node = pages;
        let mut remaining = number;
        for _ in 0..MAX_DEPTH {
            self.load(node)?;
            let kids = match self.dict(node).map(|d| d.get(b"Kids").cloned()) {
                Some(Ok(kids)) => kids,
                // A leaf: the page itself.
                Some(Err(_)) => return Ok((remaining == 1).then_some(node)),
                None => return Err("page tree node is not a dictionary".into()),
            };
            let kids = match self.resolve(Some(&kids)).ok_or("unreadable /Kids")? {
                Some(Object::Array(kids)) => kids,
                _ => return Err("/Kids is not an array".into()),
            };
            let mut descended = false;
            for kid in kids {
                let kid = kid
                    .as_reference()
                    .map_err(|_| "a /Kids entry is not a reference")?;
                self.load(kid)?;
                let kid_dict = self
                    .dict(kid)
                    .ok_or("a page tree kid is not a dictionary")?
                    .clone();
                let count = if kid_dict.has(b"Kids") {
                    match self
                        .resolve(kid_dict.get(b"Count").ok())
                        .ok_or("unreadable /Count")?
                    {
                        Some(Object::Integer(count)) if count >= 0 => {
                            u32::try_from(count).map_err(|_| "bad /Count")?
                        }
                        _ => return Err("page tree node without /Count".into()),
                    }
                } else {
                    1
                };
                if remaining <= count {
                    node = kid;
                    descended = true;
                    break;
                }
                remaining -= count;
            }
            if !descended {
                return Ok(None);
            }
        }
        Err("page tree too deep".into())
    }

    fn into_document(self) -> Document {
        self.document
    }
}

/// The offset `startxref` points at, from the file's last kilobyte.
fn startxref(pdf: &[u8]) -> Option<usize> {
    let tail_start = pdf.len().saturating_sub(1024);
    let at =
        memchr::memmem::rfind(&pdf[tail_start..], b"startxref")? + tail_start + b"startxref".len();
    let digits: Vec<u8> = pdf[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// `N G obj` at `offset`.
fn object_header(pdf: &[u8], offset: usize) -> Option<ObjectId> {
    let mut tokens = pdf
        .get(offset..)?
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty());
    let number = std::str::from_utf8(tokens.next()?).ok()?.parse().ok()?;
    let generation = std::str::from_utf8(tokens.next()?).ok()?.parse().ok()?;
    tokens
        .next()
        .filter(|t| t.starts_with(b"obj"))
        .map(|_| (number, generation))
}

/// A classic cross-reference table from just after `xref`, and the trailer after it.
fn table(pdf: &[u8], mut at: usize) -> Result<(BTreeMap<u32, XrefEntry>, Dictionary), String> {
    let mut entries = BTreeMap::new();
    let token = |at: &mut usize| -> Option<&[u8]> {
        while pdf.get(*at)?.is_ascii_whitespace() {
            *at += 1;
        }
        let start = *at;
        while pdf.get(*at).is_some_and(|b| !b.is_ascii_whitespace()) {
            *at += 1;
        }
        Some(&pdf[start..*at])
    };
    let number = |t: &[u8]| -> Option<u64> { std::str::from_utf8(t).ok()?.parse().ok() };
    loop {
        let first = token(&mut at).ok_or("table cut short")?;
        if first.starts_with(b"trailer") {
            // Just after the keyword, even when the dictionary follows without a space.
            at = at - first.len() + b"trailer".len();
            break;
        }
        let start = number(first).ok_or("bad subsection start")?;
        let count =
            number(token(&mut at).ok_or("table cut short")?).ok_or("bad subsection count")?;
        if count > 10_000_000 {
            return Err("subsection too long".into());
        }
        for n in 0..count {
            let offset = number(token(&mut at).ok_or("table cut short")?).ok_or("bad offset")?;
            let generation =
                number(token(&mut at).ok_or("table cut short")?).ok_or("bad generation")?;
            let kind = token(&mut at).ok_or("table cut short")?;
            let id = u32::try_from(start + n).map_err(|_| "object number")?;
            let entry = match kind {
                b"n" => XrefEntry::Normal {
                    offset: u32::try_from(offset).map_err(|_| "offset")?,
                    generation: u16::try_from(generation).map_err(|_| "generation")?,
                },
                b"f" => XrefEntry::Free,
                _ => return Err("bad entry type".into()),
            };
            entries.insert(id, entry);
        }
    }
    Ok((entries, trailer_dictionary(&pdf[at..])?))
}

/// The dictionary at the start of `bytes` (a trailer).
fn trailer_dictionary(bytes: &[u8]) -> Result<Dictionary, String> {
    let end = memchr::memmem::find(bytes, b"startxref")
        .unwrap_or(bytes.len())
        .min(64 * 1024);
    match parse_object(&bytes[..end])? {
        Object::Dictionary(dict) => Ok(dict),
        _ => Err("the trailer is not a dictionary".into()),
    }
}

/// Where the `stream` keyword of a stream object is in `body` (what follows `obj`): the
/// first `stream` that comes after a `>>` and before an end of line. A literal string or a
/// name that happens to contain the word makes the dictionary before it unparsable, and the
/// caller gives up, which is safe: the full load then decides.
fn stream_keyword(body: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(body, b"stream").find(|&at| {
        let before = body[..at].trim_ascii_end();
        before.ends_with(b">>") && matches!(body.get(at + b"stream".len()), Some(b'\r' | b'\n'))
    })
}

/// One direct object (`bytes` may go on after it) through lopdf's object parser, which
/// refuses nesting deeper than `lopdf::reader::MAX_NESTING_DEPTH`.
///
/// Why dressed as an object stream: since 0.42 lopdf keeps its parser private and gives its
/// `Reader` no public constructor; decoding a one-object object stream is the public way to
/// that parser, and it is the parser the full load uses, so both readings agree. Writing a
/// second PDF object parser of our own would give two opinions on the same bytes.
fn parse_object(bytes: &[u8]) -> Result<Object, String> {
    const HEADER: &[u8] = b"0 0 ";
    let mut content = Vec::with_capacity(HEADER.len() + bytes.len());
    content.extend_from_slice(HEADER);
    content.extend_from_slice(bytes);
    let holder = Stream::new(
        dictionary! { "Type" => "ObjStm", "N" => 1, "First" => HEADER.len() as i64 },
        content,
    );
    let mut objects = ObjectStream::new_with_limit(&holder, Some(MAX_DECODED_STREAM_BYTES))
        .map_err(|e| e.to_string())?
        .objects;
    objects
        .remove(&(0, 0))
        .ok_or_else(|| "unparsable object".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corpus as its producers made it, plus qpdf's rewrites of each file: cross-reference
    /// stream with object streams, linearized, and classic table without object streams.
    fn corpus() -> Vec<(String, Vec<u8>)> {
        let mut files = originals();
        let scratch = std::env::temp_dir().join(format!("paraphe-partial-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("scratch");
        let mut rewrites = Vec::new();
        for (name, pdf) in &files {
            let input = scratch.join("in.pdf");
            std::fs::write(&input, pdf).expect("write");
            for (tag, args) in [
                ("object-streams", &["--object-streams=generate"][..]),
                ("linearized", &["--linearize"][..]),
                ("classic", &["--object-streams=disable"][..]),
            ] {
                let output = scratch.join(format!("{tag}.pdf"));
                let status = std::process::Command::new("qpdf")
                    .args(args)
                    .arg(&input)
                    .arg(&output)
                    .stderr(std::process::Stdio::null())
                    .status()
                    .expect("qpdf (scripts/test.sh installs it)");
                // 3: warnings (a damaged input qpdf repaired); 2: qpdf cannot read it.
                if status.code() == Some(0) || status.code() == Some(3) {
                    rewrites.push((
                        format!("{name} ({tag})"),
                        std::fs::read(&output).expect("read"),
                    ));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
        files.extend(rewrites);
        files
    }

    fn originals() -> Vec<(String, Vec<u8>)> {
        // The corpus the server's tests sign too (real PDFs, see its README).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../server/tests/fixtures/corpus");
        let mut files = Vec::new();
        for folder in std::fs::read_dir(&root).expect("corpus") {
            let folder = folder.expect("entry").path();
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for file in entries {
                let path = file.expect("entry").path();
                if path.extension().is_some_and(|e| e == "pdf") {
                    files.push((
                        path.display().to_string(),
                        std::fs::read(&path).expect("read"),
                    ));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn corpus_pdfs_are_read_lazily_with_the_pages_a_full_load_finds() {
        let mut lazily = 0;
        let mut fell_back = Vec::new();
        for (name, pdf) in corpus() {
            let Ok(full) = Document::load_mem(&pdf) else {
                continue;
            };
            if full.trailer.has(b"Encrypt") {
                assert!(
                    load(&pdf, 1).is_none(),
                    "{name}: encrypted files go to the full load"
                );
                continue;
            }
            let pages = full.get_pages();
            let last = pages.len() as u32;
            if last == 0 {
                // Nothing to sign on, whichever way it is read.
                continue;
            }
            for number in [1, last] {
                match load(&pdf, number) {
                    Some((doc, page)) => {
                        assert_eq!(Some(&page), pages.get(&number), "{name}: page {number}");
                        assert_eq!(
                            doc.trailer.get(b"Root").ok(),
                            full.trailer.get(b"Root").ok(),
                            "{name}"
                        );
                        assert!(doc.max_id >= full.max_id, "{name}");
                        assert_eq!(
                            matches!(
                                doc.reference_table.cross_reference_type,
                                XrefType::CrossReferenceStream
                            ),
                            matches!(
                                full.reference_table.cross_reference_type,
                                XrefType::CrossReferenceStream
                            ),
                            "{name}"
                        );
                        lazily += 1;
                    }
                    None => fell_back.push(format!("{name} page {number}")),
                }
            }
            assert!(
                load(&pdf, last + 1).is_none(),
                "{name}: no page after the last"
            );
        }
        assert!(
            fell_back.is_empty(),
            "read fully instead of lazily: {fell_back:#?}"
        );
        assert!(
            lazily > 60,
            "the corpus and its rewrites were not found ({lazily})"
        );
    }

    #[test]
    fn a_file_written_by_lopdf_is_read_lazily() {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let kids: Vec<Object> = (0..3)
            .map(|_| {
                let content = doc.add_object(lopdf::Stream::new(dictionary! {}, b"BT ET".to_vec()));
                Object::Reference(doc.add_object(
                    dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content },
                ))
            })
            .collect();
        let last = kids[2].as_reference().expect("ref");
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 3 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("write");
        let (partial, page) = load(&bytes, 3).expect("read lazily");
        assert_eq!(page, last);
        assert!(
            partial.objects.len() <= 6,
            "only the catalog and the page tree: {:?}",
            partial.objects.keys()
        );
    }

    #[test]
    fn garbage_and_loops_give_up_rather_than_panic() {
        assert!(load(b"%PDF-1.7\nstartxref\n999999\n%%EOF", 1).is_none());
        assert!(load(b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF", 1).is_none());
        assert!(load(b"not a pdf", 1).is_none());
    }
}
