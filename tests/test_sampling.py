"""``--emulate-sampling``: kube-scheduler's node sampling instead of evaluating every node.

By default priocli filters and scores every node (reproducible). With sampling, the pass walks the
nodes in the scheduler snapshot's order from nextStartNodeIndex, stops after
numFeasibleNodesToFind feasible ones, and preemption dry-runs max(10%, 100) candidates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import Obj, load, node, pc, pod, states, yaml_text
from typer.testing import CliRunner

from priocli.api import simulate_cluster
from priocli.cli import app
from priocli.scheduler import node_tree_order, num_feasible_nodes_to_find


@pytest.mark.parametrize(("nodes", "percentage", "expected"), [
    (1, 0, 1), (99, 0, 99),  # below 100 nodes: all of them
    (100, 0, 100),  # 50% of 100 is below the minimum of 100
    (1000, 0, 420),  # adaptive: 50 - 1000/125 = 42%
    (5000, 0, 500),  # 50 - 40 = 10%
    (6000, 0, 300),  # 50 - 48 = 2%, raised to the 5% floor
    (1000, 30, 300),  # percentageOfNodesToScore set
    (200, 10, 100),  # never fewer than 100
])
def test_num_feasible_nodes_to_find(nodes: int, percentage: int, expected: int) -> None:
    assert num_feasible_nodes_to_find(nodes, percentage) == expected


def test_node_tree_order_interleaves_zones_in_order_of_appearance() -> None:
    zone = "topology.kubernetes.io/zone"
    cluster = load(node("a1", labels={zone: "a"}), node("b1", labels={zone: "b"}), node("a2", labels={zone: "a"}),
                   node("c1", labels={zone: "c"}), node("b2", labels={zone: "b"}), node("a3", labels={zone: "a"}),
                   node("none"))
    names = [cluster.nodes[i].name for i in node_tree_order(cluster.nodes).tolist()]
    assert names == ["a1", "b1", "c1", "none", "a2", "b2", "a3"]


def _fleet(n: int, emptiest: int) -> list[Obj]:
    """``n`` nodes with 2 of 4 cpus used, except ``emptiest``, which is free."""
    docs: list[Obj] = []
    for i in range(n):
        docs.append(node(f"n{i:03d}"))
        if i != emptiest:
            docs.append(pod(f"used-{i:03d}", node=f"n{i:03d}", cpu="2", start="2024-05-01T00:00:00Z"))
    return docs


def test_sampling_scores_only_the_first_feasible_nodes_and_moves_on() -> None:
    docs = [*_fleet(200, emptiest=150), pod("p", cpu="1"), pod("q", cpu="1")]
    everything = states(simulate_cluster(load(*docs)))
    assert everything["default/p"] == ("running", "n150")  # LeastAllocated: the free node wins
    assert everything["default/q"] == ("running", "n150")
    sampled = states(simulate_cluster(load(*docs), sample_nodes=True))
    # 200 nodes: 100 feasible nodes are enough; p sees n000-n099 (all equal: the first by name) ...
    assert sampled["default/p"] == ("running", "n000")
    # ... and the next cycle starts where that walk stopped: q sees n100-n199, n150 among them.
    assert sampled["default/q"] == ("running", "n150")


def test_sampling_limits_the_preemption_candidates() -> None:
    docs: list[Obj] = [pc("low", 100), pc("high", 1000)]
    for i in range(150):
        docs.append(node(f"n{i:03d}"))
        start = "2024-05-01T12:00:00Z" if i == 120 else "2024-05-01T00:00:00Z"
        docs.append(pod(f"low-{i:03d}", cls="low", node=f"n{i:03d}", cpu="4", start=start))
    docs.append(pod("p", cls="high", cpu="2"))
    # Every node is a candidate with one victim; the latest-started victim decides: n120.
    everything = simulate_cluster(load(*docs))
    assert [(e.pod, e.node) for e in everything.evictions] == [("default/low-120", "n120")]
    # kube-scheduler dry-runs max(10%, 100) = 100 of the 150 potential nodes: n120 is not among them.
    sampled = simulate_cluster(load(*docs), sample_nodes=True)
    assert [(e.pod, e.node) for e in sampled.evictions] == [("default/low-000", "n000")]


def test_cli_flag(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml_text(*_fleet(200, emptiest=150), pod("p", cpu="1")))
    default = CliRunner().invoke(app, ["simulate", str(path), "-o", "json"])
    sampled = CliRunner().invoke(app, ["simulate", str(path), "-o", "json", "--emulate-sampling"])
    assert default.exit_code == 0 and sampled.exit_code == 0, default.output + sampled.output
    node_of = {p["name"]: p.get("node") for p in json.loads(default.stdout)["pods"]}
    assert node_of["p"] == "n150"
    node_of = {p["name"]: p.get("node") for p in json.loads(sampled.stdout)["pods"]}
    assert node_of["p"] == "n000"
