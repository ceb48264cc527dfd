"""The live-cluster options of the command line (``--live``, ``--kubeconfig``, ``--context``,
``--request-timeout``, ``--namespace``) and ``priocli snapshot``, end to end: the real kubernetes
client, through a generated kubeconfig, against the fake API server of ``tests/fakeapi`` (TLS,
bearer token) on 127.0.0.1. Nothing of the client is mocked.

The "done when" of live loading: one scenario gives byte-identical ``-o json`` whether read live,
from a JSON or YAML snapshot ``priocli snapshot`` wrote, or from the original manifests.
"""

from __future__ import annotations

import copy
import io
import json
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from fakeapi import FakeKubeAPI
from fakeapi.kubeconfig import TOKEN, kubeconfig

from priocli.cli import main

T0 = "2024-05-01T10:00:00Z"
Obj = dict[str, Any]


# ------------------------------------------------------------------ the scenario


def _ns(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}, "status": {"phase": "Active"}}


def _node(name: str, zone: str) -> Obj:
    res = {"cpu": "4", "memory": "8Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                                  "topology.kubernetes.io/zone": zone}},
            "spec": {"providerID": f"fake:///{name}"},
            "status": {"capacity": res, "allocatable": res,
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "lastHeartbeatTime": T0, "lastTransitionTime": T0}],
                       "addresses": [{"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": "v1.29.4"}}}


def _class(name: str, value: int, never: bool = False) -> Obj:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "preemptionPolicy": "Never" if never else "PreemptLowerPriority", "globalDefault": False}


def _container(cpu: str, mem: str) -> Obj:
    # env, probes and the rest: noise a snapshot strips; no decision may depend on it
    return {"name": "app", "image": "registry.example.com/app:1.0", "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "MODE", "value": "prod"}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
            "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"memory": mem}}}


def _pod_spec(cls: str, value: int, cpu: str, mem: str, node: str | None) -> Obj:
    spec: Obj = {"priorityClassName": cls, "priority": value, "preemptionPolicy": "PreemptLowerPriority",
                 "containers": [_container(cpu, mem)], "serviceAccountName": "default",
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}]}
    if node:
        spec["nodeName"] = node
    return spec


def _pod(ns: str, name: str, spec: Obj, labels: dict[str, str], owner: Obj | None = None) -> Obj:
    meta: Obj = {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": T0}
    if owner:
        meta["ownerReferences"] = [owner]
    running = bool(spec.get("nodeName"))
    status: Obj = {"phase": "Running" if running else "Pending", "qosClass": "Burstable"}
    if running:
        status["startTime"] = T0
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": T0},
                                {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}]
        status["podIP"] = "10.1.0.7"
    else:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                 "message": "0/2 nodes are available: 2 Insufficient cpu.", "lastTransitionTime": T0}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


WEB_HASH = "5c7d9f8b4d"
DEPLOY_UID = "0b6f1c1e-4a8e-4c49-9a57-0d7c7d1f0a01"
RS_UID = "5f2d7a8e-1c3b-4e6f-8a9d-2b4c6e8f0a12"


