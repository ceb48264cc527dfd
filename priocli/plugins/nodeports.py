"""NodePorts: host ports already used on the node (by any container of any pod) conflict."""

from __future__ import annotations

from collections.abc import Iterable

from priocli.framework import NodeView, Status, unschedulable
from priocli.model import HostPort, Pod

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"
ANY_IP = "0.0.0.0"


def _conflict(want: HostPort, used: HostPort) -> bool:
    if want.port != used.port or want.protocol != used.protocol:
        return False
    a = want.ip or ANY_IP
    b = used.ip or ANY_IP
    return a == ANY_IP or b == ANY_IP or a == b


def ports_conflict(wanted: Iterable[HostPort], pods: Iterable[Pod]) -> bool:
    wanted = tuple(wanted)
    for p in pods:
        for used in p.spec.host_ports:
            for w in wanted:
                if _conflict(w, used):
                    return True
    return False


def filter(pod: Pod, view: NodeView) -> Status | None:
    if not pod.spec.host_ports:
        return None
    if ports_conflict(pod.spec.host_ports, view.pods):
        return unschedulable(NAME, REASON)
    return None
