"""One scheduling cycle of the default profile: PreFilter, Filter, Score, host selection.

Filter plugins run in kube-scheduler's order and stop at the first failing plugin per
node: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
NodeResourcesFit, (volume plugins: not modeled), PodTopologySpread, InterPodAffinity.

Two evaluation paths give the same answers:

* the *vectorized* path filters every node at once: the four static plugins (they only
  read the node object) are cached per pod "shape", NodeResourcesFit is a few numpy
  comparisons over the per-node arrays, and only pods with host ports, spread
  constraints or pod (anti-)affinity pay a per-node Python loop;
* the *node view* path (:meth:`Scheduler.filter_view`) runs the same plugins on one
  mutable :class:`~priocli.framework.NodeView`; nominated pods (two-pass filter) and
  preemption dry runs use it.

Differences from kube-scheduler, on purpose: every node is evaluated (no
percentageOfNodesToScore sampling), and score ties go to the node whose name sorts
first instead of a random one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from priocli.framework import (
    MAX_NODE_SCORE,
    NO_STATUS,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    NodeView,
    Status,
    StatusTable,
)
from priocli.model import CPU, MEMORY, LabelSelector, Node, Pod, PodSpecInfo
from priocli.plugins import (
    imagelocality,
    interpodaffinity,
    nodeaffinity,
    nodename,
    nodeports,
    noderesources,
    nodeunschedulable,
    podtopologyspread,
    tainttoleration,
)
from priocli.state import ClusterState

STATIC_FILTERS = (nodeunschedulable, nodename, tainttoleration, nodeaffinity)


@dataclass(slots=True)
class CycleState:
    """Per-cycle pre-filter results (cloned for nominated-pod passes and preemption dry runs)."""

    pod: Pod
    spread: podtopologyspread.SpreadState | None = None
    affinity: interpodaffinity.AffinityState | None = None

    def copy(self) -> CycleState:
        return CycleState(self.pod, self.spread.copy() if self.spread else None,
                          self.affinity.copy() if self.affinity else None)

    def add_pod(self, other: Pod, node: Node) -> None:
        if self.spread is not None:
            self.spread.update_with_pod(other, self.pod, node, 1)
        if self.affinity is not None:
            self.affinity.add_existing(other, node, 1)

    def remove_pod(self, other: Pod, node: Node) -> None:
        if self.spread is not None:
            self.spread.update_with_pod(other, self.pod, node, -1)
        if self.affinity is not None:
            self.affinity.add_existing(other, node, -1)


@dataclass(slots=True)
class Diagnosis:
    """Filter results for every node: a code and an interned status id per node."""

    codes: np.ndarray  # int8: SUCCESS, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, NO_STATUS
    reason_ids: np.ndarray  # int32 index into the scheduler's StatusTable, -1 for none
    prefilter_msg: str = ""
    error: str = ""  # a scheduler error (not a FitError), e.g. an unknown node in a PreFilterResult
    cycle: CycleState | None = None

    @property
    def feasible(self) -> np.ndarray:
        return np.nonzero(self.codes == SUCCESS)[0]


@dataclass(slots=True)
class ScoreBreakdown:
    nodes: np.ndarray  # the feasible node indices scored
    plugins: dict[str, np.ndarray] = field(default_factory=dict)  # plugin -> weighted score per node (int64)
    totals: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: int = 0) -> int:
    """numFeasibleNodesToFind: all nodes below 100; else the adaptive percentage (50 - nodes/125,
    at least 5%) unless percentageOfNodesToScore is set, and at least 100 nodes."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")


def node_tree_order(nodes: Sequence[Node]) -> np.ndarray:
    """The scheduler snapshot's node order (nodeTree.list): zones in the order their first node was
    added, then round-robin over zones, nodes of a zone in the order they were added."""
    zones: dict[str, list[int]] = {}
    for node in nodes:
        region = next((node.labels[k] for k in REGION_LABELS if k in node.labels), "")
        zone = next((node.labels[k] for k in ZONE_LABELS if k in node.labels), "")
        key = "" if not region and not zone else f"{region}:\x00:{zone}"
        zones.setdefault(key, []).append(node.index)
    out: list[int] = []
    columns = list(zones.values())
    depth = max((len(c) for c in columns), default=0)
    for k in range(depth):
        out.extend(c[k] for c in columns if k < len(c))
    return np.asarray(out, dtype=np.int64)


