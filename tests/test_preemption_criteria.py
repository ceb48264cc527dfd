"""DefaultPreemption (reference §8): which node is chosen, which pods are victims, and the
``preemption: ...`` messages, each rule in a scenario where that rule alone decides.

pickOneNodeForPreemption's criteria, in order: 1 fewest PDB violations, 2 lowest priority of
``victims[0]`` (v1.29.4: the first PDB-violating victim when there is one), 3 lowest sum of
(priority + 2^31), 4 fewest victims, 5 latest earliest start time among the highest-priority
victims, 6 (random in kube-scheduler) node name order. Every scenario runs through both
engine paths (``shortcuts=True``: vectorized resource-only dry runs; ``False``: the plain
node-by-node dry run) and must decide identically; the winning node is placed so that the
next criteria (and name order) would have chosen another one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    NEVER_SUFFIX,
    NO_VICTIMS,
    NOT_HELPFUL,
    TERMINATING_SUFFIX,
    evicted,
    failures,
    load,
    message,
    node,
    pc,
    pdb,
    pod,
    run,
    run_both,
    states,
    taint,
    trace,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from priocli.api import load_cluster, simulate_cluster
from priocli.preemption import CRITERIA
from priocli.render.json import render_json
from priocli.simulator import Options, Simulation

INT32_MIN = -(2**31)
PREEMPTOR = "default/p"


def classes(*values: int) -> list[dict]:
    return [pc("pre", 1_000_000)] + [pc(f"c{v}".replace("-", "m"), v) for v in values]


def cls(value: int) -> str:
    return f"c{value}".replace("-", "m")


def victim(name: str, on: str, prio: int, cpu: str = "1", start: str | None = None, **kw: Any) -> dict:
    return pod(name, node=on, cls=cls(prio), cpu=cpu, start=start, **kw)


def preemptor(cpu: str = "1", **kw: Any) -> dict:
    return pod("p", cls="pre", cpu=cpu, **kw)


def at(hh: int, mm: int = 0) -> str:
    return f"2024-05-01T{hh:02d}:{mm:02d}:00Z"


def decided(*docs: dict) -> tuple[str, dict[str, str]]:
    """The chosen node and, per other candidate, the criterion that eliminated it (explain's view)."""
    attempts = trace(PREEMPTOR, *docs)
    res = attempts[0].preemption
    assert res is not None and res.nominated_node is not None
    cluster_nodes = [d["metadata"]["name"] for d in docs if d.get("kind") == "Node"]
    name = cluster_nodes.__getitem__
    return name(res.nominated_node), {name(n): c for n, c in res.eliminated.items()}


def check(docs: list[dict], winner: str, victims: list[str], criterion: int) -> None:
    result = run_both(*docs)
    assert states(result)[PREEMPTOR] == ("running", winner)
    assert sorted(v for v, _, _ in evicted(result)) == sorted(f"default/{v}" for v in victims)
    assert {n for _, n, _ in evicted(result)} == {winner}
    chosen, eliminated = decided(*docs)
    assert chosen == winner
    assert set(eliminated.values()) == {CRITERIA[criterion - 1]}
    # the preemptor's attempt that preempted has no `preemption:` suffix
    first = failures(result, PREEMPTOR)[0]
    assert "preemption:" not in first


# ----------------------------------------------------------------------------- the six criteria


def test_1_fewest_pdb_violations() -> None:
    """n1's victim is lower priority (criterion 2 would take n1) but its PDB allows no disruption."""
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100, 500),
            pdb("guard", {"app": "guarded"}, 0),
            victim("v1", "n1", 100, labels={"app": "guarded"}), victim("v2", "n2", 500),
            preemptor()]
    check(docs, "n2", ["v2"], 1)
    assert [e.pdb_violated for e in run(*docs).evictions] == [()]


