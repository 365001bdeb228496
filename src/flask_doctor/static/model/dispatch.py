"""Calls the plain call graph cannot see: plugins, callbacks, overridden methods, decorators.

``Project.resolve_function`` follows a call to the function it names.  Real
projects reach much of their request and job code another way, and a rule
that says "not reached from a request" about such code is wrong (the issue's
sample: 6 of 9 such claims).  This module adds the edges that the way a
project is built makes certain enough to act on:

* **instances**: ``Converter()`` runs ``Converter.__init__`` (and makes a
  callable object when the class defines ``__call__``); ``Converter().rates()``
  and ``self.helper.rates()`` (``helper = Converter()`` in the class) call the
  class's method; so does ``plugins.get()`` on an imported project instance.
* **alternative types**: a name assigned instances of several project
  classes in one scope (``if proxy: auth = ProxyHeaderAuth() else: auth =
  SimpleAuth()``, or ``auth = ProxyHeaderAuth() if proxy else SimpleAuth()``,
  module level or local) may hold either: ``auth.login()`` reaches the method
  of each, not only of the class assigned last; so does ``self.auth.login()``
  when the class's methods assign ``self.auth`` several classes
  (``Project.alternatives``).
* **overrides**: ``self._process()`` in a base class runs the override of the
  subclass the request built (Indico's ``RH.process`` -> ``RHFoo._process``),
  not that of a subclass replacing the calling method itself (its instances
  never run it) unless the replacement hands the call up (``super().process()``).
* **plugin interfaces**: ``issuer.create_certificate(...)`` on a receiver whose
  class the code does not show reaches the implementations of an *abstract*
  method of that name (``raise NotImplementedError``, ``@abstractmethod``,
  an empty body): the plugin classes of Lemur, Amundsen's preview clients,
  calibre-web's metadata providers.  When unrelated hierarchies declare the
  name (``to_dict`` of datasets, schemas, trace locations), only the one whose
  root class the receiver's name spells, else none: a shared method name
  alone says nothing about the object.  A method that one class hierarchy
  alone defines and overrides (``recruiter.notify_duration_exceeded()``,
  ``handler.do(...)``) reaches the base and every override; a name that
  unrelated hierarchies share reaches none of them, unless the receiver's
  name spells one of them.  A method handing the call on under its own name
  (a facade's ``backend.locate(path)`` inside its ``locate``) reaches the
  one family the other classes form when the receiver's name spells that
  family's root (``backend`` -> ``Backend``), and nothing otherwise.  A
  one-word name that library objects define as well (``LIBRARY_VERBS``:
  ``match.group(1)``, ``form.validate()``, ``query.offset(n)``) reaches even
  the one hierarchy defining it only when the receiver's name spells its
  root, and no plugin module's function.  A
  compound method name (``generate_ticket_pdf``)
  that one project class alone defines is that class's method.  When functions
  of plugin modules share the name (``engine.search(...)`` on an engine module),
  the receiver may be such a module: a class hierarchy is reached only when the
  receiver's name spells its root.
* **registries**: a list/tuple/dict/set literal of project functions, classes
  or modules is a plugin registry; code that reads it reaches its members,
  and modules named in one (``{"nsone": nsone, ...}``) or loaded dynamically
  from a plugin folder are plugin modules whose functions unknown receivers
  reach (``provider.create_txt_record(...)``, ``engine.request(...)``).
* **registering decorators** (``model.registrations``): the functions a
  project decorator files in a table (``ROUTES.append((pattern, fn))``) or
  marks (``fn.path_pattern = ...``) run where a request or job that reads the
  table, or collects the marked functions, runs.
* **callbacks**: a function referenced without being called
  (``executor.submit(fetch, ...)``, ``Thread(target=self._poll)``,
  ``self.on_done = notify``) runs where the code that references it runs;
  references handed to a job queue (``enqueue``, ``delay``) do not.
* **decorators**: a function decorated with a project decorator runs the
  decorator's wrapper.
* **properties**: reading ``acct.effective_apr`` runs the ``@property``
  (``cached_property``, ``hybrid_property``) of the receiver's class, or,
  when the code does not type the receiver, of the one project class that
  defines that compound name while no other class stores an attribute of
  that name.
* **classes loaded by name**: ``klass = getattr(__import__(path), name)``
  then ``klass(...)`` builds any class of the plugin modules (including
  one-module plugin packages, ``tts/marytts/marytts.py``), and methods
  called on what such a function returns reach those classes' methods.
  When the loader's name comes from its parameters, the call that passes
  the name chooses (``model.pins``): ``load("neurons", "install")`` builds
  the ``install`` neuron alone, ``load("tts", configured)`` any TTS class.
  Which plugin runs is configuration when the code does not name it: these
  edges are recorded in ``Project.loaded_by_name`` so that rules can say so.

Every edge over-approximates in the direction the rules need: a function is
reached *at least* where it really is.  Receivers of external types
(``requests.Session``, a ``re`` pattern) never dispatch into the project, and
names that builtin containers, strings and files also define never dispatch
from an unknown receiver.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.static.model.pins import LoaderPins, matching
from flask_doctor.static.model.plugins import (
    DYNAMIC_IMPORTS,
    LITERALS,
    MAX_FAMILY,
    DispatchIndex,
    Members,
    build_index,
    descendants,
    literal_members,
    qualify_in,
)
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo, ObjectInfo
from flask_doctor.static.model.registrations import Registrations
from flask_doctor.static.model.signals import SENDERS, project_receivers, signal_key
from flask_doctor.static.model.stevedore import LoadedPlugins
from flask_doctor.static.names import dotted

#: Methods of builtin containers, strings, bytes and files, and the most common
#: library verbs: an unknown receiver calling one of them is far more often a
#: dict, a file or a library object than a project plugin.
GENERIC_METHODS = frozenset(
    {
        "get",
        "items",
        "keys",
        "values",
        "pop",
        "popitem",
        "update",
        "setdefault",
        "append",
        "extend",
        "insert",
        "remove",
        "clear",
        "copy",
        "add",
        "discard",
        "index",
        "count",
        "sort",
        "reverse",
        "format",
        "join",
        "split",
        "rsplit",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "encode",
        "decode",
        "lower",
        "upper",
        "startswith",
        "endswith",
        "find",
        "read",
        "write",
        "close",
        "flush",
        "seek",
        "tell",
        "readline",
        "readlines",
        "open",
        "run",
        "start",
        "stop",
        "save",
        "delete",
        "commit",
        "rollback",
        "execute",
        "query",
        "filter",
        "all",
        "first",
        "one",
        "load",
        "loads",
        "dump",
        "dumps",
        "render",
        "json",
        "info",
        "debug",
        "warning",
        "error",
        "exception",
        "log",
        "set",
        "wait",
        "put",
        "post",
        "patch",
        "head",
        "options",
        "__init__",
        "__call__",
        "__enter__",
        "__exit__",
    }
)
#: One-word methods that objects of the standard library and of the libraries Flask code handles everywhere
#: also define: a regex match (``m.group(1)``), a string (``name.title()``), a SQLAlchemy query or session
#: (``q.offset(n)``, ``db.session.connection()``, a column's ``label``), a lock (``sem.acquire()``), a WTForms form
#: (``form.validate()``), Flask-Principal's permission (``perm.test()``), a plugin manager (``pm.register(p)``).
#: Called on a receiver the code does not type, such a name says nothing about a project class: it reaches a
#: project hierarchy defining it only when the receiver's name spells that hierarchy's root
#: (``validator.validate()`` -> ``BaseValidator``), and never a plugin module's function of that name.
LIBRARY_VERBS = frozenset(
    {
        # re.Match / re.Pattern
        "group",
        "groups",
        "groupdict",
        "span",
        "match",
        "fullmatch",
        "findall",
        "finditer",
        "subn",
        # str
        "title",
        "capitalize",
        "casefold",
        "zfill",
        "swapcase",
        "partition",
        "rpartition",
        "splitlines",
        "isdigit",
        "isalpha",
        "isalnum",
        "center",
        "ljust",
        "rjust",
        # SQLAlchemy queries, sessions and columns
        "offset",
        "limit",
        "order_by",
        "group_by",
        "filter_by",
        "join",
        "outerjoin",
        "distinct",
        "having",
        "subquery",
        "scalar",
        "scalars",
        "paginate",
        "with_entities",
        "options",
        "connection",
        "merge",
        "refresh",
        "expunge",
        "add_all",
        "begin",
        "label",
        # threading
        "acquire",
        "release",
        "locked",
        "is_set",
        "notify_all",
        # forms, permissions, plugin managers, parsers
        "validate",
        "validate_on_submit",
        "populate_obj",
        "test",
        "register",
        "parse",
        "version",
    }
)
#: Calls that hand a function to a job queue: it runs in a worker, not here.
ENQUEUE_METHODS = frozenset(
    {
        "delay",
        "apply_async",
        "enqueue",
        "enqueue_call",
        "enqueue_at",
        "enqueue_in",
        "send_task",
        "add_job",
        "schedule",
        "s",
        "si",
        "signature",
        "add_periodic_task",
        "scheduled_job",
    }
)


def dispatch_edges(project: Project) -> dict[str, list[tuple[FunctionInfo, bool]]]:
    """Extra callees per function (by qualname), beyond what ``resolve_function`` finds.

    Each callee comes with ``background``: True when it runs on a thread the
    caller starts (``Thread(target=f)``), so a request does not wait for it.
    """
    edges = DispatchEdges(project)
    found = {fn.qualname: edges.of(fn) for fn in project.functions.values()}
    return {qualname: callees for qualname, callees in found.items() if callees}


class LoaderParams:
    """For each function, the parameters that spell the name of the class it loads and builds; None when it
    builds no class loaded by name, or its name does not come from its parameters (each worked out once).

    An object of its own rather than a method of :class:`DispatchEdges`: :class:`LoaderPins` holds it, and a
    bound method would close a cycle (edges, pins, edges) that keeps every edge, call site and walked body
    alive until the run ends, the collector being paused (``static.engine.run_check``).
    """

    __slots__ = ("project", "index", "_answers")

    def __init__(self, project: Project, index: DispatchIndex) -> None:
        self.project = project
        self.index = index
        self._answers: dict[str, frozenset[str] | None] = {}

    def __call__(self, fn: FunctionInfo) -> frozenset[str] | None:
        answers = self._answers
        if fn.qualname not in answers:
            walker = _FunctionWalker(self.project, self.index, fn)
            answers[fn.qualname] = walker.name_parameters() if walker.loaded_by_name() else None
        return answers[fn.qualname]


class DispatchEdges:
    """:func:`dispatch_edges` one function at a time, each worked out when first asked.

    Context propagation asks only about the functions it reaches (about half
    of a project's functions: the rest are never called from a view, job or
    command), so the others cost nothing.  A function's edges, and what they
    add to ``Project.loaded_by_name``, do not depend on which was asked first.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.index = build_index(project)
        self.sites: dict[str, list[ast.Call]] = {}
        for site in project.calls:
            if site.function is not None:
                self.sites.setdefault(site.function.qualname, []).append(site.node)
        self._edges: dict[str, list[tuple[FunctionInfo, bool]]] = {}
        self.loader_params = LoaderParams(project, self.index)
        self.pins = LoaderPins(project, self.index, self.loader_params)
        self.loaded = LoadedPlugins(project)
        self._receivers: dict[str, list[FunctionInfo]] | None = None
        self._registrations: Registrations | None = None

    def registered(self, fn: FunctionInfo) -> list[FunctionInfo]:
        """The handlers of the project registries ``fn`` consults (``model.registrations``): they run where a
        request or job that reaches ``fn`` runs, never at start-up when the registry is filled."""
        if self._registrations is None:
            self._registrations = Registrations(self.project, self.index.bodies)
        if not self._registrations:
            return []
        return self._registrations.members_reached(fn)

    def receivers(self) -> dict[str, list[FunctionInfo]]:
        """The project's signal receivers (``model.signals``), found when a function first sends a signal."""
        if self._receivers is None:
            self._receivers = project_receivers(self.project)
        return self._receivers

    def of(self, fn: FunctionInfo) -> list[tuple[FunctionInfo, bool]]:
        """The extra callees of the project function named like ``fn``."""
        edges = self._edges.get(fn.qualname)
        if edges is None:
            known = self.project.functions.get(fn.qualname)
            edges = self._edges[fn.qualname] = self._compute(known) if known is not None else []
        return edges

    def _compute(self, fn: FunctionInfo) -> list[tuple[FunctionInfo, bool]]:
        project, index = self.project, self.index
        found: dict[str, tuple[FunctionInfo, bool]] = {}
        walker = _FunctionWalker(project, index, fn, self.pins, self.loaded)
        dispatched: list[tuple[ast.Call, FunctionInfo]] = []
        for call in self.sites.get(fn.qualname, ()):
            for callee in walker.call_targets(call):
                found.setdefault(callee.qualname, (callee, _thread_run(project, callee)))
                project.edge_sites.setdefault((fn.qualname, callee.qualname), call)
                dispatched.append((call, callee))
        for callee, background in walker.references():
            if background or callee.qualname not in found:
                found[callee.qualname] = (callee, background)
        for callee in walker.property_reads():
            found.setdefault(callee.qualname, (callee, False))
        for call in self.sites.get(fn.qualname, ()):
            for callee in walker.methods_named_by(call):
                found.setdefault(callee.qualname, (callee, False))
            func = call.func
            if func.__class__ is ast.Attribute and func.attr in SENDERS:  # type: ignore[attr-defined]
                for callee in self._signal_receivers(fn, func.value):  # type: ignore[attr-defined]
                    found.setdefault(callee.qualname, (callee, False))
        lifted = self.pins.pins(fn) is not None and self.loader_params(fn) is not None
        for callee in [] if lifted else walker.loaded_by_name():  # a lifted loader's callers choose
            found.setdefault(callee.qualname, (callee, _thread_run(project, callee)))
            project.loaded_by_name.add((fn.qualname, callee.qualname))
        for callee, configured in self._chosen_plugins(walker, fn, dispatched):
            found.setdefault(callee.qualname, (callee, _thread_run(project, callee)))
            if configured:
                project.loaded_by_name.add((fn.qualname, callee.qualname))
        project.loaded_by_name.update((fn.qualname, callee) for callee in walker.by_name_targets)
        if fn.qualname not in project.enqueued:  # an enqueued function's wrapper runs where its caller runs
            for callee in _decorator_wrappers(project, index, fn):
                found.setdefault(callee.qualname, (callee, False))
        found.pop(fn.qualname, None)
        return list(found.values())

    def _signal_receivers(self, fn: FunctionInfo, signal: ast.expr) -> list[FunctionInfo]:
        """The receivers ``signal.send(...)`` in ``fn`` runs: those connected to the same project signal."""
        receivers = self.receivers()
        if not receivers:
            return []
        key = signal_key(self.project, signal, fn, fn.module, fn.imports)
        if key is None or key.split(".", 1)[0] not in self.index.packages:
            # a library's signal (``mongoengine.signals.post_save``) the project sends by hand: its receivers
            # are most often connected for other senders (``sender=User``) the send does not name
            return []
        return receivers.get(key, [])

    def _chosen_plugins(
        self, walker: _FunctionWalker, fn: FunctionInfo, dispatched: list[tuple[ast.Call, FunctionInfo]]
    ) -> list[tuple[FunctionInfo, bool]]:
        """What ``fn``'s calls to lifted loaders build (``model.pins``), each with "configuration chooses".

        Calls the call graph resolves, and calls dispatch resolves (an override, a plugin interface):
        a lifted loader or forwarder builds plugins wherever it is called from."""
        if not self.index.plugin_classes:
            return []
        calls = [(call, self.project.resolve_function(name, fn, fn.module)) for name, call in fn.calls]
        found: list[tuple[FunctionInfo, bool]] = []
        for call, callee in calls + dispatched:
            choice = self.pins.choice(fn, call, callee) if callee is not None else None
            if choice is None:
                continue
            for cls in matching(self.index.plugin_classes, self.project, choice.constants):
                found += [(f, choice.unknown) for f in walker.instantiation(cls)]
        return found


