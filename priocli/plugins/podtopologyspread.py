"""PodTopologySpread: hard constraints filter (DoNotSchedule), soft ones and the system
defaults score (ScheduleAnyway).

Counting follows kube-scheduler v1.29.4: only pods in the incoming pod's namespace, not
terminating, on nodes that carry every topology key and pass the inclusion policies; an
empty selector (``{}``) counts nothing; ``minDomains`` shortfall forces the global minimum
to 0; the "critical paths" bookkeeping is reproduced with its quirks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from priocli.framework import MAX_NODE_SCORE, Status, unresolvable, unschedulable
from priocli.model import LabelSelector, Node, Pod, TopologySpreadConstraint
from priocli.plugins import nodeaffinity, tainttoleration

if TYPE_CHECKING:
    from priocli.state import ClusterState

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


def pre_filter(pod: Pod, nodes: Sequence[Node], counter: SpreadCounts) -> SpreadState | None:
    """Counts matching pods per domain (bound pods of the incoming pod's namespace, via ``counter``)."""
    constraints = build_constraints(pod, "DoNotSchedule")
    if not constraints:
        return None
    s = SpreadState(constraints)
    # Which (constraint, node) pairs count: nodes with every key, passing the inclusion policies.
    eligible, pairs = counter.eligible(pod, constraints)
    s.counts = dict.fromkeys(pairs, 0)
    for ci, c in enumerate(constraints):
        if c.selector.empty:
            continue
        for node_index, n in counter.per_node(pod.namespace, c.selector).items():
            inc = eligible.get(node_index)
            if inc is not None and inc[ci]:
                pair = (c.key, nodes[node_index].labels[c.key])
                s.counts[pair] += n
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


def score(pod: Pod, constraints: list[Constraint], require_all: bool, feasible: np.ndarray,
          counter: SpreadCounts) -> list[int] | None:
    """Normalized PodTopologySpread scores for the ``feasible`` node indices (None when the plugin skips).

    Counts are countPodsMatchSelector's: bound, non-terminating pods of the incoming pod's namespace.
    The float arithmetic is kube-scheduler's, in the same order per node (float64 throughout).
    """
    n = len(counter.nodes)
    if not constraints or not n:
        return None
    doms = [counter.domains(c.key) for c in constraints]  # (domain id per node, has the key)
    if require_all:
        has_all = np.ones(n, dtype=bool)
        for _, has in doms:
            has_all &= has
        ignored = ~has_all[feasible]
        kept = feasible[~ignored]
    else:
        ignored = np.zeros(feasible.size, dtype=bool)
        kept = feasible
    per_node = [counter.per_node_array(pod.namespace, c.selector) for c in constraints]
    total = np.zeros(feasible.size, dtype=np.float64)
    for c, (dom, has), cnt_per_node in zip(constraints, doms, per_node, strict=True):
        if c.key == HOSTNAME:
            weight = math.log(kept.size + 2)
            cnt = cnt_per_node[feasible]
        else:
            present = np.zeros(int(dom.max()) + 1 if dom.size else 0, dtype=bool)
            present[dom[kept]] = True  # domains ("" for a missing key) among the scored nodes
            weight = math.log(int(present.sum()) + 2)
            counted = present[dom] & counter.included(pod, c)
            if require_all:
                counted &= has_all
            pair_counts = np.bincount(dom[counted], weights=cnt_per_node[counted], minlength=present.size)
            cnt = pair_counts[dom[feasible]]
        total += np.where(has[feasible], cnt * weight + (c.max_skew - 1), 0.0)
    raw = np.floor(total + 0.5).astype(np.int64)  # math.Round (half away from zero; scores are >= 0)
    valid = raw[~ignored]
    lo = int(valid.min()) if valid.size else 0
    hi = int(valid.max()) if valid.size else 0
    if hi == 0:
        out = np.full(feasible.size, MAX_NODE_SCORE, dtype=np.int64)
    else:
        out = MAX_NODE_SCORE * (hi + lo - raw) // hi
    out[ignored] = 0
    return out.tolist()


class SpreadCounts:
    """What PodTopologySpread counts, cached: matching pods per node (kept current from the state's
    per-namespace log of bindings and removals), domains per topology key and the inclusion policies
    per pod shape (both depend only on node objects, fixed during a pass)."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.nodes = state.nodes
        self._counts: dict[tuple[str, Selector, bool], list] = {}  # -> [log position, {node: count}]
        self._arrays: dict[tuple[str, Selector] | None, Any] = {}  # -> [log position, counts per node]
        self._groups: dict[str, list] = {}  # namespace -> [log position, _label_groups]
        self._domains: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._included: dict[tuple, np.ndarray] = {}
        self._eligible: dict[tuple, tuple[dict[int, list[bool]], list[tuple[str, str]]]] = {}

    def per_node(self, namespace: str, selector: Selector, *, terminating: bool = False) -> dict[int, int]:
        """Bound pods of ``namespace`` matching ``selector``, per node index: non-terminating ones
        (PodTopologySpread's countPodsMatchSelector), or all of them with ``terminating``
        (InterPodAffinity reads every pod of a node)."""
        state = self.state
        log = state.ns_log.get(namespace)
        if log is None:
            log = state.ns_log[namespace] = []
        key = (namespace, selector, terminating)
        entry = self._counts.get(key)
        if entry is None:
            counts: dict[int, int] = {}
            for labels, term, per_node in self._label_groups(namespace).values():
                if per_node and (terminating or not term) and selector.matches(labels):
                    for i, n in per_node.items():
                        counts[i] = counts.get(i, 0) + n
            self._counts[key] = [len(log), counts]
            return counts
        pos, counts = entry
        if pos < len(log):
            for i, p, delta in log[pos:]:
                if (terminating or not p.terminating) and selector.matches(p.labels):
                    left = counts.get(i, 0) + delta
                    if left:
                        counts[i] = left
                    else:
                        del counts[i]
            entry[0] = len(log)
        return counts

    def _label_groups(self, namespace: str) -> dict[tuple[int, bool], tuple[dict[str, str], bool, dict[int, int]]]:
        """The namespace's bound pods grouped by their labels dict (pods of one template share it)
        and whether they are terminating, with their counts per node: a new selector is matched
        once per group. Kept current from the namespace's log (which :meth:`per_node` has
        started); a group holds its labels dict, so the dict's id stays its own."""
        state = self.state
        log = state.ns_log[namespace]
        entry = self._groups.get(namespace)
        if entry is None:
            groups: dict[tuple[int, bool], tuple[dict[str, str], bool, dict[int, int]]] = {}
            where = state.where
            for p in state.ns_pods.get(namespace, {}).values():
                g = groups.get((id(p.labels), p.terminating))
                if g is None:
                    g = groups[(id(p.labels), p.terminating)] = (p.labels, p.terminating, {})
                i = where[p.uid]
                g[2][i] = g[2].get(i, 0) + 1
            self._groups[namespace] = [len(log), groups]
            return groups
        pos, groups = entry
        if pos < len(log):
            for i, p, delta in log[pos:]:
                g = groups.get((id(p.labels), p.terminating))
                if g is None:
                    g = groups[(id(p.labels), p.terminating)] = (p.labels, p.terminating, {})
                left = g[2].get(i, 0) + delta
                if left:
                    g[2][i] = left
                else:
                    del g[2][i]
            entry[0] = len(log)
        return groups

    def per_node_array(self, namespace: str, selector: Selector) -> np.ndarray:
        """:meth:`per_node` as an array over every node (zeros for an empty selector), kept current
        from the same log. Shared: callers must not modify it."""
        if selector.empty:
            zeros = self._arrays.get(None)
            if zeros is None:
                zeros = self._arrays[None] = np.zeros(len(self.nodes), dtype=np.int64)
            return zeros
        counts = self.per_node(namespace, selector)  # brings the dict up to date
        key = (namespace, selector)
        entry = self._arrays.get(key)
        log = self.state.ns_log[namespace]
        if entry is None:
            arr = np.zeros(len(self.nodes), dtype=np.int64)
            if counts:
                arr[np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))] = np.fromiter(
                    counts.values(), dtype=np.int64, count=len(counts))
            self._arrays[key] = [len(log), arr]
            return arr
        pos, arr = entry
        if pos < len(log):
            for i, p, delta in log[pos:]:
                if not p.terminating and selector.matches(p.labels):
                    arr[i] += delta
            entry[0] = len(log)
        return arr

    def domains(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Per node: an id of its value for ``key`` (a missing key shares the id of ""), and whether
        it has the key."""
        d = self._domains.get(key)
        if d is None:
            ids: dict[str, int] = {}
            dom = np.fromiter((ids.setdefault(node.labels.get(key, ""), len(ids)) for node in self.nodes),
                              dtype=np.int64, count=len(self.nodes))
            has = np.fromiter((key in node.labels for node in self.nodes), dtype=bool, count=len(self.nodes))
            d = self._domains[key] = (dom, has)
        return d

    def included(self, pod: Pod, c: Constraint) -> np.ndarray:
        s = pod.spec
        key = (c.node_affinity_policy, c.node_taints_policy, s.tolerations, s.node_selector,
               s.required_node_affinity)
        inc = self._included.get(key)
        if inc is None:
            inc = np.fromiter((_included(c, pod, node) for node in self.nodes), dtype=bool, count=len(self.nodes))
            self._included[key] = inc
        return inc

    def eligible(self, pod: Pod, constraints: list[Constraint]) -> tuple[dict[int, list[bool]], list[tuple[str, str]]]:
        """PreFilter: per node with every key, which constraints include it; and the domains counted."""
        s = pod.spec
        key = (tuple((c.key, c.node_affinity_policy, c.node_taints_policy) for c in constraints),
               s.tolerations, s.node_selector, s.required_node_affinity)
        hit = self._eligible.get(key)
        if hit is None:
            eligible: dict[int, list[bool]] = {}
            pairs: dict[tuple[str, str], None] = {}
            for node in self.nodes:
                if not _has_all_keys(node, constraints):
                    continue
                inc = [_included(c, pod, node) for c in constraints]
                eligible[node.index] = inc
                for c, ok in zip(constraints, inc, strict=True):
                    if ok:
                        pairs.setdefault((c.key, node.labels[c.key]))
            hit = self._eligible[key] = (eligible, list(pairs))
        return hit
