//! Signing a PDF by incremental update: the original bytes are kept byte for byte, and a
//! new revision appends the signature field, its widget on the first page, the updated
//! AcroForm and a cross-reference section of the same kind as the previous one.

use chrono::{DateTime, Utc};
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, StringFormat};
use rand::RngCore;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::cms::TimeStamper;

/// Largest PDF accepted for signing (10 MB, as the product promises).
pub const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;
/// Most bytes one stream may decode to while a PDF is read (object and cross-reference
/// streams are decoded as the file is loaded): a few kilobytes of deflate can otherwise ask
/// for gigabytes. Genuine object streams of a 10 MB file stay far below.
pub const MAX_DECODED_STREAM_BYTES: usize = 32 * 1024 * 1024;
/// Room reserved for the CMS in `/Contents`; a chain of three RSA certificates plus
/// attributes takes about 5 KB, a time-stamp token about 4 KB more.
const CONTENTS_CAPACITY: usize = 16 * 1024;
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a readable PDF: {0}")]
    Invalid(String),
    #[error("the PDF is encrypted or protected by a password")]
    Encrypted,
    #[error("the PDF is larger than 10 MB")]
    TooLarge,
    #[error("the PDF is certified with no changes allowed: it cannot be signed")]
    SigningForbidden,
    #[error("the signature is larger than the room reserved for it")]
    SignatureTooLarge,
    #[error("the signature could not be computed: {0}")]
    Crypto(String),
    #[error("time-stamping failed: {0}")]
    TimeStamp(String),
    #[error("visible stamp impossible: {0}")]
    BadStamp(String),
}

impl PdfError {
    /// The stable code clients and the API see.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Invalid(_) => "PDF_INVALID",
            PdfError::Encrypted => "PDF_ENCRYPTED",
            PdfError::TooLarge => "PDF_TOO_LARGE",
            PdfError::SigningForbidden => "PDF_SIGNING_FORBIDDEN",
            PdfError::TimeStamp(_) => "TIMESTAMP_UNAVAILABLE",
            PdfError::BadStamp(_) => "STAMP_INVALID",
            PdfError::SignatureTooLarge | PdfError::Crypto(_) => "INTERNAL",
        }
    }
}

/// What the signature says about itself.
#[derive(Debug, Clone)]
pub struct SignatureRequest {
    pub signer_name: String,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub time: DateTime<Utc>,
    /// Invisible when `None`.
    pub stamp: Option<super::stamp::VisibleStamp>,
}

/// The key and certificate chain (signer first) that sign.
pub struct SigningIdentity<'a> {
    pub key: &'a dyn crate::key::RawSigner,
    pub chain: &'a [Certificate],
}

fn invalid(e: impl std::fmt::Display) -> PdfError {
    PdfError::Invalid(e.to_string())
}

