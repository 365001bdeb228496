"""The project model: what the code *is*, so rules can ask what it *does*.

Built once from every parsed module, it knows the Flask apps and factories,
blueprints, routes, request hooks and error handlers, background jobs, CLI
commands, configuration classes and settings, SQLAlchemy models and engines,
the import graph and a call graph.  From the call graph it derives the
contexts each function runs in (``request``, ``job``, ``cli``, ``main``,
``factory``, ``test``), so that "``time.sleep`` inside a request" also holds
when the sleep sits in a helper that a view calls three levels down.

The package splits that work by job: ``records`` (the vocabulary and the
records), ``project`` (:class:`Project` and its queries), ``builder`` (the
pass over each module), ``config_classes`` and ``models`` (collectors run
after the pass), ``contexts`` (propagation along the call graph) and
``environments`` (guessing production/development/testing from names),
``dispatch`` and ``plugins`` (the calls a plain call graph misses: plugin
interfaces, registries, callbacks, overrides, decorators, threads),
``signals`` (receivers), ``connexion`` (the views an OpenAPI file names),
``registrations`` (handlers a project decorator files for its own router) and
``injection`` (the objects an app factory is handed, typed by its callers).
Everything is re-exported here, so ``from flask_doctor.static.model import
Project`` is the one import rules and facts use.
"""

from __future__ import annotations

from flask_doctor.static.model.builder import ModuleTooDeep, build_project
from flask_doctor.static.model.environments import classify_env, env_of_test, test_words
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import (
    BLUEPRINT_TYPES,
    CELERY_TASK_TYPES,
    CELERY_TYPES,
    CLI,
    ERROR_DECORATORS,
    FACTORY,
    FLASK_TYPES,
    HOOK_DECORATORS,
    HTTP_METHOD_NAMES,
    IMPORT,
    JOB,
    MAIN,
    REQUEST,
    ROUTE_DECORATORS,
    SHRINKING_METHODS,
    SOCKET_DECORATORS,
    SQLALCHEMY_TYPES,
    TEST,
    VIEW_BASES,
    CallSite,
    ClassInfo,
    ConfigSetting,
    FunctionInfo,
    ModelInfo,
    ObjectInfo,
    PendingRole,
    RelationshipInfo,
    RouteInfo,
)

_env_of_test = env_of_test  # the name facts.config imports

__all__ = [
    "BLUEPRINT_TYPES",
    "CELERY_TASK_TYPES",
    "CELERY_TYPES",
    "CLI",
    "ERROR_DECORATORS",
    "FACTORY",
    "FLASK_TYPES",
    "HOOK_DECORATORS",
    "HTTP_METHOD_NAMES",
    "IMPORT",
    "JOB",
    "MAIN",
    "REQUEST",
    "ROUTE_DECORATORS",
    "SHRINKING_METHODS",
    "SOCKET_DECORATORS",
    "SQLALCHEMY_TYPES",
    "TEST",
    "VIEW_BASES",
    "CallSite",
    "ClassInfo",
    "ConfigSetting",
    "FunctionInfo",
    "ModelInfo",
    "ObjectInfo",
    "PendingRole",
    "Project",
    "RelationshipInfo",
    "RouteInfo",
    "_env_of_test",
    "ModuleTooDeep",
    "build_project",
    "classify_env",
    "env_of_test",
    "test_words",
]
