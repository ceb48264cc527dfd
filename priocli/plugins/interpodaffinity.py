"""InterPodAffinity: required pod affinity / anti-affinity filter, preferred terms score.

Filter order on a node (first failure reported): the incoming pod's required affinity
(UnschedulableAndUnresolvable), its required anti-affinity, then existing pods' required
anti-affinity against it (both Unschedulable). Includes the first-pod special case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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


class GroupTerms:
    """The terms of the bound pods of a group (one namespace and spec: see ``ClusterState.
    affinity_groups``), made once per group: required anti-affinity, required affinity, and the
    preferred affinity and anti-affinity terms with their weights. Held with the group's pod, so
    the spec's id stays its own."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[Pod, list[Term], list[Term], list[tuple[int, Term]],
                                                 list[tuple[int, Term]]]] = {}

    def of(self, rep: Pod) -> tuple[list[Term], list[Term], list[tuple[int, Term]], list[tuple[int, Term]]]:
        key = (rep.namespace, id(rep.spec))
        hit = self._cache.get(key)
        if hit is None or hit[0].spec is not rep.spec:
            s = rep.spec
            hit = self._cache[key] = (rep, terms_of(rep, s.pod_anti_affinity_required),
                                      terms_of(rep, s.pod_affinity_required),
                                      [(w.weight, make_term(rep, w.term)) for w in s.pod_affinity_preferred],
                                      [(w.weight, make_term(rep, w.term)) for w in s.pod_anti_affinity_preferred])
        return hit[1], hit[2], hit[3], hit[4]


# Bound pods of a namespace matching a label selector, terminating ones included, per node index.
PodCounts = Callable[[str, LabelSelector], Mapping[int, int]]
# Bound pods with pod (anti-)affinity grouped by namespace and spec: one of them, and the group's pods per node.
Groups = Iterable[tuple[Pod, Mapping[int, int]]]


def _matching_counts(t: Term, counts: PodCounts, namespaces: Callable[[], Iterable[str]]) -> Iterable[Mapping[int, int]]:
    """Per namespace ``t`` covers, the bound pods it selects per node (what ``t.matches(other,
    None)`` holds for, counted)."""
    if t.selector is None:
        return
    if t.ns_selector is not None and t.ns_selector.matches({}):
        names: Iterable[str] = namespaces()  # `{}`: every namespace
    else:
        names = sorted(t.namespaces)
    for ns in names:
        yield counts(ns, t.selector)


def _bump_all(dest: Counts, nodes: Sequence[Node], key: str, per_node: Mapping[int, int]) -> None:
    for node_index, n in per_node.items():
        _bump(dest, nodes[node_index], key, n)


def pre_filter(pod: Pod, nodes: Sequence[Node], all_bound: Callable[[], Iterable[tuple[int, Pod]]],
               groups: Groups, group_terms: GroupTerms, counts: PodCounts, namespaces: Callable[[], Iterable[str]],
               ns_labels: Callable[[str], dict[str, str]],
               namespaces_matching: Callable[[LabelSelector], Iterable[str]]) -> AffinityState | None:
    """PreFilter: the existing pods' anti-affinity terms matching the pod, and the bound pods its
    own required terms select, counted per topology pair. Pods are counted in groups (``groups``:
    pods sharing namespace and spec; ``counts``: pods selected by a term's selector), not one by one;
    only several required affinity terms (a pod must match them all) read every bound pod."""
    affinity = [merged_term(pod, t, namespaces_matching) for t in pod.spec.pod_affinity_required]
    anti = [merged_term(pod, t, namespaces_matching) for t in pod.spec.pod_anti_affinity_required]
    s = AffinityState(pod, affinity, anti, ns_labels(pod.namespace))
    for rep, per_node in groups:
        for t in group_terms.of(rep)[0]:
            if t.matches(pod, s.ns_labels):
                _bump_all(s.existing_anti_counts, nodes, t.key, per_node)
    if len(affinity) > 1:
        for node_index, other in all_bound():
            if _matches_all(affinity, other):
                for t in affinity:
                    _bump(s.affinity_counts, nodes[node_index], t.key, 1)
    else:
        for t in affinity:
            for per_node in _matching_counts(t, counts, namespaces):
                _bump_all(s.affinity_counts, nodes, t.key, per_node)
    for t in anti:
        for per_node in _matching_counts(t, counts, namespaces):
            _bump_all(s.anti_counts, nodes, t.key, per_node)
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


def score(pod: Pod, feasible: Sequence[Node], all_nodes: Sequence[Node], groups: Groups, group_terms: GroupTerms,
          counts: PodCounts, namespaces: Callable[[], Iterable[str]], ns_labels: Callable[[str], dict[str, str]],
          namespaces_matching: Callable[[LabelSelector], Iterable[str]]) -> list[int] | None:
    """Normalized InterPodAffinity scores for ``feasible`` (None when the plugin skips).

    The incoming pod's preferred terms count the bound pods they select (``counts``); the terms of
    bound pods with affinity are read once per group of pods sharing namespace and spec
    (``groups``), weighted by the group's pods per node: the same sums as pod by pod."""
    if not feasible:
        return None
    pref_aff = [(w.weight, merged_term(pod, w.term, namespaces_matching)) for w in pod.spec.pod_affinity_preferred]
    pref_anti = [(w.weight, merged_term(pod, w.term, namespaces_matching))
                 for w in pod.spec.pod_anti_affinity_preferred]
    incoming_ns_labels = ns_labels(pod.namespace)
    topo: dict[str, dict[str, int]] = {}

    def add(key: str, per_node: Mapping[int, int], amount: int) -> None:
        for node_index, n in per_node.items():
            value = all_nodes[node_index].labels.get(key)
            if value is not None:
                d = topo.setdefault(key, {})
                d[value] = d.get(value, 0) + amount * n

    for terms, mult in ((pref_aff, 1), (pref_anti, -1)):
        for w, t in terms:
            for per_node in _matching_counts(t, counts, namespaces):
                add(t.key, per_node, w * mult)
    for rep, per_node in groups:
        _, required, preferred, preferred_anti = group_terms.of(rep)
        for t in required:
            if t.matches(pod, incoming_ns_labels):
                add(t.key, per_node, HARD_POD_AFFINITY_WEIGHT)
        for weight, t in preferred:
            if t.matches(pod, incoming_ns_labels):
                add(t.key, per_node, weight)
        for weight, t in preferred_anti:
            if t.matches(pod, incoming_ns_labels):
                add(t.key, per_node, -weight)
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
