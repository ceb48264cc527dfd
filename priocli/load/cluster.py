"""Documents -> one admitted cluster state (:class:`ClusterInput`), the engine's input.

Kinds read: Node, Pod, PriorityClass, PodDisruptionBudget (policy/v1), LimitRange (container
defaults), the workloads whose pods are simulated (Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job, CronJob, ReplicationController: see :mod:`priocli.load.workloads`), plus
context the scheduler consults: Namespace (labels for namespaceSelector), Service (and the
ReplicaSet, StatefulSet and ReplicationController selectors of default topology spreading).
Everything else is reported in a warning and skipped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from priocli.errors import InputError, describe_object, field_error
from priocli.gcpause import gc_paused
from priocli.load.documents import Document
from priocli.load.parse import (
    Admission,
    Ctx,
    SpecCache,
    admit_pods,
    compute_disruptions_allowed,
    object_ctx,
    parse_label_selector,
    parse_node,
    parse_pdb,
    parse_priority_class,
)
from priocli.load.workloads import (
    WORKLOAD_API_VERSIONS,
    WORKLOAD_REMOVED_VERSIONS,
    ReplacingDocument,
    expand_workloads,
)
from priocli.model import (
    BUILTIN_CLASSES,
    LabelSelector,
    Node,
    OwnerRef,
    Pod,
    PodDisruptionBudget,
    PriorityClass,
    Source,
    Warning_,
)

# Pods of one template are admitted in bulk (priocli.load.parse.admit_pods); False admits each
# pod on its own, the reference the bulk path is tested against.
BULK = True

# kind -> accepted apiVersions
CORE_KINDS: dict[str, tuple[str, ...]] = {
    "Node": ("v1",),
    "Pod": ("v1",),
    "PriorityClass": ("scheduling.k8s.io/v1",),
    "PodDisruptionBudget": ("policy/v1",),
    "Namespace": ("v1",),
    "Service": ("v1",),
    "ReplicaSet": ("apps/v1",),
    "StatefulSet": ("apps/v1",),
    "ReplicationController": ("v1",),
    **WORKLOAD_API_VERSIONS,
}
CLUSTER_SCOPED = frozenset({"Node", "PriorityClass", "Namespace"})
REMOVED_VERSIONS = {
    **WORKLOAD_REMOVED_VERSIONS,
    ("PodDisruptionBudget", "policy/v1beta1"): "policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1",
    ("PriorityClass", "scheduling.k8s.io/v1beta1"): "scheduling.k8s.io/v1beta1 was removed in Kubernetes 1.22; use scheduling.k8s.io/v1",
    ("PriorityClass", "scheduling.k8s.io/v1alpha1"): "scheduling.k8s.io/v1alpha1 was removed in Kubernetes 1.22; use scheduling.k8s.io/v1",
}
NOT_MODELED_NOTES = {
    "ResourceQuota": "ResourceQuota admission is not modeled: pods that a quota would reject are still simulated",
    "PersistentVolumeClaim": "volume binding and PV topology are not modeled",
    "PersistentVolume": "volume binding and PV topology are not modeled",
    "StorageClass": "volume binding and PV topology are not modeled",
    "ResourceClaim": "dynamic resource allocation is not modeled",
}


@dataclass(slots=True)
class ClusterInput:
    """Everything one pass needs, admitted and validated."""

    nodes: list[Node]
    pods: list[Pod]  # in input order (queue order for unbound pods)
    classes: dict[str, PriorityClass]  # user-defined classes by name
    admission: Admission
    pdbs: list[PodDisruptionBudget]
    warnings: list[Warning_] = field(default_factory=list)
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    spread_selectors: dict[int, LabelSelector] = field(default_factory=dict)  # pod uid -> default selector
    replicas_of: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (ns, kind, name) -> replicas
    job_restarts: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (ns, job) -> failures left


def _key(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    ns = meta.get("namespace") or ""
    return (str(obj.get("kind")), str(ns), str(meta.get("name")))


def _check_api_version(doc: Document, kind: str) -> None:
    api = doc.obj.get("apiVersion")
    accepted = CORE_KINDS.get(kind)
    if accepted is None:
        return
    obj = describe_object(kind, None, None)
    if not isinstance(api, str) or not api:
        raise field_error(doc.source, obj, "apiVersion", "required field is missing")
    if api not in accepted:
        note = REMOVED_VERSIONS.get((kind, api))
        raise field_error(doc.source, obj, "apiVersion",
                          note or f"unknown apiVersion {api!r} for kind {kind} (expected {', '.join(accepted)})")


def build_cluster(docs: Sequence[Document]) -> ClusterInput:
    """Validate, de-duplicate and admit the documents into one :class:`ClusterInput`.

    The cyclic garbage collector is paused meanwhile (hundreds of thousands of small objects
    and no reference cycles) and what was built is ``gc.freeze()``-d, as the documents are.
    """
    with gc_paused():
        cluster = _build_cluster(docs)
        gc.freeze()
    return cluster


def _build_cluster(docs: Sequence[Document]) -> ClusterInput:
    warnings: list[Warning_] = []
    seen: dict[tuple[str, str, str], Source] = {}
    by_kind: dict[str, list[Document]] = {}
    skipped: dict[str, int] = {}
    for doc in docs:
        obj = doc.obj
        kind = obj.get("kind")
        if not isinstance(kind, str) or not kind:
            raise field_error(doc.source, None, "kind", "required field is missing")
        accepted = CORE_KINDS.get(kind)
        if accepted is not None:
            if obj.get("apiVersion") not in accepted:
                _check_api_version(doc, kind)
            meta = obj.get("metadata")
            name = meta.get("name") if type(meta) is dict else None
            if type(name) is str and ((ns := meta.get("namespace")) is None or type(ns) is str):
                k = (kind, "", name) if kind in CLUSTER_SCOPED else (kind, ns or "default", name)  # = object_key
            else:
                k = object_key(doc)
            if k in seen and k[2] != "None":
                first = seen[k]
                raise field_error(doc.source, describe_object(kind, k[1] or None, k[2]), "metadata.name",
                                  f"duplicate object: already defined in {first.describe()}")
            seen[k] = doc.source
            by_kind.setdefault(kind, []).append(doc)
        else:
            skipped[kind] = skipped.get(kind, 0) + 1
    for kind in sorted(skipped):
        n = skipped[kind]
        what = NOT_MODELED_NOTES.get(kind)
        msg = f"{n} {kind} object{'s' if n != 1 else ''} skipped" + (f": {what}" if what else ": kind not modeled")
        warnings.append(Warning_("SkippedKind", msg, kind))

    user_classes = [parse_priority_class(d.obj, d.source) for d in by_kind.get("PriorityClass", [])]
    defaults = sorted((c for c in user_classes if c.global_default), key=lambda c: (c.value, c.name))
    if len(defaults) > 1:
        warnings.append(Warning_(
            "MultipleGlobalDefaults",
            f"{len(defaults)} PriorityClasses are marked globalDefault ({', '.join(c.name for c in defaults)}); "
            f"the API server admits only one; pods without a class get the lowest: {defaults[0].name}",
            f"PriorityClass {defaults[0].name}"))
    builtin = {c.name: c for c in BUILTIN_CLASSES}
    for c in user_classes:
        b = builtin.get(c.name)
        # `kubectl get priorityclasses` lists the two system classes: accept them as they are.
        if b is not None and (c.value, c.preemption_policy, c.global_default) != (
                b.value, b.preemption_policy, b.global_default):
            raise field_error(c.source, f"PriorityClass {c.name}", "value",
                              f"{c.name} is built in (value {b.value}, PreemptLowerPriority) and cannot be changed")
    user_classes = [c for c in user_classes if c.name not in builtin]
    admission = Admission.build(user_classes)

    nodes = [parse_node(d.obj, d.source, i) for i, d in enumerate(by_kind.get("Node", []))]

    namespace_labels: dict[str, dict[str, str]] = {}
    for d in by_kind.get("Namespace", []):
        ctx, _, name = object_ctx(d.obj, d.source, namespaced=False)
        meta = d.obj.get("metadata") or {}
        labels = dict(_labels_or_empty(ctx, meta.get("labels")))
        labels.setdefault("kubernetes.io/metadata.name", name)
        namespace_labels[name] = labels

    docs = _keep_admitted_priorities(docs, user_classes, warnings)
    expansion = expand_workloads(docs, nodes, admission, by_kind.get("LimitRange", []))
    warnings.extend(expansion.warnings)
    spec_cache = SpecCache()
    pods, pod_warnings = admit_pods(expansion.pods, admission, spec_cache, bulk=BULK)
    warnings.extend(pod_warnings)

    if expansion.replica_sets:
        by_kind.setdefault("ReplicaSet", []).extend(expansion.replica_sets)
    selectors = _controller_selectors(by_kind)
    services = _service_selectors(by_kind)
    replicas_of = _replicas(by_kind)
    replicas_of.update(expansion.replicas_of)
    spread_selectors: dict[int, LabelSelector] = {}
    if services or selectors:  # else no pod has one
        # Pods of one shape share their labels dict and owner: one selector for all of them.
        by_shape: dict[tuple[str, int, OwnerRef | None], LabelSelector | None] = {}
        for pod in pods:
            shape = (pod.namespace, id(pod.labels), pod.owner)
            if shape in by_shape:
                sel = by_shape[shape]
            else:
                sel = by_shape[shape] = _default_spread_selector(pod, services, selectors)
            if sel is not None:
                spread_selectors[pod.uid] = sel

    pdbs = [parse_pdb(d.obj, d.source) for d in by_kind.get("PodDisruptionBudget", [])]
    candidates = None
    for pdb in pdbs:
        if not pdb.status_given:
            if candidates is None:
                candidates = _PdbCandidates(pods)
            pdb.disruptions_allowed = compute_disruptions_allowed(pdb, candidates.of(pdb), replicas_of)
    return ClusterInput(nodes, pods, {c.name: c for c in user_classes}, admission, pdbs, warnings,
                        namespace_labels, spread_selectors, replicas_of, expansion.job_restarts)


class _PdbCandidates:
    """The pods a PDB may select, in input order: those of its namespace that carry its first
    matchLabels pair (computing every disruptionsAllowed over all pods is PDBs x pods)."""

    def __init__(self, pods: Sequence[Pod]) -> None:
        self.by_ns: dict[str, list[Pod]] = {}
        self.by_label: dict[tuple[str, str, str], list[Pod]] = {}
        for p in pods:
            self.by_ns.setdefault(p.namespace, []).append(p)
            for k, v in p.labels.items():
                self.by_label.setdefault((p.namespace, k, v), []).append(p)

    def of(self, pdb: PodDisruptionBudget) -> list[Pod]:
        sel = pdb.selector
        if sel is not None and sel.match_labels:
            k, v = sel.match_labels[0]
            return self.by_label.get((pdb.namespace, k, v), [])
        return self.by_ns.get(pdb.namespace, [])


def _keep_admitted_priorities(docs: Sequence[Document], classes: Sequence[PriorityClass],
                              warnings: list[Warning_]) -> Sequence[Document]:
    """A PriorityClass the change gives another value does not change pods that already exist.

    Priority is fixed at admission. Running pods of a snapshot carry their ``spec.priority``;
    bound pods written by hand without it are given the class's previous value here.
    """
    before: dict[str, tuple[int, str]] = {}
    by_name = {c.name: c for c in classes}
    for d in docs:
        prev = d.previous if isinstance(d, ReplacingDocument) else None
        if prev is None or d.obj.get("kind") != "PriorityClass":
            continue
        c = by_name.get(str((d.obj.get("metadata") or {}).get("name")))
        if c is None:
            continue
        try:
            old = parse_priority_class(prev.obj, prev.source)
        except InputError:
            continue
        if (old.value, old.preemption_policy) == (c.value, c.preemption_policy):
            continue
        what = (f"value {old.value} -> {c.value}" if old.value != c.value
                else f"preemptionPolicy {old.preemption_policy} -> {c.preemption_policy}")
        warnings.append(Warning_(
            "PriorityClassChanged",
            f"PriorityClass {c.name} changes ({what}): pods that already exist keep the priority they were "
            f"admitted with (value {old.value}, {old.preemption_policy}); only pods created from now on (new pods, "
            f"replacements) get the new one. The API server refuses to update value and preemptionPolicy: "
            f"apply means deleting and recreating the class", f"PriorityClass {c.name}"))
        before[c.name] = (old.value, old.preemption_policy)
    if not before:
        return docs
    out: list[Document] = []
    for d in docs:
        spec = d.obj.get("spec")
        if (d.obj.get("kind") == "Pod" and isinstance(spec, Mapping) and spec.get("nodeName")
                and spec.get("priority") is None and spec.get("priorityClassName") in before):
            value, policy = before[spec["priorityClassName"]]
            d = Document({**d.obj, "spec": {**spec, "priority": value, "preemptionPolicy": policy}}, d.source)
        out.append(d)
    return out


def _labels_or_empty(ctx: Ctx, v: Any) -> dict[str, str]:
    from priocli.load.parse import _labels

    return _labels(ctx, v, "metadata.labels")


def _controller_selectors(by_kind: Mapping[str, list[Document]]) -> dict[tuple[str, str, str], LabelSelector]:
    out: dict[tuple[str, str, str], LabelSelector] = {}
    for kind in ("ReplicaSet", "StatefulSet", "ReplicationController"):
        for d in by_kind.get(kind, []):
            ctx, ns, name = object_ctx(d.obj, d.source, namespaced=True)
            spec = d.obj.get("spec") if isinstance(d.obj.get("spec"), Mapping) else {}
            if kind == "ReplicationController":
                raw = spec.get("selector")
                if isinstance(raw, Mapping) and raw:
                    out[(ns, kind, name)] = LabelSelector(tuple(sorted((str(k), str(v)) for k, v in raw.items())))
                continue
            sel = parse_label_selector(ctx, spec.get("selector"), "spec.selector")
            if sel is not None:
                out[(ns, kind, name)] = sel
    return out


def _service_selectors(by_kind: Mapping[str, list[Document]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for d in by_kind.get("Service", []):
        _, ns, _ = object_ctx(d.obj, d.source, namespaced=True)
        spec = d.obj.get("spec") if isinstance(d.obj.get("spec"), Mapping) else {}
        raw = spec.get("selector")
        if isinstance(raw, Mapping) and raw:
            out.setdefault(ns, []).append({str(k): str(v) for k, v in raw.items()})
    return out


def _replicas(by_kind: Mapping[str, list[Document]]) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for kind in ("ReplicaSet", "StatefulSet", "ReplicationController"):
        for d in by_kind.get(kind, []):
            _, ns, name = object_ctx(d.obj, d.source, namespaced=True)
            spec = d.obj.get("spec") if isinstance(d.obj.get("spec"), Mapping) else {}
            r = spec.get("replicas", 1)
            if isinstance(r, int) and not isinstance(r, bool):
                out[(ns, kind, name)] = r
    return out


def _default_spread_selector(pod: Pod, services: Mapping[str, list[dict[str, str]]],
                             selectors: Mapping[tuple[str, str, str], LabelSelector]) -> LabelSelector | None:
    """helper.DefaultSelector: Services selecting the pod, plus its controller's selector."""
    match_labels: dict[str, str] = {}
    for svc in services.get(pod.namespace, []):
        if all(pod.labels.get(k) == v for k, v in svc.items()):
            match_labels.update(svc)
    exprs: tuple = ()
    if pod.owner is not None and pod.owner.kind in ("ReplicaSet", "StatefulSet", "ReplicationController"):
        sel = selectors.get((pod.namespace, pod.owner.kind, pod.owner.name))
        if sel is not None:
            if pod.owner.kind == "ReplicationController":
                match_labels.update(dict(sel.match_labels))
            else:
                exprs = tuple(sel.match_expressions)
                for k, v in sel.match_labels:
                    match_labels[k] = v
    if not match_labels and not exprs:
        return None
    return LabelSelector(tuple(sorted(match_labels.items())), exprs)


