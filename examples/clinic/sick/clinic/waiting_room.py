from flask import Blueprint, render_template_string, request
from flask_login import login_required
from flask_socketio import join_room

from clinic import socketio

bp = Blueprint("waiting_room", __name__)

SCREEN = """<!doctype html><title>Waiting room</title><h1>Waiting room</h1>
<p>This screen listens on the Socket.IO event <code>next_patient</code> in the room <code>waiting-room</code>.</p>"""


@bp.route("/waiting-room")
def screen():
    return render_template_string(SCREEN)


@bp.route("/waiting-room/call", methods=["POST"])
@login_required
def call_next():
    ticket = request.form["ticket"]
    socketio.emit("next_patient", {"message": f"Ticket {ticket}"}, to="waiting-room")
    return {"called": ticket}


@socketio.on("connect")
def on_connect(auth=None):
    join_room("waiting-room")
