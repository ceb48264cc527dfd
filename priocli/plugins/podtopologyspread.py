"""PodTopologySpread: hard constraints filter (DoNotSchedule), soft ones and the system
defaults score (ScheduleAnyway).

Counting follows kube-scheduler v1.29.4: only pods in the incoming pod's namespace, not
terminating, on nodes that carry every topology key and pass the inclusion policies; an
empty selector (``{}``) counts nothing; ``minDomains`` shortfall forces the global minimum
to 0; the "critical paths" bookkeeping is reproduced with its quirks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from priocli.framework import MAX_NODE_SCORE, Status, unresolvable, unschedulable
from priocli.model import LabelSelector, Node, Pod, TopologySpreadConstraint
from priocli.plugins import nodeaffinity, tainttoleration

NAME = "PodTopologySpread"
WEIGHT = 2
REASON = "node(s) didn't match pod topology spread constraints"
REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
MAX_INT32 = 2**31 - 1
SYSTEM_DEFAULTS = ((HOSTNAME, 3), (ZONE, 5))


@dataclass(frozen=True, slots=True)
class Selector:
    """labels.Selector as LabelSelectorAsSelector builds it: ``None`` selects nothing."""

    sel: LabelSelector | None
    extra: tuple[tuple[str, str], ...] = ()  # matchLabelKeys values merged in

    @property
    def empty(self) -> bool:
        return self.sel is not None and self.sel.is_empty() and not self.extra

    def matches(self, labels: dict[str, str]) -> bool:
        if self.sel is None:
            return False
        for k, v in self.extra:
            if labels.get(k) != v:
                return False
        return self.sel.matches(labels)


@dataclass(frozen=True, slots=True)
class Constraint:
    max_skew: int
    key: str
    selector: Selector
    min_domains: int = 1
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"


def build_constraints(pod: Pod, action: str) -> list[Constraint]:
    out = []
    for c in pod.spec.topology_spread:
        if c.when_unsatisfiable != action:
            continue
        out.append(Constraint(c.max_skew, c.topology_key, _selector(c, pod), c.min_domains,
                              c.node_affinity_policy, c.node_taints_policy))
    return out


def _selector(c: TopologySpreadConstraint, pod: Pod) -> Selector:
    extra = tuple((k, pod.labels[k]) for k in c.match_label_keys if k in pod.labels)
    if c.label_selector is None:
        return Selector(None)  # mergeLabelSetWithSelector leaves Nothing() as it is
    return Selector(c.label_selector, extra)


def default_constraints(selector: LabelSelector | None) -> list[Constraint]:
    """The system default constraints (ScheduleAnyway) with the pod's default selector."""
    if selector is None or selector.is_empty():
        return []
    return [Constraint(skew, key, Selector(selector)) for key, skew in SYSTEM_DEFAULTS]


def _has_all_keys(node: Node, constraints: Sequence[Constraint]) -> bool:
    return all(c.key in node.labels for c in constraints)


def _included(c: Constraint, pod: Pod, node: Node) -> bool:
    """matchNodeInclusionPolicies."""
    if c.node_affinity_policy == "Honor" and not nodeaffinity.matches_selector_and_affinity(pod.spec, node):
        return False
    return not (c.node_taints_policy == "Honor"
                and tainttoleration.find_untolerated_taint(node.taints, pod.spec.tolerations) is not None)


class _CriticalPaths:
    """The two smallest (value, count) pairs per topology key, maintained as upstream does."""

    __slots__ = ("p",)

    def __init__(self) -> None:
        self.p = [["", MAX_INT32], ["", MAX_INT32]]

    def copy(self) -> _CriticalPaths:
        c = _CriticalPaths()
        c.p = [list(self.p[0]), list(self.p[1])]
        return c

    def update(self, value: str, num: int) -> None:
        p = self.p
        i = 0 if value == p[0][0] else 1 if value == p[1][0] else -1
        if i >= 0:
            p[i][1] = num
            if p[0][1] > p[1][1]:
                p[0], p[1] = p[1], p[0]
        elif num < p[0][1]:
            p[1] = p[0]
            p[0] = [value, num]
        elif num < p[1][1]:
            p[1] = [value, num]


class SpreadState:
    """PreFilter state: per-domain match counts for the pod's hard constraints."""

    __slots__ = ("constraints", "counts", "critical", "domains")

    def __init__(self, constraints: list[Constraint]) -> None:
        self.constraints = constraints
        self.counts: dict[tuple[str, str], int] = {}
        self.domains: dict[str, int] = {}
        self.critical: dict[str, _CriticalPaths] = {}

    def copy(self) -> SpreadState:
        s = SpreadState(self.constraints)
        s.counts = dict(self.counts)
        s.domains = self.domains
        s.critical = {k: v.copy() for k, v in self.critical.items()}
        return s

    def update_with_pod(self, updated: Pod, preemptor: Pod, node: Node, delta: int) -> None:
        """AddPod / RemovePod pre-filter extension (note: no terminating or empty-selector check)."""
        if updated.namespace != preemptor.namespace or not _has_all_keys(node, self.constraints):
            return
        for c in self.constraints:
            if not c.selector.matches(updated.labels) or not _included(c, preemptor, node):
                continue
            pair = (c.key, node.labels[c.key])
            self.counts[pair] = self.counts.get(pair, 0) + delta
            self.critical[c.key].update(pair[1], self.counts[pair])


