"""Validates every signature and document time-stamp of a PDF with pyHanko against the
trust roots of a PEM file; prints a JSON list, one entry per signature field.

Usage: pyhanko_validate.py ROOTS.pem FILE.pdf [online|offline]

online (default): revocation soft-fail, nothing fetched: checks integrity and trust.
offline: revocation hard-fail from the document's own /DSS only, nothing fetched: passes
only if the file carries everything needed to validate it (PAdES B-LT and B-LTA).
"""
import json
import sys

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext


def timestamp_verdict(timestamp):
    """'none', 'trusted' (intact, valid, chained to the root) or 'untrusted'."""
    if timestamp is None:
        return "none"
    if timestamp.intact and timestamp.valid and timestamp.trusted:
        return "trusted"
    return "untrusted"


def context(reader, roots, mode):
    if mode == "offline":
        dss = DocumentSecurityStore.read_dss(reader)
        return dss.as_validation_context(
            {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
        )
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def validate(roots, pdf_path, strict, mode):
    report = []
    with open(pdf_path, "rb") as handle:
        reader = PdfFileReader(handle, strict=strict)
        for signature in reader.embedded_regular_signatures:
            status = validate_pdf_signature(
                signature, context(reader, roots, mode), ts_validation_context=context(reader, roots, mode)
            )
            report.append({
                "kind": "signature",
                "field": signature.field_name,
                "intact": bool(status.intact),
                "valid": bool(status.valid),
                "trusted": bool(status.trusted),
                "bottom_line": bool(status.bottom_line),
                "coverage": str(status.coverage),
                "modification_level": str(status.modification_level),
                "timestamp": timestamp_verdict(status.timestamp_validity),
                "strict": strict,
            })
        for stamp in reader.embedded_timestamp_signatures:
            status = validate_pdf_timestamp(stamp, validation_context=context(reader, roots, mode))
            report.append({
                "kind": "document_timestamp",
                "field": stamp.field_name,
                "intact": bool(status.intact),
                "valid": bool(status.valid),
                "trusted": bool(status.trusted),
                "bottom_line": bool(status.intact and status.valid and status.trusted),
                "coverage": str(status.coverage),
                "modification_level": str(status.modification_level),
                "timestamp": "self",
                "strict": strict,
            })
    return report


def main(root_path, pdf_path, mode):
    roots = list(load_certs_from_pemder([root_path]))
    try:
        report = validate(roots, pdf_path, True, mode)
    except PdfStrictReadError:
        # Some producers write cross-reference tables that strict mode rejects (e.g. a
        # free entry with generation 65536); those bytes are the original document's,
        # which a signature must keep as they are.
        report = validate(roots, pdf_path, False, mode)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "online")
