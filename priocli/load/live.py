"""Read the state of a live cluster: Nodes, Pods, PriorityClasses, PDBs, LimitRanges, workloads.

Read-only by construction: the only HTTP method this module sends is GET (``list`` of each
resource in :data:`RESOURCES`, plus ``/version``). ``docs/rbac.yaml`` grants exactly that.

Fast at 150,000 pods (see ``docs/live.md``): paginated lists of raw JSON parsed with orjson
(never the client's typed models), the cyclic garbage collector off during the load, each page
slimmed at once (managedFields and all annotations but one dropped), lists fetched concurrently
with the next page of each in flight while the current one is parsed.

The ``kubernetes`` package is imported only inside functions: ``priocli --help`` must stay fast.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import orjson

from priocli.errors import InputError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

DEFAULT_KUBECONFIG = "~/.kube/config"
RBAC_FILE = "docs/rbac.yaml"
WORKERS = 4  # concurrent lists; the pod list is the long one, the rest finish while it pages

PHASE_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"

# What survives of ``metadata``: everything the scheduler and priocli read. managedFields (often
# half of an object), annotations (kubectl's last-applied-configuration is a second copy of the
# object), resourceVersion, generation, finalizers... are dropped as each page arrives.
METADATA_KEPT = (
    "name", "namespace", "uid", "labels", "ownerReferences",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
)
# The annotations priocli reads (a ReplicaSet scaling down removes the pods of lowest cost first).
ANNOTATIONS_KEPT = frozenset({"controller.kubernetes.io/pod-deletion-cost"})


def slim_metadata(meta: Any) -> Any:
    """``metadata`` reduced to :data:`METADATA_KEPT` and the annotations in :data:`ANNOTATIONS_KEPT`."""
    if not isinstance(meta, dict):
        return meta
    out = {k: meta[k] for k in METADATA_KEPT if k in meta}
    annotations = meta.get("annotations")
    if annotations and isinstance(annotations, dict) and not ANNOTATIONS_KEPT.isdisjoint(annotations):
        out["annotations"] = {k: v for k, v in annotations.items() if k in ANNOTATIONS_KEPT}
    return out


@dataclass(frozen=True, slots=True)
class Resource:
    """One list endpoint that is read."""

    kind: str
    api_version: str  # "v1", "policy/v1", ...
    plural: str
    field_selector: str | None = None

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def path(self) -> str:
        if self.group:
            return f"/apis/{self.api_version}/{self.plural}"
        return f"/api/{self.api_version}/{self.plural}"

    def describe(self) -> str:
        """``pods (core API group)``, ``poddisruptionbudgets (API group "policy")``."""
        return f'{self.plural} (API group "{self.group}")' if self.group else f"{self.plural} (core API group)"


# Everything read, in the order the objects are returned. Namespaces are read for the labels that
# pod (anti-)affinity namespaceSelectors match; Services, ReplicationControllers, ReplicaSets and
# StatefulSets for the selectors of the scheduler's default topology spreading; workloads for the
# replacement pods their controllers make.
RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "v1", "namespaces"),
    Resource("Node", "v1", "nodes"),
    Resource("PriorityClass", "scheduling.k8s.io/v1", "priorityclasses"),
    Resource("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets"),
    Resource("LimitRange", "v1", "limitranges"),
    Resource("Service", "v1", "services"),
    Resource("ReplicationController", "v1", "replicationcontrollers"),
    Resource("Deployment", "apps/v1", "deployments"),
    Resource("ReplicaSet", "apps/v1", "replicasets"),
    Resource("StatefulSet", "apps/v1", "statefulsets"),
    Resource("DaemonSet", "apps/v1", "daemonsets"),
    Resource("Job", "batch/v1", "jobs"),
    Resource("Pod", "v1", "pods", PHASE_SELECTOR),
)


@dataclass(slots=True)
class LiveState:
    """What :func:`load_live` read.

    ``objects`` are plain dicts as the API returned them (``kind``/``apiVersion`` set on each,
    ``metadata`` reduced by :func:`slim_metadata`), in :data:`RESOURCES` order and, within a
    resource, in the API's order (namespace, then name).
    """

    objects: list[dict[str, Any]]
    server: str
    context: str | None
    server_version: str | None = None  # gitVersion from /version, when the server tells
    counts: dict[str, int] = field(default_factory=dict)  # kind -> objects read


@dataclass(slots=True)
class _Auth:
    """How the client authenticates, for error messages."""

    user: str | None = None
    in_cluster: bool = False
    exec_command: str | None = None
    auth_provider: str | None = None
    logged: list[str] = field(default_factory=list)  # what the client logged while loading credentials

    def hint(self) -> str:
        if self.exec_command:
            s = (f"; the kubeconfig user {self.user!r} gets its credentials from the exec plugin "
                 f"{self.exec_command!r}, which may have failed or whose credentials may have expired")
            return s + (f" (it reported: {self.logged[-1]})" if self.logged else "")
        if self.auth_provider:
            return (f"; the kubeconfig user {self.user!r} uses the {self.auth_provider!r} auth-provider, "
                    "whose token may have expired")
        if self.in_cluster:
            return "; check the pod's service account token"
        if self.user:
            return f"; check the credentials of the kubeconfig user {self.user!r}"
        return ""


class _Gone(Exception):
    """410 Gone: the continue token of a paginated list expired."""


class _Cancelled(Exception):
    """Another list failed: stop paging."""


def load_live(
    *,
    kubeconfig: str | None,
    context: str | None,
    in_cluster_fallback: bool = True,
    request_timeout: float = 30.0,
    page_size: int = 500,
    progress: bool = False,
) -> LiveState:
    """Read the scheduling-relevant state of the cluster ``kubeconfig``/``context`` points at.

    ``kubeconfig=None`` uses ``$KUBECONFIG`` (read now, not at import) or ``~/.kube/config``;
    ``context=None`` its current context. Without any kubeconfig file, and with
    ``in_cluster_fallback``, the pod's service account (in-cluster config) is used.
    Every request has ``request_timeout`` seconds; lists are read ``page_size`` items a page.
    With ``progress`` and a terminal on stderr, a progress display is shown there.

    Raises :class:`~priocli.errors.InputError` (one line) on any failure: unreachable server,
    TLS verification, 401, 403, timeouts, a missing context or kubeconfig, an expired list.
    The cyclic garbage collector is off during the load; on success the loaded objects are
    moved to the permanent generation (``gc.freeze()``), so later collections skip them.
    """
    if page_size < 1:
        raise InputError(f"page size must be a positive number, got {page_size}")
    if request_timeout <= 0:
        raise InputError(f"--request-timeout must be positive, got {request_timeout:g}")
    client, server, ctx_name, auth = _make_client(kubeconfig, context, in_cluster_fallback)
    conn = _Conn(client, server, request_timeout, auth)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        version = conn.version()
        with _progress_display(progress) as display:
            per_resource = _list_all_concurrently(conn, page_size, display)
        objects: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        for res in RESOURCES:
            items = per_resource[res.kind]
            counts[res.kind] = len(items)
            objects.extend(items)
        del per_resource
        gc.freeze()
        return LiveState(objects, server, ctx_name, version, counts)
    finally:
        client.close()
        if gc_was_enabled:
            gc.enable()


# ---------------------------------------------------------------- configuration


def _kubeconfig_paths(kubeconfig: str | None) -> tuple[list[str], str]:
    """The kubeconfig files to merge (maybe none) and how to name them in messages."""
    if kubeconfig is not None:
        path = os.path.expanduser(kubeconfig)
        if not os.path.exists(path):
            raise InputError(f"kubeconfig file {kubeconfig} does not exist")
        if os.path.isdir(path):
            raise InputError(f"kubeconfig {kubeconfig} is a directory, not a file")
        return [path], kubeconfig
    env = os.environ.get("KUBECONFIG", "")
    if env:
        paths = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
        return [p for p in paths if os.path.isfile(p)], f"$KUBECONFIG ({env})"
    path = os.path.expanduser(DEFAULT_KUBECONFIG)
    return ([path] if os.path.isfile(path) else []), DEFAULT_KUBECONFIG


def _read_kubeconfigs(paths: list[str]) -> dict[str, Any]:
    """Merge kubeconfig files the way kubectl does: the first file naming a thing wins."""
    import yaml

    merged: dict[str, Any] = {"contexts": {}, "users": {}, "clusters": {}, "current-context": ""}
    for path in paths:
        try:
            with open(path, "rb") as f:
                doc = yaml.safe_load(f)
        except OSError as e:
            raise InputError(f"cannot read kubeconfig {path}: {e.strerror or e}") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise InputError(f"invalid kubeconfig {path}{where}: {problem}") from None
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise InputError(f"invalid kubeconfig {path}: expected a mapping, got {type(doc).__name__}")
        for section, key in (("contexts", "context"), ("users", "user"), ("clusters", "cluster")):
            entries = doc.get(section) or []
            if not isinstance(entries, list):
                raise InputError(f"invalid kubeconfig {path}: {section} must be a list")
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    raise InputError(f"invalid kubeconfig {path}: {section}[{i}] has no name")
                body = entry.get(key)
                merged[section].setdefault(entry["name"], body if isinstance(body, dict) else {})
        current = doc.get("current-context")
        if current and not merged["current-context"]:
            merged["current-context"] = str(current)
    return merged


def _auth_of(merged: Mapping[str, Any], ctx_name: str) -> _Auth:
    user_name = merged["contexts"][ctx_name].get("user")
    user = (merged["users"].get(user_name) or {}) if isinstance(user_name, str) else {}
    auth = _Auth(user=user_name if isinstance(user_name, str) else None)
    ex = user.get("exec")
    if isinstance(ex, dict) and ex.get("command"):
        auth.exec_command = str(ex["command"])
    ap = user.get("auth-provider")
    if isinstance(ap, dict) and ap.get("name"):
        auth.auth_provider = str(ap["name"])
    return auth


class _LogCapture(logging.Handler):
    """The client only *logs* a failing exec plugin (then sends the request without credentials)."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(" ".join(record.getMessage().split()))


