"""priocli.load.live against a real HTTP(S) server on 127.0.0.1 speaking the Kubernetes list API,
through the real kubernetes client and a generated kubeconfig. Nothing of the client is mocked."""

from __future__ import annotations

import gc
import io
import math
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme
import yaml
from fakeapi import FakeKubeAPI, make_cluster, running_objects
from fakeapi.kubeconfig import TOKEN, kubeconfig

from priocli.errors import InputError
from priocli.load.live import METADATA_KEPT, RESOURCES, LiveState, load_live
from priocli.snapshot import strip_object, write_snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cluster() -> list[dict[str, Any]]:
    return make_cluster(nodes=20, pods=2000, seed=11)


@pytest.fixture
def api(ca: trustme.CA, cluster: list[dict[str, Any]]):
    with FakeKubeAPI(cluster, ca=ca, token=TOKEN) as server:
        yield server


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read the developer's kubeconfig or think it runs in a cluster."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def expected(cluster: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """What the loader must return for each object: metadata slimmed, kind/apiVersion set."""
    out = {}
    for o in running_objects(cluster):
        meta = o["metadata"]
        slim = {**o, "metadata": {k: meta[k] for k in METADATA_KEPT if k in meta}}
        cost = meta.get("annotations", {}).get("controller.kubernetes.io/pod-deletion-cost")
        if cost is not None:
            slim["metadata"]["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
        out[(o["kind"], meta.get("namespace", ""), meta["name"])] = slim
    return out


def ident(o: dict[str, Any]) -> tuple[str, str, str]:
    return o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]


def load(api: FakeKubeAPI, tmp_path: Path, ca: trustme.CA | None, **kw: Any) -> LiveState:
    kc = kubeconfig(tmp_path / "kubeconfig", api.url, ca)
    return load_live(kubeconfig=kc, context=kw.pop("context", None), **kw)


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("gzip_ok", [True, False], ids=["gzip", "identity"])
def test_tls_token_reads_everything_as_the_api_returns_it(ca, cluster, tmp_path, gzip_ok):
    with FakeKubeAPI(cluster, ca=ca, token=TOKEN, gzip_ok=gzip_ok) as api:
        t0 = time.perf_counter()
        state = load(api, tmp_path, ca)
        elapsed = time.perf_counter() - t0
    want = expected(cluster)
    got = {ident(o): o for o in state.objects}
    assert len(got) == len(state.objects)  # no duplicates
    assert got == want
    assert state.server == api.url and state.server.startswith("https://127.0.0.1:")
    assert state.context == "fake"
    assert state.server_version == "v1.29.4"
    pods = [o for o in state.objects if o["kind"] == "Pod"]
    assert len(pods) == state.counts["Pod"] >= 1800
    assert all(p["status"]["phase"] not in ("Succeeded", "Failed") for p in pods)
    # Each kind in RESOURCES order; within a kind, the API's order (namespace, then name).
    kinds = [o["kind"] for o in state.objects]
    assert kinds == sorted(kinds, key=[r.kind for r in RESOURCES].index)
    assert [ident(p) for p in pods] == sorted(ident(p) for p in pods)
    assert {r.kind for r in RESOURCES} == set(state.counts)
    for o in state.objects:
        assert list(o)[:3] == ["apiVersion", "kind", "metadata"]
        assert "managedFields" not in o["metadata"]
        assert set(o["metadata"].get("annotations", {})) <= {"controller.kubernetes.io/pod-deletion-cost"}
    assert any("annotations" in p["metadata"] for p in pods)  # the one annotation priocli reads
    # Read-only: GET and nothing else, every request with the bearer token.
    assert api.methods() == {"GET"}
    assert {r.authorization for r in api.requests} == {f"Bearer {TOKEN}"}
    pod_reqs = api.list_requests("/api/v1/pods")
    assert all(r.query["fieldSelector"] == ["status.phase!=Succeeded,status.phase!=Failed"] for r in pod_reqs)
    assert all(r.query["limit"] == ["500"] for r in pod_reqs)
    assert elapsed < 30, elapsed


def test_pagination_across_many_pages(api, ca, cluster, tmp_path):
    state = load(api, tmp_path, ca, page_size=7)
    assert {ident(o): o for o in state.objects} == expected(cluster)
    pod_reqs = api.list_requests("/api/v1/pods")
    assert len(pod_reqs) == math.ceil(state.counts["Pod"] / 7) > 250
    assert "continue" not in pod_reqs[0].query
    tokens = [r.query["continue"][0] for r in pod_reqs[1:]]
    assert len(set(tokens)) == len(tokens)
    # Every list was paginated, the small ones too.
    assert len(api.list_requests("/api/v1/nodes")) == math.ceil(20 / 7)
    assert api.methods() == {"GET"}


