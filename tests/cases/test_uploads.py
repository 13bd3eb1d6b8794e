"""Photo uploads: the pixel cap refuses decompression bombs before any pixel is decoded, well below Pillow's own
limit, and only images over the cap are refused."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from weizhili.cases import uploads


def _png(width: int, height: int, name: str = "big.png") -> SimpleUploadedFile:
    # A one-bit image of one colour: millions of pixels in a few kilobytes, as a decompression bomb is.
    buffer = io.BytesIO()
    Image.new("1", (width, height), 0).save(buffer, "PNG", optimize=True)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _codes(exc: ValidationError) -> list[str]:
    return [error.code for error in exc.error_list]


def test_the_cap_is_below_pillow_s_own_limit():
    assert uploads.MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_a_photo_over_the_pixel_cap_is_refused_before_decoding(monkeypatch):
    width = 8_000
    height = uploads.MAX_PIXELS // width + 1  # just over 60 million pixels, under Pillow's warning limit
    upload = _png(width, height)
    assert upload.size < uploads.MAX_BYTES
    # decoding such an image would be the harm: the refusal must come before any pixel is read
    monkeypatch.setattr(uploads, "_reencode", lambda *args, **kwargs: pytest.fail("pixels decoded"))
    with pytest.raises(ValidationError) as exc:
        uploads.photos_prepare([upload])
    assert _codes(exc.value) == ["photo_pixels"]
    assert "big.png" in exc.value.messages[0] and "像素过大" in exc.value.messages[0]


def test_the_cap_is_exact(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100 * 100)
    assert len(uploads.photos_prepare([_png(100, 100, "at.png")])) == 1
    with pytest.raises(ValidationError) as exc:
        uploads.photos_prepare([_png(101, 100, "over.png")])
    assert _codes(exc.value) == ["photo_pixels"]


def test_one_bomb_among_good_photos_stores_nothing(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ValidationError) as exc:
        uploads.photos_prepare([_png(50, 50, "ok.png"), _png(200, 200, "bomb.png")])
    assert _codes(exc.value) == ["photo_pixels"]
    assert "bomb.png" in exc.value.messages[0]
