"""Bytes to text for the encodings people's files come in: UTF-8 (with or without a BOM),
UTF-16 from Excel's "Unicode text", GBK/GB18030 from Chinese Excel and WPS, Big5."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from .messages import ImportRefused, _n

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CHINESE = ["gb18030", "big5"]
SAMPLE = 200_000  # bytes the encoding is detected from
BINARY = _n("The file contains binary data. Upload a CSV, Excel (.xlsx) or GeoJSON file.")
UNREADABLE = _n(
    "The file's characters cannot be read. Save it as UTF-8 (or GBK) CSV and try again."
)


def decode(data: bytes) -> str:
    try:
        return _strip_bom(data.decode(encoding(data)))
    except (UnicodeDecodeError, LookupError):
        raise ImportRefused(UNREADABLE) from None


def encoding(data: bytes) -> str:
    """The encoding of `data`; a file that fits none of them is refused, never guessed."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    if sample.count(0) > len(sample) // 8:
        return _utf16_without_bom(sample)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if sample.count(0):
        raise ImportRefused(BINARY)
    best = from_bytes(_whole_lines(data[:SAMPLE]), cp_isolation=CHINESE).best()
    if best is None:
        raise ImportRefused(UNREADABLE)
    return best.encoding


def _whole_lines(sample: bytes) -> bytes:
    """The sample up to its last line end: cut inside a two-byte character, charset_normalizer
    finds no encoding at all and a large GBK file was refused. No byte of a GBK, GB18030 or
    Big5 character is a CR or LF, so a line end is always between characters."""
    cut = max(sample.rfind(b"\n"), sample.rfind(b"\r"))
    return sample[: cut + 1] if cut > 0 else sample


def _utf16_without_bom(sample: bytes) -> str:
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 8 and odd > even:
        return "utf-16-le"
    if even > len(sample) // 8:
        return "utf-16-be"
    raise ImportRefused(BINARY)


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text
