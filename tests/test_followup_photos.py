"""Issue 11, part 2: photos on fault reports, re-encoded and private until approved."""

import re
import struct
import zlib
from html import unescape
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from stationsite.extensions import db
from stationsite.feedback import photos
from stationsite.models import Feedback, FeedbackPhoto
from stationsite.users import create_user

from .test_feedback import token
from .test_operator import sign_in

GPS_IFD, ORIENTATION = 0x8825, 0x0112


def jpeg(size=(400, 200), orientation=None, gps=False) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((20, 20, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 30.5), 3: "E", 4: (120.0, 9.0, 55.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be width x height: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def big_png(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def station(app, make_station, tmp_path):
    app.config["FEEDBACK_PHOTO_DIR"] = str(tmp_path / "photos")
    return make_station(code="PH-1", facilities=["microwave"])


def send(client, *files, lang="en", **fields):
    url = f"/stations/PH-1/feedback?lang={lang}"
    data = {
        "csrf_token": token(client, url),
        "visitor_group": "sanitation",
        "category": "facility_fault",
        "facility": "microwave",
        "comment": "微波炉不转",
        "photos": [(BytesIO(content), name) for name, content in files],
        **fields,
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def status(client, url) -> int:
    with client.get(url) as response:
        return response.status_code


def stored_photos(app):
    with app.app_context():
        return [(p.name, p.width, p.height) for p in db.session.scalars(select(FeedbackPhoto))]


def test_reencoding_drops_exif_and_gps_and_applies_the_orientation():
    encoded = photos.reencode(BytesIO(jpeg(orientation=6, gps=True)))
    image = Image.open(BytesIO(encoded.jpeg))
    assert image.format == "JPEG" and dict(image.getexif()) == {}
    assert b"Exif" not in encoded.jpeg[:2000]
    assert image.size == (200, 400) == (encoded.width, encoded.height)  # turned upright
    top = image.getpixel((100, 20))
    assert top[2] > 150 and top[0] < 100  # the blue half is now on top


def test_the_long_side_is_brought_down_to_1600_px():
    encoded = photos.reencode(BytesIO(jpeg(size=(4000, 3000))))
    assert (encoded.width, encoded.height) == (1600, 1200)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (png_header_only(20_000, 20_000), "too many pixels"),  # Pillow's own bomb error
        (b"%PDF-1.4\n" + b"0" * 2000, "not a photo we can read"),
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not a photo we can read"),  # a broken JPEG
    ],
)
def test_what_is_not_a_photo_is_refused_in_words(content, why):
    with pytest.raises(photos.PhotoError, match=why):
        photos.reencode(BytesIO(content))


def test_a_50_megapixel_bomb_is_refused_before_decoding():
    bomb = big_png(10_000, 5_000)
    assert len(bomb) < 200_000
    with pytest.raises(photos.PhotoError, match="too many pixels"):
        photos.reencode(BytesIO(bomb))


def test_the_size_limit_is_read_before_anything_is_decoded(monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    with pytest.raises(photos.PhotoError, match="larger than"):
        photos.reencode(BytesIO(jpeg(size=(800, 800))))


def test_a_report_with_photos_stores_them_outside_static(app, client, station, tmp_path):
    response = send(client, ("a.jpg", jpeg(gps=True)), ("b.jpg", jpeg(size=(3000, 1000))))
    assert response.status_code == 302
    stored = stored_photos(app)
    assert [(w, h) for _, w, h in stored] == [(400, 200), (1600, 533)]
    for name, *_ in stored:
        assert re.fullmatch(r"[-\w]{24}\.jpg", name)
        assert (tmp_path / "photos" / name).is_file()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("bomb.png", big_png(10_000, 5_000))], "bomb.png: This image has too many pixels"),
        ([("notes.pdf", b"%PDF-1.4 not a photo")], "notes.pdf: This file is not a photo"),
        ([(f"{n}.jpg", jpeg()) for n in range(4)], "At most 3 photos"),
    ],
)
def test_refused_photos_are_explained_beside_the_field(app, client, station, files, message):
    response = send(client, *files)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert 'id="photos-errors"' in html and message in html
    with app.app_context():
        assert db.session.scalar(select(Feedback)) is None
    assert stored_photos(app) == []


