"""``priocli check`` end to end on the ``fixtures/check-*`` scenarios: exit codes and every output format.

Each fixture has ``cluster/`` (the current state) and ``change/`` (what is about to be applied):

* ``check-evicts-production``: the change evicts a production pod (PDB violated, its replacement Pending);
* ``check-fits``: the change only adds pods that fit;
* ``check-job-pending``: the change leaves a Job's pod Pending;
* ``check-worse``: the cluster is already bad (a Pending pod); the change evicts and leaves another Pending.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, REPO, schema_path

from priocli.check import run_check
from priocli.cli import main
from priocli.errors import InputError
from priocli.policy import PolicySet
from priocli.render.github import annotation, escape_data, escape_property
from priocli.render.markdown import render_markdown

EXPECTED_EXIT = {
    "check-evicts-production": 1,
    "check-fits": 0,
    "check-job-pending": 1,
    "check-worse": 1,
}
# the policies that fail by default (eviction, pending, pdb)
EXPECTED_FAILED = {
    "check-evicts-production": {"eviction", "pending", "pdb"},
    "check-fits": set(),
    "check-job-pending": {"pending"},
    "check-worse": {"eviction", "pending", "pdb"},
}


def rel(name: str, part: str) -> str:
    """Fixture paths relative to the repository (tests run with the repository as working directory)."""
    return f"fixtures/{name}/{part}"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def check(capsys: pytest.CaptureFixture[str], name: str, *extra: str) -> tuple[int, str, str]:
    return run_main(capsys, "check", "--cluster", rel(name, "cluster"), rel(name, "change"), "--no-color", *extra)


def doc_line(path: str, name: str) -> int:
    """The line of the ``apiVersion:`` that opens the document of object ``name`` in ``path``."""
    lines = (REPO / path).read_text().splitlines()
    start = 0
    for i, line in enumerate(lines, 1):
        if line.startswith("apiVersion:"):
            start = i
        if line.strip() == f"name: {name}":
            return start
    raise AssertionError(f"{name} not in {path}")


# ------------------------------------------------------------------ the four scenarios, every format


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_text_summary_and_exit_code(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = check(capsys, name)
    assert code == EXPECTED_EXIT[name], err
    assert err == ""
    first = out.splitlines()[0]
    assert first.startswith("priocli check passed" if code == 0 else "priocli check failed")
    for policy in ("eviction", "pending", "pdb"):
        verdict = "FAIL" if policy in EXPECTED_FAILED[name] else "PASS"
        assert re.search(rf"^{verdict} {policy}: ", out, re.M), out


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_json(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = check(capsys, name, "--format", "json")
    assert code == EXPECTED_EXIT[name]
    doc = json.loads(out)
    assert doc["kind"] == "CheckReport" and doc["passed"] is (code == 0)
    assert {v["policy"] for v in doc["violations"]} == EXPECTED_FAILED[name]
    assert {p["name"] for p in doc["policies"] if not p["passed"]} == EXPECTED_FAILED[name]
    for v in doc["violations"]:
        assert set(v) == {"policy", "pod", "message", "file", "line"}
        assert v["file"].startswith(rel(name, "change/")) and isinstance(v["line"], int)
    assert doc["baseline"]["pods"] >= 2
    jsonschema.validate(doc["report"], json.loads(schema_path().read_text()))
    if code:
        assert err.strip() == f"priocli check failed: {len(EXPECTED_FAILED[name])} of 3 policies " \
                              f"({', '.join(p for p in ('eviction', 'pending', 'pdb') if p in EXPECTED_FAILED[name])})"


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_junit_parses(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = check(capsys, name, "--format", "junit")
    assert code == EXPECTED_EXIT[name]
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["eviction", "pending", "pdb"]
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == EXPECTED_FAILED[name]
    assert root.get("tests") == "3" and root.get("failures") == str(len(failed))
    for c in cases:
        fail = c.find("failure")
        if fail is not None:
            assert fail.text and rel(name, "change/") in fail.text
            assert c.get("file", "").startswith(rel(name, "change/")) and c.get("line", "").isdigit()


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_github_annotations(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = check(capsys, name, "--format", "github")
    assert code == EXPECTED_EXIT[name]
    lines = out.splitlines()
    errors = [ln for ln in lines if ln.startswith("::error ")]
    pattern = re.compile(r"^::error file=([^,:]+),line=(\d+),title=priocli (eviction|pending|pdb)::(.+)$")
    policies = set()
    for ln in errors:
        m = pattern.match(ln)
        assert m, ln
        assert m.group(1).startswith(rel(name, "change/"))
        assert (REPO / m.group(1)).is_file()
        policies.add(m.group(3))
    assert policies == EXPECTED_FAILED[name]
    if code == 0:
        assert lines[0].startswith("::notice title=priocli check::passed")
    assert lines[-1].startswith("priocli check ")


@pytest.mark.parametrize("name", sorted(EXPECTED_EXIT))
def test_markdown(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = check(capsys, name, "--format", "markdown")
    assert code == EXPECTED_EXIT[name]
    assert out.startswith("### priocli check " + ("✅ passed" if code == 0 else "❌ failed"))
    for policy in ("eviction", "pending", "pdb"):
        mark = "❌" if policy in EXPECTED_FAILED[name] else "✅"
        assert f"| {mark} | `{policy}` |" in out
    assert "| current state |" in out and "| with the change |" in out


# ------------------------------------------------------------------ what each scenario reports


def test_evicts_production_blames_the_change(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "check-evicts-production", "--format", "github")
    assert code == 1
    line = doc_line(rel("check-evicts-production", "change/ingress.yaml"), "ingress-gateway")
    assert (f"::error file=fixtures/check-evicts-production/change/ingress.yaml,line={line},"
            "title=priocli eviction::payments/api-7d9f-0 (priority 1000000, production) is evicted from node-a "
            "by platform/ingress-gateway (priority 10000000, platform), violating PodDisruptionBudget "
            "payments/api-pdb") in out.splitlines()
    # the ReplicaSet's replacement is newly Pending; the annotation points at what caused it
    pending = [ln for ln in out.splitlines() if "title=priocli pending" in ln]
    assert len(pending) == 1 and "the replacement of evicted payments/api-7d9f-0" in pending[0]
    assert f"ingress.yaml,line={line}," in pending[0]


def test_protected_eviction_flags(capsys: pytest.CaptureFixture[str]) -> None:
    name = "check-evicts-production"
    code, out, _ = check(capsys, name, "--protect-class", "production", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert [p["name"] for p in doc["policies"]] == ["protected-eviction"]
    (v,) = doc["violations"]
    assert v["pod"] == "payments/api-7d9f-0" and v["message"].endswith("; protected: class production")
    for flag in (["--protect-priority", "1000000"], ["--protect-namespace", "payments"],
                 ["--protect-label", "app=api"]):
        code, _, _ = check(capsys, name, *flag, "-q")
        assert code == 1, flag
    for flag in (["--protect-priority", "1000001"], ["--protect-namespace", "other,more"],
                 ["--protect-label", "app=web"], ["--protect-class", "batch"]):
        code, _, _ = check(capsys, name, *flag, "-q")
        assert code == 0, flag


def test_fail_on_selects_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "check-job-pending", "--fail-on", "eviction,pdb")
    assert code == 0 and "PASS eviction" in out and "PASS pdb" in out and "PASS pending" not in out
    code, _, _ = check(capsys, "check-job-pending", "--fail-on", "eviction", "--fail-on", "pending")
    assert code == 1
    code, _, _ = check(capsys, "check-job-pending", "--pending-class", "production")
    assert code == 0
    code, out, _ = check(capsys, "check-job-pending", "--pending-class", "batch", "--format", "github")
    assert code == 1
    line = doc_line(rel("check-job-pending", "change/job.yaml"), "migrate-schema-x7k2p")
    assert out.startswith(f"::error file=fixtures/check-job-pending/change/job.yaml,line={line},title=priocli "
                          "pending::batch/migrate-schema-x7k2p (priority 1000, batch) stays Pending: 0/2 nodes are "
                          "available: 2 Insufficient memory. preemption: not eligible due to preemptionPolicy=Never.")


def test_worse_reports_only_what_the_change_causes(capsys: pytest.CaptureFixture[str]) -> None:
    name = "check-worse"
    code, out, _ = check(capsys, name, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert {(v["policy"], v["pod"]) for v in doc["violations"]} == {
        ("eviction", "default/web-0"), ("pending", "default/cache-warmer"), ("pdb", "default/web-0")}
    assert doc["baseline"]["pending"] == 1  # report-big was Pending before the change
    # report-big stays Pending, but not because of the change
    code, _, _ = check(capsys, name, "--pending-class", "batch")
    assert code == 0
    code, out, _ = check(capsys, name, "--pending-class", "batch", "--no-baseline", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["baseline"] is None
    assert [v["pod"] for v in doc["violations"]] == ["default/report-big"]
    assert doc["violations"][0]["file"] == rel(name, "cluster/cluster.yaml")
    code, out, _ = check(capsys, name, "--no-baseline")
    assert code == 1 and "absolute outcome" in out and "default/report-big" in out


def test_library(tmp_path: Path) -> None:
    result = run_check([str(FIXTURES / "check-fits" / "change")], cluster=[str(FIXTURES / "check-fits" / "cluster")])
    assert result.passed and [o.name for o in result.outcomes] == ["eviction", "pending", "pdb"]
    assert result.baseline is not None and result.baseline.summary()["pods"] == 2
    assert result.result.summary()["scheduled"] == 2
    worse = run_check([str(FIXTURES / "check-worse" / "change")], cluster=[str(FIXTURES / "check-worse" / "cluster")],
                      policies=PolicySet(pdb=True))
    assert not worse.passed and [v.pod for v in worse.violations] == ["default/web-0"]
    assert [p for p, _ in worse.new_pdb] == ["default/web-pdb"]


# ------------------------------------------------------------------ missing classes


MISSING = """apiVersion: v1
kind: Pod
metadata:
  name: typo
  namespace: default
