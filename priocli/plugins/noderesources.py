"""NodeResourcesFit (filter + LeastAllocated score) and NodeResourcesBalancedAllocation.

Filtering uses real requests; LeastAllocated uses the node's NonZeroRequested plus the
incoming pod's request with per-container defaults (100m / 200Mi); BalancedAllocation
uses real requests. The vectorized forms evaluate every node at once over the
:class:`~priocli.state.ClusterState` arrays; ``filter`` evaluates one :class:`NodeView`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from priocli.framework import MAX_NODE_SCORE, NodeView, Status, StatusTable, unschedulable
from priocli.model import CPU, EPHEMERAL, MEMORY, Pod
from priocli.state import ClusterState

NAME = "NodeResourcesFit"
BALANCED_NAME = "NodeResourcesBalancedAllocation"
FIT_WEIGHT = 1
BALANCED_WEIGHT = 1
TOO_MANY_PODS = "Too many pods"
BASE_COLUMNS = {CPU: 0, MEMORY: 1, EPHEMERAL: 2}


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


def zero_request(state: ClusterState, pod: Pod) -> bool:
    """The zero-request shortcut: no cpu, memory, ephemeral-storage or scalar request at all."""
    spec = pod.spec
    hit = state.zero_requests.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    reqs = spec.requests
    zero = not any(reqs.get(r, 0) for r in BASE_COLUMNS) and not any(
        k in state.res_index and k not in BASE_COLUMNS for k in reqs)
    state.zero_requests[id(spec)] = (spec, zero)  # the spec is held: its id stays unique
    return zero


def fit_reasons(state: ClusterState, pod: Pod, node: int, npods: int, requested: Sequence[int]) -> list[str]:
    """fitsRequest's failure reasons on one node with ``npods`` pods and ``requested`` per
    resource column (the node's or a view's)."""
    reasons: list[str] = []
    if npods + 1 > int(state.alloc_pods[node]):
        reasons.append(TOO_MANY_PODS)
    if not zero_request(state, pod):
        alloc = state.alloc[node]
        for i, amount in state.vec_pairs(pod):
            if amount > int(alloc[i]) - int(requested[i]):
                reasons.append(insufficient(state.resources[i]))
    return reasons


def filter(state: ClusterState, pod: Pod, view: NodeView) -> Status | None:
    """fitsRequest on one node view."""
    reasons = fit_reasons(state, pod, view.node.index, view.npods, view.requested)
    if reasons:
        return unschedulable(NAME, *reasons)
    return None


SCALAR_BELOW = 8  # fewer nodes than this are evaluated one by one (numpy's per-call cost dominates)


def filter_all(state: ClusterState, pod: Pod, candidates: np.ndarray, table: StatusTable,
               codes: np.ndarray, reason_ids: np.ndarray,
               extra: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Vectorized fitsRequest over the nodes in ``candidates`` (indices); writes failures in place.

    ``extra`` = (requests, pod counts) aligned with ``candidates`` to add first (nominated pods).
    """
    if candidates.size == 0:
        return
    if candidates.size < SCALAR_BELOW:
        for k, i in enumerate(candidates.tolist()):
            npods, req = int(state.npods[i]), state.requested[i]
            if extra is not None:
                npods, req = npods + int(extra[1][k]), req + extra[0][k]
            reasons = fit_reasons(state, pod, i, npods, req)
            if reasons:
                codes[i] = 1
                reason_ids[i] = table.id(unschedulable(NAME, *reasons))
        return
    masks = []  # (bool array over candidates, reason)
    npods = state.npods[candidates] if extra is None else state.npods[candidates] + extra[1]
    too_many = npods + 1 > state.alloc_pods[candidates]
    masks.append((too_many, TOO_MANY_PODS))
    if not zero_request(state, pod):
        alloc = state.alloc[candidates]
        req = state.requested[candidates] if extra is None else state.requested[candidates] + extra[0]
        for i, amount in state.vec_pairs(pod):
            masks.append((amount > alloc[:, i] - req[:, i], insufficient(state.resources[i])))
    fail_any = np.zeros(candidates.size, dtype=bool)
    for m, _ in masks:
        fail_any |= m
    if not fail_any.any():
        return
    # Encode the combination of failing reasons per node as a bit pattern, then intern each pattern.
    bits = np.zeros(candidates.size, dtype=np.int64)
    for k, (m, _) in enumerate(masks):
        bits |= m.astype(np.int64) << k
    failing = np.nonzero(fail_any)[0]
    idx = candidates[failing]
    codes[idx] = 1
    reason_ids[idx] = intern_patterns(bits[failing], [r for _, r in masks], table)