def test_operators_see_photos_at_once_and_the_public_after_approval(app, client, station):
    send(client, ("a.jpg", jpeg()))
    [(name, *_)] = stored_photos(app)
    with app.app_context():
        item = db.session.scalar(select(Feedback))
        follow_token, item_id = item.follow_token, item.id
        create_user("op", "long-password", "operator", ["PH-1"])
        create_user("boss", "long-password", "admin")
        db.session.commit()
    anonymous = app.test_client()
    assert status(anonymous, f"/photos/{name}") == 404
    assert status(anonymous, f"/photos/{name}?t=wrong") == 404
    with client.get(f"/photos/{name}?t={follow_token}") as mine:
        assert mine.status_code == 200 and mine.mimetype == "image/jpeg"
        assert "private" in mine.headers["Cache-Control"]
    assert f"/photos/{name}?t=" in client.get(f"/follow/{follow_token}").get_data(as_text=True)
    operator = app.test_client()
    sign_in(operator, "op")
    inbox = operator.get("/operator/feedback").get_data(as_text=True)
    assert f'src="/photos/{name}"' in inbox
    assert status(operator, f"/photos/{name}") == 200
    [request] = anonymous.get(f"/open311/v2/requests/{item_id}.json").get_json()
    assert request["media_url"] is None
    boss = app.test_client()
    sign_in(boss, "boss")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', boss.get("/operator/feedback").text)
    boss.post(
        f"/operator/feedback/{item_id}", data={"csrf_token": csrf.group(1), "action": "approve"}
    )
    assert status(anonymous, f"/photos/{name}") == 200
    [request] = anonymous.get(f"/open311/v2/requests/{item_id}.json").get_json()
    assert request["media_url"] == f"http://localhost/photos/{name}"


def test_the_form_asks_for_photos_from_camera_or_gallery(client, station):
    html = client.get("/stations/PH-1/feedback").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert re.search(
        r'<input accept="image/\*"[^>]* id="photos" multiple name="photos" type="file"', html
    )


def test_the_form_body_is_capped_before_csrf_reads_it(app, client, station):
    assert app.config["BODY_LIMITS"]["feedback.feedback"] >= photos.MOST * photos.MAX_BYTES
    app.config["BODY_LIMITS"] = {"feedback.feedback": 1024 * 1024}
    url = "/stations/PH-1/feedback"
    huge = FileStorage(BytesIO(b"\xff" * 2**21), filename="huge.jpg", content_type="image/jpeg")
    fields = {"csrf_token": token(client, url), "photos": huge}
    boundary, body = encode_multipart(MultiDict(fields))
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.post(url, data=body, content_type=content_type)  # in memory, no tempfile
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(Feedback)) is None


def test_an_approved_photo_joins_the_public_voices_with_its_partial(app, client, station):
    from flask import render_template_string

    from stationsite.feedback.services import public_feedback

    send(client, ("a.jpg", jpeg()), comment="")
    loop = "{% for item in comments %}{% include 'feedback/_public_photos.html' %}{% endfor %}"
    with app.test_request_context("/stations/PH-1"):
        station_id = db.session.scalar(select(Feedback.station_id))
        assert public_feedback(station_id) == []  # not approved yet
        photo = db.session.scalar(select(FeedbackPhoto))
        photo.approved = True
        db.session.flush()
        comments = public_feedback(station_id)
        html = render_template_string(loop, comments=comments)
        assert f'src="/photos/{photo.name}"' in html and "?t=" not in html
        db.session.rollback()