spec:
  priorityClassName: prodcution
  containers:
  - name: main
    image: nginx
    resources:
      requests:
        memory: 64Mi
"""


def test_missing_class_is_input_error_without_the_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    change = tmp_path / "typo.yaml"
    change.write_text(MISSING)
    code, out, err = run_main(capsys, "check", "--cluster", rel("check-fits", "cluster"), str(change))
    assert code == 2 and out == ""
    assert 'pods "typo" is forbidden: no PriorityClass with name prodcution was found' in err


def test_missing_class_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    change = tmp_path / "typo.yaml"
    change.write_text("# a comment\n" + MISSING)
    code, out, _ = run_main(capsys, "check", "--cluster", rel("check-fits", "cluster"), rel("check-fits", "change"),
                            str(change), "--fail-on", "missing-class", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    (v,) = doc["violations"]
    assert v == {"policy": "missing-class", "pod": "default/typo",
                 "message": 'pods "typo" is forbidden: no PriorityClass with name prodcution was found',
                 "file": str(change), "line": 2}
    # the refused pod is not simulated; the rest of the change is
    assert "default/typo" not in {f"{p['namespace']}/{p['name']}" for p in doc["report"]["pods"]}
    assert doc["report"]["summary"]["scheduled"] == 2
    # and a policy file can ask for it too
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  missingClass: true\n")
    code, out, _ = run_main(capsys, "check", "--cluster", rel("check-fits", "cluster"), str(change),
                            "--policy", str(policy), "-f", "github")
    assert code == 1
    assert out.splitlines()[0] == (f"::error file={escape_property(str(change))},line=2,title=priocli missing-class::"
                                   'pods "typo" is forbidden: no PriorityClass with name prodcution was found')


# ------------------------------------------------------------------ policy file, --write, bad input


def test_policy_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("""apiVersion: priocli/v1
kind: CheckPolicy
policies:
  protectedEviction:
    priorityClasses: [production]
  pending:
    priorityClasses: [batch]
