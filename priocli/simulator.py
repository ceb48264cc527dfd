"""The what-if pass: queue, scheduling cycles, preemption, replacements, outcomes.

The pass is the one the conformance corpus was recorded with (``shared/conformance``):

1. Pods bound in the input run where they are (terminal pods consume nothing).
2. One pod per cycle, in PrioritySort order: higher priority first, then the earlier queue
   timestamp (input order at first; the time of its last failure after a failure).
3. A cycle that changes anything (a binding, an eviction, a nomination) moves every
   pending pod back to the queue; the pass ends when nothing is left to try.
4. A pod bound during the pass starts 60 s after the latest start time of the input, one
   second more per binding; preemption victims vanish at once.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from priocli.errors import SimulationError
from priocli.framework import format_fit_error
from priocli.gcpause import gc_paused
from priocli.load.cluster import ClusterInput
from priocli.load.workloads import replacement_pod_name
from priocli.model import DEFAULT_SCHEDULER, NEVER, Pod, PodDisruptionBudget, Warning_
from priocli.plugins import schedulinggates
from priocli.preemption import Candidate, PreemptionResult, Preemptor
from priocli.result import Eviction, PodOutcome, SimulationResult
from priocli.scheduler import Diagnosis, Scheduler, ScoreBreakdown
from priocli.state import ClusterState, resource_names

NO_NODES = "no nodes available to schedule pods"
FREE_LOG_SCAN = 256  # freeing events since a pod's last failure read from the log; more: a vector scan
FREED_NODES_CHECKED = 32  # a skipped retry checks at most this many nodes; more: evaluate it fully
START_OFFSET = 60.0
RECREATING_CONTROLLERS = ("ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController")
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@dataclass(slots=True)
class Options:
    max_cycles: int | None = None  # default: a bound derived from the input size
    trace: frozenset[str] = frozenset()  # pod keys whose attempts are recorded in detail (explain)
    replacements: bool = True  # recreate evicted pods owned by a controller
    # Shortcuts that decide identically (tests compare both ways): the vectorized resource-only
    # preemption dry run, and skipping retries that provably fail as before.
    shortcuts: bool = True
    # Emulate kube-scheduler's node sampling (percentageOfNodesToScore, preemption candidate limits)
    # instead of evaluating every node: closer to a large cluster's choices, but see the README.
    sample_nodes: bool = False


@dataclass(slots=True)
class Attempt:
    """One scheduling attempt of a traced pod, for ``priocli explain``."""

    cycle: int
    diagnosis: Diagnosis
    message: str | None
    node: int | None = None
    scores: ScoreBreakdown | None = None
    preemption: PreemptionResult | None = None
    nominated_node_first: bool = False


@dataclass(slots=True)
class _Entry:
    pod: Pod
    outcome: PodOutcome
    free_seen: int = -1  # state.free_events when this pod last failed a real evaluation
    ns_seen: int = -1  # state.ns_version of its namespace then (pods with hard spread constraints)
    stale_version: int = -1  # state.version when a retry was skipped (message to materialize), else -1
    # no spread constraints or required pod affinity: while nothing was freed since its last
    # failure, a retry of this pod fails as before (see _Pass._unchanged_failure)
    plain: bool = False
    # plain, and nothing but resources read from the cluster (no host ports, no required pod
    # anti-affinity): may wait in a _Run of skipped retries
    parkable: bool = False


@dataclass(slots=True)
class _Run:
    """Consecutive queue entries of pods whose retries are skipped (see _Pass.run): rotated as one.

    Every member last failed (or was last checked) when ``state.free_events`` was ``free_seen``
    (authoritative while it is a member: its own ``_Entry.free_seen`` is set when the run is
    broken up) and was last skipped at ``state.version`` ``version`` (-1: its message is known).
    ``shapes`` holds one member per (spec, priority, policy): members of one shape are checked
    together.
    """

    free_seen: int
    version: int
    uids: list[int]
    shapes: dict[tuple[int, int, str], Pod]


@dataclass(slots=True)
class Simulation:
    cluster: ClusterInput
    options: Options = field(default_factory=Options)
    traces: dict[str, list[Attempt]] = field(default_factory=dict)
    scheduler: Scheduler | None = None  # the pass's scheduler once run(): resolves traced statuses (explain)

    def run(self) -> SimulationResult:
        # The pass's objects (caches, queue, outcomes) live until it ends: see priocli.gcpause.
        # Peak memory is the same either way (measured on the benchmarks).
        with gc_paused():
            p = _Pass(self)
            self.scheduler = p.sched
            return p.run()


class _Pass:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        c = sim.cluster
        self.cluster = c
        self.options = sim.options
        self.state = ClusterState(c.nodes, resource_names(c.nodes, c.pods), (p.priority for p in c.pods))
        self.sched = Scheduler(self.state, default_spread_selector=lambda p: c.spread_selectors.get(p.uid),
                               namespace_labels=c.namespace_labels)
        self.sched.incremental = self.options.shortcuts
        self.sched.sampling = self.options.sample_nodes
        self.preemptor = Preemptor(self.sched, c.pdbs)
        self.warnings: list[Warning_] = list(c.warnings)
        self.events: list[dict[str, Any]] = []
        self.evictions: list[Eviction] = []
        self.entries: dict[int, _Entry] = {}
        self.pods: list[Pod] = list(c.pods)
        # The queue (see run()): per priority, pending pods in queue-timestamp order; the first
        # ``active[priority]`` of them are in the active queue, the rest failed since the last change.
        self.queues: dict[int, deque[int | _Run]] = {}
        self.active: dict[int, int] = {}  # pods (not entries) in the active part
        self.sizes: dict[int, int] = {}  # pods queued per priority
        self.stale_runs: list[_Run] = []  # runs skipped since messages were last computed
        self.priorities: list[int] = []  # the queues' priorities, highest first
        self.stale: list[int] = []  # pods whose last retry was skipped (see _unchanged_failure)
        self.job_failures: dict[tuple[str, str], int] = {}  # (namespace, Job) -> evictions so far
        starts = [p.start_time for p in c.pods if p.start_time is not None]
        self.next_start = (max(starts) if starts else 0.0) + START_OFFSET
        self.pdb_evictions: dict[str, int] = {}
        self.cycle = 0
        self.names = {p.key for p in c.pods}

    # ------------------------------------------------------------------ setup

    def _setup(self) -> None:
        state = self.state
        unknown_nodes: dict[str, int] = {}
        other_schedulers: dict[str, int] = {}
        placed: list[tuple[Pod, int]] = []
        nominations: list[tuple[Pod, int]] = []
        for pod in self.pods:
            if pod.node_name:  # running: its entry is made if it is evicted (_evict)
                if pod.terminal:
                    continue  # Succeeded/Failed: invisible to the scheduler, consumes nothing
                idx = state.node_index.get(pod.node_name)
                if idx is None:
                    unknown_nodes[pod.node_name] = unknown_nodes.get(pod.node_name, 0) + 1
                    continue
                placed.append((pod, idx))
                continue
            out = PodOutcome(pod, "queued", "pending")
            self.entries[pod.uid] = self._entry(pod, out)
            if pod.spec.scheduler_name != DEFAULT_SCHEDULER:
                other_schedulers[pod.spec.scheduler_name] = other_schedulers.get(pod.spec.scheduler_name, 0) + 1
                out.message = (f'not scheduled by default-scheduler: spec.schedulerName is '
                               f'"{pod.spec.scheduler_name}"')
                continue
            if pod.terminating:
                out.message = f"skip schedule deleting pod: {pod.key}"
                continue
            if schedulinggates.gated(pod):
                out.message = schedulinggates.CONDITION_MESSAGE
                continue
            if pod.nominated_node_name and pod.nominated_node_name in state.node_index:
                nominations.append((pod, state.node_index[pod.nominated_node_name]))
            self._push(pod.uid)
        state.bind_all(placed)
        for pod, idx in nominations:
            state.nominate(pod, idx)
        for name, n in sorted(unknown_nodes.items()):
            self.warnings.append(Warning_(
                "UnknownNode", f"{n} pod(s) are bound to node {name!r}, which is not in the input; "
                f"they are reported as running but use no modeled node", f"Node {name}"))
        for name, n in sorted(other_schedulers.items()):
            self.warnings.append(Warning_(
                "OtherScheduler", f"{n} queued pod(s) use schedulerName {name!r}; priocli simulates only "
                f"default-scheduler (default profile), so they stay pending", None))
        for pod in self.pods:
            for what in pod.spec.unmodeled:
                self.warnings.append(Warning_("NotModeled", f"{what}: not modeled; the pod is placed as if "
                                              f"the volume/claim fit everywhere", f"Pod {pod.key}"))

    def _entry(self, pod: Pod, outcome: PodOutcome) -> _Entry:
        s = pod.spec
        plain = not (s.topology_spread or s.pod_affinity_required) and pod.key not in self.options.trace
        return _Entry(pod, outcome, plain=plain,
                      parkable=plain and not (s.host_ports or s.pod_anti_affinity_required))

    def _push(self, uid: int) -> None:
        """Queue a new pod: its timestamp is the latest yet, so it goes last among its priority."""
        q = self.entries[uid].pod.priority
        dq = self.queues.get(q)
        if dq is None:
            dq = self.queues[q] = deque()
            self.active[q] = 0
            self.sizes[q] = 0
            bisect.insort(self.priorities, q, key=lambda x: -x)
        dq.append(uid)
        self.active[q] += 1
        self.sizes[q] += 1

    def _park(self, dq: deque[int | _Run], e: _Entry) -> None:
        """Queue a pod whose retry was just skipped at the back, in a run when it can join one."""
        pod = e.pod
        if not e.parkable:
            dq.append(pod.uid)
            return
        back = dq[-1] if dq else None
        key = (id(pod.spec), pod.priority, pod.preemption_policy)
        if type(back) is _Run and back.free_seen == e.free_seen and back.version == self.state.version:
            back.uids.append(pod.uid)
            if key not in back.shapes:
                back.shapes[key] = pod
        else:
            run = _Run(e.free_seen, self.state.version, [pod.uid], {key: pod})
            self.stale_runs.append(run)
            dq.append(run)

    # ------------------------------------------------------------------ the pass

    def run(self) -> SimulationResult:
        t0 = time.perf_counter()
        self._setup()
        bound = self.options.max_cycles or (20 * (len(self.pods) + 10) + 10_000)
        changes = 0
        # PrioritySort over (priority, queue timestamp). A pod that fails gets the latest timestamp,
        # so within a priority the queue is FIFO: it is popped from the front and, failing, goes to
        # the back; it returns to the active queue at the next change, when every pending pod does.
        # Retries that provably fail as before with nothing freed since (the common case, see
        # _unchanged_failure) are skipped here without a call.
        queues, active, sizes, priorities, entries = self.queues, self.active, self.sizes, self.priorities, self.entries
        state, stale = self.state, self.stale
        nominated = state.nominated_node
        fast_ok = self.options.shortcuts
        while True:
            q = next((x for x in priorities if active[x]), None)
            if q is None:
                break
            dq = queues[q]
            while active[q]:
                item = dq.popleft()
                if type(item) is _Run:
                    # A run of skipped retries: still skipped as a whole unless room was freed since
                    # on a node where one of its pod shapes could now fit or preempt.
                    if item.free_seen != state.free_events and not self._run_unchanged(item, dq):
                        continue  # broken up: its pods are at the front again, one by one or in runs
                    k = len(item.uids)
                    active[q] -= k
                    self.cycle += k
                    if item.version != state.version:
                        item.version = state.version
                        self.stale_runs.append(item)
                    dq.append(item)
                    continue
                uid = item
                active[q] -= 1
                self.cycle += 1
                e = entries[uid]
                if e.free_seen == state.free_events and fast_ok and e.plain and uid not in nominated:
                    e.stale_version = state.version  # = _skip(e), inlined
                    stale.append(uid)
                    self._park(dq, e)
                    continue
                if self._unchanged_failure(e):
                    self._park(dq, e)
                    continue
                changed = self._schedule_one(e)
                if e.outcome.status != "running":
                    dq.append(uid)
                else:
                    sizes[q] -= 1
                if changed:
                    changes += 1
                    if changes > bound:
                        raise SimulationError(
                            f"the pass did not settle within {bound} changes; this is a priocli bug, "
                            f"please report it with the input")
                    for x in priorities:
                        active[x] = sizes[x]
                    break  # a higher priority may be active again
        self._materialize_stale()
        outcomes = []
        entries = self.entries
        for pod in self.pods:
            e = entries.get(pod.uid)
            if e is None:  # bound in the input and never evicted
                outcomes.append(PodOutcome(pod, "running", "running", node=pod.node_name))
                continue
            o = e.outcome
            if o.status == "pending":
                nn = self.state.nominated_node.get(e.pod.uid)
                o.nominated_node = self.state.nodes[nn].name if nn is not None else None
            outcomes.append(o)
        outcomes.sort(key=lambda o: (o.pod.namespace, o.pod.name))
        return SimulationResult(outcomes, self.evictions, self.warnings, len(self.state.nodes), self.events,
                                timings={"pass": time.perf_counter() - t0})

    # ------------------------------------------------------------------ retries that cannot change

    def _unchanged_failure(self, e: _Entry) -> bool:
        """Skip the evaluation of a retry that provably fails exactly as before, with no side effect.

        After every change every pending pod is tried again, and most changes are bindings. For a
        pod without required pod affinity, a binding can only take room
        (resources, pod slots, host ports, anti-affinity matches) and never adds a preemption
        candidate (a lower-priority pod bound to a node is removed again by the dry run). So the
        retry can only differ on nodes where room was freed since the pod last failed (a pod left,
        a nomination was withdrawn: ``state.node_free``) among those its static filters accept
        (when no required anti-affinity reaches beyond one node; else any freeing counts). If
        it fits none of them and could preempt on none of them, and holds no nomination, the retry
        fails again, nominates nothing and changes nothing: only its queue timestamp moves, as here.
        Its message is computed later (:meth:`_materialize_stale`), against the same state.

        Hard spread constraints count only pods of the pod's own namespace (bound, and nominated
        in pass 1 of the two-pass filter): while none of those came, went or was nominated
        (``state.ns_version``), the skews are as before and the argument above holds for them too.
        """
        pod = e.pod
        state = self.state
        trace = self.options.trace
        if (not self.options.shortcuts or e.free_seen < 0 or pod.uid in state.nominated_node
                or pod.spec.pod_affinity_required or (trace and pod.key in trace)):
            return False
        if pod.spec.topology_spread and state.ns_version.get(pod.namespace, 0) != e.ns_seen:
            return False  # a pod of its namespace came, went or was nominated: the skews may differ
        if e.free_seen != state.free_events:
            if state.wide_anti_affinity or (pod.spec.pod_anti_affinity_required and state.wide_anti(pod)):
                return False  # room freed on one node can open others of its topology domain
            if state.free_events - e.free_seen <= FREE_LOG_SCAN:  # the few nodes freed since
                allowed = self.sched.static_ok_bytes(pod)
                hits = [i for i in state.free_log[e.free_seen:] if allowed[i]]
                if not hits:
                    e.free_seen = state.free_events
                    return self._skip(e)
                freed = np.unique(np.array(hits, dtype=np.int64))
            else:
                ok = self.sched.static_ok(pod)
                freed = ok[state.node_free[ok] > e.free_seen]
            if freed.size:
                if self.preemptor.resource_only_pod(pod) and not state.nominated_node.get(pod.uid):
                    if self.preemptor.resources_could_help(pod, freed):
                        return False
                    e.free_seen = state.free_events
                    return self._skip(e)
                if freed.size > FREED_NODES_CHECKED:
                    return False
                cycle, names, rejection = self.sched.pre_filter(pod)
                if rejection is None:
                    for i in freed.tolist():
                        if names is not None and state.nodes[i].name not in names:
                            continue
                        if self.sched.filter_with_nominated(pod, cycle, state.view(i)) is None:
                            return False
                    if pod.preemption_policy != NEVER:
                        for i in freed.tolist():
                            if isinstance(self.preemptor.select_victims_on_node(pod, cycle, i), Candidate):
                                return False
            e.free_seen = state.free_events
        return self._skip(e)

    def _run_unchanged(self, run: _Run, dq: deque[int | _Run]) -> bool:
        """After room was freed somewhere: whether every pod of the run still fails as before
        (:meth:`_unchanged_failure`'s resource-only case, once per pod shape). If so the run is
        brought up to date and True returned; else it is broken up at the front of ``dq``: pods
        of the shapes that might now fit or preempt one by one (they are evaluated), the others in
        runs of their own."""
        state = self.state
        helped: set[tuple[int, int, str]] = set()
        if state.wide_anti_affinity:
            helped = set(run.shapes)  # room freed on one node can open others of its topology domain
        else:
            recent = state.free_events - run.free_seen <= FREE_LOG_SCAN
            freed_log = state.free_log[run.free_seen:] if recent else []
            for key, pod in run.shapes.items():
                if not self.preemptor.resource_only_pod(pod):
                    helped.add(key)
                    continue
                if recent:
                    allowed = self.sched.static_ok_bytes(pod)
                    hits = [i for i in freed_log if allowed[i]]
                    freed = np.unique(np.array(hits, dtype=np.int64)) if hits else None
                else:
                    ok = self.sched.static_ok(pod)
                    freed = ok[state.node_free[ok] > run.free_seen]
                if freed is not None and freed.size and self.preemptor.resources_could_help(pod, freed):
                    helped.add(key)
        if not helped:
            run.free_seen = state.free_events
            return True
        # Break the run up, keeping the queue order: helped pods alone (with the free_seen they
        # failed at, so that they are evaluated), the others in runs checked up to now.
        parts: list[int | _Run] = []
        entries = self.entries
        for uid in run.uids:
            e = entries[uid]
            pod = e.pod
            key = (id(pod.spec), pod.priority, pod.preemption_policy)
            e.stale_version = run.version
            if key in helped:
                e.free_seen = run.free_seen
                parts.append(uid)
                continue
            e.free_seen = state.free_events
            last = parts[-1] if parts else None
            if type(last) is _Run:
                last.uids.append(uid)
                last.shapes.setdefault(key, pod)
            else:
                parts.append(_Run(state.free_events, run.version, [uid], {key: pod}))
        for part in parts:
            if type(part) is _Run:
                self.stale_runs.append(part)
            else:
                self.stale.append(part)
        run.version = -1
        run.uids = []
        dq.extendleft(reversed(parts))
        return False

    def _skip(self, e: _Entry) -> bool:
        e.stale_version = self.state.version
        self.stale.append(e.pod.uid)
        return True

    def _materialize_stale(self) -> None:
        """Compute the messages of skipped retries; the state is still the one they were skipped in."""
        for run in self.stale_runs:
            if run.version != self.state.version:
                continue  # broken up, or skipped again after a later change (then listed again)
            for uid in run.uids:
                e = self.entries[uid]
                e.stale_version = run.version
                self.stale.append(uid)
            run.version = -1
        self.stale_runs.clear()
        for uid in self.stale:
            e = self.entries[uid]
            if e.stale_version < 0:
                continue
            if e.stale_version != self.state.version:
                e.stale_version = -1  # tried again (and evaluated or skipped) after a later change
                continue
            e.stale_version = -1
            diag = self.sched.find_nodes_that_fit(e.pod)
            if diag.error:
                e.outcome.message = diag.error
                continue
            result = self.preemptor.preempt(e.pod, diag)
            if diag.feasible.size or result.nominated_node is not None:
                raise SimulationError(f"internal: the skipped retry of {e.pod.key} would have changed the "
                                      f"outcome; please report this input")
            e.outcome.message = format_fit_error(len(self.state.nodes), self.sched.histogram(diag),
                                                 diag.prefilter_msg, result.message)
        self.stale.clear()

    def _schedule_one(self, e: _Entry) -> bool:
        """One cycle; returns whether it changed anything (binding, eviction, nomination)."""
        pod = e.pod
        state, sched = self.state, self.sched
        traced = pod.key in self.options.trace
        if not state.nodes:
            return self._fail(e, NO_NODES, None, traced, None)
        # The nominated node is tried first; if it fits it is taken without scoring.
        nom = state.nominated_node.get(pod.uid)
        if nom is not None:
            cycle, _, rejection = sched.pre_filter(pod)
            if rejection is None and sched.filter_with_nominated(pod, cycle, state.view(nom)) is None:
                if traced:
                    diag = sched.find_nodes_that_fit(pod, only=[nom])
                    self.sim.traces.setdefault(pod.key, []).append(
                        Attempt(self.cycle, diag, None, nom, nominated_node_first=True))
                self._bind(e, nom)
                return True
        diag = sched.find_nodes_that_fit(pod)
        if diag.error:
            return self._fail(e, diag.error, diag, traced, None)
        feasible = diag.feasible
        if feasible.size:
            if sched.sampling:
                feasible = sched.sample_feasible(diag)
            node, breakdown = sched.select_host(pod, feasible, diag.cycle)
            if traced:
                self.sim.traces.setdefault(pod.key, []).append(Attempt(self.cycle, diag, None, node, breakdown))
            self._bind(e, node)
            return True
        # traced: every candidate is recorded, for explain
        result = self.preemptor.preempt(pod, diag, exact=traced or not self.options.shortcuts or sched.sampling)
        message = format_fit_error(len(state.nodes), sched.histogram(diag), diag.prefilter_msg, result.message)
        if result.nominated_node is None:
            if result.clear_nomination and pod.uid in state.nominated_node:
                self._materialize_stale()  # skipped retries saw the state before this withdrawal
                state.clear_nomination(pod)
            return self._fail(e, message, diag, traced, result)
        # Preemption: victims are deleted at once, lower-priority nominations on the node are cleared.
        node = result.nominated_node
        for victim in result.victims:
            self._evict(victim, node, pod)
        for other in list(state.nominated.get(node, {}).values()):
            if other.priority < pod.priority:
                state.clear_nomination(other)
        state.nominate(pod, node)
        self.events.append({"cycle": self.cycle, "type": "Nominated", "pod": pod.key,
                            "node": state.nodes[node].name, "victims": [v.key for v in result.victims]})
        self._fail(e, message, diag, traced, result)
        return True

    def _fail(self, e: _Entry, message: str, diag: Diagnosis | None, traced: bool,
              preemption: PreemptionResult | None) -> bool:
        e.outcome.message = message
        e.free_seen = self.state.free_events
        e.ns_seen = self.state.ns_version.get(e.pod.namespace, 0)
        e.stale_version = -1
        self.events.append({"cycle": self.cycle, "type": "FailedScheduling", "pod": e.pod.key, "message": message})
        if traced and diag is not None:
            self.sim.traces.setdefault(e.pod.key, []).append(Attempt(self.cycle, diag, message, None, None, preemption))
        return False

    def _bind(self, e: _Entry, node: int) -> None:
        pod = e.pod
        self.state.bound_start[pod.uid] = self.next_start  # before bind(): it records the start time
        self.state.bind(pod, node)
        self.next_start += 1.0
        o = e.outcome
        o.status, o.node, o.message, o.nominated_node = "running", self.state.nodes[node].name, None, None
        self.events.append({"cycle": self.cycle, "type": "Scheduled", "pod": pod.key,
                            "node": self.state.nodes[node].name})

    def _evict(self, victim: Pod, node: int, preemptor: Pod) -> None:
        self.state.remove(victim)
        e = self.entries.get(victim.uid)
        if e is None:  # a pod bound in the input: its entry is made now
            e = self.entries[victim.uid] = _Entry(victim, PodOutcome(victim, "running", "running",
                                                                     node=victim.node_name))
        o = e.outcome
        o.status, o.node, o.preempted_by, o.message = "evicted", self.state.nodes[node].name, preemptor.key, None
        violated = []
        for pdb in self.preemptor.pdbs_that_may_cover(victim):
            if _pdb_covers(pdb, victim):
                n = self.pdb_evictions.get(pdb.key, 0) + 1
                self.pdb_evictions[pdb.key] = n
                if n > pdb.disruptions_allowed:
                    violated.append(pdb.key)
        self.evictions.append(Eviction(victim.key, self.state.nodes[node].name, preemptor.key, tuple(sorted(violated))))
        self.events.append({"cycle": self.cycle, "type": "Preempted", "pod": victim.key,
                            "node": self.state.nodes[node].name, "preemptor": preemptor.key,
                            "pdbViolated": sorted(violated)})
        if self.options.replacements:
            self._replace(victim, o)

    # ------------------------------------------------------------------ replacements

    def _replace(self, victim: Pod, victim_outcome: PodOutcome) -> None:
        """The evicted pod's controller creates a new pod, queued at once (names: priocli.load.workloads).

        ReplicaSet, ReplicationController, StatefulSet and DaemonSet always recreate; a Job does
        while its backoffLimit allows one more failure (evictions count unless its podFailurePolicy
        ignores them; a Job absent from the input is assumed to have restarts left). Bare pods are
        gone for good. The new pod is admitted now: it gets its PriorityClass's current value.
        """
        owner = victim.owner
        if owner is None or owner.kind not in RECREATING_CONTROLLERS:
            return
        if owner.kind == "Job":
            job = (victim.namespace, owner.name)
            budget = self.cluster.job_restarts.get(job)
            if budget is not None:
                failures = self.job_failures
                failures[job] = failures.get(job, 0) + 1
                if failures[job] > budget:
                    if failures[job] == budget + 1:
                        self.warnings.append(Warning_(
                            "JobBackoffLimitExceeded",
                            f"Job {job[0]}/{job[1]} fails: the eviction of {victim.key} exceeds its backoffLimit, "
                            f"so the Job controller creates no replacement pod", f"Job {job[0]}/{job[1]}"))
                    return
        name = replacement_name(victim, owner.name, owner.kind, self.names)
        self.names.add(f"{victim.namespace}/{name}")
        admission = self.cluster.admission
        pc = admission.classes.get(victim.priority_class_name) if victim.priority_class_name else admission.global_default
        priority, policy = (pc.value, pc.preemption_policy) if pc is not None else (victim.priority,
                                                                                    victim.preemption_policy)
        uid = len(self.pods)
        pod = replace(victim, uid=uid, name=name, node_name="", nominated_node_name="", start_time=None,
                      terminating=False, disruption_target_by_scheduler=False, ready=False, phase="Pending",
                      replaces=victim.key, labels=dict(victim.labels), priority=priority,
                      spec=replace(victim.spec, node_name="") if victim.spec.node_name else victim.spec,
                      priority_class_name=pc.name if pc is not None else victim.priority_class_name,
                      preemption_policy=policy)
        self.pods.append(pod)
        victim_outcome.replaced_by = pod.key
        out = PodOutcome(pod, "replacement", "pending")
        self.entries[uid] = self._entry(pod, out)
        self._push(uid)
        self.events.append({"cycle": self.cycle, "type": "Replaced", "pod": pod.key, "replaces": victim.key,
                            "controller": f"{owner.kind}/{owner.name}"})


def _pdb_covers(pdb: PodDisruptionBudget, pod: Pod) -> bool:
    """Whether the PDB's budget covers the pod (disruption-controller semantics: `{}` selects all)."""
    return pod.namespace == pdb.namespace and pdb.selector is not None and pdb.selector.matches(pod.labels)


def replacement_name(victim: Pod, owner_name: str, owner_kind: str, taken: set[str]) -> str:
    """Stable name for a controller's replacement pod, continuing the names workload expansion gives.

    ReplicaSet, ReplicationController, Job and DaemonSet: ``<owner>-<5 chars>`` (Indexed Job
    ``<job>-<index>-<5 chars>``), the next name of the controller's sequence not yet taken.
    StatefulSet recreates the same name; to keep both in the report the replacement is named
    ``<sts>-<ordinal>-r<N>``. See :mod:`priocli.load.workloads`.
    """
    return replacement_pod_name(victim, owner_kind, owner_name, taken)


def simulate(cluster: ClusterInput, options: Options | None = None) -> SimulationResult:
    return Simulation(cluster, options or Options()).run()


ReplacementHook = Callable[[Pod], Pod | None]
