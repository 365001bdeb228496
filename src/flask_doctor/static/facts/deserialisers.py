"""Loaders that build arbitrary Python objects from bytes, and caches those bytes come from.

PyYAML's full and unsafe loaders and pickle-like formats run code chosen by
whoever wrote the document; FD319 and FD320 report them when the document
comes from the client, a cache, or (for YAML) anywhere.
"""

from __future__ import annotations

from flask_doctor.static.patterns import on_first_use

#: ``Loader=`` values of ``yaml.load`` that build Python objects -> how to name them.  ``FullLoader``
#: (``full_load``) is not one since PyYAML 5.4: the fix of CVE-2020-14343 moved the ``python/object``,
#: ``/new``, ``/apply`` and ``python/module`` tags to ``UnsafeLoader``, and the ``python/name`` tag it
#: keeps only names what is already imported.  A project pinning PyYAML below 5.4 would make it one
#: again; no fact reads dependency pins yet, so it is left out.
YAML_UNSAFE_LOADERS = {
    "yaml.Loader": "yaml.Loader",
    "yaml.UnsafeLoader": "yaml.UnsafeLoader",
    "yaml.CLoader": "yaml.CLoader",
    "yaml.CUnsafeLoader": "yaml.CUnsafeLoader",
    "yaml.loader.Loader": "yaml.Loader",
    "yaml.loader.UnsafeLoader": "yaml.UnsafeLoader",
}
#: The loaders that take a ``Loader`` (unsafe without one before PyYAML 6).
YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
YAML_UNSAFE_FUNCS = {
    "yaml.unsafe_load": "yaml.unsafe_load",
    "yaml.unsafe_load_all": "yaml.unsafe_load_all",
}

#: pickle-like loaders -> how to name them.
PICKLE_FUNCS = {
    "pickle.loads": "pickle.loads",
    "pickle.load": "pickle.load",
    "_pickle.loads": "pickle.loads",
    "cPickle.loads": "cPickle.loads",
    "dill.loads": "dill.loads",
    "dill.load": "dill.load",
    "cloudpickle.loads": "cloudpickle.loads",
    "jsonpickle.decode": "jsonpickle.decode",
    "marshal.loads": "marshal.loads",
    "marshal.load": "marshal.load",
    "pandas.read_pickle": "pandas.read_pickle",
    "joblib.load": "joblib.load",
    "shelve.open": "shelve.open",
}
#: methods of a Redis/cache client that return stored bytes, and the client types.
CACHE_READS = {
    "get",
    "hget",
    "mget",
    "hgetall",
    "lpop",
    "rpop",
    "blpop",
    "brpop",
    "getdel",
    "getex",
    "lindex",
    "lrange",
    "hmget",
}
#: how cache clients are usually named (``redis``, ``r``, ``app.cache``)
CACHE_NAME = on_first_use(r"(^|[._])(redis|r|rdb|redis_client|cache|rd)$")
CACHE_TYPES = (
    "redis.",
    "flask_redis.",
    "flask_caching.",
    "pymemcache.",
    "memcache.",
    "cachelib.",
    "werkzeug.contrib.cache",
)


__all__ = ["CACHE_NAME", "CACHE_READS", "CACHE_TYPES", "PICKLE_FUNCS", "YAML_UNSAFE_FUNCS", "YAML_UNSAFE_LOADERS"]
