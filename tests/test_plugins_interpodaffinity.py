"""InterPodAffinity: the incoming pod's required affinity (UnschedulableAndUnresolvable:
``node(s) didn't match pod affinity rules``), its required anti-affinity (Unschedulable:
``node(s) didn't match pod anti-affinity rules``), existing pods' required anti-affinity
against it (Unschedulable: ``node(s) didn't satisfy existing pods anti-affinity rules``), in
that order; the first-pod exception; namespaces and namespaceSelector; preferred terms score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpers import load, message, namespace, node, pc, pod, run, states, trace
from hypothesis import given, settings
from hypothesis import strategies as st

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
AFFINITY = "node(s) didn't match pod affinity rules"
ANTI = "node(s) didn't match pod anti-affinity rules"
EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def zone_node(name: str, zone: str | None, **kw: Any) -> dict:
    n = node(name, **kw)
    if zone is not None:
        n["metadata"]["labels"][ZONE] = zone
    return n


def term(app: str, key: str = ZONE, **extra: Any) -> dict[str, Any]:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key, **extra}


def with_affinity(name: str, *, affinity: Sequence[dict] = (), anti: Sequence[dict] = (),
                  preferred: Sequence[tuple[int, dict]] = (), preferred_anti: Sequence[tuple[int, dict]] = (),
                  **kw: Any) -> dict:
    aff: dict[str, Any] = {}
    if affinity or preferred:
        aff["podAffinity"] = {}
        if affinity:
            aff["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = list(affinity)
        if preferred:
            aff["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": w, "podAffinityTerm": t} for w, t in preferred]
    if anti or preferred_anti:
        aff["podAntiAffinity"] = {}
        if anti:
            aff["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = list(anti)
        if preferred_anti:
            aff["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": w, "podAffinityTerm": t} for w, t in preferred_anti]
    return pod(name, spec={"affinity": aff}, **kw)


def app(name: str, label: str, on: str | None = None, **kw: Any) -> dict:
    return pod(name, node=on, labels={"app": label}, **kw)


def where(*docs: dict, key: str = "default/p") -> tuple[str, str | None]:
    return states(run(*docs))[key]


THREE = (zone_node("a1", "a"), zone_node("a2", "a"), zone_node("b1", "b"))


# ----------------------------------------------------------------------------- required affinity


def test_affinity_puts_the_pod_in_the_domain_of_a_matching_pod() -> None:
    docs = (*THREE, app("db", "db", "b1"), app("f1", "x", "a1"), app("f2", "x", "a2"))
    assert where(*docs, with_affinity("p", affinity=[term("db")])) == ("running", "b1")


def test_affinity_by_zone_allows_every_node_of_the_zone() -> None:
    docs = (*THREE, app("db", "db", "a2", cpu="1"), app("f", "x", "b1"))
    assert where(*docs, with_affinity("p", affinity=[term("db")])) == ("running", "a1")


def test_affinity_failure_is_unresolvable() -> None:
    result = run(zone_node("a1", "a", cpu="1"), zone_node("b1", "b"), app("db", "db", "a1", cpu="1"),
                 with_affinity("p", affinity=[term("db")], cpu="1"))
    assert message(result, "default/p") == (
        f"0/2 nodes are available: 1 Insufficient cpu, 1 {AFFINITY}. "
        f"preemption: 0/2 nodes are available: 1 {NO_VICTIMS}, 1 {NOT_HELPFUL}.")


def test_no_matching_pod_anywhere_and_no_self_match() -> None:
    result = run(*THREE, app("web", "web", "a1"), with_affinity("p", affinity=[term("db")]))
    assert message(result, "default/p") == (
        f"0/3 nodes are available: 3 {AFFINITY}. preemption: 0/3 nodes are available: 3 {NOT_HELPFUL}.")


def test_every_term_must_be_satisfied_by_pods_matching_all_terms() -> None:
    both = {"labelSelector": {"matchLabels": {"tier": "cache"}}, "topologyKey": ZONE}
    docs = (*THREE, app("db-a", "db", "a1"), pod("cache-b", node="b1", labels={"tier": "cache"}),
            pod("db-cache-b", node="b1", labels={"app": "db", "tier": "cache"}))
    assert where(*docs, with_affinity("p", affinity=[term("db"), both])) == ("running", "b1")
    # without the pod matching both terms nothing counts: no node passes
    result = run(*docs[:-1], with_affinity("p", affinity=[term("db"), both]))
    assert states(result)["default/p"] == ("pending", None)


def test_first_pod_of_a_self_affine_group_is_allowed() -> None:
    assert where(*THREE, with_affinity("p", affinity=[term("db")], labels={"app": "db"})) == ("running", "a1")


def test_first_pod_exception_needs_the_topology_key_on_the_node() -> None:
    docs = (zone_node("bare", None), zone_node("z1", "a"))
    assert where(*docs, with_affinity("p", affinity=[term("db")], labels={"app": "db"})) == ("running", "z1")
    result = run(zone_node("bare", None), with_affinity("p", affinity=[term("db")], labels={"app": "db"}))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {AFFINITY}. preemption: 0/1 nodes are available: 1 {NOT_HELPFUL}.")


def test_first_pod_exception_does_not_apply_once_a_matching_pod_exists() -> None:
    docs = (*THREE, app("db", "db", "b1"), app("f", "x", "a1"))
    assert where(*docs, with_affinity("p", affinity=[term("db")], labels={"app": "db"})) == ("running", "b1")


def test_self_affine_pods_queued_together_end_up_in_one_zone() -> None:
    pods = [with_affinity(f"p{i}", affinity=[term("db")], labels={"app": "db"}) for i in range(3)]
    result = run(*THREE, app("f", "x", "a1", cpu="3"), app("g", "x", "a2", cpu="3"), *pods)
    assert {states(result)[f"default/p{i}"] for i in range(3)} == {("running", "b1")}


# ----------------------------------------------------------------------------- required anti-affinity


def test_anti_affinity_keeps_the_pod_away() -> None:
    docs = (*THREE, app("web", "web", "a1"), app("busy", "x", "b1", cpu="2"))
    assert where(*docs, with_affinity("p", anti=[term("web", HOST)])) == ("running", "a2")
    assert where(*docs, with_affinity("p", anti=[term("web", ZONE)])) == ("running", "b1")


def test_anti_affinity_failure_is_unschedulable() -> None:
    result = run(zone_node("a1", "a"), app("web", "web", "a1"), with_affinity("p", anti=[term("web", HOST)]))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {ANTI}. preemption: 0/1 nodes are available: 1 {NO_VICTIMS}.")


def test_anti_affinity_preemption_evicts_the_matching_pod() -> None:
    result = run(zone_node("a1", "a"), pc("high", 1000), app("web", "web", "a1"), app("other", "x", "a1"),
                 with_affinity("p", anti=[term("web", HOST)], cls="high"))
    assert states(result) == {"default/other": ("running", "a1"), "default/p": ("running", "a1"),
                              "default/web": ("evicted", "a1")}


def test_anti_affinity_preemption_is_judged_one_node_at_a_time() -> None:
    """The web pod on a2 blocks its whole zone; removing it is only tried on a2 (a1 has no
    lower-priority pod), and only helps if it is lower priority."""
    result = run(zone_node("a1", "a"), zone_node("a2", "a", cpu="1"), pc("high", 1000),
                 app("web", "web", "a2"), app("busy", "x", "a2", cpu="1"),
                 with_affinity("p", anti=[term("web", ZONE)], cls="high", cpu="1"))
    assert states(result)["default/p"] == ("running", "a2")
    assert sorted(e.pod for e in result.evictions) == ["default/busy", "default/web"]
    result = run(zone_node("a1", "a"), zone_node("a2", "a", cpu="1"), pc("high", 1000), pc("top", 2000),
                 app("web", "web", "a2", cls="top"), app("busy", "x", "a2", cpu="1"),
                 with_affinity("p", anti=[term("web", ZONE)], cls="high", cpu="1"))
    assert message(result, "default/p") == (
        f"0/2 nodes are available: 1 Insufficient cpu, 1 {ANTI}. "
        f"preemption: 0/2 nodes are available: 1 {NO_VICTIMS}, 1 {ANTI}.")


# ----------------------------------------------------------------------------- existing pods' anti-affinity


def test_existing_pods_anti_affinity() -> None:
    guard = with_affinity("guard", anti=[term("p", HOST)], node="a1")
    docs = (*THREE, guard, app("busy", "x", "a2", cpu="2"), app("busy-b", "x", "b1", cpu="2"))
    assert where(*docs, app("p", "p")) == ("running", "a2")
    zone_guard = with_affinity("guard", anti=[term("p", ZONE)], node="a1")
    assert where(*THREE, zone_guard, app("busy-b", "x", "b1", cpu="2"), app("p", "p")) == ("running", "b1")


def test_existing_pods_anti_affinity_failure_is_unschedulable() -> None:
    result = run(zone_node("a1", "a"), with_affinity("guard", anti=[term("p", HOST)], node="a1", cls="sys"),
                 pc("sys", 1000), app("p", "p"))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {EXISTING}. preemption: 0/1 nodes are available: 1 {NO_VICTIMS}.")


def test_existing_anti_affinity_pod_is_preempted() -> None:
    result = run(zone_node("a1", "a"), pc("high", 1000), with_affinity("guard", anti=[term("p", HOST)], node="a1"),
                 app("p", "p", cls="high"))
    assert states(result) == {"default/guard": ("evicted", "a1"), "default/p": ("running", "a1")}


def test_checks_run_in_order_affinity_then_anti_then_existing() -> None:
    guard = with_affinity("guard", anti=[term("p", HOST)], node="a1", labels={"app": "web"})
    docs = (zone_node("a1", "a"), zone_node("b1", "b", cpu="1"), guard, app("db", "db", "b1"))
    p = with_affinity("p", affinity=[term("db", HOST)], anti=[term("web", HOST)], labels={"app": "p"}, cpu="2")
    # a1: affinity fails first (UU) although anti-affinity and the guard also reject it; b1: resources
    result = run(*docs, p)
    assert message(result, "default/p") == (
        f"0/2 nodes are available: 1 Insufficient cpu, 1 {AFFINITY}. "
        f"preemption: 0/2 nodes are available: 1 {NO_VICTIMS}, 1 {NOT_HELPFUL}.")
    p2 = with_affinity("p", anti=[term("web", HOST)], labels={"app": "p"})
    result = run(zone_node("a1", "a"), guard, p2)
    assert message(result, "default/p").startswith(f"0/1 nodes are available: 1 {ANTI}.")


# ----------------------------------------------------------------------------- namespaces


def test_terms_match_the_pods_own_namespace_by_default() -> None:
    docs = (*THREE, app("db", "db", "b1", ns="data"), app("f", "x", "a1"))
    result = run(*docs, with_affinity("p", affinity=[term("db")]))
    assert states(result)["default/p"] == ("pending", None)
    assert where(*docs, with_affinity("p", affinity=[term("db", namespaces=["data"])])) == ("running", "b1")


def test_namespace_selector() -> None:
    docs = (*THREE, namespace("data", {"team": "storage"}), namespace("misc", {"team": "other"}),
            app("db", "db", "b1", ns="data"), app("db2", "db", "a1", ns="misc"))
    sel = term("db", namespaceSelector={"matchLabels": {"team": "storage"}})
    assert where(*docs, with_affinity("p", affinity=[sel])) == ("running", "b1")
    everything = term("db", HOST, namespaceSelector={})
    assert where(*docs, with_affinity("p", affinity=[everything])) == ("running", "a1")


def test_namespace_selector_of_existing_anti_affinity_reads_the_incoming_namespace() -> None:
    guard = with_affinity("guard", anti=[term("p", HOST, namespaceSelector={"matchLabels": {"env": "prod"}})],
                          node="a1")
    docs = (zone_node("a1", "a"), namespace("prod", {"env": "prod"}), namespace("dev", {"env": "dev"}), guard)
    assert where(*docs, app("p", "p", ns="dev"), key="dev/p") == ("running", "a1")
    assert where(*docs, app("p", "p", ns="prod"), key="prod/p") == ("pending", None)


# ----------------------------------------------------------------------------- scoring


def test_preferred_affinity_and_anti_affinity_steer_the_pod() -> None:
    docs = (*THREE, app("cache", "cache", "b1"), app("noisy", "noisy", "a1"), app("f", "x", "a2"))
    assert where(*docs, with_affinity("p", preferred=[(10, term("cache", HOST))])) == ("running", "b1")
    assert where(*docs, with_affinity("p", preferred_anti=[(10, term("noisy", ZONE))])) == ("running", "b1")


def test_score_values_are_min_max_normalized() -> None:
    docs = (*THREE, app("cache", "cache", "b1"), app("noisy", "noisy", "a1"), app("f", "x", "a2"))
    p = with_affinity("p", preferred=[(10, term("cache", HOST))], preferred_anti=[(30, term("noisy", ZONE))])
    [attempt] = trace("default/p", *docs, p)
    assert attempt.scores is not None
    # raw a1 -30, a2 -30, b1 +10 -> (s - min) * 100 / (max - min) -> 0, 0, 100; weight 2
    assert attempt.scores.plugins["InterPodAffinity"].tolist() == [0, 0, 200]


def test_existing_pods_terms_score_the_incoming_pod() -> None:
    """An existing pod's required affinity term matching the incoming pod adds 1 (hardPodAffinityWeight)
    to its domain; its preferred terms add or take their weight."""
    fan = with_affinity("fan", affinity=[term("p", ZONE)], node="b1", labels={"app": "fan"})
    hater = with_affinity("hater", preferred_anti=[(50, term("p", HOST))], node="a1")
    docs = (*THREE, fan, hater, app("f", "x", "a2"))
    [attempt] = trace("default/p", *docs, app("p", "p"))
    assert attempt.scores is not None
    # raw a1 -50, a2 0, b1 +1 -> 0, 98, 100 (int(100 * 50/51) = 98); weight 2
    assert attempt.scores.plugins["InterPodAffinity"].tolist() == [0, 196, 200]


# ----------------------------------------------------------------------------- grouped counting

_APPS = ("a", "b", "c")
_NAMESPACES = ("default", "team1", "team2")


@st.composite
def _affinity_term(draw: st.DrawFn) -> dict[str, Any]:
    t = term(draw(st.sampled_from(_APPS)), draw(st.sampled_from((ZONE, HOST))))
    scope = draw(st.sampled_from(("own", "names", "all", "selector")))
    if scope == "names":
        t["namespaces"] = draw(st.lists(st.sampled_from(_NAMESPACES), min_size=1, max_size=2, unique=True))
    elif scope == "all":
        t["namespaceSelector"] = {}
    elif scope == "selector":
        t["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": draw(st.sampled_from(_NAMESPACES))}}
    return t


@st.composite
def _affinity_pod(draw: st.DrawFn, name: str, on: str | None) -> dict:
    terms = st.lists(_affinity_term(), max_size=2)
    weighted = st.lists(st.tuples(st.integers(1, 100), _affinity_term()), max_size=2)
    return with_affinity(name, affinity=draw(terms) if on else (), anti=draw(terms), preferred=draw(weighted),
                         preferred_anti=draw(weighted), node=on, ns=draw(st.sampled_from(_NAMESPACES)),
                         labels={"app": draw(st.sampled_from(_APPS))},
                         meta={"deletionTimestamp": "2024-05-01T10:00:00Z"} if draw(st.booleans()) and on else {})


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_grouped_counts_equal_pod_by_pod_counts(data: st.DataObject) -> None:
    """InterPodAffinity reads bound pods in groups (ClusterState.affinity_groups_for: pods sharing
    namespace and spec, indexed by what their terms can select) and counts the pods a term selects
    per node (SpreadCounts, terminating pods included), kept current as pods come and go. The
    scores and PreFilter counts equal those from every bound pod taken one by one."""
    import collections

    from priocli.plugins import interpodaffinity as ipa
    from priocli.simulator import Simulation, _Pass

    nodes = [zone_node(f"n{i}", "az1" if i % 2 else "az2") for i in range(3)]
    bound = [data.draw(_affinity_pod(f"r{k}", f"n{data.draw(st.integers(0, 2))}")) for k in range(data.draw(
        st.integers(0, 8)))]
    bound += [app(f"s{k}", data.draw(st.sampled_from(_APPS)), f"n{k % 3}", ns=data.draw(st.sampled_from(_NAMESPACES)))
              for k in range(data.draw(st.integers(0, 4)))]
    incoming = [data.draw(_affinity_pod(f"p{k}", None)) for k in range(3)]
    docs = [*nodes, *(namespace(ns, {"team": ns}) for ns in _NAMESPACES), *bound, *incoming]
    p = _Pass(Simulation(load(*docs)))
    p._setup()
    state, sched = p.state, p.sched

    def one_by_one_counts(ns: str, selector: Any) -> dict[int, int]:
        return dict(collections.Counter(i for i, q in state.all_bound_pods()
                                        if q.namespace == ns and selector.matches(q.labels)))

    def compare(target: Any) -> None:
        every = [(q, {state.where[q.uid]: 1}) for q in state.affinity_set.values()]
        args = (sched._namespaces_with_pods, sched.ns_labels, sched.namespaces_matching)
        fast = ipa.score(target, sched.nodes, sched.nodes, state.affinity_groups_for(target), sched._group_terms,
                         sched._pod_counts, *args)
        slow = ipa.score(target, sched.nodes, sched.nodes, every, ipa.GroupTerms(), one_by_one_counts, *args)
        assert fast == slow
        f = ipa.pre_filter(target, sched.nodes, state.all_bound_pods, state.affinity_groups_for(target),
                           sched._group_terms, sched._pod_counts, *args)
        s = ipa.pre_filter(target, sched.nodes, state.all_bound_pods, every, ipa.GroupTerms(), one_by_one_counts,
                           *args)
        assert (f is None) == (s is None)
        if f is not None and s is not None:
            assert (f.existing_anti_counts, f.affinity_counts, f.anti_counts) == (
                s.existing_anti_counts, s.affinity_counts, s.anti_counts)

    queued = [q for q in p.pods if not q.node_name]
    for k, q in enumerate(queued):  # bind them one by one, then remove some bound pods
        for target in queued:
            compare(target)
        state.bind(q, k % 3)
    for q in [q for q in p.pods if q.node_name][: data.draw(st.integers(0, 4))]:
        state.remove(q)
        for target in queued:
            compare(target)