def scenario() -> tuple[list[Obj], list[Obj]]:
    """(current state, change). Two 4-CPU nodes; in ``shop`` the low-priority Deployment ``web`` (3
    replicas through its ReplicaSet, a PDB allowing 1 disruption), in ``batch`` a running and a
    pending report; in ``default`` a high-priority pod. The change adds ``shop/checkout``, a
    high-priority Deployment of 2 replicas, 2.5 CPU each: they preempt web pods, whose ReplicaSet
    makes replacements that stay Pending."""
    web_labels = {"app": "web", "pod-template-hash": WEB_HASH}
    web_template = {"metadata": {"labels": web_labels}, "spec": _pod_spec("low", 100, "1", "1Gi", None)}
    del web_template["spec"]["priority"], web_template["spec"]["preemptionPolicy"]
    rs_owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"web-{WEB_HASH}", "uid": RS_UID,
                "controller": True, "blockOwnerDeletion": True}
    current: list[Obj] = [
        _ns("default"), _ns("shop"), _ns("batch"),
        _node("node-a", "zone-a"), _node("node-b", "zone-b"),
        _class("critical", 1_000_000), _class("high", 10_000), _class("low", 100), _class("batch-low", 50, never=True),
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
         "metadata": {"name": "web-pdb", "namespace": "shop"},
         "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
         "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3,
                    "observedGeneration": 1,
                    "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
                                    "lastTransitionTime": T0, "message": ""}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "shop", "uid": DEPLOY_UID, "labels": {"app": "web"}},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}}, "spec": web_template["spec"]}},
         "status": {"replicas": 3, "readyReplicas": 3, "availableReplicas": 3}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": f"web-{WEB_HASH}", "namespace": "shop", "uid": RS_UID, "labels": web_labels,
                      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                           "uid": DEPLOY_UID, "controller": True, "blockOwnerDeletion": True}]},
         "spec": {"replicas": 3, "selector": {"matchLabels": web_labels}, "template": web_template},
         "status": {"replicas": 3, "readyReplicas": 3}},
        # pods: the API lists them by namespace, then name; the manifests keep that order (pending
        # pods queue in input order)
        _pod("batch", "report-1", _pod_spec("batch-low", 50, "500m", "512Mi", "node-a"), {"app": "report"}),
        _pod("batch", "report-2", _pod_spec("batch-low", 50, "3", "1Gi", None), {"app": "report"}),
        _pod("default", "gateway", _pod_spec("critical", 1_000_000, "1", "1Gi", "node-b"), {"app": "gateway"}),
        *[_pod("shop", f"web-{WEB_HASH}-{sfx}", _pod_spec("low", 100, "1", "1Gi", node), web_labels, rs_owner)
          for sfx, node in (("4xk2p", "node-a"), ("9wq7z", "node-b"), ("m2n8c", "node-a"))],
    ]
    change: list[Obj] = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "checkout", "namespace": "shop"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "checkout"}},
                  "template": {"metadata": {"labels": {"app": "checkout"}},
                               "spec": {"priorityClassName": "high",
                                        "containers": [_container("2500m", "2Gi")]}}}},
    ]
    return current, change


