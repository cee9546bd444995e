"""What an uploaded file really is, and a safe copy of it.

The type comes from the bytes, never from the name or the client's Content-Type: Pillow for
images (PNG, JPEG, GIF, WebP), magic numbers (``puremagic``) for everything else, and plain text
only when it is UTF-8 without NULs that does not start like markup. Images are re-encoded
(so EXIF, GPS and anything appended to the pixels are dropped) and get a thumbnail; a
decompression bomb is refused before its pixels are decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import puremagic
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from conversations import errors

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/zip": ".zip",
}
SAFE_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}
HEAD = 8192


class TooLarge(errors.DomainError):
    code = "ATTACHMENT_TOO_LARGE"
    http_status = 413
    title = "File too large"


class UnsupportedType(errors.DomainError):
    code = "ATTACHMENT_TYPE_NOT_ALLOWED"
    http_status = 415
    title = "File type not allowed"


class ImageTooLarge(UnsupportedType):
    code = "ATTACHMENT_IMAGE_TOO_LARGE"
    title = "Image has too many pixels"


@dataclass
class Processed:
    content_type: str
    data: bytes | None  # re-encoded bytes (images); None: store the upload as it is
    thumbnail: bytes | None
    thumbnail_ext: str
    width: int | None
    height: int | None


def _limit_message() -> str:
    allowed = ", ".join(settings.ATTACHMENTS_ALLOWED_TYPES)
    return f"Allowed types: {allowed}."


def check_size(size: int) -> None:
    limit = settings.ATTACHMENTS_MAX_BYTES
    if size > limit:
        raise TooLarge(
            f"The file is {size} bytes; the limit is {limit} bytes.", limit=limit, size=size
        )
    if size == 0:
        raise errors.ValidationFailed("The file is empty.", code="ATTACHMENT_EMPTY")


def _sniff_other(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        matches = puremagic.magic_string(head) if head else []
    except puremagic.PureError:
        matches = []
    for m in matches:
        if m.mime_type:
            return m.mime_type
    if matches:
        return "application/octet-stream"
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed head is still text.
        if exc.start < len(head) - 4:
            return "application/octet-stream"
        text = head[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n").lower()
    if stripped.startswith("<") or "<script" in stripped or "<svg" in stripped:
        return "text/html"  # markup is never accepted as plain text
    return "text/plain"


def _open_image(fileobj) -> Image.Image | None:
    Image.MAX_IMAGE_PIXELS = settings.ATTACHMENTS_MAX_IMAGE_PIXELS
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(fileobj)
            if img.format not in IMAGE_FORMATS:
                return None
            if img.width * img.height > settings.ATTACHMENTS_MAX_IMAGE_PIXELS:
                raise ImageTooLarge(
                    f"The image is {img.width}x{img.height} pixels; the limit is "
                    f"{settings.ATTACHMENTS_MAX_IMAGE_PIXELS} pixels."
                )
            img.load()
            return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(
            f"The image has more than {settings.ATTACHMENTS_MAX_IMAGE_PIXELS} pixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img = img.convert("RGB")
        img.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "GIF":
        img.save(out, "GIF")
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=90)
    else:
        img.save(out, "PNG", optimize=True)
    return out.getvalue()


def _thumbnail(img: Image.Image) -> tuple[bytes, str]:
    size = settings.ATTACHMENTS_THUMBNAIL_SIZE
    thumb = img.copy()
    thumb.thumbnail((size, size))
    out = io.BytesIO()
    if thumb.mode in ("RGBA", "LA", "P"):
        thumb.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), ".png"
    thumb.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue(), ".jpg"


def inspect(fileobj) -> Processed:
    """Detect the type from the bytes and make the safe copy; raises a DomainError."""
    allowed = set(settings.ATTACHMENTS_ALLOWED_TYPES)
    img = _open_image(fileobj)
    if img is not None:
        content_type = IMAGE_FORMATS[img.format]
        if content_type not in allowed:
            raise UnsupportedType(f"{content_type} files are not accepted. {_limit_message()}")
        fmt = img.format
        # Keep the orientation the camera recorded, then drop every metadata block.
        img = ImageOps.exif_transpose(img) or img
        clean = Image.new(img.mode, img.size)
        if img.mode == "P" and img.getpalette():
            clean.putpalette(img.getpalette())
        clean.paste(img)
        if "transparency" in img.info and fmt in ("PNG", "GIF"):
            clean.info["transparency"] = img.info["transparency"]
        data = _encode(clean, fmt)
        thumb, ext = _thumbnail(clean)
        return Processed(content_type, data, thumb, ext, clean.width, clean.height)
    fileobj.seek(0)
    head = fileobj.read(HEAD)
    content_type = _sniff_other(head)
    if content_type in IMAGE_FORMATS.values():
        content_type = "application/octet-stream"  # claims to be an image, Pillow disagrees
    if content_type not in allowed or content_type in SAFE_INLINE:
        raise UnsupportedType(
            f"This file's content ({content_type or 'unknown'}) is not accepted. "
            f"{_limit_message()}",
            detected=content_type,
        )
    if content_type == "text/plain":
        _check_text(fileobj)
    return Processed(content_type, None, None, "", None, None)


def _check_text(fileobj) -> None:
    fileobj.seek(0)
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    while chunk := fileobj.read(65536):
        if b"\x00" in chunk:
            raise UnsupportedType("This file is not plain text. " + _limit_message())
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            raise UnsupportedType("This file is not UTF-8 text. " + _limit_message()) from None


def sha256_of(fileobj=None, data: bytes | None = None) -> str:
    h = hashlib.sha256()
    if data is not None:
        h.update(data)
        return h.hexdigest()
    fileobj.seek(0)
    while chunk := fileobj.read(1024 * 1024):
        h.update(chunk)
    return h.hexdigest()
