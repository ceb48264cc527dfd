"""The scale benchmark generator (benchmarks/generate.py) on a tiny cluster: its invariants hold.

Not a benchmark: 20 nodes and 300 pods, a fraction of a second.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NODES, PODS, WAVE = 20, 300, 50


def _load_generator() -> ModuleType:
    name = "priocli_bench_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


gen = _load_generator()
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _generate(out: Path, seed: int = 7, formats: tuple[str, ...] = ("json", "yaml")) -> dict[str, Any]:
    shape = gen.shape_for("custom", NODES, PODS, WAVE)
    return gen.generate(shape, out, formats=formats, seed=seed)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    return out, _generate(out)


@pytest.fixture(scope="module")
def snapshot(generated: tuple[Path, dict[str, Any]]) -> list[dict[str, Any]]:
    out, _ = generated
    doc = json.loads((out / "snapshot.json").read_text())
    assert doc["apiVersion"] == "v1" and doc["kind"] == "List"
    return doc["items"]


@pytest.fixture(scope="module")
def wave(generated: tuple[Path, dict[str, Any]]) -> list[dict[str, Any]]:
    out, _ = generated
    doc = json.loads((out / "wave.json").read_text())
    assert doc["kind"] == "List"
    return doc["items"]


_SUFFIX = {"m": 10**-3, "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def qty(s: str | int) -> float:
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(s))
    assert m, s
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def pod_requests(pod: dict[str, Any]) -> dict[str, float]:
    """What the scheduler charges: requests (defaulting from limits), max with each init container."""

    def container(c: dict[str, Any]) -> dict[str, float]:
        res = c.get("resources") or {}
        got = {k: qty(v) for k, v in (res.get("limits") or {}).items()}
        got.update({k: qty(v) for k, v in (res.get("requests") or {}).items()})
        return got

    total: dict[str, float] = defaultdict(float)
    for c in pod["spec"]["containers"]:
        for k, v in container(c).items():
            total[k] += v
    for c in pod["spec"].get("initContainers") or []:
        for k, v in container(c).items():
            total[k] = max(total[k], v)
    total["pods"] = 1
    return total


def test_counts_and_kinds(generated: tuple[Path, dict[str, Any]], snapshot: list[dict[str, Any]],
                          wave: list[dict[str, Any]]) -> None:
    _, meta = generated
    kinds = Counter(i["kind"] for i in snapshot)
    assert kinds["Node"] == NODES and kinds["Pod"] == PODS and len(wave) == WAVE
    assert kinds["PriorityClass"] >= 5 and kinds["PodDisruptionBudget"] >= 1
    assert all("apiVersion" in i and "kind" in i for i in snapshot + wave)
    assert meta["counts"] == {**meta["counts"], "nodes": NODES, "running_pods": PODS, "wave_pods": WAVE}
    assert 0.6 <= meta["stats"]["cpu_requested"] <= 0.85


def test_no_node_over_allocatable(snapshot: list[dict[str, Any]]) -> None:
    nodes = {i["metadata"]["name"]: i for i in snapshot if i["kind"] == "Node"}
    used: dict[str, dict[str, float]] = {n: defaultdict(float) for n in nodes}
    for p in (i for i in snapshot if i["kind"] == "Pod"):
        node = p["spec"]["nodeName"]
        assert node in nodes
        for k, v in pod_requests(p).items():
            used[node][k] += v
    for name, node in nodes.items():
        alloc = {k: qty(v) for k, v in node["status"]["allocatable"].items()}
        cap = {k: qty(v) for k, v in node["status"]["capacity"].items()}
        for k, v in used[name].items():
            assert v <= alloc.get(k, 0) + 1e-9, (name, k, v, alloc.get(k))
        assert alloc["cpu"] < cap["cpu"] and alloc["memory"] < cap["memory"]
        assert alloc["pods"] == 110


def test_node_labels_taints_and_cordons(snapshot: list[dict[str, Any]]) -> None:
    nodes = [i for i in snapshot if i["kind"] == "Node"]
    zones = set()
    for n in nodes:
        labels = n["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == n["metadata"]["name"]
        zones.add(labels["topology.kubernetes.io/zone"])
        assert labels["node.kubernetes.io/instance-type"]
        taints = {(t["key"], t.get("value"), t["effect"]) for t in n["spec"].get("taints", [])}
        if "nvidia.com/gpu" in n["status"]["allocatable"]:
            assert ("dedicated", "gpu", "NoSchedule") in taints
        if n["spec"].get("unschedulable"):
            assert ("node.kubernetes.io/unschedulable", None, "NoSchedule") in taints
    assert len(zones) == 3
    assert any(n["spec"].get("unschedulable") for n in nodes)
    assert any("nvidia.com/gpu" in n["status"]["allocatable"] for n in nodes)
    shapes = {n["status"]["capacity"]["cpu"] for n in nodes}
    assert len(shapes) >= 3


def test_gpu_pool_is_full(snapshot: list[dict[str, Any]]) -> None:
    gpus = sum(int(n["status"]["allocatable"].get("nvidia.com/gpu", 0)) for n in snapshot if n["kind"] == "Node")
    used = sum(pod_requests(p).get("nvidia.com/gpu", 0) for p in snapshot if p["kind"] == "Pod")
    assert gpus > 0 and used == gpus


def test_running_pods(snapshot: list[dict[str, Any]]) -> None:
    pods = [i for i in snapshot if i["kind"] == "Pod"]
    names = Counter((p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods)
    assert max(names.values()) == 1
    owners = Counter()
    for p in pods:
        md, spec, status = p["metadata"], p["spec"], p["status"]
        assert spec["nodeName"] and status["phase"] == "Running"
        assert status["startTime"] >= md["creationTimestamp"]
        (ref,) = md["ownerReferences"]
        assert ref["controller"] is True
        owners[ref["kind"]] += 1
        if ref["kind"] == "ReplicaSet":
            assert re.fullmatch(re.escape(ref["name"]) + r"-[bcdfghjklmnpqrstvwxz2456789]{5}", md["name"])
            assert md["labels"]["pod-template-hash"] == ref["name"].rsplit("-", 1)[1]
        assert spec["priority"] == {c.name: c.value for c in gen.CLASSES}[spec["priorityClassName"]]
    assert owners["ReplicaSet"] > PODS // 2 and owners["DaemonSet"] >= NODES
    assert any("nodeSelector" in p["spec"] for p in pods)
    assert any("tolerations" in p["spec"] and "affinity" not in p["spec"] for p in pods)
    assert any("nodeAffinity" in p["spec"].get("affinity", {}) for p in pods)


def test_priority_classes_and_pdbs(snapshot: list[dict[str, Any]]) -> None:
    classes = [i for i in snapshot if i["kind"] == "PriorityClass"]
    assert sum(bool(c.get("globalDefault")) for c in classes) == 1
    assert any(c["preemptionPolicy"] == "Never" for c in classes)
    assert len({c["value"] for c in classes}) == len(classes)
    for pdb in (i for i in snapshot if i["kind"] == "PodDisruptionBudget"):
        assert pdb["apiVersion"] == "policy/v1"
        assert pdb["spec"]["selector"]["matchLabels"]["app"]
        st = pdb["status"]
        assert st["disruptionsAllowed"] == max(0, st["currentHealthy"] - st["desiredHealthy"])


def test_wave(generated: tuple[Path, dict[str, Any]], snapshot: list[dict[str, Any]],
              wave: list[dict[str, Any]]) -> None:
    _, meta = generated
    values = {c.name: c.value for c in gen.CLASSES}
    default = next(c.name for c in gen.CLASSES if c.global_default)
    for p in wave:
        assert p["kind"] == "Pod" and "nodeName" not in p["spec"] and p["status"]["phase"] == "Pending"
    assert all(values[p["spec"].get("priorityClassName", default)] for p in wave)
    must = set(meta["checks"]["must_stay_pending"])
    assert must
    for p in wave:
        if f"{p['metadata']['namespace']}/{p['metadata']['name']}" in must:
            assert p["spec"]["priorityClassName"] == "batch-never"
            assert pod_requests(p)["nvidia.com/gpu"] >= 1


def test_json_and_yaml_are_the_same_objects(generated: tuple[Path, dict[str, Any]]) -> None:
    out, _ = generated
    assert yaml.load((out / "snapshot.yaml").read_text(), Loader=Loader) == json.loads(
        (out / "snapshot.json").read_text()
    )
    docs = list(yaml.load_all((out / "wave.yaml").read_text(), Loader=Loader))
    assert docs == json.loads((out / "wave.json").read_text())["items"]


def test_yaml_scalars_stay_strings() -> None:
    for s in ("yes", "No", "on", "null", "1", "0777", "12:30", "1e3", "250m", "a: b", "- x", "#c", "", "it's", "ü"):
        assert yaml.load(gen.yaml_document({"k": s, s: [s]}), Loader=Loader) == {"k": s, s: [s]}


def test_deterministic(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = generated
    again = _generate(tmp_path / "again")
    for name in ("snapshot.json", "snapshot.yaml", "wave.json", "wave.yaml"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    assert again["estimate"] == generated[1]["estimate"]
    _generate(tmp_path / "other", seed=8, formats=("json",))
    assert (tmp_path / "other" / "snapshot.json").read_bytes() != (out / "snapshot.json").read_bytes()
    assert gen.is_cached(out, gen.shape_for("custom", NODES, PODS, WAVE), 7, ["json", "yaml"])
    assert not gen.is_cached(out, gen.shape_for("custom", NODES, PODS, WAVE), 8, ["json"])
    assert not gen.is_cached(tmp_path / "other", gen.shape_for("custom", NODES, PODS, WAVE), 8, ["yaml"])


def test_wave_pushes_for_preemption() -> None:
    """A somewhat bigger cluster, in memory: the wave is mostly above the running pods and must preempt."""
    cl = gen.generate_cluster(gen.shape_for("custom", 60, 1500, 400), 3)
    running = sorted(cl.templates[r.tpl].priority for r in cl.running)
    median = running[len(running) // 2]
    incoming = [cl.templates[r.tpl] for r in cl.wave]
    assert sum(t.priority > median for t in incoming) > 0.6 * len(incoming)
    assert any(not t.write_class for t in incoming)  # some get the globalDefault class
    est = gen.estimate(cl)
    assert est["preemptors"] > 0 and est["evictions"] >= est["preemptors"]
    assert est["pending_never"] >= sum(t.role == "never-gpu" for t in incoming)