# ------------------------------------------------------------ per function
#: How many module-level objects :meth:`_object_receiver` follows (``a = lib.A(); b = a.b(); c = b.c()``).
_MAX_OBJECT_DEPTH = 4
#: Werkzeug's proxy class: ``LocalProxy(lambda: current_app.repository)`` stands for what the function returns.
LOCAL_PROXIES = frozenset({"werkzeug.local.LocalProxy", "werkzeug.LocalProxy"})
#: The application of the current request, as imported.
CURRENT_APP = frozenset({"flask.current_app", "flask.globals.current_app"})
_DYNAMIC_PREFIXES = tuple(f"{loader}." for loader in sorted(DYNAMIC_IMPORTS))
_UNKNOWN = "unknown"
_EXTERNAL = "external"
_PROJECT_RETURN = "project-return"
_KNOWN = "known"
_MODULE = "module"


@dataclass(eq=False)
class _Receiver:
    """What a method is called on, as far as the code shows it."""

    kind: str  # known | registry | project-return | unknown | external | module
    classes: set[str] = field(default_factory=set)
    members: Members | None = None
    #: the classes are declared, not built here: a subclass's override may run (``-> Issuer``)
    subclasses: bool = False
    #: an instance of a class loaded by a computed name: any plugin class, chosen by configuration
    by_name: bool = False


