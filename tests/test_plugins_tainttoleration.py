"""TaintToleration: untolerated NoSchedule / NoExecute taints filter (UnschedulableAndUnresolvable,
``node(s) had untolerated taint {key: value}``); PreferNoSchedule taints only lower the score.

Toleration matching (v1.Toleration.ToleratesTaint): effect empty or equal, key empty or equal,
``Exists`` any value, ``Equal`` (or empty operator) the same value.
"""

from __future__ import annotations

import pytest
from helpers import message, node, pc, pod, run, states, taint, trace

from priocli.framework import UNSCHEDULABLE_AND_UNRESOLVABLE
from priocli.load.parse import Admission, parse_node, parse_pod
from priocli.model import Taint, Toleration
from priocli.plugins import tainttoleration

NOT_HELPFUL = "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."


def tolerating(*tols: dict) -> dict:
    return pod("p", spec={"tolerations": list(tols)})


@pytest.mark.parametrize("effect", ["NoSchedule", "NoExecute"])
def test_untolerated_taint_filters(effect: str) -> None:
    result = run(node("a", taints=[taint("dedicated", "gpu", effect)]), pod("p"))
    assert states(result) == {"default/p": ("pending", None)}
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 node(s) had untolerated taint {{dedicated: gpu}}. {NOT_HELPFUL}")


def test_empty_value_message_form() -> None:
    result = run(node("a", taints=[taint("node-role.kubernetes.io/control-plane")]), pod("p"))
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        f"{NOT_HELPFUL}")


def test_prefer_no_schedule_does_not_filter() -> None:
    result = run(node("a", taints=[taint("dedicated", "gpu", "PreferNoSchedule")]), pod("p"))
    assert states(result) == {"default/p": ("running", "a")}


def test_first_untolerated_taint_in_node_order_is_reported() -> None:
    taints = [taint("soft", "x", "PreferNoSchedule"), taint("tolerated", "yes"), taint("second", "b", "NoExecute"),
              taint("third", "c")]
    result = run(node("a", taints=taints), tolerating({"key": "tolerated", "operator": "Exists"}))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 node(s) had untolerated taint {{second: b}}. {NOT_HELPFUL}")


def test_each_taint_is_its_own_histogram_line() -> None:
    result = run(node("a", taints=[taint("dedicated", "gpu")]), node("b", taints=[taint("dedicated", "gpu")]),
                 node("c", taints=[taint("dedicated", "db")]), pod("p"))
    assert message(result, "default/p") == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, "
        "2 node(s) had untolerated taint {dedicated: gpu}. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


