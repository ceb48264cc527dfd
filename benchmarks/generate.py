#!/usr/bin/env python3
"""Deterministic generator of realistic cluster snapshots and incoming "waves" for the scale benchmarks.

    python benchmarks/generate.py SIZE --out DIR [--format json|yaml|both] [--seed N]

writes, for the chosen size (see ``SIZES``):

* ``DIR/snapshot.{json,yaml}``: a ``kind: List`` (apiVersion v1, every item with kind/apiVersion, as
  ``kubectl get nodes,pods,priorityclasses,pdb -A -o json`` writes it) holding the Nodes, PriorityClasses,
  PodDisruptionBudgets and running Pods of the cluster;
* ``DIR/wave.{json,yaml}``: the incoming pods (no ``spec.nodeName``): a ``kind: List`` in JSON, a
  multi-document manifest in YAML;
* ``DIR/meta.json``: the shape, counts, utilisation, a rough preemption estimate, and names the
  benchmark runner checks the report against (pods that must stay pending, cordoned nodes).

Everything derives from ``random.Random(seed)``: the same size, seed and generator source give
byte-identical files, and the JSON and YAML files of one run parse to the same objects.

Every running pod fits its node when generated (cpu, memory, pods and ``nvidia.com/gpu`` never over
allocatable). The gpu pool is generated with every GPU allocated, and only ``preemptionPolicy: Never``
wave pods ask for GPUs, so those pods must stay pending whatever the engine does.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import heapq
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

try:  # orjson is a project dependency; fall back to the standard library if it is missing.
    import orjson

    def _json_line(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - exercised only without orjson

    def _json_line(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


GENERATOR_VERSION = 1

# --------------------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One benchmark scenario: the size of the cluster and of the wave, and how hard the wave pushes."""

    name: str
    nodes: int
    pods: int  # running pods in the snapshot, DaemonSet pods included
    wave: int  # incoming pods
    # total cpu requested by the wave (Never/gpu pods aside) / cpu free on schedulable untainted nodes:
    # above 1 the wave cannot fit without preemptions.
    pressure: float
    description: str = ""
    # share of ReplicaSet templates whose pods prefer not to share a node (preferred pod
    # anti-affinity on the hostname, weight 100, as many Deployments do); 0: none (no random draw,
    # so the other scenarios stay as they were)
    anti_affinity: float = 0.0


SIZES: dict[str, Shape] = {
    "small": Shape("small", 500, 15_000, 1_000, 1.35, "500 nodes, 15k running pods, 1k incoming"),
    "medium": Shape("medium", 1_000, 30_000, 5_000, 1.5, "1,000 nodes, 30k running pods, 5k incoming"),
    "large": Shape(
        "large", 5_000, 150_000, 10_000, 1.25, "the target: 5,000 nodes, 150k running pods, 10k incoming"
    ),
    "ref-1k": Shape(
        "ref-1k",
        1_000,
        20_000,
        5_000,
        1.5,
        "kube-scheduler reference: 1,000 nodes, 5,000 incoming, about 1,100 preemptions (42 s there)",
    ),
    "affinity": Shape(
        "affinity", 5_000, 150_000, 10_000, 1.25,
        "large, with preferred pod anti-affinity on a third of the ReplicaSets", anti_affinity=0.33
    ),
    "ref-5k": Shape(
        "ref-5k",
        5_000,
        100_000,
        20_000,
        1.3,
        "kube-scheduler reference: 5,000 nodes, 20,000 incoming (80 s there)",
    ),
}

CPU_TARGET = 0.75  # share of allocatable cpu requested by running pods, cluster-wide

# --------------------------------------------------------------------------------------------------
# Cluster vocabulary
# --------------------------------------------------------------------------------------------------

GiB = 1024**3
MiB = 1024**2
KiB = 1024

REGION = "us-east-1"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")

SNAPSHOT_TIME = 1_714_521_600  # 2024-05-01T00:00:00Z: every running pod started before it
DAY = 86_400

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.SafeEncodeString / generateName alphabet

ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
POOL_KEY = "node-pool"
LIFECYCLE_KEY = "node.kubernetes.io/lifecycle"
ITYPE_KEY = "node.kubernetes.io/instance-type"
GPU = "nvidia.com/gpu"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
SPOT_TAINT = {"key": "lifecycle", "value": "spot", "effect": "NoSchedule"}

GPU_TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
SPOT_TOLERATION = {"key": "lifecycle", "operator": "Equal", "value": "spot", "effect": "NoSchedule"}
DAEMONSET_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    {"operator": "Exists"},  # tolerate every taint (gpu, spot, ...), as node agents do
]


@dataclass(frozen=True)
class InstanceType:
    name: str
    cpu: int  # cores
    mem_gib: int
    gpus: int = 0


