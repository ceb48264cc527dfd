"""Workload manifests -> the pods their controllers would create, as raw Pod dicts.

Kinds expanded: Deployment (through its ReplicaSet), ReplicaSet, ReplicationController,
StatefulSet, DaemonSet, Job and CronJob (one Job). Bare Pods pass through. Expansion works on
the raw dicts, before admission: every generated pod is a ``kind: Pod`` dict with the
template's labels and spec, ``metadata.ownerReferences`` naming its controller
(``controller: true``), and the workload's :class:`~priocli.model.Source`, so errors point at the
manifest. :mod:`priocli.load.cluster` then admits generated and bare pods alike (priority from
``priorityClassName``, requests from limits, LimitRange defaults, default tolerations).

Names are stable: the same input gives the same names, byte for byte, whatever the clock.

==================  ===========================================================================
Deployment          ReplicaSet ``<deploy>-<hash>``, pods ``<deploy>-<hash>-<5 chars>``. ``hash``
                    is FNV-32a of the template (canonical JSON) written as a decimal number and
                    safe-encoded like Kubernetes' ``pod-template-hash`` (alphabet
                    ``bcdfghjklmnpqrstvwxz2456789``); it is not the value the real controller
                    computes (that one hashes a Go struct dump). When the input already holds the
                    Deployment's current ReplicaSet (same template), its name and hash are kept.
ReplicaSet, RC      pods ``<owner>-<5 chars>`` (generateName; the base is cut to 58 characters)
StatefulSet         ``<sts>-<ordinal>``, ordinals ``spec.ordinals.start`` (0) onwards
DaemonSet           ``<ds>-<5 chars>``, one per eligible node
Job                 ``<job>-<5 chars>``; Indexed Jobs ``<job>-<index>-<5 chars>``
CronJob             one Job ``<cronjob>-28401120`` (the minute number, as the CronJob controller
                    names Jobs, of a fixed scheduled time, 2024-01-01T00:00:00Z, whatever the
                    schedule), whose pods are named as a Job's
==================  ===========================================================================

The ``<5 chars>`` suffix is drawn from the same alphabet by a hash of (namespace, controller
kind, controller name, n): the n-th pod the controller creates in the pass, n counting from 0
and skipping names the input already uses (DaemonSets add the node name to the hash).
Replacement pods (:func:`replacement_pod_name`) continue the same sequence, except for
StatefulSets: the real controller recreates ``<sts>-<ordinal>`` under the same name once the
evicted pod is gone; the report must list both, so the replacement is reported as
``<sts>-<ordinal>-r<N>`` (N = 1 for the first recreation of that ordinal).

What the controllers do with pods already in the input (a snapshot, ``--cluster``): pods are
the controller's through their controller ``ownerReference``; only *active* pods count (not
Succeeded/Failed, no ``deletionTimestamp``). Missing pods are created, extra ones removed
(scale-down: see :func:`_scale_down_order`), and a changed template replaces the pods with new
ones (the final state of the rollout). Every removal is reported in a warning.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from priocli.errors import InputError
from priocli.load.documents import Document
from priocli.load.parse import (
    Admission,
    Ctx,
    _bool,
    _int,
    _labels,
    _list,
    _map,
    _resource_list,
    _str,
    _time,
    object_ctx,
    parse_label_selector,
    parse_pod_spec,
)
from priocli.model import LabelSelector, Node, Pod, PodSpecInfo, Warning_
from priocli.plugins.nodeaffinity import NAME_FIELD, matches_selector_and_affinity
from priocli.plugins.tainttoleration import find_untolerated_taint

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATE_BASE = 58  # names.SimpleNameGenerator: 63 - 5 random characters
CRONJOB_SCHEDULED_MINUTE = 28401120  # 2024-01-01T00:00:00Z / 60: the fixed scheduled time of CronJob Jobs
DEFAULT_BACKOFF_LIMIT = 6

POD_TEMPLATE_HASH = "pod-template-hash"
STS_POD_NAME = "statefulset.kubernetes.io/pod-name"
STS_POD_INDEX = "apps.kubernetes.io/pod-index"
REVISION_HASH = "controller-revision-hash"
DS_TEMPLATE_GENERATION = "pod-template-generation"
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_INDEX = "batch.kubernetes.io/job-completion-index"

# Kinds whose documents become pods, with their accepted apiVersions.
WORKLOAD_API_VERSIONS: dict[str, tuple[str, ...]] = {
    "Deployment": ("apps/v1",),
    "DaemonSet": ("apps/v1",),
    "Job": ("batch/v1",),
    "CronJob": ("batch/v1",),
    "LimitRange": ("v1",),
}
WORKLOAD_REMOVED_VERSIONS: dict[tuple[str, str], str] = {
    **{(k, v): f"{v} {k} was removed in Kubernetes 1.16; use apps/v1"
       for k in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
       for v in ("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2")},
    ("CronJob", "batch/v1beta1"): "batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1",
}
EXPANDED_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job", "CronJob")
API_VERSION_OF = {"Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
                  "ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}

# AddOrUpdateDaemonPodTolerations (pkg/controller/daemon/util), all operator Exists.
DAEMONSET_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
DAEMONSET_HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")

ROLLOUT_NOTE = ("final state: the transient surge of a rolling update (maxSurge/maxUnavailable, one pod at a "
                "time) is not modeled")
MAX_NAMES_LISTED = 10


# ---------------------------------------------------------------- names


def safe_encode(s: str) -> str:
    """rand.SafeEncodeString: each byte mapped into an alphabet without vowels and look-alikes."""
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in s.encode())


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(template: Any, collision_count: int = 0) -> str:
    """A ``pod-template-hash``-style value: FNV-32a of the template's canonical JSON, safe-encoded."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str).encode()
    if collision_count:
        data += collision_count.to_bytes(4, "little")
    return safe_encode(str(_fnv32a(data)))