@contextmanager
def _capture_root_log(into: list[str]) -> Iterator[None]:
    root = logging.getLogger()
    handler = _LogCapture(into)
    # Our handler is the only one that sees these records: no stray traceback-like lines on stderr.
    saved = root.handlers[:]
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved


def _make_client(kubeconfig: str | None, context: str | None,
                 in_cluster_fallback: bool) -> tuple[ApiClient, str, str | None, _Auth]:
    paths, shown = _kubeconfig_paths(kubeconfig)
    if not paths:
        if context is not None:
            raise InputError(f"--context {context}: no kubeconfig file found ({shown} does not exist)")
        if in_cluster_fallback and os.environ.get("KUBERNETES_SERVICE_HOST"):
            return _in_cluster_client()
        raise InputError(f"no kubeconfig found ({shown} does not exist) and not running inside a cluster; "
                         "pass --kubeconfig")
    merged = _read_kubeconfigs(paths)
    available = ", ".join(sorted(merged["contexts"])) or "none"
    ctx_name = context or merged["current-context"]
    if not ctx_name:
        raise InputError(f"kubeconfig {shown} has no current-context; pass --context (available contexts: {available})")
    if ctx_name not in merged["contexts"]:
        raise InputError(f"context {ctx_name!r} does not exist in kubeconfig {shown} (available contexts: {available})")
    cluster_name = merged["contexts"][ctx_name].get("cluster")
    if cluster_name not in merged["clusters"]:
        raise InputError(f"kubeconfig {shown}: context {ctx_name!r} refers to cluster {cluster_name!r}, "
                         "which is not defined")
    auth = _auth_of(merged, ctx_name)

    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import ENV_KUBECONFIG_PATH_SEPARATOR, load_kube_config

    cfg = Configuration()
    try:  # the client reads the files again: it resolves certificate paths relative to each file
        with _capture_root_log(auth.logged):
            load_kube_config(config_file=ENV_KUBECONFIG_PATH_SEPARATOR.join(paths), context=ctx_name,
                             client_configuration=cfg, persist_config=False)
    except (ConfigException, ValueError, TypeError, KeyError, OSError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        raise InputError(f"invalid kubeconfig {shown} (context {ctx_name!r}): {msg}") from None
    _tune(cfg)
    return ApiClient(cfg), cfg.host, ctx_name, auth


def _in_cluster_client() -> tuple[ApiClient, str, str | None, _Auth]:
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import load_incluster_config

    cfg = Configuration()
    try:
        load_incluster_config(client_configuration=cfg)
    except ConfigException as e:
        raise InputError(f"no kubeconfig found and the in-cluster configuration is unusable: {e}") from None
    _tune(cfg)
    return ApiClient(cfg), cfg.host, None, _Auth(in_cluster=True)


def _tune(cfg: Any) -> None:
    import urllib3

    # A connection per thread; no retries: they would multiply --request-timeout, and urllib3
    # announces each one with a warning on stderr.
    cfg.connection_pool_maxsize = 2 * WORKERS  # each list has one page in flight while it parses another
    cfg.retries = urllib3.Retry(total=0, redirect=0)


# ---------------------------------------------------------------- requests


class _Conn:
    """GET requests through the kubernetes client, raw bytes back, failures as InputError."""

    def __init__(self, client: ApiClient, server: str, timeout: float, auth: _Auth) -> None:
        self.client = client
        self.server = server
        self.timeout = timeout
        self.auth = auth

    def fetch(self, path: str, query: list[tuple[str, Any]]) -> bytes:
        """GET ``path``: the raw body, or the client's own exception."""
        resp = self.client.call_api(
            path, "GET", query_params=query,
            header_params={"Accept": "application/json", "Accept-Encoding": "gzip"},
            auth_settings=["BearerToken"], _preload_content=False,
            _request_timeout=self.timeout, _return_http_data_only=True,
        )
        try:
            return resp.data
        finally:
            resp.release_conn()

    def get(self, path: str, query: list[tuple[str, Any]], what: Resource) -> bytes:
        """GET one page of a list; raises :class:`_Gone` on 410 and InputError on any other failure."""
        try:
            return self.fetch(path, query)
        except Exception as e:
            if getattr(e, "status", None) == 410:
                raise _Gone from None
            self._fail(e, path, what)

    def version(self) -> str | None:
        """``/version``'s gitVersion. Also the first contact, so that reachability, TLS and rejected
        credentials fail once, before any list starts; a forbidden or absent /version is no failure."""
        try:
            body = self.fetch("/version", [])
        except Exception as e:
            if getattr(e, "status", None) in (403, 404):
                return None
            self._fail(e, "/version", None)
        try:
            v = orjson.loads(body).get("gitVersion")
        except (orjson.JSONDecodeError, AttributeError):
            return None
        return v if isinstance(v, str) else None

    def _fail(self, e: Exception, path: str, what: Resource | None) -> NoReturn:
        """Raise the one-line InputError for a failed request (or ``e`` itself: not a failure we know)."""
        from kubernetes.client.exceptions import ApiException

        err = self._api_error(e, path, what) if isinstance(e, ApiException) else self._transport_error(e, path, what)
        if err is None:
            raise e
        raise err from None

    # -- failures

    def _api_error(self, e: Any, path: str, what: Resource | None) -> InputError:
        status = e.status
        message = _status_message(e.body)
        target = f"list {what.describe()}" if what else f"GET {path}"
        if status == 0:  # the client turns a TLS failure into ApiException(status=0)
            return self._tls_error(str(e.reason or ""))
        if status == 401:
            return InputError(f"{self.server}: the API server rejected the credentials (401 Unauthorized)"
                              f"{self.auth.hint()}")
        if status == 403:
            verb, res = ("list", what.describe()) if what else ("get", path)
            if "system:anonymous" in message and (self.auth.exec_command or self.auth.auth_provider):
                # The credential plugin failed, the client sent the request without credentials.
                return InputError(f"{self.server}: the request went out without credentials (as system:anonymous) "
                                  f"and may not {verb} {res} (403){self.auth.hint()}")
            server_said = f" (server: {message})" if message else ""
            return InputError(f"{self.server}: forbidden (403): may not {verb} {res} at cluster scope{server_said}; "
                              f"the ClusterRole in {RBAC_FILE} grants get/list/watch on it")
        if status == 404:
            if what:
                return InputError(f"{self.server}: the API server does not serve {what.path} (404): "
                                  f"{what.kind} {what.api_version} is needed (Kubernetes 1.21 or later)")
            return InputError(f"{self.server}: GET {path}: 404 Not Found")
        detail = f": {message}" if message else ""
        return InputError(f"{self.server}: {target} failed: HTTP {status} {e.reason or ''}".rstrip() + detail)

    def _tls_error(self, cause: str) -> InputError:
        cause = " ".join(cause.split())
        m = re.search(r"certificate verify failed: ([^(]*?)\s*(\(_ssl|$|'\))", cause)
        if m or "CERTIFICATE_VERIFY_FAILED" in cause:
            why = m.group(1).strip() if m else "certificate verify failed"
            return InputError(f"{self.server}: TLS verification of the API server's certificate failed: {why} "
                              "(check certificate-authority / certificate-authority-data in the kubeconfig)")
        short = re.sub(r"^SSLError\s*", "", cause)
        short = re.sub(r"^.*?\bSSLError\((.*)\)+$", r"\1", short)
        return InputError(f"{self.server}: TLS handshake with the API server failed: {short or 'SSL error'}")

    def _transport_error(self, e: BaseException, path: str, what: Resource | None) -> InputError | None:
        import urllib3.exceptions as u3

        doing = f"listing {what.plural}" if what else f"GET {path}"
        reason: BaseException = e
        if isinstance(e, u3.MaxRetryError) and e.reason is not None:
            reason = e.reason
        if isinstance(reason, u3.NewConnectionError):  # (a subclass of ConnectTimeoutError)
            return InputError(f"cannot reach the API server {self.server}: {_os_cause(reason)}")
        if isinstance(reason, (u3.TimeoutError, TimeoutError)) or "timed out" in str(reason):
            return InputError(f"{self.server}: no answer within {self.timeout:g} s while {doing} "
                              "(a slow or overloaded API server? raise --request-timeout)")
        if isinstance(reason, u3.SSLError) or "SSLError" in type(reason).__name__:
            return self._tls_error(str(reason))
        if isinstance(reason, (u3.HTTPError, OSError)):
            return InputError(f"cannot reach the API server {self.server}: {_os_cause(reason)}")
        return None


def _status_message(body: Any) -> str:
    """The ``message`` of a Kubernetes Status body, on one line."""
    if not body:
        return ""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        return " ".join(text.split())[:200]
    msg = doc.get("message") if isinstance(doc, dict) else None
    return " ".join(str(msg).split()) if msg else ""


def _os_cause(e: BaseException) -> str:
    """The innermost OS-level cause: 'Connection refused', 'Name or service not known'..."""
    seen: set[int] = set()
    cur: BaseException | None = e
    best = ""
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.strerror:
            best = cur.strerror
        nested = [a for a in cur.args if isinstance(a, BaseException)]  # ProtocolError('...', OSError)
        cur = cur.__cause__ or cur.__context__ or (nested[0] if nested else None)
    if best:
        return best
    text = " ".join(str(e).split())
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:?\s*", "", text)
    return text.removeprefix("Failed to establish a new connection: ") or type(e).__name__


# ---------------------------------------------------------------- lists


def _slim(item: dict[str, Any], res: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiVersion": res.api_version,
        "kind": res.kind,
        "metadata": slim_metadata(item.get("metadata") or {}),
    }
    for k, v in item.items():
        if k != "metadata" and k != "apiVersion" and k != "kind":
            out[k] = v
    return out


Progress = Callable[[Resource, int, int | None], None]  # resource, items so far, total when known


_CONTINUE = re.compile(rb'"continue":"([A-Za-z0-9+/=_.-]+)"')


def _peek_continue(body: bytes) -> str | None:
    """The continue token of a list page, read from the metadata the API server writes before the
    items, so that the next page can be asked for while this one is parsed. None if not found."""
    end = body.find(b'"items":', 0, 1 << 16)
    m = _CONTINUE.search(body, 0, end) if end > 0 else None
    return m.group(1).decode("ascii") if m else None


def _list_resource(conn: _Conn, res: Resource, page_size: int, cancel: threading.Event,
                   report: Progress) -> list[dict[str, Any]]:
    """All items of one resource, page by page, the next page in flight while one is parsed.
    An expired continue token (410 Gone) restarts the list once."""

    def fetch(token: str | None) -> Future[bytes]:
        query: list[tuple[str, Any]] = [("limit", page_size)]
        if res.field_selector:
            query.append(("fieldSelector", res.field_selector))
        if token:
            query.append(("continue", token))
        return prefetch.submit(conn.get, res.path, query, res)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"priocli-{res.plural}") as prefetch:
        for attempt in (1, 2):
            items: list[dict[str, Any]] = []
            token: str | None = None
            try:
                pending: Future[bytes] | None = fetch(None)
                while pending is not None:
                    body = pending.result()
                    if cancel.is_set():
                        raise _Cancelled
                    peeked = _peek_continue(body)
                    pending = fetch(peeked) if peeked else None
                    try:
                        page = orjson.loads(body)
                    except orjson.JSONDecodeError as e:
                        raise InputError(f"{conn.server}: the list of {res.plural} is not valid JSON: {e}") from None
                    del body
                    raw = page.get("items") if isinstance(page, dict) else None
                    if not isinstance(raw, list):
                        raise InputError(f"{conn.server}: the list of {res.plural} has no items "
                                         "(is this a Kubernetes API server?)")
                    items.extend(_slim(it, res) for it in raw if isinstance(it, dict))
                    meta = page.get("metadata") or {}
                    del page, raw
                    token = meta.get("continue") or None
                    if token != peeked:  # the peek missed: ask again with the real token
                        pending = fetch(token) if token else None
                    remaining = meta.get("remainingItemCount")
                    report(res, len(items), len(items) + remaining if isinstance(remaining, int) else
                           (len(items) if not token else None))
                return items
            except _Gone:
                if token is None:  # 410 on the first page: nothing to restart
                    raise InputError(f"{conn.server}: listing {res.plural} failed: 410 Gone") from None
                if attempt == 2:
                    raise InputError(
                        f"{conn.server}: listing {res.plural} failed twice: the continue token expired (410 Gone) "
                        "before all pages were read; the cluster changes faster than it can be paged through, "
                        "try again (a larger page size needs fewer pages)") from None
    raise AssertionError("unreachable")