/// A PDF text string: plain bytes when ASCII, UTF-16BE with a byte-order mark otherwise.
fn text(value: &str) -> Object {
    if value.is_ascii() {
        Object::String(value.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(value.encode_utf16().flat_map(|unit| unit.to_be_bytes()));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn pdf_date(time: DateTime<Utc>) -> String {
    time.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

fn serialise(object: &Object) -> Result<Vec<u8>, PdfError> {
    Ok(super::syntax::to_bytes(object))
}

/// Refuses documents whose certification signature allows no change at all (DocMDP P=1).
fn check_doc_mdp(doc: &Document, root: &Dictionary) -> Result<(), PdfError> {
    let Ok(perms) = root
        .get(b"Perms")
        .and_then(|p| doc.dereference(p))
        .and_then(|(_, p)| p.as_dict())
    else {
        return Ok(());
    };
    let Ok((_, signature)) = perms.get(b"DocMDP").and_then(|s| doc.dereference(s)) else {
        return Ok(());
    };
    let Ok(references) = signature
        .as_dict()
        .and_then(|s| s.get(b"Reference"))
        .and_then(Object::as_array)
    else {
        return Ok(());
    };
    for reference in references {
        let permission = doc
            .dereference(reference)
            .and_then(|(_, r)| r.as_dict())
            .and_then(|r| r.get(b"TransformParams"))
            .and_then(|t| doc.dereference(t))
            .and_then(|(_, t)| t.as_dict())
            .and_then(|t| t.get(b"P"))
            .and_then(Object::as_i64);
        if permission.is_ok_and(|p| p == 1) {
            return Err(PdfError::SigningForbidden);
        }
    }
    Ok(())
}

/// Objects of the new revision, in writing order.
struct Revision {
    objects: Vec<(ObjectId, Object)>,
    next_id: u32,
}

impl Revision {
    fn allocate(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id += 1;
        id
    }

    fn put(&mut self, id: ObjectId, object: &Object) -> Result<(), PdfError> {
        self.objects.retain(|(existing, _)| *existing != id);
        self.objects.push((id, object.clone()));
        Ok(())
    }

    /// The array object `id` as this revision has it so far.
    fn array(&self, doc: &Document, id: ObjectId) -> Result<Vec<Object>, PdfError> {
        match self.objects.iter().find(|(existing, _)| *existing == id) {
            Some((_, object)) => object.as_array().cloned().map_err(invalid),
            None => doc
                .get_object(id)
                .and_then(Object::as_array)
                .cloned()
                .map_err(invalid),
        }
    }
}

/// Appends `widget` to the array at `key` of `holder`, which may hold the array inline or
/// by reference. Returns true when the holder itself changed.
fn append_reference(
    doc: &Document,
    revision: &mut Revision,
    holder: &mut Dictionary,
    key: &[u8],
    widget: ObjectId,
) -> Result<bool, PdfError> {
    match holder.get(key) {
        Ok(Object::Reference(array_id)) => {
            let array_id = *array_id;
            let mut array = revision.array(doc, array_id)?;
            array.push(Object::Reference(widget));
            revision.put(array_id, &Object::Array(array))?;
            Ok(false)
        }
        Ok(Object::Array(array)) => {
            let mut array = array.clone();
            array.push(Object::Reference(widget));
            holder.set(key.to_vec(), Object::Array(array));
            Ok(true)
        }
        _ => {
            holder.set(key.to_vec(), Object::Array(vec![Object::Reference(widget)]));
            Ok(true)
        }
    }
}

/// Replaces direct annotation dictionaries in the page's /Annots by references to new
/// objects. Returns true when the page dictionary itself changed.
fn lift_direct_annotations(
    doc: &Document,
    revision: &mut Revision,
    page: &mut Dictionary,
) -> Result<bool, PdfError> {
    let (array_id, mut annots) = match page.get(b"Annots") {
        Ok(Object::Reference(id)) => (
            Some(*id),
            doc.get_object(*id)
                .and_then(Object::as_array)
                .cloned()
                .map_err(invalid)?,
        ),
        Ok(Object::Array(array)) => (None, array.clone()),
        _ => return Ok(false),
    };
    if !annots.iter().any(|a| matches!(a, Object::Dictionary(_))) {
        return Ok(false);
    }
    for annotation in annots.iter_mut() {
        if let Object::Dictionary(dict) = annotation {
            let id = revision.allocate();
            revision.put(id, &Object::Dictionary(dict.clone()))?;
            *annotation = Object::Reference(id);
        }
    }
    match array_id {
        Some(id) => {
            revision.put(id, &Object::Array(annots))?;
            Ok(false)
        }
        None => {
            page.set("Annots", Object::Array(annots));
            Ok(true)
        }
    }
}

/// What the new signature field holds.
#[derive(Clone, Copy)]
enum Seal<'a> {
    /// A CAdES signature by a person or a cabinet.
    Signature { request: &'a SignatureRequest },
    /// A document time-stamp over everything before it (PAdES B-LTA).
    DocumentTimeStamp,
}

/// What a preparer needs to know of an uploaded PDF before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfInfo {
    pub pages: u32,
}

/// Checks that `pdf` can be signed later (readable, not encrypted, at most 10 MB, not
/// certified against changes) and counts its pages: refuse at upload, not at signing.
pub fn inspect(pdf: &[u8]) -> Result<PdfInfo, PdfError> {
    let doc = load_for_update(pdf)?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(invalid)?;
    let root = doc.get_dictionary(root_id).map_err(invalid)?;
    check_doc_mdp(&doc, root)?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(invalid("aucune page"));
    }
    // A page the reader had to skip (unreadable, or in a stream too large to decode) would
    // only fail later, at signing or rendering.
    if let Some(number) = pages
        .iter()
        .find_map(|(number, id)| doc.get_dictionary(*id).is_err().then_some(number))
    {
        return Err(invalid(format!("la page {number} est illisible")));
    }
    Ok(PdfInfo {
        pages: pages.len() as u32,
    })
}

/// Signs `pdf` PAdES B-B. The result is `pdf` followed by one new revision.
pub fn sign(
    pdf: &[u8],
    request: &SignatureRequest,
    identity: &SigningIdentity<'_>,
) -> Result<Vec<u8>, PdfError> {
    let prepared = PreparedSignature::new(pdf, request, identity)?;
    let cms = prepared.signature.into_der(None).map_err(cms_error)?;
    prepared.revision.finish(&cms)
}

/// Signs `pdf` PAdES B-T: the signature is time-stamped by `stamper`.
pub async fn sign_time_stamped(
    pdf: &[u8],
    request: &SignatureRequest,
    identity: &SigningIdentity<'_>,
    stamper: &dyn TimeStamper,
) -> Result<Vec<u8>, PdfError> {
    PreparedSignature::new(pdf, request, identity)?
        .time_stamped(stamper)
        .await
}

/// Adds a document time-stamp (`/ETSI.RFC3161`) covering the whole file: with validation
/// data before it, the signatures become PAdES B-LTA.
pub async fn time_stamp_document(
    pdf: &[u8],
    stamper: &dyn TimeStamper,
) -> Result<Vec<u8>, PdfError> {
    let revision = prepare(pdf, Seal::DocumentTimeStamp)?;
    let token = stamper
        .stamp(&revision.digest)
        .await
        .map_err(PdfError::TimeStamp)?;
    revision.finish(&token)
}

/// A signature whose CPU work is done (the PDF parsed, its new revision written, the
/// private-key operation made) and which waits for its time-stamp: callers can do the
/// first part on a blocking thread and reach the time-stamping authority after.
pub struct PreparedSignature {
    revision: Prepared,
    signature: super::cms::Signature,
}

impl PreparedSignature {
    pub fn new(
        pdf: &[u8],
        request: &SignatureRequest,
        identity: &SigningIdentity<'_>,
    ) -> Result<Self, PdfError> {
        let revision = prepare(pdf, Seal::Signature { request })?;
        let signature = super::cms::Signature::make(
            super::oids::ID_DATA,
            None,
            &revision.digest,
            identity.key,
            identity.chain,
        )
        .map_err(cms_error)?;
        Ok(PreparedSignature {
            revision,
            signature,
        })
    }

    pub async fn time_stamped(self, stamper: &dyn TimeStamper) -> Result<Vec<u8>, PdfError> {
        let cms = self
            .signature
            .time_stamped(stamper)
            .await
            .map_err(cms_error)?;
        self.revision.finish(&cms)
    }
}

fn cms_error(error: super::cms::CmsError) -> PdfError {
    match error {
        super::cms::CmsError::TimeStamp(reason) => PdfError::TimeStamp(reason),
        other => PdfError::Crypto(other.to_string()),
    }
}

/// `pdf` followed by a new revision whose `/Contents` is still to be filled, and the
/// SHA-256 of what the signature covers.
struct Prepared {
    out: Vec<u8>,
    contents_start: usize,
    digest: [u8; 32],
}

impl Prepared {
    fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PdfError> {
        if cms.len() > CONTENTS_CAPACITY {
            return Err(PdfError::SignatureTooLarge);
        }
        let encoded = hex(cms);
        self.out[self.contents_start + 1..self.contents_start + 1 + encoded.len()]
            .copy_from_slice(encoded.as_bytes());
        Ok(self.out)
    }
}

/// Parses a PDF that is about to get a new revision; refuses what must not be touched.
fn load_for_update(pdf: &[u8]) -> Result<Document, PdfError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge);
    }
    if !pdf
        .iter()
        .take(1024)
        .collect::<Vec<_>>()
        .windows(5)
        .any(|w| w.iter().copied().copied().eq(*b"%PDF-"))
    {
        return Err(PdfError::Invalid("no %PDF header".into()));
    }
    let doc = load_untrusted(pdf).map_err(|e| {
        let message = e.to_string();
        if message.to_ascii_lowercase().contains("decrypt")
            || message.to_ascii_lowercase().contains("encrypt")
        {
            PdfError::Encrypted
        } else {
            invalid(message)
        }
    })?;
    if doc.is_encrypted() || doc.encryption_state.is_some() || doc.trailer.has(b"Encrypt") {
        return Err(PdfError::Encrypted);
    }
    Ok(doc)
}

