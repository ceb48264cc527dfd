"""Run the fuzz targets for a while: ``python fuzz/run.py --minutes 10``.

    python fuzz/run.py --minutes N [--targets loader,json,quantity] [--engine auto|atheris|hypothesis]

The time is split between the targets (loader 3 parts, json and quantity 1 part each).
``atheris`` (coverage-guided libFuzzer; ``pip install atheris`` or ``pip install -e '.[fuzz]'``)
is used when it is installed, else hypothesis. atheris keeps its growing corpus in
``fuzz/work/<target>/`` (not committed) and starts from the seeds: the fixtures, the small
conformance scenarios and the bad-input corpus. A finding (a crash or a broken invariant)
is written to ``fuzz/findings/`` and ends that target's run; turn it into a case under
``tests/bad_inputs/`` once fixed. One summary line per target is printed and appended to
``fuzz/work/runs.log``.

Exit status: 0 without findings, 1 with.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
FINDINGS = HERE / "findings"
WEIGHTS = {"loader": 3, "json": 1, "quantity": 1}
MAX_SEED_BYTES = 16 * 1024

QUANTITY_SEEDS = ("100m", "1.5Gi", "1e3", "-1", "0", "1n", "12Qi", "8Ei", "9223372036854775807", ".5", "+",
                  "1E-9", "500Mi", "0.000000001", "1e999", "2.5e-3k")


def _seed_dirs(target: str) -> list[Path]:
    """A directory of seed files for ``target`` (rebuilt on every run from the repository)."""
    seeds = WORK / f"{target}-seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for old in seeds.iterdir():
        old.unlink()
    if target == "quantity":
        for i, q in enumerate(QUANTITY_SEEDS):
            (seeds / f"q{i}").write_text(q)
        return [seeds]
    files: list[Path] = []
    for pattern in ("fixtures/*/*.yaml", "tests/conformance/corpus/*/*/scenario.yaml", "tests/bad_inputs/*/*"):
        files.extend(p for p in sorted(REPO.glob(pattern)) if p.is_file() and p.name != "expect.txt")
    if FINDINGS.exists():
        files.extend(sorted(FINDINGS.glob(f"{target}-*")))
    for i, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if len(data) <= MAX_SEED_BYTES:
            (seeds / f"s{i:04d}{path.suffix}").write_bytes(data)
    return [seeds]


def run_atheris(target: str, seconds: int) -> tuple[int, str | None]:
    """Fuzz one target with atheris; (executions, finding file or None)."""
    corpus = WORK / target
    corpus.mkdir(parents=True, exist_ok=True)
    FINDINGS.mkdir(exist_ok=True)
    args = [sys.executable, str(HERE / "atheris_target.py"), target,
            f"-max_total_time={seconds}", "-timeout=30", "-rss_limit_mb=2048", "-print_final_stats=1",
            f"-max_len={MAX_SEED_BYTES if target != 'quantity' else 64}",
            f"-artifact_prefix={FINDINGS}/{target}-"]
    if target != "quantity":
        args.append(f"-dict={HERE / 'yaml.dict'}")
    args += [str(corpus), *map(str, _seed_dirs(target))]
    log = WORK / f"{target}.out"
    with open(log, "wb") as out:
        proc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, check=False)
    text = log.read_text("utf-8", "replace")
    m = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    executions = int(m[-1]) if m else 0
    finding = None
    if proc.returncode != 0:
        found = re.findall(r"Test unit written to (\S+)", text)
        finding = found[-1] if found else f"exit status {proc.returncode}, see {log}"
    return executions, finding


def run_hypothesis(target: str, seconds: int) -> tuple[int, str | None]:
    sys.path.insert(0, str(HERE))
    import hypothesis_driver
    import targets

    result = hypothesis_driver.run(target, targets.TARGETS[target], seconds, findings_dir=FINDINGS)
    finding = None
    if result.finding is not None:
        finding = f"{type(result.finding).__name__}: {result.finding} (input {result.finding_input!r:.200})"
    return result.examples, finding


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=1.0, help="total time over all targets (default 1)")
    ap.add_argument("--targets", default="loader,json,quantity")
    ap.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    args = ap.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in WEIGHTS]
    if unknown:
        ap.error(f"unknown target(s): {', '.join(unknown)} (choose from {', '.join(WEIGHTS)})")
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
        except ImportError:
            engine = "hypothesis"
        else:
            engine = "atheris"
    WORK.mkdir(parents=True, exist_ok=True)
    total = args.minutes * 60
    weight = sum(WEIGHTS[t] for t in targets)
    status = 0
    for target in targets:
        seconds = max(1, int(total * WEIGHTS[target] / weight))
        started = time.monotonic()
        runner = run_atheris if engine == "atheris" else run_hypothesis
        executions, finding = runner(target, seconds)
        elapsed = time.monotonic() - started
        line = (f"{datetime.datetime.now().isoformat(timespec='seconds')} engine={engine} target={target} "
                f"seconds={elapsed:.0f} executions={executions} finding={finding or 'none'}")
        print(line, flush=True)
        with open(WORK / "runs.log", "a", encoding="utf-8") as log:
            log.write(line + "\n")
        if finding:
            status = 1
    return status


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
