from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice

from .. import labels


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StationFilterForm(FlaskForm):
    """The map's filters; a GET form, so the query lives in the URL and can be shared."""

    class Meta:
        csrf = False

    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All stations"))]
        + [SelectChoice(code, label) for code, label in labels.KIND_SHORT.items()],
        default="",
        validate_choice=True,
    )
    facility = MultiCheckboxField(_l("Has, and working"), choices=[])
    open_now = BooleanField(_l("Open now"))

    def set_facility_choices(self, facilities, lang: str) -> None:
        self.facility.choices = [SelectChoice(f.code, f.name(lang)) for f in facilities]
