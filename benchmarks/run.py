#!/usr/bin/env python3
"""Scale benchmarks: generate the scenarios (cached) and time ``priocli simulate`` on each.

    python benchmarks/run.py [--sizes small,medium,large] [--format yaml|json|both] [--profile]

Per scenario and format it runs ``priocli simulate SNAPSHOT WAVE -o json [--timings]`` in a fresh
child process and records wall time, peak RSS (``wait4`` rusage of that child) and cpu time; the
load/pass/render split comes from the ``timing load=..s pass=..s render=..s`` line priocli prints on
stderr with ``--timings`` (when its ``simulate --help`` lists that flag). The report is parsed for
the counts (scheduled, pending, evictions, preemptors) and checked against what the generator knows
(pods that must stay pending, cordoned nodes that must receive nothing).

Results are printed as Markdown tables (paste them into benchmarks/RESULTS.md) and saved to
``benchmarks/out/results-<timestamp>.json`` and ``benchmarks/out/results-latest.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
GENERATE = HERE / "generate.py"

sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (the generator next to this file)

GiB = 1024**3

# Targets of the "Scale" issue. The reference kube-scheduler figures are 42 s (ref-1k) and 80 s (ref-5k):
# the aim is to beat them 10×.
TARGETS = {
    "large/yaml total": ("total", "large", "yaml", 10.0),
    "large/json total": ("total", "large", "json", 10.0),
    "large/yaml rss": ("rss", "large", "yaml", 2.0 * GiB),
    "large/json rss": ("rss", "large", "json", 2.0 * GiB),
    "large/yaml load": ("load", "large", "yaml", 4.0),
    "large/json load": ("load", "large", "json", 2.0),
    "ref-1k total (42 s / 10)": ("total", "ref-1k", "*", 4.2),
    "ref-5k total (80 s / 10)": ("total", "ref-5k", "*", 8.0),
}
HELP_TARGET = 0.3

TIMING_RE = re.compile(r"\btiming\b(.*)$", re.MULTILINE)
TIMING_FIELD_RE = re.compile(r"([A-Za-z_][\w-]*)=([0-9]*\.?[0-9]+)(ms|s)?")


# --------------------------------------------------------------------------------------------------
# Running a child and measuring it
# --------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    cmd: list[str]
    returncode: int | None
    wall: float
    max_rss: int  # bytes
    user: float
    sys: float
    timed_out: bool
    stderr: str


def run_measured(cmd: list[str], *, timeout: float, stdout_path: Path | None = None,
                 env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` in a new process group; wall time from spawn to exit, rusage of exactly that child."""
    stdout_path = stdout_path or Path(os.devnull)
    with open(stdout_path, "wb") as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                                    env=env)
        except OSError as e:
            return Measured(cmd, None, 0.0, 0, 0.0, 0.0, False, f"cannot start {cmd[0]}: {e}")
        done = threading.Event()
        timed_out = threading.Event()

        def kill() -> None:
            if not done.is_set():
                timed_out.set()
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            done.set()
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return Measured(cmd, proc.returncode, wall, ru.ru_maxrss * 1024, ru.ru_utime, ru.ru_stime,
                    timed_out.is_set(), stderr)


def priocli_cmd(override: str | None) -> list[str]:
    """The console script next to this interpreter, else ``python -m priocli``."""
    if override:
        return override.split()
    exe = Path(sys.executable).parent / "priocli"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("priocli")
    if found:
        return [found]
    return [sys.executable, "-m", "priocli"]


def parse_timings(stderr: str) -> dict[str, float]:
    """``timing load=1.23s pass=4.56s render=0.2s`` (last such line wins; ms accepted)."""
    out: dict[str, float] = {}
    for m in TIMING_RE.finditer(stderr):
        for key, val, unit in TIMING_FIELD_RE.findall(m.group(1)):
            out[key] = float(val) / (1000.0 if unit == "ms" else 1.0)
    return out


