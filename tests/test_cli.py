"""The command line, end to end.

In-process tests (``main([...])`` with a stubbed engine) pin the CLI's own behaviour: exit
codes, stdout/stderr discipline, --fail-on, error handling. Subprocess tests run the real
``priocli`` on the bundled fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, REPO, blog_result, make_pod, schema_path

import priocli.api
from priocli.cli import main
from priocli.errors import InputError
from priocli.result import PodOutcome, SimulationResult

BLOG = str(FIXTURES / "blog-minor-evicted")
NEVER = str(FIXTURES / "blog-never-pending")


# ------------------------------------------------------------------ helpers


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def stub_engine(monkeypatch: pytest.MonkeyPatch, make: Callable[[], SimulationResult]) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(paths: list[str], *, stdin: object = None, sample_nodes: bool = False) -> SimulationResult:
        calls.append(list(paths))
        return make()

    monkeypatch.setattr(priocli.api, "simulate_paths", fake)
    return calls


def raising_engine(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def fake(paths: list[str], *, stdin: object = None, sample_nodes: bool = False) -> SimulationResult:
        raise exc

    monkeypatch.setattr(priocli.api, "simulate_paths", fake)


def pending_result() -> SimulationResult:
    return SimulationResult(
        outcomes=[PodOutcome(make_pod("default/critical-app", 1000000, "high-priority", never=True), "queued",
                             "pending", message="0/1 nodes are available: 1 Insufficient memory.")],
        evictions=[], warnings=[], node_count=1)


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("PRIOCLI_DEBUG", "FORCE_COLOR")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "priocli", *args], cwd=REPO, input=stdin if stdin is not None else "",
                          capture_output=True, text=True, env=full_env, timeout=120)


# ------------------------------------------------------------------ in process, engine stubbed


def test_json_output_validates_and_is_stable(monkeypatch: pytest.MonkeyPatch,
                                             capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    stub_engine(monkeypatch, blog_result)
    outs = []
    for _ in range(2):
        with pytest.raises(SystemExit) as exc:
            main(["simulate", BLOG, "-o", "json"])
        assert exc.value.code in (0, None)
        cap = capsysbinary.readouterr()
        assert cap.err == b""
        outs.append(cap.out)
    assert outs[0] == outs[1]
    assert outs[0].endswith(b"}\n")
    jsonschema.validate(json.loads(outs[0]), json.loads(schema_path().read_text()))


def test_table_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls = stub_engine(monkeypatch, blog_result)
    code, out, err = run_main(capsys, "simulate", BLOG, NEVER)
    assert code == 0 and err == ""
    assert calls == [[BLOG, NEVER]]
    assert "\x1b[" not in out  # not a terminal: plain
    assert any("minor-app" in line and "running → evicted" in line for line in out.splitlines())
    assert all(line == line.rstrip() for line in out.splitlines())
    assert out.rstrip().endswith("2 pods: 0 running, 1 scheduled, 0 pending, 1 evicted on 1 node")


def test_quiet_prints_nothing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stub_engine(monkeypatch, blog_result)
    assert run_main(capsys, "simulate", BLOG, "-q") == (0, "", "")


def test_timings_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stub_engine(monkeypatch, blog_result)
    code, out, err = run_main(capsys, "simulate", BLOG, "--timings", "-o", "json")
    assert code == 0 and out
    [line] = err.splitlines()
    assert line.startswith("timing load=0.01s pass=0.02s render=") and " total=" in line and line.endswith("s")


@pytest.mark.parametrize(("policy", "make", "code", "needle"), [
    ("eviction", blog_result, 1, "fail-on eviction: 1 pod evicted: default/minor-app"),
    ("pdb", blog_result, 1, "fail-on pdb: 1 eviction violates a PodDisruptionBudget: "
                            "default/minor-app (default/minor-app-pdb)"),
    ("pending", blog_result, 0, None),
    ("pending", pending_result, 1, "fail-on pending: 1 pod pending: default/critical-app"),
    ("eviction,pdb", pending_result, 0, None),
])
def test_fail_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], policy: str,
                 make: Callable[[], SimulationResult], code: int, needle: str | None) -> None:
    stub_engine(monkeypatch, make)
    got, out, err = run_main(capsys, "simulate", BLOG, "--fail-on", policy, "-o", "json")
    assert got == code
    json.loads(out)  # the report is still printed in full
    if needle:
        assert needle in err.splitlines()
    else:
        assert err == ""


def test_fail_on_combined_and_repeated(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stub_engine(monkeypatch, blog_result)
    code, _, err = run_main(capsys, "simulate", BLOG, "-q", "--fail-on", "pending,pdb", "--fail-on", "eviction")
    assert code == 1
    assert [line.split(":")[0] for line in err.splitlines()] == ["fail-on eviction", "fail-on pdb"]


def test_fail_on_unknown_is_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls = stub_engine(monkeypatch, blog_result)
    code, out, err = run_main(capsys, "simulate", BLOG, "--fail-on", "eviction,explosions")
    assert code == 2 and out == ""
    assert "explosions" in err and "Traceback" not in err
    assert calls == []


def test_input_error_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raising_engine(monkeypatch, InputError("x.yaml: document 2 (Pod default/web): spec.containers: required"))
    code, out, err = run_main(capsys, "simulate", BLOG)
    assert (code, out) == (2, "")
    assert err == "error: x.yaml: document 2 (Pod default/web): spec.containers: required\n"


def test_internal_error_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PRIOCLI_DEBUG", raising=False)
    raising_engine(monkeypatch, ZeroDivisionError("division by zero"))
    code, out, err = run_main(capsys, "simulate", BLOG)
    assert (code, out) == (3, "")
    assert err == ("internal error: ZeroDivisionError: division by zero "
                   "(please report; run with PRIOCLI_DEBUG=1 for a traceback)\n")


def test_internal_error_traceback_with_debug(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PRIOCLI_DEBUG", "1")
    raising_engine(monkeypatch, ZeroDivisionError("division by zero"))
    code, out, err = run_main(capsys, "simulate", BLOG)
    assert (code, out) == (3, "")
    assert "Traceback (most recent call last)" in err and err.rstrip().splitlines()[-1].startswith("internal error:")


def test_ctrl_c_is_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raising_engine(monkeypatch, KeyboardInterrupt())
    assert run_main(capsys, "simulate", BLOG) == (130, "", "")


def test_stdin_is_passed_for_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[object] = []

    def fake(paths: list[str], *, stdin: object = None, sample_nodes: bool = False) -> SimulationResult:
        seen.append(stdin)
        return blog_result()

    monkeypatch.setattr(priocli.api, "simulate_paths", fake)
    assert run_main(capsys, "simulate", BLOG)[0] == 0
    assert run_main(capsys, "simulate", "-", BLOG)[0] == 0
    assert seen[0] is None and seen[1] is not None


# ------------------------------------------------------------------ subprocess, no engine needed


def test_missing_path_is_a_one_line_error() -> None:
    p = cli("simulate", "no/such/dir", "-o", "json")
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr == "error: no/such/dir: no such file or directory\n"


def test_help() -> None:
    p = cli("--help")
    assert p.returncode == 0 and "simulate" in p.stdout and "version" in p.stdout
    p = cli("simulate", "--help")
    assert p.returncode == 0
    for opt in ("--output", "--no-color", "--quiet", "--timings", "--fail-on", "--all"):
        assert opt in p.stdout


def test_console_script_help() -> None:
    script = Path(sys.executable).parent / "priocli"
    if not script.exists():
        pytest.skip("priocli console script not installed next to this interpreter")
    p = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "simulate" in p.stdout


def test_usage_error_exit_2() -> None:
    p = cli("simulate")  # PATH is required
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    p = cli("simulate", BLOG, "-o", "yaml")
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr


def test_version() -> None:
    p = cli("version")
    assert p.returncode == 0 and p.stdout.startswith("priocli ") and "v1.29.4" in p.stdout


def test_import_is_light() -> None:
    """`import priocli.cli` must not drag in the kubernetes client, the engine, rich tables or numpy."""
    code = ("import sys, priocli.cli; "
            "bad = [m for m in ('kubernetes', 'numpy', 'jsonschema', 'rich.table', 'priocli.api', 'yaml') "
            "if m in sys.modules]; print(bad)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]"


# ------------------------------------------------------------------ subprocess, the real engine


def test_e2e_json_validates_and_is_byte_identical() -> None:
    a = cli("simulate", BLOG, "-o", "json")
    b = cli("simulate", BLOG, "-o", "json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    report = json.loads(a.stdout)
    jsonschema.validate(report, json.loads(schema_path().read_text()))
    assert report["evictions"] == [{"pod": "default/minor-app", "node": "node-a",
                                    "preemptor": "default/critical-app", "pdbViolated": ["default/minor-app-pdb"]}]


def test_e2e_table_rows() -> None:
    p = cli("simulate", BLOG)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert any("critical-app" in x and "queued → running" in x and "node-a" in x for x in lines)
    assert any("minor-app" in x and "running → evicted" in x
               and "evicted by default/critical-app, PDB default/minor-app-pdb violated" in x for x in lines)
    assert "\x1b[" not in p.stdout


def test_e2e_never_pending_table_and_fail_on() -> None:
    p = cli("simulate", NEVER, "--fail-on", "pending")
    assert p.returncode == 1
    assert "not eligible due to preemptionPolicy=Never." in " ".join(p.stdout.split())
    assert "fail-on pending: 1 pod pending: default/critical-app" in p.stderr
    assert cli("simulate", NEVER, "--fail-on", "eviction,pdb", "-q").returncode == 0
    p = cli("simulate", BLOG, "--fail-on", "pdb", "-q")
    assert (p.returncode, p.stdout) == (1, "")


def test_e2e_stdin() -> None:
    text = "---\n".join((FIXTURES / "blog-minor-evicted" / f).read_text() for f in ("cluster.yaml", "deploy.yaml"))
    a = cli("simulate", "-", "-o", "json", stdin=text)
    b = cli("simulate", BLOG, "-o", "json")
    assert a.returncode == 0, a.stderr
    assert json.loads(a.stdout)["pods"] == json.loads(b.stdout)["pods"]


def test_e2e_bad_input_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: c, "
                   "resources: {requests: {cpu: 12Qi}}}]\n")
    p = cli("simulate", BLOG, str(bad), "-o", "json")
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("error: ") and "bad.yaml" in p.stderr


BIG_RESULT_DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import priocli.api
from conftest import make_pod
from priocli.cli import main
from priocli.result import PodOutcome, SimulationResult

def fake(paths, *, stdin=None, sample_nodes=False):
    pods = [PodOutcome(make_pod(f"ns/pod-{{i:05d}}", 10, "c", uid=i), "queued", "running", node="n1")
            for i in range(5000)]
    return SimulationResult(outcomes=pods, evictions=[], warnings=[], node_count=1)

priocli.api.simulate_paths = fake
main(sys.argv[1:])
"""


@pytest.mark.parametrize("output", ["table", "json"])
def test_broken_pipe_is_quiet(tmp_path: Path, output: str) -> None:
    """`priocli ... | head`: no traceback, no 'Exception ignored', the exit code of the command."""
    driver = tmp_path / "driver.py"
    driver.write_text(BIG_RESULT_DRIVER.format(tests=str(REPO / "tests")))
    script = f"'{sys.executable}' '{driver}' simulate '{BLOG}' -o {output} | head -n 2; echo \"rc=${{PIPESTATUS[0]}}\" >&2"
    p = subprocess.run(["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert len(p.stdout.splitlines()) == 2
    assert p.stderr == "rc=0\n"


def test_closed_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls = stub_engine(monkeypatch, blog_result)
    monkeypatch.setattr(sys, "stdin", None)
    assert run_main(capsys, "simulate", "-") == (2, "", "error: -: standard input is closed\n")
    assert calls == []