class _FunctionWalker:
    """Answers "what does this call or reference reach?" inside one function."""

    def __init__(
        self,
        project: Project,
        index: DispatchIndex,
        fn: FunctionInfo,
        pins: LoaderPins | None = None,
        loaded: LoadedPlugins | None = None,
    ) -> None:
        self.project = project
        self.index = index
        self.fn = fn
        #: plugins stevedore managers load (``model.stevedore``); None: not followed
        self.loaded = loaded if loaded is not None and loaded.enabled else None
        #: who chooses the class a loader builds (``model.pins``); None: every plugin class
        self.pins = pins
        self._registry_locals: dict[str, Members] | None = None
        #: qualnames reached through an instance of a class loaded by name (``Project.loaded_by_name``)
        self.by_name_targets: set[str] = set()
        #: dotted receiver -> what it is (a Name/Attribute receiver depends on its text alone)
        self._receivers: dict[str, _Receiver] = {}
        #: dotted receiver -> the other project classes it may hold (:meth:`alternative_classes`)
        self._alternatives: dict[str, set[str]] = {}
        #: The qualified name of the class ``fn`` is a method of.
        self.owner: str | None = fn.qualname.rsplit(".", 1)[0] if fn.class_name else None

    # ---------------------------------------------------------- classes
    def class_named(self, node: ast.expr) -> str | None:
        """The project class a Name/Attribute expression names, if any."""
        name = dotted(node)
        if not name or ("." not in name and name in self.fn.local_names):
            return None
        qualified = self.fn.imports.qualify(name)
        if qualified and qualified in self.project.classes:
            return qualified
        if name.rpartition(".")[2] not in self.index.class_names:
            return None  # a nested or module class of that name would end with it
        probe: FunctionInfo | None = self.fn
        while probe is not None:
            nested = f"{probe.qualname}.{name}"
            if nested in self.project.classes:
                return nested
            probe = probe.parent
        local = f"{self.fn.module.name}.{name}"
        return local if local in self.project.classes else None

    def method(self, class_qual: str, name: str) -> FunctionInfo | None:
        for current in self.project.lineage(class_qual):
            cls = self.project.classes.get(current)
            if cls is not None and name in cls.methods:
                return cls.methods[name]
        return None

    def instantiation(self, class_qual: str) -> list[FunctionInfo]:
        """What building an instance reaches: its initialisers, ``__call__`` (a callable object is built to be
        called) and, for a ``threading.Thread`` subclass, ``run`` (on the thread it starts)."""
        names = ["__init__", "__post_init__", "__call__"]
        if self.project.is_subtype(class_qual, THREAD_CLASSES):
            names.append("run")
        found = [self.method(class_qual, n) for n in names]
        return [f for f in found if f is not None]

    def overrides(self, class_qual: str, name: str) -> list[FunctionInfo]:
        if class_qual not in self.index.subclasses:
            return []  # no project subclass (``descendants`` would find none)
        return [
            self.project.classes[d].methods[name]
            for d in descendants(self.index.subclasses, class_qual)
            if name in self.project.classes[d].methods
        ]

    def self_overrides(self, name: str) -> list[FunctionInfo]:
        """The overrides ``self.name(...)`` in this method may run: those of the subclasses whose instances run
        this very method.

        A subclass that overrides the calling method without handing the call up (``super().sync()``, or
        ``Base.sync(self)``) never runs it: in ``Burp1.get_tree``, ``self.status()`` is never ``Burp2.status``
        when ``Burp2`` defines its own ``get_tree``.
        """
        found = self.overrides(self.owner or "", name)
        if not found or not self.owner:
            return found
        return [method for method in found if self._runs_caller(method.qualname.rsplit(".", 1)[0])]

    def _runs_caller(self, subclass: str) -> bool:
        """Do instances of ``subclass`` (a descendant of the calling method's class) run the calling method?

        No when a class between them (``subclass`` included) defines every name the caller goes by, and no
        method of those classes calls the name up the hierarchy (``super().tree()``, ``Backend.tree(self)``)."""
        owner = self.project.classes.get(self.owner or "")
        if owner is None:
            return True
        names = [key for key, method in owner.methods.items() if method is self.fn]
        if not names:
            return True
        between = [
            cls
            for current in self.project.lineage(subclass)
            if current != owner.qualname
            and (cls := self.project.classes.get(current)) is not None
            and owner.qualname in self.project.lineage(current)
        ]
        for key in names:
            if not any(key in cls.methods for cls in between):
                return True  # the caller is inherited under this name
            if any(_calls_up(method, key) for cls in between for method in cls.methods.values()):
                return True  # an override hands the call up to it
        return False

    # ---------------------------------------------------------- receivers
    def receiver(self, node: ast.expr) -> _Receiver:
        """What ``node`` is when a method is called on it."""
        if self.loaded is not None:
            plugins = self.loaded.loaded(self.fn, node)
            if plugins:  # ``self.plugins[kind]``, ``ext.obj``, ``DriverManager(...).driver``
                return _Receiver("registry", members=plugins)
        if isinstance(node, ast.Call):
            return self._call_result(node)
        if isinstance(node, ast.Subscript):
            members = self._registry_source(node, {})
            if members:
                return _Receiver("registry", members=members)
            inner = self.receiver(node.value)
            return _Receiver(_EXTERNAL) if inner.kind == _EXTERNAL else _Receiver(_UNKNOWN)
        name = dotted(node)
        if name is None:
            return _Receiver(_UNKNOWN)
        seen = self._receivers.get(name)
        if seen is None:
            seen = self._receivers[name] = self._named_receiver(name)
        return seen

    def _named_receiver(self, name: str) -> _Receiver:
        """:meth:`receiver` of a Name/Attribute chain spelled ``name``."""
        head, _, rest = name.partition(".")
        if head == "self" and self.owner:
            if not rest:
                return _Receiver(_KNOWN, {self.owner})
            attribute, _, deeper = rest.partition(".")
            typed = self.index.attribute_types(self.project, self.owner).get(attribute)
            seen = self._typed(typed) if typed else _Receiver(_UNKNOWN)
            return seen if not deeper else self._attribute_of(seen)
        if head in self.fn.local_names:
            members = self.registry_locals().get(name)
            if members is not None:
                return _Receiver("registry", members=members)
            if head in self.fn.local_types:
                seen = self._typed(self.fn.local_types[head])
            else:
                annotation = self._annotation(head)
                seen = self._typed(annotation) if annotation else _Receiver(_UNKNOWN)
            return seen if not rest else self._attribute_of(seen)
        imported = self.fn.imports.qualify(name)
        qualified = imported or f"{self.fn.module.name}.{name}"
        app_attribute = self._app_attribute(qualified)
        if app_attribute is not None:
            return app_attribute
        obj = self.project.objects.get(self.project.canonical(qualified))
        if obj is not None:
            return self._object_receiver(obj)
        if qualified in self.project.modules or qualified in self.project.classes:
            return _Receiver(_MODULE)
        if imported and self._is_library(imported):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    @staticmethod
    def _attribute_of(seen: _Receiver) -> _Receiver:
        """An attribute of a library object is the library's; of anything else, unknown."""
        return _Receiver(_EXTERNAL) if seen.kind == _EXTERNAL else _Receiver(_UNKNOWN)

    def _call_result(self, node: ast.Call) -> _Receiver:
        """``Cls(...)``, ``REGISTRY[k](...)``, ``project_function(...)``, ``library.call(...)``."""
        cls = self.class_named(node.func)
        if cls is not None:
            return _Receiver(_KNOWN, {cls})
        members = self._registry_source(node.func, {})
        if members:
            return _Receiver("registry", members=members)
        callee = self.project.resolve_function(dotted(node.func) or "", self.fn, self.fn.module)
        if callee is not None:
            return self._returned_by(callee, node)
        if isinstance(node.func, ast.Attribute) and self.receiver(node.func.value).kind == _EXTERNAL:
            return _Receiver(_EXTERNAL)
        qualified = self.fn.imports.qualify(dotted(node.func))
        if qualified and self._is_library(qualified):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    def _returned_by(self, callee: FunctionInfo, call: ast.Call | None = None) -> _Receiver:
        """What a call to the project function ``callee`` returns."""
        returned = self.index.returned_classes(self.project, callee)
        if returned:
            return _Receiver(_KNOWN, returned, subclasses=True)
        if self._returns_loaded_by_name(callee):
            choice = self.pins.choice(self.fn, call, callee) if self.pins is not None and call is not None else None
            if choice is not None:  # the call names the plugin (``load("tts", name)``: a TTS class)
                chosen = matching(self.index.plugin_classes, self.project, choice.constants)
                return _Receiver(_KNOWN, set(chosen), by_name=choice.unknown)
            return _Receiver(_KNOWN, set(self.index.plugin_classes), by_name=True)
        return _Receiver(_PROJECT_RETURN)

    def _annotation(self, parameter: str) -> str | None:
        """The qualified type a parameter is annotated with (``def f(client: Client)``)."""
        arguments = self.fn.node.args
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            if arg.arg == parameter and arg.annotation is not None:
                annotation = arg.annotation
                if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                    try:
                        annotation = ast.parse(annotation.value, mode="eval").body
                    except SyntaxError:
                        return None
                if isinstance(annotation, ast.Subscript):  # ``Optional[Client]``
                    annotation = annotation.slice
                if isinstance(annotation, ast.BinOp):  # ``Client | None``
                    annotation = annotation.left
                cls = self.class_named(annotation) if isinstance(annotation, (ast.Name, ast.Attribute)) else None
                if cls is not None:
                    return cls
                qualified = self.fn.imports.qualify(dotted(annotation))
                return qualified if qualified and self._is_library(qualified) else None
        return None

    def _typed(self, type_name: str) -> _Receiver:
        """A receiver built by a call to ``type_name`` (a class, a project function, a library, or raw text)."""
        held = self._held_classes(type_name)
        if held:  # ``worker = self.worker_class(...)``
            return _Receiver(_KNOWN, held)
        if type_name in self.project.classes:
            return _Receiver(_KNOWN, {type_name})
        if type_name in self.project.functions:
            return self._returned_by(self.project.functions[type_name])
        if type_name in DYNAMIC_IMPORTS or type_name.startswith(_DYNAMIC_PREFIXES):
            return _Receiver(_UNKNOWN)  # a class or module named in configuration: a project plugin
        if self._is_library(type_name):
            return _Receiver(_EXTERNAL)
        return _Receiver(_UNKNOWN)

    def _object_receiver(self, obj: ObjectInfo, depth: int = 0) -> _Receiver:
        """A module-level object: what its type makes it, judged by the imports of the module that builds it.

        ``certificate_issued = signals.signal("issued")`` with ``signals = Namespace()`` (blinker) in another
        module is a library object although the module that calls ``certificate_issued.send(...)`` imports no
        library: a method of a library object returns the library's, so ``send`` never reaches a project
        plugin's ``send``.
        """
        proxied = self._proxied(obj)
        if proxied is not None:
            return proxied
        seen = self._typed(obj.type)
        if seen.kind != _UNKNOWN or obj.type in DYNAMIC_IMPORTS or obj.type.startswith(_DYNAMIC_PREFIXES):
            return seen
        table = self.project.module_imports.get(obj.module.name)
        if table is not None and self._is_library(obj.type, table.aliases.values()):
            return _Receiver(_EXTERNAL)
        owner = obj.type.rpartition(".")[0]
        inner = self.project.objects.get(self.project.canonical(owner)) if owner else None
        if inner is not None and inner is not obj and depth < _MAX_OBJECT_DEPTH:
            if self._object_receiver(inner, depth + 1).kind == _EXTERNAL:
                return _Receiver(_EXTERNAL)
        return seen

    def _app_attribute(self, qualified: str) -> _Receiver | None:
        """``current_app.repository``: the object a project subclass of ``Flask`` declares that attribute to be
        (``app_attribute_types_of``); None when ``qualified`` is no such attribute or the code does not type it."""
        holder, _, attribute = qualified.rpartition(".")
        if holder not in CURRENT_APP:
            return None
        type_name = self.index.app_attribute_types(self.project).get(attribute)
        if type_name is None:
            return None
        if type_name in self.project.classes:
            return _Receiver(_KNOWN, {type_name}, subclasses=True)  # declared, so any subclass may be the one
        return self._typed(type_name)

    def _proxied(self, obj: ObjectInfo) -> _Receiver | None:
        """``current_repo = LocalProxy(lambda: current_app.repository)``: the proxy stands for what its function
        returns, here an attribute of the application object; None when the code does not show what that is."""
        if obj.type not in LOCAL_PROXIES or not obj.call.args or not isinstance(obj.call.args[0], ast.Lambda):
            return None
        table = self.project.module_imports.get(obj.module.name)
        name = dotted(obj.call.args[0].body)
        if table is None or not name or "." not in name:
            return None
        head, _, rest = name.partition(".")
        return self._app_attribute(f"{table.qualify(head) or head}.{rest}")

    def _in_project(self, qualified: str) -> bool:
        return qualified.split(".", 1)[0] in self.index.packages

    def _is_library(self, qualified: str, imported: Iterable[str] | None = None) -> bool:
        """``requests.Session`` is a library's; ``PREVIEW_FACTORY.get_instance`` is unresolved text.

        ``imported`` is what the module that spells the name imports (by default this function's)."""
        head = qualified.split(".", 1)[0]
        if head in self.index.packages:
            return False
        targets = self.fn.imports.aliases.values() if imported is None else imported
        return any(target.split(".", 1)[0] == head for target in targets)

    # ---------------------------------------------------------- registries
    def registry_of(self, node: ast.expr) -> Members | None:
        """The members of the registry ``node`` names (a module-level one or a local holding members)."""
        name = dotted(node)
        if not name:
            return None
        if name in self.registry_locals():
            return self.registry_locals()[name]
        if name.split(".", 1)[0] in self.fn.local_names:
            return None
        qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
        return self.index.registries.get(qualified)

    def registry_locals(self) -> dict[str, Members]:
        """Locals that hold registry members: a literal, loop variables over a registry, ``R[k]``, ``R.get(k)``."""
        if self._registry_locals is not None:
            return self._registry_locals
        found: dict[str, Members] = {}
        self._registry_locals = found
        body = self.index.bodies.get(self.fn.qualname)
        if body is None or (not self.index.has_registries and not body.literals):
            return found
        for node in body.bindings:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target, value = node.targets[0].id, node.value
                members: Members | None = None
                if isinstance(value, LITERALS):  # ``literal_members`` finds nothing in anything else
                    members = literal_members(self.project, value, lambda n: qualify_in(self.project, self.fn, n))
                if not members:
                    members = self._registry_source(value, found)
                if members:
                    found.setdefault(target, Members()).merge(members)
            elif isinstance(node, (ast.For, ast.comprehension)):
                source = self._registry_source(node.iter, found)
                if source:
                    for target in ast.walk(node.target):
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, Members()).merge(source)
        return found

    def _registry_source(self, value: ast.expr, local: dict[str, Members]) -> Members | None:
        """``R``, ``R[k]``, ``R.get(k)``, ``R.values()``, ``R.items()``, ``R[k](...)`` for a registry ``R``."""
        if not local and not self.index.registries:
            return None  # no registry a name could be (``_registry_name`` would look in both)
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "values", "items", "pop"):
                return self._registry_name(func.value, local)
            return self._registry_source(func, local)
        if isinstance(value, ast.Subscript):
            return self._registry_name(value.value, local)
        return self._registry_name(value, local)

    def _registry_name(self, node: ast.expr, local: dict[str, Members]) -> Members | None:
        name = dotted(node)
        if not name:
            return None
        if name in local:
            return local[name]
        if name.split(".", 1)[0] in self.fn.local_names:
            return None
        qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
        return self.index.registries.get(qualified)

    # ---------------------------------------------------------- calls
    def _held_classes(self, spelled: str) -> set[str]:
        """The project classes ``self.<attr>`` holds (``self.worker_class = Worker``), when ``spelled`` names one."""
        head, _, attribute = spelled.partition(".")
        if head != "self" or not self.owner or not attribute or "." in attribute:
            return set()
        return self.index.held_classes(self.project, self.owner).get(attribute, set())

    def call_targets(self, call: ast.Call) -> list[FunctionInfo]:
        """What ``call`` reaches beyond the function ``resolve_function`` finds for it."""
        func = call.func
        held = self._held_classes(dotted(func) or "")
        if held:  # ``self.worker_class(...)`` builds the class the attribute holds
            return [f for cls in sorted(held) for f in self.instantiation(cls)]
        if self.loaded is not None and isinstance(func, (ast.Attribute, ast.Subscript)):
            plugins = self.loaded.loaded(self.fn, func)
            if plugins:  # ``ext.plugin()``, ``self.drivers[kind]()``: builds a loaded plugin class
                return self._members_called(plugins)
        if isinstance(func, ast.Attribute):
            if _is_super(func.value):
                return self._super_method(func.attr)
            return self.method_targets(func.value, func.attr)
        if isinstance(func, ast.Name):
            cls = self.class_named(func)
            if cls is not None:
                return self.instantiation(cls)
            members = self.registry_locals().get(func.id)
            if members is not None:
                return self._members_called(members)
        return []

    def method_targets(self, receiver: ast.expr, name: str) -> list[FunctionInfo]:
        """``receiver.name(...)``: the project methods it may run."""
        if name not in self.index.function_names:
            return []  # no project function or method has that name (``rows.append``, ``session.commit``)
        if isinstance(receiver, ast.Name) and receiver.id == "self" and self.owner:
            return self.self_overrides(name)
        found = self._method_targets(receiver, name)
        spelled = receiver.id if receiver.__class__ is ast.Name else getattr(receiver, "attr", None)
        if spelled in self.project.alternative_names:
            for cls in sorted(self.alternative_classes(dotted(receiver) or "")):
                method = self.method(cls, name)
                if method is not None:
                    found.append(method)
        return found

    def alternative_classes(self, name: str) -> set[str]:
        """The project classes the name ``name`` (a local, a module-level object, or an attribute of ``self``) may
        hold besides the one assigned last: ``if cond: auth = SimpleAuth() else: auth = ProxyHeaderAuth()`` (or
        ``auth = SimpleAuth() if cond else ProxyHeaderAuth()``, or ``self.auth = ...`` in each branch) then
        ``auth.login()`` reaches both classes' ``login`` (:attr:`Project.alternatives`)."""
        if not name or "." in name.partition(".")[2]:
            return set()
        cached = self._alternatives.get(name)
        if cached is not None:
            return cached
        head, _, rest = name.partition(".")
        if head == "self" and rest and self.owner:  # ``self.backend``: the types the class's methods assign it
            classes = set()
            for current in self.project.lineage(self.owner):
                for type_name in self.project.alternatives.get(f"{current}.{rest}", ()):
                    seen = self._typed(type_name)
                    if seen.kind == _KNOWN:
                        classes |= seen.classes
            self._alternatives[name] = classes
            return classes
        binding: str | None = None
        probe: FunctionInfo | None = self.fn
        while probe is not None and binding is None:
            if head in probe.local_names:
                binding = f"{probe.qualname}.{head}" if not rest else None
                break
            probe = probe.parent
        if probe is None:  # a module-level name of this module, or one imported (``auth.backend`` too)
            qualified = self.fn.imports.qualify(name) or f"{self.fn.module.name}.{name}"
            binding = self.project.canonical(qualified)
        classes: set[str] = set()
        for type_name in self.project.alternatives.get(binding or "", ()):
            seen = self._typed(type_name)
            if seen.kind == _KNOWN:
                classes |= seen.classes
        self._alternatives[name] = classes
        return classes

    def _method_targets(self, receiver: ast.expr, name: str) -> list[FunctionInfo]:
        seen = self.receiver(receiver)
        if seen.kind == _KNOWN:
            found = [self.method(c, name) for c in sorted(seen.classes)]
            if seen.subclasses:
                found += [o for c in sorted(seen.classes) for o in self.overrides(c, name)]
            result = [f for f in found if f is not None]
            if seen.by_name:
                self.by_name_targets.update(f.qualname for f in result)
            return result
        if seen.kind == "registry" and seen.members is not None:
            return self._members_methods(seen.members, name)
        if seen.kind in (_UNKNOWN, _PROJECT_RETURN) and not name.startswith("__") and name not in GENERIC_METHODS:
            spelled = (dotted(receiver) or "").rsplit(".", 1)[-1]
            verb = name in LIBRARY_VERBS  # a library object's method as likely: only a spelled hierarchy
            modules = [] if verb else self._plugin_functions(self.index.plugin_modules, name)
            # functions of plugin modules named so: the receiver may be one of those modules
            rival = bool(modules) or verb
            found = list(self.index.implementations(name, spelled, rival))
            found += self.index.family(name, spelled, self.fn if self.owner else None, rival)
            if not found and not rival and "_" in name.strip("_"):
                found += self.index.unique_methods.get(name, ())
            if len({f.qualname for f in found}) > MAX_FAMILY:
                found = []
            return found + modules
        return []

    def _super_method(self, name: str) -> list[FunctionInfo]:
        owner = self.project.classes.get(self.owner or "")
        if owner is None:
            return []
        for base in owner.bases:
            found = self.method(base, name)
            if found is not None:
                return [found]
        return []

    def _members_called(self, members: Members) -> list[FunctionInfo]:
        found = [self.project.functions[f] for f in sorted(members.functions)]
        for cls in sorted(members.classes):
            found += self.instantiation(cls)
        return found

    def _members_methods(self, members: Members, name: str) -> list[FunctionInfo]:
        found = [self.method(c, name) for c in members.classes]
        result = [f for f in found if f is not None]
        return result + self._plugin_functions(members.modules, name)

    def _plugin_functions(self, modules: set[str], name: str) -> list[FunctionInfo]:
        if modules is self.index.plugin_modules:
            return self.index.plugin_functions.get(name, [])
        found = [self.project.functions.get(f"{module}.{name}") for module in modules]
        return [f for f in found if f is not None]

    def methods_named_by(self, call: ast.Call) -> list[FunctionInfo]:
        """``getattr(self, "_load_{}".format(kind))``: the methods of ``self``'s class whose names start so.

        The name is computed, but its constant prefix says which family of methods the code picks from
        (``_load_mappings``, ``_load_thresholds``); at least two characters of it, or nothing is said."""
        if dotted(call.func) != "getattr" or len(call.args) < 2 or not self.owner:
            return []
        if not (isinstance(call.args[0], ast.Name) and call.args[0].id == "self"):
            return []
        prefix = _constant_prefix(call.args[1])
        if prefix is None or len(prefix) < 2:
            return []
        classes = [*self.project.lineage(self.owner), *descendants(self.index.subclasses, self.owner)]
        found: dict[str, FunctionInfo] = {}
        for qualname in classes:
            cls = self.project.classes.get(qualname)
            for name, method in cls.methods.items() if cls is not None else ():
                if name.startswith(prefix):
                    found.setdefault(method.qualname, method)
        return list(found.values())

    # ---------------------------------------------------------- properties
    def property_reads(self) -> list[FunctionInfo]:
        """The property getters this function's attribute reads run (``acct.effective_apr``).

        On ``self`` or a receiver of a known class: that class's property (and a subclass's override);
        on a receiver the code does not type: the property of that name, when one project class alone
        defines it (:attr:`DispatchIndex.unique_properties`).
        """
        if not self.index.properties:
            return []
        names = {n for getters in self.index.properties.values() for n in getters}
        body = self.index.bodies.get(self.fn.qualname)
        if body is None:
            return []
        called = {id(node.func) for node in body.calls}
        found: dict[str, FunctionInfo] = {}
        for node in body.attributes:
            if node.attr in names and isinstance(node.ctx, ast.Load) and id(node) not in called:
                for getter in self._property_targets(node.value, node.attr):
                    found.setdefault(getter.qualname, getter)
        return list(found.values())

    def _property(self, class_qual: str, name: str) -> FunctionInfo | None:
        for current in self.project.lineage(class_qual):
            getter = self.index.properties.get(current, {}).get(name)
            if getter is not None:
                return getter
            cls = self.project.classes.get(current)
            if cls is not None and name in cls.methods:
                return None  # a plain method or attribute of that name shadows the base's property
        return None

    def _property_targets(self, receiver: ast.expr, name: str) -> list[FunctionInfo]:
        on_self = isinstance(receiver, ast.Name) and receiver.id == "self" and bool(self.owner)
        if on_self:
            classes, subclasses = {self.owner or ""}, True
        else:
            seen = self.receiver(receiver)
            if seen.kind in (_UNKNOWN, _PROJECT_RETURN):
                unique = self.index.unique_properties.get(name)
                return [unique] if unique is not None else []
            if seen.kind != _KNOWN:
                return []
            classes, subclasses = seen.classes, seen.subclasses
        found = [self._property(c, name) for c in classes]
        if subclasses:
            found += [
                self.index.properties[d][name]
                for c in classes
                for d in descendants(self.index.subclasses, c)
                if name in self.index.properties.get(d, {}) and (not on_self or self._runs_caller(d))
            ]
        return [f for f in found if f is not None]

    # ---------------------------------------------------------- classes loaded by name
    def _returns_loaded_by_name(self, callee: FunctionInfo) -> bool:
        """``callee`` returns an instance of a class it loads by name (``return klass(**parameters)``)."""
        if not self.index.plugin_classes:
            return False
        memo = self.index.by_name_returns
        if callee.qualname not in memo:
            walker = _FunctionWalker(self.project, self.index, callee)
            memo[callee.qualname] = False
            modules, classes = walker._by_name_locals()
            body = self.index.bodies.get(callee.qualname)
            memo[callee.qualname] = any(
                isinstance(node.value, ast.Call)
                and (
                    (isinstance(node.value.func, ast.Name) and node.value.func.id in classes)
                    or self._getattr_of(node.value.func, modules)
                )
                for node in (body.returns if body is not None else ())
            )
        return memo[callee.qualname]

    def _by_name_locals(self) -> tuple[set[str], set[str]]:
        """Locals bound to a module imported by a computed name, and to ``getattr(that module, computed)``."""
        body = self.index.bodies.get(self.fn.qualname)
        assigns = [node for node in body.bindings if isinstance(node, ast.Assign)] if body is not None else []
        modules: set[str] = set()
        for node in assigns:
            if isinstance(node.value, ast.Call) and self._imports_by_name(node.value):
                modules.update(t.id for t in node.targets if isinstance(t, ast.Name))
        classes: set[str] = set()
        if modules:
            for node in assigns:
                if self._getattr_of(node.value, modules):
                    classes.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return modules, classes

    def loaded_by_name(self) -> list[FunctionInfo]:
        """What building a class loaded by a computed name runs: ``klass = getattr(mod, name)`` of a
        module imported by a computed name (``mod = __import__(path)``), then ``klass(...)``.

        The class may be any plugin class (a class of a module the project loads by name); which one
        runs is configuration, so the edges are recorded in ``Project.loaded_by_name``.
        """
        if not self.index.plugin_classes:
            return []
        modules, classes = self._by_name_locals()
        if not modules:
            return []
        body = self.index.bodies.get(self.fn.qualname)
        built = any(
            (isinstance(node.func, ast.Name) and node.func.id in classes) or self._getattr_of(node.func, modules)
            for node in (body.calls if body is not None else ())
        )
        if not built:
            return []
        return [f for cls in self.index.plugin_classes for f in self.instantiation(cls)]

    def name_parameters(self) -> frozenset[str] | None:
        """The parameters the computed name of this function's by-name import reads (through the locals it
        assigns): ``__import__("app." + package + "." + name)`` reads ``package`` and ``name``."""
        body = self.index.bodies.get(self.fn.qualname)
        if body is None:
            return None
        assigned: dict[str, list[ast.expr]] = {}
        for node in body.bindings:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            assigned.setdefault(name.id, []).append(node.value)
            else:
                for name in ast.walk(node.target):  # type: ignore[attr-defined]
                    if isinstance(name, ast.Name):
                        assigned.setdefault(name.id, []).append(node.iter)  # type: ignore[attr-defined]
        modules, _ = self._by_name_locals()
        sources: list[ast.expr] = []
        for node in body.calls:
            if self._imports_by_name(node):
                sources.append(node.args[0])
            elif self._getattr_of(node, modules):
                sources.append(node.args[1])
        parameters = {
            a.arg for a in self.fn.node.args.posonlyargs + self.fn.node.args.args + self.fn.node.args.kwonlyargs
        }
        found: set[str] = set()
        seen: set[str] = set()
        while sources:
            for name in ast.walk(sources.pop()):
                if not isinstance(name, ast.Name) or name.id in seen:
                    continue
                seen.add(name.id)
                if name.id in parameters:
                    found.add(name.id)
                sources.extend(assigned.get(name.id, ()))
        return frozenset(found - {"self", "cls"}) or None

    def _imports_by_name(self, call: ast.Call) -> bool:
        name = dotted(call.func) or ""
        qualified = self.fn.imports.qualify(name) or name
        return qualified in DYNAMIC_IMPORTS and bool(call.args) and not isinstance(call.args[0], ast.Constant)

    @staticmethod
    def _getattr_of(node: ast.expr, modules: set[str]) -> bool:
        """``getattr(mod, computed)`` for a module ``mod`` imported by name."""
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in modules
            and not isinstance(node.args[1], ast.Constant)
        )

    # ---------------------------------------------------------- references
    def references(self) -> list[tuple[FunctionInfo, bool]]:
        """Functions this one hands on without calling them, each with "runs on a thread it starts".

        Callbacks (``sorted(key=f)``, ``executor.submit(f)``, ``self.on_done = f``),
        thread targets and registry members.  A bound method of an object whose
        class the code does not show (``executor.submit(provider.search, q)``)
        counts only where a callable is expected (an argument of ``submit``,
        ``map``, ``Thread``, ``partial``..., or a ``callback=``-like keyword):
        elsewhere ``interval.end`` is most often data.
        Functions handed to a job queue, and jobs themselves, run in a worker.
        """
        body = self.index.bodies.get(self.fn.qualname)
        if body is None:
            return []
        skip: set[int] = {id(node.value) for node in body.attributes}
        arguments: set[int] = set()
        background: set[int] = set()
        for node in body.calls:
            func = node.func
            skip.add(id(func))
            text = dotted(func)
            if text is not None and text.rpartition(".")[2] in CALLBACK_TAKERS:
                arguments.update([id(v) for v in node.args])
                arguments.update([id(k.value) for k in node.keywords])
            elif node.keywords:
                arguments.update([id(k.value) for k in node.keywords if _callback_keyword(k.arg)])
            if func.__class__ is ast.Attribute:
                skip.add(id(func.value))  # type: ignore[attr-defined]
                if func.attr in ENQUEUE_METHODS:  # type: ignore[attr-defined]
                    skip.update([id(v) for v in node.args])
                    skip.update([id(k.value) for k in node.keywords])
                elif func.attr not in _THREAD_STARTER_NAMES:  # type: ignore[attr-defined]
                    continue  # its qualified name ends with the attribute: no thread starter
            targets = _thread_targets(self, node, text)
            if targets:
                background.update([id(v) for v in targets])
        found: list[tuple[FunctionInfo, bool]] = []
        local_names = self.fn.local_names
        for node in body.loads:
            if node.__class__ is ast.Name and node.id in local_names:  # type: ignore[union-attr]
                continue  # a local variable (``_referenced`` would find nothing)
            if id(node) not in skip:
                on_thread = id(node) in background
                for callee in self._referenced(node, as_argument=id(node) in arguments):
                    if "task" not in callee.roles:
                        found.append((callee, on_thread))
        return found

    def _referenced(self, node: ast.Name | ast.Attribute, as_argument: bool) -> list[FunctionInfo]:
        name = dotted(node)
        if not name or (isinstance(node, ast.Name) and node.id in self.fn.local_names):
            return []
        direct = self.project.resolve_function(name, self.fn, self.fn.module)
        if direct is not None:
            found = [direct]
            if isinstance(node, ast.Attribute) and dotted(node.value) == "self" and self.owner:
                found += self.self_overrides(node.attr)
            return found
        if isinstance(node, ast.Name):
            registry = self.registry_of(node)
            return self._members_called(registry) if registry else []
        if as_argument and not isinstance(node.value, ast.Call):
            return self.method_targets(node.value, node.attr)
        return []


