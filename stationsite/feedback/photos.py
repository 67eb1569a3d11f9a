"""Photos on reports: re-encoded, so nothing of the phone's file but its pixels is kept.

A photo is read only up to the size limit, its dimensions are checked before any pixel is
decoded, EXIF (with any GPS position) is dropped, the camera's orientation applied, and the long
side brought down to 1600 px. Files live in the photo folder (outside static/), named at random.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from ..extensions import db
from ..models import Feedback, FeedbackPhoto, FeedbackStatus
from . import follow

MOST = 3
MAX_BYTES = 12 * 1024 * 1024  # a phone camera's JPEG is 2-8 MB
MAX_PIXELS = 40_000_000  # 48-50 MP sensors save binned 12 MP photos by default
LONG_SIDE = 1600
READABLE = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO")


class PhotoError(ValueError):
    """Why a file was refused, in words for the visitor."""


@dataclass(frozen=True)
class Encoded:
    jpeg: bytes
    width: int
    height: int


def photo_dir() -> Path:
    configured = current_app.config.get("FEEDBACK_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def _read_limited(stream) -> bytes:
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("This photo is larger than 12 MB. Please choose a smaller one."))
    if not data:
        raise PhotoError(_l("This file is empty."))
    return data


def _open(data: bytes) -> Image.Image:
    """Opened and checked, not yet decoded; bombs and non-images refused."""
    not_a_photo = _l("This file is not a photo we can read. Please send a JPEG, PNG or WebP.")
    too_big = _l("This image has too many pixels. Please send an ordinary photo.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise PhotoError(too_big) from error
        except (UnidentifiedImageError, OSError, ValueError) as error:
            raise PhotoError(not_a_photo) from error
    if image.format not in READABLE:
        raise PhotoError(not_a_photo)
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError(too_big)
    return image


def reencode(stream) -> Encoded:
    image = _open(_read_limited(stream))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.draft("RGB", (LONG_SIDE, LONG_SIDE))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image.thumbnail((LONG_SIDE, LONG_SIDE))
            image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombWarning) as error:
        raise PhotoError(_l("This photo is damaged and cannot be read.")) from error
    out = BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)  # no exif= given: none is written
    return Encoded(out.getvalue(), image.width, image.height)


def attach(item: Feedback, photos: list[Encoded]) -> None:
    """Write the files and add their rows; the caller commits."""
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for photo in photos[:MOST]:
        name = f"{secrets.token_urlsafe(18)}.jpg"
        (folder / name).write_bytes(photo.jpeg)
        item.photos.append(
            FeedbackPhoto(
                name=name, width=photo.width, height=photo.height, size_bytes=len(photo.jpeg)
            )
        )


def by_name(name: str) -> FeedbackPhoto | None:
    return db.session.scalar(select(FeedbackPhoto).where(FeedbackPhoto.name == name))


def may_see(photo: FeedbackPhoto, user, token: str | None) -> bool:
    """The public once approved; the station's operators at once; the reporter by the link."""
    item = photo.feedback
    if photo.approved and item.status != FeedbackStatus.REJECTED:
        return True
    if item.station.can_edit(user if getattr(user, "is_authenticated", False) else None):
        return True
    return bool(token and item.follow_token) and secrets.compare_digest(token, item.follow_token)


def public_url(photo: FeedbackPhoto) -> str | None:
    return follow.public_url("feedback.photo", name=photo.name) if photo.approved else None
