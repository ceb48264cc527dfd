"""The malformed-input corpus: every case is refused cleanly.

``tests/bad_inputs/<case>/`` holds the input files and ``expect.txt``: substrings (one a
line) that the error message must contain -- the file, ``document N`` where it applies,
the object and the field path. Each case runs ``priocli simulate <case dir> -o json`` and
must give exit status 2, exactly one line ``error: ...`` on stderr naming the file, no
traceback, and nothing on stdout (``-o json > report.json`` leaves an empty file).

Cases that need a filesystem a repository cannot hold (non-UTF-8 and UTF-16 bytes, empty
files and directories, symlink loops, unreadable files, files over the size limit, stdin)
are built at run time in ``tmp_path`` (``RUNTIME_CASES``). A few cases also run as a real
subprocess with stdout redirected to a file.

``test_wrong_type_at_every_field`` then takes a manifest that uses every field priocli reads
(``RICH``) and puts a value of the wrong type at each of its fields in turn (406 cases): each
is refused naming the file, the document and the field, or, for the few fields priocli does
not read (``NOT_READ``), accepted; none crashes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

import priocli.load.documents as documents
from priocli.cli import main
from priocli.errors import InputError
from priocli.load.cluster import build_cluster
from priocli.load.documents import read_bytes
from priocli.simulator import Options, Simulation

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
MANIFEST = (".yaml", ".yml", ".json")


def run_main(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsysbinary.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err.decode("utf-8", "replace")


def assert_refused(code: int, out: bytes, err: str, expect: list[str], names: list[str]) -> None:
    assert code == 2, f"exit {code}, stderr {err!r}"
    assert out == b"", f"something was written to stdout: {out[:200]!r}"
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"not exactly one line: {err!r}"
    line = err.rstrip("\n")
    assert line.startswith("error: "), line
    for text in expect:
        assert text in line, f"{text!r} not in {line!r}"
    if names:
        assert any(n in line for n in names), f"none of {names} named in {line!r}"


def read_expect(case_dir: Path) -> list[str]:
    return [t for t in (case_dir / "expect.txt").read_text("utf-8").splitlines() if t]


def test_corpus_is_big_enough() -> None:
    assert len(CASES) + len(RUNTIME_CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    case_dir = CORPUS / case
    expect = read_expect(case_dir)
    names = [p.name for p in case_dir.iterdir() if p.suffix in MANIFEST]
    code, out, err = run_main(capsysbinary, "simulate", str(case_dir), "-o", "json")
    assert_refused(code, out, err, expect, names)


# ---------------------------------------------------------------- built at run time

NODE = b"apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {allocatable: {cpu: '1', pods: '10'}}\n"
Setup = Callable[[Path, pytest.MonkeyPatch], tuple[list[str], list[str]]]  # -> (paths, expected texts)


def _non_utf8(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "latin1.yaml"
    f.write_bytes(NODE + b"---\napiVersion: v1\nkind: Node\nmetadata: {name: caf\xe9}\n")
    return [str(f)], ["latin1.yaml: document 2: not valid UTF-8", "byte 0xe9 at line 8, column 21"]


def _invalid_utf8_json(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "bad.json"
    f.write_bytes(b'{"kind": "Node", "metadata": {"name": "\xc3\x28"}}')
    return [str(f)], ["bad.json: document 1: not valid UTF-8"]


def _utf16(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "utf16.yaml"
    f.write_bytes("apiVersion: v1\nkind: Node\n".encode("utf-16"))
    return [str(f)], ["utf16.yaml: the file is UTF-16 encoded; save it as UTF-8"]


def _empty_file(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "empty.yaml"
    f.write_bytes(b"")
    return [str(f)], ["empty.yaml: no Kubernetes objects"]


def _comments_only(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "comments.yaml"
    f.write_bytes(b"# nothing here yet\n---\n# still nothing\n")
    return [str(f)], ["comments.yaml: no Kubernetes objects"]


def _empty_list(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "list.json"
    f.write_bytes(b'{"apiVersion": "v1", "kind": "List", "items": []}')
    return [str(f)], ["list.json: no Kubernetes objects"]


def _empty_directory(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    d = tmp / "manifests"
    d.mkdir()
    return [str(d)], ["manifests: directory has no .yaml, .yml or .json files"]


def _directory_of_empty_files(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    d = tmp / "manifests"
    d.mkdir()
    (d / "a.yaml").write_bytes(b"")
    (d / "b.yml").write_bytes(b"---\n")
    return [str(d)], ["manifests: no Kubernetes objects"]


def _symlink_loop_file(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    (tmp / "a.yaml").symlink_to(tmp / "b.yaml")
    (tmp / "b.yaml").symlink_to(tmp / "a.yaml")
    return [str(tmp / "a.yaml")], ["a.yaml: "]


def _symlink_loop_directory(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    d = tmp / "tree"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "loop").symlink_to(d)  # the walk must not go round forever
    (d / "sub" / "bad.yaml").write_bytes(b"apiVersion: v1\nkind: Node\nmetadata: {name: [x]}\n")
    return [str(d)], ["bad.yaml: document 1", "metadata.name: expected a string, got a list"]


def _broken_symlink(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    (tmp / "gone.yaml").symlink_to(tmp / "missing.yaml")
    return [str(tmp / "gone.yaml")], ["gone.yaml: "]


def _missing_path(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    return [str(tmp / "nope.yaml")], ["nope.yaml: no such file or directory"]


def _unreadable_file(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "secret.yaml"
    f.write_bytes(NODE)
    f.chmod(0)
    real_open = open

    def deny(name: object, *args: object, **kwargs: object) -> object:  # root ignores chmod 0
        if str(name) == str(f):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)  # type: ignore[call-overload]

    mp.setattr(documents, "open", deny, raising=False)
    return [str(f)], ["secret.yaml: permission denied"]


def _unreadable_directory(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    d = tmp / "locked"
    d.mkdir()
    (d / "a.yaml").write_bytes(NODE)
    real_scandir = os.scandir

    def deny(path: str) -> object:
        if str(path) == str(d):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    mp.setattr(documents.os, "scandir", deny)
    return [str(d)], ["locked: permission denied"]


def _over_size_limit(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "big.yaml"
    f.write_bytes(NODE + b"# " + b"x" * 2048 + b"\n")
    mp.setenv("PRIOCLI_MAX_FILE_BYTES", "1Ki")
    return [str(f)], ["big.yaml: file is larger than the limit of 1024 bytes (1Ki)", "PRIOCLI_MAX_FILE_BYTES"]


def _over_default_size_limit(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "huge.yaml"
    with open(f, "wb") as fh:  # sparse: no disk used, and it is never read
        fh.truncate(documents.DEFAULT_MAX_FILE_BYTES + 1)
    mp.delenv("PRIOCLI_MAX_FILE_BYTES", raising=False)
    return [str(f)], ["huge.yaml: file is larger than the limit of 536870912 bytes (512Mi)"]


def _endless_device(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    mp.setenv("PRIOCLI_MAX_FILE_BYTES", "1Mi")
    return ["/dev/zero"], ["/dev/zero: file is larger than the limit of 1048576 bytes (1Mi)"]


def _bad_limit_setting(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    f = tmp / "ok.yaml"
    f.write_bytes(NODE)
    mp.setenv("PRIOCLI_MAX_FILE_BYTES", "lots")
    return [str(f)], ["PRIOCLI_MAX_FILE_BYTES: expected a positive number of bytes"]


def _stdin_empty(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    import io

    mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    return ["-"], ["<stdin>: no Kubernetes objects"]


def _stdin_invalid(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    import io

    mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"kind: Node\nmetadata: {name: a\n")))
    return ["-"], ["<stdin>: document 1: invalid YAML"]


def _stdin_twice(tmp: Path, mp: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    import io

    mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NODE)))
    return ["-", "-"], ["-: standard input given more than once"]


RUNTIME_CASES: dict[str, Setup] = {
    "non-utf8-bytes": _non_utf8,
    "invalid-utf8-json": _invalid_utf8_json,
    "utf16-file": _utf16,
    "empty-file": _empty_file,
    "comments-only-file": _comments_only,
    "empty-list": _empty_list,
    "empty-directory": _empty_directory,
    "directory-of-empty-files": _directory_of_empty_files,
    "symlink-loop-file": _symlink_loop_file,
    "symlink-loop-directory": _symlink_loop_directory,
    "broken-symlink": _broken_symlink,
    "missing-path": _missing_path,
    "unreadable-file": _unreadable_file,
    "unreadable-directory": _unreadable_directory,
    "file-over-size-limit": _over_size_limit,
    "file-over-default-size-limit": _over_default_size_limit,
    "endless-device": _endless_device,
    "bad-size-limit-setting": _bad_limit_setting,
    "stdin-empty": _stdin_empty,
    "stdin-invalid-yaml": _stdin_invalid,
    "stdin-twice": _stdin_twice,
}


@pytest.mark.parametrize("case", sorted(RUNTIME_CASES))
def test_bad_input_built_at_run_time(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    monkeypatch.delenv("PRIOCLI_MAX_FILE_BYTES", raising=False)
    paths, expect = RUNTIME_CASES[case](tmp_path, monkeypatch)
    code, out, err = run_main(capsysbinary, "simulate", *paths, "-o", "json")
    assert_refused(code, out, err, expect, [])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_for_real(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    f = tmp_path / "secret.yaml"
    f.write_bytes(NODE)
    f.chmod(0)
    code, out, err = run_main(capsysbinary, "simulate", str(f), "-o", "json")
    assert_refused(code, out, err, ["secret.yaml: permission denied"], [])


# ---------------------------------------------------------------- as a real process

SUBPROCESS_CASES = ("yaml-billion-laughs", "yaml-deep-flow-nesting", "cpu-millicores-overflow",
                    "pod-missing-priorityclass", "json-deep-nesting", "duplicate-node-across-files")


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_bad_input_as_a_process(case: str, tmp_path: Path) -> None:
    """``priocli simulate CASE -o json > report.json``: exit 2, one line, an empty report file."""
    case_dir = CORPUS / case
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PRIOCLI_DEBUG", "PRIOCLI_MAX_FILE_BYTES")}
    with open(report, "wb") as out:
        proc = subprocess.run([sys.executable, "-m", "priocli", "simulate", str(case_dir), "-o", "json"],
                              cwd=REPO, stdout=out, stderr=subprocess.PIPE, env=env, timeout=120, check=False)
    err = proc.stderr.decode("utf-8", "replace")
    assert report.read_bytes() == b""
    names = [p.name for p in case_dir.iterdir() if p.suffix in MANIFEST]
    assert_refused(proc.returncode, b"", err, read_expect(case_dir), names)

# ---------------------------------------------------------------- a wrong type at every field

RICH = """apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
preemptionPolicy: PreemptLowerPriority
globalDefault: false
description: important
---
apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: {zone: a}
spec:
  unschedulable: false
  taints: [{key: k, value: v, effect: NoSchedule}]
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  images: [{names: [nginx], sizeBytes: 1000}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: default}
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: app, operator: In, values: [web]}]
status:
  disruptionsAllowed: 0
  disruptedPods: {x: "2024-01-01T00:00:00Z"}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u, controller: true}]
  creationTimestamp: "2024-01-01T00:00:00Z"