#: Calls whose arguments are functions to call: executors, threads, partials, callback registries.
CALLBACK_TAKERS = frozenset(
    {
        "submit",
        "map",
        "imap",
        "imap_unordered",
        "starmap",
        "apply",
        "run_in_executor",
        "spawn",
        "spawn_later",
        "start_new_thread",
        "Thread",
        "Timer",
        "Process",
        "partial",
        "add_done_callback",
        "call_soon",
        "call_later",
        "register",
        "connect",
        "add_listener",
        "subscribe",
        "on",
        "listen",
        "callback",
        "add_callback",
    }
)


def _callback_keyword(name: str | None) -> bool:
    """``target=``, ``callback=``, ``on_success=``, ``key=``: a keyword that takes a function."""
    return bool(name) and (
        name in ("target", "callback", "func", "fn", "function", "handler", "key", "hook", "loader")
        or name.startswith("on_")
        or name.endswith(("_callback", "_handler", "_hook", "_func", "_fn"))
    )


#: Classes whose instances run a target (or their own ``run``) on a thread or process of their own.
#: ``multiprocess`` is the drop-in fork of ``multiprocessing`` that pickles with dill (same ``Process`` API).
THREAD_CLASSES = frozenset({"threading.Thread", "multiprocessing.Process", "multiprocess.Process"})


