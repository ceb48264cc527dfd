"""ImageLocality: prefer nodes that already hold the pod's container images (``status.images``)."""

from __future__ import annotations

from collections.abc import Sequence

from priocli.framework import MAX_NODE_SCORE
from priocli.model import Node

NAME = "ImageLocality"
WEIGHT = 1
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def image_spread(nodes: Sequence[Node]) -> dict[str, int]:
    """How many nodes hold each image."""
    counts: dict[str, int] = {}
    for n in nodes:
        for image in n.images:
            counts[image] = counts.get(image, 0) + 1
    return counts


def score(images: Sequence[str], node: Node, spread: dict[str, int], total_nodes: int) -> int:
    if not images:
        return 0
    total = 0
    for image in images:
        size = node.images.get(image)
        if size is not None:
            total += int(size * (spread[image] / total_nodes))
    max_threshold = MAX_CONTAINER_THRESHOLD * len(images)
    total = min(max(total, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