spec:
  nodeName: node-a
  priorityClassName: high
  priority: 1000
  preemptionPolicy: PreemptLowerPriority
  schedulerName: default-scheduler
  hostNetwork: false
  containers:
  - name: app
    image: nginx
    ports: [{containerPort: 80, hostPort: 8080, protocol: TCP, hostIP: 0.0.0.0}]
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
  initContainers:
  - name: init
    restartPolicy: Always
    resources: {requests: {cpu: 50m}}
  overhead: {cpu: 10m}
  tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule, tolerationSeconds: 10}]
  nodeSelector: {zone: a}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: zone, operator: In, values: [a]}]
          matchFields: [{key: metadata.name, operator: In, values: [node-a]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        preference: {matchExpressions: [{key: zone, operator: Exists}]}
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: zone
        labelSelector: {matchLabels: {app: web}}
        namespaces: [default]
        namespaceSelector: {matchLabels: {team: a}}
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 5
        podAffinityTerm: {topologyKey: zone, labelSelector: {matchLabels: {app: db}}}
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: web}}
    minDomains: 1
    nodeAffinityPolicy: Honor
    nodeTaintsPolicy: Ignore
    matchLabelKeys: [app]
  schedulingGates: []
  volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]
status:
  phase: Running
  startTime: "2024-01-01T00:00:00Z"
  nominatedNodeName: node-a
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      priorityClassName: high
      containers: [{name: c, resources: {requests: {cpu: 100m}}}]
