from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from .. import hours, labels
from ..reports.periods import today_in_china


def known_facility(form, field) -> None:
    """A hidden facility code that no catalogue entry has: a tampered or stale form."""
    from ..stations.services import known_facility_codes

    if field.data not in known_facility_codes():
        raise ValidationError(_l("Unknown facility."))


class FacilityStateForm(FlaskForm):
    facility = HiddenField(validators=[InputRequired(), known_facility])
    state = HiddenField(validators=[InputRequired()])


class FacilityDetailsForm(FlaskForm):
    facility = HiddenField(validators=[InputRequired(), known_facility])
    hours = StringField(_l("Own hours (empty: as the station)"), validators=[Length(max=255)])
    stock = IntegerField(_l("In stock"), validators=[Optional(), NumberRange(0, 10000)])
    note = StringField(_l("Note"), validators=[Length(max=255)])

    def validate_hours(self, field):
        if field.data and not hours.is_valid(field.data):
            raise ValidationError(
                _l("These are not valid opening hours, e.g. 24/7 or Mo-Su 07:00-19:00.")
            )


class AddFacilityForm(FlaskForm):
    facility = SelectField(_l("Add a facility"), choices=[], validators=[InputRequired()])


def _clock(label):
    """HH:MM typed on a number pad: the same on every phone, whatever its 12/24 h setting."""
    return TimeField(
        label,
        validators=[Optional()],
        widget=TextInput(),
        render_kw={
            "inputmode": "numeric",
            "placeholder": "08:00",
            "maxlength": 5,
            "pattern": "[0-2][0-9]:[0-5][0-9]",
            "autocomplete": "off",
        },
    )


class HolidayTimes(Form):
    opens = _clock(_l("Opens"))
    closes = _clock(_l("Closes"))

    def require_times(self) -> bool:
        """Both times given; otherwise says so beside the missing one."""
        missing = [
            field for field in (self.opens, self.closes) if field.data is None and not field.errors
        ]
        for field in missing:
            field.errors.append(_l("Enter a time, or tick closed or 24 h."))
        return not missing


class DayForm(HolidayTimes):
    closed = BooleanField(_l("Closed"))
    all_day = BooleanField(_l("24 h"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.closed.data or self.all_day.data:
            return valid
        return self.require_times() and valid


class HoursForm(FlaskForm):
    days = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    holidays = RadioField(
        _l("On public holidays"),
        choices=[
            SelectChoice("same", _l("As on that weekday")),
            SelectChoice("off", _l("Closed")),
            SelectChoice("custom", _l("Other times")),
        ],
        default="same",
    )
    holiday = FormField(HolidayTimes)
    raw = StringField(_l("Or type the hours in OpenStreetMap syntax"), validators=[Length(max=255)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.holidays.data == "custom":
            return self.holiday.form.require_times() and valid
        return valid

    def validate_raw_only(self) -> bool:
        """The advanced field alone (and the CSRF token), when that is what was submitted."""
        checks = [type(self).validate_raw, InputRequired(_l("Type the opening hours."))]
        token_ok = self.meta.csrf is False or self.csrf_token.validate(self)
        return self.raw.validate(self, extra_validators=checks) and token_ok

    def validate_raw(self, field):
        if field.data and not hours.is_valid(field.data):
            raise ValidationError(
                _l(
                    "These are not valid opening hours. Examples: "
                    "Mo-Su 07:00-19:00; PH off · 24/7 · Mo-Fr 08:00-18:00"
                )
            )


class ClosureForm(FlaskForm):
    reason = StringField(
        _l("Reason (shown to the public)"),
        validators=[InputRequired(_l("Please give a reason.")), Length(max=255)],
    )
    until = DateTimeLocalField(_l("Expected to reopen"), validators=[Optional()])

    def validate_until(self, field) -> None:
        # before the conversion to UTC, which year 1 (minus China's 8 hours) would overflow
        if field.data and field.data.year < 2000:
            raise ValidationError(_l("The reopening time must be in the future."))


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token: reopen, everything still correct."""


class TallyForm(FlaskForm):
    day = DateField(_l("Day"), default=today_in_china, validators=[InputRequired()])

    def counts(self) -> dict[str, int]:
        return {group: self[group].data or 0 for group in labels.VISITOR_GROUP}


for _group, _label in labels.VISITOR_GROUP.items():
    setattr(
        TallyForm,
        _group,
        IntegerField(_label, default=0, validators=[Optional(), NumberRange(0, 100000)]),
    )


class InboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    def valid(self, name: str) -> str | None:
        """A filter's value, or none when it was not one of the choices."""
        field = self[name]
        return None if field.errors or not field.data else field.data

    status = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("todo", _l("Needs action")),
            SelectChoice("all", _l("All messages")),
        ]
        + [SelectChoice(code, label) for code, label in labels.FEEDBACK_STATUS.items()],
        default="todo",
    )
    station = SelectField(_l("Station"), choices=[], default="")
    category = SelectField(
        _l("Kind of message"),
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(code, label) for code, label in labels.FEEDBACK_CATEGORY.items()],
        default="",
    )


class FeedbackActionForm(FlaskForm):
    action = HiddenField(validators=[InputRequired()])
    reply = StringField(_l("Reply (shown publicly)"), validators=[Length(max=500)])
