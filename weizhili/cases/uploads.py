"""Photos sent with a case: bounded in number and size, type sniffed from the bytes with Pillow (never trusted
from the file name or the browser), downscaled, and stripped of EXIF (location, camera, time) unless the
reporter asked to keep the location.

`photos_prepare` validates and re-encodes before anything is written; `case_photos_attach` stores the result.
"""
import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from weizhili.audit.services import audit_record

from .models import Attachment, Case

MAX_PHOTOS = 6
MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 60_000_000  # refuse decompression bombs long before Pillow's own limit

# Pillow format → (content type, file extension)
ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Image.info keys that may be written back: nothing that can carry location or device data (exif, xmp, text).
_SAFE_INFO = ("icc_profile", "transparency", "dpi")


@dataclass
class Photo:
    data: bytes
    content_type: str
    ext: str


def _sniff(data: bytes, name: str) -> str:
    """The Pillow format of `data`, or ValidationError if it is not a whole JPEG, PNG or WEBP image."""
    refused = ValidationError(_("“%(name)s”不是有效的图片，只能上传JPG、PNG或WEBP格式的照片") % {"name": name},
                              code="photo_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise refused from exc
    if fmt not in ALLOWED:
        raise refused
    if width * height > MAX_PIXELS:
        raise ValidationError(_("照片“%(name)s”像素过大") % {"name": name}, code="photo_pixels")
    return fmt


def _reencode(data: bytes, fmt: str, *, keep_location: bool) -> bytes:
    with Image.open(io.BytesIO(data)) as original:
        original.load()
        too_big = max(original.size) > MAX_SIDE
        if keep_location and not too_big:
            return data  # the reporter asked to keep the location: the original bytes, EXIF and all
        image = ImageOps.exif_transpose(original)  # orientation applied to the pixels before EXIF goes
        # when keeping: the original EXIF (GPS included) minus the orientation tag just applied
        exif = image.getexif() if keep_location else None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image.info = {key: value for key, value in image.info.items() if key in _SAFE_INFO}
    options: dict = {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options = {"quality": 85, "optimize": True}
    elif fmt == "WEBP":
        options = {"quality": 85}
    elif fmt == "PNG":
        options = {"optimize": True}
    if exif is not None:
        options["exif"] = exif
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]  # colours, no personal data
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def photos_prepare(files, *, keep_location: bool = False) -> list[Photo]:
    """Validate and re-encode uploaded files. Raises ValidationError (with all problems) and returns nothing
    if any file is refused, so that nothing is stored for a half-valid upload."""
    files = [f for f in files if f]
    if len(files) > MAX_PHOTOS:
        raise ValidationError(_("最多上传%(n)d张照片") % {"n": MAX_PHOTOS}, code="photo_count")
    errors: list[ValidationError] = []
    photos: list[Photo] = []
    for upload in files:
        name = getattr(upload, "name", "") or "?"
        if (upload.size or 0) > MAX_BYTES:
            errors.append(ValidationError(_("照片“%(name)s”超过8MB") % {"name": name}, code="photo_size"))
            continue
        upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            errors.append(ValidationError(_("照片“%(name)s”超过8MB") % {"name": name}, code="photo_size"))
            continue
        try:
            fmt = _sniff(data, name)
            content_type, ext = ALLOWED[fmt]
            photos.append(Photo(data=_reencode(data, fmt, keep_location=keep_location),
                                content_type=content_type, ext=ext))
        except ValidationError as exc:
            errors.append(exc)
        except (OSError, ValueError):  # truncated or corrupt pixel data found while decoding
            errors.append(ValidationError(_("“%(name)s”不是有效的图片，只能上传JPG、PNG或WEBP格式的照片")
                                          % {"name": name}, code="photo_type"))
    if errors:
        raise ValidationError(errors)
    return photos


@transaction.atomic
def case_photos_attach(*, case: Case, photos: list[Photo], event=None, user=None) -> list[Attachment]:
    """Store prepared photos on a case (default storage, random file names), audited with the case."""
    if not photos:
        return []
    made = [Attachment.objects.create(
        case=case, event=event, content_type=photo.content_type, size=len(photo.data),
        file=ContentFile(photo.data, name=f"{secrets.token_hex(10)}.{photo.ext}"),
    ) for photo in photos]
    audit_record(action="case.attach", obj=case, user=user, detail={"photos": len(made)})
    return made
