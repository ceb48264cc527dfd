"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) reject pods that do not tolerate them."""

from __future__ import annotations

from priocli.framework import Status, unresolvable
from priocli.model import Node, Pod, Taint

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")


def filter_node(pod: Pod, node: Node) -> Status | None:
    if not node.unschedulable:
        return None
    if any(t.tolerates(UNSCHEDULABLE_TAINT) for t in pod.spec.tolerations):
        return None
    return unresolvable(NAME, REASON)
