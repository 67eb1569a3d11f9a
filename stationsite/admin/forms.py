import math
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from .. import hours, labels


class Finite:
    """A number, not nan or infinity."""

    def __call__(self, form, field) -> None:
        if field.data is not None and not math.isfinite(field.data):
            raise StopValidation(_l("Enter a number."))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV, Excel (.xlsx) or GeoJSON file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(
                ["csv", "txt", "tsv", "xlsx", "xls", "json", "geojson", "osm", "xml"],
                _l("Only CSV, Excel (.xlsx) or GeoJSON files."),
            ),
        ],
    )


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])


class StationForm(FlaskForm):
    """Create or edit a station; the pin on the map fills lat and lon."""

    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, - and _ only.")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in labels.KIND.items()])
    name_zh = StringField(_l("Name (Chinese)"), validators=[InputRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=160)])
    address = StringField(_l("Address"), validators=[Length(max=255)])
    district = StringField(_l("District"), validators=[Length(max=64)])
    street = StringField(_l("Street (街道)"), validators=[Length(max=64)])
    # NumberRange lets nan through (every comparison with it is false): Finite does not
    lat = FloatField(
        _l("Latitude (WGS-84)"), validators=[InputRequired(), Finite(), NumberRange(3, 54)]
    )
    lon = FloatField(
        _l("Longitude (WGS-84)"), validators=[InputRequired(), Finite(), NumberRange(73, 136)]
    )
    operator_org = StringField(_l("Run by"), validators=[Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    opening_hours = StringField(_l("Opening hours (OSM syntax)"), validators=[Length(max=255)])
    status = SelectField(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in labels.STATUS.items()]
    )

    def validate_opening_hours(self, field):
        if field.data and not hours.is_valid(field.data):
            raise ValidationError(_l("These are not valid opening hours."))


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    display_name = StringField(_l("Name shown"), validators=[Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("operator", _l("Station operator")),
            SelectChoice("admin", _l("Union staff (admin)")),
        ],
    )
    stations = StringField(_l("Station codes, separated by commas"), validators=[Length(max=2000)])
    password = StringField(
        _l("New password (at least 8 characters; empty: unchanged)"),
        validators=[Optional(), Length(min=8, max=200)],
    )
    active = SelectField(
        _l("Account"), choices=[SelectChoice("1", _l("Active")), SelectChoice("0", _l("Disabled"))]
    )

    def codes(self) -> list[str]:
        return [c.strip() for c in re.split(r"[,，\s]+", self.stations.data or "") if c.strip()]


class FacilityForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(),
            Length(max=40),
            Regexp(r"^[a-z][a-z0-9_]*$", message=_l("Lower-case letters, digits and _ only.")),
        ],
    )
    name_zh = StringField(_l("Name (Chinese)"), validators=[InputRequired(), Length(max=60)])
    name_en = StringField(_l("Name (English)"), validators=[InputRequired(), Length(max=80)])
    icon = StringField(_l("Icon (one emoji)"), validators=[Length(max=16)])
    lendable = SelectField(
        _l("Lent out, with a stock?"),
        choices=[SelectChoice("0", _l("No")), SelectChoice("1", _l("Yes"))],
    )
    sort_order = IntegerField(
        _l("Order in lists"), default=500, validators=[Optional(), NumberRange(0, 100000)]
    )