def _list_all_concurrently(conn: _Conn, page_size: int, report: Progress) -> dict[str, list[dict[str, Any]]]:
    cancel = threading.Event()
    # The pod list is by far the longest: start it first.
    order = sorted(RESOURCES, key=lambda r: r.kind != "Pod")
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="priocli-list") as pool:
        futures: dict[Future[list[dict[str, Any]]], Resource] = {
            pool.submit(_list_resource, conn, res, page_size, cancel, report): res for res in order
        }
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
        finally:  # a failure (or ^C) stops the other lists at their next page
            cancel.set()
    failures = [(RESOURCES.index(res), f.exception()) for f, res in futures.items()
                if f.exception() is not None and not isinstance(f.exception(), _Cancelled)]
    if failures:
        _, exc = min(failures, key=lambda t: t[0])
        assert exc is not None
        raise exc
    return {res.kind: f.result() for f, res in futures.items()}


@contextmanager
def _progress_display(enabled: bool) -> Iterator[Progress]:
    """A rich progress display on stderr (only on a terminal); yields the per-page callback."""
    if not enabled or not sys.stderr.isatty():
        yield lambda res, n, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("reading {task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True)
    tasks = {res.kind: bar.add_task(res.plural, total=None) for res in RESOURCES}

    def report(res: Resource, n: int, total: int | None) -> None:
        bar.update(tasks[res.kind], completed=n, total=total)

    with bar:
        yield report