def _thread_run(project: Project, callee: FunctionInfo) -> bool:
    """``run`` of a project ``Thread`` subclass: reached by building the thread, run beside the caller."""
    if callee.name != "run" or callee.class_name is None:
        return False
    return project.is_subtype(callee.qualname.rsplit(".", 1)[0], THREAD_CLASSES)


#: Calls that start a thread, greenlet or process running their ``target`` (or first argument).
THREAD_STARTERS = THREAD_CLASSES | frozenset(
    {
        "threading.Timer",
        "gevent.spawn",
        "gevent.spawn_later",
        "eventlet.spawn",
        "eventlet.spawn_n",
        "_thread.start_new_thread",
        "thread.start_new_thread",
    }
)


_THREAD_STARTER_NAMES = frozenset(name.rpartition(".")[2] for name in THREAD_STARTERS)


def _thread_targets(walker: _FunctionWalker, call: ast.Call, text: str | None) -> list[ast.expr]:
    """The function a ``Thread(target=f)``-like call (its callee spelled ``text``) runs on its own thread."""
    name = walker.fn.imports.qualify(text) or ""
    if name not in THREAD_STARTERS:
        return []
    for keyword in call.keywords:
        if keyword.arg in ("target", "function", "run"):
            return [keyword.value]
    if not call.args:
        return []
    index = 1 if name.endswith(("Timer", "spawn_later")) else 0
    return [call.args[index]] if len(call.args) > index else []


