"""Validates every signature of a PDF with pyHanko against one trust root; prints JSON.

Usage: pyhanko_validate.py ROOT.pem FILE.pdf
"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def validate(root, pdf_path, strict):
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    report = []
    with open(pdf_path, "rb") as handle:
        reader = PdfFileReader(handle, strict=strict)
        for signature in reader.embedded_signatures:
            status = validate_pdf_signature(signature, context)
            report.append({
                "field": signature.field_name,
                "intact": bool(status.intact),
                "valid": bool(status.valid),
                "trusted": bool(status.trusted),
                "bottom_line": bool(status.bottom_line),
                "coverage": str(status.coverage),
                "modification_level": str(status.modification_level),
                "strict": strict,
            })
    return report


def main(root_path, pdf_path):
    root = load_cert_from_pemder(root_path)
    try:
        report = validate(root, pdf_path, strict=True)
    except PdfStrictReadError:
        # Some producers write cross-reference tables that strict mode rejects (e.g. a
        # free entry with generation 65536); those bytes are the original document's,
        # which a signature must keep as they are.
        report = validate(root, pdf_path, strict=False)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
