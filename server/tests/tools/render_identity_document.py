"""Renders a synthetic identity document for the OCR tests: a coloured card or passport
page with printed fields and its machine-readable zone in OCR-B (Debian's fonts-ocr-b).

usage: render_identity_document.py OUT.(png|jpg) TITLE MRZ_LINE [MRZ_LINE...]
"""
import sys

from PIL import Image, ImageDraw, ImageFont

OCR_B = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def main():
    out, title, lines = sys.argv[1], sys.argv[2], sys.argv[3:]
    width = 1400 if len(lines[0]) <= 30 else 1900
    height = 880
    image = Image.new("RGB", (width, height), (205, 215, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, width - 30, height - 30), outline=(60, 80, 140), width=4)
    draw.text((60, 50), title, fill=(20, 40, 90), font=ImageFont.truetype(SANS, 44))
    draw.rectangle((60, 140, 360, 520), fill=(170, 180, 200))
    mrz = ImageFont.truetype(OCR_B, 40)
    y = height - 60 - 60 * len(lines)
    for line in lines:
        draw.text((60, y), line, fill=(10, 10, 10), font=mrz)
        y += 60
    image.save(out)


if __name__ == "__main__":
    main()
