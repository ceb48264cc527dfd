"""NodePorts: a host port (ip, protocol, port) already used on the node conflicts; ``0.0.0.0`` or
an empty hostIP conflicts with every address. Unschedulable (preemption may free the port):
``node(s) didn't have free ports for the requested pod ports``. Only regular containers count."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import message, node, pc, pod, run, states

REASON = "node(s) didn't have free ports for the requested pod ports"


def with_ports(name: str, *ports: dict[str, Any], node_name: str | None = None, **kw: Any) -> dict:
    p = pod(name, node=node_name, **kw)
    p["spec"]["containers"][0]["ports"] = [{"containerPort": 80, **pt} for pt in ports]
    return p


def port(host_port: int, protocol: str | None = None, ip: str | None = None) -> dict[str, Any]:
    pt: dict[str, Any] = {"hostPort": host_port}
    if protocol:
        pt["protocol"] = protocol
    if ip is not None:
        pt["hostIP"] = ip
    return pt


CASES = [
    # (used on the node, wanted, conflict)
    (port(80), port(80), True),
    (port(80), port(81), False),
    (port(80, "TCP"), port(80, "UDP"), False),
    (port(53, "UDP"), port(53, "UDP"), True),
    (port(80, "SCTP"), port(80), False),
    (port(80, ip="10.0.0.1"), port(80, ip="10.0.0.2"), False),
    (port(80, ip="10.0.0.1"), port(80, ip="10.0.0.1"), True),
    (port(80, ip="0.0.0.0"), port(80, ip="10.0.0.2"), True),
    (port(80, ip="10.0.0.1"), port(80, ip="0.0.0.0"), True),
    (port(80), port(80, ip="10.0.0.2"), True),  # empty hostIP = 0.0.0.0
    (port(80, ip="10.0.0.1"), port(80), True),
    (port(80, "UDP", ip="0.0.0.0"), port(80, "TCP", ip="10.0.0.1"), False),
]


@pytest.mark.parametrize(("used", "wanted", "conflict"), CASES)
def test_host_port_conflicts(used: dict, wanted: dict, conflict: bool) -> None:
    result = run(node("a"), with_ports("holder", used, node_name="a"), with_ports("p", wanted))
    if conflict:
        assert states(result)["default/p"] == ("pending", None)
        assert message(result, "default/p") == (
            f"0/1 nodes are available: 1 {REASON}. "
            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    else:
        assert states(result)["default/p"] == ("running", "a")


def test_pod_goes_to_the_node_where_its_port_is_free() -> None:
    # a sorts first and is emptier; only b has port 80 free
    result = run(node("a"), node("b"), with_ports("holder", port(80), node_name="a"),
                 pod("busy", cpu="2", node="b"), with_ports("p", port(80)))
    assert states(result)["default/p"] == ("running", "b")


def test_any_of_several_ports_conflicting_is_enough() -> None:
    result = run(node("a"), with_ports("holder", port(443), node_name="a"), with_ports("p", port(80), port(443)))
    assert states(result)["default/p"] == ("pending", None)


def test_ports_of_pods_queued_earlier_count() -> None:
    result = run(node("a"), node("b"), with_ports("first", port(8080)), with_ports("second", port(8080)))
    assert {states(result)["default/first"][1], states(result)["default/second"][1]} == {"a", "b"}


def test_container_port_without_host_port_does_not_count() -> None:
    holder = pod("holder", node="a")
    holder["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    assert states(run(node("a"), holder, with_ports("p", port(80))))["default/p"] == ("running", "a")


def test_init_container_host_ports_do_not_count() -> None:
    holder = pod("holder", node="a", spec={"initContainers": [
        {"name": "init", "image": "x", "ports": [{"containerPort": 80, "hostPort": 80}]}]})
    assert states(run(node("a"), holder, with_ports("p", port(80))))["default/p"] == ("running", "a")


def test_preemption_frees_a_port() -> None:
    result = run(node("a"), pc("high", 1000), with_ports("holder", port(80), node_name="a"),
                 with_ports("p", port(80), cls="high"))
    assert states(result) == {"default/holder": ("evicted", "a"), "default/p": ("running", "a")}


def test_preemption_does_not_evict_pods_that_do_not_hold_the_port() -> None:
    result = run(node("a"), pc("high", 1000), pc("top", 2000), with_ports("holder", port(80), node_name="a", cls="top"),
                 pod("bystander", node="a"), with_ports("p", port(80), cls="high"))
    assert states(result)["default/bystander"] == ("running", "a")
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {REASON}. preemption: 0/1 nodes are available: 1 {REASON}.")