""")
    code, out, _ = check(capsys, "check-evicts-production", "--policy", str(policy), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert [p["name"] for p in doc["policies"]] == ["protected-eviction", "pending"]
    assert [v["policy"] for v in doc["violations"]] == ["protected-eviction"]  # the pending pod is production
    code, _, _ = check(capsys, "check-fits", "--policy", str(policy))
    assert code == 0
    # flags add to the file
    code, out, _ = check(capsys, "check-evicts-production", "--policy", str(policy), "--fail-on", "pdb", "-f", "json")
    assert [p["name"] for p in json.loads(out)["policies"]] == ["protected-eviction", "pending", "pdb"]


def test_bad_policy_file_points_at_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: priocli/v1\nkind: CheckPolicy\npolicies:\n  protectedEviction:\n"
                      "    minPriority: high\n")
    code, out, err = check(capsys, "check-fits", "--policy", str(policy))
    assert code == 2 and out == ""
    assert err == f"error: {policy}: line 5: policies.protectedEviction.minPriority: 'high' is not of type 'integer'\n"


def test_write_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    xml_path, md_path, json_path = tmp_path / "r.xml", tmp_path / "c.md", tmp_path / "r.json"
    code, out, _ = check(capsys, "check-job-pending", "-f", "github", "--write", f"junit={xml_path}",
                         "--write", f"markdown={md_path}", "--write", f"json={json_path}")
    assert code == 1 and out.startswith("::error ")
    assert ET.parse(xml_path).getroot().get("failures") == "1"
    assert md_path.read_text().startswith("### priocli check ❌ failed")
    assert json.loads(json_path.read_text())["passed"] is False


@pytest.mark.parametrize("args, message", [
    (["check", rel("check-fits", "change")], "check needs the current state"),
    (["check", "--cluster", rel("check-fits", "cluster"), "--live", rel("check-fits", "change")], "exclusive"),
    (["check", "--cluster", rel("check-fits", "cluster"), rel("check-fits", "change"), "--write", "xml=out"],
     "--write: expected FORMAT=FILE"),
    (["check", "--cluster", rel("check-fits", "cluster"), rel("check-fits", "change"), "--protect-label", "app"],
     "--protect-label: expected KEY=VALUE"),
    (["check", "--cluster", rel("check-fits", "cluster"), rel("check-fits", "change"), "--fail-on", "evictions"],
     "--fail-on: unknown policy 'evictions'"),
    (["check", "--cluster", "nope/", rel("check-fits", "change")], "nope/: no such file or directory"),
    (["check", "--cluster", rel("check-fits", "cluster"), rel("check-fits", "change"), "--policy", "nope.yaml"],
     "nope.yaml: no such file or directory"),
])
def test_bad_input_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run_main(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err


def test_stdin_twice_is_refused() -> None:
    with pytest.raises(InputError, match="standard input given both"):
        run_check(["-"], cluster=["-"])


# ------------------------------------------------------------------ simulate --cluster


def test_simulate_cluster_shows_what_the_change_moves(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "simulate", "--cluster", rel("check-worse", "cluster"), rel("check-worse", "change"),
                            "-o", "json", "--fail-on", "eviction")
    assert code == 1
    doc = json.loads(out)
    assert [e["pod"] for e in doc["evictions"]] == ["default/web-0"]
    code, out, _ = run_main(capsys, "simulate", "--cluster", rel("check-worse", "cluster"), "-o", "json")
    assert code == 2  # PATH is required
    code, out, _ = run_main(capsys, "simulate", rel("check-worse", "cluster"), "-o", "json")
    assert code == 0 and json.loads(out)["evictions"] == []


# ------------------------------------------------------------------ escaping


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    from priocli.check import Violation

    v = Violation("pending", "ns/p", "x: y, z\n100%", "dir,1/a:b.yaml", 7)
    assert annotation(v) == "::error file=dir%2C1/a%3Ab.yaml,line=7,title=priocli pending::x: y, z%0A100%25"
    assert annotation(Violation("pdb", None, "m")) == "::error title=priocli pdb::m"
    assert annotation(Violation("pdb", "a/b", "m", "<stdin>", 3)) == "::error title=priocli pdb::m"


def test_markdown_escapes_user_text() -> None:
    from priocli.check import PolicyOutcome, Violation

    result = run_check([str(FIXTURES / "check-fits" / "change")], cluster=[str(FIXTURES / "check-fits" / "cluster")])
    result.outcomes.append(PolicyOutcome("pending", "d", [Violation("pending", "a/b", "<b>x</b> | y_z `c`")]))
    text = render_markdown(result)
    assert "&lt;b&gt;x&lt;/b&gt; \\| y\\_z \\`c\\`" in text and "<b>" not in text


# ------------------------------------------------------------------ the README's CI section runs as written


def readme_ci_commands() -> list[tuple[str, int]]:
    """``priocli check ...`` lines of the README's "CI checks" section with the exit code noted after ``# exit``."""
    text = (REPO / "README.md").read_text()
    section = text.split("\n## CI checks\n", 1)[1].split("\n## ", 1)[0]
    out = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            m = re.match(r"^(priocli (?:check|classes|simulate) .*?)\s*# exit (\d)", line)
            if m:
                out.append((m.group(1), int(m.group(2))))
    return out