def test_expired_continue_token_restarts_that_list_once(api, ca, cluster, tmp_path):
    api.expire_continue("Pod", times=1)
    state = load(api, tmp_path, ca, page_size=100)
    assert {ident(o): o for o in state.objects} == expected(cluster)
    firsts = [r for r in api.list_requests("/api/v1/pods") if "continue" not in r.query]
    assert len(firsts) == 2  # the list was started again from scratch


def test_expired_continue_token_twice_fails_clearly(api, ca, tmp_path):
    api.expire_continue("Pod", times=2)
    with pytest.raises(InputError) as e:
        load(api, tmp_path, ca, page_size=100)
    msg = str(e.value)
    assert "pods" in msg and "410" in msg and "expired" in msg and "\n" not in msg


def test_in_cluster_fallback_with_lowercase_bearer(api, ca, tmp_path, monkeypatch):
    from kubernetes.config import incluster_config

    token_file, ca_file = tmp_path / "token", tmp_path / "ca.crt"
    token_file.write_text(TOKEN)
    ca_file.write_bytes(ca.cert_pem.bytes())
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token_file))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca_file))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", api.url.rsplit(":", 1)[1])
    state = load_live(kubeconfig=None, context=None)
    assert state.context is None and state.server == api.url
    assert state.counts["Node"] == 20
    assert {r.authorization for r in api.requests} == {f"bearer {TOKEN}"}
    with pytest.raises(InputError, match="no kubeconfig found"):
        load_live(kubeconfig=None, context=None, in_cluster_fallback=False)


def test_kubeconfig_env_merges_files_and_is_read_at_call_time(api, ca, tmp_path, monkeypatch):
    first = tmp_path / "a.yaml"
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "fake"}))
    second = kubeconfig(tmp_path / "b.yaml", api.url, ca, current=None)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(tmp_path / "missing.yaml"), second]))
    state = load_live(kubeconfig=None, context=None)
    assert state.context == "fake" and state.counts["Node"] == 20


def test_default_kubeconfig_in_home(api, ca, tmp_path):
    home = Path(os.environ["HOME"])
    (home / ".kube").mkdir(parents=True)
    kubeconfig(home / ".kube" / "config", api.url, ca, contexts=("one", "two"), current="two")
    state = load_live(kubeconfig=None, context=None)
    assert state.context == "two"
    state = load_live(kubeconfig=None, context="one")
    assert state.context == "one"


def test_gc_is_restored_after_success_and_failure(api, ca, tmp_path):
    assert gc.isenabled()
    load(api, tmp_path, ca)
    assert gc.isenabled()
    api.forbid("Pod")
    with pytest.raises(InputError):
        load(api, tmp_path, ca)
    assert gc.isenabled()
    gc.disable()
    try:
        api.faults.forbidden.clear()
        load(api, tmp_path, ca)
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal(api, ca, tmp_path, capsys, monkeypatch):
    load(api, tmp_path, ca, progress=True)
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    state = load(api, tmp_path, ca, progress=True, page_size=50)
    assert state.counts["Pod"] > 0
    assert "pods" in tty.getvalue()
    load(api, tmp_path, ca, progress=False)


def test_snapshot_of_a_live_cluster_round_trips(api, ca, tmp_path):
    state = load(api, tmp_path, ca)
    out = tmp_path / "cluster.json"
    write_snapshot(state.objects, str(out))
    doc = orjson.loads(out.read_bytes())
    assert doc["apiVersion"] == "v1" and doc["kind"] == "List"
    assert sorted(map(ident, doc["items"])) == sorted(map(ident, state.objects))
    by_id = {ident(o): o for o in state.objects}
    assert all(item == strip_object(by_id[ident(item)]) for item in doc["items"])


# ---------------------------------------------------------------- failures


def one_line(e: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(e.value)
    assert msg and "\n" not in msg and "Traceback" not in msg
    return msg


def test_rejected_token_is_401(api, ca, tmp_path):
    kc = kubeconfig(tmp_path / "kc", api.url, ca, user={"token": "wrong"})
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context=None)
    msg = one_line(e)
    assert "401" in msg and "rejected the credentials" in msg and api.url in msg and "fake-user" in msg


