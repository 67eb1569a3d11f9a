"""What the clerk sees before confirming an import: the counts, and the rows with problems
first (a national file is not one page). Kept as JSON beside the upload when a large file is
checked in the background, so the page can show it whenever the clerk comes back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .messages import Message, Row

SHOWN = 500


@dataclass
class PreviewRow:
    number: int
    code: str
    name: str
    original_hours: str
    opening_hours: str
    action: str  # "create", "update", "unchanged", or "" for a row with errors
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    facilities: list[str] = field(default_factory=list)  # catalogue codes the row will add


@dataclass
class Preview:
    filename: str
    rows: int
    create: int
    update: int
    bad: int
    shown: list[PreviewRow]
    unchanged: int = 0
    notes: list[Message] = field(default_factory=list)  # about the file as a whole

    @property
    def hidden(self) -> int:
        return self.rows - len(self.shown)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Preview:
        shown = [
            PreviewRow(**row | {key: _messages(row[key]) for key in ("errors", "warnings")})
            for row in data["shown"]
        ]
        return cls(**{**data, "shown": shown, "notes": _messages(data.get("notes", []))})


def summarize(rows: list[Row], plan: dict[str, str], filename: str, shown: int = SHOWN) -> Preview:
    ordered = sorted(rows, key=lambda row: (not row.errors, not row.warnings, row.number))
    actions = list(plan.values())
    return Preview(
        filename=filename,
        rows=len(rows),
        create=actions.count("create"),
        update=actions.count("update"),
        unchanged=actions.count("unchanged"),
        bad=sum(bool(row.errors) for row in rows),
        shown=[_row(row, plan) for row in ordered[:shown]],
        notes=list(getattr(rows, "notes", [])),
    )


def _row(row: Row, plan: dict[str, str]) -> PreviewRow:
    return PreviewRow(
        number=row.number,
        code=row.fields.get("code", "—"),
        name=row.fields.get("name_zh", ""),
        original_hours=row.original_hours,
        opening_hours=row.fields.get("opening_hours", ""),
        action="" if row.errors else plan.get(row.fields.get("code", ""), ""),
        errors=list(row.errors),
        warnings=list(row.warnings),
        facilities=list(row.facilities),
    )


def _messages(items: list) -> list[Message]:
    """Messages back from JSON, where each was {"text": …, "params": [[name, value], …]}."""
    return [Message(item["text"], tuple(tuple(pair) for pair in item["params"])) for item in items]
