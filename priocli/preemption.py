"""DefaultPreemption (the only PostFilter of the default profile), v1.29.4 semantics.

Eligibility, candidate nodes (every node whose filter status is not
UnschedulableAndUnresolvable), SelectVictimsOnNode (remove every lower-priority pod,
check the preemptor fits, then reprieve PDB-violating pods first and the rest after, each
in MoreImportantPod order), and pickOneNodeForPreemption's criteria in order. The last,
random criterion of kube-scheduler is replaced by node name order. Every potential node
is dry-run (kube-scheduler samples max(10%, 100) of them on large clusters).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from priocli.framework import (
    NO_STATUS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Status,
    StatusTable,
    format_fit_error,
    unresolvable,
    unschedulable,
)
from priocli.model import NEVER, Pod, PodDisruptionBudget
from priocli.plugins import noderesources
from priocli.scheduler import CycleState, Diagnosis, Scheduler

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
MAX_INT32_PLUS_1 = 2**31
NOW = math.inf  # GetPodStartTime of a pod without status.startTime: "now", later than any recorded time

CRITERIA = (
    "fewest PDB violations",
    "lowest priority of the first victim",
    "lowest sum of victim priorities",
    "fewest victims",
    "latest start time of the highest-priority victims",
    "node name order",
)


@dataclass(slots=True)
class Candidate:
    node: int
    victims: list[Pod]
    num_pdb_violations: int
    reprieved: list[Pod] = field(default_factory=list)
    # the reprieve loop in order (explain): (pod, PDB-violating, None if reprieved else the status that made it a victim)
    steps: list[tuple[Pod, bool, Status | None]] = field(default_factory=list)


@dataclass(slots=True)
class PreemptionResult:
    nominated_node: int | None  # the chosen node, or None
    victims: list[Pod]
    message: str  # PostFilter message ("" when a node was nominated)
    clear_nomination: bool  # the preemptor's nominatedNodeName is cleared
    candidates: list[Candidate] = field(default_factory=list)
    eliminated: dict[int, str] = field(default_factory=dict)  # node -> criterion that eliminated it
    dry_run_statuses: dict[int, Status] = field(default_factory=dict)


def _start(t: float | None) -> float:
    return NOW if t is None else t


def pdb_violation_split(pods: Sequence[Pod], pdbs: Sequence[PodDisruptionBudget],
                        matching: Callable[[Pod], Sequence[int]] | None = None) -> tuple[list[Pod], list[Pod]]:
    """filterPodsWithPDBViolation: budgets are decremented for each potential victim in order.

    ``matching(pod)`` gives the indices (into ``pdbs``) of the budgets that count for the pod
    (:meth:`PodDisruptionBudget.selects`, not listing it in disruptedPods); by default computed here.
    """
    match = matching if matching is not None else (lambda p: _matching(p, pdbs))
    flags = violation_flags([match(p) if p.labels else () for p in pods], pdbs)
    violating = [p for p, v in zip(pods, flags, strict=True) if v]
    ok = [p for p, v in zip(pods, flags, strict=True) if not v]
    return violating, ok


def violation_flags(matches: Sequence[Sequence[int]], pdbs: Sequence[PodDisruptionBudget]) -> list[bool]:
    """Per potential victim, in order, given the budgets counting it: whether it violates one
    (its budget's disruptionsAllowed, decremented for each victim before it, goes below 0)."""
    allowed: dict[int, int] = {}
    flags = []
    for idx in matches:
        violated = False
        for i in idx:
            left = allowed.get(i, pdbs[i].disruptions_allowed) - 1
            allowed[i] = left
            if left < 0:
                violated = True
        flags.append(violated)
    return flags


def _matching(pod: Pod, pdbs: Sequence[PodDisruptionBudget]) -> tuple[int, ...]:
    return tuple(i for i, pdb in enumerate(pdbs) if pdb.selects(pod) and pod.name not in pdb.disrupted_pods)


class DryRunStatuses:
    """The status each dry-run node ended with: single entries, or whole arrays of interned ids."""

    def __init__(self, table: StatusTable) -> None:
        self.table = table
        self.single: dict[int, Status] = {}
        self.bulk: list[tuple[np.ndarray, np.ndarray]] = []  # (node indices, status ids)

    def add(self, node: int, status: Status) -> None:
        self.single[node] = status

    def add_bulk(self, nodes: np.ndarray, ids: np.ndarray) -> None:
        if nodes.size:
            self.bulk.append((nodes, ids))

    def __len__(self) -> int:
        return len(self.single) + sum(n.size for n, _ in self.bulk)

    def histogram(self) -> dict[str, int]:
        hist: dict[str, int] = {}
        for st in self.single.values():
            for r in st.reasons:
                hist[r] = hist.get(r, 0) + 1
        for _, ids in self.bulk:
            counts = np.bincount(ids)
            for sid in np.nonzero(counts)[0].tolist():
                for r in self.table.statuses[sid].reasons:
                    hist[r] = hist.get(r, 0) + int(counts[sid])
        return hist

    def as_dict(self) -> dict[int, Status]:
        out = dict(self.single)
        for nodes, ids in self.bulk:
            for i, sid in zip(nodes.tolist(), ids.tolist(), strict=True):
                out[i] = self.table.statuses[sid]
        return out


NO_LOWER, NO_FIT, FITS = 0, 1, 2  # _Prescreen.kind
MIN_CANDIDATE_NODES_PERCENTAGE = 10  # DefaultPreemptionArgs defaults
MIN_CANDIDATE_NODES_ABSOLUTE = 100
TIED_CHUNK = 32  # up to this many tied nodes are reprieved without bounds
TIED_STEP = 8  # else, nodes reprieved at a time while looking for the winner among tied candidates


class _Prescreen:
    """Per node, for one preemptor shape (priority, requests): ``kind`` NO_LOWER (no lower-priority
    pod), NO_FIT (does not fit even with every lower-priority pod removed; ``status`` is the
    interned NodeResourcesFit status) or FITS; then ``top``, the priority of the lowest level whose
    removal (with every level below) fits, and ``pdb``, whether a lower-priority pod is counted by
    a PDB. ``ver`` is the node version the values were computed at (-1: never)."""

    __slots__ = ("kind", "pdb", "status", "top", "ver")

    def __init__(self, n: int) -> None:
        self.ver = np.full(n, -1, dtype=np.int64)
        self.kind = np.zeros(n, dtype=np.int8)
        self.status = np.full(n, -1, dtype=np.int32)
        self.top = np.zeros(n, dtype=np.int64)
        self.pdb = np.zeros(n, dtype=bool)


class _Reprieved:
    """Per node, for one preemptor shape: whether the reprieve loop leaves a candidate and its
    figures for pickOneNodeForPreemption's criteria 1-5, as arrays."""

    __slots__ = ("count", "is_cand", "latest", "sum", "top", "ver", "viol")

    def __init__(self, n: int) -> None:
        self.ver = np.full(n, -1, dtype=np.int64)
        self.is_cand = np.zeros(n, dtype=bool)
        self.viol = np.zeros(n, dtype=np.int64)
        self.top = np.zeros(n, dtype=np.int64)
        self.sum = np.zeros(n, dtype=np.int64)
        self.count = np.zeros(n, dtype=np.int64)
        self.latest = np.zeros(n, dtype=np.float64)


class _PerNode:
    """A value per node computed for one key, with the node version it was computed at."""

    __slots__ = ("value", "ver")

    def __init__(self, n: int, dtype: type) -> None:
        self.ver = np.full(n, -1, dtype=np.int64)
        self.value = np.zeros(n, dtype=dtype)

    def get(self, nodes: np.ndarray, versions: np.ndarray,
            compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """The values on ``nodes``, computed again where ``versions`` moved on since."""
        stale = nodes[self.ver[nodes] != versions[nodes]]
        if stale.size:
            self.value[stale] = compute(stale)
            self.ver[stale] = versions[stale]
        return self.value[nodes]


@dataclass(slots=True)
class _VictimOrder:
    version: int  # the node's pods_version when it was built or last found unchanged
    # (pod, PDB-violating, requests per resource column, priority, start time key)
    pods: list[tuple[Pod, bool, tuple[int, ...], int, float]]
    removed: list[int]  # their summed requests per resource column


class Preemptor:
    def __init__(self, scheduler: Scheduler, pdbs: Sequence[PodDisruptionBudget]) -> None:
        self.sched = scheduler
        self.state = scheduler.state
        self.pdbs = list(pdbs)
        self._pdbs_by_ns: dict[str, list[int]] = {}
        for i, pdb in enumerate(self.pdbs):
            self._pdbs_by_ns.setdefault(pdb.namespace, []).append(i)
        self._pdb_cache: dict[int, tuple[int, ...]] = {}
        self._pdb_by_labels: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[int, ...]] = {}
        self._pdb_by_labels_id: dict[tuple[str, int], tuple[dict[str, str], tuple[int, ...], bool]] = {}
        # Per namespace: PDB indices by one (key, value) of their matchLabels, and those without any.
        self._pdb_index: dict[str, tuple[dict[tuple[str, str], list[int]], list[int]]] = {}
        for ns, indices in self._pdbs_by_ns.items():
            by_label: dict[tuple[str, str], list[int]] = {}
            unindexed: list[int] = []
            for i in indices:
                sel = self.pdbs[i].selector
                if sel is not None and sel.match_labels:
                    by_label.setdefault(sel.match_labels[0], []).append(i)
                else:
                    unindexed.append(i)
            self._pdb_index[ns] = (by_label, unindexed)
        self._reprieve_cache: dict[tuple, _Reprieved] = {}
        self._prescreen_cache: dict[tuple, _Prescreen] = {}
        self._victim_orders: dict[tuple[int, int], _VictimOrder] = {}
        self._pod_info: dict[int, tuple[Pod, bool, tuple[int, ...], int, float]] = {}  # victim-order entries
        self._violating: dict[int, _PerNode] = {}
        self._help_cache: dict[tuple, _PerNode] = {}
        if self.pdbs:
            self.state.set_flag(lambda p: bool(p.labels) and bool(self.matching_pdbs(p)), self._counted_many)

    def matching_pdbs(self, pod: Pod) -> tuple[int, ...]:
        """Indices of the PDBs preemption counts for ``pod`` (labels and PDBs are fixed during a pass)."""
        labels = pod.labels
        if not labels:
            return ()
        # Pods of one template share namespace and labels (often the very dict): the selectors are
        # matched once per label set. The dict is held by the cache, so its id stays its own.
        hit = self._pdb_by_labels_id.get((pod.namespace, id(labels)))
        if hit is None or hit[0] is not labels:
            hit = self._labels_match(pod)
        if not hit[2]:
            return hit[1]
        m = self._pdb_cache.get(pod.uid)
        if m is None:  # a budget lists disrupted pods by name: those it no longer counts
            m = self._pdb_cache[pod.uid] = tuple(i for i in hit[1] if pod.name not in self.pdbs[i].disrupted_pods)
        return m

    def _counted_many(self, pods: list[Pod]) -> list[bool]:
        """Per pod, whether a PDB counts it (the state's flag), looked up once per labels dict."""
        out: list[bool] = []
        seen: dict[tuple[str, int], int] = {}  # 0: no budget, 1: some budget, 2: ask per pod
        by_id = self._pdb_by_labels_id
        for p in pods:
            labels = p.labels
            if not labels:
                out.append(False)
                continue
            key = (p.namespace, id(labels))
            v = seen.get(key)
            if v is None:
                hit = by_id.get(key)
                if hit is None or hit[0] is not labels:
                    hit = self._labels_match(p)
                v = seen[key] = 2 if hit[2] else int(bool(hit[1]))
            out.append(bool(self.matching_pdbs(p)) if v == 2 else v == 1)
        return out

    def _labels_match(self, pod: Pod) -> tuple[dict[str, str], tuple[int, ...], bool]:
        """The PDBs selecting the pod's namespace and labels, and whether one lists disrupted pods."""
        sel: tuple[int, ...] = ()
        if pod.namespace in self._pdbs_by_ns:
            key = (pod.namespace, tuple(pod.labels.items()))
            found = self._pdb_by_labels.get(key)
            if found is None:
                # Only PDBs sharing one of the pod's labels in matchLabels (or without matchLabels)
                # can select it: look those up, not every PDB of the namespace.
                found = self._pdb_by_labels[key] = tuple(i for i, pdb in self._may_select(pod) if pdb.selects(pod))
            sel = found
        hit = (pod.labels, sel, any(self.pdbs[i].disrupted_pods for i in sel))
        self._pdb_by_labels_id[(pod.namespace, id(pod.labels))] = hit
        return hit

    def pdbs_that_may_cover(self, pod: Pod) -> list[PodDisruptionBudget]:
        """The PDBs of the pod's namespace that can select it: those whose first matchLabels pair
        the pod carries, and those without matchLabels (in input order)."""
        return [pdb for _, pdb in self._may_select(pod)]

    def _may_select(self, pod: Pod) -> list[tuple[int, PodDisruptionBudget]]:
        index = self._pdb_index.get(pod.namespace)
        if index is None:
            return []
        by_label, unindexed = index
        maybe = set(unindexed)
        for item in pod.labels.items():
            maybe.update(by_label.get(item, ()))
        return [(i, self.pdbs[i]) for i in sorted(maybe)]

    # ------------------------------------------------------------------ eligibility

    def eligible(self, pod: Pod, diag: Diagnosis) -> str | None:
        """None when eligible, else the reason message."""
        if pod.preemption_policy == NEVER:
            return NOT_ELIGIBLE_NEVER
        nom = self.state.nominated_node.get(pod.uid)
        if nom is not None:
            if diag.codes[nom] == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return None
            for other in self.state.pods_on[nom].values():
                if other.priority < pod.priority and other.terminating and other.disruption_target_by_scheduler:
                    return NOT_ELIGIBLE_TERMINATING
        return None

    # ------------------------------------------------------------------ dry run

    def select_victims_on_node(self, pod: Pod, diag: Diagnosis | CycleState, node_index: int
                               ) -> Candidate | Status:
        sched = self.sched
        view = self.state.view(node_index)
        base = diag if isinstance(diag, CycleState) else diag.cycle
        assert base is not None
        cycle = base.copy()
        node = view.node
        potential = [p for p in view.pods if p.priority < pod.priority]
        if not potential:
            return unresolvable(NAME, NO_VICTIMS)
        for p in potential:
            view.remove_pod(p)
            cycle.remove_pod(p, node)
        st = sched.filter_with_nominated(pod, cycle, view)
        if st is not None:
            return st
        start_of = self.state.start_of
        # MoreImportantPod: higher priority first, then the earlier start time (stable: node order).
        potential.sort(key=lambda p: (-p.priority, _start(start_of(p))))
        violating, non_violating = pdb_violation_split(potential, self.pdbs, self.matching_pdbs)
        victims: list[Pod] = []
        reprieved: list[Pod] = []
        num_violations = 0
        steps: list[tuple[Pod, bool, Status | None]] = []
        for group, is_violating in ((violating, True), (non_violating, False)):
            for p in group:
                view.add_pod(p)
                cycle.add_pod(p, node)
                st = sched.filter_with_nominated(pod, cycle, view)
                steps.append((p, is_violating, st))
                if st is None:
                    reprieved.append(p)
                else:
                    view.remove_pod(p)
                    cycle.remove_pod(p, node)
                    victims.append(p)
                    if is_violating:
                        num_violations += 1
        if not victims:
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (f'expected at least one victim pod on node "{node.name}"',),
                          NAME)
        return Candidate(node_index, victims, num_violations, reprieved, steps)

    # ------------------------------------------------------------------ resource-only fast path

    def resources_could_help(self, pod: Pod, nodes: np.ndarray) -> bool:
        """For a resource-only pod (see :meth:`_resource_only`) on nodes that pass its static filters:
        whether it fits one of them now, or (if it may preempt) could preempt on one of them.

        Per node the answer depends only on the node (``state.node_version``) and on the pod's
        priority, requests and policy: it is kept per such shape (the pod is not nominated)."""
        state = self.state
        key = (pod.priority, state.vec_pairs(pod), pod.preemption_policy == NEVER)
        cached = self._help_cache.get(key)
        if cached is None:
            cached = self._help_cache[key] = _PerNode(len(state.nodes), bool)
        return bool(cached.get(nodes, state.node_version, lambda stale: self._could_help(pod, stale)).any())

    def _could_help(self, pod: Pod, nodes: np.ndarray) -> np.ndarray:
        state = self.state
        req, cnt = state.requested_with_nominated(pod, nodes)
        pairs = state.vec_pairs(pod)
        alloc = state.alloc[nodes]
        apods = state.alloc_pods[nodes]

        def fits(r: np.ndarray, c: np.ndarray) -> np.ndarray:
            ok = c + 1 <= apods
            for col, amount in pairs:
                ok &= amount <= alloc[:, col] - r[:, col]
            return ok

        now = fits(req, cnt)
        k = bisect.bisect_left(state.levels, pod.priority)
        if pod.preemption_policy == NEVER or k == 0:
            return now
        lower_cnt = state.level_npods[:k][:, nodes].sum(axis=0)
        lower_req = state.level_requested[:k][:, nodes, :].sum(axis=0)
        return now | (fits(req - lower_req, cnt - lower_cnt) & (lower_cnt > 0))

    def resource_only_pod(self, pod: Pod) -> bool:
        """:meth:`_resource_only` decided before PreFilter runs."""
        s = pod.spec
        return not (s.host_ports or s.topology_spread or s.pod_affinity_required or s.pod_anti_affinity_required
                    or self.state.anti_affinity_set)

    @staticmethod
    def _resource_only(pod: Pod, diag: Diagnosis) -> bool:
        """Whether NodeResourcesFit is the only filter a dry run can change for this pod: no host
        ports, and PodTopologySpread / InterPodAffinity skipped at PreFilter."""
        c = diag.cycle
        return not pod.spec.host_ports and c is not None and c.spread is None and c.affinity is None

    def _prescreen(self, pod: Pod, k: int, nodes: np.ndarray) -> _Prescreen:
        """Per node of ``nodes`` (see :class:`_Prescreen`), from the per-level sums.

        The values depend only on the node (its pods and nominations: ``state.node_version``) and
        on the preemptor's priority and requests; they are cached per (priority, requests) and
        recomputed only for nodes changed since. A nominated preemptor (its own nomination is not
        counted on its node) is computed afresh.
        """
        state = self.state
        n = len(state.nodes)
        if pod.uid in state.nominated_node:
            pre = _Prescreen(n)
            self._fill_prescreen(pod, k, nodes, pre)
            return pre
        key = (pod.priority, state.vec_pairs(pod), len(state.levels))
        pre = self._prescreen_cache.get(key)
        if pre is None:
            pre = self._prescreen_cache[key] = _Prescreen(n)
        stale = nodes[pre.ver[nodes] != state.node_version[nodes]]
        if stale.size:
            self._fill_prescreen(pod, k, stale, pre)
        return pre

    def _fill_prescreen(self, pod: Pod, k: int, nodes: np.ndarray, pre: _Prescreen) -> None:
        state, sched = self.state, self.sched
        pre.ver[nodes] = state.node_version[nodes]
        if k == 0:
            pre.kind[nodes] = NO_LOWER
            return
        if nodes.size < noderesources.SCALAR_BELOW:
            for i in nodes.tolist():
                self._fill_prescreen_one(pod, k, i, pre)
            return
        lower_req = state.level_requested[:k][:, nodes, :]
        cum_req = np.cumsum(lower_req, axis=0) if k > 1 else lower_req  # (k, n, R)
        cum_cnt = np.cumsum(state.level_npods[:k][:, nodes], axis=0)
        base_req, base_cnt = state.requested_with_nominated(pod, nodes)
        pairs = state.vec_pairs(pod)
        alloc = state.alloc[nodes]
        alloc_pods = state.alloc_pods[nodes]

        def fits(req: np.ndarray, cnt: np.ndarray) -> np.ndarray:
            ok = cnt + 1 <= alloc_pods
            for col, amount in pairs:
                ok &= amount <= alloc[:, col] - req[:, col]
            return ok

        all_removed_req = base_req - cum_req[-1]
        all_removed_cnt = base_cnt - cum_cnt[-1]
        fit_all = fits(all_removed_req, all_removed_cnt)
        kind = np.where(cum_cnt[-1] == 0, NO_LOWER, np.where(fit_all, FITS, NO_FIT)).astype(np.int8)
        pre.kind[nodes] = kind
        fail = np.nonzero(kind == NO_FIT)[0]
        if fail.size:
            # The dry run's status: NodeResourcesFit with every lower-priority pod removed.
            masks = [(all_removed_cnt[fail] + 1 > alloc_pods[fail], noderesources.TOO_MANY_PODS)]
            if not noderesources.zero_request(state, pod):
                for col, amount in pairs:
                    masks.append((amount > alloc[fail, col] - all_removed_req[fail, col],
                                  noderesources.insufficient(state.resources[col])))
            bits = np.zeros(fail.size, dtype=np.int64)
            for b, (m, _) in enumerate(masks):
                bits |= m.astype(np.int64) << b
            pre.status[nodes[fail]] = noderesources.intern_patterns(bits, [r for _, r in masks], sched.table)
        # Criterion 2 for nodes without PDB-counted lower pods: the lowest level whose removal fits.
        first_fit = np.full(nodes.size, k - 1, dtype=np.int64)
        undecided = kind == FITS
        for lv in range(k - 1):
            if not undecided.any():
                break
            ok = fits(base_req - cum_req[lv], base_cnt - cum_cnt[lv])
            first_fit[undecided & ok] = lv
            undecided &= ~ok
        levels = np.asarray(state.levels[:k], dtype=np.int64)
        pre.top[nodes] = levels[first_fit]
        pre.pdb[nodes] = state.level_flagged[:k][:, nodes].sum(axis=0) > 0

    def _fill_prescreen_one(self, pod: Pod, k: int, i: int, pre: _Prescreen) -> None:
        """:meth:`_fill_prescreen` on one node, in Python integers (the same rule, for the few nodes
        that changed since the last dry run of a shape)."""
        state = self.state
        load = state.nominated_load(pod)
        base_req = state.requested[i].tolist()
        base_cnt = int(state.npods[i])
        if load is not None:
            base_req = [a + b for a, b in zip(base_req, load[0][i].tolist(), strict=True)]
            base_cnt += int(load[1][i])
        pairs = state.vec_pairs(pod)
        alloc = state.alloc[i].tolist()
        alloc_pods = int(state.alloc_pods[i])
        level_req = state.level_requested[:k, i].tolist()
        level_cnt = state.level_npods[:k, i].tolist()
        pre.pdb[i] = bool(state.level_flagged[:k, i].any())
        pre.top[i] = state.levels[k - 1]
        if not any(level_cnt):
            pre.kind[i] = NO_LOWER
            return
        req = list(base_req)
        cnt = base_cnt
        first_fit = -1
        for lv in range(k):  # remove level after level, lowest first
            cnt -= level_cnt[lv]
            for col, amount in enumerate(level_req[lv]):
                req[col] -= amount
            if first_fit < 0 and lv < k - 1 and cnt + 1 <= alloc_pods and all(
                    amount <= alloc[col] - req[col] for col, amount in pairs):
                first_fit = lv
        if cnt + 1 <= alloc_pods and all(amount <= alloc[col] - req[col] for col, amount in pairs):
            pre.kind[i] = FITS
            pre.top[i] = state.levels[first_fit if first_fit >= 0 else k - 1]
        else:
            pre.kind[i] = NO_FIT
            reasons = noderesources.fit_reasons(state, pod, i, cnt, req)
            pre.status[i] = self.sched.table.id(unschedulable(noderesources.NAME, *reasons))

    def _dry_run_resources(self, pod: Pod, diag: Diagnosis, order: np.ndarray,
                           statuses: DryRunStatuses) -> list[Candidate]:
        """SelectVictimsOnNode for every potential node when only resources matter, and the winner of
        pickOneNodeForPreemption among them, without a per-pod dry run on nodes that cannot win.

        Exactness argument (resources only): removing every lower-priority pod either fits or not
        (vectorized over nodes, per-priority sums). On a node that has no lower-priority pod counted
        by a PDB, reprieving in MoreImportantPod order keeps every pod above the lowest level j* whose
        removal (with all levels below) already fits, and evicts at least one pod at j*: its first
        victim's priority (criterion 2) is levels[j*] and its PDB violations (criterion 1) are 0. Only
        the nodes still tied after criteria 1 and 2 (and every node with PDB-counted pods) need the
        exact reprieve loop, whose per-node figures for the remaining criteria are cached as arrays
        (:class:`_Reprieved`). Returns the winning candidate only (``[]`` when there is none).
        """
        state, sched = self.state, self.sched
        k = bisect.bisect_left(state.levels, pod.priority)
        pre = self._prescreen(pod, k, order)
        kind = pre.kind[order]
        nv_nodes = order[kind == NO_LOWER]
        statuses.add_bulk(nv_nodes, np.full(nv_nodes.size, sched.table.id(unresolvable(NAME, NO_VICTIMS)),
                                            dtype=np.int32))
        keep = kind != NO_LOWER
        # Nodes without a filter status (outside a PreFilterResult) may fail a static filter.
        static_codes, _ = sched._static_result(pod)
        for idx in np.nonzero(keep & (static_codes[order] != 0))[0].tolist():
            i = int(order[idx])
            st = sched.static_status(pod, i)
            assert st is not None
            statuses.add(i, st)
            keep[idx] = False
        fail = order[keep & (kind == NO_FIT)]
        statuses.add_bulk(fail, pre.status[fail])
        cand = order[keep & (kind == FITS)]
        if cand.size == 0:
            return []
        # Nodes needing the exact loop: lower pods that would violate a PDB, or no filter status (may
        # need no victim). PDB-counted pods within their budgets reprieve as any other pod.
        pdb = pre.pdb[cand]
        if pdb.any():
            pdb[pdb] = self._has_violating(cand[pdb], pod.priority)
        need_exact = pdb | (diag.codes[cand] == NO_STATUS)
        rep = self._reprieved(pod)
        exact = cand[need_exact]
        plain = cand[~need_exact]
        lazy = exact[:0]  # exact nodes left to _reprieve_tied, which may never need their loop
        if plain.size and exact.size:
            # A winner exists (plain nodes are candidates without PDB violations). Any node's first
            # victim is at or above its prescreen level (had every victim been below it, removing
            # all pods below it would have fitted). So a node whose level is above the best plain
            # node's cannot win on criterion 2 (nor on 1) and needs no reprieve loop; one at that
            # level can at best tie with the plain nodes there and waits with them.
            m = pre.top[plain].min()
            lazy = exact[pre.top[exact] == m]
            exact = exact[pre.top[exact] < m]
        self._reprieve_nodes(pod, exact, rep)
        is_cand = rep.is_cand[exact]
        for i in exact[~is_cand].tolist():
            statuses.add(i, self._candidate(pod, i))  # type: ignore[arg-type]
        exact = exact[is_cand]
        if plain.size == 0 and exact.size == 0:
            return []
        # Criterion 1 (fewest PDB violations): plain nodes have none.
        if plain.size == 0:
            exact = exact[rep.viol[exact] == rep.viol[exact].min()]
        else:
            exact = exact[rep.viol[exact] == 0]
        # Criterion 2 (lowest priority of the first victim).
        tops = np.concatenate([rep.top[exact], pre.top[plain]])
        best2 = int(tops.min())
        waiting = plain[pre.top[plain] == best2]
        if lazy.size and int(pre.top[lazy[0]]) == best2:
            waiting = np.concatenate([lazy, waiting])
        tied = self._reprieve_tied(pod, exact[rep.top[exact] == best2], waiting, best2, rep)
        # Criteria 3, 4, 5, then node name order.
        for figures, pick in ((rep.sum, np.min), (rep.count, np.min), (rep.latest, np.max)):
            if tied.size == 1:
                break
            values = figures[tied]
            tied = tied[values == pick(values)]
        best = int(tied[np.argmin(sched.name_rank[tied])])
        winner = self._candidate(pod, best)
        assert isinstance(winner, Candidate)
        return [winner]

    def _reprieve_tied(self, pod: Pod, exact: np.ndarray, waiting: np.ndarray, best2: int, rep: _Reprieved
                       ) -> np.ndarray:
        """Run the reprieve loop on the nodes tied after criteria 1 and 2 that can still win; returns
        the tied candidates reprieved: ``exact`` (their loop already run) and those of ``waiting``.

        ``waiting`` holds plain nodes whose first victim has priority ``best2`` and nodes with
        PDB-counted pods whose prescreen level is ``best2`` (after their loop they tie only without
        PDB violations and with their first victim at ``best2``: filtered here). Every tied
        candidate's victims are at or below ``best2``, so criterion 5 (the earliest start of its
        highest-priority victims) is at most ``ub``, the latest start of the node's pods at
        ``best2`` (``state.level_latest``). A node needs at least ``lb`` victims, from what the pod
        lacks against the largest request at ``best2`` (one victim is there) and at the levels up
        to it (the others; ``state.level_maxreq``); one of them is at ``best2`` and the others at
        the lowest priority or above, which bounds its
        criterion-3 sum from below (``sum_lb``). Waiting nodes are reprieved a chunk at a time in
        order of (sum_lb, lb, -ub, name) and the rest are left out once none of them can tie or
        beat the best on criteria 3, 4 and 5.
        """
        state = self.state

        def tied(nodes: np.ndarray) -> np.ndarray:
            return nodes[rep.is_cand[nodes] & (rep.viol[nodes] == 0) & (rep.top[nodes] == best2)]

        # Nodes whose figures are up to date count at once; only the others may need their loop.
        fresh = rep.ver[waiting] == state.node_version[waiting]
        known = np.concatenate([exact, tied(waiting[fresh])])
        waiting = waiting[~fresh]
        if waiting.size <= TIED_CHUNK:
            self._reprieve_nodes(pod, waiting, rep)
            return np.concatenate([known, tied(waiting)])
        level = state.level_index[best2]
        ub = state.level_latest[level, waiting]
        first = state.level_maxreq[level, waiting]
        others = first if level == 0 else state.level_maxreq[:level + 1, waiting].max(axis=0)
        lb = self._victims_needed(pod, waiting, first, others)
        unit = best2 + MAX_INT32_PLUS_1
        sum_lb = unit + (lb - 1) * (state.levels[0] + MAX_INT32_PLUS_1)
        order = np.lexsort((self.sched.name_rank[waiting], -ub, lb, sum_lb))
        waiting, ub, lb, sum_lb = waiting[order], ub[order], lb[order], sum_lb[order]
        # the best so far: (sum, count, -latest), smallest wins (name order is left to the caller)
        best: tuple[int, int, float] | None = None
        if known.size:
            k = int(np.lexsort((-rep.latest[known], rep.count[known], rep.sum[known]))[0])
            i = int(known[k])
            best = (int(rep.sum[i]), int(rep.count[i]), -float(rep.latest[i]))
        done = 0
        found = [known]
        while done < waiting.size:
            if best is not None:
                b_sum, b_count, b_neg_latest = best
                # This node's sum is at least n_sum and its count at least n_lb; with both as the
                # best's, criterion 5 needs a latest start above ub. The nodes after it have a
                # larger (sum_lb, lb), or the same and a smaller ub.
                n_lb, n_sum, n_ub = int(lb[done]), int(sum_lb[done]), float(ub[done])
                if n_sum > b_sum or (n_sum == b_sum and (
                        n_lb > b_count or (n_lb == b_count and n_ub < -b_neg_latest))):
                    break
            part = waiting[done:done + TIED_STEP]
            done += part.size
            self._reprieve_nodes(pod, part, rep)
            part = tied(part)
            if not part.size:
                continue
            found.append(part)
            k = int(np.lexsort((-rep.latest[part], rep.count[part], rep.sum[part]))[0])
            i = int(part[k])
            cand = (int(rep.sum[i]), int(rep.count[i]), -float(rep.latest[i]))
            if best is None or cand < best:
                best = cand
        return np.concatenate(found)

    def _victims_needed(self, pod: Pod, nodes: np.ndarray, first: np.ndarray, others: np.ndarray) -> np.ndarray:
        """A lower bound on the victims each node needs when one of them frees at most ``first`` and
        each other at most ``others`` per resource: 1 + what the pod still lacks (two-pass filter
        base, as the dry run) after the first, divided by ``others`` and rounded up; at least the
        missing pod slots."""
        state = self.state
        base_req, base_cnt = state.requested_with_nominated(pod, nodes)
        lb = np.maximum(1, base_cnt + 1 - state.alloc_pods[nodes])
        for col, amount in state.vec_pairs(pod):
            rest = amount - (state.alloc[nodes, col] - base_req[:, col]) - first[:, col]
            big = np.maximum(others[:, col], 1)
            lb = np.maximum(lb, np.where(rest > 0, 1 + (rest + big - 1) // big, 1))
        return lb

    def _has_violating(self, nodes: np.ndarray, priority: int) -> np.ndarray:
        """Per node: whether its pods below ``priority`` include PDB-violating ones (see
        :meth:`_victim_order`), kept per priority until the node's pods change."""
        state = self.state
        cached = self._violating.get(priority)
        if cached is None:
            cached = self._violating[priority] = _PerNode(len(state.nodes), bool)
        pdbs, matching, flagged_on = self.pdbs, self.matching_pdbs, state.flagged_on

        def violating(i: int) -> bool:
            # pdb_violation_split marks a pod violating when one of its budgets runs out on this
            # node: that happens iff a budget counts more of the node's lower pods than it allows.
            counts: dict[int, int] = {}
            for p in flagged_on[i].values():  # the node's pods some budget counts
                if p.priority < priority:
                    for j in matching(p):
                        c = counts.get(j, 0) + 1
                        counts[j] = c
                        if c > pdbs[j].disruptions_allowed:
                            return True
            return False

        return cached.get(nodes, state.pods_version,
                          lambda stale: np.fromiter(map(violating, stale.tolist()), dtype=bool, count=stale.size))

    def _reprieved(self, pod: Pod) -> _Reprieved:
        state = self.state
        if pod.uid in state.nominated_node:
            return _Reprieved(len(state.nodes))  # its own nomination is not counted on its node: fresh
        key = (pod.priority, state.vec_pairs(pod))
        rep = self._reprieve_cache.get(key)
        if rep is None:
            rep = self._reprieve_cache[key] = _Reprieved(len(state.nodes))
        return rep

    def _reprieve_nodes(self, pod: Pod, nodes: np.ndarray, rep: _Reprieved) -> None:
        """The reprieve loop of SelectVictimsOnNode on the nodes whose cached figures are out of date.

        The outcome depends only on the node's pods and nominations (``state.node_version``) and on
        the preemptor's priority and requests: a wave of replicas preempting over the same nodes
        re-evaluates only the nodes that changed.
        """
        state = self.state
        stale = nodes[rep.ver[nodes] != state.node_version[nodes]]
        if not stale.size:
            return
        base_req, base_cnt = state.requested_with_nominated(pod, stale)
        figures = [self._reprieve_loop(pod, i, req, cnt)[:5]
                   for i, req, cnt in zip(stale.tolist(), base_req.tolist(), base_cnt.tolist(), strict=True)]
        count, violations, top, total, latest = (np.array(col) for col in zip(*figures, strict=True))
        rep.ver[stale] = state.node_version[stale]
        rep.is_cand[stale] = count > 0
        rep.viol[stale] = violations
        rep.top[stale] = top
        rep.sum[stale] = total
        rep.count[stale] = count
        rep.latest[stale] = latest

    def _candidate(self, pod: Pod, i: int) -> Candidate | Status:
        """The reprieve loop's full result on one node (victims and reprieved pods)."""
        state = self.state
        load = state.nominated_load(pod)
        base_req = state.requested[i] if load is None else state.requested[i] + load[0][i]
        base_cnt = int(state.npods[i]) + (0 if load is None else int(load[1][i]))
        count, violations, _, _, _, lists = self._reprieve_loop(pod, i, base_req, base_cnt, collect=True)
        assert lists is not None
        if not count:
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE,
                          (f'expected at least one victim pod on node "{state.nodes[i].name}"',), NAME)
        return Candidate(i, lists[0], violations, lists[1])

    def _start_time(self, pod: Pod) -> float:
        return _start(self.state.start_of(pod))

    def _dry_run_sampled(self, pod: Pod, diag: Diagnosis, potential_mask: np.ndarray,
                         statuses: DryRunStatuses) -> list[Candidate]:
        """DryRunPreemption with kube-scheduler's candidate limit (``--emulate-sampling``): the
        potential nodes in the snapshot's order from offset 0 (kube-scheduler: a random offset),
        stopping once there is a candidate without PDB violations and max(10%, 100) candidates in
        all (at most every potential node). Returns the candidates in node name order."""
        tree = self.sched.tree_order
        potential = tree[potential_mask[tree]]
        want = min(max(potential.size * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE),
                   potential.size)
        candidates: list[Candidate] = []
        non_violating = 0
        for i in potential.tolist():
            res = self.select_victims_on_node(pod, diag, i)
            if isinstance(res, Candidate):
                candidates.append(res)
                non_violating += res.num_pdb_violations == 0
                if non_violating and len(candidates) >= want:
                    break
            else:
                statuses.add(i, res)
        candidates.sort(key=lambda c: self.sched.name_rank[c.node])
        return candidates

    def _victim_order(self, i: int, priority: int) -> _VictimOrder:
        """The node's pods below ``priority`` in reprieve order (PDB-violating first, each group in
        MoreImportantPod order) with their requests; cached per (node, priority) until a pod below
        that priority is bound to the node or leaves it."""
        state = self.state
        version = int(state.pods_version[i])
        hit = self._victim_orders.get((i, priority))
        if hit is not None and (hit.version == version or not state.changed_below(i, hit.version, priority)):
            hit.version = version  # only pods of >= priority came or went: the order is the same
            return hit
        info = self._pod_info
        potential = []
        for p in state.pods_on[i].values():
            if p.priority < priority:
                t = info.get(p.uid)
                if t is None:  # fixed while the pod is bound: requests, priority, start
                    t = info[p.uid] = (p, False, state.vec_tuple(p), p.priority, state.start_key(p))
                potential.append(t)
        potential.sort(key=lambda t: (-t[3], t[4]))  # MoreImportantPod
        pods = potential
        if any(p.priority < priority for p in state.flagged_on[i].values()):  # a budget counts one of them
            flags = violation_flags([self.matching_pdbs(t[0]) if t[0].labels else () for t in potential], self.pdbs)
            if any(flags):
                pods = [(t[0], True, t[2], t[3], t[4]) for t, v in zip(potential, flags, strict=True) if v]
                pods += [t for t, v in zip(potential, flags, strict=True) if not v]
        removed = [sum(col) for col in zip(*(e[2] for e in pods), strict=True)] if pods else (
            [0] * len(state.resources))
        order = _VictimOrder(version, pods, removed)
        self._victim_orders[(i, priority)] = order
        return order

    def _reprieve_loop(self, pod: Pod, i: int, base_req: Sequence[int], base_cnt: int, *, collect: bool = False
                       ) -> tuple[int, int, int, int, float, tuple[list[Pod], list[Pod]] | None]:
        """SelectVictimsOnNode's reprieve loop when only NodeResourcesFit can change: with every
        lower-priority pod removed the pod fits; add them back in order, keeping each that still fits.

        Returns the figures of pickOneNodeForPreemption: number of victims (0: no candidate), PDB
        violations, priority of the first victim, sum of (priority + 2^31), the earliest start of
        the highest-priority victims; and (victims, reprieved) when ``collect``.
        """
        state = self.state
        pairs = state.vec_pairs(pod)
        order = self._victim_order(i, pod.priority)
        cols = [col for col, _ in pairs]
        # What is left for the victims to take back: allocatable - requested (without them) - the pod.
        room = [int(state.alloc[i, col]) - (int(base_req[col]) - order.removed[col]) - amount
                for col, amount in pairs]
        slots = int(state.alloc_pods[i]) - (base_cnt - len(order.pods)) - 1
        victims: list[Pod] = []
        reprieved: list[Pod] = []
        taken: list[tuple[bool, int, float]] = []  # (PDB-violating, priority, start) of each victim
        n = len(cols)
        if n == 2 and not collect:  # the common case (cpu and memory), without the general loop's costs
            c0, c1 = cols
            r0, r1 = room
            for _, is_violating, req, priority, start in order.pods:
                if slots >= 1 and req[c0] <= r0 and req[c1] <= r1:
                    slots -= 1
                    r0 -= req[c0]
                    r1 -= req[c1]
                else:
                    taken.append((is_violating, priority, start))
            return (*_figures(taken), None)
        for p, is_violating, req, priority, start in order.pods:
            if slots >= 1 and all(req[cols[k]] <= room[k] for k in range(n)):
                slots -= 1
                for k in range(n):
                    room[k] -= req[cols[k]]
                if collect:
                    reprieved.append(p)
                continue
            if collect:
                victims.append(p)
            taken.append((is_violating, priority, start))
        return (*_figures(taken), (victims, reprieved) if collect else None)

    # ------------------------------------------------------------------ the whole PostFilter

    def preempt(self, pod: Pod, diag: Diagnosis, *, exact: bool = False) -> PreemptionResult:
        """DefaultPreemption's PostFilter. ``exact`` forces the node-view dry run on every potential
        node (it also records every candidate and why the others lost, for ``explain``); otherwise
        resource-only preemptors take the vectorized path, which decides identically but reports
        only the winning candidate."""
        reason = self.eligible(pod, diag)
        if reason is not None:
            return PreemptionResult(None, [], f"preemption: {reason}", clear_nomination=False)
        codes = diag.codes
        uu = np.nonzero(codes == UNSCHEDULABLE_AND_UNRESOLVABLE)[0]
        potential_mask = (codes == UNSCHEDULABLE) | (codes == NO_STATUS)
        potential = np.nonzero(potential_mask)[0]
        statuses = DryRunStatuses(self.sched.table)
        not_helpful = unresolvable(NAME, NOT_HELPFUL)
        if potential.size == 0:
            msg = format_fit_error(len(uu), {NOT_HELPFUL: len(uu)} if len(uu) else {})
            return PreemptionResult(None, [], f"preemption: {msg}", clear_nomination=True)
        by_name = self.sched.by_name
        order = by_name[potential_mask[by_name]]  # potential nodes in node name order
        candidates: list[Candidate] = []
        if self.sched.sampling:
            candidates = self._dry_run_sampled(pod, diag, potential_mask, statuses)
        elif not exact and self._resource_only(pod, diag):
            candidates = self._dry_run_resources(pod, diag, order, statuses)
        else:
            for i in order.tolist():
                res = self.select_victims_on_node(pod, diag, i)
                if isinstance(res, Candidate):
                    candidates.append(res)
                else:
                    statuses.add(i, res)
        if not candidates:
            hist = statuses.histogram()
            if len(uu):
                hist[NOT_HELPFUL] = hist.get(NOT_HELPFUL, 0) + len(uu)
            msg = format_fit_error(len(statuses) + len(uu), hist)
            res = PreemptionResult(None, [], f"preemption: {msg}", clear_nomination=True)
            if exact:  # every node's dry-run status, for explain
                res.dry_run_statuses = statuses.as_dict()
                for i in uu.tolist():
                    res.dry_run_statuses[i] = not_helpful
            return res
        best, eliminated = pick_one_node(candidates, lambda p: _start(self.state.start_of(p)))
        return PreemptionResult(best.node, best.victims, "", clear_nomination=False, candidates=candidates,
                                eliminated=eliminated, dry_run_statuses=statuses.as_dict() if exact else {})


def _figures(victims: list[tuple[bool, int, float]]) -> tuple[int, int, int, int, float]:
    """pickOneNodeForPreemption's figures of a node's victims, given as (PDB-violating, priority,
    start) in victim order: their number, PDB violations, the first one's priority, the sum of
    (priority + 2^31), and the earliest start among those of the highest priority."""
    if not victims:
        return 0, 0, 0, 0, math.inf
    highest = max(p for _, p, _ in victims)
    return (len(victims), sum(v for v, _, _ in victims), victims[0][1],
            sum(p for _, p, _ in victims) + len(victims) * MAX_INT32_PLUS_1,
            min(t for _, p, t in victims if p == highest))


def _earliest_start_of_highest(victims: Sequence[Pod], start_time: Callable[[Pod], float]) -> float:
    """GetEarliestPodStartTime: earliest start among the victims of the highest priority."""
    top = victims[0].priority
    earliest = start_time(victims[0])
    for p in victims:
        if p.priority == top:
            earliest = min(earliest, start_time(p))
        elif p.priority > top:
            top = p.priority
            earliest = start_time(p)
    return earliest


def pick_one_node(candidates: list[Candidate], start_time: Callable[[Pod], float]
                  ) -> tuple[Candidate, dict[int, str]]:
    """pickOneNodeForPreemption; candidates arrive in node name order, which breaks the final tie."""
    scores = (
        lambda c: -c.num_pdb_violations,
        lambda c: -c.victims[0].priority,  # v1.29.4: victims[0], the first PDB-violating victim if any
        lambda c: -sum(p.priority + MAX_INT32_PLUS_1 for p in c.victims),
        lambda c: -len(c.victims),
        lambda c: _earliest_start_of_highest(c.victims, start_time),
    )
    eliminated: dict[int, str] = {}
    remaining = list(candidates)
    for criterion, fn in zip(CRITERIA, scores, strict=False):
        if len(remaining) == 1:
            break
        values = [fn(c) for c in remaining]
        best = max(values)
        keep = []
        for c, v in zip(remaining, values, strict=True):
            if v == best:
                keep.append(c)
            else:
                eliminated[c.node] = criterion
        remaining = keep
    for c in remaining[1:]:
        eliminated[c.node] = CRITERIA[-1]
    return remaining[0], eliminated
