"""Every visible string exists in Chinese; the catalogue follows the source."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "stationsite/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_translated_to_chinese():
    catalog = load(PO)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_catalogue_holds_every_message_in_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "_n",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    source = {m.id for m in load(pot) if m.id}
    translated = {m.id for m in load(PO) if m.id}
    assert sorted(source - translated) == [], "run `make extract-messages` and translate"
