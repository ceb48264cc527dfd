"""PrioritySort: higher priority first, then the earlier queue timestamp."""

from __future__ import annotations

from priocli.model import Pod


def sort_key(pod: Pod, timestamp: int) -> tuple[int, int]:
    return (-pod.priority, timestamp)