/// lopdf's full load of bytes that come from outside, with every stream it decodes on the
/// way bounded (nesting depth is bounded by lopdf's parser itself since 0.42).
pub(super) fn load_untrusted(pdf: &[u8]) -> lopdf::Result<Document> {
    Document::load_mem_with_options(
        pdf,
        LoadOptions {
            max_decompressed_size: Some(MAX_DECODED_STREAM_BYTES),
            ..LoadOptions::default()
        },
    )
}

/// What a new revision needs of `pdf`, and the page that gets the widget (`stamp_page`,
/// or the first): read lazily (`partial.rs`) when the file allows, fully otherwise.
fn load_for_revision(
    pdf: &[u8],
    stamp_page: Option<u32>,
) -> Result<(Document, ObjectId), PdfError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge);
    }
    if let Some(loaded) = super::partial::load(pdf, stamp_page.unwrap_or(1)) {
        return Ok(loaded);
    }
    let doc = load_for_update(pdf)?;
    let pages = doc.get_pages();
    let page_id = match stamp_page {
        None => *pages
            .values()
            .next()
            .ok_or_else(|| invalid("aucune page"))?,
        Some(page) => *pages
            .get(&page)
            .ok_or_else(|| PdfError::BadStamp(format!("the document has no page {page}")))?,
    };
    Ok((doc, page_id))
}