def name_suffix(seed: str) -> str:
    """Five characters of :data:`NAME_ALPHABET`, a hash of ``seed`` (where generateName is random)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in digest[:5])


def generate_name(base: str, seed: str) -> str:
    """generateName ``base`` completed as the API server does (base cut to 58 chars) with a stable suffix."""
    return base[:MAX_GENERATE_BASE] + name_suffix(seed)


def free_name(namespace: str, base: str, seed_root: str, taken: Container[str], start: int = 0) -> tuple[str, int]:
    """The first ``generate_name(base, f"{seed_root}/{n}")``, n >= start, whose key is not taken."""
    n = start
    while True:
        name = generate_name(base, f"{seed_root}/{n}")
        if f"{namespace}/{name}" not in taken:
            return name, n
        n += 1


def pinned_node(spec: PodSpecInfo) -> str | None:
    """The node a DaemonSet-style pod is pinned to (required ``matchFields metadata.name In [node]``)."""
    terms = spec.required_node_affinity
    if terms and len(terms) == 1:
        for r in terms[0].match_fields:
            if r.key == NAME_FIELD and r.operator == "In" and len(r.values) == 1:
                return r.values[0]
    return None


def replacement_pod_name(victim: Pod, owner_kind: str, owner_name: str, taken: Container[str]) -> str:
    """The name of the pod a controller creates for an evicted ``victim``: see the module docstring."""
    ns = victim.namespace
    if owner_kind == "StatefulSet":
        base = victim.labels.get(STS_POD_NAME) or victim.name
        n = 1
        while f"{ns}/{base}-r{n}" in taken:
            n += 1
        return f"{base}-r{n}"
    root = f"{ns}/{owner_kind}/{owner_name}"
    base = f"{owner_name}-"
    if owner_kind == "DaemonSet":
        root += f"/{pinned_node(victim.spec) or victim.node_name}"
    elif owner_kind == "Job" and victim.labels.get(JOB_INDEX):
        index = victim.labels[JOB_INDEX]
        root += f"/{index}"
        base = f"{owner_name}-{index}-"
    return free_name(ns, base, root, taken)[0]


# ---------------------------------------------------------------- overlay


@dataclass(frozen=True, slots=True)
class ReplacingDocument(Document):
    """An object of the change that replaces ``previous``, the current object of the same kind/ns/name."""

    previous: Document | None = None


# ---------------------------------------------------------------- LimitRange


@dataclass(slots=True)
class LimitRanges:
    """Container defaults per namespace: (default limits, default requests) per LimitRange, in name order."""

    by_namespace: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)

    @classmethod
    def from_documents(cls, docs: Iterable[Document]) -> LimitRanges:
        out = cls()
        found: list[tuple[str, str, tuple[dict[str, Any], dict[str, Any]]]] = []
        for d in docs:
            ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
            spec = _map(ctx, d.obj.get("spec"), "spec")
            limits: dict[str, Any] = {}
            requests: dict[str, Any] = {}
            enforced = []
            for i, item in enumerate(_list(ctx, spec.get("limits"), "spec.limits")):
                p = f"spec.limits[{i}]"
                m = _map(ctx, item, p)
                typ = _str(ctx, m.get("type"), f"{p}.type", required=True)
                raw = {}
                for key in ("default", "defaultRequest", "max", "min", "maxLimitRequestRatio"):
                    _resource_list(ctx, m.get(key), f"{p}.{key}")  # validate the quantities
                    raw[key] = dict(_map(ctx, m.get(key), f"{p}.{key}"))
                if any(raw[k] for k in ("max", "min", "maxLimitRequestRatio")):
                    enforced.append(typ)
                if typ != "Container":
                    continue
                # SetDefaults_LimitRangeItem: default from max; defaultRequest from default, then min.
                default = dict(raw["default"])
                for k, v in raw["max"].items():
                    default.setdefault(k, v)
                default_request = dict(raw["defaultRequest"])
                for k, v in default.items():
                    default_request.setdefault(k, v)
                for k, v in raw["min"].items():
                    default_request.setdefault(k, v)
                limits.update(default)  # defaultContainerResourceRequirements: later items win
                requests.update(default_request)
            if enforced:
                out.warnings.append(Warning_(
                    "NotModeled", f"LimitRange min/max/maxLimitRequestRatio ({', '.join(sorted(set(enforced)))}) "
                    f"are not enforced: pods a LimitRange would reject are still simulated; its defaults are applied",
                    f"LimitRange {ns}/{name}"))
            found.append((ns, name, (limits, requests)))
        for ns, _, item in sorted(found, key=lambda t: (t[0], t[1])):
            out.by_namespace.setdefault(ns, []).append(item)
        return out

    def apply(self, namespace: str, spec: Mapping[str, Any]) -> Mapping[str, Any]:
        """The pod spec after LimitRanger admission: requests/limits defaults for every container.

        Requests first default from the container's own limits (API defaulting happens before
        admission), then each LimitRange fills the limits and requests still missing.
        """
        ranges = self.by_namespace.get(namespace)
        if not ranges:
            return spec
        out = dict(spec)
        for key in ("containers", "initContainers"):
            cs = spec.get(key)
            if isinstance(cs, list):
                out[key] = [_limit_container(c, ranges) if isinstance(c, Mapping) else c for c in cs]
        return out


def _limit_container(c: Mapping[str, Any], ranges: list[tuple[dict[str, Any], dict[str, Any]]]) -> Mapping[str, Any]:
    res = c.get("resources")
    if res is not None and not isinstance(res, Mapping):
        return c  # invalid: admission reports it
    res = res or {}
    reqs_raw, lims_raw = res.get("requests"), res.get("limits")
    if (reqs_raw is not None and not isinstance(reqs_raw, Mapping)) or (
            lims_raw is not None and not isinstance(lims_raw, Mapping)):
        return c
    reqs = dict(reqs_raw or {})
    lims = dict(lims_raw or {})
    for k, v in lims.items():  # SetDefaults_Pod, at decoding, before admission
        reqs.setdefault(k, v)
    for default_limits, default_requests in ranges:  # mergeContainerResources, one LimitRange at a time
        for k, v in default_limits.items():
            lims.setdefault(k, v)
        for k, v in default_requests.items():
            reqs.setdefault(k, v)
    new_res = dict(res)
    if reqs:
        new_res["requests"] = reqs
    if lims:
        new_res["limits"] = lims
    out = dict(c)
    out["resources"] = new_res
    return out


# ---------------------------------------------------------------- pods in the input


@dataclass(slots=True)
class _Existing:
    """What a controller sees of a pod of the input (read leniently: admission validates later)."""

    doc: Document
    namespace: str
    name: str
    owner_kind: str
    owner_name: str
    node: str
    phase: str
    ready: bool
    active: bool
    labels: dict[str, str]
    deletion_cost: int

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def created(self) -> float:
        """creationTimestamp, else startTime; pods without either are the newest (made by hand)."""
        meta = self.doc.obj.get("metadata") or {}
        ctx = Ctx(self.doc.source, f"Pod {self.key}")
        for v, path in ((_get(meta, "creationTimestamp"), "metadata.creationTimestamp"),
                        (_get(self.doc.obj, "status", "startTime"), "status.startTime")):
            try:
                t = _time(ctx, v, path)
            except InputError:
                t = None
            if t is not None:
                return t
        return float("inf")


def _get(m: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(m, Mapping):
            return None
        m = m.get(p)
    return m


def _existing(doc: Document) -> _Existing | None:
    obj = doc.obj
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        return None
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) and meta.get("namespace") else "default"
    owner_kind = owner_name = ""
    refs = meta.get("ownerReferences")
    if isinstance(refs, list):
        for r in refs:
            if isinstance(r, Mapping) and r.get("controller") is True:
                owner_kind, owner_name = str(r.get("kind") or ""), str(r.get("name") or "")
                break
    phase = _get(obj, "status", "phase")
    phase = phase if isinstance(phase, str) else ""
    ready = False
    conds = _get(obj, "status", "conditions")
    if isinstance(conds, list):
        ready = any(isinstance(c, Mapping) and c.get("type") == "Ready" and c.get("status") == "True" for c in conds)
    labels = meta.get("labels")
    cost = _get(meta, "annotations", "controller.kubernetes.io/pod-deletion-cost")
    try:
        deletion_cost = int(cost) if isinstance(cost, str) else 0
    except ValueError:
        deletion_cost = 0
    node = _get(obj, "spec", "nodeName")
    return _Existing(
        doc=doc, namespace=ns, name=meta["name"], owner_kind=owner_kind, owner_name=owner_name,
        node=node if isinstance(node, str) else "", phase=phase, ready=ready,
        active=phase not in ("Succeeded", "Failed") and meta.get("deletionTimestamp") is None,
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {},
        deletion_cost=deletion_cost,
    )


def _scale_down_order(pods: Sequence[_Existing]) -> list[_Existing]:
    """Which pods a ReplicaSet deletes first (controller.ActivePodsWithRanks, simplified).

    Unscheduled before scheduled; Pending before Running; not Ready before Ready; lower
    ``controller.kubernetes.io/pod-deletion-cost`` first; pods sharing a node with more of their
    siblings first; then the newest (creationTimestamp, else startTime; none = newest); then name.
    """
    per_node: dict[str, int] = {}
    for p in pods:
        if p.node:
            per_node[p.node] = per_node.get(p.node, 0) + 1
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}
    return sorted(pods, key=lambda p: (
        bool(p.node), phase_rank.get(p.phase, 0), p.ready, p.deletion_cost,
        -per_node.get(p.node, 0) if p.node else 0, -p.created(), _desc(p.name)))


def _desc(s: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in s)


def _names(pods: Sequence[_Existing]) -> str:
    shown = ", ".join(p.key for p in pods[:MAX_NAMES_LISTED])
    if len(pods) > MAX_NAMES_LISTED:
        shown += f", ... ({len(pods) - MAX_NAMES_LISTED} more)"
    return shown


# ---------------------------------------------------------------- the expansion


@dataclass(slots=True)
class Expansion:
    """Pods to admit (in queue order) and what the rest of loading needs to know about controllers."""

    pods: list[Document]  # the input's pods less those removed, generated pods at their workload's place
    replica_sets: list[Document]  # synthetic ReplicaSets of Deployments (their selectors feed default spreading)
    replicas_of: dict[tuple[str, str, str], int]  # (ns, kind, name) -> scale, for PDBs without status
    job_restarts: dict[tuple[str, str], int | None]  # (ns, job) -> failures it still tolerates (None: any)
    warnings: list[Warning_]
    generated: int = 0


@dataclass(slots=True)
class _Template:
    labels: dict[str, str]
    annotations: dict[str, Any]
    spec: Mapping[str, Any]  # LimitRange defaults applied
    raw: Mapping[str, Any]  # the template as written
    info: PodSpecInfo
    class_name: str

    def signature(self) -> tuple[Any, ...]:
        return _signature(self.info, self.labels, self.class_name)


def _signature(info: PodSpecInfo, labels: Mapping[str, str], class_name: str) -> tuple[Any, ...]:
    """What tells two pod templates apart for scheduling (labels, class and the parsed spec)."""
    drop = (POD_TEMPLATE_HASH, REVISION_HASH, DS_TEMPLATE_GENERATION, STS_POD_NAME, STS_POD_INDEX)
    return (replace(info, node_name=""), tuple(sorted((k, v) for k, v in labels.items() if k not in drop)),
            class_name)


class _Expander:
    def __init__(self, docs: Sequence[Document], nodes: Sequence[Node], admission: Admission,
                 limits: LimitRanges) -> None:
        self.docs = docs
        self.nodes = nodes
        self.admission = admission
        self.limits = limits
        self.warnings: list[Warning_] = list(limits.warnings)
        # The input's pods, read lazily: a 150,000-pod snapshot has few controllers to reconcile.
        self.taken: dict[str, Document | None] = {}  # pod keys in the input (and generated) -> Pod doc
        self.pods_of: dict[tuple[str, str, str], list[Document]] = {}  # (ns, controller kind, name) -> pods
        for d in docs:
            obj = d.obj
            if obj.get("kind") != "Pod":
                continue
            meta = obj.get("metadata")
            # exact type checks first: isinstance against the ABC costs a second on 150,000 pods
            if (type(meta) is not dict and not isinstance(meta, Mapping)) or not isinstance(meta.get("name"), str):
                continue  # admission reports it
            ns = meta.get("namespace")
            ns = ns if type(ns) is str and ns else "default"
            self.taken[f"{ns}/{meta['name']}"] = d
            refs = meta.get("ownerReferences")
            if refs and type(refs) is list:
                for r in refs:
                    if (type(r) is dict or isinstance(r, Mapping)) and r.get("controller") is True:
                        self.pods_of.setdefault((ns, str(r.get("kind") or ""), str(r.get("name") or "")),
                                                []).append(d)
                        break
        self.existing: dict[int, _Existing | None] = {}  # id(doc) -> what a controller sees of it
        self.removed: set[int] = set()  # id(doc) of pods the controllers delete
        self.generated: dict[int, list[Document]] = {}  # id(workload doc) -> its new pods
        self.replica_sets: list[Document] = []
        self.replicas_of: dict[tuple[str, str, str], int] = {}
        self.job_restarts: dict[tuple[str, str], int | None] = {}
        self.deployments = {(object_key_ns(d), _name(d)) for d in docs if d.obj.get("kind") == "Deployment"}
        self.rs_docs: dict[tuple[str, str], Document] = {}
        self.rs_of_deployment: dict[tuple[str, str], list[str]] = {}
        for d in docs:
            if d.obj.get("kind") != "ReplicaSet":
                continue
            ns, name = object_key_ns(d), _name(d)
            self.rs_docs[(ns, name)] = d
            owner = _controller_ref(d.obj)
            if owner is not None and owner[0] == "Deployment":
                self.rs_of_deployment.setdefault((ns, owner[1]), []).append(name)
        # ReplicaSets known only from their pods' ownerReferences: (ns, deployment) -> names
        self.rs_from_pods: dict[tuple[str, str], set[str]] = {}
        for (ns, kind, owner), pod_docs in self.pods_of.items():
            if kind != "ReplicaSet" or (ns, owner) in self.rs_docs:
                continue
            for pd in pod_docs:
                h = _get(pd.obj, "metadata", "labels", POD_TEMPLATE_HASH)
                if isinstance(h, str) and h and owner.endswith(f"-{h}") and len(owner) > len(h) + 1:
                    self.rs_from_pods.setdefault((ns, owner[:-len(h) - 1]), set()).add(owner)
                    break
        self.job_owned_by_cronjob: dict[tuple[str, str], list[Document]] = {}
        for d in docs:
            if d.obj.get("kind") == "Job":
                owner = _controller_ref(d.obj)
                if owner is not None and owner[0] == "CronJob":
                    self.job_owned_by_cronjob.setdefault((object_key_ns(d), owner[1]), []).append(d)

    # ------------------------------------------------------------ helpers

    def pod(self, d: Document) -> _Existing | None:
        if id(d) not in self.existing:
            self.existing[id(d)] = _existing(d)
        return self.existing[id(d)]

    def active(self, ns: str, kind: str, name: str) -> list[_Existing]:
        """The controller's active pods (not Succeeded/Failed, not terminating) still in the input."""
        out = []
        for d in self.pods_of.get((ns, kind, name), ()):
            p = self.pod(d)
            if p is not None and p.active and id(d) not in self.removed:
                out.append(p)
        return out

    def remove(self, pods: Iterable[_Existing]) -> None:
        for p in pods:
            self.removed.add(id(p.doc))

    def template(self, ctx: Ctx, ns: str, tpl_raw: Any, path: str, *,
                 extra_tolerations: Sequence[tuple[str, str]] = ()) -> _Template:
        tpl = _map(ctx, tpl_raw, path, required=True)
        meta = _map(ctx, tpl.get("metadata"), f"{path}.metadata")
        labels = _labels(ctx, meta.get("labels"), f"{path}.metadata.labels")
        annotations = dict(_map(ctx, meta.get("annotations"), f"{path}.metadata.annotations"))
        spec = _map(ctx, tpl.get("spec"), f"{path}.spec", required=True)
        if extra_tolerations:
            spec = _with_tolerations(spec, extra_tolerations)
        spec = self.limits.apply(ns, spec)
        info = parse_pod_spec(ctx, spec, f"{path}.spec")
        class_name = _str(ctx, spec.get("priorityClassName"), f"{path}.spec.priorityClassName")
        return _Template(labels, annotations, spec, tpl, info, class_name)

    def check_class(self, ctx: Ctx, t: _Template, path: str, generate_name: str) -> None:
        """Priority admission refuses pods naming a missing class: the controller creates none."""
        if t.class_name and t.class_name not in self.admission.classes:
            raise ctx.error(f"{path}.spec.priorityClassName",
                            f'pods "{generate_name}" is forbidden: no PriorityClass with name {t.class_name} '
                            f"was found (the controller cannot create its pods)")

    def selector(self, ctx: Ctx, spec: Mapping[str, Any], t: _Template, kind: str) -> LabelSelector:
        sel = parse_label_selector(ctx, spec.get("selector"), "spec.selector")
        if sel is None:
            raise ctx.error("spec.selector", "required field is missing")
        if sel.is_empty():
            raise ctx.error("spec.selector", f"empty selector is invalid for {kind.lower()}")
        if not sel.matches(t.labels):
            raise ctx.error("spec.template.metadata.labels", "`selector` does not match template `labels`")
        return sel

    def emit(self, workload: Document, ns: str, name: str, labels: dict[str, str], annotations: Mapping[str, Any],
             spec: Mapping[str, Any], owner_kind: str, owner_name: str, owner_uid: str) -> None:
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels,
                                "ownerReferences": [{"apiVersion": API_VERSION_OF[owner_kind], "kind": owner_kind,
                                                     "name": owner_name, "uid": owner_uid, "controller": True,
                                                     "blockOwnerDeletion": True}]}
        if annotations:
            meta["annotations"] = dict(annotations)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": copy.deepcopy(dict(spec))}
        self.generated.setdefault(id(workload), []).append(Document(pod, workload.source))
        self.taken[f"{ns}/{name}"] = None

    def warn(self, code: str, message: str, obj: str) -> None:
        self.warnings.append(Warning_(code, message, obj))

    def scale_down(self, kind: str, ns: str, name: str, pods: list[_Existing], want: int, what: str) -> None:
        """Remove the pods a controller deletes when it has more than it wants."""
        extra = len(pods) - want
        if extra <= 0:
            return
        gone = _scale_down_order(pods)[:extra]
        self.remove(gone)
        self.warn("WorkloadScaledDown",
                  f"{kind} {ns}/{name} wants {want} {what}, the input has {len(pods)}: the controller deletes "
                  f"{_names(gone)}", f"{kind} {ns}/{name}")

    # ------------------------------------------------------------ kinds

    def run(self) -> None:
        for d in self.docs:
            kind = d.obj.get("kind")
            if kind == "Deployment":
                self.deployment(d)
            elif kind in ("ReplicaSet", "ReplicationController"):
                self.replica_set(d, kind)
            elif kind == "StatefulSet":
                self.stateful_set(d)
            elif kind == "DaemonSet":
                self.daemon_set(d)
            elif kind == "Job":
                self.job(d, d.obj)
            elif kind == "CronJob":
                self.cron_job(d)

    def deployment(self, d: Document) -> None:
        ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
        spec = _map(ctx, d.obj.get("spec"), "spec", required=True)
        replicas = _int(ctx, spec.get("replicas"), "spec.replicas", 1, lo=0) or 0
        t = self.template(ctx, ns, spec.get("template"), "spec.template")
        sel = self.selector(ctx, spec, t, "Deployment")
        paused = _bool(ctx, spec.get("paused"), "spec.paused")
        uid = _uid(d.obj, ns, "Deployment", name)
        sig = t.signature()

        # The Deployment's ReplicaSets: those in the input owned by it, and those its pods name
        # (<deploy>-<pod-template-hash>) when the ReplicaSet object itself is not in the input.
        groups: dict[str, list[_Existing]] = {rs: self.active(ns, "ReplicaSet", rs)
                                              for rs in self.rs_of_deployment.get((ns, name), [])}
        for owner in sorted(self.rs_from_pods.get((ns, name), ())):
            groups.setdefault(owner, self.active(ns, "ReplicaSet", owner))
        order = sorted(groups, key=lambda rs: (-len(groups[rs]), rs))
        current: str | None = None
        for rs in order:
            if self._rs_signature(ctx, ns, rs, groups[rs]) == sig:
                current = rs
                break
        if current is None and order and groups[order[0]] and (paused or self._unchanged(ctx, ns, d, sig)):
            current = order[0]  # the template did not change (or may not roll out): keep the live ReplicaSet
        if current is None:
            collision = 0
            while True:
                h = template_hash(t.raw, collision)
                current = f"{name}-{h}"
                if (ns, current) not in self.rs_docs:
                    break
                collision += 1
        pod_hash = current[len(name) + 1:] if current.startswith(f"{name}-") else ""

        tpl = t
        rs_doc = self.rs_docs.get((ns, current))
        if rs_doc is not None:  # the live ReplicaSet creates from its own template
            rctx, _, _ = object_ctx(rs_doc.obj, rs_doc.source, namespaced=True)
            tpl = self.template(rctx, ns, _get(rs_doc.obj, "spec", "template"), "spec.template")
        existing = groups.get(current, [])
        if len(existing) < replicas:
            self.check_class(ctx, t, "spec.template", f"{current}-")
        labels = dict(tpl.labels)
        if pod_hash:
            labels[POD_TEMPLATE_HASH] = pod_hash
        rs_uid = _uid(rs_doc.obj if rs_doc else {}, ns, "ReplicaSet", current)
        for _ in range(replicas - len(existing)):
            pod_name, _n = free_name(ns, f"{current}-", f"{ns}/ReplicaSet/{current}", self.taken)
            self.emit(d, ns, pod_name, labels, tpl.annotations, tpl.spec, "ReplicaSet", current, rs_uid)
        self.scale_down("Deployment", ns, name, existing, replicas, "replicas")
        old = [p for rs in order if rs != current for p in groups[rs]]
        if old:
            self.remove(old)
            self.warn("WorkloadTemplateChanged",
                      f"Deployment {ns}/{name}: the pod template changed; the pods of the old ReplicaSet(s) "
                      f"({_names(old)}) are replaced by {replicas} pod(s) of ReplicaSet {current} ({ROLLOUT_NOTE})",
                      f"Deployment {ns}/{name}")
        for rs in {*groups, current}:
            self.replicas_of[(ns, "ReplicaSet", rs)] = replicas  # the disruption controller reads the Deployment
        if rs_doc is None:
            rs_labels = dict(t.labels)
            if pod_hash:
                rs_labels[POD_TEMPLATE_HASH] = pod_hash
            selector = _selector_dict(sel)
            if pod_hash:
                selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = pod_hash
            self.replica_sets.append(Document({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": current, "namespace": ns, "labels": rs_labels,
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                                  "uid": uid, "controller": True}]},
                "spec": {"replicas": replicas, "selector": selector,
                         "template": {"metadata": {"labels": labels}, "spec": dict(t.spec)}},
            }, d.source))

    def _rs_signature(self, ctx: Ctx, ns: str, rs: str, pods: list[_Existing]) -> tuple[Any, ...] | None:
        doc = self.rs_docs.get((ns, rs))
        if doc is not None:
            rctx, _, _ = object_ctx(doc.obj, doc.source, namespaced=True)
            return self.template(rctx, ns, _get(doc.obj, "spec", "template"), "spec.template").signature()
        if not pods:
            return None
        p = pods[0]
        pctx = Ctx(p.doc.source, f"Pod {p.key}")
        spec = _map(pctx, p.doc.obj.get("spec"), "spec", required=True)
        info = parse_pod_spec(pctx, spec)
        cls = spec.get("priorityClassName") if isinstance(spec.get("priorityClassName"), str) else ""
        return _signature(info, p.labels, cls)

    def _unchanged(self, ctx: Ctx, ns: str, d: Document, sig: tuple[Any, ...]) -> bool:
        """Whether the change left the template as it was (``--cluster`` holds the previous version)."""
        prev = d.previous if isinstance(d, ReplacingDocument) else None
        if prev is None:
            return False
        pctx, _, _ = object_ctx(prev.obj, prev.source, namespaced=True)
        try:
            return self.template(pctx, ns, _get(prev.obj, "spec", "template"), "spec.template").signature() == sig
        except InputError:
            return False

    def _template_changed(self, d: Document, ns: str, sig: tuple[Any, ...], path: tuple[str, ...]) -> bool:
        prev = d.previous if isinstance(d, ReplacingDocument) else None
        if prev is None:
            return False
        pctx, _, _ = object_ctx(prev.obj, prev.source, namespaced=True)
        try:
            tpl = _get(prev.obj, *path)
            extra = _daemonset_tolerations(_get(tpl, "spec")) if prev.obj.get("kind") == "DaemonSet" else ()
            return self.template(pctx, ns, _get(prev.obj, *path), ".".join(path),
                                 extra_tolerations=extra).signature() != sig
        except InputError:
            return True

    def replica_set(self, d: Document, kind: str) -> None:
        ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
        owner = _controller_ref(d.obj)
        if owner is not None and owner[0] == "Deployment" and (ns, owner[1]) in self.deployments:
            return  # its Deployment decides
        spec = _map(ctx, d.obj.get("spec"), "spec", required=True)
        replicas = _int(ctx, spec.get("replicas"), "spec.replicas", 1, lo=0) or 0
        existing = self.active(ns, kind, name)
        if len(existing) == replicas:
            return  # nothing to do (most ReplicaSets of a snapshot: old revisions at 0, or complete)
        t = self.template(ctx, ns, spec.get("template"), "spec.template")
        if kind == "ReplicaSet":
            self.selector(ctx, spec, t, kind)
        if len(existing) < replicas:
            self.check_class(ctx, t, "spec.template", f"{name}-")
        uid = _uid(d.obj, ns, kind, name)
        for _ in range(replicas - len(existing)):
            pod_name, _n = free_name(ns, f"{name}-", f"{ns}/{kind}/{name}", self.taken)
            self.emit(d, ns, pod_name, dict(t.labels), t.annotations, t.spec, kind, name, uid)
        self.scale_down(kind, ns, name, existing, replicas, "replicas")

    def stateful_set(self, d: Document) -> None:
        ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
        spec = _map(ctx, d.obj.get("spec"), "spec", required=True)
        replicas = _int(ctx, spec.get("replicas"), "spec.replicas", 1, lo=0) or 0
        start = _int(ctx, _map(ctx, spec.get("ordinals"), "spec.ordinals").get("start"), "spec.ordinals.start",
                     0, lo=0) or 0
        t = self.template(ctx, ns, spec.get("template"), "spec.template")
        self.selector(ctx, spec, t, "StatefulSet")
        policy = _str(ctx, spec.get("podManagementPolicy"), "spec.podManagementPolicy", "OrderedReady")
        strategy = _map(ctx, spec.get("updateStrategy"), "spec.updateStrategy")
        rolling = (_str(ctx, strategy.get("type"), "spec.updateStrategy.type", "RollingUpdate")
                   or "RollingUpdate") == "RollingUpdate"
        partition = _int(ctx, _map(ctx, strategy.get("rollingUpdate"), "spec.updateStrategy.rollingUpdate")
                         .get("partition"), "spec.updateStrategy.rollingUpdate.partition", 0, lo=0) or 0
        uid = _uid(d.obj, ns, "StatefulSet", name)
        wanted = range(start, start + replicas)
        owned = self.active(ns, "StatefulSet", name)
        by_ordinal: dict[int, _Existing] = {}
        extra: list[_Existing] = []
        for p in owned:
            o = _ordinal(p.name, name)
            if o is None or o not in wanted or o in by_ordinal:
                extra.append(p)
            else:
                by_ordinal[o] = p
        if extra:
            extra.sort(key=lambda p: (-(_ordinal(p.name, name) or 0), p.name))  # highest ordinal first
            self.remove(extra)
            self.warn("WorkloadScaledDown",
                      f"StatefulSet {ns}/{name} wants ordinals {_ordinals(wanted)}: the controller deletes "
                      f"{_names(extra)}", f"StatefulSet {ns}/{name}")
        if rolling and by_ordinal and self._template_changed(d, ns, t.signature(), ("spec", "template")):
            old = [by_ordinal.pop(o) for o in sorted(by_ordinal, reverse=True) if o >= partition]
            if old:
                self.remove(old)
                self.warn("WorkloadTemplateChanged",
                          f"StatefulSet {ns}/{name}: the pod template changed; {_names(old)} are recreated "
                          f"under the same names from the new template ({ROLLOUT_NOTE})", f"StatefulSet {ns}/{name}")
        missing = [o for o in wanted if o not in by_ordinal and not self.occupied(f"{ns}/{name}-{o}")]
        if missing:
            self.check_class(ctx, t, "spec.template", f"{name}-{missing[0]}")
        revision = f"{name}-{template_hash(t.raw)}"
        for o in missing:
            pod = f"{name}-{o}"
            labels = {**t.labels, STS_POD_NAME: pod, STS_POD_INDEX: str(o), REVISION_HASH: revision}
            self.emit(d, ns, pod, labels, t.annotations, t.spec, "StatefulSet", name, uid)
        if len(missing) > 1 and policy == "OrderedReady":
            self.warn("NotModeled",
                      f"StatefulSet {ns}/{name} has podManagementPolicy OrderedReady: the controller creates "
                      f"{name}-(k+1) only once {name}-k is Running and Ready; priocli queues the "
                      f"{len(missing)} missing pods at once", f"StatefulSet {ns}/{name}")
        self.replicas_of[(ns, "StatefulSet", name)] = replicas

    def occupied(self, key: str) -> bool:
        """Whether a pod of the input that is still there (not removed) has this key."""
        d = self.taken.get(key)
        return d is not None and id(d) not in self.removed

    def daemon_set(self, d: Document) -> None:
        ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
        spec = _map(ctx, d.obj.get("spec"), "spec", required=True)
        t = self.template(ctx, ns, spec.get("template"), "spec.template",
                          extra_tolerations=_daemonset_tolerations(_get(spec, "template", "spec")))
        self.selector(ctx, spec, t, "DaemonSet")
        strategy = _map(ctx, spec.get("updateStrategy"), "spec.updateStrategy")
        rolling = (_str(ctx, strategy.get("type"), "spec.updateStrategy.type", "RollingUpdate")
                   or "RollingUpdate") == "RollingUpdate"
        uid = _uid(d.obj, ns, "DaemonSet", name)
        generation = _get(d.obj, "metadata", "generation")
        labels = {**t.labels, REVISION_HASH: template_hash(t.raw),
                  DS_TEMPLATE_GENERATION: str(generation if isinstance(generation, int) else 1)}

        run_on: list[Node] = []
        keep_on: set[str] = set()  # nodes where existing pods may continue running
        for node in self.nodes:
            if t.info.node_name and t.info.node_name != node.name:
                continue
            if not matches_selector_and_affinity(t.info, node):
                continue
            if find_untolerated_taint(node.taints, t.info.tolerations, ("NoExecute",)) is not None:
                continue
            keep_on.add(node.name)
            if find_untolerated_taint(node.taints, t.info.tolerations) is None:
                run_on.append(node)
        node_names = {n.name for n in self.nodes}
        on_node: dict[str, list[_Existing]] = {}
        gone: list[_Existing] = []
        for p in self.active(ns, "DaemonSet", name):
            node = p.node or self._pinned(p) or ""
            if node in node_names and node not in keep_on:
                gone.append(p)  # the node no longer runs this DaemonSet's pods
            else:
                on_node.setdefault(node, []).append(p)
        for pods in on_node.values():  # more than one on a node: the oldest stays
            pods.sort(key=lambda p: (p.created(), p.name))
            gone.extend(pods[1:])
            del pods[1:]
        if gone:
            self.remove(gone)
            self.warn("WorkloadScaledDown",
                      f"DaemonSet {ns}/{name}: the controller deletes {_names(gone)} (node not eligible, or a "
                      f"second pod on one node)", f"DaemonSet {ns}/{name}")
        if rolling and on_node and self._template_changed(d, ns, t.signature(), ("spec", "template")):
            old = [p for pods in on_node.values() for p in pods]
            self.remove(old)
            on_node = {}
            self.warn("WorkloadTemplateChanged",
                      f"DaemonSet {ns}/{name}: the pod template changed; {_names(old)} are replaced by new "
                      f"pods ({ROLLOUT_NOTE})", f"DaemonSet {ns}/{name}")
        todo = [n for n in run_on if n.name not in on_node]
        if todo:
            self.check_class(ctx, t, "spec.template", f"{name}-")
        for node in todo:
            pod_name, _n = free_name(ns, f"{name}-", f"{ns}/DaemonSet/{name}/{node.name}", self.taken)
            self.emit(d, ns, pod_name, labels, t.annotations, _pin_to_node(t.spec, node.name), "DaemonSet", name, uid)

    def _pinned(self, p: _Existing) -> str | None:
        terms = _get(p.doc.obj, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                     "nodeSelectorTerms")
        if isinstance(terms, list) and len(terms) == 1:
            for r in _get(terms[0], "matchFields") or []:
                if (isinstance(r, Mapping) and r.get("key") == NAME_FIELD and r.get("operator") == "In"
                        and isinstance(r.get("values"), list) and len(r["values"]) == 1):
                    return str(r["values"][0])
        return None

    def job(self, d: Document, obj: Mapping[str, Any], *, path: str = "spec", ctx: Ctx | None = None) -> None:
        """A Job (``obj``, or the Job a CronJob makes: then ``ctx`` and ``path`` point into the CronJob)."""
        jctx, ns, name = object_ctx(obj, d.source, namespaced=True)
        ctx = ctx or jctx
        spec = _map(ctx, obj.get("spec"), path, required=True)
        parallelism = _int(ctx, spec.get("parallelism"), f"{path}.parallelism", None, lo=0)
        completions = _int(ctx, spec.get("completions"), f"{path}.completions", None, lo=0)
        if parallelism is None:
            parallelism = 1
        if spec.get("completions") is None and spec.get("parallelism") is None:
            completions = 1
        indexed = _str(ctx, spec.get("completionMode"), f"{path}.completionMode", "NonIndexed") == "Indexed"
        if indexed and completions is None:
            raise ctx.error(f"{path}.completions", "Required value: when completion mode is Indexed")
        backoff = _int(ctx, spec.get("backoffLimit"), f"{path}.backoffLimit", DEFAULT_BACKOFF_LIMIT, lo=0)
        status = _map(ctx, obj.get("status"), "status")
        succeeded = _int(ctx, status.get("succeeded"), "status.succeeded", 0, lo=0) or 0
        failed = _int(ctx, status.get("failed"), "status.failed", 0, lo=0) or 0
        finished = any(isinstance(c, Mapping) and c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
                       for c in _list(ctx, status.get("conditions"), "status.conditions"))
        suspended = _bool(ctx, spec.get("suspend"), f"{path}.suspend")
        self.job_restarts[(ns, name)] = _restart_budget(spec, backoff, failed)
        if finished or suspended:
            want = 0
        elif completions is None:
            want = 0 if succeeded else parallelism  # a work queue: once one pod succeeds, no new ones
        else:
            want = min(parallelism, max(0, completions - succeeded))
        existing = self.active(ns, "Job", name)
        if len(existing) > want:
            self.scale_down("Job", ns, name, existing, want, "active pods")
            return
        if len(existing) == want:
            return

        t = self.template(ctx, ns, spec.get("template"), f"{path}.template")
        restart = _str(ctx, t.spec.get("restartPolicy"), f"{path}.template.spec.restartPolicy")
        if restart not in ("OnFailure", "Never"):
            raise ctx.error(f"{path}.template.spec.restartPolicy",
                            'Required value: valid values: "OnFailure", "Never"' if not restart
                            else f'Unsupported value: "{restart}": supported values: "OnFailure", "Never"')
        self.check_class(ctx, t, f"{path}.template", f"{name}-")
        uid = _uid(obj, ns, "Job", name)
        labels = {**t.labels}
        for k in JOB_UID_LABELS:
            labels[k] = uid
        for k in JOB_NAME_LABELS:
            labels[k] = name
        if not indexed:
            for _ in range(want - len(existing)):
                pod_name, _n = free_name(ns, f"{name}-", f"{ns}/Job/{name}", self.taken)
                self.emit(d, ns, pod_name, labels, t.annotations, t.spec, "Job", name, uid)
            return
        done = _parse_indexes(_str(ctx, status.get("completedIndexes"), "status.completedIndexes"))
        running = {p.labels.get(JOB_INDEX) for p in existing}
        pending = [i for i in range(completions or 0) if i not in done and str(i) not in running]
        for i in pending[:want - len(existing)]:
            pod_name, _n = free_name(ns, f"{name}-{i}-", f"{ns}/Job/{name}/{i}", self.taken)
            annotations = {**t.annotations, JOB_INDEX: str(i)}
            self.emit(d, ns, pod_name, {**labels, JOB_INDEX: str(i)}, annotations, t.spec, "Job", name, uid)

    def cron_job(self, d: Document) -> None:
        ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
        spec = _map(ctx, d.obj.get("spec"), "spec", required=True)
        jt = _map(ctx, spec.get("jobTemplate"), "spec.jobTemplate", required=True)
        _str(ctx, spec.get("schedule"), "spec.schedule", required=True)
        if _bool(ctx, spec.get("suspend"), "spec.suspend"):
            return
        for job in self.job_owned_by_cronjob.get((ns, name), []):
            conds = _get(job.obj, "status", "conditions")
            if not (isinstance(conds, list) and any(
                    isinstance(c, Mapping) and c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
                    for c in conds)):
                return  # a Job of this CronJob is still active: it stands for this schedule
        job_name = f"{name}-{CRONJOB_SCHEDULED_MINUTE}"
        jmeta = _map(ctx, jt.get("metadata"), "spec.jobTemplate.metadata")
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": job_name, "namespace": ns, "labels": dict(jmeta.get("labels") or {}),
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": name,
                                                 "uid": _uid(d.obj, ns, "CronJob", name), "controller": True}]},
               "spec": jt.get("spec")}
        self.job(d, job, path="spec.jobTemplate.spec", ctx=ctx)


