from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password."))]
    )
    submit = SubmitField(_l("Sign in"))


class ProfileForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")],
    )
    timezone = SelectField(_l("Time zone"), validators=[Length(max=64)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(z for z in available_timezones() if "/" in z)
        self.timezone.choices = [SelectChoice(zone) for zone in zones]
