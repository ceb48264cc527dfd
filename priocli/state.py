"""ClusterState: what is bound where, with per-node resource totals kept in integer arrays.

Resources are columns of int64 arrays (cpu in millicores, the rest in base units), so
that NodeResourcesFit and the resource scores evaluate every node with a few vector
operations. Binding and removing a pod update the totals incrementally.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from priocli.framework import NodeView
from priocli.model import CPU, EPHEMERAL, MEMORY, PODS, Node, Pod, PodSpecInfo

BASE_RESOURCES = (CPU, MEMORY, EPHEMERAL)
HOSTNAME = "kubernetes.io/hostname"


def is_scalar_resource(name: str) -> bool:
    """schedutil.IsScalarResourceName: extended, hugepages, attachable-volumes, prefixed native."""
    if name.startswith(("hugepages-", "attachable-volumes-")):
        return True
    if "kubernetes.io/" in name:
        return True
    return "/" in name and not name.startswith("requests.")


def resource_names(nodes: Iterable[Node], pods: Iterable[Pod]) -> list[str]:
    """cpu, memory, ephemeral-storage, then every scalar resource seen, sorted."""
    scalars: set[str] = set()
    for n in nodes:
        scalars.update(k for k in n.allocatable if is_scalar_resource(k))
    seen: set[int] = set()  # pods of one template share their spec: read each spec once
    for p in pods:
        if id(p.spec) not in seen:
            seen.add(id(p.spec))
            scalars.update(k for k in p.spec.requests if is_scalar_resource(k))
    return [*BASE_RESOURCES, *sorted(scalars)]


class ClusterState:
    """Nodes, the pods bound to them and the pods nominated to them."""

    def __init__(self, nodes: list[Node], resources: list[str], priorities: Iterable[int] = ()) -> None:
        self.nodes = nodes
        self.node_index = {n.name: n.index for n in nodes}
        self.resources = resources
        self.res_index = {r: i for i, r in enumerate(resources)}
        n, r = len(nodes), len(resources)
        self.alloc = np.zeros((n, r), dtype=np.int64)
        self.alloc_pods = np.zeros(n, dtype=np.int64)
        for node in nodes:
            for k, v in node.allocatable.items():
                if k == PODS:
                    self.alloc_pods[node.index] = v
                elif k in self.res_index:
                    self.alloc[node.index, self.res_index[k]] = v
        self.requested = np.zeros((n, r), dtype=np.int64)
        self.nonzero = np.zeros((n, 2), dtype=np.int64)  # NonZeroRequested cpu, memory
        self.npods = np.zeros(n, dtype=np.int64)
        self.pods_on: list[dict[int, Pod]] = [{} for _ in nodes]
        self.where: dict[int, int] = {}  # pod uid -> node index
        self.ns_pods: dict[str, dict[int, Pod]] = {}  # namespace -> bound pods (spread/affinity counting)
        self.anti_affinity_set: dict[int, Pod] = {}  # bound pods with required anti-affinity terms
        self.affinity_set: dict[int, Pod] = {}  # bound pods with any pod (anti-)affinity
        # the same, grouped by namespace and spec: one of the pods (it holds the spec, so its id stays
        # unique) and the group's pods per node. Their terms are the same: InterPodAffinity reads a
        # group's terms once per incoming pod, and only those that can select a pod of its namespace.
        self.affinity_groups: dict[tuple[str, int], tuple[Pod, dict[int, int]]] = {}
        # the groups by what their terms can select: (namespace, one label pair the selector requires,
        # or None), where a term without namespaces selects in its own and one with a namespace
        # selector in any (namespace None)
        self._affinity_by_target: dict[tuple[str | None, tuple[str, str] | None],
                                       dict[tuple[str, int], tuple[Pod, dict[int, int]]]] = {}
        self.nominated: dict[int, dict[int, Pod]] = {}  # node index -> uid -> pod
        self.nominated_node: dict[int, int] = {}  # pod uid -> node index
        self._nominated_load: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}  # see nominated_load
        self.zero_requests: dict[int, tuple[PodSpecInfo, bool]] = {}  # see noderesources.zero_request
        self._vec_cache: dict[int, tuple[tuple[tuple[int, int], ...], np.ndarray, tuple[int, ...], PodSpecInfo]] = {}
        self.version = 0  # bumped on every change, for caches
        # Bumped by every change that can free room for a pod: a pod leaving a node, a nomination
        # withdrawn (or moved to another node by its pod binding elsewhere). Bindings and new
        # nominations only ever take room; see simulator._Pass for why this matters.
        self.free_events = 0
        # Bound pods whose required anti-affinity spans more than their own node (a topology key
        # other than a unique hostname): removing one can open other nodes of its domain.
        hostnames = [nd.labels.get(HOSTNAME) for nd in nodes]
        self.hostname_unique = None not in hostnames and len(set(hostnames)) == len(hostnames)
        self.wide_anti_affinity = 0
        self.node_free = np.zeros(n, dtype=np.int64)  # per node: free_events of its last freeing change
        self.free_log: list[int] = []  # the node of each freeing change: free_log[k - 1] for free_events k
        self.node_version = np.zeros(n, dtype=np.int64)  # per node: bumped on any change to it
        self.pods_version = np.zeros(n, dtype=np.int64)  # per node: bumped when a pod is bound to it or leaves it
        # per node: (pods_version after, priority) of each binding or removal since the input's
        self.pod_changes: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        # Per priority level (sorted distinct priorities): requests and pod counts per node, so that
        # "what would removing every pod below priority p free" is a few array sums (preemption).
        self.levels = sorted(set(priorities))
        self.level_index = {p: i for i, p in enumerate(self.levels)}
        self.level_requested = np.zeros((len(self.levels), n, r), dtype=np.int64)
        self.level_npods = np.zeros((len(self.levels), n), dtype=np.int64)
        self.level_flagged = np.zeros((len(self.levels), n), dtype=np.int64)
        # ... and the latest start time (GetPodStartTime; no startTime = +inf) of its pods, -inf if none
        self.level_latest = np.full((len(self.levels), n), -np.inf, dtype=np.float64)
        # ... and the largest request of its pods per resource (a bound on how many must go)
        self.level_maxreq = np.zeros((len(self.levels), n, r), dtype=np.int64)
        self.flag: Callable[[Pod], bool] | None = None  # e.g. "a PDB counts this pod" (preemption)
        self.flag_many: Callable[[list[Pod]], list[bool]] | None = None
        self.flagged_on: list[dict[int, Pod]] = [{} for _ in range(n)]  # per node, its pods with the flag
        self.bound_start: dict[int, float] = {}  # start times of pods bound during the pass
        # Per namespace: bumped whenever one of its pods is bound, removed, nominated or loses its
        # nomination (PodTopologySpread counts only pods of the incoming pod's namespace).
        self.ns_version: dict[str, int] = {}
        # Per namespace, once someone counts its pods (PodTopologySpread): every binding (+1) and
        # removal (-1) since, as (node index, pod, delta), so counts are updated, not recomputed.
        self.ns_log: dict[str, list[tuple[int, Pod, int]]] = {}

    def start_of(self, pod: Pod) -> float | None:
        """status.startTime: the input's, or the simulated one for pods bound during the pass."""
        return self.bound_start.get(pod.uid, pod.start_time)

    def start_key(self, pod: Pod) -> float:
        """GetPodStartTime as preemption compares it: a pod without a start time started "now",
        later than any recorded time (+inf)."""
        t = self.bound_start.get(pod.uid, pod.start_time)
        return math.inf if t is None else t

    # ------------------------------------------------------------------ vectors

    def _vectors(self, pod: Pod) -> tuple[tuple[tuple[int, int], ...], np.ndarray, tuple[int, ...], PodSpecInfo]:
        key = id(pod.spec)
        v = self._vec_cache.get(key)
        if v is None or v[3] is not pod.spec:
            arr = np.zeros(len(self.resources), dtype=np.int64)
            pairs = []
            for name, amount in pod.spec.requests.items():
                i = self.res_index.get(name)
                if i is not None and amount:
                    arr[i] = amount
                    pairs.append((i, amount))
            v = (tuple(pairs), arr, tuple(arr.tolist()), pod.spec)  # the spec is held: its id stays unique
            self._vec_cache[key] = v
        return v

    def vec_pairs(self, pod: Pod) -> tuple[tuple[int, int], ...]:
        """The pod's non-zero requests as (resource column, amount) pairs."""
        return self._vectors(pod)[0]

    def vec(self, pod: Pod) -> np.ndarray:
        return self._vectors(pod)[1]

    def vec_tuple(self, pod: Pod) -> tuple[int, ...]:
        """The pod's requests per resource column, as a tuple of ints."""
        return self._vectors(pod)[2]

    # ------------------------------------------------------------------ binding

    def _level(self, pod: Pod) -> int:
        lv = self.level_index.get(pod.priority)
        if lv is None:  # a priority not announced up front: rebuild the level arrays
            self.levels = sorted({*self.levels, pod.priority})
            self.level_index = {p: i for i, p in enumerate(self.levels)}
            n, r = self.requested.shape
            self.level_requested = np.zeros((len(self.levels), n, r), dtype=np.int64)
            self.level_npods = np.zeros((len(self.levels), n), dtype=np.int64)
            self.level_latest = np.full((len(self.levels), n), -np.inf, dtype=np.float64)
            self.level_maxreq = np.zeros((len(self.levels), n, r), dtype=np.int64)
            self._rebuild_levels()
            lv = self.level_index[pod.priority]
        return lv

    def _rebuild_levels(self) -> None:
        self.level_requested[:] = 0
        self.level_npods[:] = 0
        self.level_flagged = np.zeros_like(self.level_npods)
        for on in self.flagged_on:
            on.clear()
        self.level_latest[:] = -np.inf
        self.level_maxreq[:] = 0
        for i, p in self.all_bound_pods():
            k = self.level_index[p.priority]
            np.maximum(self.level_maxreq[k, i], self.vec(p), out=self.level_maxreq[k, i])
            self.level_requested[k, i] += self.vec(p)
            self.level_npods[k, i] += 1
            self.level_latest[k, i] = max(self.level_latest[k, i], self.start_key(p))
            if self.flag is not None and self.flag(p):
                self.level_flagged[k, i] += 1
                self.flagged_on[i][p.uid] = p

    def set_flag(self, flag: Callable[[Pod], bool], flag_many: Callable[[list[Pod]], list[bool]] | None = None
                 ) -> None:
        """Count, per node and priority level, the bound pods for which ``flag`` holds
        (``flag_many``: the same for many pods at once, for :meth:`bind_all`)."""
        self.flag = flag
        self.flag_many = flag_many
        self._rebuild_levels()

    def bind(self, pod: Pod, node_index: int) -> None:
        lv = self._level(pod)
        self.requested[node_index] += self.vec(pod)
        self.level_requested[lv, node_index] += self.vec(pod)
        self.level_npods[lv, node_index] += 1
        start = self.start_key(pod)
        if start > self.level_latest[lv, node_index]:
            self.level_latest[lv, node_index] = start
        np.maximum(self.level_maxreq[lv, node_index], self.vec(pod), out=self.level_maxreq[lv, node_index])
        if self.flag is not None and self.flag(pod):
            self.level_flagged[lv, node_index] += 1
            self.flagged_on[node_index][pod.uid] = pod
        self.nonzero[node_index, 0] += pod.spec.nonzero_cpu
        self.nonzero[node_index, 1] += pod.spec.nonzero_mem
        self.npods[node_index] += 1
        self.node_version[node_index] += 1
        self.pods_version[node_index] += 1
        self.pod_changes[node_index].append((int(self.pods_version[node_index]), pod.priority))
        self._placed(pod, node_index)
        self.version += 1

    def _placed(self, pod: Pod, node_index: int) -> None:
        """The per-pod bookkeeping of a binding (the per-node totals are the caller's)."""
        self.pods_on[node_index][pod.uid] = pod
        self.where[pod.uid] = node_index
        ns = self.ns_pods.get(pod.namespace)
        if ns is None:
            ns = self.ns_pods[pod.namespace] = {}
        ns[pod.uid] = pod
        if pod.spec.pod_anti_affinity_required:
            self.anti_affinity_set[pod.uid] = pod
            if self.wide_anti(pod):
                self.wide_anti_affinity += 1
        if _has_affinity(pod):
            self.affinity_set[pod.uid] = pod
            key = (pod.namespace, id(pod.spec))
            group = self.affinity_groups.get(key)
            if group is None:
                group = self.affinity_groups[key] = (pod, {})
                for target in _term_targets(pod):
                    self._affinity_by_target.setdefault(target, {})[key] = group
            group[1][node_index] = group[1].get(node_index, 0) + 1
        if pod.uid in self.nominated_node:
            nom = self._drop_nomination(pod)
            if nom is not None and nom != node_index:
                self._freed(nom)  # its reservation on another node is released
        self._ns_changed(pod.namespace)
        log = self.ns_log.get(pod.namespace)
        if log is not None:
            log.append((node_index, pod, 1))

    def bind_all(self, placed: list[tuple[Pod, int]]) -> None:
        """Bind many pods at once (the input's running pods): the same state as :meth:`bind` one by
        one, with the per-node totals summed in bulk (requests looked up once per pod spec)."""
        if not placed:
            return
        for pod, _ in placed:
            self._level(pod)  # every priority has its level before the arrays are indexed
        m = len(placed)
        level_index, bound_start = self.level_index, self.bound_start
        rows: dict[int, int] = {}
        specs: list[Pod] = []  # one pod per spec, in first-seen order
        row_of = np.empty(m, dtype=np.int64)
        lvs = np.empty(m, dtype=np.int64)
        starts = np.empty(m, dtype=np.float64)
        for k, (p, _) in enumerate(placed):
            r = rows.get(id(p.spec))
            if r is None:
                r = rows[id(p.spec)] = len(specs)
                specs.append(p)
            row_of[k] = r
            lvs[k] = level_index[p.priority]
            t = bound_start.get(p.uid, p.start_time)
            starts[k] = math.inf if t is None else t
        idx = np.fromiter((i for _, i in placed), dtype=np.int64, count=m)
        table = np.stack([self.vec(p) for p in specs]) if self.resources else np.zeros((len(specs), 0), np.int64)
        vecs = table[row_of]
        n = len(self.nodes)
        np.add.at(self.requested, idx, vecs)
        np.add.at(self.level_requested, (lvs, idx), vecs)
        np.add.at(self.level_npods, (lvs, idx), 1)
        np.maximum.at(self.level_latest, (lvs, idx), starts)
        np.maximum.at(self.level_maxreq, (lvs, idx), vecs)
        if self.flag is not None:
            pods = [p for p, _ in placed]
            flagged = np.array(self.flag_many(pods) if self.flag_many is not None else [self.flag(p) for p in pods],
                               dtype=bool)
            np.add.at(self.level_flagged, (lvs[flagged], idx[flagged]), 1)
            for k in np.nonzero(flagged)[0].tolist():
                p, i = placed[k]
                self.flagged_on[i][p.uid] = p
        nonzero = np.array([(p.spec.nonzero_cpu, p.spec.nonzero_mem) for p in specs], dtype=np.int64)
        np.add.at(self.nonzero, idx, nonzero[row_of])
        per_node = np.bincount(idx, minlength=n)
        self.npods += per_node
        self.node_version += per_node
        self.version += m
        self.pods_version += per_node
        for i in np.nonzero(per_node)[0].tolist():  # every priority may have changed there
            self.pod_changes[i].append((int(self.pods_version[i]), -(2**63)))
        # _placed, in bulk: the same bookkeeping, per-pod work only where a pod needs it.
        pods_on, where, ns_pods, nominated = self.pods_on, self.where, self.ns_pods, self.nominated_node
        per_ns: dict[str, int] = {}
        special = [p for p in specs if p.spec.pod_anti_affinity_required or _has_affinity(p)]
        special_specs = {id(p.spec) for p in special}
        for pod, i in placed:
            uid = pod.uid
            if uid in nominated or id(pod.spec) in special_specs or pod.namespace in self.ns_log:
                self._placed(pod, i)
                continue
            pods_on[i][uid] = pod
            where[uid] = i
            ns = ns_pods.get(pod.namespace)
            if ns is None:
                ns = ns_pods[pod.namespace] = {}
            ns[uid] = pod
            per_ns[pod.namespace] = per_ns.get(pod.namespace, 0) + 1
        for namespace, count in per_ns.items():
            self.ns_version[namespace] = self.ns_version.get(namespace, 0) + count

    def affinity_groups_for(self, pod: Pod) -> list[tuple[Pod, dict[int, int]]]:
        """The groups of bound pods with pod (anti-)affinity that have a term which may select
        ``pod`` (by its namespace and labels; see ``_term_targets``)."""
        index = self._affinity_by_target
        found: dict[tuple[str, int], tuple[Pod, dict[int, int]]] = {}
        for pair in (None, *pod.labels.items()):
            for ns in (pod.namespace, None):
                groups = index.get((ns, pair))
                if groups:
                    found.update(groups)
        return list(found.values())

    def changed_below(self, node_index: int, since: int, priority: int) -> bool:
        """Whether a pod of priority below ``priority`` was bound to the node or left it after its
        pods_version was ``since``."""
        for version, p in reversed(self.pod_changes[node_index]):
            if version <= since:
                return False
            if p < priority:
                return True
        return False

    def remove(self, pod: Pod) -> int:
        node_index = self.where.pop(pod.uid)
        del self.pods_on[node_index][pod.uid]
        self.pods_version[node_index] += 1
        self.pod_changes[node_index].append((int(self.pods_version[node_index]), pod.priority))
        self.requested[node_index] -= self.vec(pod)
        lv = self.level_index[pod.priority]
        self.level_requested[lv, node_index] -= self.vec(pod)
        self.level_npods[lv, node_index] -= 1
        same = [p for p in self.pods_on[node_index].values() if p.priority == pod.priority]
        self.level_latest[lv, node_index] = max((self.start_key(p) for p in same), default=-np.inf)
        self.level_maxreq[lv, node_index] = np.max([self.vec(p) for p in same], axis=0) if same else 0
        if self.flag is not None and self.flag(pod):
            self.level_flagged[lv, node_index] -= 1
            del self.flagged_on[node_index][pod.uid]
        self.nonzero[node_index, 0] -= pod.spec.nonzero_cpu
        self.nonzero[node_index, 1] -= pod.spec.nonzero_mem
        self.npods[node_index] -= 1
        del self.ns_pods[pod.namespace][pod.uid]
        if self.anti_affinity_set.pop(pod.uid, None) is not None and self.wide_anti(pod):
            self.wide_anti_affinity -= 1
        if self.affinity_set.pop(pod.uid, None) is not None:
            key = (pod.namespace, id(pod.spec))
            per_node = self.affinity_groups[key][1]
            left = per_node[node_index] - 1
            if left:
                per_node[node_index] = left
            else:
                del per_node[node_index]
                if not per_node:
                    del self.affinity_groups[key]
                    for target in _term_targets(pod):
                        del self._affinity_by_target[target][key]
        self._drop_nomination(pod)
        self._freed(node_index)
        self._ns_changed(pod.namespace)
        log = self.ns_log.get(pod.namespace)
        if log is not None:
            log.append((node_index, pod, -1))
        self.version += 1
        return node_index

    def _ns_changed(self, namespace: str) -> None:
        self.ns_version[namespace] = self.ns_version.get(namespace, 0) + 1

    def wide_anti(self, pod: Pod) -> bool:
        """Whether the pod's required anti-affinity reaches beyond its own node."""
        return any(t.topology_key != HOSTNAME or not self.hostname_unique
                   for t in pod.spec.pod_anti_affinity_required)

    # ------------------------------------------------------------------ nominations

    def nominate(self, pod: Pod, node_index: int) -> None:
        old = self._drop_nomination(pod)
        if old is not None:
            self._freed(old)
        self.nominated.setdefault(node_index, {})[pod.uid] = pod
        self.nominated_node[pod.uid] = node_index
        self._update_nominated_load(pod, node_index, 1)
        self.node_version[node_index] += 1
        self._ns_changed(pod.namespace)

    def clear_nomination(self, pod: Pod) -> None:
        """Withdraw the pod's nomination (nominatedNodeName cleared or overridden)."""
        old = self._drop_nomination(pod)
        if old is not None:
            self._freed(old)

    def _drop_nomination(self, pod: Pod) -> int | None:
        ni = self.nominated_node.pop(pod.uid, None)
        if ni is None:
            return None
        d = self.nominated[ni]
        d.pop(pod.uid, None)
        self._update_nominated_load(pod, ni, -1)
        if not d:
            del self.nominated[ni]
        self.node_version[ni] += 1
        self._ns_changed(pod.namespace)
        return ni

    def _freed(self, node_index: int) -> None:
        """Room may have been freed on the node (a pod left it, a reservation on it was withdrawn)."""
        self.free_events += 1
        self.node_free[node_index] = self.free_events
        self.free_log.append(node_index)
        self.node_version[node_index] += 1

    def nominated_load(self, pod: Pod) -> tuple[np.ndarray, np.ndarray] | None:
        """Per node (full length): summed requests and count of the pods nominated there with
        priority >= the pod's, the pod itself excepted (pass 1 of the two-pass filter); None if none.

        Built once per priority threshold and kept current as nominations come and go (the pod's
        own nomination is taken out of a copy). The arrays are shared: callers must not modify them.
        """
        if not self.nominated:
            return None
        key = pod.priority
        cache = self._nominated_load
        if key not in cache:
            n, r = self.requested.shape
            req = np.zeros((n, r), dtype=np.int64)
            cnt = np.zeros(n, dtype=np.int64)
            for i, pods in self.nominated.items():
                for other in pods.values():
                    if other.priority >= key:
                        req[i] += self.vec(other)
                        cnt[i] += 1
            cache[key] = (req, cnt) if cnt.any() else None
        load = cache[key]
        own = self.nominated_node.get(pod.uid)
        if load is None or own is None:
            return load
        req, cnt = load[0].copy(), load[1].copy()
        req[own] -= self.vec(pod)
        cnt[own] -= 1
        return (req, cnt) if cnt.any() else None

    def requested_with_nominated(self, pod: Pod, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Requests and pod counts on ``nodes`` with the pods nominated there of >= the pod's
        priority added (pass 1 of the two-pass filter; the pod's own nomination excepted)."""
        req = self.requested[nodes]
        cnt = self.npods[nodes]
        load = self.nominated_load(pod)
        if load is not None:
            req = req + load[0][nodes]
            cnt = cnt + load[1][nodes]
        return req, cnt

    def _update_nominated_load(self, pod: Pod, node_index: int, delta: int) -> None:
        """Keep the cached :meth:`nominated_load` sums current as a nomination comes or goes."""
        for threshold in list(self._nominated_load):
            if pod.priority < threshold:
                continue
            load = self._nominated_load[threshold]
            if load is None:
                if delta < 0:  # cannot happen (a counted nomination exists); rebuild to be safe
                    del self._nominated_load[threshold]
                    continue
                n, r = self.requested.shape
                load = self._nominated_load[threshold] = (np.zeros((n, r), dtype=np.int64),
                                                          np.zeros(n, dtype=np.int64))
            req, cnt = load
            if delta > 0:
                req[node_index] += self.vec(pod)
            else:
                req[node_index] -= self.vec(pod)
            cnt[node_index] += delta
            if delta < 0 and not cnt[node_index] and not cnt.any():
                self._nominated_load[threshold] = None

    def nominated_pods_for(self, node_index: int, pod: Pod) -> list[Pod]:
        """Pods nominated to the node with priority >= the pod's (pass 1 of the two-pass filter)."""
        d = self.nominated.get(node_index)
        if not d:
            return []
        return [p for p in d.values() if p.uid != pod.uid and p.priority >= pod.priority]

    # ------------------------------------------------------------------ views

    def view(self, node_index: int) -> NodeView:
        return NodeView(self.nodes[node_index], [int(x) for x in self.requested[node_index]],
                        int(self.npods[node_index]), list(self.pods_on[node_index].values()), self.vec_pairs)

    def all_bound_pods(self) -> Iterable[tuple[int, Pod]]:
        for i, pods in enumerate(self.pods_on):
            for p in pods.values():
                yield i, p


def _term_targets(pod: Pod) -> set[tuple[str | None, tuple[str, str] | None]]:
    """What the pod's affinity terms can select: (namespace, a label pair the term's selector
    requires, or None) per term and namespace; a term without namespaces selects in its own, one
    with a namespace selector in any (None). A term without a selector selects nothing."""
    s = pod.spec
    out: set[tuple[str | None, tuple[str, str] | None]] = set()
    for t in [*s.pod_affinity_required, *s.pod_anti_affinity_required,
              *(w.term for w in s.pod_affinity_preferred), *(w.term for w in s.pod_anti_affinity_preferred)]:
        if t.label_selector is None:
            continue
        pair = t.label_selector.match_labels[0] if t.label_selector.match_labels else None
        if t.namespace_selector is not None:
            out.add((None, pair))
        out.update((ns, pair) for ns in (t.namespaces or (pod.namespace,)))
    return out


def _has_affinity(pod: Pod) -> bool:
    s = pod.spec
    return bool(s.pod_affinity_required or s.pod_affinity_preferred or s.pod_anti_affinity_required
                or s.pod_anti_affinity_preferred)