def served(objects: list[Obj]) -> list[Obj]:
    """The objects as an API server holds them: uids, resourceVersion, generation, managedFields and
    the last-applied annotation added (the server also drops kind/apiVersion from list items)."""
    out = copy.deepcopy(objects)
    for i, o in enumerate(out):
        meta = o["metadata"]
        meta.setdefault("uid", f"00000000-0000-4000-8000-{i:012d}")
        meta.setdefault("creationTimestamp", T0)
        meta["resourceVersion"] = str(5000 + i)
        meta["generation"] = 1
        meta["managedFields"] = [{"manager": "kubectl", "operation": "Update", "apiVersion": o["apiVersion"],
                                  "time": T0, "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]
        meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(objects[i])}
    return out


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read the developer's kubeconfig or think it runs in a cluster."""
    for var in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "PRIOCLI_REDACT_KEY",
                "PRIOCLI_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """The scenario on disk: original-manifests/ (the current state) and change.yaml."""
    current, change = scenario()
    d = tmp_path / "original-manifests"
    d.mkdir()
    kinds = ("Namespace", "Node", "PriorityClass", "PodDisruptionBudget", "Deployment", "ReplicaSet")
    (d / "cluster.yaml").write_text(yaml.safe_dump_all([o for o in current if o["kind"] in kinds], sort_keys=False))
    (d / "pods.yaml").write_text(yaml.safe_dump_all([o for o in current if o["kind"] == "Pod"], sort_keys=False))
    (tmp_path / "change.yaml").write_text(yaml.safe_dump_all(change, sort_keys=False))
    return {"manifests": str(d), "change": str(tmp_path / "change.yaml")}


@pytest.fixture
def api(ca: trustme.CA):
    with FakeKubeAPI(served(scenario()[0]), ca=ca, token=TOKEN) as server:
        yield server


@pytest.fixture
def kc(api: FakeKubeAPI, ca: trustme.CA, tmp_path: Path) -> str:
    return kubeconfig(tmp_path / "kubeconfig", api.url, ca)


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    """``priocli ARGS`` in this process: exit code, stdout bytes, stderr text."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    cap = capsysbinary.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), cap.out, cap.err.decode()


def fails(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> str:
    """Run a command that must fail on input: exit 2, nothing on stdout, one ``error:`` line. The line."""
    code, out, err = run(capsysbinary, *args)
    assert code == 2, err
    assert out == b""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------ the "done when": four ways, one report


def test_live_snapshot_and_manifests_give_byte_identical_json(api, kc, files, tmp_path, capsysbinary):
    manifests, change = files["manifests"], files["change"]
    code, live, err = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "-o", "json")
    assert code == 0, err
    report = json.loads(live)
    # the scenario does what it is for: preemption, a PDB, replacements
    by_key = {f"{p['namespace']}/{p['name']}": p for p in report["pods"]}
    evicted = {k for k, p in by_key.items() if p["status"] == "evicted"}
    assert evicted and all(k.startswith(f"shop/web-{WEB_HASH}-") for k in evicted)
    assert any(p["initial"] == "replacement" for p in report["pods"])
    assert sum(1 for k, p in by_key.items() if k.startswith("shop/checkout-") and p["status"] == "running") == 2
    assert by_key["batch/report-2"]["status"] == "pending"
    assert all(e["preemptor"].startswith("shop/checkout-") for e in report["evictions"])
    assert any(e["pdbViolated"] for e in report["evictions"]) and not all(e["pdbViolated"] for e in report["evictions"])
    assert report["warnings"] == []

    outs = {"live": live}
    for name in ("snap.json", "snap.yaml"):
        snap = str(tmp_path / name)
        code, out, err = run(capsysbinary, "snapshot", "--kubeconfig", kc, "-o", snap)
        assert code == 0 and out == b"", err
        assert f"written to {snap}" in err
        code, outs[name], err = run(capsysbinary, "simulate", "--cluster", snap, change, "-o", "json")
        assert code == 0, err
    assert (tmp_path / "snap.json").read_bytes().startswith(b'{"apiVersion":"v1","kind":"List","metadata":{},"items":[\n')
    assert yaml.safe_load((tmp_path / "snap.yaml").read_text())["kind"] == "List"
    code, outs["manifests"], err = run(capsysbinary, "simulate", "--cluster", manifests, change, "-o", "json")
    assert code == 0, err
    for name, out in outs.items():
        assert out == live, name
    # explain reads the same state the same way
    explained = {}
    for source in (["--kubeconfig", kc], ["--cluster", str(tmp_path / "snap.json")], ["--cluster", manifests]):
        code, explained[source[0] + source[1]], err = run(
            capsysbinary, "explain", "-n", "shop", "deployment/checkout", *source, change, "-o", "json",
            "--max-reruns", "0")
        assert code == 0, err
    assert len(set(explained.values())) == 1
    assert api.methods() == {"GET"}


def test_snapshot_of_the_original_manifests_gives_the_same_json(files, tmp_path, capsysbinary):
    """``priocli snapshot PATH...`` (no cluster) normalizes files: the same report again."""
    manifests, change = files["manifests"], files["change"]
    code, want, _ = run(capsysbinary, "simulate", "--cluster", manifests, change, "-o", "json")
    assert code == 0
    code, out, err = run(capsysbinary, "snapshot", manifests, "-o", str(tmp_path / "norm.json"))
    assert code == 0 and out == b"" and "3 pods" not in err and "6 pods" in err
    code, got, _ = run(capsysbinary, "simulate", "--cluster", str(tmp_path / "norm.json"), change, "-o", "json")
    assert code == 0 and got == want


# ------------------------------------------------------------------ options


def test_live_without_a_change_simulates_the_current_state(api, kc, capsysbinary):
    code, out, err = run(capsysbinary, "simulate", "--kubeconfig", kc, "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["summary"] == {"nodes": 2, "pods": 6, "running": 5, "scheduled": 0, "pending": 1, "evicted": 0}


def test_current_context_and_named_context(api, ca, tmp_path, files, capsysbinary):
    home = tmp_path / "home" / ".kube"
    home.mkdir(parents=True)
    kubeconfig(home / "config", api.url, ca, contexts=("dev", "prod"), current="prod")
    code, a, err = run(capsysbinary, "simulate", "--live", files["change"], "-o", "json")
    assert code == 0, err
    code, b, err = run(capsysbinary, "simulate", "--context", "dev", files["change"], "-o", "json")
    assert code == 0, err
    assert a == b


def test_namespace_filters_what_is_shown_not_what_is_simulated(api, kc, files, capsysbinary):
    change = files["change"]
    code, out, _ = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "-o", "json")
    full = json.loads(out)
    code, out, err = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "-o", "json", "-n", "shop")
    assert code == 0, err
    shop = json.loads(out)
    assert shop["pods"] == [p for p in full["pods"] if p["namespace"] == "shop"]
    assert shop["evictions"] == full["evictions"]  # all of them involve shop pods
    assert shop["summary"]["pods"] == len(shop["pods"]) < full["summary"]["pods"]
    assert shop["summary"]["nodes"] == full["summary"]["nodes"]
    code, out, _ = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "-o", "json", "-n", "batch")
    batch = json.loads(out)
    assert [p["name"] for p in batch["pods"]] == ["report-1", "report-2"] and batch["evictions"] == []
    # the table says what it left out
    code, out, err = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "--namespace", "batch")
    text = out.decode()
    assert code == 0 and "report-2" in text and "web-" not in text
    assert f"namespace batch: 2 of {full['summary']['pods']} pods shown (the whole cluster was simulated)" in text
    # --fail-on judges the whole cluster, whatever is shown
    code, out, err = run(capsysbinary, "simulate", "--kubeconfig", kc, change, "-n", "batch", "--fail-on",
                         "eviction", "-q")
    assert code == 1 and out == b"" and "fail-on eviction" in err


