"""InterPodAffinity: required pod affinity / anti-affinity filter, preferred terms score.

Filter order on a node (first failure reported): the incoming pod's required affinity
(UnschedulableAndUnresolvable), its required anti-affinity, then existing pods' required
anti-affinity against it (both Unschedulable). Includes the first-pod special case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from priocli.framework import MAX_NODE_SCORE, Status, unresolvable, unschedulable
from priocli.model import LabelSelector, Node, Pod, PodAffinityTerm

NAME = "InterPodAffinity"
WEIGHT = 2
HARD_POD_AFFINITY_WEIGHT = 1
REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


@dataclass(frozen=True, slots=True)
class Term:
    """framework.AffinityTerm: namespaces, namespace selector (None = nothing), label selector."""

    namespaces: frozenset[str]
    ns_selector: LabelSelector | None
    selector: LabelSelector | None
    key: str

    def matches(self, pod: Pod, ns_labels: dict[str, str] | None) -> bool:
        if pod.namespace in self.namespaces or (
                self.ns_selector is not None and self.ns_selector.matches(ns_labels or {})):
            return self.selector is not None and self.selector.matches(pod.labels)
        return False


def make_term(owner: Pod, t: PodAffinityTerm) -> Term:
    if not t.namespaces and t.namespace_selector is None:
        namespaces = frozenset((owner.namespace,))
    else:
        namespaces = frozenset(t.namespaces)
    return Term(namespaces, t.namespace_selector, t.label_selector, t.topology_key)


def merged_term(owner: Pod, t: PodAffinityTerm, namespaces_matching: Callable[[LabelSelector], Iterable[str]]) -> Term:
    """mergeAffinityTermNamespacesIfNotEmpty: resolve a non-empty namespace selector to names."""
    term = make_term(owner, t)
    if term.ns_selector is None or term.ns_selector.is_empty():
        return term  # nothing to resolve; `{}` keeps matching every namespace
    return Term(term.namespaces | frozenset(namespaces_matching(term.ns_selector)), None, term.selector, term.key)


def terms_of(pod: Pod, terms: Sequence[PodAffinityTerm]) -> list[Term]:
    return [make_term(pod, t) for t in terms]


def _matches_all(terms: Sequence[Term], pod: Pod) -> bool:
    return bool(terms) and all(t.matches(pod, None) for t in terms)


Counts = dict[tuple[str, str], int]


def _bump(counts: Counts, node: Node, key: str, delta: int) -> None:
    value = node.labels.get(key)
    if value is None:
        return
    pair = (key, value)
    n = counts.get(pair, 0) + delta
    if n == 0:
        counts.pop(pair, None)
    else:
        counts[pair] = n


class AffinityState:
    """PreFilter state of InterPodAffinity for one incoming pod."""

    __slots__ = ("affinity", "affinity_counts", "anti", "anti_counts", "existing_anti_counts", "ns_labels", "pod")

    def __init__(self, pod: Pod, affinity: list[Term], anti: list[Term], ns_labels: dict[str, str]) -> None:
        self.pod = pod
        self.affinity = affinity
        self.anti = anti
        self.ns_labels = ns_labels
        self.affinity_counts: Counts = {}
        self.anti_counts: Counts = {}
        self.existing_anti_counts: Counts = {}

    def copy(self) -> AffinityState:
        s = AffinityState(self.pod, self.affinity, self.anti, self.ns_labels)
        s.affinity_counts = dict(self.affinity_counts)
        s.anti_counts = dict(self.anti_counts)
        s.existing_anti_counts = dict(self.existing_anti_counts)
        return s

    def add_existing(self, other: Pod, node: Node, delta: int) -> None:
        """updateWithPod: account for ``other`` being added to (+1) or removed from (-1) ``node``."""
        for t in terms_of(other, other.spec.pod_anti_affinity_required):
            if t.matches(self.pod, self.ns_labels):
                _bump(self.existing_anti_counts, node, t.key, delta)
        if _matches_all(self.affinity, other):
            for t in self.affinity:
                _bump(self.affinity_counts, node, t.key, delta)
        for t in self.anti:
            if t.matches(other, None):
                _bump(self.anti_counts, node, t.key, delta)


def pre_filter(pod: Pod, nodes: Sequence[Node], all_bound: Callable[[], Iterable[tuple[int, Pod]]],
               anti_affinity_pods: Iterable[tuple[int, Pod]], ns_labels: Callable[[str], dict[str, str]],
               namespaces_matching: Callable[[LabelSelector], Iterable[str]]) -> AffinityState | None:
    affinity = [merged_term(pod, t, namespaces_matching) for t in pod.spec.pod_affinity_required]
    anti = [merged_term(pod, t, namespaces_matching) for t in pod.spec.pod_anti_affinity_required]
    s = AffinityState(pod, affinity, anti, ns_labels(pod.namespace))
    for node_index, other in anti_affinity_pods:
        node = nodes[node_index]
        for t in terms_of(other, other.spec.pod_anti_affinity_required):
            if t.matches(pod, s.ns_labels):
                _bump(s.existing_anti_counts, node, t.key, 1)
    if affinity or anti:
        for node_index, other in all_bound():
            node = nodes[node_index]
            if _matches_all(affinity, other):
                for t in affinity:
                    _bump(s.affinity_counts, node, t.key, 1)
            for t in anti:
                if t.matches(other, None):
                    _bump(s.anti_counts, node, t.key, 1)
    if not s.existing_anti_counts and not affinity and not anti:
        return None  # Skip
    return s


def filter(s: AffinityState | None, pod: Pod, node: Node) -> Status | None:
    if s is None:
        return None
    labels = node.labels
    # Required affinity, with the first-pod exception.
    pods_exist = True
    for t in s.affinity:
        value = labels.get(t.key)
        if value is None:
            return unresolvable(NAME, REASON_AFFINITY)
        if s.affinity_counts.get((t.key, value), 0) <= 0:
            pods_exist = False
    if not pods_exist and not (not s.affinity_counts and _matches_all(s.affinity, pod)):
        return unresolvable(NAME, REASON_AFFINITY)
    if s.anti_counts:
        for t in s.anti:
            value = labels.get(t.key)
            if value is not None and s.anti_counts.get((t.key, value), 0) > 0:
                return unschedulable(NAME, REASON_ANTI_AFFINITY)
    if s.existing_anti_counts:
        for k, v in labels.items():
            if s.existing_anti_counts.get((k, v), 0) > 0:
                return unschedulable(NAME, REASON_EXISTING_ANTI_AFFINITY)
    return None


# ---------------------------------------------------------------------------- scoring


def score(pod: Pod, feasible: Sequence[Node], all_nodes: Sequence[Node],
          pods_on: Callable[[int], Iterable[Pod]], affinity_pods: Iterable[tuple[int, Pod]],
          ns_labels: Callable[[str], dict[str, str]],
          namespaces_matching: Callable[[LabelSelector], Iterable[str]]) -> list[int] | None:
    """Normalized InterPodAffinity scores for ``feasible`` (None when the plugin skips)."""
    if not feasible:
        return None
    pref_aff = [(w.weight, merged_term(pod, w.term, namespaces_matching)) for w in pod.spec.pod_affinity_preferred]
    pref_anti = [(w.weight, merged_term(pod, w.term, namespaces_matching))
                 for w in pod.spec.pod_anti_affinity_preferred]
    has_constraints = bool(pref_aff or pref_anti)
    incoming_ns_labels = ns_labels(pod.namespace)
    topo: dict[str, dict[str, int]] = {}

    def process(term: Term, weight: int, target: Pod, tns: dict[str, str] | None, node: Node, mult: int) -> None:
        if term.matches(target, tns):
            value = node.labels.get(term.key)
            if value is not None:
                d = topo.setdefault(term.key, {})
                d[value] = d.get(value, 0) + weight * mult

    if has_constraints:
        pairs: Iterable[tuple[int, Pod]] = ((n.index, p) for n in all_nodes for p in pods_on(n.index))
    else:
        pairs = affinity_pods
    for node_index, existing in pairs:
        node = all_nodes[node_index]
        if not node.labels:
            continue
        for w, t in pref_aff:
            process(t, w, existing, None, node, 1)
        for w, t in pref_anti:
            process(t, w, existing, None, node, -1)
        es = existing.spec
        for t in terms_of(existing, es.pod_affinity_required):
            process(t, HARD_POD_AFFINITY_WEIGHT, pod, incoming_ns_labels, node, 1)
        for w in es.pod_affinity_preferred:
            process(make_term(existing, w.term), w.weight, pod, incoming_ns_labels, node, 1)
        for w in es.pod_anti_affinity_preferred:
            process(make_term(existing, w.term), w.weight, pod, incoming_ns_labels, node, -1)
    if not topo:
        return None
    raw = []
    for node in feasible:
        total = 0
        for key, values in topo.items():
            v = node.labels.get(key)
            if v is not None:
                total += values.get(v, 0)
        raw.append(total)
    lo, hi = min(raw), max(raw)
    diff = hi - lo
    if diff <= 0:
        return [0] * len(raw)
    return [int(MAX_NODE_SCORE * ((r - lo) / diff)) for r in raw]
