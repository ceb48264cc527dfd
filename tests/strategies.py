"""Hypothesis strategies for valid clusters, as Kubernetes dicts plus an independent ledger.

:func:`scenarios` draws a small cluster (1-6 nodes, up to ~25 pods): nodes with labels
(zone, disk type, hostname), taints, cordons and an extended resource; PriorityClasses
(equal values, negative values, ``Never`` classes, at most one ``globalDefault``); PDBs
with and without status; pods bound to nodes (Running, bound-but-Pending and finished
ones, some owned by a ReplicaSet so that evictions create replacements) and queued pods
with requests, limits-only and init containers, tolerations, nodeSelectors, node
affinity, pod (anti-)affinity and topology spread constraints.

Every quantity is an integer chosen here (millicores, MiB, GPUs) and spelled the ways
Kubernetes accepts (``"500m"``, ``0.5``, ``"1"``, ``"256Mi"``, bytes). Alongside the dicts
the :class:`Scenario` keeps a ledger computed with plain arithmetic from those integers
-- each pod's effective requests (requests defaulted from limits, init containers taken
as a maximum), resolved priority and preemption policy, each node's allocatable -- so
that properties judge priocli's output without reusing priocli's own code.

Bound pods are generated to fit their node (the input itself could over-commit a node,
and then "no node ends over allocatable" would not be priocli's promise to keep).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

MI = 1024 * 1024
GPU = "nvidia.com/gpu"
ZONES = ("z1", "z2", "z3")
APPS = ("web", "db", "batch")
NAMESPACES = ("default", "team")
NODE_NAMES = ("node-a", "node-b", "node-c", "node-d", "node-e", "node-f", "node-g")
CLASS_VALUES = (-10, 0, 100, 1000, 1000, 50000, 1_000_000, 1_000_000_000)
TAINTS = (
    {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
    {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
    {"key": "maintenance", "effect": "NoExecute"},
)
START = "2024-05-01T10:{:02d}:{:02d}Z"


@dataclass
class Resources:
    """Amounts in the units the ledger works in: millicores, bytes, GPUs."""

    cpu: int = 0
    mem: int = 0
    gpu: int = 0

    def fits_in(self, other: Resources) -> bool:
        return self.cpu <= other.cpu and self.mem <= other.mem and self.gpu <= other.gpu

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.mem + other.mem, self.gpu + other.gpu)

    def max(self, other: Resources) -> Resources:
        return Resources(max(self.cpu, other.cpu), max(self.mem, other.mem), max(self.gpu, other.gpu))


@dataclass
class PodInfo:
    """The ledger's view of one input pod."""

    key: str
    priority: int
    never: bool
    requests: Resources
    node: str | None  # bound node in the input
    terminal: bool = False  # phase Succeeded/Failed: consumes nothing
    owned: bool = False  # controlled by a ReplicaSet: evictions create a replacement


@dataclass
class WorkloadInfo:
    """The ledger's view of a Deployment: its pods are ``<name>-<hash>-<5 chars>``."""

    namespace: str
    name: str
    replicas: int
    priority: int
    never: bool
    requests: Resources

    def owns(self, namespace: str, pod_name: str) -> bool:
        return namespace == self.namespace and pod_name.startswith(self.name + "-")


@dataclass
class NodeInfo:
    name: str
    alloc: Resources
    max_pods: int


@dataclass
class Scenario:
    classes: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    pdbs: list[dict[str, Any]] = field(default_factory=list)
    running: list[dict[str, Any]] = field(default_factory=list)  # bound pods
    queued: list[dict[str, Any]] = field(default_factory=list)  # in queue order
    node_info: dict[str, NodeInfo] = field(default_factory=dict)
    pod_info: dict[str, PodInfo] = field(default_factory=dict)
    workloads: dict[str, WorkloadInfo] = field(default_factory=dict)  # by "namespace/name"

    def workload_of(self, namespace: str, pod_name: str) -> WorkloadInfo | None:
        for w in self.workloads.values():
            if w.owns(namespace, pod_name):
                return w
        return None

    @property
    def pods(self) -> list[dict[str, Any]]:
        return self.running + self.queued

    def documents(self) -> list[dict[str, Any]]:
        """Classes, nodes, PDBs, bound pods, queued pods: the canonical order."""
        return [*self.classes, *self.nodes, *self.pdbs, *self.running, *self.queued]

    def replace(self, **changes: Any) -> Scenario:
        return dataclasses.replace(self, **changes)

    def write(self, directory: Path, *, split: bool = True) -> list[str]:
        """Write the scenario as YAML files; returns the paths to pass to priocli, in order."""
        directory.mkdir(parents=True, exist_ok=True)
        if not split:
            path = directory / "all.yaml"
            path.write_text(yaml_text(self.documents()))
            return [str(path)]
        groups = (("classes.yaml", self.classes), ("nodes.yaml", self.nodes), ("pdbs.yaml", self.pdbs),
                  ("running.yaml", self.running), ("queued.yaml", self.queued))
        paths = []
        for name, docs in groups:
            if docs:
                path = directory / name
                path.write_text(yaml_text(docs))
                paths.append(str(path))
        return paths


