"""A small fake Kubernetes API server: the list endpoints priocli reads, on 127.0.0.1.

Standard library ``http.server`` in a thread. Serves what a real kube-apiserver answers for
``GET /api/v1/pods?limit=500&continue=...&fieldSelector=status.phase!=Succeeded`` and the other
lists priocli reads, plus ``/version``: items without ``kind``/``apiVersion`` (as the real API
sends them), ``metadata.continue`` and ``remainingItemCount``, ``Status`` bodies for errors.

Optional: TLS from a ``trustme`` CA, a bearer token (``Bearer``/``bearer``; a request without
credentials is ``system:anonymous``, allowed only ``/version``), gzip when asked for, and faults
per path: 403, 410 on a continue token, a delay. Every request is recorded (method, path, query)
so tests can assert that nothing but GET was ever sent.
"""

from __future__ import annotations

import base64
import gzip
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

# kind -> (apiVersion, list path, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("v1", "/api/v1/namespaces", False),
    "Node": ("v1", "/api/v1/nodes", False),
    "Pod": ("v1", "/api/v1/pods", True),
    "LimitRange": ("v1", "/api/v1/limitranges", True),
    "Service": ("v1", "/api/v1/services", True),
    "ReplicationController": ("v1", "/api/v1/replicationcontrollers", True),
    "PriorityClass": ("scheduling.k8s.io/v1", "/apis/scheduling.k8s.io/v1/priorityclasses", False),
    "PodDisruptionBudget": ("policy/v1", "/apis/policy/v1/poddisruptionbudgets", True),
    "ReplicaSet": ("apps/v1", "/apis/apps/v1/replicasets", True),
    "Deployment": ("apps/v1", "/apis/apps/v1/deployments", True),
    "StatefulSet": ("apps/v1", "/apis/apps/v1/statefulsets", True),
    "DaemonSet": ("apps/v1", "/apis/apps/v1/daemonsets", True),
    "Job": ("batch/v1", "/apis/batch/v1/jobs", True),
}
VERSION = {"major": "1", "minor": "29", "gitVersion": "v1.29.4", "platform": "linux/amd64"}
EXPIRED_MESSAGE = ("The provided continue parameter is too old to display a consistent list result. "
                   "You can start a new list without the continue parameter.")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None


@dataclass
class _Item:
    body: bytes  # the object as JSON, without kind/apiVersion
    namespace: str
    name: str
    phase: str


@dataclass
class _Faults:
    forbidden: set[str] = field(default_factory=set)
    expire_continue: dict[str, int] = field(default_factory=dict)  # path -> how many more 410s
    delay: dict[str, float] = field(default_factory=dict)  # path -> seconds


def _status(code: int, reason: str, message: str) -> bytes:
    return orjson.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                         "message": message, "reason": reason, "code": code})