def _plugin(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-auth-plugin"
    script.write_text(f"#!{sys.executable}\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_401_names_the_exec_plugin(api, ca, tmp_path):
    cmd = _plugin(tmp_path, 'import json; print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", '
                            '"kind": "ExecCredential", "status": {"token": "expired-token"}}))')
    kc = kubeconfig(tmp_path / "kc", api.url, ca,
                    user={"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": cmd}})
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context=None)
    msg = one_line(e)
    assert "401" in msg and cmd in msg and "exec plugin" in msg and "expired" in msg


def test_failing_exec_plugin_is_named_when_the_request_goes_out_anonymous(api, ca, tmp_path, capsys):
    cmd = _plugin(tmp_path, 'import sys; print("token has expired, run aws sso login", file=sys.stderr); sys.exit(1)')
    kc = kubeconfig(tmp_path / "kc", api.url, ca,
                    user={"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": cmd}})
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context=None)
    msg = one_line(e)
    assert "403" in msg and "system:anonymous" in msg and cmd in msg and "aws sso login" in msg
    assert capsys.readouterr().err == ""  # the client's own log line did not leak


def test_403_names_resource_verb_and_the_rbac_file(api, ca, tmp_path):
    api.forbid("PodDisruptionBudget")
    with pytest.raises(InputError) as e:
        load(api, tmp_path, ca)
    msg = one_line(e)
    assert "403" in msg and "list poddisruptionbudgets" in msg and 'API group "policy"' in msg
    assert "docs/rbac.yaml" in msg and "test-user" in msg
    assert api.methods() == {"GET"}


def test_timeout_mentions_request_timeout(api, ca, tmp_path):
    api.slow("/api/v1/pods", 5.0)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as e:
        load(api, tmp_path, ca, request_timeout=0.5)
    assert time.perf_counter() - t0 < 4
    msg = one_line(e)
    assert "--request-timeout" in msg and "0.5 s" in msg and "pods" in msg


def test_unreachable_server(tmp_path, ca):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kc = kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{port}", ca)
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context=None, request_timeout=5)
    msg = one_line(e)
    assert msg.startswith(f"cannot reach the API server https://127.0.0.1:{port}") and "refused" in msg


def test_tls_verification_failure(api, tmp_path):
    kc = kubeconfig(tmp_path / "kc", api.url, trustme.CA())  # some other CA
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context=None)
    msg = one_line(e)
    assert "TLS verification" in msg and api.url in msg and "certificate-authority" in msg


def test_context_that_does_not_exist_lists_the_available_ones(api, ca, tmp_path):
    kc = kubeconfig(tmp_path / "kc", api.url, ca, contexts=("prod", "staging"), current="prod")
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=kc, context="dev")
    msg = one_line(e)
    assert "'dev'" in msg and "prod, staging" in msg
    assert api.requests == []


@pytest.mark.parametrize(("content", "needle"), [
    (None, "does not exist"),
    ("clusters: [oops\n", "invalid kubeconfig"),
    ("- just\n- a list\n", "expected a mapping"),
    ("apiVersion: v1\nkind: Config\n", "no current-context"),
    ("current-context: x\ncontexts: [{name: x, context: {cluster: nowhere, user: u}}]\n", "'nowhere'"),
    ("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
     "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: '!!notbase64'}}]\n",
     "invalid kubeconfig"),
])
def test_missing_or_invalid_kubeconfig(tmp_path, content, needle):
    path = tmp_path / "kubeconfig"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=str(path), context=None)
    assert needle in one_line(e)


def test_no_kubeconfig_anywhere(tmp_path):
    with pytest.raises(InputError) as e:
        load_live(kubeconfig=None, context=None)
    assert "no kubeconfig found" in one_line(e)


# ---------------------------------------------------------------- contracts


def test_rbac_grants_exactly_what_is_read():
    docs = [d for d in yaml.safe_load_all((ROOT / "docs" / "rbac.yaml").read_text()) if d]
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    granted = set()
    for rule in role["rules"]:
        assert sorted(rule["verbs"]) == ["get", "list", "watch"]
        granted |= {(g, r) for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted == {(r.group, r.plural) for r in RESOURCES}
    binding = next(d for d in docs if d["kind"] == "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert any(d["kind"] == "ServiceAccount" for d in docs)


def test_fake_server_paths_are_the_ones_read():
    from fakeapi.server import RESOURCES as SERVED

    assert {path for _, path, _ in SERVED.values()} == {r.path for r in RESOURCES}


def test_kubernetes_is_not_imported_until_a_cluster_is_contacted():
    code = ("import sys, priocli.load.live, priocli.snapshot; "
            "assert not any(m == 'kubernetes' or m.startswith('kubernetes.') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