def yaml_text(docs: list[dict[str, Any]]) -> str:
    return "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)


def json_list_text(docs: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=1)


# ---------------------------------------------------------------- spellings


@st.composite
def cpu_text(draw: st.DrawFn, milli: int) -> str | int | float:
    """One of the ways Kubernetes accepts ``milli`` millicores."""
    options: list[str | int | float] = [f"{milli}m"]
    if milli % 1000 == 0:
        options += [milli // 1000, str(milli // 1000)]
    if milli % 100 == 0:
        options.append(milli / 1000)  # a YAML float: 0.5, 1.5
    return draw(st.sampled_from(options))


@st.composite
def mem_text(draw: st.DrawFn, mib: int) -> str | int:
    options: list[str | int] = [f"{mib}Mi", mib * MI]
    if mib % 1024 == 0:
        options.append(f"{mib // 1024}Gi")
    options.append(f"{mib * 1024}Ki")
    return draw(st.sampled_from(options))


# ---------------------------------------------------------------- objects


@st.composite
def priority_classes(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.sampled_from((0, 1, 2, 3, 3, 4, 4)))
    default_at = draw(st.one_of(st.none(), st.integers(0, 3)))
    out = []
    for i in range(n):
        pc: dict[str, Any] = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                              "metadata": {"name": f"class-{i}"}, "value": draw(st.sampled_from(CLASS_VALUES))}
        if draw(st.integers(0, 3)) == 0:
            pc["preemptionPolicy"] = "Never"
        elif draw(st.booleans()):
            pc["preemptionPolicy"] = "PreemptLowerPriority"
        if default_at == i:
            pc["globalDefault"] = True
        out.append(pc)
    return out


