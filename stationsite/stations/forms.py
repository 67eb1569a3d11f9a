from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    RadioField,
    SearchField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from .. import labels


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


class LocatorForm(FlaskForm):
    """Where the rider is and what they need; a GET form, so a result can be shared."""

    class Meta:
        csrf = False

    q = SearchField(_l("Place"), validators=[Optional(), Length(max=80)])
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)], widget=widgets.HiddenInput())
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)], widget=widgets.HiddenInput())
    near = StringField(validators=[Optional(), Length(max=80)], widget=widgets.HiddenInput())
    kind = RadioField(
        _l("Kind"),
        choices=_choices([("", _l("All stations")), *labels.KIND_SHORT.items()]),
        default="",
    )
    open = RadioField(
        _l("Open"),
        choices=_choices(
            [
                ("", _l("Any time")),
                ("now", _l("Open now")),
                ("arrival", _l("Open when I get there")),
            ]
        ),
        default="",
    )
    h24 = BooleanField(_l("24 hours"))
    mode = RadioField(
        _l("I travel"),
        choices=_choices([("ebike", _l("By e-bike")), ("walk", _l("On foot"))]),
        default="ebike",
    )
    facility = MultiCheckboxField(_l("Has, and working"), choices=[])

    def set_facility_choices(self, facilities, lang: str) -> None:
        self.facility.choices = [SelectChoice(f.code, f.name(lang)) for f in facilities]

    def valid(self, field):
        """A field's data, or its default when the rider sent something invalid."""
        return field.default if field.errors else field.data

    @property
    def origin(self) -> tuple[float, float] | None:
        if self.lat.errors or self.lon.errors or self.lat.data is None or self.lon.data is None:
            return None
        return self.lat.data, self.lon.data
