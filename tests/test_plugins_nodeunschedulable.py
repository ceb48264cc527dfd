"""NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes only pods that tolerate the
``node.kubernetes.io/unschedulable:NoSchedule`` taint; its failure is UnschedulableAndUnresolvable."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import message, node, pc, pod, run, states, taint

from priocli.framework import UNSCHEDULABLE_AND_UNRESOLVABLE
from priocli.load.parse import Admission, parse_node, parse_pod
from priocli.plugins import nodeunschedulable

REASON = "node(s) were unschedulable"
UNSCHEDULABLE_KEY = "node.kubernetes.io/unschedulable"


def cordoned(name: str, **kw: Any) -> dict:
    return node(name, unschedulable=True, **kw)


def test_cordoned_node_rejects_a_pod_without_toleration() -> None:
    result = run(cordoned("a"), pod("p"))
    assert states(result) == {"default/p": ("pending", None)}
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {REASON}. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def test_cordoned_node_is_skipped_for_another() -> None:
    result = run(cordoned("a"), node("b", cpu="1"), pod("p"))
    assert states(result) == {"default/p": ("running", "b")}


@pytest.mark.parametrize("tol", [
    {"key": UNSCHEDULABLE_KEY, "operator": "Exists", "effect": "NoSchedule"},
    {"key": UNSCHEDULABLE_KEY, "operator": "Exists"},
    {"key": UNSCHEDULABLE_KEY, "operator": "Equal", "value": "", "effect": "NoSchedule"},
    {"operator": "Exists"},
])
def test_cordoned_node_takes_a_pod_that_tolerates_it(tol: dict) -> None:
    result = run(cordoned("a"), pod("p", spec={"tolerations": [tol]}))
    assert states(result) == {"default/p": ("running", "a")}


@pytest.mark.parametrize("tol", [
    {"key": UNSCHEDULABLE_KEY, "operator": "Exists", "effect": "NoExecute"},
    {"key": UNSCHEDULABLE_KEY, "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    {"key": "other", "operator": "Exists"},
])
def test_tolerations_that_do_not_tolerate_the_cordon(tol: dict) -> None:
    result = run(cordoned("a"), pod("p", spec={"tolerations": [tol]}))
    assert states(result) == {"default/p": ("pending", None)}
    assert message(result, "default/p").startswith(f"0/1 nodes are available: 1 {REASON}.")


def test_cordon_is_reported_before_the_taint_the_node_controller_adds() -> None:
    """NodeUnschedulable runs before TaintToleration: only its reason is counted."""
    result = run(cordoned("a", taints=[taint(UNSCHEDULABLE_KEY)]), pod("p"))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {REASON}. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def test_cordoned_node_is_never_a_preemption_candidate() -> None:
    result = run(cordoned("a", cpu="1"), node("b", cpu="1"), pc("high", 1000),
                 pod("low-a", cpu="1", node="a"), pod("low-b", cpu="1", node="b"),
                 pod("p", cls="high", cpu="1"))
    assert states(result) == {"default/low-a": ("running", "a"), "default/low-b": ("evicted", "b"),
                              "default/p": ("running", "b")}


def test_running_pods_stay_on_a_cordoned_node() -> None:
    result = run(cordoned("a"), pod("old", node="a"))
    assert states(result) == {"default/old": ("running", "a")}


def test_filter_node_direct() -> None:
    admission = Admission.build([])
    n = parse_node(cordoned("a"), None, 0)
    plain = parse_pod(pod("p"), None, 0, admission).pod
    tolerant = parse_pod(pod("t", spec={"tolerations": [{"key": UNSCHEDULABLE_KEY, "operator": "Exists"}]}),
                         None, 1, admission).pod
    st = nodeunschedulable.filter_node(plain, n)
    assert st is not None and (st.code, st.reasons, st.plugin) == (UNSCHEDULABLE_AND_UNRESOLVABLE, (REASON,),
                                                                   "NodeUnschedulable")
    assert nodeunschedulable.filter_node(tolerant, n) is None
    assert nodeunschedulable.filter_node(plain, parse_node(node("b"), None, 1)) is None