/// Parses `pdf`, writes the new revision with placeholders and hashes what the
/// signature will cover.
fn prepare(pdf: &[u8], seal: Seal<'_>) -> Result<Prepared, PdfError> {
    let stamp = match seal {
        Seal::Signature { request } => request.stamp.as_ref(),
        Seal::DocumentTimeStamp => None,
    };
    if let Some(stamp) = stamp {
        stamp.check().map_err(PdfError::BadStamp)?;
    }
    let (doc, page_id) = load_for_revision(pdf, stamp.map(|s| s.page))?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(invalid)?;
    let mut root = doc.get_dictionary(root_id).cloned().map_err(invalid)?;
    check_doc_mdp(&doc, &root)?;
    let mut page = doc.get_dictionary(page_id).cloned().map_err(invalid)?;

    let declared_size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0)
        .max(0) as u32;
    let mut revision = Revision {
        objects: Vec::new(),
        next_id: declared_size.max(doc.max_id + 1),
    };
    let signature_id = revision.allocate();
    let widget_id = revision.allocate();

    let mut suffix = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let field_name = match seal {
        Seal::Signature { .. } => format!("Signature-{}", hex(&suffix)),
        Seal::DocumentTimeStamp => format!("Horodatage-{}", hex(&suffix)),
    };
    let mut widget = Dictionary::from_iter([
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        ("T", text(&field_name)),
        ("V", Object::Reference(signature_id)),
        ("F", Object::Integer(132)),
        (
            "Rect",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        ),
        ("P", Object::Reference(page_id)),
    ]);
    if let (Some(stamp), Seal::Signature { request, .. }) = (stamp, &seal) {
        let appearance_id = revision.allocate();
        revision.put(
            appearance_id,
            &Object::Stream(stamp.appearance(&request.signer_name, request.time)),
        )?;
        widget.set("Rect", Object::Array(stamp.rect()));
        widget.set(
            "AP",
            Object::Dictionary(Dictionary::from_iter([(
                "N",
                Object::Reference(appearance_id),
            )])),
        );
    }
    revision.put(widget_id, &Object::Dictionary(widget))?;

    // Validators refuse a later signature's change to a page whose /Annots holds direct
    // annotation dictionaries (pyHanko: "Array contains direct objects"). Before the first
    // signature nothing is sealed yet, so lift them into objects of their own; after it,
    // the earlier revision must stay as it is.
    let first_signature = find(pdf, b"/ByteRange").is_none();
    let mut page_changed = false;
    if first_signature {
        page_changed |= lift_direct_annotations(&doc, &mut revision, &mut page)?;
    }
    page_changed |= append_reference(&doc, &mut revision, &mut page, b"Annots", widget_id)?;
    if page_changed {
        revision.put(page_id, &Object::Dictionary(page))?;
    }

    let mut root_changed = false;
    match root.get(b"AcroForm") {
        Ok(Object::Reference(form_id)) => {
            let form_id = *form_id;
            let mut form = doc.get_dictionary(form_id).cloned().map_err(invalid)?;
            append_reference(&doc, &mut revision, &mut form, b"Fields", widget_id)?;
            form.set("SigFlags", 3);
            revision.put(form_id, &Object::Dictionary(form))?;
        }
        Ok(Object::Dictionary(form)) => {
            let mut form = form.clone();
            append_reference(&doc, &mut revision, &mut form, b"Fields", widget_id)?;
            form.set("SigFlags", 3);
            root.set("AcroForm", Object::Dictionary(form));
            root_changed = true;
        }
        _ => {
            let form_id = revision.allocate();
            let form = Dictionary::from_iter([
                ("Fields", Object::Array(vec![Object::Reference(widget_id)])),
                ("SigFlags", Object::Integer(3)),
            ]);
            revision.put(form_id, &Object::Dictionary(form))?;
            root.set("AcroForm", Object::Reference(form_id));
            root_changed = true;
        }
    }
    if root_changed {
        revision.put(root_id, &Object::Dictionary(root))?;
    }

    // The signature dictionary, with placeholders patched once offsets are known.
    let (kind, sub_filter) = match seal {
        Seal::Signature { .. } => ("Sig", "ETSI.CAdES.detached"),
        Seal::DocumentTimeStamp => ("DocTimeStamp", "ETSI.RFC3161"),
    };
    let mut signature = format!(
        "<< /Type /{kind} /Filter /Adobe.PPKLite /SubFilter /{sub_filter} /ByteRange {BYTE_RANGE_PLACEHOLDER} /Contents <{}>",
        "0".repeat(CONTENTS_CAPACITY * 2)
    )
    .into_bytes();
    if let Seal::Signature { request, .. } = &seal {
        signature.extend(b" /M ");
        signature.extend(serialise(&text(&pdf_date(request.time)))?);
        signature.extend(b" /Name ");
        signature.extend(serialise(&text(&request.signer_name))?);
        if let Some(reason) = &request.reason {
            signature.extend(b" /Reason ");
            signature.extend(serialise(&text(reason))?);
        }
        if let Some(location) = &request.location {
            signature.extend(b" /Location ");
            signature.extend(serialise(&text(location))?);
        }
    }
    signature.extend(b" >>");

    let (mut out, offsets) = append_revision(
        pdf,
        &doc,
        root_id,
        Some((signature_id, signature)),
        revision,
    )?;

    // Offsets of the placeholders inside the signature object.
    let signature_offset = offsets
        .iter()
        .find(|(id, ..)| *id == signature_id.0)
        .map(|(.., o)| *o)
        .unwrap_or(0);
    let byte_range_at = find(&out[signature_offset..], BYTE_RANGE_PLACEHOLDER.as_bytes())
        .map(|i| signature_offset + i)
        .ok_or_else(|| PdfError::Crypto("no ByteRange".into()))?;
    let contents_start = find(&out[byte_range_at..], b"/Contents <")
        .map(|i| byte_range_at + i + b"/Contents ".len())
        .ok_or_else(|| PdfError::Crypto("no Contents".into()))?;
    let contents_end = contents_start + CONTENTS_CAPACITY * 2 + 2;
    let byte_range = format!(
        "[0 {contents_start} {contents_end} {}]",
        out.len() - contents_end
    );
    let padded = format!("{byte_range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[byte_range_at..byte_range_at + padded.len()].copy_from_slice(padded.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&out[..contents_start]);
    hasher.update(&out[contents_end..]);
    let digest = hasher.finalize().into();
    Ok(Prepared {
        out,
        contents_start,
        digest,
    })
}