def test_readme_ci_section_runs_as_written(tmp_path: Path) -> None:
    commands = readme_ci_commands()
    assert len(commands) >= 4
    (tmp_path / "fixtures").symlink_to(FIXTURES)  # run where the files it writes do not land in the tree
    for command, expected in commands:
        proc = subprocess.run([sys.executable, "-m", "priocli", *shlex.split(command)[1:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == expected, (command, proc.stdout, proc.stderr)


# ------------------------------------------------------------------ live current state (the loader stubbed)


def test_live_current_state(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import priocli.load.live
    from priocli.load.documents import read_paths
    from priocli.load.live import LiveState

    calls: list[tuple[str | None, str | None]] = []

    def fake_load_live(*, kubeconfig: str | None, context: str | None, **_: object) -> LiveState:
        calls.append((kubeconfig, context))
        objects = [d.obj for d in read_paths([rel("check-worse", "cluster")])]
        return LiveState(objects, "https://api.example:6443", context or "kind-dev")

    monkeypatch.setattr(priocli.load.live, "load_live", fake_load_live)
    code, out, _ = run_main(capsys, "check", "--context", "prod", rel("check-worse", "change"), "-f", "json")
    assert code == 1 and calls == [(None, "prod")]
    assert {v["pod"] for v in json.loads(out)["violations"]} == {"default/web-0", "default/cache-warmer"}
    code, out, _ = run_main(capsys, "check", "--live", rel("check-worse", "change"), "-f", "json", "--no-baseline",
                            "--pending-class", "batch")
    (v,) = json.loads(out)["violations"]
    assert code == 1 and v["pod"] == "default/report-big" and v["file"] == "<live:kind-dev>" and v["line"] is None
    code, out, _ = run_main(capsys, "classes", "--kubeconfig", "kc.yaml", "-o", "json")
    assert code == 0 and calls[-1] == ("kc.yaml", None)
    assert [c["name"] for c in json.loads(out)["classes"]][2:] == ["platform", "production", "batch"]


def test_docs_ci_examples_run(tmp_path: Path) -> None:
    """The workflow files in docs/ci.md are valid YAML, and their priocli commands pass on this repository."""
    import yaml

    text = (REPO / "docs" / "ci.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    github = next(b for b in blocks if "jobs" in b)
    gitlab = next(b for b in blocks if "priocli-check" in b)
    assert github["jobs"]["preemption"]["runs-on"] == "ubuntu-latest"
    assert gitlab["priocli-check"]["artifacts"]["reports"]["junit"] == "priocli.xml"
    runs = [s["run"] for s in github["jobs"]["preemption"]["steps"] if "run" in s]
    commands = [c for c in [*runs, *gitlab["priocli-check"]["script"]] if c.startswith("priocli ")]
    assert len(commands) == 2
    (tmp_path / "fixtures").symlink_to(FIXTURES)
    for command in commands:
        proc = subprocess.run([sys.executable, "-m", "priocli", *shlex.split(command)[1:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
        assert ET.parse(tmp_path / "priocli.xml").getroot().get("failures") == "0"
        assert (tmp_path / "priocli.md").read_text().startswith("### priocli check ✅ passed")
