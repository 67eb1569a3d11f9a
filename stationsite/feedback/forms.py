import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .. import labels
from . import photos as photo_files
from .services import Submission

CONTACT = re.compile(
    r"^(1\d{10}|0\d{2,3}-?\d{7,8}|[a-zA-Z][-_a-zA-Z0-9]{5,19})$"  # mobile, landline or WeChat ID
)
NEEDS_FACILITY = ("facility_fault", "missing_facility")


def _choices(mapping):
    return [SelectChoice(code, label) for code, label in mapping.items()]


class VisitorGroupMixin:
    visitor_group = RadioField(
        _l("I am a"),
        choices=_choices(labels.VISITOR_GROUP),
        validators=[InputRequired(_l("Please choose who you are."))],
    )


class FeedbackForm(VisitorGroupMixin, FlaskForm):
    rating = RadioField(
        _l("Rating"),
        choices=[SelectChoice(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=lambda value: int(value) if value not in (None, "") else None,
        validators=[Optional()],
    )
    category = RadioField(
        _l("What is it about?"),
        choices=_choices(labels.FEEDBACK_CATEGORY),
        validators=[InputRequired(_l("Please choose what it is about."))],
    )
    facility = SelectField(_l("Which facility?"), choices=[], default="", validate_choice=True)
    comment = TextAreaField(
        _l("Comment"), validators=[Length(max=500, message=_l("At most 500 characters."))]
    )
    contact = StringField(
        _l("Phone or WeChat ID (optional, only the operator sees it)"),
        validators=[Optional(), Length(max=40)],
    )
    photos = MultipleFileField(
        _l("Photos (optional, up to 3)"),
        render_kw={"accept": "image/*"},  # the phone offers its camera and its gallery
    )
    website = StringField()  # a honeypot: hidden from people, filled in by bots
    encoded_photos: tuple = ()  # re-encoded by validate_photos

    def set_facilities(self, facilities, lang: str) -> None:
        self.facility.choices = [SelectChoice("", "—")] + [
            SelectChoice(f.code, f.name(lang)) for f in facilities
        ]

    def validate_facility(self, field) -> None:
        if self.category.data in NEEDS_FACILITY and not field.data:
            raise ValidationError(_l("Please choose the facility."))

    def validate_comment(self, field) -> None:
        if self.category.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Please tell us a little more."))

    def validate_photos(self, field) -> None:
        files = [f for f in field.data or [] if getattr(f, "filename", "")]
        if len(files) > photo_files.MOST:
            raise ValidationError(_l("At most 3 photos, please."))
        encoded = []
        for upload in files:
            try:
                encoded.append(photo_files.reencode(upload.stream))
            except photo_files.PhotoError as error:
                raise ValidationError(f"{upload.filename}: {error}") from error
        self.encoded_photos = encoded

    def validate_contact(self, field) -> None:
        if field.data and not CONTACT.match(field.data.strip()):
            raise ValidationError(_l("Enter a mobile number, a landline or a WeChat ID."))

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)

    def submission(self) -> Submission:
        return Submission(
            visitor_group=self.visitor_group.data,
            category=self.category.data,
            rating=self.rating.data,
            facility=self.facility.data or None,
            comment=self.comment.data or "",
            contact=self.contact.data or "",
        )


class QuickRatingForm(VisitorGroupMixin, FlaskForm):
    """Three taps from the station page: who you are, then a star."""

    rating = RadioField(
        _l("Rating"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        coerce=lambda value: int(value) if value not in (None, "") else None,
        validators=[InputRequired(_l("Please choose a rating."))],
    )


class CheckinForm(VisitorGroupMixin, FlaskForm):
    """The API's check-in: the client says who checks in."""


class QRCheckinForm(FlaskForm):
    """The QR page: one tap; who you are is asked after the first check-in, once."""

    visitor_group = RadioField(
        _l("I am a"), choices=_choices(labels.VISITOR_GROUP), validators=[Optional()]
    )


class GroupForm(VisitorGroupMixin, FlaskForm):
    """Asked once, after a first check-in made without it."""


class VoteForm(FlaskForm):
    """ "Me too", "works again", "still broken": one tap, only the CSRF token."""