/// Writes a new revision after `pdf`: `first` (raw bytes, e.g. a signature dictionary
/// with placeholders), then the revision's objects, then a cross-reference section of the
/// same kind as the previous one. Returns the file and each object's offset.
/// The objects a revision wrote: number, generation, byte offset.
type XrefEntries = Vec<(u32, u16, usize)>;

fn append_revision(
    pdf: &[u8],
    doc: &Document,
    root_id: ObjectId,
    first: Option<(ObjectId, Vec<u8>)>,
    mut revision: Revision,
) -> Result<(Vec<u8>, XrefEntries), PdfError> {
    let mut out = Vec::with_capacity(pdf.len() + CONTENTS_CAPACITY * 2 + 4096);
    out.extend_from_slice(pdf);
    if !pdf.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, u16, usize)> = Vec::new();
    let written = first.into_iter().chain(
        revision
            .objects
            .iter()
            .map(|(id, object)| (*id, super::syntax::to_bytes(object))),
    );
    for ((id, generation), bytes) in written {
        offsets.push((id, generation, out.len()));
        out.extend(format!("{id} {generation} obj\n").as_bytes());
        out.extend(bytes);
        out.extend(b"\nendobj\n");
    }
    let trailer = trailer_entries(doc, root_id)?;
    let uses_stream = matches!(
        doc.reference_table.cross_reference_type,
        lopdf::xref::XrefType::CrossReferenceStream
    );
    let xref_offset = if uses_stream {
        let xref_id = revision.allocate().0;
        write_xref_stream(
            &mut out,
            &mut offsets,
            xref_id,
            revision.next_id,
            &trailer,
            doc.xref_start,
        )?
    } else {
        write_xref_table(
            &mut out,
            &offsets,
            revision.next_id,
            &trailer,
            doc.xref_start,
        )?
    };
    out.extend(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
    Ok((out, offsets))
}

