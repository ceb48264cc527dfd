"""Small builders for the manifests the unit tests feed through ``priocli.api``.

Each builder returns the Kubernetes object as a dict; :func:`run` dumps them as one
multi-document YAML stream and runs it the way ``priocli simulate -`` does (read, admit,
simulate). Nothing here models anything: the engine reads the YAML like any input.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from priocli.api import load_cluster, simulate_cluster
from priocli.load.cluster import ClusterInput
from priocli.render.json import render_json
from priocli.result import SimulationResult
from priocli.simulator import Attempt, Options, Simulation

Obj = dict[str, Any]

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NEVER_SUFFIX = "preemption: not eligible due to preemptionPolicy=Never."
TERMINATING_SUFFIX = "preemption: not eligible due to a terminating pod on the nominated node."


def node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str | int = "110",
         labels: Mapping[str, str] | None = None, taints: Iterable[Mapping[str, str]] = (),
         unschedulable: bool = False, alloc: Mapping[str, str] | None = None,
         images: Iterable[tuple[str, int]] = ()) -> Obj:
    """A Node; ``kubernetes.io/hostname`` is always set. ``alloc`` adds/overrides allocatable entries."""
    allocatable: dict[str, Any] = {"cpu": cpu, "memory": memory, "pods": str(pods)}
    allocatable.update(alloc or {})
    obj: Obj = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {},
        "status": {"allocatable": allocatable},
    }
    if taints:
        obj["spec"]["taints"] = [dict(t) for t in taints]
    if unschedulable:
        obj["spec"]["unschedulable"] = True
    if images:
        obj["status"]["images"] = [{"names": [n], "sizeBytes": size} for n, size in images]
    return obj


def taint(key: str, value: str = "", effect: str = "NoSchedule") -> dict[str, str]:
    t = {"key": key, "effect": effect}
    if value:
        t["value"] = value
    return t


def pc(name: str, value: int, *, never: bool = False, default: bool = False) -> Obj:
    return {
        "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
        "metadata": {"name": name}, "value": value,
        "preemptionPolicy": "Never" if never else "PreemptLowerPriority",
        "globalDefault": default,
    }


def pod(name: str, *, ns: str = "default", cls: str | None = None, cpu: str | None = None,
        memory: str | None = None, node: str | None = None, labels: Mapping[str, str] | None = None,
        start: str | None = None, resources: Mapping[str, Any] | None = None,
        spec: Mapping[str, Any] | None = None, status: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None, image: str = "registry.example/app:1") -> Obj:
    """A Pod with one container ``main``. ``cpu``/``memory`` are its requests (``resources``
    replaces the whole resources block); ``node`` binds it (current state); ``start`` is its
    ``status.startTime`` (bound pods only); ``spec``/``status``/``meta`` are merged in."""
    container: Obj = {"name": "main", "image": image}
    if resources is not None:
        container["resources"] = dict(resources)
    else:
        req = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
        if req:
            container["resources"] = {"requests": req}
    s: Obj = {"containers": [container]}
    if cls:
        s["priorityClassName"] = cls
    if node:
        s["nodeName"] = node
    s.update(spec or {})
    metadata: Obj = {"name": name, "namespace": ns}
    if labels:
        metadata["labels"] = dict(labels)
    metadata.update(meta or {})
    obj: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": s}
    st: Obj = {}
    if node:
        st["phase"] = "Running"
        st["conditions"] = [{"type": "Ready", "status": "True"}]
    if start:
        st["startTime"] = start
    st.update(status or {})
    if st:
        obj["status"] = st
    return obj


def pdb(name: str, match_labels: Mapping[str, str] | None, allowed: int, *, ns: str = "default",
        disrupted: Iterable[str] = ()) -> Obj:
    """A PDB with an explicit ``status.disruptionsAllowed`` (``match_labels=None``: ``selector: {}``)."""
    selector: Obj = {"matchLabels": dict(match_labels)} if match_labels else {}
    status: Obj = {"disruptionsAllowed": allowed}
    if disrupted:
        status["disruptedPods"] = {n: "2024-05-01T09:00:00Z" for n in disrupted}
    return {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"minAvailable": 1, "selector": selector},
        "status": status,
    }


def namespace(name: str, labels: Mapping[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels)}}


class _Dumper(yaml.SafeDumper):
    """Quotes every string, so that YAML 1.1 readers see ``y``, ``on`` or ``1`` as strings."""


_Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="'"))


def yaml_text(*docs: Obj | str) -> str:
    parts = [d if isinstance(d, str) else yaml.dump(d, Dumper=_Dumper, sort_keys=False) for d in docs]
    return "---\n".join(parts)


def load(*docs: Obj | str) -> ClusterInput:
    """Read and admit the objects as ``priocli simulate -`` reads standard input."""
    data = yaml_text(*docs).encode()
    return load_cluster(["-"], stdin=io.BytesIO(data))


def run(*docs: Obj | str, shortcuts: bool | None = None) -> SimulationResult:
    """One pass over the objects. By default both engine paths run (see :func:`run_both`);
    ``shortcuts=True``/``False`` runs only that one."""
    if shortcuts is None:
        return run_both(*docs)
    return simulate_cluster(load(*docs), shortcuts=shortcuts)


def run_both(*docs: Obj | str) -> SimulationResult:
    """The pass with and without the engine's shortcuts (vectorized resource-only dry runs,
    skipped retries): both must give the same report and the same event log."""
    cluster = load(*docs)
    fast = simulate_cluster(cluster, shortcuts=True)
    plain = simulate_cluster(load(*docs), shortcuts=False)
    assert render_json(fast) == render_json(plain)
    assert fast.events == plain.events
    return fast


def trace(key: str, *docs: Obj | str) -> list[Attempt]:
    """The traced scheduling attempts of one pod (what ``priocli explain`` reads): scores per plugin."""
    sim = Simulation(load(*docs), Options(trace=frozenset({key})))
    sim.run()
    return sim.traces.get(key, [])


def states(result: SimulationResult) -> dict[str, tuple[str, str | None]]:
    return {o.pod.key: (o.status, o.node) for o in result.outcomes}


def status_of(result: SimulationResult, key: str) -> tuple[str, str | None]:
    o = result.outcome(key)
    assert o is not None, key
    return o.status, o.node


def message(result: SimulationResult, key: str) -> str | None:
    o = result.outcome(key)
    assert o is not None, key
    return o.message


def failures(result: SimulationResult, key: str) -> list[str]:
    """Every FailedScheduling message of the pod, in order."""
    return [e["message"] for e in result.events if e["type"] == "FailedScheduling" and e["pod"] == key]


def evicted(result: SimulationResult) -> list[tuple[str, str, str]]:
    """(victim, node, preemptor) in eviction order."""
    return [(e.pod, e.node, e.preemptor) for e in result.evictions]


def default(name: str) -> str:
    return f"default/{name}"