def _constant_prefix(node: ast.expr) -> str | None:
    """The constant start of a computed string: ``f"_load_{x}"``, ``"_load_{}".format(x)``, ``"_load_" + x``."""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and len(node.values) > 1:
            return first.value
        return None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value.split("{", 1)[0]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = node.left
        if isinstance(left, ast.Constant) and isinstance(left.value, str):
            return left.value
        return _constant_prefix(left) if isinstance(left, ast.BinOp) else None
    return None


def _is_super(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _calls_up(method: FunctionInfo, name: str) -> bool:
    """Does ``method`` call ``name`` on something other than ``self`` (``super().name(...)``,
    ``Base.name(self, ...)``): an override that hands the call on to the method it replaces."""
    for node in ast.walk(method.node):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == name
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "self")
        ):
            return True
    return False


def _decorator_wrappers(project: Project, index: DispatchIndex, fn: FunctionInfo) -> list[FunctionInfo]:
    """The inner functions of the project decorators wrapping ``fn``: they run when ``fn`` is called.

    A decorator function's nested wrapper, or for ``@event("name")`` (an
    instance of a project class used as a decorator) the wrapper its
    ``__call__`` builds.
    """
    found: list[FunctionInfo] = []
    for deco in fn.node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = dotted(target) or ""
        decorator = project.resolve_function(name, fn.parent, fn.module)
        if decorator is None and isinstance(deco, ast.Call):
            qualified = project.canonical(fn.imports.qualify(name) or f"{fn.module.name}.{name}")
            if qualified in project.classes:
                decorator = project.classes[qualified].methods.get("__call__")
        if decorator is not None:
            found.extend(index.nested.get(decorator.qualname, ()))
    return found