@st.composite
def nodes(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, NodeInfo]]:
    names = draw(st.lists(st.sampled_from(NODE_NAMES), min_size=1, max_size=6, unique=True))  # not sorted
    out, info = [], {}
    for name in names:
        cpu = draw(st.sampled_from((1000, 2000, 4000)))
        mem = draw(st.sampled_from((1024, 2048, 4096)))
        max_pods = draw(st.sampled_from((2, 3, 4, 6, 110)))
        gpu = draw(st.sampled_from((0, 0, 1, 2)))
        alloc: dict[str, Any] = {"cpu": draw(cpu_text(cpu)), "memory": draw(mem_text(mem)), "pods": str(max_pods)}
        if gpu:
            alloc[GPU] = str(gpu)
        labels = {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": draw(st.sampled_from(ZONES))}
        if draw(st.booleans()):
            labels["disktype"] = draw(st.sampled_from(("ssd", "hdd")))
        spec: dict[str, Any] = {}
        taints = draw(st.lists(st.sampled_from(TAINTS), max_size=2, unique_by=lambda t: t["key"]))
        if draw(st.integers(0, 9)) == 0:  # cordoned, as the node controller marks it
            spec["unschedulable"] = True
            taints = [*taints, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
        if taints:
            spec["taints"] = taints
        status_key = draw(st.sampled_from(("allocatable", "capacity")))
        node: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
        if spec:
            node["spec"] = spec
        node["status"] = {status_key: alloc}
        out.append(node)
        info[name] = NodeInfo(name, Resources(cpu, mem * MI, gpu), max_pods)
    return out, info


@st.composite
def containers(draw: st.DrawFn, *, gpu: bool) -> tuple[dict[str, Any], Resources]:
    """A pod's containers and init containers, and the pod's effective requests."""
    regular: list[dict[str, Any]] = []
    total = Resources()
    for i in range(draw(st.integers(1, 2))):
        c, r = draw(container(f"c{i}", gpu=gpu and i == 0))
        regular.append(c)
        total = total + r
    spec: dict[str, Any] = {"containers": regular}
    if draw(st.integers(0, 4)) == 0:
        c, r = draw(container("init", gpu=False))
        spec["initContainers"] = [c]
        total = total.max(r)
    return spec, total


@st.composite
def container(draw: st.DrawFn, name: str, *, gpu: bool) -> tuple[dict[str, Any], Resources]:
    cpu = draw(st.sampled_from((0, 100, 250, 500, 1000, 1500)))
    mem = draw(st.sampled_from((0, 64, 128, 256, 512, 1024)))
    use_gpu = gpu and draw(st.booleans())
    c: dict[str, Any] = {"name": name, "image": "registry.example/app:1"}
    amounts: dict[str, Any] = {}
    if cpu:
        amounts["cpu"] = draw(cpu_text(cpu))
    if mem:
        amounts["memory"] = draw(mem_text(mem))
    if use_gpu:
        amounts[GPU] = 1
    if amounts:
        how = draw(st.sampled_from(("requests", "limits", "both")))
        if how == "both":
            c["resources"] = {"requests": amounts, "limits": dict(amounts)}
        else:
            c["resources"] = {how: amounts}  # limits only: requests default from limits
    return c, Resources(cpu, mem * MI, 1 if use_gpu else 0)


def resolve_priority(classes: list[dict[str, Any]], class_name: str | None) -> tuple[int, bool]:
    """Priority admission, by hand: (priority, preemptionPolicy is Never)."""
    by_name = {c["metadata"]["name"]: c for c in classes}
    if class_name is None:
        defaults = [c for c in classes if c.get("globalDefault")]
        if not defaults:
            return 0, False
        chosen = min(defaults, key=lambda c: c["value"])
    else:
        chosen = by_name[class_name]
    return chosen["value"], chosen.get("preemptionPolicy") == "Never"


@st.composite
def placement(draw: st.DrawFn, node_names: list[str], constraints: bool = True) -> dict[str, Any]:
    """Scheduling constraints of a queued pod (a partial spec); only tolerations without ``constraints``."""
    spec: dict[str, Any] = {}
    tolerations = []
    if draw(st.integers(0, 3)) == 0:
        tolerations.append({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"})
    if draw(st.integers(0, 5)) == 0:
        tolerations.append({"operator": "Exists"})
    if tolerations:
        spec["tolerations"] = tolerations
    if not constraints:
        return spec
    if draw(st.integers(0, 5)) == 0:
        spec["nodeSelector"] = {"topology.kubernetes.io/zone": draw(st.sampled_from(ZONES))}
    affinity: dict[str, Any] = {}
    choice = draw(st.integers(0, 7))
    if choice == 0:
        op = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
        expr: dict[str, Any] = {"key": "disktype", "operator": op}
        if op in ("In", "NotIn"):
            expr["values"] = ["ssd"]
        affinity["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [expr]}]}}
    elif choice == 1:
        affinity["nodeAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 50, "preference": {"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [draw(st.sampled_from(node_names))]}]}}]}
    elif choice == 2:
        affinity["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": draw(st.sampled_from(("kubernetes.io/hostname", "topology.kubernetes.io/zone"))),
             "labelSelector": {"matchLabels": {"app": draw(st.sampled_from(APPS))}}}]}
    elif choice == 3:
        affinity["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "topology.kubernetes.io/zone",
             "labelSelector": {"matchLabels": {"app": draw(st.sampled_from(APPS))}}}]}
    elif choice == 4:
        affinity["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                "labelSelector": {"matchLabels": {"app": draw(st.sampled_from(APPS))}}}}]}
    if affinity:
        spec["affinity"] = affinity
    if draw(st.integers(0, 4)) == 0:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": draw(st.integers(1, 2)),
            "topologyKey": draw(st.sampled_from(("topology.kubernetes.io/zone", "kubernetes.io/hostname"))),
            "whenUnsatisfiable": draw(st.sampled_from(("DoNotSchedule", "ScheduleAnyway"))),
            "labelSelector": {"matchLabels": {"app": draw(st.sampled_from(APPS))}},
        }]
    return spec


@st.composite
def pod(draw: st.DrawFn, index: int, classes: list[dict[str, Any]], node_names: list[str], *,
        bound_to: str | None, gpu: bool, constraints: bool = True) -> tuple[dict[str, Any], PodInfo]:
    name = f"pod-{index:02d}"
    namespace = draw(st.sampled_from(NAMESPACES))
    labels = {}
    app = draw(st.one_of(st.none(), st.sampled_from(APPS)))
    if app is not None:
        labels["app"] = app
    spec, requests = draw(containers(gpu=gpu))
    class_name = None
    if classes:
        class_name = draw(st.one_of(st.none(), st.sampled_from([c["metadata"]["name"] for c in classes])))
    if class_name is not None:
        spec["priorityClassName"] = class_name
    priority, never = resolve_priority(classes, class_name)
    meta: dict[str, Any] = {"name": name}
    if namespace != "default" or draw(st.booleans()):
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    terminal = False
    owned = False
    if bound_to is not None:
        spec["nodeName"] = bound_to
        phase = draw(st.sampled_from(("Running", "Running", "Running", "Pending", "Succeeded")))
        terminal = phase == "Succeeded"
        status: dict[str, Any] = {"phase": phase}
        if phase != "Pending":
            status["startTime"] = START.format(index // 60, index % 60)
            status["conditions"] = [{"type": "Ready", "status": "True" if phase == "Running" else "False"}]
        obj["status"] = status
        if draw(st.booleans()):  # the admitted priority, as a running pod carries it
            spec["priority"] = priority
        if app is not None and draw(st.booleans()):
            owned = True
            meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-rs",
                                        "uid": f"uid-{app}", "controller": True}]
    else:
        spec.update(draw(placement(node_names, constraints)))
    info = PodInfo(f"{namespace}/{name}", priority, never, requests, bound_to, terminal, owned)
    return obj, info