def test_explain_namespace(api, kc, files, capsysbinary):
    code, out, err = run(capsysbinary, "explain", "report-2", "-n", "batch", "--kubeconfig", kc, files["change"],
                         "-o", "json", "--max-reruns", "0")
    assert code == 0, err
    assert json.loads(out)["pod"]["status"] == "pending"
    line = fails(capsysbinary, "explain", "shop/gateway", "-n", "default", "--kubeconfig", kc)
    assert "namespace shop" in line and "--namespace is default" in line


def test_timings_count_the_live_read(api, kc, files, capsysbinary):
    code, _, err = run(capsysbinary, "simulate", "--kubeconfig", kc, files["change"], "-q", "--timings")
    assert code == 0
    load = float(err.split("load=")[1].split("s")[0])
    assert load > 0.0


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["simulate", "check", "classes", "snapshot"])
def test_progress_on_a_terminal_unless_quiet(api, kc, files, command, monkeypatch, capsysbinary):
    args = {"simulate": [files["change"]], "check": [files["change"]], "classes": [], "snapshot": ["-o", "-"]}
    for quiet in (False, True):
        tty = _Tty()
        monkeypatch.setattr(sys, "stderr", tty)
        run(capsysbinary, command, "--kubeconfig", kc, *args[command], *(["-q"] if quiet else []))
        shown = "reading pods" in tty.getvalue()
        assert shown != quiet, (command, quiet, tty.getvalue())


def test_usage_errors_before_any_request(api, kc, files, tmp_path, capsysbinary):
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, "--cluster", files["manifests"], files["change"])
    assert "exclusive" in line
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, str(tmp_path / "missing.yaml"))
    assert "missing.yaml: no such file or directory" in line
    line = fails(capsysbinary, "simulate")
    assert "--live" in line and "--cluster" in line
    line = fails(capsysbinary, "simulate", "--cluster", files["manifests"])  # a change is needed: only live may go without
    assert "PATH" in line
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, "--request-timeout", "0", files["change"])
    assert "--request-timeout must be positive" in line
    line = fails(capsysbinary, "snapshot", files["manifests"], "--kubeconfig", kc)
    assert "exclusive" in line
    line = fails(capsysbinary, "snapshot", "--kubeconfig", kc, "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert "does not exist" in line
    assert api.requests == []


# ------------------------------------------------------------------ failures: exit 2, one line, nothing on stdout


def test_unreachable(ca, tmp_path, files, capsysbinary):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kc = kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{port}", ca)
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, files["change"], "--request-timeout", "5")
    assert line.startswith(f"error: cannot reach the API server https://127.0.0.1:{port}: ") and "refused" in line


def test_tls_wrong_ca(api, tmp_path, files, capsysbinary):
    kc = kubeconfig(tmp_path / "kc", api.url, trustme.CA())
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, files["change"])
    assert "TLS verification" in line and api.url in line and "certificate-authority" in line


def test_401(api, ca, tmp_path, files, capsysbinary):
    kc = kubeconfig(tmp_path / "kc", api.url, ca, user={"token": "wrong"})
    line = fails(capsysbinary, "explain", "report-2", "--kubeconfig", kc)
    assert "401" in line and "rejected the credentials" in line and "fake-user" in line and api.url in line
    assert api.methods() == {"GET"}