# ---------------------------------------------------------------- small helpers


def object_key_ns(d: Document) -> str:
    ns = _get(d.obj, "metadata", "namespace")
    return ns if isinstance(ns, str) and ns else "default"


def _name(d: Document) -> str:
    n = _get(d.obj, "metadata", "name")
    return n if isinstance(n, str) else ""


def _controller_ref(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = _get(obj, "metadata", "ownerReferences")
    if isinstance(refs, list):
        for r in refs:
            if isinstance(r, Mapping) and r.get("controller") is True:
                return str(r.get("kind") or ""), str(r.get("name") or "")
    return None


def _uid(obj: Mapping[str, Any], ns: str, kind: str, name: str) -> str:
    uid = _get(obj, "metadata", "uid")
    if isinstance(uid, str) and uid:
        return uid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"priocli:{ns}/{kind}/{name}"))


def _selector_dict(sel: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [{"key": r.key, "operator": r.operator, "values": list(r.values)}
                                   for r in sel.match_expressions]
    return out


def _ordinal(pod: str, sts: str) -> int | None:
    prefix = f"{sts}-"
    if not pod.startswith(prefix):
        return None
    rest = pod[len(prefix):]
    return int(rest) if rest.isdigit() and (rest == "0" or not rest.startswith("0")) else None


def _ordinals(r: range) -> str:
    if not r:
        return "none"
    return str(r.start) if len(r) == 1 else f"{r.start}..{r.stop - 1}"


def _parse_indexes(s: str) -> set[int]:
    """``status.completedIndexes`` (``"1,3-5"``)."""
    out: set[int] = set()
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        if lo.isdigit() and (not hi or hi.isdigit()):
            out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _restart_budget(spec: Mapping[str, Any], backoff: int | None, failed: int) -> int | None:
    """How many more pod failures (evictions count) the Job tolerates before it fails; None = any.

    A podFailurePolicy rule on the DisruptionTarget condition decides for preempted pods: Ignore
    (not counted) or FailJob (the first one fails the Job).
    """
    pfp = spec.get("podFailurePolicy")
    rules = pfp.get("rules") if isinstance(pfp, Mapping) else None
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, Mapping):
            continue
        conds = rule.get("onPodConditions")
        if isinstance(conds, list) and any(isinstance(c, Mapping) and c.get("type") == "DisruptionTarget"
                                           and c.get("status", "True") == "True" for c in conds):
            action = rule.get("action")
            if action == "Ignore":
                return None
            if action == "FailJob":
                return 0
            break
    return max(0, (backoff if backoff is not None else DEFAULT_BACKOFF_LIMIT) - failed)