/// What a validator needs to check signatures without going online: certificates, OCSP
/// responses and CRLs (DER each).
#[derive(Debug, Clone, Default)]
pub struct ValidationData {
    pub certificates: Vec<Vec<u8>>,
    pub ocsp_responses: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

/// Adds (or extends) the document security store `/DSS` in a new revision: the signatures
/// before it become PAdES B-LT. Earlier revisions stay byte-identical.
pub fn add_validation_data(pdf: &[u8], data: &ValidationData) -> Result<Vec<u8>, PdfError> {
    let (doc, _) = load_for_revision(pdf, None)?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(invalid)?;
    let mut root = doc.get_dictionary(root_id).cloned().map_err(invalid)?;
    let declared_size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0)
        .max(0) as u32;
    let mut revision = Revision {
        objects: Vec::new(),
        next_id: declared_size.max(doc.max_id + 1),
    };

    let (dss_id, mut dss) = match root.get(b"DSS") {
        Ok(Object::Reference(id)) => (
            Some(*id),
            doc.get_dictionary(*id).cloned().map_err(invalid)?,
        ),
        Ok(Object::Dictionary(dss)) => (None, dss.clone()),
        _ => (None, Dictionary::new()),
    };
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    for (key, items) in [
        (&b"Certs"[..], &data.certificates),
        (b"OCSPs", &data.ocsp_responses),
        (b"CRLs", &data.crls),
    ] {
        if items.is_empty() {
            continue;
        }
        let mut array = match dss.get(key) {
            Ok(Object::Reference(id)) => doc
                .get_object(*id)
                .and_then(Object::as_array)
                .cloned()
                .map_err(invalid)?,
            Ok(Object::Array(array)) => array.clone(),
            _ => Vec::new(),
        };
        for item in items {
            let id = revision.allocate();
            revision.put(
                id,
                &Object::Stream(lopdf::Stream::new(Dictionary::new(), item.clone())),
            )?;
            array.push(Object::Reference(id));
        }
        dss.set(key.to_vec(), Object::Array(array));
    }
    match dss_id {
        Some(id) => revision.put(id, &Object::Dictionary(dss))?,
        None => {
            let id = revision.allocate();
            revision.put(id, &Object::Dictionary(dss))?;
            root.set("DSS", Object::Reference(id));
            revision.put(root_id, &Object::Dictionary(root))?;
        }
    }
    Ok(append_revision(pdf, &doc, root_id, None, revision)?.0)
}