"""

# Fields priocli does not read (their content, that is): a wrong type there is not its business.
NOT_READ = ("status.disruptedPods.", "metadata.ownerReferences[0].apiVersion", "spec.volumes[0].persistentVolumeClaim")


def _field_paths(obj: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if prefix:
        yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _field_paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _field_paths(v, (*prefix, i))


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _wrong_values(v: Any) -> tuple[Any, ...]:
    if isinstance(v, dict):
        return (["x"], "x")
    if isinstance(v, list):
        return ({"a": "b"}, "x")
    if isinstance(v, bool):
        return ("maybe", [1])
    if isinstance(v, (int, float)):
        return ("x", [1])
    return ([1], {"a": 1})


def _sweep_cases() -> list[tuple[int, tuple[str | int, ...], Any]]:
    docs = list(yaml.safe_load_all(RICH))
    cases = []
    for i, doc in enumerate(docs):
        for path in _field_paths(doc):
            value: Any = doc
            for part in path:
                value = value[part]
            cases.extend((i, path, bad) for bad in _wrong_values(value))
    return cases


SWEEP = _sweep_cases()


def test_the_rich_manifest_is_valid() -> None:
    cluster = build_cluster(read_bytes(RICH.encode(), "rich.yaml"))
    assert len(cluster.nodes) == 1 and len(cluster.pods) == 3  # web and the Deployment's two


@pytest.mark.parametrize(("doc", "path", "bad"), SWEEP,
                         ids=[f"{d}:{_dotted(p)}={type(b).__name__}" for d, p, b in SWEEP])
def test_wrong_type_at_every_field(doc: int, path: tuple[str | int, ...], bad: Any) -> None:
    """Every field of a manifest that uses every field priocli reads, given a value of the wrong
    type: refused with the file, the document and the field (or its parent) named, or -- only
    for fields priocli does not read -- accepted; never a crash."""
    docs = list(yaml.safe_load_all(RICH))
    target = docs[doc]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = bad
    data = "".join("---\n" + yaml.safe_dump(d) for d in docs).encode()
    dotted = _dotted(path)
    try:
        result = Simulation(build_cluster(read_bytes(data, "rich.yaml")), Options()).run()
    except InputError as e:
        message = str(e)
        assert message.startswith(f"rich.yaml: document {doc + 1}"), message
        parents = [_dotted(path[:j]) for j in range(1, len(path) + 1)]
        assert any(f"{p}:" in message or f"{p}." in message or f"{p}[" in message or f'"{p}"' in message
                   for p in parents), (
            f"{dotted} not named in {message!r}")
        assert "\n" not in message
        return
    result.report()
    assert dotted.startswith(NOT_READ), f"{dotted} = {bad!r} was accepted"