@pytest.mark.parametrize("tol", [
    {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
    {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},  # operator defaults to Equal
    {"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "dedicated", "operator": "Equal", "value": "gpu"},  # empty effect: every effect
    {"key": "dedicated", "operator": "Exists"},
    {"operator": "Exists", "effect": "NoSchedule"},  # empty key + Exists: every key
    {"operator": "Exists"},  # tolerates everything
])
def test_tolerations_that_tolerate(tol: dict) -> None:
    result = run(node("a", taints=[taint("dedicated", "gpu")]), tolerating(tol))
    assert states(result) == {"default/p": ("running", "a")}


@pytest.mark.parametrize("tol", [
    {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"},  # other value
    {"key": "dedicated", "operator": "Equal", "effect": "NoSchedule"},  # empty value != gpu
    {"key": "dedicated", "operator": "Exists", "effect": "NoExecute"},  # other effect
    {"key": "dedicated", "operator": "Exists", "effect": "PreferNoSchedule"},
    {"key": "other", "operator": "Exists"},  # other key
    {"operator": "Exists", "effect": "NoExecute"},  # every key, but only NoExecute
])
def test_tolerations_that_do_not_tolerate(tol: dict) -> None:
    result = run(node("a", taints=[taint("dedicated", "gpu")]), tolerating(tol))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 node(s) had untolerated taint {{dedicated: gpu}}. {NOT_HELPFUL}")


def test_no_execute_taint_needs_a_no_execute_toleration() -> None:
    t = taint("maintenance", "true", "NoExecute")
    no_schedule = {"key": "maintenance", "operator": "Exists", "effect": "NoSchedule"}
    no_execute = {"key": "maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}
    assert states(run(node("a", taints=[t]), tolerating(no_schedule)))["default/p"] == ("pending", None)
    assert states(run(node("a", taints=[t]), tolerating(no_execute)))["default/p"] == ("running", "a")


def test_empty_value_taint_tolerated_by_equal_with_empty_value() -> None:
    result = run(node("a", taints=[taint("gpu")]), tolerating({"key": "gpu", "operator": "Equal", "effect": "NoSchedule"}))
    assert states(result) == {"default/p": ("running", "a")}


def test_tainted_nodes_are_never_preemption_candidates() -> None:
    """a would win the last tie-break (node name) if it were a candidate: its taint is UU."""
    result = run(node("a", cpu="1", taints=[taint("dedicated", "gpu")]), node("b", cpu="1"), pc("high", 1000),
                 pod("low-a", cpu="1", node="a"), pod("low-b", cpu="1", node="b"), pod("p", cls="high", cpu="1"))
    assert states(result) == {"default/low-a": ("running", "a"), "default/low-b": ("evicted", "b"),
                              "default/p": ("running", "b")}


def test_pending_message_when_the_only_victims_are_on_tainted_nodes() -> None:
    result = run(node("a", cpu="1", taints=[taint("dedicated", "gpu")]), node("b", cpu="1"), pc("high", 1000),
                 pod("low-a", cpu="1", node="a"), pod("high-b", cls="high", cpu="1", node="b"),
                 pod("p", cls="high", cpu="1"))
    assert message(result, "default/p") == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. "
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
        "1 Preemption is not helpful for scheduling.")


# ----------------------------------------------------------------------------- scoring


def test_prefer_no_schedule_taint_steers_the_pod_away() -> None:
    # a sorts first and would win a tie; its PreferNoSchedule taint costs it 300 points (weight 3)
    docs = (node("a", taints=[taint("spot", "true", "PreferNoSchedule")]), node("b"))
    assert states(run(*docs, pod("p")))["default/p"] == ("running", "b")
    [attempt] = trace("default/p", *docs, pod("p"))
    assert attempt.scores is not None
    assert attempt.scores.plugins["TaintToleration"].tolist() == [0, 300]


@pytest.mark.parametrize("tol", [
    {"key": "spot", "operator": "Exists", "effect": "PreferNoSchedule"},
    {"key": "spot", "operator": "Equal", "value": "true"},
])
def test_tolerated_prefer_no_schedule_taint_costs_nothing(tol: dict) -> None:
    docs = (node("a", taints=[taint("spot", "true", "PreferNoSchedule")]), node("b"))
    assert states(run(*docs, tolerating(tol)))["default/p"] == ("running", "a")


def test_score_is_reverse_normalized_over_the_feasible_nodes() -> None:
    soft = [taint(f"k{i}", "v", "PreferNoSchedule") for i in range(4)]
    docs = (node("a", taints=soft[:4]), node("b", taints=soft[:1]), node("c", taints=soft[:3]), node("d"))
    [attempt] = trace("default/p", *docs, pod("p"))
    assert attempt.scores is not None
    # raw counts 4, 1, 3, 0 -> 100 - 100*s/4 -> 0, 75, 25, 100; weight 3
    assert attempt.scores.plugins["TaintToleration"].tolist() == [0, 225, 75, 300]


def test_raw_score_counts_only_tolerations_with_empty_or_prefer_no_schedule_effect() -> None:
    admission = Admission.build([])
    n = parse_node(node("a", taints=[taint("x", "1", "PreferNoSchedule"), taint("y", "1", "PreferNoSchedule"),
                                     taint("z", "1", "NoSchedule")]), None, 0)

    def raw(*tols: dict) -> int:
        return tainttoleration.intolerable_prefer_no_schedule(parse_pod(tolerating(*tols), None, 0, admission).pod, n)

    assert raw() == 2
    assert raw({"key": "x", "operator": "Exists"}) == 1
    assert raw({"key": "x", "operator": "Exists", "effect": "PreferNoSchedule"}) == 1
    assert raw({"key": "x", "operator": "Exists", "effect": "NoSchedule"}) == 2
    assert raw({"operator": "Exists"}) == 0


def test_filter_node_direct() -> None:
    n = parse_node(node("a", taints=[taint("a", "1", "PreferNoSchedule"), taint("b", "", "NoExecute")]), None, 0)
    p = parse_pod(pod("p"), None, 0, Admission.build([])).pod
    st = tainttoleration.filter_node(p, n)
    assert st is not None
    assert (st.code, st.reasons, st.plugin) == (UNSCHEDULABLE_AND_UNRESOLVABLE, ("node(s) had untolerated taint {b: }",),
                                                "TaintToleration")


@pytest.mark.parametrize(("tol", "taint_", "ok"), [
    (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "v", "NoSchedule"), True),
    (Toleration("k", "", "v", "NoSchedule"), Taint("k", "v", "NoSchedule"), True),
    (Toleration("k", "Equal", "v", ""), Taint("k", "v", "NoExecute"), True),
    (Toleration("k", "Exists", "", ""), Taint("k", "anything", "PreferNoSchedule"), True),
    (Toleration("", "Exists", "", ""), Taint("k", "v", "NoExecute"), True),
    (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "w", "NoSchedule"), False),
    (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "v", "NoExecute"), False),
    (Toleration("k", "Exists", "", ""), Taint("l", "v", "NoSchedule"), False),
    (Toleration("", "Exists", "", "NoSchedule"), Taint("l", "v", "NoExecute"), False),
])
def test_tolerates_taint(tol: Toleration, taint_: Taint, ok: bool) -> None:
    assert tol.tolerates(taint_) is ok
