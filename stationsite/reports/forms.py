"""The report's filter form: period (a preset or a key), district, kind, station, group."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from .. import labels
from .periods import FIRST_YEAR, LAST_YEAR, PeriodError, parse


def printable(_form, field) -> None:
    """NUL and other control characters never name a period, district or station."""
    if field.data and any(ord(char) < 32 or ord(char) == 127 for char in field.data):
        raise ValidationError(_l("Contains characters that are not allowed."))


class ReportForm(FlaskForm):
    """Read from the query string (GET), so no CSRF token: it changes nothing."""

    class Meta:
        csrf = False

    period = StringField(_l("Period"), validators=[Optional(), Length(max=40), printable])
    district = StringField(_l("District"), validators=[Optional(), Length(max=64), printable])
    kind = SelectField(_l("Station kind"), validators=[Optional()])
    station = StringField(_l("Station code"), validators=[Optional(), Length(max=32), printable])
    group = SelectField(_l("Visitor group"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("All kinds")), *list(labels.KIND.items())]
        self.group.choices = [("", _l("All visitor groups")), *list(labels.VISITOR_GROUP.items())]

    def validate_period(self, field) -> None:
        try:
            parse(field.data.strip() or "last-month")
        except PeriodError as error:
            raise ValidationError(_why(error)) from None


def _why(error: PeriodError):
    """What is wrong with a period, in the reader's words."""
    if error.reason == "order":
        return _l("The period ends before it starts: put the earlier date first.")
    if error.reason == "range":
        return _l(
            "Periods must lie between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
    if error.reason == "span":
        return _l("A custom period may span at most three years.")
    return _l("Not a period. Use e.g. 2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-15.")