@dataclass(slots=True)
class _Static:
    spec: PodSpecInfo  # held so that its id() is not reused while cached
    codes: np.ndarray
    ids: np.ndarray
    ok_mask: np.ndarray
    ok: np.ndarray
    ok_bytes: bytes


class Scheduler:
    """The default profile over a :class:`ClusterState`."""

    def __init__(self, state: ClusterState, *,
                 default_spread_selector: Callable[[Pod], LabelSelector | None] | None = None,
                 namespace_labels: dict[str, dict[str, str]] | None = None) -> None:
        self.state = state
        self.nodes = state.nodes
        self.table = StatusTable()
        self._static: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._by_spec: dict[int, _Static] = {}
        self._soft: dict[int, tuple[PodSpecInfo, list[podtopologyspread.Constraint]]] = {}
        self._default_constraints: dict[LabelSelector, list[podtopologyspread.Constraint]] = {}
        self._static_scores: dict[tuple, np.ndarray] = {}
        self.default_spread_selector = default_spread_selector or (lambda pod: None)
        self._ns_labels = namespace_labels or {}
        names = [n.name for n in self.nodes]
        order = sorted(range(len(names)), key=names.__getitem__)
        self.name_rank = np.empty(len(names), dtype=np.int64)
        self.name_rank[order] = np.arange(len(names))
        self.nodes_by_name = order
        self.by_name = np.asarray(order, dtype=np.int64)
        self._image_spread = imagelocality.image_spread(self.nodes)
        self._has_images = bool(self._image_spread)
        self.spread_counts = podtopologyspread.SpreadCounts(state)
        self._group_terms = interpodaffinity.GroupTerms()
        # Keep per-shape filter and score results and recompute only the nodes changed since; the
        # plain path (False) recomputes everything every cycle (tests compare both).
        self.incremental = True
        self._fit_cache: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._resource_scores: dict[tuple[int, int, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # Node sampling as kube-scheduler does it (off: every node is evaluated; see sample_feasible).
        self.sampling = False
        self.next_start = 0  # nextStartNodeIndex
        self.tree_order = node_tree_order(self.nodes)

    # ---------------------------------------------------------------- namespaces

    def ns_labels(self, namespace: str) -> dict[str, str]:
        labels = self._ns_labels.get(namespace)
        if labels is None:
            labels = {"kubernetes.io/metadata.name": namespace}
        return labels

    def _pod_counts(self, namespace: str, selector: LabelSelector) -> dict[int, int]:
        """Bound pods of ``namespace`` (terminating ones too) matching ``selector``, per node
        index: InterPodAffinity's counts, kept current like PodTopologySpread's."""
        return self.spread_counts.per_node(namespace, podtopologyspread.Selector(selector), terminating=True)

    def _namespaces_with_pods(self) -> list[str]:
        return sorted(self.state.ns_pods)

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        known = set(self._ns_labels) | set(self.state.ns_pods)
        return sorted(ns for ns in known if selector.matches(self.ns_labels(ns)))

    # ---------------------------------------------------------------- static filters

    def _static_of(self, pod: Pod) -> _Static:
        """The static filters' results for the pod's spec object (specs are shared by pods of one
        template: this skips hashing the tolerations and selectors on every call)."""
        s = pod.spec
        hit = self._by_spec.get(id(s))
        if hit is not None and hit.spec is s:
            return hit
        codes, ids = self._static_result(pod)
        ok_mask = codes == SUCCESS
        st = self._by_spec[id(s)] = _Static(s, codes, ids, ok_mask, np.nonzero(ok_mask)[0], ok_mask.tobytes())
        return st

    def _static_result(self, pod: Pod) -> tuple[np.ndarray, np.ndarray]:
        s = pod.spec
        hit = self._by_spec.get(id(s))
        if hit is not None and hit.spec is s:
            return hit.codes, hit.ids
        key = (s.tolerations, s.node_selector, s.required_node_affinity, s.node_name)
        cached = self._static.get(key)
        if cached is None:
            n = len(self.nodes)
            codes = np.zeros(n, dtype=np.int8)
            ids = np.full(n, -1, dtype=np.int32)
            for node in self.nodes:
                for plugin in STATIC_FILTERS:
                    st = plugin.filter_node(pod, node)
                    if st is not None:
                        codes[node.index] = st.code
                        ids[node.index] = self.table.id(st)
                        break
            cached = (codes, ids)
            self._static[key] = cached
        return cached

    def static_ok(self, pod: Pod) -> np.ndarray:
        """Indices of the nodes that pass the static filters (the only ones that can ever fit the pod)."""
        return self._static_of(pod).ok

    def static_ok_mask(self, pod: Pod) -> np.ndarray:
        """Per node: whether it passes the pod's static filters."""
        return self._static_of(pod).ok_mask

    def static_ok_bytes(self, pod: Pod) -> bytes:
        """:meth:`static_ok_mask` as bytes (1 = passes), for cheap lookups of single nodes."""
        return self._static_of(pod).ok_bytes

    def static_status(self, pod: Pod, node_index: int) -> Status | None:
        codes, ids = self._static_result(pod)
        if codes[node_index] == SUCCESS:
            return None
        return self.table.statuses[ids[node_index]]

    # ---------------------------------------------------------------- pre-filter

    def pre_filter(self, pod: Pod) -> tuple[CycleState, set[str] | None, Status | None]:
        names, rejection = nodeaffinity.pre_filter(pod)
        cycle = CycleState(pod)
        if rejection is not None:
            return cycle, None, rejection
        state = self.state
        if pod.spec.topology_spread:
            cycle.spread = podtopologyspread.pre_filter(pod, self.nodes, self.spread_counts)
        if pod.spec.pod_affinity_required or pod.spec.pod_anti_affinity_required or state.anti_affinity_set:
            cycle.affinity = interpodaffinity.pre_filter(
                pod, self.nodes, state.all_bound_pods, state.affinity_groups_for(pod), self._group_terms,
                self._pod_counts, self._namespaces_with_pods, self.ns_labels, self.namespaces_matching,
            )
        return cycle, names, None

    # ---------------------------------------------------------------- node-view path

    def filter_view(self, pod: Pod, cycle: CycleState, view: NodeView) -> Status | None:
        """All filter plugins, in order, on one node view (no nominated pods)."""
        st = self.static_status(pod, view.node.index)
        if st is not None:
            return st
        st = nodeports.filter(pod, view)
        if st is not None:
            return st
        st = noderesources.filter(self.state, pod, view)
        if st is not None:
            return st
        st = podtopologyspread.filter(cycle.spread, pod, view.node)
        if st is not None:
            return st
        return interpodaffinity.filter(cycle.affinity, pod, view.node)

    def filter_with_nominated(self, pod: Pod, cycle: CycleState, view: NodeView) -> Status | None:
        """RunFilterPluginsWithNominatedPods: pass 1 with nominated pods of >= priority, then pass 2."""
        nominated = self.state.nominated_pods_for(view.node.index, pod)
        if nominated:
            cycle1 = cycle.copy()
            view1 = NodeView(view.node, list(view.requested), view.npods, list(view.pods), view.vec_of)
            for other in nominated:
                view1.add_pod(other)
                cycle1.add_pod(other, view.node)
            st = self.filter_view(pod, cycle1, view1)
            if st is not None:
                return st
        return self.filter_view(pod, cycle, view)

    # ---------------------------------------------------------------- vectorized path

    def find_nodes_that_fit(self, pod: Pod, only: Iterable[int] | None = None) -> Diagnosis:
        """Filter every node (or only the given node indices); statuses as kube-scheduler records them."""
        n = len(self.nodes)
        cycle, names, rejection = self.pre_filter(pod)
        if rejection is not None:
            codes = np.full(n, rejection.code, dtype=np.int8)
            ids = np.full(n, self.table.id(rejection), dtype=np.int32)
            return Diagnosis(codes, ids, prefilter_msg=rejection.reasons[0], cycle=cycle)
        state = self.state
        if (self.incremental and names is None and only is None and cycle.spread is None
                and cycle.affinity is None and not pod.spec.host_ports and pod.uid not in state.nominated_node):
            return self._fit_resource_only(pod, cycle)
        codes = np.full(n, NO_STATUS, dtype=np.int8)
        ids = np.full(n, -1, dtype=np.int32)
        if names is not None:
            missing = sorted(x for x in names if x not in self.state.node_index)
            if missing:
                return Diagnosis(codes, ids, error=f'nodeinfo not found for node name "{missing[0]}"', cycle=cycle)
            subset = np.array(sorted(self.state.node_index[x] for x in names), dtype=np.int64)
        else:
            subset = np.arange(n, dtype=np.int64)
        if only is not None:
            subset = np.intersect1d(subset, np.fromiter(only, dtype=np.int64))
        static_codes, static_ids = self._static_result(pod)
        codes[subset] = static_codes[subset]
        ids[subset] = static_ids[subset]
        alive = subset[static_codes[subset] == SUCCESS]
        if pod.spec.host_ports and alive.size:
            keep = []
            for i in alive.tolist():
                if nodeports.ports_conflict(pod.spec.host_ports, state.pods_on[i].values()):
                    codes[i] = UNSCHEDULABLE
                    ids[i] = self.table.id(nodeports.unschedulable(nodeports.NAME, nodeports.REASON))
                else:
                    keep.append(i)
            alive = np.array(keep, dtype=np.int64)
        # Nominated pods of >= priority (pass 1 of the two-pass filter): when only resources can
        # differ between the passes, pass 1 decides and is one more vector term.
        resource_only = cycle.spread is None and cycle.affinity is None and not pod.spec.host_ports
        extra = self._nominated_extra(pod, alive) if resource_only and state.nominated else None
        noderesources.filter_all(state, pod, alive, self.table, codes, ids, extra)
        alive = alive[codes[alive] == SUCCESS]
        if (cycle.spread is not None or cycle.affinity is not None) and alive.size:
            for i in alive.tolist():
                node = self.nodes[i]
                st = podtopologyspread.filter(cycle.spread, pod, node) or interpodaffinity.filter(
                    cycle.affinity, pod, node)
                if st is not None:
                    codes[i] = st.code
                    ids[i] = self.table.id(st)
        # Nodes with nominated pods of >= priority: redo them with the two-pass filter.
        if state.nominated and not resource_only:
            in_subset = set(subset.tolist()) if names is not None or only is not None else None
            for i in list(state.nominated):
                if in_subset is not None and i not in in_subset:
                    continue
                if static_codes[i] != SUCCESS or not state.nominated_pods_for(i, pod):
                    continue
                st = self.filter_with_nominated(pod, cycle, state.view(i))
                if st is None:
                    codes[i] = SUCCESS
                    ids[i] = -1
                else:
                    codes[i] = st.code
                    ids[i] = self.table.id(st)
        return Diagnosis(codes, ids, cycle=cycle)

    def sample_feasible(self, diag: Diagnosis) -> np.ndarray:
        """The feasible nodes kube-scheduler would find with node sampling (``--emulate-sampling``).

        findNodesThatPassFilters walks the nodes (the node tree's zone-interleaved order, or the
        PreFilterResult's nodes) from ``nextStartNodeIndex`` and stops once it has
        numFeasibleNodesToFind of them; the index then advances by the nodes processed. The walk
        is emulated sequentially (kube-scheduler filters 16 nodes at a time and may process a few
        more before it stops).
        """
        order = self.tree_order[diag.codes[self.tree_order] != NO_STATUS]  # the nodes filtered
        n = order.size
        if n == 0:
            return diag.feasible
        seq = np.roll(order, -(self.next_start % n))
        ok = diag.codes[seq] == SUCCESS
        want = num_feasible_nodes_to_find(n)
        found = np.cumsum(ok)
        if found[-1] >= want:
            processed = int(np.argmax(found >= want)) + 1
        else:
            processed = n
        self.next_start = (self.next_start + processed) % n
        return seq[:processed][ok[:processed]]

    def _fit_resource_only(self, pod: Pod, cycle: CycleState) -> Diagnosis:
        """find_nodes_that_fit when NodeResourcesFit is the only filter that reads the cluster state
        (no PreFilterResult, host ports, spread constraints or pod affinity in play): the static
        results, then NodeResourcesFit (pass 1 with nominated pods of >= priority, which decides)
        kept per pod shape and recomputed only on nodes changed since (``state.node_version``)."""
        state = self.state
        st = self._static_of(pod)
        key = (state.vec_pairs(pod), pod.priority)  # per node, the result depends on nothing else
        fit = self._fit_cache.get(key)
        if fit is None:
            n = len(self.nodes)
            fit = self._fit_cache[key] = (np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int8),
                                          np.full(n, -1, dtype=np.int32))
        ver, fcodes, fids = fit
        # Every changed node is redone (whole-array operations beat picking the statically
        # feasible ones first); the static results then mask them.
        stale = np.nonzero(ver != state.node_version)[0]
        if stale.size:
            ver[stale] = state.node_version[stale]
            fcodes[stale] = SUCCESS
            fids[stale] = -1
            load = state.nominated_load(pod)
            extra = (load[0][stale], load[1][stale]) if load is not None else None
            noderesources.filter_all(state, pod, stale, self.table, fcodes, fids, extra)
        return Diagnosis(np.where(st.ok_mask, fcodes, st.codes), np.where(st.ok_mask, fids, st.ids), cycle=cycle)

    def _nominated_extra(self, pod: Pod, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Requests and counts of pods nominated to ``nodes`` with priority >= the pod's, aligned
        with ``nodes``; None when there are none."""
        load = self.state.nominated_load(pod)
        if load is None:
            return None
        return load[0][nodes], load[1][nodes]

    def histogram(self, diag: Diagnosis, codes_filter: Iterable[int] = (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)
                  ) -> dict[str, int]:
        mask = np.zeros(diag.codes.size, dtype=bool)
        for code in codes_filter:
            mask |= diag.codes == code
        mask &= diag.reason_ids >= 0
        hist: dict[str, int] = {}
        if not mask.any():
            return hist
        counts = np.bincount(diag.reason_ids[mask])
        for sid in np.nonzero(counts)[0].tolist():
            for reason in self.table.statuses[sid].reasons:
                hist[reason] = hist.get(reason, 0) + int(counts[sid])
        return hist

    def status(self, diag: Diagnosis, node_index: int) -> Status | None:
        sid = int(diag.reason_ids[node_index])
        return self.table.statuses[sid] if sid >= 0 else None

    # ---------------------------------------------------------------- scoring

    def _static_score(self, key: tuple, fn: Callable[[Node], int]) -> np.ndarray:
        arr = self._static_scores.get(key)
        if arr is None:
            arr = np.fromiter((fn(node) for node in self.nodes), dtype=np.int64, count=len(self.nodes))
            self._static_scores[key] = arr
        return arr

    def score(self, pod: Pod, feasible: np.ndarray, cycle: CycleState | None = None) -> ScoreBreakdown:
        """Weighted, normalized scores of every plugin of the default profile on the feasible nodes."""
        state = self.state
        out = ScoreBreakdown(feasible)
        spec = pod.spec
        # TaintToleration (weight 3): reverse-normalized count of intolerable PreferNoSchedule taints.
        raw = self._static_score(("taint", spec.tolerations),
                                 lambda node: tainttoleration.intolerable_prefer_no_schedule(pod, node))[feasible]
        mx = int(raw.max()) if raw.size else 0
        tt = np.full(feasible.size, MAX_NODE_SCORE, dtype=np.int64) if mx == 0 else MAX_NODE_SCORE - (
            MAX_NODE_SCORE * raw // mx)
        out.plugins[tainttoleration.NAME] = tt * tainttoleration.WEIGHT
        # NodeAffinity (weight 2): preferred terms, normalized to the max.
        if spec.preferred_node_affinity:
            raw = self._static_score(("affinity", spec.preferred_node_affinity),
                                     lambda node: nodeaffinity.preferred_score(spec.preferred_node_affinity, node)
                                     )[feasible]
            mx = int(raw.max()) if raw.size else 0
            na = raw * 0 if mx == 0 else MAX_NODE_SCORE * raw // mx
            out.plugins[nodeaffinity.NAME] = na * nodeaffinity.WEIGHT
        # NodeResourcesFit (LeastAllocated) and BalancedAllocation (weight 1 each).
        least, balanced = self._resource_scores_of(pod, feasible)
        out.plugins[noderesources.NAME] = least * noderesources.FIT_WEIGHT
        out.plugins[noderesources.BALANCED_NAME] = balanced * noderesources.BALANCED_WEIGHT
        # ImageLocality (weight 1).
        if self._has_images and spec.images:
            total = len(self.nodes)
            raw = self._static_score(("image", spec.images), lambda node: imagelocality.score(
                spec.images, node, self._image_spread, total))[feasible]
            out.plugins[imagelocality.NAME] = raw * imagelocality.WEIGHT

        # PodTopologySpread (weight 2): soft constraints, or the system defaults.
        if spec.topology_spread:
            constraints = self._soft_constraints(pod)
            require_all = True
        else:
            selector = self.default_spread_selector(pod)
            constraints = self._default_constraints.get(selector) if selector is not None else None
            if constraints is None:
                constraints = podtopologyspread.default_constraints(selector)
                if selector is not None:
                    self._default_constraints[selector] = constraints
            require_all = False
        if constraints:
            sc = podtopologyspread.score(pod, constraints, require_all, feasible, self.spread_counts)
            if sc is not None:
                out.plugins[podtopologyspread.NAME] = np.asarray(sc, dtype=np.int64) * podtopologyspread.WEIGHT
        # InterPodAffinity (weight 2).
        if spec.pod_affinity_preferred or spec.pod_anti_affinity_preferred or state.affinity_set:
            feasible_nodes = [self.nodes[i] for i in feasible.tolist()]
            sc = interpodaffinity.score(pod, feasible_nodes, self.nodes, state.affinity_groups_for(pod),
                                        self._group_terms, self._pod_counts, self._namespaces_with_pods,
                                        self.ns_labels, self.namespaces_matching)
            if sc is not None:
                out.plugins[interpodaffinity.NAME] = np.asarray(sc, dtype=np.int64) * interpodaffinity.WEIGHT
        totals = np.zeros(feasible.size, dtype=np.int64)
        for values in out.plugins.values():
            totals += values
        out.totals = totals
        return out

    def _soft_constraints(self, pod: Pod) -> list[podtopologyspread.Constraint]:
        """The pod's ScheduleAnyway constraints, built once per spec (unless matchLabelKeys makes
        them depend on the pod's own labels)."""
        spec = pod.spec
        if any(c.match_label_keys for c in spec.topology_spread):
            return podtopologyspread.build_constraints(pod, "ScheduleAnyway")
        hit = self._soft.get(id(spec))
        if hit is None or hit[0] is not spec:
            hit = self._soft[id(spec)] = (spec, podtopologyspread.build_constraints(pod, "ScheduleAnyway"))
        return hit[1]

    def _resource_scores_of(self, pod: Pod, feasible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LeastAllocated and BalancedAllocation on ``feasible``: kept per (scoring and real cpu/memory
        request) and recomputed only on nodes changed since, when incremental."""
        state = self.state
        if not self.incremental:
            return (noderesources.least_allocated(state, pod, feasible),
                    noderesources.balanced_allocation(state, pod, feasible))
        s = pod.spec
        key = (s.score_cpu, s.score_mem, s.requests.get(CPU, 0), s.requests.get(MEMORY, 0))
        cached = self._resource_scores.get(key)
        if cached is None:
            n = len(self.nodes)
            cached = self._resource_scores[key] = (np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64),
                                                   np.zeros(n, dtype=np.int64))
        ver, least, balanced = cached
        stale = feasible[ver[feasible] != state.node_version[feasible]]
        if stale.size:
            ver[stale] = state.node_version[stale]
            least[stale] = noderesources.least_allocated(state, pod, stale)
            balanced[stale] = noderesources.balanced_allocation(state, pod, stale)
        return least[feasible], balanced[feasible]

    def select_host(self, pod: Pod, feasible: np.ndarray, cycle: CycleState | None = None
                    ) -> tuple[int, ScoreBreakdown | None]:
        """One feasible node: chosen without scoring. Else the highest total; ties by node name."""
        if feasible.size == 1:
            return int(feasible[0]), None
        breakdown = self.score(pod, feasible, cycle)
        totals = breakdown.totals
        best = feasible[totals == totals.max()]
        return int(best[np.argmin(self.name_rank[best])]), breakdown
