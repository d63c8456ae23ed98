"""Signs PDFs with pyHanko in process (its default signing API, PAdES B-B subfilter) and
prints per-file median seconds as JSON. Called by `cargo bench --bench signing`.

Usage: pyhanko_sign.py KEY.pem CERT.pem CHAIN.pem RUNS FILE.pdf [FILE.pdf ...]
"""
import json
import statistics
import sys
import time
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers


def main(key, cert, chain, runs, files):
    signer = signers.SimpleSigner.load(key_file=key, cert_file=cert, ca_chain_files=(chain,), key_passphrase=None)
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES)
    medians = {}
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            writer = IncrementalPdfFileWriter(BytesIO(data))
            signers.sign_pdf(writer, meta, signer=signer)
            timings.append(time.perf_counter() - start)
        medians[path] = statistics.median(timings)
    print(json.dumps(medians))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