def test_403_names_resource_verb_and_rbac_file(api, kc, files, capsysbinary):
    api.forbid("PodDisruptionBudget")
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, files["change"])
    assert "403" in line and "list poddisruptionbudgets" in line and 'API group "policy"' in line
    assert "docs/rbac.yaml" in line and "get/list/watch" in line
    line = fails(capsysbinary, "snapshot", "--kubeconfig", kc)
    assert "list poddisruptionbudgets" in line
    assert api.methods() == {"GET"}


def test_timeout(api, kc, files, capsysbinary):
    api.slow("/api/v1/pods", 5.0)
    t0 = time.perf_counter()
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, files["change"], "--request-timeout", "0.5")
    assert time.perf_counter() - t0 < 4
    assert "no answer within 0.5 s" in line and "pods" in line and "--request-timeout" in line


def test_unknown_context(api, ca, tmp_path, files, capsysbinary):
    kc = kubeconfig(tmp_path / "kc", api.url, ca, contexts=("prod", "staging"), current="prod")
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, "--context", "dev", files["change"])
    assert "'dev'" in line and "prod, staging" in line
    line = fails(capsysbinary, "snapshot", "--kubeconfig", kc, "--context", "dev")
    assert "'dev'" in line
    assert api.requests == []


def _plugin(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-auth-plugin"
    script.write_text(f"#!{sys.executable}\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_exec_plugin_that_fails(api, ca, tmp_path, files, capsysbinary):
    cmd = _plugin(tmp_path, 'import sys; print("token has expired, run aws sso login", file=sys.stderr); sys.exit(1)')
    kc = kubeconfig(tmp_path / "kc", api.url, ca,
                    user={"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": cmd}})
    line = fails(capsysbinary, "simulate", "--kubeconfig", kc, files["change"])
    assert "system:anonymous" in line and cmd in line and "exec plugin" in line and "aws sso login" in line


def test_exec_plugin_with_an_expired_credential(api, ca, tmp_path, files, capsysbinary):
    cmd = _plugin(tmp_path, 'import json; print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", '
                            '"kind": "ExecCredential", "status": {"token": "expired-token", '
                            '"expirationTimestamp": "2099-01-01T00:00:00Z"}}))')
    kc = kubeconfig(tmp_path / "kc", api.url, ca,
                    user={"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": cmd}})
    line = fails(capsysbinary, "snapshot", "--kubeconfig", kc, "-o", str(tmp_path / "snap.json"))
    assert "401" in line and cmd in line and "expired" in line
    assert not (tmp_path / "snap.json").exists()


# ------------------------------------------------------------------ read-only


def test_only_get_is_ever_sent(ca, tmp_path, files, capsysbinary):
    """Every command that reads a cluster, and the failure paths: the server sees GET and nothing else."""
    with FakeKubeAPI(served(scenario()[0]), ca=ca, token=TOKEN) as api:
        kc = kubeconfig(tmp_path / "kc", api.url, ca)
        change = files["change"]
        for args in (["simulate", change], ["simulate", change, "-n", "shop", "-o", "json"],
                     ["explain", "report-2", change], ["check", change], ["classes"],
                     ["snapshot", "-o", str(tmp_path / "s.json")],
                     ["snapshot", "--redact", "-o", str(tmp_path / "s.yaml")]):
            code, _, err = run(capsysbinary, args[0], "--kubeconfig", kc, *args[1:])
            assert code in (0, 1), (args, err)
        bad = kubeconfig(tmp_path / "bad", api.url, ca, user={"token": "wrong"})
        fails(capsysbinary, "simulate", "--kubeconfig", bad, change)
        api.forbid("Node")
        fails(capsysbinary, "snapshot", "--kubeconfig", kc)
        api.faults.forbidden.clear()
        api.slow("/apis/apps/v1/replicasets", 3.0)
        fails(capsysbinary, "classes", "--kubeconfig", kc, "--request-timeout", "0.3")
        assert len(api.requests) > 50
        assert api.methods() == {"GET"}
        assert {r.path for r in api.requests} == {"/version", *(api.path_of(k) for k in (
            "Namespace", "Node", "Pod", "LimitRange", "Service", "ReplicationController", "PriorityClass",
            "PodDisruptionBudget", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job"))}
