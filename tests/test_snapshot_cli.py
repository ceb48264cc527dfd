"""``priocli snapshot``: of a live cluster (the fake API server of ``tests/fakeapi``, through the real
kubernetes client) and of files (``priocli snapshot PATH...``: normalize, strip, redact a dump).

Whatever the source, ``priocli simulate`` reads the snapshot back and decides exactly as it does
on what the snapshot was made from.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme
import yaml
from conftest import FIXTURES, REPO
from fakeapi import FakeKubeAPI, make_cluster, running_objects

from priocli.cli import main

TOKEN = "test-token"
DEPLOYMENTS = FIXTURES / "blog-deployments"
Obj = dict[str, Any]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "PRIOCLI_REDACT_KEY",
                "PRIOCLI_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cluster() -> list[Obj]:
    """A generated cluster with the noise real ones carry, finished pods included."""
    return make_cluster(nodes=8, pods=300, seed=5)


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    cap = capsysbinary.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), cap.out, cap.err.decode()


def ok(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[bytes, str]:
    code, out, err = run(capsysbinary, *args)
    assert code == 0, err
    return out, err


def kubeconfig(path: Path, server: str, ca: trustme.CA) -> str:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data":
                                                 base64.b64encode(ca.cert_pem.bytes()).decode()}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
        "contexts": [{"name": "fake", "context": {"cluster": "c", "user": "u"}}],
    }))
    return str(path)


def dump(path: Path, objects: list[Obj]) -> str:
    """What ``kubectl get ... -A -o json`` writes: one List."""
    path.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": objects}))
    return str(path)


def report(capsysbinary: pytest.CaptureFixture[bytes], *paths: str) -> bytes:
    out, _ = ok(capsysbinary, "simulate", *paths, "-o", "json")
    return out


# ------------------------------------------------------------------ files


def test_files_to_stdout_json_and_yaml(capsysbinary, tmp_path):
    src = str(DEPLOYMENTS / "cluster.yaml")
    out, err = ok(capsysbinary, "snapshot", src)
    assert err == f"snapshot: 1 node, 1 pod and 5 other objects from {src} written to stdout\n"
    doc = json.loads(out)
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1"
    assert [i["kind"] for i in doc["items"]] == ["Node", "PriorityClass", "PriorityClass", "PodDisruptionBudget",
                                                 "Deployment", "ReplicaSet", "Pod"]
    again, _ = ok(capsysbinary, "snapshot", src, "-q")
    assert again == out  # deterministic
    as_yaml, _ = ok(capsysbinary, "snapshot", src, "--format", "yaml", "-q")
    assert yaml.safe_load(as_yaml) == doc
    ok(capsysbinary, "snapshot", src, "-o", str(tmp_path / "s.yml"), "-q")
    assert (tmp_path / "s.yml").read_bytes() == as_yaml
    ok(capsysbinary, "snapshot", src, "-o", str(tmp_path / "s.yaml"), "--format", "json", "-q")
    assert (tmp_path / "s.yaml").read_bytes() == out


def test_files_snapshot_simulates_like_the_files(capsysbinary, tmp_path):
    cluster, change = str(DEPLOYMENTS / "cluster.yaml"), str(DEPLOYMENTS / "deploy.yaml")
    want = report(capsysbinary, "--cluster", cluster, change)
    for name in ("s.json", "s.yaml"):
        out, err = ok(capsysbinary, "snapshot", cluster, "-o", str(tmp_path / name))
        assert out == b"" and f"written to {tmp_path / name}" in err
        assert report(capsysbinary, "--cluster", str(tmp_path / name), change) == want
    # a snapshot of a snapshot is the same snapshot
    ok(capsysbinary, "snapshot", str(tmp_path / "s.json"), "-o", str(tmp_path / "again.json"), "-q")
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "s.json").read_bytes()


def test_a_kubectl_dump_is_stripped_and_decides_the_same(capsysbinary, cluster, tmp_path):
    """A noisy dump (managedFields, last-applied annotations, env, probes, finished pods) made small."""
    src = dump(tmp_path / "dump.json", cluster)
    out, _ = ok(capsysbinary, "snapshot", src, "-o", str(tmp_path / "snap.json"), "-q")
    snap = (tmp_path / "snap.json").read_bytes()
    assert out == b"" and len(snap) < Path(src).stat().st_size / 2
    assert b"managedFields" not in snap and b"last-applied-configuration" not in snap and b'"env"' not in snap
    assert len(json.loads(snap)["items"]) == len(cluster)  # nothing is dropped from files, finished pods neither
    assert report(capsysbinary, str(tmp_path / "snap.json")) == report(capsysbinary, src)


def test_stdin(capsysbinary, tmp_path):
    src = DEPLOYMENTS / "cluster.yaml"
    proc = subprocess.run([sys.executable, "-m", "priocli", "snapshot", "-", "-q"], cwd=REPO,
                          input=src.read_bytes(), capture_output=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == b""
    out, _ = ok(capsysbinary, "snapshot", str(src), "-q")
    assert proc.stdout == out


def test_redact_files(capsysbinary, cluster, tmp_path):
    src = dump(tmp_path / "dump.json", cluster)
    out, err = ok(capsysbinary, "snapshot", src, "--redact", "-o", str(tmp_path / "red.json"))
    assert out == b"" and err.rstrip().endswith("(redacted)")
    red = (tmp_path / "red.json").read_text()
    names = {o["metadata"]["name"] for o in cluster if o["kind"] in ("Node", "Pod", "Deployment")}
    namespaces = {o["metadata"]["name"] for o in cluster if o["kind"] == "Namespace"} - {"default", "kube-system"}
    assert names and namespaces
    assert not [n for n in names | namespaces if f'"{n}"' in red]
    # the same outcome, pod for pod (only the names differ)
    plain, redacted = json.loads(report(capsysbinary, src)), json.loads(report(capsysbinary, str(tmp_path / "red.json")))
    assert plain["summary"] == redacted["summary"]

    def shape(r: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((p["priority"], p["initial"], p["status"], p["node"] is None) for p in r["pods"])

    assert shape(plain) == shape(redacted)
    # a key of one's own: stable pseudonyms, another key other ones
    ok(capsysbinary, "snapshot", src, "--redact", "-o", str(tmp_path / "k1.json"), "-q")
    assert (tmp_path / "k1.json").read_text() == red  # the key derived from the input: the same
    key_env = {"PRIOCLI_REDACT_KEY": "ticket-1234"}
    proc = subprocess.run([sys.executable, "-m", "priocli", "snapshot", src, "--redact", "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**_env(), **key_env})
    assert proc.returncode == 0 and proc.stdout != red and "ns-" in proc.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("PRIOCLI_REDACT_KEY", "PRIOCLI_DEBUG")}


def test_file_errors(capsysbinary, tmp_path):
    target = tmp_path / "keep.json"
    target.write_text("precious")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: [\n")
    for args, needle in (
        ([str(tmp_path / "missing.yaml")], "missing.yaml: no such file or directory"),
        ([str(bad), "-o", str(target)], "bad.yaml"),
        ([str(DEPLOYMENTS / "cluster.yaml"), "-o", str(tmp_path)], "it is a directory"),
        ([str(DEPLOYMENTS / "cluster.yaml"), "-o", str(tmp_path / "none" / "s.json")], "does not exist"),
    ):
        code, out, err = run(capsysbinary, "snapshot", *args)
        assert code == 2 and out == b"", (args, err)
        assert len(err.splitlines()) == 1 and err.startswith("error: ") and needle in err, (args, err)
    assert target.read_text() == "precious"  # untouched


def test_no_cluster_to_read(capsysbinary):
    code, out, err = run(capsysbinary, "snapshot")
    assert code == 2 and out == b"" and err.startswith("error: no kubeconfig found")


# ------------------------------------------------------------------ live


def test_live_snapshot_equals_the_snapshot_of_a_dump(capsysbinary, ca, cluster, tmp_path):
    """What the API server lists (no finished pods, noise and all), read live or from a dump of it,
    gives the same bytes, redacted or not."""
    src = dump(tmp_path / "dump.json", running_objects(cluster))
    with FakeKubeAPI(cluster, ca=ca, token=TOKEN) as api:
        kc = kubeconfig(tmp_path / "kc", api.url, ca)
        for extra in ([], ["--redact"], ["--format", "yaml"]):
            live, err = ok(capsysbinary, "snapshot", "--kubeconfig", kc, *extra)
            assert f"from {api.url} (context fake) written to stdout" in err
            files, _ = ok(capsysbinary, "snapshot", src, *extra, "-q")
            assert live == files, extra
        assert api.methods() == {"GET"}


def test_live_snapshot_subprocess(ca, cluster, tmp_path):
    """The installed entry point, in its own process: a file written atomically, a summary on stderr."""
    with FakeKubeAPI(cluster, ca=ca, token=TOKEN) as api:
        kc = kubeconfig(tmp_path / "kc", api.url, ca)
        proc = subprocess.run([sys.executable, "-m", "priocli", "snapshot", "--kubeconfig", kc, "-o",
                               str(tmp_path / "snap.json")], cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**_env(), "HOME": str(tmp_path)})
        assert api.methods() == {"GET"}
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("snapshot: 8 nodes, ") and proc.stderr.count("\n") == 1
    doc = orjson.loads((tmp_path / "snap.json").read_bytes())
    assert doc["kind"] == "List" and len(doc["items"]) == len(running_objects(cluster))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