def pre_filter(pod: Pod, nodes: Sequence[Node], pods_of_namespace: Callable[[], Iterable[tuple[int, Pod]]]
               ) -> SpreadState | None:
    """Counts matching pods per domain. ``pods_of_namespace`` yields (node index, pod) for bound pods
    of the incoming pod's namespace."""
    constraints = build_constraints(pod, "DoNotSchedule")
    if not constraints:
        return None
    s = SpreadState(constraints)
    # Which (constraint, node) pairs count: nodes with every key, passing the inclusion policies.
    eligible: dict[int, list[bool]] = {}
    for node in nodes:
        if not _has_all_keys(node, constraints):
            continue
        inc = [_included(c, pod, node) for c in constraints]
        eligible[node.index] = inc
        for c, ok in zip(constraints, inc, strict=True):
            if ok:
                s.counts.setdefault((c.key, node.labels[c.key]), 0)
    for node_index, p in pods_of_namespace():
        inc = eligible.get(node_index)
        if inc is None or p.terminating:
            continue
        node = nodes[node_index]
        for c, ok in zip(constraints, inc, strict=True):
            if ok and not c.selector.empty and c.selector.matches(p.labels):
                pair = (c.key, node.labels[c.key])
                s.counts[pair] += 1
    for key, _ in s.counts:
        s.domains[key] = s.domains.get(key, 0) + 1
    for c in constraints:
        s.critical[c.key] = _CriticalPaths()
    for (key, value), num in sorted(s.counts.items()):
        s.critical[key].update(value, num)
    return s


def filter(s: SpreadState | None, pod: Pod, node: Node) -> Status | None:
    if s is None:
        return None
    for c in s.constraints:
        value = node.labels.get(c.key)
        if value is None:
            return unresolvable(NAME, REASON_MISSING_LABEL)
        min_match = s.critical[c.key].p[0][1]
        if s.domains.get(c.key, 0) < c.min_domains:
            min_match = 0
        self_match = 1 if c.selector.matches(pod.labels) else 0
        skew = s.counts.get((c.key, value), 0) + self_match - min_match
        if skew > c.max_skew:
            return unschedulable(NAME, REASON)
    return None


# ---------------------------------------------------------------------------- scoring


def score(pod: Pod, constraints: list[Constraint], require_all: bool, feasible: Sequence[Node],
          all_nodes: Sequence[Node], pods_of_namespace: Callable[[], Iterable[tuple[int, Pod]]]
          ) -> list[int] | None:
    """Normalized PodTopologySpread scores for ``feasible`` (None when the plugin skips).

    ``pods_of_namespace`` yields (node index, pod) for the bound pods of the incoming pod's
    namespace: countPodsMatchSelector only ever counts those.
    """
    if not constraints or not all_nodes:
        return None
    # Matching pods per node, per constraint (same namespace, not terminating, selector matches).
    per_node: list[dict[int, int]] = [{} for _ in constraints]
    for node_index, p in pods_of_namespace():
        if p.terminating:
            continue
        for ci, c in enumerate(constraints):
            if not c.selector.empty and c.selector.matches(p.labels):
                d = per_node[ci]
                d[node_index] = d.get(node_index, 0) + 1
    ignored = set()
    pair_counts: dict[tuple[str, str], int] = {}
    topo_size = [0] * len(constraints)
    for node in feasible:
        if require_all and not _has_all_keys(node, constraints):
            ignored.add(node.index)
            continue
        for i, c in enumerate(constraints):
            if c.key == HOSTNAME:
                continue
            pair = (c.key, node.labels.get(c.key, ""))
            if pair not in pair_counts:
                pair_counts[pair] = 0
                topo_size[i] += 1
    weights = []
    for i, c in enumerate(constraints):
        size = len(feasible) - len(ignored) if c.key == HOSTNAME else topo_size[i]
        weights.append(math.log(size + 2))
    for node in all_nodes:
        if require_all and not _has_all_keys(node, constraints):
            continue
        for ci, c in enumerate(constraints):
            pair = (c.key, node.labels.get(c.key, ""))
            if pair not in pair_counts:
                continue
            n = per_node[ci].get(node.index, 0)
            if n and _included(c, pod, node):
                pair_counts[pair] += n
    raw: list[int | None] = []
    for node in feasible:
        if node.index in ignored:
            raw.append(None)
            continue
        total = 0.0
        for i, c in enumerate(constraints):
            value = node.labels.get(c.key)
            if value is None:
                continue
            if c.key == HOSTNAME:
                cnt = per_node[i].get(node.index, 0)
            else:
                cnt = pair_counts[(c.key, value)]
            total += cnt * weights[i] + (c.max_skew - 1)
        raw.append(math.floor(total + 0.5))  # math.Round (half away from zero; scores are >= 0)
    valid = [r for r in raw if r is not None]
    lo = min(valid) if valid else 0
    hi = max(valid) if valid else 0
    out = []
    for r in raw:
        if r is None:
            out.append(0)
        elif hi == 0:
            out.append(MAX_NODE_SCORE)
        else:
            out.append(MAX_NODE_SCORE * (hi + lo - r) // hi)
    return out
