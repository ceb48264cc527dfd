"""NodeName: a pod that names a node (``spec.nodeName``) fits only that node."""

from __future__ import annotations

from priocli.framework import Status, unresolvable
from priocli.model import Node, Pod

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"


def filter_node(pod: Pod, node: Node) -> Status | None:
    if pod.spec.node_name and pod.spec.node_name != node.name:
        return unresolvable(NAME, REASON)
    return None
