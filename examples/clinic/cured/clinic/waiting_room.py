"""The live waiting-room screen: Socket.IO through a Redis message queue, so any worker can announce (S08)."""

from flask import Blueprint, render_template_string
from flask_login import login_required
from flask_socketio import join_room
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from clinic.extensions import socketio

bp = Blueprint("waiting_room", __name__)

SCREEN = """<!doctype html><title>Waiting room</title><h1>Waiting room</h1>
<p>This screen listens on the Socket.IO event <code>next_patient</code> in the room <code>waiting-room</code>.</p>"""
CALL = """<!doctype html><form method="post">{{ form.csrf_token }}<input name="ticket"><button>Call</button></form>"""


class CallForm(FlaskForm):
    ticket = StringField("Ticket", validators=[DataRequired(), Length(max=20)])


@bp.route("/waiting-room")
def screen():
    return render_template_string(SCREEN)


@bp.route("/waiting-room/call", methods=["GET", "POST"])
@login_required
def call_next():
    form = CallForm()
    if form.validate_on_submit():
        socketio.emit("next_patient", {"message": f"Ticket {form.ticket.data}"}, to="waiting-room")
        return {"called": form.ticket.data}
    return render_template_string(CALL, form=form)


@socketio.on("connect")
def on_connect(auth=None):
    join_room("waiting-room")
