"""The engine's shortcuts (vectorized preemption dry run, skipped retries) decide identically.

``shortcuts=False`` runs the plain path: every potential node dry-run pod by pod, every
pending pod fully re-evaluated after every change. Both must give byte-identical reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from priocli.api import load_cluster, simulate_cluster
from priocli.render.json import render_json

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "conformance" / "corpus"
SCENARIOS = sorted(p.parent for p in CORPUS.glob("*/*/expected.json"))


def _both(paths: list[str]) -> tuple[str, str]:
    fast = render_json(simulate_cluster(load_cluster(paths), shortcuts=True))
    plain = render_json(simulate_cluster(load_cluster(paths), shortcuts=False))
    return fast, plain


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_conformance_scenarios_identical(scenario: Path) -> None:
    fast, plain = _both([str(scenario / "scenario.yaml")])
    assert fast == plain


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_clusters_identical(tmp_path: Path, seed: int) -> None:
    """A benchmark-style cluster under pressure: thousands of cycles, hundreds of preemptions."""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "custom", "--nodes", "40",
                    "--pods", "1200", "--wave", "300", "--pressure", "1.3", "--seed", str(seed),
                    "--out", str(tmp_path), "--format", "json"], check=True, capture_output=True)
    fast, plain = _both([str(tmp_path / "snapshot.json"), str(tmp_path / "wave.json")])
    assert fast == plain
    report = json.loads(fast)
    assert report["evictions"], "the generated wave should force preemptions"


@pytest.mark.parametrize(("seed", "pressure"), [(43, "1.5"), (52, "2.0")])
def test_nominated_preemptor_preempting_again_identical(tmp_path: Path, seed: int, pressure: str) -> None:
    """Clusters where a nominated preemptor has to preempt again (its node was taken meanwhile) while
    another pod of the same shape was dry-run on that node: its own nomination must not count there.
    (An earlier cache keyed only by the preemptor's shape reused the other pod's result: these seeds
    reported different evictions than the plain path.)"""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "custom", "--nodes", "30",
                    "--pods", "900", "--wave", "400", "--pressure", pressure, "--seed", str(seed),
                    "--out", str(tmp_path), "--format", "json"], check=True, capture_output=True)
    fast, plain = _both([str(tmp_path / "snapshot.json"), str(tmp_path / "wave.json")])
    assert fast == plain