# --------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    fmt: str
    nodes: int
    pods: int
    wave: int
    snapshot_bytes: int
    ok: bool = False
    error: str | None = None
    wall: float | None = None
    max_rss: int | None = None
    cpu: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    evictions: int | None = None
    preemptors: int | None = None
    checks: list[str] = field(default_factory=list)
    estimate: dict[str, Any] | None = None
    walls: list[float] = field(default_factory=list)

    @property
    def pass_time(self) -> float | None:
        return self.timings.get("pass")

    @property
    def load_time(self) -> float | None:
        return self.timings.get("load")


def ensure_generated(size: str, seed: int, formats: list[str], regen: bool,
                     system_classes: bool = False) -> tuple[Path, dict[str, Any]]:
    shape = generate.SIZES[size]
    out = OUT / f"{size}-seed{seed}{'-sysclasses' if system_classes else ''}"
    if regen or not generate.is_cached(out, shape, seed, formats, system_classes):
        print(f"[generate] {size} ({shape.description}) as {'+'.join(formats)} into {out.relative_to(REPO)}",
              flush=True)
        fmt_arg = "both" if len(formats) > 1 else formats[0]
        cmd = [sys.executable, str(GENERATE), size, "--out", str(out), "--format", fmt_arg, "--seed", str(seed), "-q"]
        if system_classes:
            cmd.append("--system-classes")
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        print(f"[generate] done in {time.perf_counter() - t0:.1f}s", flush=True)
    meta = json.loads((out / "meta.json").read_text())
    return out, meta