def test_1_counts_violating_victims() -> None:
    """Both victims on n1 exceed their PDB's budget; on n2 only one does."""
    docs = [node("n1", cpu="2"), node("n2", cpu="2"), *classes(100),
            pdb("a", {"app": "a"}, 0), pdb("b", {"app": "b"}, 0),
            victim("x1", "n1", 100, labels={"app": "a"}), victim("x2", "n1", 100, labels={"app": "a"}),
            victim("y1", "n2", 100, labels={"app": "b"}), victim("y2", "n2", 100),
            preemptor(cpu="2")]
    check(docs, "n2", ["y1", "y2"], 1)


def test_2_lowest_priority_of_the_first_victim() -> None:
    """n2 needs two victims of priority 100 (criteria 3 and 4 would take n1's single 300)."""
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100, 300),
            victim("v1", "n1", 300), victim("w1", "n2", 100, cpu="500m"), victim("w2", "n2", 100, cpu="500m"),
            preemptor()]
    check(docs, "n2", ["w1", "w2"], 2)


def test_2_first_victim_is_the_first_pdb_violating_one() -> None:
    """v1.29.4 quirk: victims are appended PDB-violating first, and criterion 2 reads victims[0].
    n2's victims are [v-guarded (100, violating), v-big (500)]: criterion 2 sees 100 < 300 and
    picks n2, although n2's highest-priority victim (500) is above n1's (300) and criteria 3 and
    4 would prefer n1 too. Fixed upstream by kubernetes#128307 (1.32), not in 1.29."""
    docs = [node("n1", cpu="2"), node("n2", cpu="2"), *classes(100, 300, 500),
            pdb("guard-1", {"app": "g1"}, 0), pdb("guard-2", {"app": "g2"}, 0),
            victim("w", "n1", 300, cpu="2", labels={"app": "g1"}),
            victim("v-guarded", "n2", 100, labels={"app": "g2"}), victim("v-big", "n2", 500),
            preemptor(cpu="2")]
    check(docs, "n2", ["v-guarded", "v-big"], 2)


def test_3_lowest_sum_of_priorities() -> None:
    docs = [node("n1", cpu="2"), node("n2", cpu="2"), *classes(100, 150, 200),
            victim("v1", "n1", 200), victim("v2", "n1", 150),
            victim("w1", "n2", 200), victim("w2", "n2", 100),
            preemptor(cpu="2")]
    check(docs, "n2", ["w1", "w2"], 3)


def test_3_sum_counts_each_victim_from_int32_min() -> None:
    """Each victim adds priority + 2^31, so a victim of the lowest possible priority adds 0:
    n2's three victims sum lower than n1's two (criterion 4 would take n1)."""
    docs = [node("n1", cpu="3"), node("n2", cpu="3"), *classes(0, -5, INT32_MIN),
            victim("v1", "n1", 0, cpu="2"), victim("v2", "n1", -5),
            victim("w1", "n2", 0), victim("w2", "n2", INT32_MIN), victim("w3", "n2", INT32_MIN),
            preemptor(cpu="3")]
    check(docs, "n2", ["w1", "w2", "w3"], 3)


def test_4_fewest_victims() -> None:
    """Criteria 1-3 tie only when the extra victim has priority -2^31 (it adds 0 to the sum)."""
    docs = [node("n1", cpu="2"), node("n2", cpu="2"), *classes(0, INT32_MIN),
            victim("v1", "n1", 0), victim("v2", "n1", INT32_MIN),
            victim("w1", "n2", 0, cpu="2"),
            preemptor(cpu="2")]
    check(docs, "n2", ["w1"], 4)


def test_5_latest_start_of_the_highest_priority_victims() -> None:
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100),
            victim("v", "n1", 100, start=at(9)), victim("w", "n2", 100, start=at(10)),
            preemptor()]
    check(docs, "n2", ["w"], 5)


def test_5_missing_start_time_counts_as_now() -> None:
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100),
            victim("v", "n1", 100, start=at(23, 59)), victim("w", "n2", 100),
            preemptor()]
    check(docs, "n2", ["w"], 5)


