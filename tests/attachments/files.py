"""Files for the attachment tests, made in memory."""

import io

from PIL import Image


def png_bytes(size=(64, 48), color=(200, 30, 30), exif_gps=False) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam"  # Make
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPS IFD
        img.save(out, "JPEG", exif=exif.tobytes())
    else:
        img.save(out, "PNG")
    return out.getvalue()


def png_file(**kwargs) -> io.BytesIO:
    f = io.BytesIO(png_bytes(**kwargs))
    f.name = "shot.png"
    return f


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf_bytes() -> io.BytesIO:
    f = io.BytesIO(PDF)
    f.name = "invoice.pdf"
    return f


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)


def bomb_png(side=20000) -> bytes:
    """A tiny PNG that decodes to side x side pixels (1-bit, compresses to almost nothing)."""
    img = Image.new("1", (side, side), 0)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()