@st.composite
def pdbs(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i, app in enumerate(draw(st.lists(st.sampled_from(APPS), max_size=2, unique=True))):
        pdb: dict[str, Any] = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                               "metadata": {"name": f"pdb-{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
                               "spec": {"minAvailable": draw(st.integers(0, 2)),
                                        "selector": {"matchLabels": {"app": app}}}}
        if draw(st.booleans()):
            pdb["status"] = {"disruptionsAllowed": draw(st.integers(0, 2))}
        out.append(pdb)
    return out


@st.composite
def scenarios(draw: st.DrawFn, *, max_running: int = 16, max_queued: int = 10, workloads: bool = True,
              constraints: bool = True) -> Scenario:
    """A valid cluster: bound pods fit their nodes; everything admits.

    ``constraints=False``: queued pods carry no nodeSelector, affinity or spread constraint
    (tolerations only), for properties that hold only where placement is about room.
    """
    classes = draw(priority_classes())
    node_docs, node_info = draw(nodes())
    names = list(node_info)
    gpu = any(n.alloc.gpu for n in node_info.values())
    sc = Scenario(classes=classes, nodes=node_docs, pdbs=draw(pdbs()), node_info=node_info)
    used = {n: (Resources(), 0) for n in names}
    index = 0
    for _ in range(draw(st.integers(0, max_running))):
        target = draw(st.sampled_from(names))
        obj, info = draw(pod(index, classes, names, bound_to=target, gpu=gpu))
        total, count = used[target]
        node = node_info[target]
        if not info.terminal:
            if count + 1 > node.max_pods or not (total + info.requests).fits_in(node.alloc):
                continue  # would over-commit the node: not a state a cluster can be in
            used[target] = (total + info.requests, count + 1)
        sc.running.append(obj)
        sc.pod_info[info.key] = info
        index += 1
    for _ in range(draw(st.integers(0, max_queued))):
        if workloads and draw(st.integers(0, 5)) == 0:
            obj, winfo = draw(deployment(len(sc.workloads), classes, names, gpu=gpu, constraints=constraints))
            sc.queued.append(obj)
            sc.workloads[f"{winfo.namespace}/{winfo.name}"] = winfo
            continue
        obj, info = draw(pod(index, classes, names, bound_to=None, gpu=gpu, constraints=constraints))
        sc.queued.append(obj)
        sc.pod_info[info.key] = info
        index += 1
    return sc


@st.composite
def deployment(draw: st.DrawFn, index: int, classes: list[dict[str, Any]], node_names: list[str], *,
               gpu: bool, constraints: bool = True) -> tuple[dict[str, Any], WorkloadInfo]:
    """A Deployment being rolled out (its pods are queued), 1-3 replicas."""
    name = f"deploy-{index}"
    namespace = draw(st.sampled_from(NAMESPACES))
    app = draw(st.sampled_from(APPS))
    spec, requests = draw(containers(gpu=gpu))
    class_name = None
    if classes:
        class_name = draw(st.one_of(st.none(), st.sampled_from([c["metadata"]["name"] for c in classes])))
    if class_name is not None:
        spec["priorityClassName"] = class_name
    spec.update(draw(placement(node_names, constraints)))
    priority, never = resolve_priority(classes, class_name)
    replicas = draw(st.integers(1, 3))
    labels = {"app": app, "workload": name}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
           "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": spec}}}
    return obj, WorkloadInfo(namespace, name, replicas, priority, never, requests)


def empty_node(name: str, cpu_milli: int = 4000, mem_mib: int = 4096, pods: int = 110) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": ZONES[0]}},
            "status": {"allocatable": {"cpu": f"{cpu_milli}m", "memory": f"{mem_mib}Mi", "pods": str(pods)}}}