def test_5_uses_the_true_highest_priority_not_the_first_victim() -> None:
    """victims[0] is the PDB-violating 100 on both nodes; criterion 5 looks at the 500s:
    n1's started 08:00, n2's 09:00 (by the 100s it would be n1: 10:00 against 08:00)."""
    docs = [node("n1", cpu="2"), node("n2", cpu="2"), *classes(100, 500),
            pdb("guard", {"app": "guarded"}, 0),
            victim("v-low", "n1", 100, start=at(10), labels={"app": "guarded"}),
            victim("v-high", "n1", 500, start=at(8)),
            victim("w-low", "n2", 100, start=at(8), labels={"app": "guarded"}),
            victim("w-high", "n2", 500, start=at(9)),
            preemptor(cpu="2")]
    check(docs, "n2", ["w-low", "w-high"], 5)


def test_6_node_name_order() -> None:
    docs = [node("n2", cpu="1"), node("n1", cpu="1"), *classes(100),
            victim("w", "n2", 100, start=at(9)), victim("v", "n1", 100, start=at(9)),
            preemptor()]
    check(docs, "n1", ["v"], 6)


def test_single_candidate_needs_no_criterion() -> None:
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100),
            pdb("guard", {"app": "guarded"}, 0),
            victim("v", "n1", 100, labels={"app": "guarded"}), pod("top", node="n2", cls="pre", cpu="1"),
            preemptor()]
    result = run_both(*docs)
    assert states(result)[PREEMPTOR] == ("running", "n1")
    assert [e.pdb_violated for e in result.evictions] == [("default/guard",)]
    assert decided(*docs) == ("n1", {})


# ----------------------------------------------------------------------------- victims and reprieve


@pytest.mark.parametrize("shortcuts", [True, False])
def test_reprieve_pdb_violating_pods_first(shortcuts: bool) -> None:
    """One of two pods must go. The PDB-protected one is reprieved first although it has the
    lower priority, so the higher-priority pod is evicted and no PDB is violated."""
    docs = [node("n1", cpu="2"), *classes(100, 500), pdb("guard", {"app": "guarded"}, 0),
            victim("low", "n1", 100, labels={"app": "guarded"}), victim("high", "n1", 500), preemptor()]
    result = run(*docs, shortcuts=shortcuts)
    assert evicted(result) == [("default/high", "n1", PREEMPTOR)]
    assert result.evictions[0].pdb_violated == ()


@pytest.mark.parametrize("shortcuts", [True, False])
def test_reprieve_by_priority(shortcuts: bool) -> None:
    docs = [node("n1", cpu="2"), *classes(100, 500), victim("low", "n1", 100, start=at(8)),
            victim("high", "n1", 500, start=at(9)), preemptor()]
    assert evicted(run(*docs, shortcuts=shortcuts)) == [("default/low", "n1", PREEMPTOR)]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_reprieve_earlier_start_first(shortcuts: bool) -> None:
    docs = [node("n1", cpu="2"), *classes(100), victim("newer", "n1", 100, start=at(10)),
            victim("older", "n1", 100, start=at(9)), preemptor()]
    assert evicted(run(*docs, shortcuts=shortcuts)) == [("default/newer", "n1", PREEMPTOR)]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_reprieve_pod_without_start_time_last(shortcuts: bool) -> None:
    docs = [node("n1", cpu="2"), *classes(100), victim("unknown", "n1", 100),
            victim("started", "n1", 100, start=at(23)), preemptor()]
    assert evicted(run(*docs, shortcuts=shortcuts)) == [("default/unknown", "n1", PREEMPTOR)]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_pdb_budget_is_spent_in_priority_order_before_the_reprieve(shortcuts: bool) -> None:
    """disruptionsAllowed 1, two protected pods: the higher-priority one takes the budget (not
    violating), the lower one is violating, so it is reprieved first and the higher one goes."""
    docs = [node("n1", cpu="2"), *classes(100, 500), pdb("guard", {"app": "guarded"}, 1),
            victim("low", "n1", 100, labels={"app": "guarded"}),
            victim("high", "n1", 500, labels={"app": "guarded"}), preemptor()]
    result = run(*docs, shortcuts=shortcuts)
    assert evicted(result) == [("default/high", "n1", PREEMPTOR)]
    assert result.evictions[0].pdb_violated == ()