def supports_timings(base: list[str]) -> bool:
    try:
        r = subprocess.run([*base, "simulate", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--timings" in (r.stdout + r.stderr)


def check_report(report: dict[str, Any], meta: dict[str, Any], res: Result) -> None:
    """Fill counts from the report and check what the generator guarantees."""
    summary = report.get("summary") or {}
    res.summary = {k: summary.get(k) for k in ("nodes", "pods", "running", "scheduled", "pending", "evicted")}
    ev = report.get("evictions") or []
    res.evictions = len(ev)
    res.preemptors = len({e.get("preemptor") for e in ev})
    pods = report.get("pods") or []
    must = set(meta["checks"]["must_stay_pending"])
    cordoned = set(meta["checks"]["cordoned_nodes"])
    not_pending = 0
    on_cordoned = 0
    seen_must = 0
    replacements = 0
    for p in pods:
        replacements += p.get("initial") == "replacement"
        key = f"{p.get('namespace')}/{p.get('name')}"
        if key in must:
            seen_must += 1
            if p.get("status") != "pending":
                not_pending += 1
        if p.get("initial") != "running" and p.get("status") == "running" and p.get("node") in cordoned:
            on_cordoned += 1
    res.summary["replacements"] = replacements
    if seen_must != len(must):
        res.checks.append(f"{len(must) - seen_must} of the {len(must)} Never/gpu pods missing from the report")
    if not_pending:
        res.checks.append(f"{not_pending} Never/gpu pods not pending (the gpu pool is full: they cannot run)")
    if on_cordoned:
        res.checks.append(f"{on_cordoned} pods placed on cordoned nodes")
    expected_pods = meta["counts"]["running_pods"] + meta["counts"]["wave_pods"]
    if summary.get("nodes") not in (None, meta["counts"]["nodes"]):
        res.checks.append(f"summary.nodes={summary.get('nodes')} (snapshot has {meta['counts']['nodes']})")
    if summary.get("pods") is not None and summary["pods"] < expected_pods:
        res.checks.append(f"summary.pods={summary['pods']} < {expected_pods} pods in the input")
    if summary.get("evicted") is not None and summary["evicted"] != res.evictions:
        res.checks.append(f"summary.evicted={summary['evicted']} but {res.evictions} evictions listed")


def run_scenario(size: str, fmt: str, args: argparse.Namespace, base: list[str], timings_flag: bool,
                 formats: list[str]) -> Result:
    out, meta = ensure_generated(size, args.seed, formats, args.regen, args.system_classes)
    snap, wave = out / f"snapshot.{fmt}", out / f"wave.{fmt}"
    res = Result(size, fmt, meta["counts"]["nodes"], meta["counts"]["running_pods"], meta["counts"]["wave_pods"],
                 snap.stat().st_size, estimate=meta.get("estimate"))
    cmd = [*base, "simulate", str(snap), str(wave), "-o", "json"]
    if timings_flag:
        cmd.append("--timings")
    report_path = out / f"report-{fmt}.json"
    tmp_report = out / f"report-{fmt}.json.{os.getpid()}.tmp"  # another run.py may be measuring too
    print(f"[run] {size}/{fmt}: {' '.join(_rel(c) for c in cmd)}", flush=True)
    runs: list[tuple[Measured, dict[str, float]]] = []
    for k in range(args.repeat):
        m = run_measured(cmd, timeout=args.timeout, stdout_path=tmp_report)
        tmp_report.replace(report_path)
        if m.returncode != 0:
            why = "timed out" if m.timed_out else (f"exit {m.returncode}" if m.returncode is not None else "not started")
            res.error = f"{why} after {m.wall:.1f}s"
            tail = "\n".join(m.stderr.strip().splitlines()[-15:])
            print(f"[run] {size}/{fmt} FAILED ({res.error}); stderr:\n{_indent(tail) or '    (empty)'}", flush=True)
            return res
        runs.append((m, parse_timings(m.stderr)))
        print(f"[run] {size}/{fmt} #{k + 1}: {m.wall:.2f}s wall, {m.max_rss / GiB:.2f} GiB peak RSS", flush=True)
    res.walls = [m.wall for m, _ in runs]
    m, tm = sorted(runs, key=lambda r: r[0].wall)[len(runs) // 2]  # the median run
    res.wall, res.max_rss, res.cpu, res.timings = m.wall, m.max_rss, m.user + m.sys, tm
    try:
        import orjson

        report = orjson.loads(report_path.read_bytes())
    except ImportError:  # pragma: no cover
        report = json.loads(report_path.read_text())
    except ValueError as e:
        res.error = f"report is not JSON: {e}"
        print(f"[run] {size}/{fmt}: {res.error}", flush=True)
        return res
    check_report(report, meta, res)
    res.ok = True
    for c in res.checks:
        print(f"[check] {size}/{fmt}: {c}", flush=True)
    return res


def time_help(base: list[str], n: int) -> list[float]:
    walls = []
    for _ in range(n):
        m = run_measured([*base, "--help"], timeout=60)
        if m.returncode != 0:
            print(f"[help] `priocli --help` failed ({m.returncode}): {m.stderr.strip()[-300:]}", flush=True)
            return []
        walls.append(m.wall)
    return walls


# --------------------------------------------------------------------------------------------------
# Profiling
# --------------------------------------------------------------------------------------------------


def profile(size: str, fmt: str, args: argparse.Namespace, base: list[str], formats: list[str]) -> None:
    out, _meta = ensure_generated(size, args.seed, formats, False, args.system_classes)
    probe = subprocess.run([sys.executable, "-c", "import pyinstrument"], capture_output=True)
    if probe.returncode != 0:
        print("[profile] installing pyinstrument into this environment (not a project dependency)", flush=True)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyinstrument"])
        if r.returncode != 0:
            print("[profile] cannot install pyinstrument; skipping the profile", flush=True)
            return
    # profile the console script when there is one (it is a Python file), else the module
    if len(base) == 1 and Path(base[0]).exists():
        target = [base[0]]
    elif len(base) >= 2 and (base[1] == "-m" or base[1].endswith(".py")):
        target = base[1:]  # `python -m priocli` or `python some/script.py`
    else:
        target = ["-m", "priocli"]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    session = OUT / f"profile-{size}-{fmt}-{stamp}.pyisession"
    html = session.with_suffix(".html")
    text = session.with_suffix(".txt")
    snap, wave = out / f"snapshot.{fmt}", out / f"wave.{fmt}"
    cmd = [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(session), *target,
           "simulate", str(snap), str(wave), "-o", "json"]
    print(f"[profile] {size}/{fmt}: {' '.join(_rel(c) for c in cmd)}", flush=True)
    m = run_measured(cmd, timeout=args.timeout, stdout_path=OUT / f"profile-{size}-{fmt}-report.json")
    if m.returncode != 0 and not session.exists():
        print(f"[profile] failed ({m.returncode}): {m.stderr.strip()[-1500:]}", flush=True)
        return
    for extra in (["-r", "html", "-o", str(html)], ["-r", "text", "--no-color", "-o", str(text)]):
        subprocess.run([sys.executable, "-m", "pyinstrument", "--load", str(session), *extra], check=False)
    print(f"[profile] {m.wall:.1f}s under the profiler; saved {_rel(str(text))}, {_rel(str(html))} "
          f"and the session {_rel(str(session))}", flush=True)
    if text.exists():
        lines = text.read_text().splitlines()
        print("\n".join(lines[:60]))


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def _rel(p: str) -> str:
    try:
        return str(Path(p).resolve().relative_to(REPO))
    except (ValueError, OSError):
        return p


def _indent(s: str) -> str:
    return "\n".join("    " + line for line in s.splitlines())


def _s(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _rate(n: int | None, t: float | None) -> str:
    if n is None or not t:
        return "—"
    return f"{n / t:,.0f}"


def table(results: list[Result]) -> str:
    head = ("| scenario | format | nodes | pods | wave | snapshot MB | load s | pass s | total s | "
            "scheduled | pending | evictions | pods/s | evictions/s | peak RSS GiB | cpu s | checks |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        if not r.ok:
            lines.append(f"| {r.scenario} | {r.fmt} | {r.nodes:,} | {r.pods:,} | {r.wave:,} | {r.snapshot_bytes / 1e6:.0f} "
                         f"| — | — | — | — | — | — | — | — | — | — | FAILED: {r.error} |")
            continue
        base_t = r.pass_time if r.pass_time else r.wall
        star = "" if r.pass_time else "*"
        sched = r.summary.get("scheduled")
        lines.append(
            f"| {r.scenario} | {r.fmt} | {r.nodes:,} | {r.pods:,} | {r.wave:,} | {r.snapshot_bytes / 1e6:.0f} "
            f"| {_s(r.load_time)} | {_s(r.pass_time)} | {_s(r.wall)} | {sched if sched is not None else '—'} "
            f"| {r.summary.get('pending', '—')} | {r.evictions} | {_rate(sched, base_t)}{star} "
            f"| {_rate(r.evictions, base_t)}{star} | {_s((r.max_rss or 0) / GiB)} | {_s(r.cpu, 1)} "
            f"| {'ok' if not r.checks else '; '.join(r.checks)} |"
        )
    return "\n".join(lines)


def targets_table(results: list[Result], help_walls: list[float]) -> str:
    lines = ["| target | limit | measured | verdict |", "|---|---|---|---|"]
    for label, (what, size, fmt, limit) in TARGETS.items():
        rs = [r for r in results if r.scenario == size and (fmt == "*" or r.fmt == fmt)]
        if not rs:
            continue
        for r in rs:
            if what == "total":
                val, shown, lim = r.wall, f"{_s(r.wall)} s", f"≤ {limit:g} s"
            elif what == "load":
                val, shown, lim = r.load_time, f"{_s(r.load_time)} s", f"≤ {limit:g} s"
            else:
                val = r.max_rss
                shown, lim = (_s(val / GiB) + " GiB") if val else "—", f"≤ {limit / GiB:g} GiB"
            name = label if fmt != "*" else f"{label} [{r.fmt}]"
            if not r.ok:
                verdict = "FAILED to run"
            elif val is None:
                verdict = "not measured (no --timings)" if what == "load" else "—"
            else:
                verdict = "PASS" if val <= limit else "FAIL"
            lines.append(f"| {name} | {lim} | {shown} | {verdict} |")
    if help_walls:
        med = statistics.median(help_walls)
        lines.append(f"| `priocli --help` (median of {len(help_walls)}) | ≤ {HELP_TARGET} s | {med:.3f} s "
                     f"| {'PASS' if med <= HELP_TARGET else 'FAIL'} |")
    if len(lines) == 2:
        return "(no target applies to the scenarios run)"
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no", "--", "priocli")),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }


# --------------------------------------------------------------------------------------------------


SIZE_ORDER = ["small", "medium", "large", "ref-1k", "ref-5k", "affinity"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run priocli's scale benchmarks (see benchmarks/README.md).")
    ap.add_argument("--sizes", default="small,medium,large",
                    help=f"comma-separated, from {', '.join(SIZE_ORDER)} or 'all' (default: small,medium,large)")
    ap.add_argument("--format", default="yaml", choices=("yaml", "json", "both"), help="snapshot format (default yaml)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per scenario; the median run is reported")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per priocli run (default 600)")
    ap.add_argument("--priocli", help="command to run instead of the priocli next to this Python, e.g. 'python -m priocli'")
    ap.add_argument("--regen", action="store_true", help="regenerate the scenarios even when cached")
    ap.add_argument("--generate-only", action="store_true", help="only generate the scenarios")
    ap.add_argument("--system-classes", action="store_true",
                    help="snapshots also list the two built-in system PriorityClasses, as kubectl output does")
    ap.add_argument("--help-runs", type=int, default=5, help="how many times to time `priocli --help` (0: skip)")
    ap.add_argument("--profile", action="store_true",
                    help="also run the largest selected scenario under pyinstrument; output saved in benchmarks/out")
    args = ap.parse_args(argv)

    sizes = SIZE_ORDER if args.sizes == "all" else [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in generate.SIZES]
    if bad:
        ap.error(f"unknown size(s) {', '.join(bad)}; choose from {', '.join(SIZE_ORDER)}")
    formats = ["yaml", "json"] if args.format == "both" else [args.format]
    OUT.mkdir(parents=True, exist_ok=True)

    if args.generate_only:
        for size in sizes:
            ensure_generated(size, args.seed, formats, args.regen, args.system_classes)
        return 0

    base = priocli_cmd(args.priocli)
    env = environment()
    print(f"[env] {env['date']}, commit {env['commit']}{' (priocli/ modified)' if env['dirty'] else ''}, "
          f"Python {env['python']}, {env['machine']}; priocli: {' '.join(_rel(c) for c in base)}", flush=True)
    help_walls = time_help(base, args.help_runs) if args.help_runs > 0 else []
    if help_walls:
        print(f"[help] `priocli --help`: median {statistics.median(help_walls):.3f}s, "
              f"min {min(help_walls):.3f}s over {len(help_walls)} runs", flush=True)
    timings_flag = supports_timings(base)
    if not timings_flag:
        print("[run] `priocli simulate --help` does not list --timings: load/pass split not measured (wall only)",
              flush=True)

    results: list[Result] = []
    for size in sizes:
        for fmt in formats:
            try:
                results.append(run_scenario(size, fmt, args, base, timings_flag, formats))
            except (subprocess.CalledProcessError, OSError, KeyError, ValueError) as e:
                shape = generate.SIZES[size]
                r = Result(size, fmt, shape.nodes, shape.pods, shape.wave, 0, error=f"{type(e).__name__}: {e}")
                print(f"[run] {size}/{fmt} FAILED: {r.error}", flush=True)
                results.append(r)

    print()
    print(f"## Results ({env['date']}, commit {env['commit']}{', priocli/ modified' if env['dirty'] else ''})\n")
    print(table(results))
    print("\n`*`: per second of total wall time (priocli printed no `--timings` split).\n")
    print(targets_table(results, help_walls))
    for r in results:
        if r.ok and r.estimate:
            e = r.estimate
            print(f"\n{r.scenario}/{r.fmt}: report: {r.summary}, {r.evictions} evictions by {r.preemptors} preemptors; "
                  f"generator's rough estimate: {e.get('evictions')} evictions by {e.get('preemptors')} preemptors, "
                  f"{e.get('pending', 0) + e.get('pending_never', 0)} pending")

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    payload = {"environment": env, "help": help_walls, "results": [asdict(r) for r in results],
               "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])}
    (OUT / f"results-{stamp}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (OUT / "results-latest.md").write_text(
        f"Results ({env['date']}, commit {env['commit']})\n\n{table(results)}\n\n{targets_table(results, help_walls)}\n"
    )
    print(f"\nsaved benchmarks/out/results-{stamp}.json and benchmarks/out/results-latest.md")

    if args.profile:
        largest = max(sizes, key=lambda s: (generate.SIZES[s].nodes * generate.SIZES[s].pods, generate.SIZES[s].wave))
        profile(largest, formats[0], args, base, formats)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
