"""ORM facts: what the code asks SQLAlchemy to do, per request, job and row.

One house for every question the database rules (FD201–FD210) ask about
SQLAlchemy and Flask-SQLAlchemy, split by kind:

``models``       mapped classes: which name is a model, which object is the
                 ``db`` extension, which tables grow with use, which columns
                 select one parent's rows
``queries``      what a query is (:func:`~.queries.query_of`), what bounds it,
                 when it runs, what a loop over its rows loads lazily
``loops``        which loop runs a node once per item
``params``       which queries a helper runs with the item a loop hands it
``engines``      engines, pools, database dialects and the server's idle timeout
``assignments``  what a local name of a function was assigned
``mongo``        the same questions for MongoDB (pymongo, Flask-PyMongo, Motor,
                 mongoengine): which receiver is a collection, which call
                 reads one document or many, what bounds a read, which
                 collections grow, what a loop over documents walks

Facts about the database *inside background jobs* (app context, scoped
sessions) live in :mod:`flask_doctor.static.facts.jobs`.
"""