def _daemonset_tolerations(spec: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(spec, Mapping) and spec.get("hostNetwork") is True:
        return (*DAEMONSET_TOLERATIONS, DAEMONSET_HOST_NETWORK_TOLERATION)
    return DAEMONSET_TOLERATIONS


def _with_tolerations(spec: Mapping[str, Any], add: Sequence[tuple[str, str]]) -> Mapping[str, Any]:
    """AddOrUpdateTolerationInPodSpec for each ``(key, effect)`` with operator Exists."""
    tols = spec.get("tolerations")
    if tols is not None and not isinstance(tols, list):
        return spec  # invalid: admission reports it
    out = list(tols or [])
    for key, effect in add:
        new = {"key": key, "operator": "Exists", "effect": effect}
        for i, t in enumerate(out):
            if (isinstance(t, Mapping) and t.get("key") == key and t.get("effect") == effect
                    and (t.get("operator") or "Equal") == "Exists" and not t.get("value")):
                out[i] = new
                break
        else:
            out.append(new)
    res = dict(spec)
    res["tolerations"] = out
    return res


def _pin_to_node(spec: Mapping[str, Any], node: str) -> dict[str, Any]:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: one required term, ``metadata.name In [node]``."""
    out = copy.deepcopy(dict(spec))
    term = {"matchFields": [{"key": NAME_FIELD, "operator": "In", "values": [node]}]}
    affinity = out.get("affinity")
    affinity = dict(affinity) if isinstance(affinity, Mapping) else {}
    na = affinity.get("nodeAffinity")
    na = dict(na) if isinstance(na, Mapping) else {}
    na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    affinity["nodeAffinity"] = na
    out["affinity"] = affinity
    return out


def _unbound_and_new(obj: Mapping[str, Any]) -> bool:
    """A Pod of the change: not bound, no status (pods of a snapshot were admitted long ago)."""
    return not _get(obj, "spec", "nodeName") and not _get(obj, "status", "phase")


def _limited(d: Document, limits: LimitRanges) -> Document:
    """A Pod of the change after LimitRanger admission (pods of a snapshot are left as they are)."""
    spec = d.obj.get("spec")
    if limits.by_namespace and isinstance(spec, Mapping) and _unbound_and_new(d.obj):
        applied = limits.apply(object_key_ns(d), spec)
        if applied is not spec:
            return Document({**d.obj, "spec": applied}, d.source)
    return d


def expand_workloads(docs: Sequence[Document], nodes: Sequence[Node], admission: Admission,
                     limit_ranges: Sequence[Document] = ()) -> Expansion:
    """Every pod of the input: bare Pods and the pods the workloads' controllers would create.

    ``docs`` are all documents in input order; generated pods take their workload's place in
    the queue. LimitRange defaults are applied to the pods of the change (bare and generated).
    """
    limits = LimitRanges.from_documents(limit_ranges)
    kinds = {d.obj.get("kind") for d in docs}
    if kinds.isdisjoint(EXPANDED_KINDS):
        pods = [d for d in docs if d.obj.get("kind") == "Pod"]
        if limits.by_namespace:
            pods = [_limited(d, limits) for d in pods]
        return Expansion(pods, [], {}, {}, list(limits.warnings))
    ex = _Expander(docs, nodes, admission, limits)
    ex.run()
    pods: list[Document] = []
    generated = 0
    for d in docs:
        kind = d.obj.get("kind")
        if kind == "Pod":
            if id(d) not in ex.removed:
                pods.append(_limited(d, limits))
        elif kind in EXPANDED_KINDS:
            new = ex.generated.get(id(d), [])
            pods.extend(new)
            generated += len(new)
    return Expansion(pods, ex.replica_sets, ex.replicas_of, ex.job_restarts, ex.warnings, generated)


__all__ = [
    "CRONJOB_SCHEDULED_MINUTE",
    "NAME_ALPHABET",
    "Expansion",
    "LimitRanges",
    "ReplacingDocument",
    "expand_workloads",
    "free_name",
    "generate_name",
    "name_suffix",
    "pinned_node",
    "replacement_pod_name",
    "safe_encode",
    "template_hash",
]