@dataclass(frozen=True)
class Pool:
    name: str
    share: float  # of all nodes
    types: tuple[tuple[InstanceType, float], ...]  # instance type, weight
    taints: tuple[dict[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()


M6I = {
    n: InstanceType(f"m6i.{s}", n, 4 * n)
    for n, s in ((4, "xlarge"), (8, "2xlarge"), (16, "4xlarge"), (32, "8xlarge"))
}
R6I = {n: InstanceType(f"r6i.{s}", n, 8 * n) for n, s in ((8, "2xlarge"), (16, "4xlarge"))}
G5 = InstanceType("g5.12xlarge", 48, 192, gpus=4)

POOLS: tuple[Pool, ...] = (
    Pool("general", 0.72, ((M6I[4], 0.15), (M6I[8], 0.40), (M6I[16], 0.30), (M6I[32], 0.15))),
    Pool("highmem", 0.10, ((R6I[8], 0.5), (R6I[16], 0.5))),
    Pool(
        "spot",
        0.14,
        ((M6I[8], 0.5), (M6I[16], 0.5)),
        taints=(SPOT_TAINT,),
        labels=((LIFECYCLE_KEY, "spot"),),
    ),
    Pool("gpu", 0.04, ((G5, 1.0),), taints=(GPU_TAINT,), labels=(("nvidia.com/gpu.present", "true"),)),
)


@dataclass(frozen=True)
class PClass:
    name: str
    value: int
    never: bool = False
    global_default: bool = False
    description: str = ""


CLASSES: tuple[PClass, ...] = (
    PClass("system-node-critical", 2_000_001_000, description="Used for system critical pods that must not be moved from their current node."),
    PClass("system-cluster-critical", 2_000_000_000, description="Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    PClass("platform-critical", 1_000_000, description="Ingress, DNS and mesh control planes."),
    PClass("business-critical", 100_000, description="Revenue-critical services."),
    PClass("production", 10_000, description="Production services."),
    PClass("batch-never", 5_000, never=True, description="Batch work that waits for room and never preempts."),
    PClass("standard", 1_000, global_default=True, description="Default for pods without a class."),
    PClass("batch-low", 100, description="Batch and training jobs: first to go."),
    PClass("preemptible", 10, description="Opportunistic work, preempted freely."),
)
CLASS_BY_NAME = {c.name: c for c in CLASSES}
DEFAULT_CLASS = next(c for c in CLASSES if c.global_default)

TEAMS = (
    "payments", "checkout", "search", "catalog", "identity", "ads", "analytics", "ml", "media",
    "notifications", "billing", "growth", "data", "risk", "support", "logistics", "inventory",
    "pricing", "recs", "messaging", "maps", "fraud", "reporting", "content",
)
COMPONENTS = (
    "api", "web", "worker", "consumer", "gateway", "cache", "db-proxy", "indexer", "scheduler",
    "frontend", "backend", "grpc", "stream", "etl", "model-server", "renderer", "sync", "auth",
    "ledger", "notifier", "aggregator", "exporter", "router", "resolver",
)
CPU_STEPS = (10, 25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 750, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000, 6000)
_LOG_CPU_STEPS = [math.log(c) for c in CPU_STEPS]


def weighted(rng: random.Random, table: Iterable[tuple[Any, float]]) -> Any:
    items = list(table)
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def snap_cpu(millis: float, cap: int) -> int:
    """Nearest "nice" cpu request (in log space) to ``millis``, at most ``cap``."""
    x = math.log(max(millis, 10))
    i = bisect.bisect_left(_LOG_CPU_STEPS, x)
    if i == len(CPU_STEPS):
        best = CPU_STEPS[-1]
    elif i == 0:
        best = CPU_STEPS[0]
    else:
        lo, hi = CPU_STEPS[i - 1], CPU_STEPS[i]
        best = lo if x - _LOG_CPU_STEPS[i - 1] <= _LOG_CPU_STEPS[i] - x else hi
    while best > cap:
        best = CPU_STEPS[CPU_STEPS.index(best) - 1]
    return best


def fmt_cpu(m: int) -> str:
    return str(m // 1000) if m % 1000 == 0 else f"{m}m"


def fmt_mem(b: int) -> str:
    if b % GiB == 0:
        return f"{b // GiB}Gi"
    if b % MiB == 0:
        return f"{b // MiB}Mi"
    return f"{b // KiB}Ki"


def round_mem(b: float) -> int:
    """Round a memory amount to a multiple of 64Mi (at least 64Mi)."""
    step = 64 * MiB
    return max(step, round(b / step) * step)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rand_uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rand_safe(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(SAFE_ALPHABET, k=n))


# --------------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------------


@dataclass
class Node:
    idx: int
    name: str
    pool: str
    zone: str
    itype: InstanceType
    labels: dict[str, str]
    taints: list[dict[str, str]]
    cordoned: bool
    alloc_cpu: int  # millicores
    alloc_mem: int  # bytes
    alloc_pods: int
    alloc_gpu: int
    cap_mem_ki: int
    created: int
    uid: str
    instance_id: str
    used_cpu: int = 0
    used_mem: int = 0
    used_pods: int = 0
    used_gpu: int = 0

    def fits(self, cpu: int, mem: int, gpu: int) -> bool:
        return (
            self.used_pods < self.alloc_pods
            and self.used_cpu + cpu <= self.alloc_cpu
            and self.used_mem + mem <= self.alloc_mem
            and self.used_gpu + gpu <= self.alloc_gpu
        )

    def load(self) -> float:
        return max(self.used_cpu / self.alloc_cpu, self.used_mem / self.alloc_mem)


def kube_reserved_cpu(cores: int) -> int:
    """GKE/EKS-style cpu reservation: 6% of the first core, 1% of the next, 0.5% of the next 2, 0.25% above 4."""
    m = 60
    if cores > 1:
        m += 10
    if cores > 2:
        m += 5 * min(2, cores - 2)
    if cores > 4:
        m += int(2.5 * (cores - 4))
    return m


def kube_reserved_mem(gib: int) -> int:
    """Memory reservation in bytes: 25% of the first 4Gi, 20% of the next 4, 10% of the next 8, 6% up to 128Gi, 2% above; plus 100Mi eviction."""
    r = 0.0
    left = float(gib)
    for size, share in ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (1e9, 0.02)):
        take = min(left, size)
        r += take * share
        left -= take
        if left <= 0:
            break
    return int(r * GiB) + 100 * MiB


def build_nodes(rng: random.Random, n: int) -> list[Node]:
    counts: list[tuple[Pool, int]] = []
    rest = n
    for pool in POOLS[1:]:
        k = max(2, round(n * pool.share)) if n >= 20 else max(1, round(n * pool.share))
        counts.append((pool, k))
        rest -= k
    counts.insert(0, (POOLS[0], rest))
    if rest < 2:
        raise ValueError(f"too few nodes for the pools: {n}")
    nodes: list[Node] = []
    for pool, k in counts:
        for j in range(k):
            it = weighted(rng, pool.types)
            zone = ZONES[j % len(ZONES)]
            i = len(nodes)
            name = f"ip-10-{16 + ZONES.index(zone)}-{i // 250}-{i % 250 + 4}.ec2.internal"
            cap_mem_ki = it.mem_gib * GiB // KiB - 380_000 - rng.randrange(0, 4096)  # firmware/kernel take a bit
            alloc_mem = cap_mem_ki * KiB - kube_reserved_mem(it.mem_gib)
            labels = {
                "kubernetes.io/arch": "amd64",
                HOST_KEY: name,
                "kubernetes.io/os": "linux",
                ITYPE_KEY: it.name,
                "topology.kubernetes.io/region": REGION,
                ZONE_KEY: zone,
                POOL_KEY: pool.name,
            }
            labels.update(pool.labels)
            nodes.append(
                Node(
                    idx=i,
                    name=name,
                    pool=pool.name,
                    zone=zone,
                    itype=it,
                    labels=labels,
                    taints=[dict(t) for t in pool.taints],
                    cordoned=False,
                    alloc_cpu=it.cpu * 1000 - kube_reserved_cpu(it.cpu),
                    alloc_mem=alloc_mem,
                    alloc_pods=110,
                    alloc_gpu=it.gpus,
                    cap_mem_ki=cap_mem_ki,
                    created=SNAPSHOT_TIME - rng.randrange(20 * DAY, 90 * DAY),
                    uid=rand_uid(rng),
                    instance_id=f"i-0{rng.getrandbits(64):016x}",
                )
            )
    # a few cordoned general nodes (still running their pods: cordoned, not drained)
    general = [nd for nd in nodes if nd.pool == "general"]
    for nd in rng.sample(general, max(1, n // 200)):
        nd.cordoned = True
        nd.taints.append(dict(UNSCHEDULABLE_TAINT))
    return nodes


def node_object(nd: Node) -> dict[str, Any]:
    it = nd.itype
    capacity = {
        "cpu": str(it.cpu),
        "ephemeral-storage": "104845292Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{nd.cap_mem_ki}Ki",
        "pods": "110",
    }
    allocatable = {
        "cpu": fmt_cpu(nd.alloc_cpu),
        "ephemeral-storage": "95551679124",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{nd.alloc_mem // KiB}Ki",
        "pods": str(nd.alloc_pods),
    }
    if it.gpus:
        capacity[GPU] = str(it.gpus)
        allocatable[GPU] = str(nd.alloc_gpu)
    spec: dict[str, Any] = {"providerID": f"aws:///{nd.zone}/{nd.instance_id}"}
    if nd.taints:
        spec["taints"] = nd.taints
    if nd.cordoned:
        spec["unschedulable"] = True
    heartbeat = iso(SNAPSHOT_TIME - 30)
    conds = [
        {"type": t, "status": "False", "reason": f"KubeletHas{r}", "lastHeartbeatTime": heartbeat,
         "lastTransitionTime": iso(nd.created + 40)}
        for t, r in (("MemoryPressure", "SufficientMemory"), ("DiskPressure", "NoDiskPressure"),
                     ("PIDPressure", "SufficientPID"))
    ]
    conds.append(
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": heartbeat,
         "lastTransitionTime": iso(nd.created + 60)}
    )
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": nd.name,
            "uid": nd.uid,
            "creationTimestamp": iso(nd.created),
            "labels": nd.labels,
        },
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": conds,
            "nodeInfo": {
                "architecture": "amd64",
                "containerRuntimeVersion": "containerd://1.7.11",
                "kubeletVersion": "v1.29.4-eks-036c24b",
                "operatingSystem": "linux",
            },
        },
    }


# --------------------------------------------------------------------------------------------------
# Workloads: templates (one per ReplicaSet / DaemonSet / bare pod group) and their pods
# --------------------------------------------------------------------------------------------------


@dataclass
class Template:
    """What every pod of one controller shares."""

    idx: int
    namespace: str
    app: str  # Deployment / DaemonSet name, the `app` label
    owner_kind: str | None  # "ReplicaSet", "DaemonSet", or None for bare pods
    owner_name: str  # RS / DS name; for bare pods the name prefix
    owner_uid: str
    role: str  # general, spot, spot-only, highmem, gpu-tolerant, gpu, daemonset, never-gpu, ...
    pclass: PClass
    write_class: bool  # False: no priorityClassName in the manifest (admission picks the globalDefault)
    cpu: int  # effective requests per pod
    mem: int
    gpu: int
    qos: str
    spec: dict[str, Any]  # pod spec without nodeName/priority (shared by every pod)
    labels: dict[str, str]
    owner_refs: list[dict[str, Any]] | None
    constraints: tuple[Any, ...]  # hashable description of where the pods may go
    replicas: int = 0
    used_names: set[str] = field(default_factory=set)

    @property
    def priority(self) -> int:
        return self.pclass.value


@dataclass
class PodRec:
    tpl: int
    name: str
    created: int
    node: int = -1  # -1: incoming (wave)
    started: int = 0


def _resources(req: tuple[int, int] | None, lim: tuple[int, int] | None, gpu: int = 0) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if req is not None:
        res["requests"] = {"cpu": fmt_cpu(req[0]), "memory": fmt_mem(req[1])}
    if lim is not None:
        res["limits"] = {}
        if lim[0]:
            res["limits"]["cpu"] = fmt_cpu(lim[0])
        res["limits"]["memory"] = fmt_mem(lim[1])
    if gpu:
        res.setdefault("requests", {})[GPU] = str(gpu)
        res.setdefault("limits", {})[GPU] = str(gpu)
    return res


class WorkloadFactory:
    """Builds pod templates with realistic containers, resources and placement constraints."""

    def __init__(self, rng: random.Random, nodes: list[Node], anti_affinity: float = 0.0) -> None:
        self.rng = rng
        self.nodes = nodes
        self.anti_affinity = anti_affinity
        self.templates: list[Template] = []
        self.names_by_ns: dict[str, set[str]] = {}
        self._elig_cache: dict[tuple[Any, ...], list[int]] = {}

    # -- names ---------------------------------------------------------------------------------
    def app_name(self, ns: str, base: str) -> str:
        used = self.names_by_ns.setdefault(ns, set())
        name, k = base, 2
        while name in used:
            name = f"{base}-{k}"
            k += 1
        used.add(name)
        return name

    def pod_name(self, tpl: Template) -> str:
        while True:
            name = f"{tpl.owner_name}-{rand_safe(self.rng, 5)}"
            if name not in tpl.used_names:
                tpl.used_names.add(name)
                return name

    # -- eligibility (evaluates what the manifest says against node labels and taints) ---------
    def eligible(self, constraints: tuple[Any, ...], *, incoming: bool) -> list[int]:
        key = (constraints, incoming)
        got = self._elig_cache.get(key)
        if got is None:
            got = [nd.idx for nd in self.nodes if _allowed(nd, constraints, incoming)]
            self._elig_cache[key] = got
        return got

    # -- templates -----------------------------------------------------------------------------
    def make(
        self,
        *,
        namespace: str,
        base: str,
        role: str,
        pclass: PClass,
        cpu: int,
        mem_ratio: float,
        owner_kind: str | None = "ReplicaSet",
        write_class: bool = True,
        gpu: int = 0,
        style: str = "normal",
        incoming: bool = False,
        image: str | None = None,
        spread: bool = False,
        constraint_variant: str = "none",
    ) -> Template:
        rng = self.rng
        app = self.app_name(namespace, base)
        if owner_kind == "ReplicaSet":
            owner_name = f"{app}-{rand_safe(rng, 10)}"
        elif owner_kind == "DaemonSet":
            owner_name = app
        else:
            owner_name = app
        owner_uid = rand_uid(rng)
        mem = round_mem(cpu / 1000 * mem_ratio * GiB)
        main_image = image or f"registry.example.com/{namespace}/{base}:{rng.randrange(1, 4)}.{rng.randrange(0, 30)}.{rng.randrange(0, 10)}"

        containers: list[dict[str, Any]] = []
        eff_cpu = eff_mem = 0
        all_guaranteed = True
        any_resources = False

        def add(name: str, img: str, c: int, m: int, style_: str) -> None:
            nonlocal eff_cpu, eff_mem, all_guaranteed, any_resources
            req: tuple[int, int] | None
            lim: tuple[int, int] | None
            if style_ == "best-effort":
                req, lim = None, None
                all_guaranteed = False
            elif style_ == "limits-only":
                req, lim = None, (c, m)
                eff_cpu += c
                eff_mem += m
                any_resources = True
            elif style_ == "guaranteed":
                req, lim = (c, m), (c, m)
                eff_cpu += c
                eff_mem += m
                any_resources = True
            else:
                req = (c, m)
                lim_cpu = weighted(rng, ((0, 0.5), (2 * c, 0.3), (4 * c, 0.2)))
                lim_mem = weighted(rng, ((m, 0.4), (2 * m, 0.45), (0, 0.15)))
                lim = None if (lim_cpu == 0 and lim_mem == 0) else (lim_cpu, lim_mem or 2 * m)
                eff_cpu += c
                eff_mem += m
                any_resources = True
                all_guaranteed = False
            cont: dict[str, Any] = {"name": name, "image": img}
            res = _resources(req, lim, gpu if name == base else 0)
            cont["resources"] = res
            containers.append(cont)
            if res.get("limits", {}).get(GPU):
                any_resources = True

        # main container; a sidecar takes a slice of the request for 20% of the services
        sidecar = owner_kind == "ReplicaSet" and style in ("normal", "guaranteed") and rng.random() < 0.2 and cpu >= 300
        main_cpu = cpu - 100 if sidecar else cpu
        main_mem = mem - 128 * MiB if sidecar and mem > 256 * MiB else mem
        add(base, main_image, main_cpu, main_mem, style)
        if sidecar:
            add("envoy", "envoyproxy/envoy:v1.29.4", 100, 128 * MiB, style)
        init: list[dict[str, Any]] = []
        if owner_kind == "ReplicaSet" and style == "normal" and rng.random() < 0.1:
            # init containers: effective request = max(sum of containers, largest init container)
            ic = rng.choice((100, 250, 500, 1000))
            im = round_mem(ic / 1000 * GiB)
            init.append(
                {"name": "migrate", "image": "registry.example.com/tools/migrate:1.4.0",
                 "resources": {"requests": {"cpu": fmt_cpu(ic), "memory": fmt_mem(im)}}}
            )
            eff_cpu = max(eff_cpu, ic)
            eff_mem = max(eff_mem, im)
        qos = "BestEffort" if not any_resources else ("Guaranteed" if all_guaranteed else "Burstable")

        spec: dict[str, Any] = {}
        if init:
            spec["initContainers"] = init
        spec["containers"] = containers
        node_selector: dict[str, str] = {}
        tolerations: list[dict[str, Any]] = []
        affinity: dict[str, Any] = {}
        constraints: list[Any] = []
        if role == "daemonset":
            tolerations.extend(DAEMONSET_TOLERATIONS)
            constraints.append(("tolerate-all",))
        if role in ("spot", "spot-only"):
            tolerations.append(SPOT_TOLERATION)
            constraints.append(("tolerate", "lifecycle", "spot"))
            if role == "spot-only":
                node_selector[LIFECYCLE_KEY] = "spot"
            else:
                affinity["nodeAffinity"] = {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 50, "preference": {"matchExpressions": [
                            {"key": LIFECYCLE_KEY, "operator": "In", "values": ["spot"]}]}}
                    ]
                }
        if role in ("gpu", "gpu-tolerant", "never-gpu"):
            tolerations.append(GPU_TOLERATION)
            constraints.append(("tolerate", "dedicated", "gpu"))
            if role in ("gpu", "never-gpu"):
                node_selector[POOL_KEY] = "gpu"
        if role == "highmem":
            node_selector[POOL_KEY] = "highmem"
        if constraint_variant == "os":
            node_selector["kubernetes.io/os"] = "linux"
        elif constraint_variant == "zones":
            zones = sorted(rng.sample(ZONES, 2))
            affinity["nodeAffinity"] = {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": ZONE_KEY, "operator": "In", "values": zones}]}]}
            }
            constraints.append(("zone-in", tuple(zones)))
        elif constraint_variant == "not-small":
            affinity["nodeAffinity"] = {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": ITYPE_KEY, "operator": "NotIn", "values": [M6I[4].name]}]}]}
            }
            constraints.append(("itype-not-in", (M6I[4].name,)))
        elif constraint_variant == "prefer-zone":
            affinity["nodeAffinity"] = {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 20, "preference": {"matchExpressions": [
                        {"key": ZONE_KEY, "operator": "In", "values": [rng.choice(ZONES)]}]}}
                ]
            }
        if self.anti_affinity and owner_kind == "ReplicaSet" and rng.random() < self.anti_affinity:
            affinity["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                    "labelSelector": {"matchLabels": {"app": app}}}}]}
        for k, v in sorted(node_selector.items()):
            constraints.append(("selector", k, v))
        if node_selector:
            spec["nodeSelector"] = node_selector
        if affinity:
            spec["affinity"] = affinity
        if spread:
            spec["topologySpreadConstraints"] = [
                {"maxSkew": 1, "topologyKey": ZONE_KEY, "whenUnsatisfiable": "ScheduleAnyway",
                 "labelSelector": {"matchLabels": {"app": app}}}
            ]
        if tolerations:
            spec["tolerations"] = tolerations
        if write_class:
            spec["priorityClassName"] = pclass.name
        spec["schedulerName"] = "default-scheduler"

        labels: dict[str, str] = {"app": app}
        owner_refs: list[dict[str, Any]] | None = None
        if owner_kind == "ReplicaSet":
            labels["pod-template-hash"] = owner_name.rsplit("-", 1)[1]
        elif owner_kind == "DaemonSet":
            labels["controller-revision-hash"] = rand_safe(rng, 10)
            labels["pod-template-generation"] = "1"
        if owner_kind:
            owner_refs = [
                {"apiVersion": "apps/v1", "kind": owner_kind, "name": owner_name, "uid": owner_uid,
                 "controller": True, "blockOwnerDeletion": True}
            ]
        tpl = Template(
            idx=len(self.templates),
            namespace=namespace,
            app=app,
            owner_kind=owner_kind,
            owner_name=owner_name,
            owner_uid=owner_uid,
            role=role,
            pclass=pclass,
            write_class=write_class,
            cpu=eff_cpu,
            mem=eff_mem,
            gpu=gpu,
            qos=qos,
            spec=spec,
            labels=labels,
            owner_refs=owner_refs,
            constraints=tuple(constraints),
        )
        self.templates.append(tpl)
        return tpl


def _allowed(nd: Node, constraints: tuple[Any, ...], incoming: bool) -> bool:
    """Whether a pod with these constraints may be on ``nd``. Running pods ignore cordons (they came first)."""
    tolerate_all = any(c[0] == "tolerate-all" for c in constraints)
    tolerated = {(c[1], c[2]) for c in constraints if c[0] == "tolerate"}
    if not tolerate_all:
        for t in nd.taints:
            if t["key"] == UNSCHEDULABLE_TAINT["key"]:
                if incoming:
                    return False
                continue
            if (t["key"], t.get("value")) not in tolerated:
                return False
    elif incoming and nd.cordoned:
        return False
    for c in constraints:
        if c[0] == "selector" and nd.labels.get(c[1]) != c[2]:
            return False
        if c[0] == "zone-in" and nd.zone not in c[1]:
            return False
        if c[0] == "itype-not-in" and nd.itype.name in c[1]:
            return False
    return True


# --------------------------------------------------------------------------------------------------
# The cluster
# --------------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    shape: Shape
    seed: int
    nodes: list[Node]
    templates: list[Template]
    running: list[PodRec]
    wave: list[PodRec]
    pdbs: list[dict[str, Any]]
    stats: dict[str, Any]


RUNNING_ROLES = (("general", 0.66), ("spot", 0.12), ("spot-only", 0.10), ("highmem", 0.06), ("gpu-tolerant", 0.06))
RUNNING_CLASSES = {
    "general": (("platform-critical", 0.04), ("business-critical", 0.14), ("production", 0.34),
                ("standard", 0.32), ("batch-never", 0.02), ("batch-low", 0.10), ("preemptible", 0.04)),
    "spot": (("standard", 0.2), ("batch-low", 0.5), ("preemptible", 0.3)),
    "spot-only": (("batch-low", 0.5), ("preemptible", 0.5)),
    "highmem": (("business-critical", 0.3), ("production", 0.5), ("standard", 0.2)),
    # at most production: their replacements must never free GPUs by preempting the gpu pods
    "gpu-tolerant": (("production", 0.3), ("standard", 0.4), ("batch-low", 0.3)),
}
WAVE_ROLES = (("general", 0.82), ("spot", 0.08), ("highmem", 0.05), ("never-general", 0.02))
WAVE_CLASSES = (("platform-critical", 0.08), ("business-critical", 0.36), ("production", 0.34),
                ("standard", 0.10), ("<default>", 0.12))
CONSTRAINT_VARIANTS = (("none", 0.5), ("os", 0.28), ("zones", 0.08), ("not-small", 0.06), ("prefer-zone", 0.08))
STYLES = (("normal", 0.86), ("guaranteed", 0.06), ("limits-only", 0.05), ("best-effort", 0.03))
MEM_RATIO = {"general": (1.0, 2.0, 2.0, 3.0, 4.0), "highmem": (6.0, 7.0, 8.0)}


class Placer:
    """Places running pods: the least loaded of a few sampled eligible nodes that fit (what a spreading scheduler does)."""

    def __init__(self, rng: random.Random, nodes: list[Node]) -> None:
        self.rng = rng
        self.nodes = nodes

    def place(self, eligible: list[int], cpu: int, mem: int, gpu: int, *, best_fit_gpu: bool = False) -> int:
        nodes = self.nodes
        if best_fit_gpu:  # pack GPUs tightly so that the pool ends up fully allocated
            best, best_key = -1, None
            for i in eligible:
                nd = nodes[i]
                if nd.fits(cpu, mem, gpu):
                    key = (nd.alloc_gpu - nd.used_gpu, nd.load(), i)
                    if best_key is None or key < best_key:
                        best, best_key = i, key
            return best
        best, best_load = -1, 2.0
        for i in self.rng.sample(eligible, min(3, len(eligible))):
            nd = nodes[i]
            if nd.fits(cpu, mem, gpu):
                ld = nd.load()
                if ld < best_load:
                    best, best_load = i, ld
        if best >= 0:
            return best
        # fall back to a full scan from a random offset: first node that fits, then least loaded
        fits = [i for i in eligible if nodes[i].fits(cpu, mem, gpu)]
        if not fits:
            return -1
        return min(fits, key=lambda i: (nodes[i].load(), i))

    def bind(self, i: int, cpu: int, mem: int, gpu: int) -> None:
        nd = self.nodes[i]
        nd.used_cpu += cpu
        nd.used_mem += mem
        nd.used_pods += 1
        nd.used_gpu += gpu


def generate_cluster(shape: Shape, seed: int) -> Cluster:
    rng = random.Random(f"priocli-bench/{shape.name}/{shape.nodes}/{shape.pods}/{shape.wave}/{seed}")
    nodes = build_nodes(rng, shape.nodes)
    fac = WorkloadFactory(rng, nodes, shape.anti_affinity)
    placer = Placer(rng, nodes)
    running: list[PodRec] = []

    def new_pod(tpl: Template, node: int, created: int) -> PodRec:
        rec = PodRec(tpl.idx, fac.pod_name(tpl), created, node, created + rng.randrange(2, 25))
        tpl.replicas += 1
        return rec

    # 1. DaemonSets: one pod per node (node agents tolerate every taint)
    daemonsets = [
        ("kube-system", "kube-proxy", 100, 1.0, "system-node-critical", "registry.k8s.io/kube-proxy:v1.29.4"),
        ("monitoring", "node-exporter", 50, 1.5, "system-node-critical", "quay.io/prometheus/node-exporter:v1.7.0"),
        ("logging", "fluent-bit", 100, 2.0, "platform-critical", "cr.fluentbit.io/fluent/fluent-bit:2.2.2"),
    ]
    if shape.pods < 3 * shape.nodes:
        daemonsets = daemonsets[:1]
    for ns, name, cpu, ratio, cls, image in daemonsets:
        tpl = fac.make(namespace=ns, base=name, role="daemonset", pclass=CLASS_BY_NAME[cls], cpu=cpu,
                       mem_ratio=ratio, owner_kind="DaemonSet", style="normal", image=image)
        created = SNAPSHOT_TIME - rng.randrange(10 * DAY, 20 * DAY)
        for nd in nodes:
            rec = new_pod(tpl, nd.idx, created + rng.randrange(0, 600))
            placer.bind(nd.idx, tpl.cpu, tpl.mem, 0)
            running.append(rec)

    # 2. GPU pods fill every GPU of the gpu pool (power-of-two sizes pack exactly)
    gpu_nodes = [nd.idx for nd in nodes if nd.alloc_gpu]
    gpu_free = sum(nodes[i].alloc_gpu for i in gpu_nodes)
    gpu_sizes = ((4, 0.25), (2, 0.35), (1, 0.4))
    while gpu_free > 0:
        g = weighted(rng, gpu_sizes)
        while g > gpu_free:
            g //= 2
        cls = weighted(rng, (("business-critical", 0.2), ("production", 0.5)))
        team = rng.choice(("ml", "recs", "ads", "search"))
        tpl = fac.make(namespace=team, base=rng.choice(("trainer", "inference", "embedder", "finetune")),
                       role="gpu", pclass=CLASS_BY_NAME[cls], cpu=6000 * g, mem_ratio=4.0, gpu=g)
        eligible = fac.eligible(tpl.constraints, incoming=False)
        replicas = max(1, min(gpu_free // g, int(rng.lognormvariate(1.0, 0.8))))
        created = SNAPSHOT_TIME - rng.randrange(DAY // 4, 20 * DAY)
        for _ in range(replicas):
            i = placer.place(eligible, tpl.cpu, tpl.mem, g, best_fit_gpu=True)
            if i < 0:
                break
            placer.bind(i, tpl.cpu, tpl.mem, g)
            running.append(new_pod(tpl, i, created + rng.randrange(0, 3600)))
            gpu_free -= g
        if tpl.replicas == 0:  # nothing fitted: try a smaller size next time
            gpu_sizes = tuple((s, w) for s, w in gpu_sizes if s < g) or ((1, 1.0),)

    # 3. coredns and an ingress controller
    for ns, base, cpu, cls, reps in (
        ("kube-system", "coredns", 100, "system-cluster-critical", max(2, shape.nodes // 100)),
        ("ingress-nginx", "ingress-nginx-controller", 500, "platform-critical", max(2, shape.nodes // 50)),
    ):
        tpl = fac.make(namespace=ns, base=base, role="general", pclass=CLASS_BY_NAME[cls], cpu=cpu,
                       mem_ratio=1.5, spread=True)
        eligible = fac.eligible(tpl.constraints, incoming=False)
        created = SNAPSHOT_TIME - rng.randrange(5 * DAY, 30 * DAY)
        for _ in range(reps):
            i = placer.place(eligible, tpl.cpu, tpl.mem, 0)
            if i >= 0:
                placer.bind(i, tpl.cpu, tpl.mem, 0)
                running.append(new_pod(tpl, i, created + rng.randrange(0, 600)))

    # 4. services and batch: apps with replicas, sized to bring cpu requests to CPU_TARGET overall
    total_alloc_cpu = sum(nd.alloc_cpu for nd in nodes)
    target_cpu = CPU_TARGET * total_alloc_cpu
    pending: list[tuple[Template, int]] = []  # template, replicas still to place
    remaining_pods = shape.pods - len(running)
    remaining_cpu = target_cpu - sum(nd.used_cpu for nd in nodes)
    planned = 0
    while planned < remaining_pods:
        left = remaining_pods - planned
        mean = max(20.0, remaining_cpu / left)
        role = weighted(rng, RUNNING_ROLES)
        cls = CLASS_BY_NAME[weighted(rng, RUNNING_CLASSES[role])]
        # lognormal around the wanted mean: mean = median * exp(s^2/2)
        sigma = 0.9
        cpu = snap_cpu(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma), 4000)
        style = weighted(rng, STYLES)
        ratio = rng.choice(MEM_RATIO["highmem" if role == "highmem" else "general"])
        # at most a quarter of what is left: the cpu controller keeps enough apps to steer with
        replicas = min(max(1, left // 4), max(1, int(rng.lognormvariate(1.3, 1.1))), 300)
        if style == "best-effort":
            replicas = min(replicas, 5)
        team = rng.choice(TEAMS)
        base = f"{rng.choice(COMPONENTS)}" if rng.random() < 0.5 else f"{team}-{rng.choice(COMPONENTS)}"
        variant = weighted(rng, CONSTRAINT_VARIANTS) if role in ("general", "highmem") else "none"
        tpl = fac.make(namespace=team, base=base, role=role, pclass=cls, cpu=cpu, mem_ratio=ratio, style=style,
                       spread=rng.random() < 0.08 and replicas >= 3, constraint_variant=variant)
        pending.append((tpl, replicas))
        planned += replicas
        remaining_cpu -= replicas * tpl.cpu

    # place the largest pods first (first-fit decreasing keeps the packing feasible at 75%)
    order = sorted(range(len(pending)), key=lambda k: (-pending[k][0].cpu, -pending[k][0].mem, k))
    unplaced = 0
    for k in order:
        tpl, replicas = pending[k]
        eligible = fac.eligible(tpl.constraints, incoming=False)
        created = SNAPSHOT_TIME - rng.randrange(DAY // 2, 30 * DAY)
        for _ in range(replicas):
            i = placer.place(eligible, tpl.cpu, tpl.mem, 0)
            if i < 0:
                unplaced += 1
                continue
            placer.bind(i, tpl.cpu, tpl.mem, 0)
            running.append(new_pod(tpl, i, created + rng.randrange(0, 3 * 3600)))
    # top up with small pods where big ones did not fit, so that the pod count is exact
    # (small clusters only: the roles that reach the spot and gpu pools, then BestEffort pods, take the rest)
    attempts = [(role, style) for style in ("normal", "best-effort") for role in ("general", "spot", "gpu-tolerant")]
    while len(running) < shape.pods:
        if not attempts:
            raise RuntimeError("cluster too full to place the requested number of pods")
        role, style = attempts[0]
        tpl = fac.make(namespace=rng.choice(TEAMS), base=rng.choice(COMPONENTS), role=role, style=style,
                       pclass=CLASS_BY_NAME["standard"], cpu=rng.choice((10, 25, 50)), mem_ratio=2.0)
        eligible = fac.eligible(tpl.constraints, incoming=False)
        created = SNAPSHOT_TIME - rng.randrange(DAY // 2, 30 * DAY)
        for _ in range(min(20, shape.pods - len(running))):
            i = placer.place(eligible, tpl.cpu, tpl.mem, 0)
            if i < 0:
                attempts.pop(0)
                break
            placer.bind(i, tpl.cpu, tpl.mem, 0)
            running.append(new_pod(tpl, i, created + rng.randrange(0, 3600)))

    # 5. PDBs for about 30% of the multi-replica services
    pdbs: list[dict[str, Any]] = []
    for tpl in fac.templates:
        if tpl.owner_kind != "ReplicaSet" or tpl.replicas < 2 or rng.random() >= 0.3:
            continue
        pdbs.append(pdb_object(rng, tpl))

    # 6. the wave
    wave = build_wave(rng, shape, fac, nodes)

    stats = cluster_stats(nodes, running, fac.templates)
    stats["unplaced_retried"] = unplaced
    return Cluster(shape, seed, nodes, fac.templates, running, wave, pdbs, stats)


def pdb_object(rng: random.Random, tpl: Template) -> dict[str, Any]:
    n = tpl.replicas
    kind = weighted(rng, (("min-int", 0.35), ("min-pct", 0.25), ("max-int", 0.3), ("all", 0.1)))
    spec: dict[str, Any] = {"selector": {"matchLabels": {"app": tpl.app}}}
    if kind == "min-int":
        desired = max(1, n - rng.choice((1, 1, 2)))
        spec["minAvailable"] = desired
    elif kind == "min-pct":
        pct = rng.choice((50, 60, 80))
        spec["minAvailable"] = f"{pct}%"
        desired = math.ceil(pct * n / 100)
    elif kind == "max-int":
        mu = rng.choice((1, 1, 2))
        spec["maxUnavailable"] = mu
        desired = max(0, n - mu)
    else:
        spec["minAvailable"] = n
        desired = n
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"{tpl.app}-pdb", "namespace": tpl.namespace, "uid": rand_uid(rng),
                     "creationTimestamp": iso(SNAPSHOT_TIME - 40 * DAY), "generation": 1},
        "spec": spec,
        "status": {"currentHealthy": n, "desiredHealthy": desired, "disruptionsAllowed": max(0, n - desired),
                   "expectedPods": n, "observedGeneration": 1},
    }


def build_wave(rng: random.Random, shape: Shape, fac: WorkloadFactory, nodes: list[Node]) -> list[PodRec]:
    """Incoming pods: mostly higher priorities than the running ones, sized so that they do not all fit."""
    free_general = sum(
        nd.alloc_cpu - nd.used_cpu for nd in nodes if not nd.taints and not nd.cordoned
    )
    n_never_gpu = max(1, round(shape.wave * 0.03))
    n_rest = shape.wave - n_never_gpu
    wave: list[PodRec] = []
    t0 = SNAPSHOT_TIME + 60
    demand = shape.pressure * free_general
    groups: list[tuple[Template, int]] = []
    planned = 0
    while planned < n_rest:
        left = n_rest - planned
        mean = max(50.0, demand / left)
        role = weighted(rng, WAVE_ROLES)
        if role == "never-general":
            cls_name, write = "batch-never", True
        else:
            cls_name = weighted(rng, WAVE_CLASSES)
            write = cls_name != "<default>"
            if not write:
                cls_name = DEFAULT_CLASS.name
        sigma = 0.7
        cpu = snap_cpu(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma), 6000)
        ratio = rng.choice(MEM_RATIO["highmem" if role == "highmem" else "general"])
        bare = rng.random() < 0.03
        replicas = 1 if bare else min(max(1, left // 4), max(1, int(rng.lognormvariate(2.0, 1.0))), 200)
        team = rng.choice(TEAMS)
        base = f"{team}-{rng.choice(COMPONENTS)}-v2" if not bare else f"adhoc-{rng.choice(COMPONENTS)}"
        variant = weighted(rng, CONSTRAINT_VARIANTS) if role in ("general", "highmem") else "none"
        tpl = fac.make(namespace=team, base=base, role="general" if role == "never-general" else role,
                       pclass=CLASS_BY_NAME[cls_name], write_class=write, cpu=cpu, mem_ratio=ratio,
                       owner_kind=None if bare else "ReplicaSet", incoming=True,
                       style=weighted(rng, STYLES[:3]), spread=rng.random() < 0.08 and replicas >= 3,
                       constraint_variant=variant)
        if role == "never-general":
            tpl.role = "never-general"
        groups.append((tpl, replicas))
        planned += replicas
        demand -= replicas * tpl.cpu
    # Never-class GPU pods: the gpu pool is full and nothing else in the wave may free GPUs, so they
    # stay pending ("preemption: not eligible due to preemptionPolicy=Never.")
    left = n_never_gpu
    while left > 0:
        g = rng.choice((1, 1, 2))
        tpl = fac.make(namespace="ml", base="batch-trainer", role="never-gpu", pclass=CLASS_BY_NAME["batch-never"],
                       cpu=4000 * g, mem_ratio=4.0, gpu=g, incoming=True)
        reps = min(left, rng.randrange(1, 9))
        groups.append((tpl, reps))
        left -= reps
    # file order: interleave the groups as they would arrive (a rollout here, a scale-up there)
    rng.shuffle(groups)
    seq = 0
    for tpl, reps in groups:
        for _ in range(reps):
            if tpl.owner_kind is None:
                name = f"{tpl.owner_name}-{seq}"
                tpl.used_names.add(name)
            else:
                name = fac.pod_name(tpl)
            wave.append(PodRec(tpl.idx, name, t0 + seq // 10))
            tpl.replicas += 1
            seq += 1
    return wave


def cluster_stats(nodes: list[Node], running: list[PodRec], templates: list[Template]) -> dict[str, Any]:
    alloc_cpu = sum(nd.alloc_cpu for nd in nodes)
    used_cpu = sum(nd.used_cpu for nd in nodes)
    alloc_mem = sum(nd.alloc_mem for nd in nodes)
    used_mem = sum(nd.used_mem for nd in nodes)
    by_pool: dict[str, dict[str, Any]] = {}
    for nd in nodes:
        p = by_pool.setdefault(nd.pool, {"nodes": 0, "alloc_cpu": 0, "used_cpu": 0, "alloc_gpu": 0, "used_gpu": 0})
        p["nodes"] += 1
        p["alloc_cpu"] += nd.alloc_cpu
        p["used_cpu"] += nd.used_cpu
        p["alloc_gpu"] += nd.alloc_gpu
        p["used_gpu"] += nd.used_gpu
    for p in by_pool.values():
        p["cpu_requested"] = round(p.pop("used_cpu") / p.pop("alloc_cpu"), 3)
    return {
        "cpu_requested": round(used_cpu / alloc_cpu, 4),
        "memory_requested": round(used_mem / alloc_mem, 4),
        "max_pods_on_a_node": max(nd.used_pods for nd in nodes),
        "pools": by_pool,
        "cordoned_nodes": sum(nd.cordoned for nd in nodes),
    }


# --------------------------------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------------------------------


def priority_class_objects(system: bool = False) -> list[dict[str, Any]]:
    """The classes; the two built-in ``system-`` ones only when ``system`` (kubectl lists them, as the API
    server creates them as real objects)."""
    out = []
    for c in CLASSES:
        if c.name.startswith("system-") and not system:
            continue
        obj: dict[str, Any] = {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": c.name, "creationTimestamp": iso(SNAPSHOT_TIME - 200 * DAY)},
            "value": c.value,
            "preemptionPolicy": "Never" if c.never else "PreemptLowerPriority",
            "description": c.description,
        }
        if c.global_default:
            obj["globalDefault"] = True
        out.append(obj)
    return out


def pod_object(rec: PodRec, tpl: Template, nodes: list[Node]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": rec.name,
        "namespace": tpl.namespace,
        "creationTimestamp": iso(rec.created),
        "labels": tpl.labels,
    }
    if tpl.owner_refs:
        meta["ownerReferences"] = tpl.owner_refs
    spec: dict[str, Any] = {}
    incoming = rec.node < 0
    if not incoming:
        spec["nodeName"] = nodes[rec.node].name
    if tpl.owner_kind == "DaemonSet":
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [nodes[rec.node].name]}]}]}}}
    spec.update(tpl.spec)
    if not incoming:
        # admission already ran on running pods: priority and policy are in the spec
        spec["priority"] = tpl.pclass.value
        spec["preemptionPolicy"] = "Never" if tpl.pclass.never else "PreemptLowerPriority"
        status: dict[str, Any] = {"phase": "Running", "qosClass": tpl.qos, "startTime": iso(rec.started)}
    else:
        status = {"phase": "Pending", "qosClass": tpl.qos}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def snapshot_items(cl: Cluster, system_classes: bool = False) -> Iterator[dict[str, Any]]:
    for nd in cl.nodes:
        yield node_object(nd)
    yield from priority_class_objects(system_classes)
    yield from cl.pdbs
    # pods by namespace then name, as the API server lists them
    order = sorted(cl.running, key=lambda r: (cl.templates[r.tpl].namespace, r.name))
    for rec in order:
        yield pod_object(rec, cl.templates[rec.tpl], cl.nodes)


def wave_items(cl: Cluster) -> Iterator[dict[str, Any]]:
    for rec in cl.wave:
        yield pod_object(rec, cl.templates[rec.tpl], cl.nodes)


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------

_PLAIN_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_PLAIN_REST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
_RESERVED = frozenset(
    ("y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf")
)  # YAML 1.1 and 1.2 words that would not stay strings
_scalar_cache: dict[str, str] = {}


def yaml_str(s: str) -> str:
    got = _scalar_cache.get(s)
    if got is not None:
        return got
    if s and s[0] in _PLAIN_FIRST and s.lower() not in _RESERVED and all(ch in _PLAIN_REST for ch in s):
        out = s
    elif s.isprintable() and s.isascii():
        out = "'" + s.replace("'", "''") + "'"
    else:
        out = json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar
    if len(_scalar_cache) < 500_000:
        _scalar_cache[s] = out
    return out


def yaml_scalar(v: Any) -> str:
    if isinstance(v, str):
        return yaml_str(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    raise TypeError(f"cannot write {type(v).__name__} as YAML")


# Memo of rendered sub-trees shared by many pods (labels, containers, tolerations ...): keyed by
# object identity and indentation. The objects are kept alive by the templates for the whole write.
_yaml_memo: dict[tuple[int, int], str] = {}


def yaml_block(v: Any, indent: int, out: list[str]) -> None:
    """Append the block-style YAML for a mapping or sequence value at ``indent`` (a list of lines)."""
    if isinstance(v, dict):
        if not v:
            return
        pad = " " * indent
        for k, x in v.items():
            if isinstance(x, dict | list) and x:
                out.append(f"{pad}{yaml_str(k)}:\n")
                yaml_nested(x, indent + 2 if isinstance(x, dict) else indent, out)
            else:
                out.append(f"{pad}{yaml_str(k)}: {yaml_flow_empty(x)}\n")
    else:
        pad = " " * indent
        for x in v:
            if isinstance(x, dict) and x:
                sub: list[str] = []
                yaml_block(x, indent + 2, sub)
                first = sub[0]
                sub[0] = pad + "- " + first[indent + 2 :]
                out.extend(sub)
            elif isinstance(x, list) and x:
                sub = []
                yaml_block(x, indent + 2, sub)
                sub[0] = pad + "- " + sub[0][indent + 2 :]
                out.extend(sub)
            else:
                out.append(f"{pad}- {yaml_flow_empty(x)}\n")


def yaml_nested(x: Any, indent: int, out: list[str]) -> None:
    key = (id(x), indent)
    got = _yaml_memo.get(key)
    if got is None:
        sub: list[str] = []
        yaml_block(x, indent, sub)
        got = "".join(sub)
        if x is not None and _is_shared(x):
            _yaml_memo[key] = got
    out.append(got)


_shared_ids: set[int] = set()


def _is_shared(x: Any) -> bool:
    return id(x) in _shared_ids


def share(*objs: Any) -> None:
    """Mark objects that many documents reference (by identity) so that their YAML is rendered once."""
    for o in objs:
        _shared_ids.add(id(o))


def yaml_flow_empty(x: Any) -> str:
    if isinstance(x, dict):
        return "{}"
    if isinstance(x, list):
        return "[]"
    return yaml_scalar(x)


def yaml_document(obj: dict[str, Any], indent: int = 0) -> str:
    out: list[str] = []
    yaml_block(obj, indent, out)
    return "".join(out)


class Writer:
    """Streams a ``kind: List`` (JSON or YAML) or, for ``multi_doc`` YAML, a multi-document manifest."""

    def __init__(self, path: Path, *, multi_doc: bool = False) -> None:
        self.path = path
        self.yaml = path.suffix in (".yaml", ".yml")
        self.multi_doc = multi_doc and self.yaml
        self.tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # concurrent runs do not collide
        self.f: IO[bytes] = open(self.tmp, "wb")  # closed in close()
        self.n = 0
        self.buf: list[bytes] = []
        self.buf_len = 0
        if self.yaml and not self.multi_doc:
            self._put(b"apiVersion: v1\nitems:\n")
        elif not self.yaml:
            self._put(b'{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n')

    def _put(self, b: bytes) -> None:
        self.buf.append(b)
        self.buf_len += len(b)
        if self.buf_len > 1 << 20:
            self.f.write(b"".join(self.buf))
            self.buf.clear()
            self.buf_len = 0

    def add(self, obj: dict[str, Any]) -> None:
        if self.yaml:
            if self.multi_doc:
                self._put(b"---\n" + yaml_document(obj).encode())
            else:
                text = yaml_document(obj, 2)
                self._put(b"- " + text[2:].encode())
        else:
            self._put((b",\n" if self.n else b"") + _json_line(obj))
        self.n += 1

    def close(self) -> None:
        if self.yaml and not self.multi_doc:
            if self.n == 0:
                self.buf[-1] = b"apiVersion: v1\nitems: []\n"
            self._put(b"kind: List\nmetadata:\n  resourceVersion: ''\n")
        elif not self.yaml:
            self._put(b"\n]}\n")
        self.f.write(b"".join(self.buf))
        self.f.close()
        self.tmp.replace(self.path)


def write_cluster(cl: Cluster, out: Path, formats: Iterable[str], system_classes: bool = False) -> dict[str, Path]:
    """Write the snapshot and wave in each format; returns {"snapshot.json": path, ...}."""
    out.mkdir(parents=True, exist_ok=True)
    for tpl in cl.templates:
        share(tpl.labels, tpl.owner_refs, *tpl.spec.values())
    for nd in cl.nodes:
        share(nd.labels)
    paths: dict[str, Path] = {}
    try:
        for kind, items, multi in (
            ("snapshot", lambda c: snapshot_items(c, system_classes), False),
            ("wave", wave_items, True),
        ):
            writers = []
            for fmt in formats:
                p = out / f"{kind}.{fmt}"
                writers.append(Writer(p, multi_doc=multi))
                paths[p.name] = p
            for obj in items(cl):
                for w in writers:
                    w.add(obj)
            for w in writers:
                w.close()
    finally:
        _yaml_memo.clear()
        _shared_ids.clear()
    return paths


# --------------------------------------------------------------------------------------------------
# A rough estimate of the outcome (not kube-scheduler: no PDBs, simplified scoring and node choice)
# --------------------------------------------------------------------------------------------------


def estimate(cl: Cluster) -> dict[str, Any]:
    """Greedy what-if of the wave: bind where it fits, else preempt lower-priority pods on the candidate
    node needing the least important victims; evicted ReplicaSet pods come back as replacements.
    Gives the order of magnitude of preemptions, to size scenarios; priocli's report is the truth."""
    import numpy as np

    nodes, tpls = cl.nodes, cl.templates
    n = len(nodes)
    alloc = np.array([[nd.alloc_cpu, nd.alloc_mem, nd.alloc_pods, nd.alloc_gpu] for nd in nodes], dtype=np.int64)
    used = np.zeros_like(alloc)
    pods_on: list[list[list[int]]] = [[] for _ in range(n)]  # [priority, start, cpu, mem, gpu, tpl]
    for seq, rec in enumerate(cl.running):
        t = tpls[rec.tpl]
        pods_on[rec.node].append([t.priority, rec.started * 100_000 + seq, t.cpu, t.mem, t.gpu, rec.tpl])
        used[rec.node] += (t.cpu, t.mem, 1, t.gpu)
    levels = sorted({tpls[r.tpl].priority for r in cl.wave if not tpls[r.tpl].pclass.never})
    lvl_index = {p: k for k, p in enumerate(levels)}
    lower = np.zeros((len(levels), n, 4), dtype=np.int64)  # resources of pods with priority < level
    for i, plist in enumerate(pods_on):
        for p in plist:
            for k, lv in enumerate(levels):
                if p[0] < lv:
                    lower[k, i] += (p[2], p[3], 1, p[4])
    masks: dict[tuple[Any, ...], np.ndarray] = {}

    def mask_for(t: Template) -> np.ndarray:
        m = masks.get(t.constraints)
        if m is None:
            m = np.zeros(n, dtype=bool)
            m[[nd.idx for nd in nodes if _allowed(nd, t.constraints, True)]] = True
            masks[t.constraints] = m
        return m

    heap: list[tuple[int, int, int, bool]] = []  # (-priority, seq, tpl, is_replacement)
    for seq, rec in enumerate(cl.wave):
        heapq.heappush(heap, (-tpls[rec.tpl].priority, seq, rec.tpl, False))
    seq_next = len(cl.wave)
    start_next = (SNAPSHOT_TIME + 120) * 100_000
    out = {"bound_without_preemption": 0, "preemptors": 0, "evictions": 0, "replacements": 0,
           "pending": 0, "pending_never": 0, "replacements_pending": 0}
    free = alloc - used
    score_w = 1.0 / np.maximum(alloc[:, :2], 1)
    while heap:
        negp, _, ti, is_repl = heapq.heappop(heap)
        t = tpls[ti]
        prio = -negp
        req = np.array((t.cpu, t.mem, 1, t.gpu), dtype=np.int64)
        m = mask_for(t)
        fit = m & (free >= req).all(axis=1)
        chosen = -1
        victims: list[list[int]] = []
        if fit.any():
            idx = np.flatnonzero(fit)
            score = ((free[idx, :2] - req[:2]) * score_w[idx]).sum(axis=1)
            chosen = int(idx[int(np.argmax(score))])
            out["bound_without_preemption"] += 1
        elif not t.pclass.never and prio in lvl_index:
            k = lvl_index[prio]
            cand = m & ((free + lower[k]) >= req).all(axis=1)
            if cand.any():
                idx = np.flatnonzero(cand)
                # the candidates where the fewest lower-priority resources need to go
                need = np.maximum(req[:2] - free[idx, :2], 0) * score_w[idx]
                key = need.sum(axis=1)
                top = idx[np.argsort(key, kind="stable")[:16]]
                best_key: tuple[int, int, int] | None = None
                for i in top.tolist():
                    v = _select_victims(pods_on[i], alloc[i], req, prio)
                    if v is None:
                        continue
                    vk = (max(p[0] for p in v), sum(p[0] for p in v), len(v))
                    if best_key is None or vk < best_key:
                        best_key, chosen, victims = vk, i, v
        if chosen < 0:
            if is_repl:
                out["replacements_pending"] += 1
            elif t.pclass.never:
                out["pending_never"] += 1
            else:
                out["pending"] += 1
            continue
        if victims:
            out["preemptors"] += 1
            for v in victims:
                pods_on[chosen].remove(v)
                vr = np.array((v[2], v[3], 1, v[4]), dtype=np.int64)
                used[chosen] -= vr
                for kk, lv in enumerate(levels):
                    if v[0] < lv:
                        lower[kk, chosen] -= vr
                out["evictions"] += 1
                vt = tpls[v[5]]
                if vt.owner_kind == "ReplicaSet":
                    out["replacements"] += 1
                    heapq.heappush(heap, (-vt.priority, seq_next, vt.idx, True))
                    seq_next += 1
        start_next += 1
        pods_on[chosen].append([prio, start_next, t.cpu, t.mem, t.gpu, ti])
        used[chosen] += req
        for kk, lv in enumerate(levels):
            if prio < lv:
                lower[kk, chosen] += req
        free[chosen] = alloc[chosen] - used[chosen]
    return out


def _select_victims(plist: list[list[int]], alloc: Any, req: Any, prio: int) -> list[list[int]] | None:
    """kube-scheduler's SelectVictimsOnNode without PDBs: drop every lower-priority pod, then reprieve the
    most important ones while the preemptor still fits."""
    keep_cpu = keep_mem = keep_pods = keep_gpu = 0
    lower: list[list[int]] = []
    for p in plist:
        if p[0] < prio:
            lower.append(p)
        else:
            keep_cpu += p[2]
            keep_mem += p[3]
            keep_pods += 1
            keep_gpu += p[4]
    a_cpu, a_mem, a_pods, a_gpu = (int(x) for x in alloc)
    r_cpu, r_mem, _, r_gpu = (int(x) for x in req)
    cpu, mem, pods, gpu = keep_cpu + r_cpu, keep_mem + r_mem, keep_pods + 1, keep_gpu + r_gpu
    if cpu > a_cpu or mem > a_mem or pods > a_pods or gpu > a_gpu:
        return None
    lower.sort(key=lambda p: (-p[0], p[1]))
    victims: list[list[int]] = []
    for p in lower:
        if cpu + p[2] <= a_cpu and mem + p[3] <= a_mem and pods + 1 <= a_pods and gpu + p[4] <= a_gpu:
            cpu += p[2]
            mem += p[3]
            pods += 1
            gpu += p[4]
        else:
            victims.append(p)
    return victims


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def source_digest() -> str:
    """Changes whenever this file changes: cached outputs made by another version are regenerated."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def shape_for(size: str, nodes: int | None = None, pods: int | None = None, wave: int | None = None,
              pressure: float | None = None) -> Shape:
    if size == "custom":
        if not (nodes and pods and wave is not None):
            raise ValueError("size 'custom' needs --nodes, --pods and --wave")
        return Shape("custom", nodes, pods, wave, pressure or 1.25, f"{nodes} nodes, {pods} pods, {wave} incoming")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: one of {', '.join([*SIZES, 'custom'])}")
    base = SIZES[size]
    if any(x is not None for x in (nodes, pods, wave, pressure)):
        raise ValueError("--nodes/--pods/--wave/--pressure only go with size 'custom'")
    return base


def generate(
    shape: Shape,
    out: Path,
    *,
    formats: Iterable[str] = ("json",),
    seed: int = 1,
    with_estimate: bool = True,
    system_classes: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate one scenario into ``out``; returns the metadata also written to ``out/meta.json``."""
    formats = tuple(dict.fromkeys(formats))
    for f in formats:
        if f not in ("json", "yaml"):
            raise ValueError(f"unknown format {f!r}")
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    cl = generate_cluster(shape, seed)
    t1 = time.perf_counter()
    say(f"generated {shape.nodes} nodes, {len(cl.running)} running pods, {len(cl.wave)} incoming in {t1 - t0:.1f}s")
    est = estimate(cl) if with_estimate else None
    t2 = time.perf_counter()
    if est is not None:
        say(f"estimate in {t2 - t1:.1f}s: {est}")
    paths = write_cluster(cl, out, formats, system_classes)
    for stale in ("json", "yaml"):  # files of another format would be from another generation
        if stale not in formats:
            for kind in ("snapshot", "wave"):
                (out / f"{kind}.{stale}").unlink(missing_ok=True)
    t3 = time.perf_counter()
    say(f"wrote {', '.join(str(p) for p in paths.values())} in {t3 - t2:.1f}s")
    tpls = cl.templates
    meta: dict[str, Any] = {
        "generator": {"version": GENERATOR_VERSION, "source": source_digest()},
        "shape": {"name": shape.name, "nodes": shape.nodes, "pods": shape.pods, "wave": shape.wave,
                  "pressure": shape.pressure, "description": shape.description},
        "seed": seed,
        "system_classes": system_classes,
        "formats": list(formats),
        "files": {name: {"path": p.name, "bytes": p.stat().st_size} for name, p in sorted(paths.items())},
        "counts": {
            "nodes": len(cl.nodes),
            "running_pods": len(cl.running),
            "wave_pods": len(cl.wave),
            "pdbs": len(cl.pdbs),
            "priority_classes": len(priority_class_objects(system_classes)),
            "templates": len(tpls),
        },
        "stats": cl.stats,
        "estimate": est,
        "checks": {
            # the report must show these pending: Never class, asking for GPUs the full gpu pool lacks
            "must_stay_pending": sorted(
                f"{tpls[r.tpl].namespace}/{r.name}" for r in cl.wave if tpls[r.tpl].role == "never-gpu"
            ),
            "cordoned_nodes": sorted(nd.name for nd in cl.nodes if nd.cordoned),
        },
        "timings": {"cluster": round(t1 - t0, 2), "estimate": round(t2 - t1, 2), "write": round(t3 - t2, 2)},
    }
    tmp = out / f"meta.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(out / "meta.json")
    return meta


def is_cached(out: Path, shape: Shape, seed: int, formats: Iterable[str], system_classes: bool = False) -> bool:
    """Whether ``out`` already holds this scenario, from this generator source, in every format asked."""
    try:
        meta = json.loads((out / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    if meta.get("generator", {}).get("source") != source_digest() or meta.get("seed") != seed:
        return False
    if meta.get("system_classes", False) != system_classes:
        return False
    sh = meta.get("shape", {})
    if (sh.get("name"), sh.get("nodes"), sh.get("pods"), sh.get("wave"), sh.get("pressure")) != (
        shape.name, shape.nodes, shape.pods, shape.wave, shape.pressure
    ):
        return False
    if not set(formats) <= set(meta.get("formats", ())):
        return False
    return all((out / f"{k}.{f}").exists() for f in formats for k in ("snapshot", "wave"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate a deterministic cluster snapshot and an incoming wave for priocli's scale benchmarks.",
        epilog="sizes: " + "; ".join(f"{s.name}: {s.description}" for s in SIZES.values()),
    )
    ap.add_argument("size", help=f"one of {', '.join([*SIZES, 'custom'])}")
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    ap.add_argument("--format", default="json", choices=("json", "yaml", "both"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nodes", type=int, help="custom size: nodes")
    ap.add_argument("--pods", type=int, help="custom size: running pods")
    ap.add_argument("--wave", type=int, help="custom size: incoming pods")
    ap.add_argument("--pressure", type=float, help="custom size: wave cpu / free cpu (default 1.25)")
    ap.add_argument("--no-estimate", action="store_true", help="skip the rough preemption estimate")
    ap.add_argument("--system-classes", action="store_true",
                    help="also list the built-in system-node-critical and system-cluster-critical PriorityClasses, "
                    "as `kubectl get priorityclasses` does")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        shape = shape_for(args.size, args.nodes, args.pods, args.wave, args.pressure)
    except ValueError as e:
        ap.error(str(e))
    formats = ("json", "yaml") if args.format == "both" else (args.format,)
    log = None if args.quiet else (lambda m: print(m, file=sys.stderr))
    meta = generate(shape, args.out, formats=formats, seed=args.seed, with_estimate=not args.no_estimate,
                    system_classes=args.system_classes, log=log)
    if not args.quiet:
        print(json.dumps({k: meta[k] for k in ("shape", "counts", "stats", "estimate", "files")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
