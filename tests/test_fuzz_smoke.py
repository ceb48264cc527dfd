"""A short fuzz run of the loader and quantity targets (``fuzz/``) inside the normal test suite.

Hypothesis drives the same targets ``fuzz/run.py`` gives atheris: mutated manifests, random
bytes and text through read -> admit -> simulate -> report, and arbitrary text through the
quantity parser (checked against a Decimal oracle). Examples: loader 1,000, json 300,
quantity 1,000 (a few seconds). Every finding ever recorded in ``fuzz/findings/`` is replayed.
Long runs: ``python fuzz/run.py --minutes N``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(REPO / "fuzz"))

import hypothesis_driver
import targets

FINDINGS = REPO / "fuzz" / "findings"
EXAMPLES = {"loader": 1000, "json": 300, "quantity": 1000}


def _smoke(name: str) -> None:
    target = targets.TARGETS[name]

    @settings(max_examples=EXAMPLES[name], deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(hypothesis_driver.inputs_for(name))
    def run(data: bytes) -> None:
        target(data)

    run()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_fuzz_smoke(name: str) -> None:
    _smoke(name)


def _findings() -> list[Path]:
    return sorted(p for p in FINDINGS.glob("*-crash-*") if p.is_file()) if FINDINGS.exists() else []


@pytest.mark.parametrize("path", _findings(), ids=lambda p: p.name[:40])
def test_recorded_findings_stay_fixed(path: Path) -> None:
    target = targets.TARGETS[path.name.split("-crash-")[0]]
    target(path.read_bytes())


def test_seeds_load_cleanly() -> None:
    """The fixtures the mutations start from go through the target untouched."""
    for data in hypothesis_driver.seed_documents():
        targets.loader(data)


def test_targets_flag_a_misbehaving_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash or an error message without the file name is a finding, not a pass."""
    from priocli.errors import InputError
    from priocli.load import documents

    def unnamed(data: bytes, name: str, *, json: bool | None = None) -> list[object]:
        raise InputError("something went wrong")

    monkeypatch.setattr(documents, "read_bytes", unnamed)
    with pytest.raises(targets.FuzzFinding, match="does not start with the file name"):
        targets.loader(b"kind: Node\n")

    def crash(data: bytes, name: str, *, json: bool | None = None) -> list[object]:
        raise KeyError("boom")

    monkeypatch.setattr(documents, "read_bytes", crash)
    with pytest.raises(KeyError):
        targets.loader(b"kind: Node\n")