@pytest.mark.parametrize("shortcuts", [True, False])
def test_pdbs_that_preemption_ignores(shortcuts: bool) -> None:
    """A PDB with ``selector: {}`` and pods without labels never count as violations in preemption
    (the eviction report still says the budget was exceeded)."""
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100, 500),
            pdb("everything", None, 0), victim("v", "n1", 100), victim("w", "n2", 500),
            preemptor()]
    result = run(*docs, shortcuts=shortcuts)
    assert evicted(result) == [("default/v", "n1", PREEMPTOR)]
    assert result.evictions[0].pdb_violated == ("default/everything",)


@pytest.mark.parametrize("shortcuts", [True, False])
def test_pods_listed_in_disrupted_pods_do_not_count(shortcuts: bool) -> None:
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100, 500),
            pdb("guard", {"app": "guarded"}, 0, disrupted=["v"]),
            victim("v", "n1", 100, labels={"app": "guarded"}), victim("w", "n2", 500),
            preemptor()]
    assert evicted(run(*docs, shortcuts=shortcuts)) == [("default/v", "n1", PREEMPTOR)]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_equal_priority_pods_are_never_victims(shortcuts: bool) -> None:
    docs = [node("n1", cpu="2"), pc("pre", 1000), pod("peer", node="n1", cls="pre", cpu="2"), preemptor()]
    result = run(*docs, shortcuts=shortcuts)
    assert result.evictions == []
    assert message(result, PREEMPTOR) == (
        f"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NO_VICTIMS}.")


@pytest.mark.parametrize("shortcuts", [True, False])
def test_removing_every_lower_pod_must_be_enough(shortcuts: bool) -> None:
    docs = [node("n1", cpu="2"), *classes(100), pod("peer", node="n1", cls="pre", cpu="1"),
            victim("low", "n1", 100), preemptor(cpu="2")]
    result = run(*docs, shortcuts=shortcuts)
    assert result.evictions == []
    assert message(result, PREEMPTOR) == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.")


@pytest.mark.parametrize("shortcuts", [True, False])
def test_never_does_not_preempt(shortcuts: bool) -> None:
    docs = [node("n1", cpu="1"), pc("batch", 1000, never=True), pc("low", 10),
            pod("low", node="n1", cls="low", cpu="1"), pod("p", cls="batch", cpu="1")]
    result = run(*docs, shortcuts=shortcuts)
    assert result.evictions == []
    assert states(result)[PREEMPTOR] == ("pending", None)
    assert message(result, PREEMPTOR) == f"0/1 nodes are available: 1 Insufficient cpu. {NEVER_SUFFIX}"


@pytest.mark.parametrize("shortcuts", [True, False])
def test_never_pods_can_be_victims(shortcuts: bool) -> None:
    docs = [node("n1", cpu="1"), pc("batch", 10, never=True), pc("pre", 1000),
            pod("batch", node="n1", cls="batch", cpu="1"), preemptor()]
    assert evicted(run(*docs, shortcuts=shortcuts)) == [("default/batch", "n1", PREEMPTOR)]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_unresolvable_nodes_are_never_candidates(shortcuts: bool) -> None:
    """Reference §6 worked examples 2 and 3: a, b tainted (UU) with lower-priority pods; c, d, e
    fail on memory; only c can be helped (removing x)."""
    def cluster(x_prio: int) -> list[dict]:
        return [
            node("a", memory="4Gi", taints=[taint("dedicated", "gpu")]),
            node("b", memory="4Gi", taints=[taint("dedicated", "gpu")]),
            node("c", memory="4Gi"), node("d", memory="4Gi"), node("e", memory="4Gi"),
            *classes(0, 2000, 5000),
            pod("ga", node="a", cls=cls(0), memory="3Gi"), pod("gb", node="b", cls=cls(0), memory="3Gi"),
            pod("x", node="c", cls=cls(x_prio), memory="3Gi"), pod("y", node="d", cls=cls(2000), memory="3Gi"),
            pod("z", node="e", cls=cls(0), memory="1Gi"), pod("w", node="e", cls=cls(5000), memory="2560Mi"),
            pod("p", cls="mid", memory="2Gi"), pc("mid", 1000),
        ]
    result = run(*cluster(0), shortcuts=shortcuts)
    assert evicted(result) == [("default/x", "c", PREEMPTOR)]
    assert failures(result, PREEMPTOR)[0] == (
        "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory.")
    assert states(result)[PREEMPTOR] == ("running", "c")
    result = run(*cluster(2000), shortcuts=shortcuts)
    assert result.evictions == []
    assert message(result, PREEMPTOR) == (
        "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory. "
        f"preemption: 0/5 nodes are available: 1 Insufficient memory, 2 {NO_VICTIMS}, 2 {NOT_HELPFUL}.")