def object_key(doc: Document) -> tuple[str, str, str]:
    """(kind, namespace, name) with the namespace defaulted for namespaced kinds."""
    obj = doc.obj
    kind = obj.get("kind")
    meta = obj.get("metadata")
    if type(kind) is str and type(meta) is dict:  # the usual case, without the str() of _key
        name = meta.get("name")
        ns = meta.get("namespace")
        if type(name) is str and (ns is None or type(ns) is str):
            return (kind, "", name) if kind in CLUSTER_SCOPED else (kind, ns or "default", name)
    kind, ns, name = _key(obj)
    if kind in CLUSTER_SCOPED:
        return (kind, "", name)
    return (kind, ns or "default", name)


def overlay(current: Sequence[Document], change: Sequence[Document]) -> list[Document]:
    """The current state with the change applied: same kind/namespace/name replaces, the rest adds.

    The replacing object takes the place of the one it replaces (queue order is input order); it
    is a :class:`~priocli.load.workloads.ReplacingDocument` that remembers the previous object,
    so that a workload's controller can tell a scale change from a template change, and a
    changed PriorityClass can be reported (see :mod:`priocli.load.workloads`).
    """
    by_key = {object_key(d): d for d in change}
    names = {k[2] for k in by_key}
    used: set[tuple[str, str, str]] = set()
    out: list[Document] = []
    for d in current:
        meta = d.obj.get("metadata")
        name = meta.get("name") if type(meta) is dict else None
        if type(name) is str and name not in names:  # its key's name is this name: nothing to replace
            out.append(d)
            continue
        k = object_key(d)
        if k in by_key:
            if k not in used:
                new = by_key[k]
                # keep what it replaces: workloads compare templates, PriorityClasses values
                out.append(ReplacingDocument(new.obj, new.source, previous=d))
                used.add(k)
        else:
            out.append(d)
    out.extend(d for d in change if object_key(d) not in used)
    return out


def pods_by_key(pods: Iterable[Pod]) -> dict[str, Pod]:
    return {p.key: p for p in pods}


__all__ = ["ClusterInput", "InputError", "build_cluster"]