def intern_patterns(bits: np.ndarray, reasons: list[str], table: StatusTable) -> np.ndarray:
    """Status ids for NodeResourcesFit failures given as bit patterns over ``reasons``."""
    if len(reasons) <= 12:  # a lookup table over every pattern present: O(n), no sort
        present = np.nonzero(np.bincount(bits, minlength=1 << len(reasons)))[0]
        lut = np.full(1 << len(reasons), -1, dtype=np.int32)
        for pat in present.tolist():
            lut[pat] = table.id(unschedulable(NAME, *(r for k, r in enumerate(reasons) if pat >> k & 1)))
        return lut[bits]
    patterns, inverse = np.unique(bits, return_inverse=True)
    ids = np.array([table.id(unschedulable(NAME, *(r for k, r in enumerate(reasons) if pat >> k & 1)))
                    for pat in patterns.tolist()], dtype=np.int32)
    return ids[inverse]


def least_allocated(state: ClusterState, pod: Pod, nodes: np.ndarray) -> np.ndarray:
    """LeastAllocated over cpu and memory (weights 1, 1), NonZeroRequested + the pod's scoring request."""
    pod_req = (pod.spec.score_cpu, pod.spec.score_mem)
    if nodes.size < SCALAR_BELOW:
        return np.array([_least_allocated_one(state, pod_req, i) for i in nodes.tolist()], dtype=np.int64)
    total = np.zeros(nodes.size, dtype=np.int64)
    weight = np.zeros(nodes.size, dtype=np.int64)
    for col in (0, 1):
        alloc = state.alloc[nodes, col]
        req = state.nonzero[nodes, col] + pod_req[col]
        has = alloc != 0
        safe = np.where(has, alloc, 1)
        score = np.where(req > alloc, 0, ((alloc - req) * MAX_NODE_SCORE) // safe)
        total += np.where(has, score, 0)
        weight += has.astype(np.int64)
    return np.where(weight == 0, 0, total // np.maximum(weight, 1))


def balanced_allocation(state: ClusterState, pod: Pod, nodes: np.ndarray) -> np.ndarray:
    """BalancedAllocation over cpu and memory with real requests (float64, as kube-scheduler)."""
    reqs = pod.spec.requests
    pod_req = (reqs.get(CPU, 0), reqs.get(MEMORY, 0))
    if nodes.size < SCALAR_BELOW:
        return np.array([_balanced_one(state, pod_req, i) for i in nodes.tolist()], dtype=np.int64)
    fractions = []
    present = []
    for col in (0, 1):
        alloc = state.alloc[nodes, col]
        req = state.requested[nodes, col] + pod_req[col]
        has = alloc != 0
        f = np.where(has, req.astype(np.float64) / np.where(has, alloc, 1).astype(np.float64), 0.0)
        fractions.append(np.minimum(f, 1.0))
        present.append(has)
    both = present[0] & present[1]
    std = np.where(both, np.abs((fractions[0] - fractions[1]) / 2), 0.0)
    return ((1 - std) * MAX_NODE_SCORE).astype(np.int64)


def _least_allocated_one(state: ClusterState, pod_req: tuple[int, int], node: int) -> int:
    """:func:`least_allocated` on one node, in Python integers (the same arithmetic)."""
    total = weight = 0
    for col in (0, 1):
        alloc = int(state.alloc[node, col])
        if alloc == 0:
            continue
        req = int(state.nonzero[node, col]) + pod_req[col]
        total += 0 if req > alloc else ((alloc - req) * MAX_NODE_SCORE) // alloc
        weight += 1
    return 0 if weight == 0 else total // weight


def _balanced_one(state: ClusterState, pod_req: tuple[int, int], node: int) -> int:
    """:func:`balanced_allocation` on one node, in Python floats (IEEE doubles, as numpy's float64)."""
    fractions = []
    for col in (0, 1):
        alloc = int(state.alloc[node, col])
        if alloc == 0:
            return MAX_NODE_SCORE  # std 0 unless both resources are present
        req = int(state.requested[node, col]) + pod_req[col]
        fractions.append(min(float(req) / float(alloc), 1.0))
    return int((1 - abs((fractions[0] - fractions[1]) / 2)) * MAX_NODE_SCORE)
