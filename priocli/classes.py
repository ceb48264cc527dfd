"""The PriorityClass hierarchy of an input and lint findings on it (``priocli classes``).

Findings, each with a stable id, a severity (``error``, ``warning``, ``info``) and a one-line fix:

=====  ========  ==================================================================================
id     severity  finding
=====  ========  ==================================================================================
PC001  error     more than one PriorityClass has ``globalDefault: true``
PC002  error     a pod (or workload template) names a PriorityClass that does not exist (the API
                 server refuses to create it); ``warning`` for a running pod whose class was deleted
PC003  warning   a ``preemptionPolicy: Never`` class ranks above a class whose pods preempt
PC004  warning   pods of a protected class have no PodDisruptionBudget (protected: value >= 1000000,
                 or the highest user class); ``info`` when the class is protected only as the highest
PC005  warning   a PodDisruptionBudget forbids every disruption (maxUnavailable 0, minAvailable 100% or
                 the number of pods, disruptionsAllowed 0 with every pod healthy)
PC006  error     a user class in the reserved system range: a ``system-`` name, or a value above
                 1000000000 (the API server rejects both)
PC007  warning   a BestEffort pod (no cpu/memory requests or limits) in a high (protected) class
=====  ========  ==================================================================================

A class above 1000000000 and the pods the API server would refuse (PC002 errors) are left out
of the state (reported, not loaded), so one bad object does not hide the rest of the picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from priocli.model import BUILTIN_CLASSES, CPU, MEMORY, NEVER, PREEMPT_LOWER, Pod, PriorityClass, Source

if TYPE_CHECKING:
    from rich.console import Console

    from priocli.load.cluster import ClusterInput
    from priocli.load.documents import Document

MAX_USER_PRIORITY = 1_000_000_000  # HighestUserDefinablePriority
PROTECTED_PRIORITY = 1_000_000  # a class at or above this value is "protected" (PC004, PC007)
SYSTEM_PREFIX = "system-"
BUILTIN_NAMES = frozenset(c.name for c in BUILTIN_CLASSES)

SEVERITIES = ("error", "warning", "info")

# workload kinds and where their pod template's spec is
TEMPLATE_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    severity: str  # error | warning | info
    object: str  # "PriorityClass production", "Pod default/web"
    message: str
    fix: str
    source: Source | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "object": self.object, "message": self.message,
                "fix": self.fix, "file": self.source.file if self.source else None,
                "line": self.source.line if self.source else None}


@dataclass(frozen=True, slots=True)
class MissingClassRef:
    """An object naming a PriorityClass that is not in the input."""

    object: str  # "Pod default/x", "Deployment default/web"
    key: str  # "default/x"
    class_name: str
    source: Source
    rejected: bool  # the API server refuses it (a pod to create, a workload's pods); False: running pod
    doc: Document

    def message(self) -> str:
        if not self.rejected:
            return (f"running {self.object} names PriorityClass {self.class_name}, which is not in the input; "
                    "it keeps the priority it was admitted with")
        name = self.key.rpartition("/")[2]
        if self.object.startswith("Pod "):
            return f'pods "{name}" is forbidden: no PriorityClass with name {self.class_name} was found'
        return (f"{self.object} names PriorityClass {self.class_name}, which does not exist: "
                "its controller cannot create any pod")


def _dig(obj: Any, path: Iterable[str]) -> Any:
    for p in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(p)
    return obj


def class_names(docs: Iterable[Document]) -> set[str]:
    """The PriorityClasses pods can name: the built-in ones and those in ``docs``."""
    names = set(BUILTIN_NAMES)
    for d in docs:
        if d.obj.get("kind") == "PriorityClass":
            name = _dig(d.obj, ("metadata", "name"))
            if isinstance(name, str):
                names.add(name)
    return names


def _namespaced_key(obj: Mapping[str, Any]) -> str:
    ns = _dig(obj, ("metadata", "namespace"))
    name = _dig(obj, ("metadata", "name"))
    return f"{ns if isinstance(ns, str) and ns else 'default'}/{name}"


def missing_class_refs(docs: Sequence[Document], classes: set[str] | None = None) -> list[MissingClassRef]:
    """Pods and workload templates in ``docs`` naming a PriorityClass not in ``classes``.

    ``classes`` defaults to :func:`class_names` of ``docs``. A pod is ``rejected`` when the
    Priority admission plugin would refuse it (``pods "x" is forbidden: no PriorityClass with
    name y was found``): every pod to be created; a pod already running with ``spec.priority``
    keeps it (the loader warns ``MissingPriorityClass``).
    """
    names = class_names(docs) if classes is None else classes
    out: list[MissingClassRef] = []
    for d in docs:
        kind = d.obj.get("kind")
        if kind == "Pod":
            spec = d.obj.get("spec")
        elif kind in TEMPLATE_SPEC_PATHS:
            spec = _dig(d.obj, TEMPLATE_SPEC_PATHS[kind])
        else:
            continue
        if not isinstance(spec, Mapping):
            continue
        cls = spec.get("priorityClassName")
        if not isinstance(cls, str) or not cls or cls in names:
            continue
        rejected = True
        if kind == "Pod":
            prio = spec.get("priority")
            if spec.get("nodeName") and isinstance(prio, int) and not isinstance(prio, bool):
                rejected = False
        key = _namespaced_key(d.obj)
        out.append(MissingClassRef(f"{kind} {key}", key, cls, d.source, rejected, d))
    return out


def without(docs: Sequence[Document], drop: Iterable[Document]) -> list[Document]:
    """``docs`` less the documents in ``drop`` (by identity)."""
    ids = {id(d) for d in drop}
    return [d for d in docs if id(d) not in ids]


# ------------------------------------------------------------------ the hierarchy


@dataclass(slots=True)
class ClassRow:
    cls: PriorityClass
    running: int = 0  # pods bound to a node (not finished)
    pending: int = 0  # pods without a node (not finished)

    def as_dict(self) -> dict[str, Any]:
        c = self.cls
        return {"name": c.name, "value": c.value, "preemptionPolicy": c.preemption_policy,
                "globalDefault": c.global_default, "description": c.description, "builtin": c.builtin,
                "running": self.running, "pending": self.pending}


@dataclass(slots=True)
class ClassesReport:
    rows: list[ClassRow]  # highest value first
    findings: list[Finding]
    unclassed_running: int = 0  # pods with no class (priority 0: no globalDefault class)
    unclassed_pending: int = 0
    warnings: list[Any] = field(default_factory=list)  # the loader's Warning_ objects

    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            c[f.severity] += 1
        return c

    def as_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "priocli/v1",
            "kind": "PriorityClassReport",
            "classes": [r.as_dict() for r in self.rows],
            "unclassified": {"running": self.unclassed_running, "pending": self.unclassed_pending},
            "findings": [f.as_dict() for f in self.findings],
            "summary": self.counts(),
            "warnings": [w.as_dict() for w in self.warnings],
        }


def analyze_documents(docs: Sequence[Document]) -> ClassesReport:
    """Load ``docs`` (refused objects reported, not loaded) and build the hierarchy and findings."""
    from priocli.load.cluster import build_cluster

    pre: list[Finding] = []
    bad_classes = []
    for d in docs:
        if d.obj.get("kind") != "PriorityClass":
            continue
        name = _dig(d.obj, ("metadata", "name"))
        value = d.obj.get("value")
        if (isinstance(name, str) and not name.startswith(SYSTEM_PREFIX) and isinstance(value, int)
                and not isinstance(value, bool) and value > MAX_USER_PRIORITY):
            bad_classes.append(d)
            pre.append(Finding(
                "PC006", "error", f"PriorityClass {name}",
                f"value {value} is above the highest user-definable priority {MAX_USER_PRIORITY}: "
                "the API server rejects it (left out here)",
                f"lower its value to at most {MAX_USER_PRIORITY}", d.source))
    kept = without(docs, bad_classes)
    refs = [r for r in missing_class_refs(kept) if r.rejected]
    for r in refs:
        pre.append(Finding("PC002", "error", r.object, r.message() + " (left out here)",
                           f"create PriorityClass {r.class_name}, or correct spec.priorityClassName",
                           r.source))
    cluster = build_cluster(without(kept, [r.doc for r in refs]))
    return analyze(cluster, pre)


def analyze(cluster: ClusterInput, pre: Sequence[Finding] = ()) -> ClassesReport:
    """The hierarchy and the findings of an admitted state (``pre``: findings made while loading)."""
    classes = sorted(cluster.admission.classes.values(), key=lambda c: (-c.value, c.name))
    rows = {c.name: ClassRow(c) for c in classes}
    report = ClassesReport(list(rows.values()), [], warnings=list(cluster.warnings))
    for p in cluster.pods:
        if p.terminal:
            continue
        row = rows.get(p.priority_class_name or "")
        bound = bool(p.node_name)
        if row is None:
            if not p.priority_class_name:
                if bound:
                    report.unclassed_running += 1
                else:
                    report.unclassed_pending += 1
            continue
        if bound:
            row.running += 1
        else:
            row.pending += 1
    report.findings = sorted([*pre, *lint(cluster)], key=_finding_order)
    return report


def _finding_order(f: Finding) -> tuple[int, str, str]:
    return (SEVERITIES.index(f.severity), f.id, f.object)


def protected_classes(user: Sequence[PriorityClass]) -> dict[str, str]:
    """Protected user classes -> why: value >= 1000000, or the highest user class."""
    out: dict[str, str] = {}
    top = max((c.value for c in user), default=None)
    for c in user:
        if c.value >= PROTECTED_PRIORITY:
            out[c.name] = f"value {c.value} >= {PROTECTED_PRIORITY}"
        elif c.value == top:
            out[c.name] = "the highest user class"
    return out


def _names(pods: Sequence[Pod], limit: int = 5) -> str:
    keys = [p.key for p in pods]
    text = ", ".join(keys[:limit])
    if len(keys) > limit:
        text += f", ... ({len(keys) - limit} more)"
    return text


def is_best_effort(pod: Pod) -> bool:
    """No cpu or memory requested (requests default from limits: so no limits either)."""
    r = pod.spec.requests
    return not r.get(CPU) and not r.get(MEMORY)


def lint(cluster: ClusterInput) -> list[Finding]:
    """PC001, PC002 (running pods), PC003, PC004, PC005, PC006 (names), PC007 on an admitted state."""
    findings: list[Finding] = []
    user = sorted(cluster.classes.values(), key=lambda c: (-c.value, c.name))
    live = [p for p in cluster.pods if not p.terminal]

    # PC001
    defaults = [c for c in user if c.global_default]
    if len(defaults) > 1:
        lowest = min(defaults, key=lambda c: (c.value, c.name))
        findings.append(Finding(
            "PC001", "error", f"PriorityClass {defaults[0].name}",
            f"{len(defaults)} classes are globalDefault ({', '.join(c.name for c in defaults)}); the API server "
            f"admits only one, and pods without a class get the lowest: {lowest.name} ({lowest.value})",
            "keep globalDefault: true on one class only", defaults[0].source))

    # PC002: running pods whose class is gone (the refused ones were found before loading)
    known = cluster.admission.classes
    for p in live:
        if p.priority_class_name and p.priority_class_name not in known:
            findings.append(Finding(
                "PC002", "warning", f"Pod {p.key}",
                f"running pod names PriorityClass {p.priority_class_name}, which is not in the input; "
                f"it keeps its admitted priority {p.priority}, but new pods like it will be refused",
                f"create PriorityClass {p.priority_class_name}, or correct spec.priorityClassName", p.source))

    # PC003
    gd = cluster.admission.global_default
    floor = min([c.value for c in user] + ([] if gd is not None else [0]), default=0)
    preempting = [c for c in user if c.preemption_policy == PREEMPT_LOWER and c.value > floor]
    for n in user:
        if n.preemption_policy != NEVER:
            continue
        below = [c for c in preempting if c.value < n.value]
        if below:
            names = ", ".join(f"{c.name} ({c.value})" for c in below)
            findings.append(Finding(
                "PC003", "warning", f"PriorityClass {n.name}",
                f"Never class {n.name} ({n.value}) ranks above preempting class{'es' if len(below) > 1 else ''} "
                f"{names}: their pods may preempt to take the room {n.name} pods wait for, "
                f"while {n.name} pods never preempt",
                f"rank {n.name} below {below[0].name}, or give it preemptionPolicy: PreemptLowerPriority",
                n.source))

    # PC004 and PC007
    protected = protected_classes(user)
    by_class: dict[str, list[Pod]] = {}
    for p in live:
        if p.priority_class_name:
            by_class.setdefault(p.priority_class_name, []).append(p)
    for c in user:
        why = protected.get(c.name)
        pods = by_class.get(c.name, [])
        if why is None or not pods:
            continue
        bare = [p for p in pods if not any(pdb.selects(p) for pdb in cluster.pdbs)]
        if bare:
            findings.append(Finding(
                "PC004", "warning" if c.value >= PROTECTED_PRIORITY else "info", f"PriorityClass {c.name}",
                f"{len(bare)} of {len(pods)} pod{'s' if len(pods) != 1 else ''} of protected class {c.name} "
                f"({why}) {'have' if len(bare) != 1 else 'has'} no PodDisruptionBudget: {_names(bare)}",
                "add a PodDisruptionBudget (policy/v1, e.g. maxUnavailable: 1) selecting them", c.source))
        best_effort = [p for p in pods if is_best_effort(p)]
        if best_effort:
            findings.append(Finding(
                "PC007", "warning", f"PriorityClass {c.name}",
                f"{len(best_effort)} BestEffort pod{'s' if len(best_effort) != 1 else ''} (no cpu or memory "
                f"requests or limits) in high class {c.name}: {_names(best_effort)}",
                "set cpu and memory requests on their containers: BestEffort pods go first under node pressure",
                best_effort[0].source))

    # PC005
    for pdb in cluster.pdbs:
        sel = pdb.selector
        matched = [p for p in live if p.namespace == pdb.namespace and sel is not None and sel.matches(p.labels)]
        why = ""
        if pdb.max_unavailable in (0, "0%"):
            why = f"maxUnavailable: {pdb.max_unavailable}"
        elif pdb.min_available == "100%":
            why = "minAvailable: 100%"
        elif isinstance(pdb.min_available, int) and matched and pdb.min_available >= len(matched):
            why = f"minAvailable: {pdb.min_available} with {len(matched)} pod{'s' if len(matched) != 1 else ''}"
        elif matched and pdb.disruptions_allowed == 0 and all(p.ready and not p.terminating for p in matched):
            where = "status.disruptionsAllowed" if pdb.status_given else "disruptionsAllowed"
            why = f"{where} is 0 with all {len(matched)} pod{'s' if len(matched) != 1 else ''} healthy"
        if why:
            findings.append(Finding(
                "PC005", "warning", f"PodDisruptionBudget {pdb.key}",
                f"{why}: it forbids every voluntary disruption (drains block; preemption only spares its pods "
                "when it has other victims)",
                "allow at least one disruption: maxUnavailable: 1, or minAvailable below the number of pods",
                pdb.source))

    # PC006: reserved names (values above the limit were found before loading)
    for c in user:
        if c.name.startswith(SYSTEM_PREFIX) and c.name not in BUILTIN_NAMES:
            findings.append(Finding(
                "PC006", "error", f"PriorityClass {c.name}",
                f"the name prefix {SYSTEM_PREFIX!r} is reserved for the built-in classes: the API server rejects it",
                f"rename it without the {SYSTEM_PREFIX!r} prefix", c.source))
    return findings


# ------------------------------------------------------------------ rendering


def render_classes_table(report: ClassesReport, console: Console) -> None:
    """The hierarchy as a table, then the findings (each with its fix)."""
    from rich.text import Text

    from priocli.render.table import STYLE_HEADER, print_columns

    headers = ("NAME", "VALUE", "PREEMPTION", "DEFAULT", "RUNNING", "PENDING", "DESCRIPTION")
    rows: list[tuple[list[str], str]] = []
    for r in report.rows:
        c = r.cls
        rows.append(([c.name, str(c.value), c.preemption_policy, "yes" if c.global_default else "-",
                      str(r.running), str(r.pending), c.description or "-"],
                     "dim" if c.builtin and not (r.running or r.pending) else ""))
    if report.unclassed_running or report.unclassed_pending:
        rows.append((["<none>", "0", PREEMPT_LOWER, "-", str(report.unclassed_running),
                      str(report.unclassed_pending), "pods without a class (no globalDefault class)"], ""))
    print_columns(console, headers, rows)
    console.print()
    counts = report.counts()
    if not report.findings:
        console.print(Text("No findings.", style="green"))
        return
    console.print(Text(f"Findings ({len(report.findings)}: {counts['error']} error, {counts['warning']} warning, "
                       f"{counts['info']} info)", style=STYLE_HEADER))
    styles = {"error": "red", "warning": "yellow", "info": "cyan"}
    for f in report.findings:
        line = Text(f"{f.id} {f.severity:<7} ", style=styles[f.severity])
        line.append(f"{f.object}: {f.message}")
        if f.source is not None:
            line.append(f" ({_where(f.source)})", style="dim")
        console.print(line, soft_wrap=True)
        console.print(Text(f"      fix: {f.fix}", style="dim"), soft_wrap=True)


def _where(source: Source) -> str:
    return f"{source.file}:{source.line}" if source.line else source.describe()