# ----------------------------------------------------------------------------- nominated pods


TERMINATING = {"deletionTimestamp": "2024-05-01T10:00:00Z"}
DISRUPTED = {"conditions": [{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}]}


def waiting_on_a_terminating_victim() -> list[dict]:
    """N (1000) was nominated to n1 after preempting T, which is still terminating there."""
    return [node("n1", cpu="2"), pc("nominated", 1000), pc("low", 0),
            pod("t", node="n1", cls="low", cpu="1", meta=TERMINATING, status=DISRUPTED),
            pod("n", cls="nominated", cpu="2", status={"nominatedNodeName": "n1"})]


@pytest.mark.parametrize("shortcuts", [True, False])
def test_terminating_victim_on_the_nominated_node(shortcuts: bool) -> None:
    result = run(*waiting_on_a_terminating_victim(), shortcuts=shortcuts)
    assert states(result)["default/n"] == ("pending", None)
    assert message(result, "default/n") == f"0/1 nodes are available: 1 Insufficient cpu. {TERMINATING_SUFFIX}"
    o = result.outcome("default/n")
    assert o is not None and o.nominated_node == "n1"
    assert result.evictions == []


@pytest.mark.parametrize("shortcuts", [True, False])
@pytest.mark.parametrize("q_class", ["lower", "nominated"])
def test_nominated_pod_reserves_room_for_lower_and_equal_priority(shortcuts: bool, q_class: str) -> None:
    """n1 has 1 cpu free, but n (nominated there, priority 1000) is added first in pass 1 of the
    filter for pods of priority <= 1000: q (500 or 1000) does not fit, not even after the dry
    run removes t."""
    docs = [*waiting_on_a_terminating_victim(), pc("lower", 500), pod("q", cls=q_class, cpu="1")]
    result = run(*docs, shortcuts=shortcuts)
    assert states(result)["default/q"] == ("pending", None)
    assert message(result, "default/q") == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.")
    assert result.evictions == []


@pytest.mark.parametrize("shortcuts", [True, False])
def test_without_the_nomination_the_room_is_free(shortcuts: bool) -> None:
    docs = [*waiting_on_a_terminating_victim()[:-1], pc("lower", 500), pod("q", cls="lower", cpu="1")]
    assert states(run(*docs, shortcuts=shortcuts))["default/q"] == ("running", "n1")


@pytest.mark.parametrize("shortcuts", [True, False])
def test_higher_priority_pods_ignore_the_nomination(shortcuts: bool) -> None:
    docs = [*waiting_on_a_terminating_victim(), pc("urgent", 2000), pod("q", cls="urgent", cpu="1")]
    result = run(*docs, shortcuts=shortcuts)
    assert states(result)["default/q"] == ("running", "n1")
    assert message(result, "default/n") == f"0/1 nodes are available: 1 Insufficient cpu. {TERMINATING_SUFFIX}"


