from clinic import db


class Doctor(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    patients = db.relationship("Patient", back_populates="doctor", lazy="selectin")


class Patient(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    email = db.Column(db.String(120), unique=True)
    created_at = db.Column(db.DateTime, server_default=db.func.now())
    doctor_id = db.Column(db.Integer, db.ForeignKey("doctor.id"))
    doctor = db.relationship("Doctor", back_populates="patients", lazy="joined")
