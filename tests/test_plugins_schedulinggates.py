"""SchedulingGates (PreEnqueue): a pod with ``spec.schedulingGates`` is parked, never attempted:
no FailedScheduling, no preemption, no nomination; its PodScheduled condition says
``Scheduling is blocked due to non-empty scheduling gates``."""

from __future__ import annotations

from typing import Any

from helpers import load, message, node, pc, pod, run, states

from priocli.plugins import schedulinggates

BLOCKED = "Scheduling is blocked due to non-empty scheduling gates"


def gated(name: str, *gates: str, **kw: Any) -> dict:
    return pod(name, spec={"schedulingGates": [{"name": g} for g in gates]}, **kw)


def test_gated_pod_stays_pending_and_is_never_attempted() -> None:
    result = run(node("a"), gated("p", "example.com/quota"))
    assert states(result) == {"default/p": ("pending", None)}
    assert message(result, "default/p") == BLOCKED
    assert [e for e in result.events if e["pod"] == "default/p"] == []
    o = result.outcome("default/p")
    assert o is not None and o.nominated_node is None


def test_gated_pod_does_not_preempt() -> None:
    result = run(node("a", cpu="1"), pc("high", 1000), pod("low", cpu="1", node="a"),
                 gated("p", "wait", cls="high", cpu="1"))
    assert states(result) == {"default/low": ("running", "a"), "default/p": ("pending", None)}
    assert result.evictions == []


def test_gated_pod_reserves_nothing() -> None:
    result = run(node("a", cpu="1"), pc("high", 1000), gated("first", "wait", cls="high", cpu="1"),
                 pod("second", cpu="1"))
    assert states(result) == {"default/first": ("pending", None), "default/second": ("running", "a")}


def test_pods_without_gates_are_unaffected() -> None:
    result = run(node("a"), gated("g", "x"), pod("p"))
    assert states(result) == {"default/g": ("pending", None), "default/p": ("running", "a")}


def test_pre_enqueue_message() -> None:
    [p] = load(node("a"), gated("p", "example.com/quota", "example.com/review")).pods
    assert schedulinggates.gated(p)
    assert schedulinggates.pre_enqueue_message(p) == "waiting for scheduling gates: [example.com/quota example.com/review]"
    [q] = load(node("a"), pod("q")).pods
    assert not schedulinggates.gated(q)