@pytest.mark.parametrize("shortcuts", [True, False])
def test_nominated_node_is_tried_first_and_taken_without_scoring(shortcuts: bool) -> None:
    docs = [node("a"), node("b"), pod("busy", node="b", cpu="3")]
    assert states(run(*docs, pod("p", cpu="1"), shortcuts=shortcuts))[PREEMPTOR] == ("running", "a")
    nominated = pod("p", cpu="1", status={"nominatedNodeName": "b"})
    assert states(run(*docs, nominated, shortcuts=shortcuts))[PREEMPTOR] == ("running", "b")
    full = [node("a"), node("b"), pod("busy", node="b", cpu="4"), nominated]
    assert states(run(*full, shortcuts=shortcuts))[PREEMPTOR] == ("running", "a")


@pytest.mark.parametrize("shortcuts", [True, False])
def test_terminating_pod_does_not_block_when_the_nominated_node_is_unresolvable(shortcuts: bool) -> None:
    """The nominated node is now tainted (UU for the pod): the pod is eligible again and preempts
    elsewhere, although its old victim is still terminating there."""
    docs = [node("n1", cpu="2", taints=[taint("gone")]), node("n2", cpu="1"), *classes(0),
            pod("t", node="n1", cls=cls(0), cpu="1", meta=TERMINATING, status=DISRUPTED),
            victim("v", "n2", 0), preemptor(status={"nominatedNodeName": "n1"})]
    result = run(*docs, shortcuts=shortcuts)
    assert evicted(result) == [("default/v", "n2", PREEMPTOR)]
    assert failures(result, PREEMPTOR) == [
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {gone: }."]
    assert states(result)[PREEMPTOR] == ("running", "n2")


@pytest.mark.parametrize("shortcuts", [True, False])
def test_preemptor_takes_its_nominated_node_next(shortcuts: bool) -> None:
    docs = [node("n1", cpu="1"), node("n2", cpu="1"), *classes(100),
            victim("v", "n1", 100), pod("top", node="n2", cls="pre", cpu="1"), preemptor()]
    result = run(*docs, shortcuts=shortcuts)
    kinds = [(e["type"], e["pod"]) for e in result.events]
    assert kinds == [("Preempted", "default/v"), ("Nominated", PREEMPTOR), ("FailedScheduling", PREEMPTOR),
                     ("Scheduled", PREEMPTOR)]
    assert result.events[-1]["node"] == "n1"


# ----------------------------------------------------------------------------- the bundled fixture

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "placement-preemption"
CHECKOUT_2_FIRST = (
    "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, "
    "1 node(s) didn't match pod topology spread constraints, 2 node(s) had untolerated taint {dedicated: gpu}.")
CHECKOUT_3 = (
    "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
    "2 node(s) didn't match pod topology spread constraints, 2 node(s) had untolerated taint {dedicated: gpu}. "
    "preemption: 0/5 nodes are available: 2 node(s) didn't match pod topology spread constraints, "
    "3 Preemption is not helpful for scheduling.")


def test_placement_preemption_fixture() -> None:
    """Taints (gpu-a, gpu-b) and node affinity (edge-c) make three nodes UnschedulableAndUnresolvable:
    never candidates, although they have the most room and lower-priority pods. The zone spread
    (minDomains 3 over the two general-tier zones) rules out web-a, so checkout-2 must preempt on
    web-b; checkout-3 has nowhere to go."""
    fast = simulate_cluster(load_cluster([str(FIXTURE)]), shortcuts=True)
    plain = simulate_cluster(load_cluster([str(FIXTURE)]), shortcuts=False)
    assert render_json(fast) == render_json(plain)
    result = fast
    assert states(result) == {
        "analytics/cache-warmer": ("running", "web-a"),
        "analytics/report-1": ("running", "web-b"),
        "analytics/report-2": ("evicted", "web-b"),
        "analytics/trainer-a": ("running", "gpu-a"),
        "analytics/trainer-b": ("running", "gpu-b"),
        "shop/checkout-1": ("running", "web-a"),
        "shop/checkout-2": ("running", "web-b"),
        "shop/checkout-3": ("pending", None),
    }
    assert [e.as_dict() for e in result.evictions] == [
        {"pod": "analytics/report-2", "node": "web-b", "preemptor": "shop/checkout-2", "pdbViolated": []}]
    assert failures(result, "shop/checkout-2") == [CHECKOUT_2_FIRST]
    assert message(result, "shop/checkout-3") == CHECKOUT_3
    assert set(failures(result, "shop/checkout-3")) == {CHECKOUT_3}
    o = result.outcome("shop/checkout-3")
    assert o is not None and o.nominated_node is None
    assert result.summary() == {"nodes": 5, "pods": 8, "running": 5, "scheduled": 1, "pending": 1, "evicted": 1}
    assert result.warnings == []


def test_placement_preemption_fixture_dry_runs() -> None:
    """Which nodes checkout-2's preemption tried and why the others are out (explain's view)."""
    sim = Simulation(load_cluster([str(FIXTURE)]), Options(trace=frozenset({"shop/checkout-2"})))
    sim.run()
    res = sim.traces["shop/checkout-2"][0].preemption
    assert res is not None and res.nominated_node is not None
    names = [n.name for n in sim.cluster.nodes]
    assert names[res.nominated_node] == "web-b"
    assert [names[c.node] for c in res.candidates] == ["web-b"]
    assert {names[i]: st.reasons for i, st in res.dry_run_statuses.items()} == {
        "web-a": ("node(s) didn't match pod topology spread constraints",)}


def test_readme_shows_the_fixture_output() -> None:
    readme = (FIXTURE.parent.parent / "README.md").read_text()
    section = readme.split("\n## Placement example\n", 1)[1].split("\n## ", 1)[0]
    assert "priocli simulate fixtures/placement-preemption" in section
    shown = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```$", section, re.M | re.S) if not lang]
    proc = subprocess.run([sys.executable, "-m", "priocli", "simulate", "fixtures/placement-preemption"],
                          cwd=FIXTURE.parent.parent, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout in shown


# ----------------------------------------------------------------------------- the dry run's pre-screen

@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_prescreen_one_by_one_and_whole_array_forms_agree(data: st.DataObject) -> None:
    """The resource-only dry run's pre-screen (per node: no lower pod / no fit with all removed and
    its status / fits and the lowest level whose removal fits / PDB-counted pods) is the same from
    the few-node form (noderesources.SCALAR_BELOW) as from the whole-array form."""
    import numpy as np

    from priocli.plugins import noderesources
    from priocli.preemption import NO_FIT, _Prescreen
    from priocli.simulator import Simulation, _Pass

    values = [0, 10, 100, 1000]
    docs: list = [pc(f"p{v}", v) for v in values] + [pdb("budget", {"app": "a"}, data.draw(st.integers(0, 1)))]
    n_nodes = data.draw(st.integers(1, 12))
    for i in range(n_nodes):
        docs.append(node(f"n{i}", cpu=str(data.draw(st.integers(1, 8))), pods=data.draw(st.integers(1, 6))))
        for j in range(data.draw(st.integers(0, 5))):
            docs.append(pod(f"r{i}-{j}", cls=f"p{data.draw(st.sampled_from(values[:3]))}", node=f"n{i}",
                            cpu=f"{data.draw(st.integers(0, 3000))}m",
                            labels={"app": data.draw(st.sampled_from(["a", "b"]))}))
    docs.append(pod("incoming", cls="p1000", cpu=f"{data.draw(st.integers(0, 9000))}m"))
    p = _Pass(Simulation(load(*docs)))
    p._setup()
    the_pod = next(x for x in p.pods if x.name == "incoming")
    pre = p.preemptor
    k = data.draw(st.integers(0, len(p.state.levels)))
    nodes = np.arange(n_nodes, dtype=np.int64)
    results = []
    for below in (0, 10**6):
        out = _Prescreen(n_nodes)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(noderesources, "SCALAR_BELOW", below)
            pre._fill_prescreen(the_pod, k, nodes, out)
        status = [p.sched.table.statuses[s] if kind == NO_FIT else None
                  for kind, s in zip(out.kind.tolist(), out.status.tolist(), strict=True)]
        results.append((out.kind.tolist(), out.top.tolist(), out.pdb.tolist(), status))
    assert results[0] == results[1]