fn hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// SIMD substring search: a naive scan of a 10 MB file costs more than hashing it.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// /Root, /Info and a fresh second /ID for the new trailer.
fn trailer_entries(doc: &Document, root_id: ObjectId) -> Result<Dictionary, PdfError> {
    let mut trailer = Dictionary::new();
    trailer.set("Root", Object::Reference(root_id));
    if let Ok(info) = doc.trailer.get(b"Info") {
        trailer.set("Info", info.clone());
    }
    let mut fresh = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    let first = doc
        .trailer
        .get(b"ID")
        .and_then(Object::as_array)
        .ok()
        .and_then(|ids| ids.first().cloned())
        .unwrap_or_else(|| Object::String(fresh.to_vec(), StringFormat::Hexadecimal));
    trailer.set(
        "ID",
        Object::Array(vec![
            first,
            Object::String(fresh.to_vec(), StringFormat::Hexadecimal),
        ]),
    );
    Ok(trailer)
}

/// Consecutive runs of object ids, as xref subsections want them.
fn runs(mut ids: Vec<(u32, u16, usize)>) -> Vec<Vec<(u32, u16, usize)>> {
    ids.sort_by_key(|(id, ..)| *id);
    let mut runs: Vec<Vec<(u32, u16, usize)>> = Vec::new();
    for entry in ids {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|last| last.0 + 1 == entry.0) => run.push(entry),
            _ => runs.push(vec![entry]),
        }
    }
    runs
}

fn write_xref_table(
    out: &mut Vec<u8>,
    offsets: &[(u32, u16, usize)],
    size: u32,
    trailer: &Dictionary,
    prev: usize,
) -> Result<usize, PdfError> {
    let start = out.len();
    out.extend(b"xref\n");
    for run in runs(offsets.to_vec()) {
        out.extend(format!("{} {}\n", run[0].0, run.len()).as_bytes());
        for (_, generation, offset) in run {
            out.extend(format!("{offset:010} {generation:05} n\r\n").as_bytes());
        }
    }
    let mut trailer = trailer.clone();
    trailer.set("Size", size as i64);
    trailer.set("Prev", prev as i64);
    out.extend(b"trailer\n");
    out.extend(serialise(&Object::Dictionary(trailer))?);
    out.push(b'\n');
    Ok(start)
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    offsets: &mut Vec<(u32, u16, usize)>,
    xref_id: u32,
    size: u32,
    trailer: &Dictionary,
    prev: usize,
) -> Result<usize, PdfError> {
    let start = out.len();
    offsets.push((xref_id, 0, start));
    let mut index = Vec::new();
    let mut data = Vec::new();
    for run in runs(offsets.clone()) {
        index.push(Object::Integer(run[0].0 as i64));
        index.push(Object::Integer(run.len() as i64));
        for (_, generation, offset) in run {
            data.push(1u8);
            data.extend((offset as u32).to_be_bytes());
            data.extend(generation.to_be_bytes());
        }
    }
    let mut dict = trailer.clone();
    dict.set("Type", Object::Name(b"XRef".to_vec()));
    dict.set("Size", size as i64);
    dict.set("Prev", prev as i64);
    dict.set("W", Object::Array(vec![1.into(), 4.into(), 2.into()]));
    dict.set("Index", Object::Array(index));
    dict.set("Length", data.len() as i64);
    out.extend(format!("{xref_id} 0 obj\n").as_bytes());
    out.extend(serialise(&Object::Dictionary(dict))?);
    out.extend(b"\nstream\n");
    out.extend(&data);
    out.extend(b"\nendstream\nendobj\n");
    Ok(start)
}
