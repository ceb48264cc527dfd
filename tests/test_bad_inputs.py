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
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO

import priocli.load.documents as documents
from priocli.cli import main

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
