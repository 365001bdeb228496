"""Forms: Flask-WTF checks the CSRF token of every POST (S20)."""

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=120), Regexp(r"^[^@\s]+@[^@\s]+$")])
    password = PasswordField("Password", validators=[DataRequired()])


class AppointmentForm(FlaskForm):
    patient_id = IntegerField("Patient", validators=[DataRequired()])
    starts_at = DateTimeLocalField("When", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    reason = StringField("Reason", validators=[Length(max=200)])


class PatientForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    email = StringField("Email", validators=[DataRequired(), Length(max=120), Regexp(r"^[^@\s]+@[^@\s]+$")])
    doctor_id = IntegerField("Doctor", validators=[DataRequired()])