class FakeKubeAPI:
    """``with FakeKubeAPI(objects, ca=ca, token="t") as api: ... api.url ...``"""

    def __init__(self, objects: Iterable[dict[str, Any]], *, ca: Any | None = None,
                 token: str | None = "test-token", user: str = "test-user", gzip_ok: bool = True) -> None:
        self.token = token
        self.user = user
        self.gzip_ok = gzip_ok
        self.requests: list[Request] = []
        self.faults = _Faults()
        self.resource_version = 1000
        self._lists: dict[str, list[_Item]] = {path: [] for _, path, _ in RESOURCES.values()}
        self._kinds = {path: kind for kind, (_, path, _) in RESOURCES.items()}
        self._selected: dict[tuple[str, str], list[_Item]] = {}
        for obj in objects:
            kind = obj["kind"]
            _, path, _ = RESOURCES[kind]
            meta = obj.get("metadata") or {}
            raw = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
            self._lists[path].append(_Item(orjson.dumps(raw), meta.get("namespace") or "", meta["name"],
                                           (obj.get("status") or {}).get("phase") or ""))
        for items in self._lists.values():  # etcd order: by key, namespace then name
            items.sort(key=lambda it: (it.namespace, it.name))
        self._ssl: ssl.SSLContext | None = None
        if ca is not None:
            self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._ssl)
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread: threading.Thread | None = None

    # -- lifecycle

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> FakeKubeAPI:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-kube-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeKubeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests look at and change

    def methods(self) -> set[str]:
        return {r.method for r in self.requests}

    def list_requests(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def path_of(self, kind: str) -> str:
        return RESOURCES[kind][1]

    def forbid(self, kind: str) -> None:
        self.faults.forbidden.add(self.path_of(kind))

    def expire_continue(self, kind: str, times: int = 1) -> None:
        self.faults.expire_continue[self.path_of(kind)] = times

    def slow(self, path: str, seconds: float) -> None:
        self.faults.delay[path] = seconds

    # -- serving

    def _authenticate(self, h: BaseHTTPRequestHandler) -> str | None:
        """The user name, ``system:anonymous``, or None for rejected credentials."""
        if self.token is None:
            return self.user
        auth = h.headers.get("Authorization")
        if auth is None:
            return "system:anonymous"
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip() == self.token:
            return self.user
        return None

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        query = parse_qs(url.query, keep_blank_values=True)
        self.requests.append(Request(h.command, url.path, query, h.headers.get("Authorization")))
        delay = self.faults.delay.get(url.path)
        if delay:
            self._stopping.wait(delay)
        if h.command != "GET":
            h.close_connection = True  # its body, if any, is never read
            return self._send(h, 405, _status(405, "MethodNotAllowed", f"{h.command} is not allowed here"))
        user = self._authenticate(h)
        if user is None:
            return self._send(h, 401, _status(401, "Unauthorized", "Unauthorized"))
        if url.path == "/version":
            return self._send(h, 200, orjson.dumps(VERSION))
        items = self._lists.get(url.path)
        if items is None:
            return self._send(h, 404, _status(404, "NotFound", "the server could not find the requested resource"))
        kind = self._kinds[url.path]
        if user == "system:anonymous" or url.path in self.faults.forbidden:
            group = RESOURCES[kind][0].rpartition("/")[0]
            plural = url.path.rsplit("/", 1)[1]
            return self._send(h, 403, _status(403, "Forbidden", f'{plural} is forbidden: User "{user}" cannot list '
                                              f'resource "{plural}" in API group "{group}" at the cluster scope'))
        try:
            body = self._list(kind, url.path, items, query)
        except _BadRequest as e:
            return self._send(h, e.code, _status(e.code, e.reason, str(e)))
        self._send(h, 200, body)

    def _list(self, kind: str, path: str, items: list[_Item], query: dict[str, list[str]]) -> bytes:
        fs = query.get("fieldSelector", [""])[0]
        selected = self._selected.get((path, fs)) if fs else items
        if selected is None:  # filtered once per selector, not once per page
            selected = self._selected[(path, fs)] = [it for it in items if _field_selector_matches(fs, it)]
        offset = 0
        token = query.get("continue", [""])[0]
        if token:
            try:
                state = orjson.loads(base64.urlsafe_b64decode(token.encode()))
                offset, token_path, token_fs = int(state["o"]), state["p"], state["fs"]
            except Exception as e:
                raise _BadRequest(400, "BadRequest", f"invalid continue token: {e}") from None
            if token_path != path or token_fs != fs:
                raise _BadRequest(400, "BadRequest", "continue token does not match this list")
            left = self.faults.expire_continue.get(path, 0)
            if left > 0:
                self.faults.expire_continue[path] = left - 1
                raise _BadRequest(410, "Expired", EXPIRED_MESSAGE)
        limit_s = query.get("limit", ["0"])[0]
        limit = int(limit_s) if limit_s.isdigit() else 0
        end = len(selected) if limit <= 0 else min(len(selected), offset + limit)
        meta: dict[str, Any] = {"resourceVersion": str(self.resource_version)}
        if end < len(selected):
            state = {"o": end, "p": path, "fs": fs}
            meta["continue"] = base64.urlsafe_b64encode(orjson.dumps(state)).decode()
            if not fs:  # like the real API: no remainingItemCount with a selector
                meta["remainingItemCount"] = len(selected) - end
        head = orjson.dumps({"kind": f"{kind}List", "apiVersion": RESOURCES[kind][0], "metadata": meta})
        return head[:-1] + b',"items":[' + b",".join(it.body for it in selected[offset:end]) + b"]}"

    def _send(self, h: BaseHTTPRequestHandler, code: int, body: bytes) -> None:
        headers = {"Content-Type": "application/json"}
        if self.gzip_ok and len(body) > 1024 and "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        try:
            h.send_response(code)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(body)
        except OSError:  # the client gave up (timeout test)
            h.close_connection = True


class _BadRequest(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


def _field_selector_matches(selector: str, item: _Item) -> bool:
    for term in selector.split(","):
        for op in ("!=", "==", "="):
            if op in term:
                key, _, value = term.partition(op)
                break
        else:
            raise _BadRequest(400, "BadRequest", f"invalid field selector term {term!r}")
        actual = {"status.phase": item.phase, "metadata.name": item.name,
                  "metadata.namespace": item.namespace}.get(key)
        if actual is None:
            raise _BadRequest(400, "BadRequest", f'field label not supported: {key}')
        if (actual == value) != (op != "!="):
            return False
    return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], handler: type[BaseHTTPRequestHandler], api: FakeKubeAPI) -> None:
        self.api = api
        super().__init__(addr, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake in the connection's own thread: a client that rejects our certificate
        # must not block the accept loop.
        ctx = self.api._ssl
        if ctx is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer is part of the tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server: _Server

    def _any(self) -> None:
        self.server.api.handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass
