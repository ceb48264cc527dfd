"""The immutable object model the engine works on.

Every object is parsed once from its Kubernetes dict (see :mod:`priocli.load.parse`) into
these slots-only dataclasses. Quantities are exact integers: cpu in millicores, every
other resource in its base unit (bytes for memory and ephemeral-storage, units for
extended resources, a count for ``pods``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL = "ephemeral-storage"
PODS = "pods"

PREEMPT_LOWER = "PreemptLowerPriority"
NEVER = "Never"

DEFAULT_SCHEDULER = "default-scheduler"

Effect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute", ""]


@dataclass(frozen=True, slots=True)
class Source:
    """Where an object came from, for error messages and CI annotations."""

    file: str
    document: int  # 1-based document number in the file
    line: int | None = None  # 1-based line of the document (or list item) start, when known
    item: int | None = None  # 0-based index inside a `kind: List`, when it came from one

    def describe(self) -> str:
        where = f"{self.file}: document {self.document}"
        if self.item is not None:
            where += f" item {self.item}"
        return where


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label selector requirement (matchExpressions / nodeSelector matchExpressions)."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist, Gt, Lt
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """metav1.LabelSelector. ``None`` (no selector) and an empty one differ: see :meth:`is_empty`."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict[str, str]) -> bool:
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        for r in self.match_expressions:
            if not requirement_matches(r, labels):
                return False
        return True


def requirement_matches(r: Requirement, labels: dict[str, str]) -> bool:
    """labels.Requirement.Matches for In, NotIn (absent key matches), Exists, DoesNotExist."""
    op = r.operator
    if op == "In":
        return r.key in labels and labels[r.key] in r.values
    if op == "NotIn":
        return r.key not in labels or labels[r.key] not in r.values
    if op == "Exists":
        return r.key in labels
    if op == "DoesNotExist":
        return r.key not in labels
    return False


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"  # Equal or Exists ("" is Equal)
    value: str = ""
    effect: str = ""  # "" = all effects

    def tolerates(self, taint: Taint) -> bool:
        """v1.Toleration.ToleratesTaint."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        if self.operator in ("Equal", ""):
            return self.value == taint.value
        return False


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    match_expressions: tuple[Requirement, ...] = ()
    match_fields: tuple[Requirement, ...] = ()


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerm:
    weight: int
    term: NodeSelectorTerm


@dataclass(frozen=True, slots=True)
class PodAffinityTerm:
    topology_key: str
    label_selector: LabelSelector | None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None


@dataclass(frozen=True, slots=True)
class WeightedPodAffinityTerm:
    weight: int
    term: PodAffinityTerm


@dataclass(frozen=True, slots=True)
class TopologySpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str  # DoNotSchedule / ScheduleAnyway
    label_selector: LabelSelector | None
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"
    match_label_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HostPort:
    ip: str  # "" or "0.0.0.0" means all addresses
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str
    uid: str = ""
    controller: bool = False


@dataclass(slots=True)
class PodSpecInfo:
    """Everything scheduling reads from a pod spec; shared by pods made from one template."""

    requests: dict[str, int]  # PodRequests (init/sidecar arithmetic, overhead), what Fit filters on
    nonzero_cpu: int  # node-side NonZeroRequested contribution (millicores)
    nonzero_mem: int
    score_cpu: int  # incoming pod's LeastAllocated request (non-zero defaults filled per container)
    score_mem: int
    host_ports: tuple[HostPort, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    node_selector: tuple[tuple[str, str], ...] = ()
    required_node_affinity: tuple[NodeSelectorTerm, ...] | None = None
    preferred_node_affinity: tuple[PreferredSchedulingTerm, ...] = ()
    pod_affinity_required: tuple[PodAffinityTerm, ...] = ()
    pod_affinity_preferred: tuple[WeightedPodAffinityTerm, ...] = ()
    pod_anti_affinity_required: tuple[PodAffinityTerm, ...] = ()
    pod_anti_affinity_preferred: tuple[WeightedPodAffinityTerm, ...] = ()
    topology_spread: tuple[TopologySpreadConstraint, ...] = ()
    images: tuple[str, ...] = ()  # normalized images of regular containers (ImageLocality)
    scheduler_name: str = DEFAULT_SCHEDULER
    scheduling_gates: tuple[str, ...] = ()
    node_name: str = ""
    unmodeled: tuple[str, ...] = ()  # features present that priocli does not model (for warnings)


@dataclass(slots=True, eq=False)
class Pod:
    """An admitted pod. Identity is the object itself (``uid`` is a dense index for arrays)."""

    uid: int
    namespace: str
    name: str
    labels: dict[str, str]  # shared by the pods of one template (priocli.load.parse.admit_pods): copy, never mutate
    spec: PodSpecInfo
    priority: int
    priority_class_name: str | None
    preemption_policy: str
    phase: str = ""
    node_name: str = ""  # bound node in the input ("" = queued)
    nominated_node_name: str = ""
    start_time: float | None = None  # seconds since the epoch
    terminating: bool = False  # metadata.deletionTimestamp set
    disruption_target_by_scheduler: bool = False  # DisruptionTarget=True reason PreemptionByScheduler
    ready: bool = False  # condition Ready=True
    owner: OwnerRef | None = None  # the controller ownerReference
    source: Source | None = None
    replaces: str | None = None  # "ns/name" of the evicted pod this one replaces (replacement pods only)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def terminal(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


@dataclass(slots=True, eq=False)
class Node:
    index: int
    name: str
    labels: dict[str, str]
    allocatable: dict[str, int]
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    images: dict[str, int] = field(default_factory=dict)  # normalized image name -> size bytes
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class PriorityClass:
    name: str
    value: int
    preemption_policy: str = PREEMPT_LOWER
    global_default: bool = False
    description: str = ""
    builtin: bool = False
    source: Source | None = None


@dataclass(slots=True, eq=False)
class PodDisruptionBudget:
    namespace: str
    name: str
    selector: LabelSelector | None
    min_available: int | str | None = None
    max_unavailable: int | str | None = None
    disruptions_allowed: int = 0  # status.disruptionsAllowed, or computed when status is absent
    disrupted_pods: frozenset[str] = frozenset()
    status_given: bool = False
    source: Source | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def selects(self, pod: Pod) -> bool:
        """Whether preemption counts this PDB for ``pod`` (empty selectors never do)."""
        if pod.namespace != self.namespace or self.selector is None or self.selector.is_empty():
            return False
        if not pod.labels:
            return False
        return self.selector.matches(pod.labels)


@dataclass(frozen=True, slots=True)
class Warning_:
    """A finding the user must see: something not modeled, an input oddity. Code is stable."""

    code: str
    message: str
    object: str | None = None  # "Kind ns/name"

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "object": self.object}


SYSTEM_CLUSTER_CRITICAL = PriorityClass(
    "system-cluster-critical", 2000000000, PREEMPT_LOWER, False,
    "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    builtin=True,
)
SYSTEM_NODE_CRITICAL = PriorityClass(
    "system-node-critical", 2000001000, PREEMPT_LOWER, False,
    "Used for system critical pods that must not be moved from their current node.",
    builtin=True,
)
BUILTIN_CLASSES = (SYSTEM_CLUSTER_CRITICAL, SYSTEM_NODE_CRITICAL)
