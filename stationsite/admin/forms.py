from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import InputRequired


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or GeoJSON file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "txt", "json", "geojson"], _l("Only CSV or GeoJSON files.")),
        ],
    )


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])
