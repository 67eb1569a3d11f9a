"""Messages about a file or a row: English text with parameters, translated where shown."""

from __future__ import annotations

from dataclasses import dataclass, field

# How messages name a file's columns (the admin page shows them in the reader's language)
COLUMN_WORDS = {
    "code": "code",
    "name_zh": "name",
    "name_en": "English name",
    "kind": "kind",
    "address": "address",
    "district": "district",
    "street": "street",
    "lat": "latitude",
    "lon": "longitude",
    "opening_hours": "opening hours",
    "phone": "phone",
    "operator_org": "operator",
    "facilities": "facilities",
    "coord": "coordinate system",
}


@dataclass(frozen=True)
class Message:
    """English here and in the CLI; the admin page translates `text` and fills `params`.
    A `column` parameter holds a field's key and is shown as the column's name."""

    text: str
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        params = dict(self.params)
        if "column" in params:
            params["column"] = COLUMN_WORDS.get(str(params["column"]), params["column"])
        return self.text % params if params else self.text


def _n(text: str, **params) -> Message:
    """A message; `pybabel extract -k _n` collects its text for translation."""
    return Message(text, tuple(params.items()))


class ImportRefused(ValueError):
    """The whole file cannot be read: one message says why, and no row is imported."""

    def __init__(self, refusal: Message) -> None:
        self.message = refusal
        super().__init__(str(refusal))


@dataclass
class Row:
    number: int  # as people count rows: the first data row under a header is 2
    fields: dict = field(default_factory=dict)
    facilities: list[str] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    original_hours: str = ""  # the hours as the file wrote them
    unnamed: bool = False  # an OSM feature without a name: one may be made from a place
