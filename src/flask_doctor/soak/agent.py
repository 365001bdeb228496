"""The part of soak that runs *inside* each gunicorn worker.

Soak writes a gunicorn config file whose hooks call into this module:

* ``post_fork`` starts :mod:`tracemalloc` before the app is imported, so
  every allocation the app makes is traced;
* ``post_worker_init`` wraps the loaded WSGI app in :class:`SoakMiddleware`
  and starts a small control thread;
* ``when_ready`` (in the master) starts a watchdog that shuts gunicorn down
  if the soak process that started it dies, so nothing is ever orphaned.

The middleware counts requests per *phase* (the ``X-Flask-Doctor-Phase``
header soak's load generator sends, or the phase named in the control file)
and every ``cadence`` requests takes a sample: ``gc.collect()``, then traced
memory, RSS, open descriptors and the length of every module-level
container in the user's own modules.  Samples and one line per request are
appended to files in the soak directory; nothing is kept in memory that
grows with the number of requests, so the agent does not measure itself.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from flask_doctor.userfiles import is_user_file

ENV_DIR = "FLASK_DOCTOR_SOAK_DIR"
ENV_OPTS = "FLASK_DOCTOR_SOAK_OPTS"
ENV_PARENT = "FLASK_DOCTOR_SOAK_PARENT"
CONTROL_PREFIX = "/__flask_doctor_soak__"
PHASE_HEADER = "HTTP_X_FLASK_DOCTOR_PHASE"
REQ_HEADER = "HTTP_X_FLASK_DOCTOR_REQ"
TARGET_HEADER = "HTTP_X_FLASK_DOCTOR_TARGET"

#: request slots in ``inflight-PID`` (one per request in flight; sync workers use the first)
INFLIGHT_SLOTS = 16
INFLIGHT_WIDTH = 256
#: distinct (method, path) counters and captured exceptions kept per worker
MAX_PATHS = 200
MAX_EXCEPTIONS = 20

_AGENT: Agent | None = None


def _options() -> dict[str, Any]:
    try:
        return dict(json.loads(os.environ.get(ENV_OPTS, "{}")))
    except ValueError:
        return {}


# --------------------------------------------------------------- gunicorn hooks
def when_ready(server: Any) -> None:
    """Master: stop gunicorn when the soak process that owns it goes away."""
    parent = int(os.environ.get(ENV_PARENT, "0") or 0)
    if not parent:
        return
    master = os.getpid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except OSError:
                os.kill(master, 15)
                return
            if os.getppid() != parent:
                os.kill(master, 15)
                return

    threading.Thread(target=watch, name="flask-doctor-soak-watchdog", daemon=True).start()


#: suffix of the short phases that re-run an endpoint with deep tracebacks
SITES_SUFFIX = "~sites"
SITES_WARMUP = 40


def post_fork(server: Any, worker: Any) -> None:
    # One frame per trace while measuring: it is what get_traced_memory()
    # needs and costs a third of an 8-frame trace.  Deep tracebacks are
    # switched on only for the short "~sites" phases (see Agent.retrace).
    opts = _options()
    if opts.get("tracemalloc", True) and not tracemalloc.is_tracing():
        tracemalloc.start(1)


def post_worker_init(worker: Any) -> None:
    global _AGENT
    out = os.environ.get(ENV_DIR)
    if not out:
        return
    _AGENT = Agent(out, _options(), worker)
    worker.wsgi = SoakMiddleware(worker.wsgi, _AGENT)
    _AGENT.start()


def worker_exit(server: Any, worker: Any) -> None:
    if _AGENT is not None:
        _AGENT.close()


_SIZED_TYPES = (dict, list, set, bytearray)
_SIZED_NAMES = frozenset({"deque", "WeakValueDictionary", "WeakKeyDictionary", "WeakSet"})


def _container_len(value: Any) -> int | None:
    """len() of a module-level container, or the size of an lru_cache.

    Only ``type(value)`` is looked at, never attributes of the value itself:
    proxies such as ``flask.g`` or ``current_app`` raise outside a request.
    """
    cls = type(value)
    try:
        if issubclass(cls, _SIZED_TYPES) or cls.__name__ in _SIZED_NAMES:
            return len(value)
        if issubclass(cls, functools._lru_cache_wrapper):
            return int(value.cache_info().currsize)
    except Exception:
        return None
    return None


def scan_containers(limit: int = 500, files: dict[str, str] | None = None) -> dict[str, int]:
    """Length of each module-level container in the user's modules.

    Keys are ``module:NAME`` (``module:NAME()`` for an ``lru_cache``); when
    ``files`` is given it receives the file of each module that has one.
    """
    sizes: dict[str, int] = {}
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if name.startswith("__") or not filename or not is_user_file(filename):
            continue
        try:
            items = list(vars(module).items())
        except Exception:
            continue
        for attr, value in items:
            if attr.startswith("__"):
                continue
            try:
                n = _container_len(value)
            except Exception:
                continue
            if n is not None:
                lru = isinstance(value, functools._lru_cache_wrapper)
                sizes[f"{name}:{attr}()" if lru else f"{name}:{attr}"] = n
                if files is not None:
                    files[name] = filename
                if len(sizes) >= limit:
                    return sizes
    return sizes


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        try:
            import psutil

            return int(psutil.Process().memory_info().rss)
        except Exception:
            return 0


def _fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def _find_flask_app(obj: Any, depth: int = 0) -> Any:
    try:
        from flask import Flask
    except ImportError:  # pragma: no cover
        return None
    if isinstance(obj, Flask):
        return obj
    if depth > 6 or obj is None:
        return None
    for attr in ("__self__", "app", "wsgi_app", "application", "_app"):
        inner = getattr(obj, attr, None)
        if inner is not None and inner is not obj:
            found = _find_flask_app(inner, depth + 1)
            if found is not None:
                return found
    return None


# --------------------------------------------------------------- the agent
class Agent:
    """Per-worker state: counters, sample writer, control thread."""

    def __init__(self, out_dir: str, opts: dict[str, Any], worker: Any = None) -> None:
        self.out_dir = out_dir
        self.pid = os.getpid()
        self.cadence = max(1, int(opts.get("cadence", 20)))
        self.warmup = max(0, int(opts.get("warmup", 100)))
        self.snapshots = bool(opts.get("snapshots", True)) and tracemalloc.is_tracing()
        self.top_sites = int(opts.get("top_sites", 8))
        self.default_phase = "default"
        self.lock = threading.Lock()
        self.sample_lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.due: tuple[str, int] | None = None
        self.files_done: set[str] = set()
        self.inflight = 0
        self.baselines: dict[str, Any] = {}
        self.ended: set[str] = set()
        self.control_seq = -1
        self.closed = False
        agent_dir = os.path.join(out_dir, "agent")
        os.makedirs(agent_dir, exist_ok=True)
        self.samples = open(os.path.join(agent_dir, f"samples-{self.pid}.jsonl"), "a", buffering=1, encoding="utf-8")
        # One unbuffered write per request: a buffered file's pending text
        # would grow and shrink by kilobytes and show up in the memory series.
        self.requests_fd = os.open(
            os.path.join(agent_dir, f"requests-{self.pid}.csv"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
        )
        self.control_path = os.path.join(out_dir, "agent", "control.json")
        self.agent_dir = agent_dir
        # What each request in flight is, written before the app runs and
        # blanked after: when a worker dies, soak reads here which request
        # killed it (fixed slots, one pwrite each; nothing grows).
        self.inflight_fd = os.open(
            os.path.join(agent_dir, f"inflight-{self.pid}"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644
        )
        os.pwrite(self.inflight_fd, b" " * (INFLIGHT_SLOTS * INFLIGHT_WIDTH), 0)
        self.free_slots = list(range(INFLIGHT_SLOTS - 1, -1, -1))
        self.path_counts: dict[str, int] = {}
        self.exceptions: dict[str, int] = {}
        self.errors_path = os.path.join(agent_dir, f"errors-{self.pid}.jsonl")
        self.doctor = None
        if opts.get("doctor") and worker is not None:
            self.doctor = self._attach_doctor(worker)
        if worker is not None:
            self._watch_exceptions(worker)

    # -- exceptions the app raised (Flask turns them into 500s) ---------------
    def _watch_exceptions(self, worker: Any) -> None:
        """Keep the first traceback of each kind of exception, so a 500 comes with its cause."""
        app = _find_flask_app(getattr(worker, "wsgi", None))
        if app is None:
            return
        try:
            from flask import got_request_exception

            got_request_exception.connect(self._on_exception, app, weak=False)
        except Exception:  # no blinker (Flask < 2.3 without it): the request log still counts 5xx
            return

    def _on_exception(self, sender: Any, exception: BaseException | None = None, **extra: Any) -> None:
        try:
            import traceback

            from flask import request

            exc = exception if exception is not None else sys.exc_info()[1]
            if exc is None:
                return
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f for f in reversed(tb) if is_user_file(f.filename)), tb[-1] if tb else None)
            key = (
                f"{request.method} {request.path}|{type(exc).__name__}|{where.filename if where else ''}:"
                f"{where.lineno if where else 0}"
            )
            with self.lock:
                if key in self.exceptions:
                    self.exceptions[key] += 1
                    return
                if len(self.exceptions) >= MAX_EXCEPTIONS:
                    return
                self.exceptions[key] = 1
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-12))
            record = {
                "pid": self.pid,
                "t": time.time(),
                "method": request.method,
                "path": request.path[:200],
                "phase": request.environ.get(PHASE_HEADER) or self.default_phase,
                "type": type(exc).__name__,
                "message": str(exc)[:500],
                "file": where.filename if where else "",
                "line": where.lineno if where else 0,
                "traceback": text[-6000:],
            }
            with open(self.errors_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, default=str) + "\n")
        except Exception:  # the agent never breaks the app's error handling
            pass

    # -- runtime doctor (optional) ------------------------------------------
    def _attach_doctor(self, worker: Any) -> Any:
        try:
            from flask_doctor.runtime.doctor import Doctor  # type: ignore[import-not-found]
        except Exception:
            return None
        app = _find_flask_app(worker.wsgi)
        if app is None:
            return None
        try:
            existing = getattr(app, "extensions", {}).get("flask-doctor") or getattr(app, "extensions", {}).get(
                "flask_doctor"
            )
            doctor = existing if existing is not None else Doctor(app)
            return doctor if callable(getattr(doctor, "snapshot", None)) else None
        except Exception:
            return None

    def _doctor_snapshot(self) -> Any:
        if self.doctor is None:
            return None
        try:
            snap = self.doctor.snapshot()
            keep = {
                k: snap.get(k)
                for k in ("in_flight", "capacity", "requests_total", "pool", "contexts", "findings")
                if k in snap
            }
            return json.loads(json.dumps(keep, default=str))
        except Exception:
            return None

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self._write({"type": "start", "pid": self.pid, "t": time.time(), "tracing": tracemalloc.is_tracing()})
        threading.Thread(target=self._control_loop, name="flask-doctor-soak-control", daemon=True).start()
        with open(os.path.join(self.agent_dir, f"ready-{self.pid}"), "w") as fh:
            fh.write(str(time.time()))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.samples.flush()
            os.close(self.requests_fd)
            os.close(self.inflight_fd)
        except Exception:
            pass
        try:  # a clean exit: soak must not take this worker for a crashed one
            with open(os.path.join(self.agent_dir, f"exit-{self.pid}"), "w") as fh:
                fh.write(str(time.time()))
        except Exception:
            pass

    def _write(self, record: dict[str, Any]) -> None:
        self.samples.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")

    # -- per request ---------------------------------------------------------
    def begin(self, environ: dict[str, Any]) -> tuple[str, int, int]:
        """Count the request in; returns (phase, requests in flight, its in-flight slot or -1)."""
        phase = environ.get(PHASE_HEADER) or self.default_phase
        method = environ.get("REQUEST_METHOD", "")
        # Counted per soak target (a bounded set of names), not per path: a
        # path with a sequence number in it would grow this dict, and the
        # agent must not measure itself.
        target = environ.get(TARGET_HEADER) or f"{method} (requests without a soak target)"
        with self.lock:
            self.inflight += 1
            inflight = self.inflight
            key = target if (target in self.path_counts or len(self.path_counts) < MAX_PATHS) else "(other)"
            count = self.path_counts.get(key, 0) + 1
            self.path_counts[key] = count
            slot = self.free_slots.pop() if self.free_slots else -1
        if slot >= 0:
            line = "\t".join(
                (
                    phase[:60],
                    key[:100],
                    f"{method} {environ.get('PATH_INFO', '')}"[:100],
                    str(count),
                    environ.get(REQ_HEADER, "")[:20],
                    f"{time.time():.3f}",
                )
            )
            data = line.encode("utf-8", "replace")[: INFLIGHT_WIDTH - 1] + b"\n"
            try:
                os.pwrite(self.inflight_fd, data.ljust(INFLIGHT_WIDTH), slot * INFLIGHT_WIDTH)
            except OSError:
                pass
        return phase, inflight, slot

    def release(self, slot: int) -> None:
        if slot < 0:
            return
        try:
            os.pwrite(self.inflight_fd, b" " * INFLIGHT_WIDTH, slot * INFLIGHT_WIDTH)
        except OSError:
            pass
        with self.lock:
            self.free_slots.append(slot)

    def end(
        self, phase: str, path: str, status: str, req_id: str, t0: float, wall: float, cpu: float, inflight: int
    ) -> None:
        with self.lock:
            self.inflight -= 1
            n = self.counts.get(phase, 0) + 1
            self.counts[phase] = n
        os.write(
            self.requests_fd,
            f"{phase}\t{path}\t{status[:3]}\t{req_id}\t{t0:.6f}\t{wall * 1000:.3f}\t"
            f"{cpu * 1000:.3f}\t{inflight}\n".encode(),
        )
        if phase in self.ended:
            return
        if phase.endswith(SITES_SUFFIX):
            if n == SITES_WARMUP and self.snapshots:
                with self.sample_lock:
                    gc.collect()
                    self.baselines[phase] = (n, tracemalloc.take_snapshot())
            return
        # Sample when due, but preferably while no other request is in
        # flight (threads, greenlets): their half-built objects are noise.
        # A sample is deferred by at most one cadence.
        due = n % self.cadence == 0 or n == self.warmup
        with self.lock:
            if self.due is not None and self.due[0] != phase:
                self.due = None
            if due and self.due is None:
                self.due = (phase, n)
            pending = self.due
            take = pending is not None and (self.inflight == 0 or n - pending[1] >= self.cadence)
            if take:
                self.due = None
        if take:
            self.sample(phase, n)

    def sample(self, phase: str, n: int, kind: str = "sample") -> None:
        with self.sample_lock:
            files: dict[str, str] | None = None
            if phase not in self.files_done:
                self.files_done.add(phase)
                files = {}
            containers = scan_containers(files=files)
            doctor = self._doctor_snapshot()
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
            record = {
                "type": kind,
                "pid": self.pid,
                "phase": phase,
                "n": n,
                "t": time.time(),
                "traced": traced,
                "rss": _rss(),
                "fds": _fds(),
                "inflight": self.inflight,
                "containers": containers,
            }
            if doctor is not None:
                record["doctor"] = doctor
            if files:
                record["files"] = files
            self._write(record)

    # -- phase ends: allocation sites ------------------------------------------
    def end_phase(self, phase: str, sites: bool = True) -> None:
        if phase in self.ended:
            return
        self.ended.add(phase)
        n = self.counts.get(phase, 0)
        base = self.baselines.pop(phase, None)
        if n and not phase.endswith(SITES_SUFFIX):
            self.sample(phase, n, kind="final")
        if base is None or not self.snapshots or not sites:
            return
        try:
            with self.sample_lock:
                gc.collect()
                current = tracemalloc.take_snapshot()
            self._write(
                {
                    "type": "sites",
                    "pid": self.pid,
                    "phase": phase.removesuffix(SITES_SUFFIX),
                    "n_base": base[0],
                    "n_end": n,
                    "sites": top_growing_sites(base[1], current, self.top_sites),
                }
            )
        except Exception as exc:  # never break the worker over a report detail
            self._write({"type": "error", "pid": self.pid, "phase": phase, "error": repr(exc)})
        finally:
            base = None
            current = None
            gc.collect()

    def retrace(self, nframes: int) -> None:
        """Restart tracemalloc with another traceback depth (between phases, while idle).

        Restarting forgets existing traces; frees of untraced blocks are
        ignored, so the next phase's warm-up absorbs the change.
        """
        with self.sample_lock:
            if tracemalloc.get_traceback_limit() != nframes:
                tracemalloc.stop()
                tracemalloc.start(nframes)

    def _control_loop(self) -> None:
        mtime = 0.0
        while not self.closed:
            time.sleep(0.1)
            try:
                st = os.stat(self.control_path)
            except OSError:
                continue
            if st.st_mtime == mtime:
                continue
            mtime = st.st_mtime
            try:
                with open(self.control_path, encoding="utf-8") as fh:
                    control = json.load(fh)
            except (OSError, ValueError):
                mtime = 0.0
                continue
            seq = int(control.get("seq", 0))
            if seq == self.control_seq:
                continue
            self.control_seq = seq
            if control.get("phase"):
                self.default_phase = str(control["phase"])
            if control.get("cadence"):
                self.cadence = max(1, int(control["cadence"]))
            if control.get("warmup"):
                self.warmup = max(0, int(control["warmup"]))
            wanted = set(control.get("sites", ()))
            for phase in control.get("end", ()):
                self.end_phase(str(phase), sites=str(phase) in wanted)
            if control.get("retrace") and tracemalloc.is_tracing():
                self.retrace(int(control["retrace"]))
            self.samples.flush()
            with open(os.path.join(self.agent_dir, f"ack-{self.pid}"), "w") as fh:
                fh.write(str(seq))


def top_growing_sites(before: Any, after: Any, limit: int) -> list[dict[str, Any]]:
    """Allocation sites that grew between two snapshots, attributed to user code.

    Each growing traceback is charged to its most recent frame in the
    application's own files (``app.py:42``); the library frame that did the
    actual allocation is kept as ``via`` (``flask/ctx.py:250``).
    """
    # No filter_traces(): it costs as much as the comparison itself.  The
    # agent's own allocations are skipped below instead.
    diffs = after.compare_to(before, "traceback")
    sites: dict[tuple[str, int], dict[str, Any]] = {}
    for stat in diffs:
        if stat.size_diff <= 0:
            continue
        frames = list(stat.traceback)  # oldest first
        if frames and (frames[-1].filename == tracemalloc.__file__ or frames[-1].filename == __file__):
            continue
        user = None
        for frame in reversed(frames):
            if is_user_file(frame.filename):
                user = frame
                break
        inner = frames[-1] if frames else None
        key = (user.filename, user.lineno) if user else (inner.filename if inner else "?", inner.lineno if inner else 0)
        site = sites.setdefault(
            key,
            {
                "file": key[0],
                "line": key[1],
                "size_diff": 0,
                "count_diff": 0,
                "user": user is not None,
                "via": [],
                "stack": [],
            },
        )
        site["size_diff"] += stat.size_diff
        site["count_diff"] += stat.count_diff
        if inner is not None and user is not inner:
            via = f"{inner.filename}:{inner.lineno}"
            if via not in site["via"] and len(site["via"]) < 3:
                site["via"].append(via)
        if not site["stack"]:
            site["stack"] = [f"{f.filename}:{f.lineno}" for f in frames[-8:]]
    ranked = sorted(sites.values(), key=lambda s: (-int(s["user"]), -s["size_diff"]))
    return ranked[:limit]


# --------------------------------------------------------------- middleware
class SoakMiddleware:
    """Times each request, counts it into its phase and samples on a cadence."""

    def __init__(self, app: Callable[..., Iterable[bytes]], agent: Agent) -> None:
        self.app = app
        self.agent = agent

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(path, start_response)
        agent = self.agent
        phase, inflight, slot = agent.begin(environ)
        t0 = time.time()
        p0 = time.perf_counter()
        c0 = time.thread_time()
        status_box = ["500"]

        def _start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            status_box[0] = status
            return start_response(status, headers, exc_info)

        def _done(status: str) -> None:
            agent.release(slot)
            agent.end(
                phase,
                path,
                status,
                environ.get(REQ_HEADER, ""),
                t0,
                time.perf_counter() - p0,
                time.thread_time() - c0,
                inflight,
            )

        try:
            result = self.app(environ, _start_response)
        except BaseException:
            _done("500")
            raise
        return _Closing(result, lambda: _done(status_box[0]))

    def _control(self, path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = json.dumps({"pid": self.agent.pid, "counts": dict(self.agent.counts)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class _Closing:
    """Calls ``on_close`` once the server has sent the whole response."""

    def __init__(self, iterable: Iterable[bytes], on_close: Callable[[], None]) -> None:
        self.iterable = iterable
        self.on_close = on_close

    def __iter__(self) -> Any:
        return iter(self.iterable)

    def close(self) -> None:
        try:
            close = getattr(self.iterable, "close", None)
            if close is not None:
                close()
        finally:
            try:
                self.on_close()
            except Exception:  # the agent must never fail a request
                pass
