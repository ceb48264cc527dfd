"""priocli.load.documents: paths, YAML/JSON streams, Lists, provenance and every refusal."""

from __future__ import annotations

import gc
import io
import os
import sys
from pathlib import Path

import pytest

from priocli.errors import InputError
from priocli.load import documents
from priocli.load.documents import (
    DEFAULT_MAX_FILE_BYTES,
    MAX_DEPTH,
    MAX_FILE_BYTES_ENV,
    Document,
    read_bytes,
    read_paths,
)
from priocli.model import Source
from priocli.quantity import parse_quantity, to_milli


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def kinds(docs: list[Document]) -> list[str]:
    return [d.obj["kind"] for d in docs]


def error_of(paths: list[str], **kw: object) -> str:
    with pytest.raises(InputError) as e:
        read_paths(paths, **kw)  # type: ignore[arg-type]
    message = str(e.value)
    assert "\n" not in message, message
    assert e.value.exit_code == 2
    return message


# ---------------------------------------------------------------- YAML streams


def test_multi_document_yaml_numbers_and_lines(tmp_path: Path) -> None:
    f = write(
        tmp_path / "app.yaml",
        "# leading comment\n"
        "apiVersion: v1\n"
        "kind: Node\n"
        "metadata: {name: n1}\n"
        "---\n"
        "---\n"  # an empty document: skipped, but it still counts
        "\n"
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "---\n",
    )
    docs = read_paths([str(f)])
    assert kinds(docs) == ["Node", "Pod"]
    assert docs[0].source == Source(str(f), 1, 2, None)
    assert docs[1].source == Source(str(f), 3, 8, None)
    assert docs[1].obj["metadata"] == {"name": "web"}


def test_empty_file_and_comment_only_file_give_nothing(tmp_path: Path) -> None:
    node = str(write(tmp_path / "node.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n"))
    empty = str(write(tmp_path / "a.yaml", ""))
    comments = str(write(tmp_path / "b.yaml", "# nothing\n---\n"))
    assert [d.obj["kind"] for d in read_paths([empty, node, comments])] == ["Node"]


def test_no_objects_at_all_is_an_error(tmp_path: Path) -> None:
    """Like kubectl's "no objects passed to apply": an empty input is a mistake, not an empty cluster."""
    empty = str(write(tmp_path / "a.yaml", ""))
    comments = str(write(tmp_path / "b.yaml", "# nothing\n---\n"))
    with pytest.raises(InputError, match=r"a\.yaml, .*b\.yaml: no Kubernetes objects in the input"):
        read_paths([empty, comments])


def test_yaml_scalars_resolve_like_go_yaml_v2() -> None:
    (doc,) = read_bytes(
        b"kind: Pod\n"
        b"s:\n"
        b"  ts: 2024-01-01T00:00:00Z\n"  # timestamps stay strings
        b"  date: 2024-01-01\n"
        b"  yes_: yes\n"
        b"  on_: on\n"
        b"  y_: y\n"  # go-yaml v2 reads y/n as booleans too
        b"  no_: n\n"
        b"  octal: 0777\n"
        b"  hex: 0x1F\n"
        b"  under: 1_000\n"
        b"  exp: 1e3\n"  # a float in go-yaml v2 (a string in PyYAML's resolver)
        b"  cpu: 4.0\n"
        b"  half: .5\n"
        b"  sexagesimal: 1:30\n"  # no base 60 in go-yaml
        b"  quoted: '1'\n"
        b"  empty:\n"
        b"  tilde: ~\n"
        b"  huge: 1e400\n"  # out of float range: stays a string
        b"  nine: 09\n"
        b"  tagged_str: !!str 12\n"
        b"  tagged_float: !!float 1\n"
        b"  custom: !whatever text\n",
        "x.yaml",
    )
    s = doc.obj["s"]
    assert s == {
        "ts": "2024-01-01T00:00:00Z",
        "date": "2024-01-01",
        "yes_": True,
        "on_": True,
        "y_": True,
        "no_": False,
        "octal": 511,
        "hex": 31,
        "under": 1000,
        "exp": 1000.0,
        "cpu": 4.0,
        "half": 0.5,
        "sexagesimal": "1:30",
        "quoted": "1",
        "empty": None,
        "tilde": None,
        "huge": "1e400",
        "nine": 9.0,
        "tagged_str": "12",
        "tagged_float": 1.0,
        "custom": "text",
    }
    # YAML numbers reach quantities exactly
    assert to_milli(parse_quantity(s["cpu"])) == 4000
    assert to_milli(parse_quantity(s["half"])) == 500
    assert to_milli(parse_quantity(s["exp"])) == 1_000_000


def test_keys_become_strings_like_sigs_k8s_io_yaml() -> None:
    (doc,) = read_bytes(b"kind: Pod\nlabels: {on: a, 1: b, false: c, plain: d}\n", "x.yaml")
    assert doc.obj["labels"] == {"true": "a", "1": "b", "false": "c", "plain": "d"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"kind: Pod\n~: 1\n", "mapping key is null"),
        (b"kind: Pod\n1.5: 1\n", "fractional number"),
        (b"kind: Pod\n? [a]\n: 1\n", "keys must be strings"),
        (b"kind: Pod\nx: !!int abc\n", "cannot decode 'abc' as !!int"),
    ],
)
def test_bad_keys_and_tags(text: bytes, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as e:
        read_bytes(text, "x.yaml")
    assert str(e.value).startswith("x.yaml: document 1: invalid YAML: ")
    assert "(line 2, column " in str(e.value)


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    f = write(tmp_path / "dup.yaml", "kind: Pod\n---\nkind: Pod\nmetadata:\n  name: a\n  name: b\n")
    message = error_of([str(f)])
    assert message == f'{f}: document 2: invalid YAML: duplicate key "name" in a mapping (line 6, column 3)'


def test_merge_keys() -> None:
    (doc,) = read_bytes(
        b"kind: Pod\n"
        b"base: &base {a: 1, b: 2}\n"
        b"other: &other {b: 20, c: 30}\n"
        b"m:\n"
        b"  c: 3\n"
        b"  <<: [*base, *other]\n"  # explicit keys win, then earlier sources
        b"nn: &n\n"
        b"  <<: *base\n"
        b"  a: 100\n"  # overriding a merged key is not a duplicate
        b"oo: *n\n",
        "x.yaml",
    )
    assert doc.obj["m"] == {"c": 3, "a": 1, "b": 2}
    assert doc.obj["nn"] == {"a": 100, "b": 2}
    assert doc.obj["oo"] is doc.obj["nn"]
    with pytest.raises(InputError, match="<< merge needs a mapping"):
        read_bytes(b"kind: Pod\nm:\n  <<: [1]\n", "x.yaml")
    # a quoted "<<" is an ordinary key
    (doc,) = read_bytes(b"kind: Pod\nm: {'<<': 1}\n", "x.yaml")
    assert doc.obj["m"] == {"<<": 1}


def test_syntax_error_message(tmp_path: Path) -> None:
    f = write(tmp_path / "app.yaml", "kind: A\n---\nkind: B\n---\nkind: C\nmetadata:\n  name: x\n   bad: : y\n")
    message = error_of([str(f)])
    assert message.startswith(f"{f}: document 3: invalid YAML: ")
    assert message.endswith("(line 8, column 7)")


def test_syntax_error_between_documents_names_the_next_document() -> None:
    with pytest.raises(InputError, match=r"^x.yaml: document 2: invalid YAML: .*\(line 3, column 1\)$"):
        read_bytes(b"kind: A\n---\n\tkind: B\n", "x.yaml")


def test_unterminated_quote() -> None:
    with pytest.raises(InputError, match=r"^x.yaml: document 2: invalid YAML: found unexpected end of stream"):
        read_bytes(b"kind: A\n---\nkind: 'B\n", "x.yaml")


# ---------------------------------------------------------------- Lists


def test_kind_list_of_items_without_kind_uses_the_list_kind(tmp_path: Path) -> None:
    f = write(
        tmp_path / "pods.yaml",
        "apiVersion: v1\n"
        "kind: PodList\n"
        "metadata: {resourceVersion: '1'}\n"
        "items:\n"
        "- metadata: {name: a}\n"
        "  spec: {}\n"
        "- metadata:\n"
        "    name: b\n"
        "- apiVersion: v1\n"
        "  kind: Pod\n"
        "  metadata: {name: c}\n",
    )
    docs = read_paths([str(f)])
    assert [(d.obj["kind"], d.obj["apiVersion"], d.obj["metadata"]["name"]) for d in docs] == [
        ("Pod", "v1", "a"),
        ("Pod", "v1", "b"),
        ("Pod", "v1", "c"),
    ]
    assert [d.source for d in docs] == [
        Source(str(f), 1, 5, 0),
        Source(str(f), 1, 7, 1),
        Source(str(f), 1, 9, 2),
    ]
    assert docs[1].source.describe() == f"{f}: document 1 item 1"


def test_priority_class_list_keeps_its_api_version() -> None:
    docs = read_bytes(
        b'{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClassList", '
        b'"items": [{"metadata": {"name": "high"}, "value": 1000}]}',
        "pcs.json",
        json=True,
    )
    assert docs[0].obj["kind"] == "PriorityClass"
    assert docs[0].obj["apiVersion"] == "scheduling.k8s.io/v1"
    assert docs[0].source == Source("pcs.json", 1, None, 0)


def test_kubectl_get_json_list(tmp_path: Path) -> None:
    f = write(
        tmp_path / "snap.json",
        '{"apiVersion": "v1", "items": ['
        '{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},'
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},'
        '{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "hi"}, "value": 5},'
        '{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "b"}}'
        '], "kind": "List", "metadata": {"resourceVersion": ""}}',
    )
    docs = read_paths([str(f)])
    assert kinds(docs) == ["Node", "Pod", "PriorityClass", "PodDisruptionBudget"]
    assert [d.source.item for d in docs] == [0, 1, 2, 3]
    assert all(d.source.line is None and d.source.document == 1 for d in docs)


def test_generic_list_item_without_kind_is_an_error() -> None:
    with pytest.raises(InputError) as e:
        read_bytes(b"apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n", "l.yaml")
    assert str(e.value) == 'l.yaml: document 1 item 0: missing "kind" (a kind: List item must name its kind)'


def test_list_edge_cases() -> None:
    assert read_bytes(b"apiVersion: v1\nkind: List\nitems: []\n", "l.yaml") == []
    assert read_bytes(b"apiVersion: v1\nkind: PodList\nitems:\n", "l.yaml") == []
    with pytest.raises(InputError, match=r"^l.yaml: document 1 \(List\): items: expected a list, found a mapping$"):
        read_bytes(b"kind: List\nitems: {a: 1}\n", "l.yaml")
    with pytest.raises(InputError, match=r"^l.yaml: document 1 item 1: expected a Kubernetes object"):
        read_bytes(b"kind: PodList\nitems:\n- {}\n- just text\n", "l.yaml")
    with pytest.raises(InputError, match="inside a List is not supported"):
        read_bytes(b"kind: List\nitems:\n- kind: List\n  items: []\n", "l.yaml")


# ---------------------------------------------------------------- JSON


def test_json_file_and_sniffed_json(tmp_path: Path) -> None:
    f = write(tmp_path / "pod.json", '\n  {"apiVersion": "v1", "kind": "Pod", "spec": {"x": 1.5}}\n')
    (doc,) = read_paths([str(f)])
    assert doc.obj == {"apiVersion": "v1", "kind": "Pod", "spec": {"x": 1.5}}
    assert doc.source == Source(str(f), 1, None, None)
    # JSON in a .yaml file takes the fast path too; a flow mapping that is not JSON is YAML
    g = write(tmp_path / "pod.yaml", '{"kind": "Pod"}')
    h = write(tmp_path / "flow.yaml", "{kind: Pod}")
    assert kinds(read_paths([str(g), str(h)])) == ["Pod", "Pod"]
    assert read_paths([str(h)])[0].source.line == 1


def test_json_utf8_bom_is_accepted(tmp_path: Path) -> None:
    f = write(tmp_path / "pod.json", b'\xef\xbb\xbf{"kind": "Pod"}')
    assert kinds(read_paths([str(f)])) == ["Pod"]


def test_json_array_is_rejected_clearly(tmp_path: Path) -> None:
    f = write(tmp_path / "arr.json", '[{"kind": "Pod"}]')
    message = error_of([str(f)])
    assert message.startswith(f"{f}: a JSON array is not a Kubernetes object")
    assert '"kind": "List"' in message


def test_invalid_json(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.json", '{\n  "kind": "Pod",\n  "x": nope\n}')
    message = error_of([str(f)])
    assert message.startswith(f"{f}: invalid JSON: ")
    assert message.endswith("(line 3, column 8)")


def test_json_gc_is_restored_even_on_error(tmp_path: Path) -> None:
    assert gc.isenabled()
    read_paths([str(write(tmp_path / "ok.json", '{"kind": "Pod"}'))])
    assert gc.isenabled()
    error_of([str(write(tmp_path / "bad.json", "{"))])
    assert gc.isenabled()
    error_of([str(write(tmp_path / "bad.yaml", "a: [\n"))])
    assert gc.isenabled()


# ---------------------------------------------------------------- stdin


def test_stdin_yaml_and_json() -> None:
    docs = read_paths(["-"], stdin=io.BytesIO(b"kind: A\n---\nkind: B\n"))
    assert kinds(docs) == ["A", "B"]
    assert docs[1].source == Source("<stdin>", 2, 3, None)
    docs = read_paths(["-"], stdin=io.BytesIO(b' {"kind": "List", "apiVersion": "v1", "items": [{"kind": "C"}]}'))
    assert kinds(docs) == ["C"]
    assert docs[0].source == Source("<stdin>", 1, None, 0)


def test_stdin_defaults_to_sys_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"kind: A\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert kinds(read_paths(["-"])) == ["A"]


def test_stdin_mixed_with_files_keeps_order(tmp_path: Path) -> None:
    f = write(tmp_path / "f.yaml", "kind: F\n")
    docs = read_paths([str(f), "-"], stdin=io.BytesIO(b"kind: S\n"))
    assert kinds(docs) == ["F", "S"]


def test_stdin_twice_is_an_error() -> None:
    assert error_of(["-", "-"], stdin=io.BytesIO(b"kind: A\n")) == "-: standard input given more than once"


def test_stdin_errors_name_stdin() -> None:
    assert error_of(["-"], stdin=io.BytesIO(b"kind: A\nx: [\n")).startswith("<stdin>: document 1: invalid YAML: ")


# ---------------------------------------------------------------- paths and directories


def test_directory_recursion_in_sorted_order(tmp_path: Path) -> None:
    d = tmp_path / "cluster"
    write(d / "b.yaml", "kind: B\n")
    write(d / "a" / "x.yml", "kind: AX\n")
    write(d / "a-b.json", '{"kind": "AB"}')
    write(d / "sub" / "deeper" / "z.yaml", "kind: Z\n")
    write(d / "sub" / "c.yaml", "kind: C\n")
    write(d / "README.md", "not a manifest")
    write(d / "notes.txt", "kind: ignored\n")
    write(d / ".git" / "config.yaml", "kind: Hidden\n")
    write(d / ".hidden.yaml", "kind: Hidden\n")
    docs = read_paths([str(d)])
    assert kinds(docs) == ["AX", "AB", "B", "C", "Z"]
    assert docs[0].source.file == os.path.join(str(d), "a", "x.yml")
    # a trailing slash is fine, and the file names follow what was typed
    docs = read_paths([str(d) + "/"])
    assert docs[2].source.file == str(d) + "/b.yaml"


def test_explicit_file_with_any_extension(tmp_path: Path) -> None:
    f = write(tmp_path / "manifest.txt", "kind: T\n")
    assert kinds(read_paths([str(f)])) == ["T"]


def test_symlink_loop_does_not_hang_and_files_are_read_once(tmp_path: Path) -> None:
    d = tmp_path / "d"
    write(d / "a.yaml", "kind: A\n")
    write(d / "sub" / "b.yaml", "kind: B\n")
    (d / "sub" / "loop").symlink_to(d, target_is_directory=True)
    (d / "sub" / "self").symlink_to(d / "sub", target_is_directory=True)
    (d / "sub" / "same.yaml").symlink_to(d / "a.yaml")
    assert kinds(read_paths([str(d)])) == ["A", "B"]
    # the same tree or file given again is not read twice
    assert kinds(read_paths([str(d), str(d), str(d / "a.yaml")])) == ["A", "B"]


def test_symlinked_directory_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real / "a.yaml", "kind: A\n")
    top = tmp_path / "top"
    top.mkdir()
    (top / "linked").symlink_to(real, target_is_directory=True)
    assert kinds(read_paths([str(top)])) == ["A"]


def test_missing_path(tmp_path: Path) -> None:
    p = tmp_path / "nope.yaml"
    assert error_of([str(p)]) == f"{p}: no such file or directory"


def test_broken_symlink(tmp_path: Path) -> None:
    link = tmp_path / "x.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    assert error_of([str(link)]) == f"{link}: broken symbolic link"
    d = tmp_path / "d"
    write(d / "ok.yaml", "kind: A\n")
    (d / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    assert error_of([str(d)]) == f"{d / 'dangling.yaml'}: broken symbolic link"


def test_empty_directory(tmp_path: Path) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    assert error_of([str(d)]) == f"{d}: directory has no .yaml, .yml or .json files"
    write(d / "README.md", "# no manifests\n")
    assert error_of([str(d)]) == f"{d}: directory has no .yaml, .yml or .json files"


def test_no_paths() -> None:
    assert "no input" in error_of([])


def test_unreadable_file_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path / "secret.yaml", "kind: A\n")
    real_open = open

    def fake_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(f):
            raise PermissionError(13, "Permission denied", str(f))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", fake_open)
    assert error_of([str(f)]) == f"{f}: permission denied"


def test_unreadable_directory_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "locked"
    write(d / "a.yaml", "kind: A\n")
    real_scandir = os.scandir

    def fake_scandir(path: str) -> object:
        if str(path) == str(d):
            raise PermissionError(13, "Permission denied", str(d))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    assert error_of([str(d)]) == f"{d}: permission denied"


def test_read_failure_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path / "io.yaml", "kind: A\n")
    real_open = open

    def fake_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(f):
            raise OSError(5, "Input/output error", str(f))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", fake_open)
    assert error_of([str(f)]) == f"{f}: cannot read: Input/output error"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_real_permissions(tmp_path: Path) -> None:
    f = write(tmp_path / "secret.yaml", "kind: A\n")
    f.chmod(0)
    try:
        assert error_of([str(f)]) == f"{f}: permission denied"
    finally:
        f.chmod(0o644)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_directory(tmp_path: Path) -> None:
    d = tmp_path / "locked"
    write(d / "a.yaml", "kind: A\n")
    d.chmod(0)
    try:
        assert error_of([str(d)]) == f"{d}: permission denied"
    finally:
        d.chmod(0o755)


# ---------------------------------------------------------------- structure errors


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kind: A\n---\n- a\n- b\n", "expected a Kubernetes object (a mapping), found a list"),
        ("kind: A\n---\njust a string\n", "expected a Kubernetes object (a mapping), found a string"),
        ("kind: A\n---\n42\n", "expected a Kubernetes object (a mapping), found a number"),
        ("kind: A\n---\napiVersion: v1\n", 'missing "kind"'),
        ("kind: A\n---\nkind: ''\n", 'missing "kind"'),
        ("kind: A\n---\nkind: 3\n", '"kind" must be a string, found a number'),
        ("kind: A\n---\nkind: [Pod]\n", '"kind" must be a string, found a list'),
    ],
)
def test_document_must_be_an_object_with_a_kind(tmp_path: Path, text: str, problem: str) -> None:
    f = write(tmp_path / "m.yaml", text)
    message = error_of([str(f)])
    assert message.startswith(f"{f}: document 2: {problem}")


# ---------------------------------------------------------------- safety


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    f = write(tmp_path / "big.yaml", "kind: A\n" + "# padding\n" * 200)
    message = error_of([str(f)], max_file_bytes=1024)
    assert message == (
        f"{f}: file is larger than the limit of 1024 bytes (1Ki); set PRIOCLI_MAX_FILE_BYTES to raise it"
    )
    assert kinds(read_paths([str(f)], max_file_bytes=4096)) == ["A"]


def test_stdin_larger_than_the_limit() -> None:
    message = error_of(["-"], stdin=io.BytesIO(b"kind: A\n" * 100), max_file_bytes=100)
    assert message.startswith("<stdin>: file is larger than the limit of 100 bytes")


def test_limit_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path / "a.yaml", "kind: A\n" + "#" * 2000 + "\n")
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "1000")
    assert "larger than the limit of 1000 bytes" in error_of([str(f)])
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "1Mi")
    assert kinds(read_paths([str(f)])) == ["A"]
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "lots")
    assert error_of([str(f)]).startswith("PRIOCLI_MAX_FILE_BYTES: expected a positive number of bytes")
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "0")
    assert error_of([str(f)]).startswith("PRIOCLI_MAX_FILE_BYTES: ")
    monkeypatch.delenv(MAX_FILE_BYTES_ENV)
    assert documents.max_file_bytes_from_env() == DEFAULT_MAX_FILE_BYTES == 512 * 1024 * 1024


def _billion_laughs() -> bytes:
    text = "kind: Pod\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 10):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text.encode()


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "lol.yaml", b"kind: A\n---\n" + _billion_laughs())
    message = error_of([str(f)])
    assert message.startswith(f"{f}: document 2: refused: excessive aliasing")


def test_moderate_aliasing_is_fine() -> None:
    text = b"kind: Pod\nlabels: &l {app: web, tier: front}\n" + b"".join(
        b"p%d: {labels: *l}\n" % i for i in range(500)
    )
    (doc,) = read_bytes(text, "x.yaml")
    assert doc.obj["p499"]["labels"] == {"app": "web", "tier": "front"}


def test_alias_errors() -> None:
    with pytest.raises(InputError, match=r"^x.yaml: document 1: invalid YAML: found undefined alias \*nope \(line 2"):
        read_bytes(b"kind: Pod\na: *nope\n", "x.yaml")
    with pytest.raises(InputError, match="refers to a collection that contains it"):
        read_bytes(b"kind: Pod\na: &a [1, *a]\n", "x.yaml")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 200_000])
def test_deep_yaml_nesting_is_an_error_not_a_crash(tmp_path: Path, depth: int) -> None:
    # PyYAML's C composer recurses: ~100,000 nested "[" crash the interpreter. Not here.
    f = write(tmp_path / "deep.yaml", b"kind: A\n---\nx: " + b"[" * depth + b"]" * depth + b"\n")
    message = error_of([str(f)])
    assert message.startswith(f"{f}: document 2: nesting deeper than {MAX_DEPTH} levels (line 3, column ")


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = MAX_DEPTH - 1
    (doc,) = read_bytes(b"kind: A\nx: " + b"[" * depth + b"]" * depth + b"\n", "x.yaml")
    assert doc.obj["kind"] == "A"


def test_deep_block_nesting() -> None:
    text = b"kind: A\n" + b"".join(b" " * i + b"k:\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(InputError, match="nesting deeper than"):
        read_bytes(text, "x.yaml")


def test_deep_json_nesting_is_an_error(tmp_path: Path) -> None:
    f = write(tmp_path / "deep.json", '{"kind": "A", "x": ' + "[" * 10_000 + "]" * 10_000 + "}")
    message = error_of([str(f)])
    assert message.startswith(f"{f}: invalid JSON: nesting deeper than")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    f = write(tmp_path / "latin1.yaml", b"kind: A\n---\nkind: Pod\nmetadata:\n  name: caf\xe9\n")
    message = error_of([str(f)])
    assert message == f"{f}: document 2: not valid UTF-8 (byte 0xe9 at line 5, column 12)"
    g = write(tmp_path / "latin1.json", b'{"kind": "caf\xe9"}')
    assert error_of([str(g)]).startswith(f"{g}: document 1: not valid UTF-8 (byte 0xe9")


def test_utf16_is_refused_with_advice(tmp_path: Path) -> None:
    f = write(tmp_path / "ps.yaml", "kind: Pod\n".encode("utf-16"))
    assert error_of([str(f)]) == f"{f}: the file is UTF-16 encoded; save it as UTF-8"


def test_utf8_text_and_bom_are_fine(tmp_path: Path) -> None:
    f = write(tmp_path / "u.yaml", "\ufeffkind: Pod\nmetadata: {name: café}\n".encode())
    (doc,) = read_paths([str(f)])
    assert doc.obj["metadata"]["name"] == "café"
    assert doc.source.line == 1


def test_control_characters_are_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "ctl.yaml", b"kind: A\n---\nkind: Pod\nx: \"caf\xc3\xa9\x01\"\n")
    message = error_of([str(f)])
    assert message.startswith(f"{f}: document 2: invalid YAML: character #x0001 is not allowed")
    assert message.endswith("(line 4, column 9)")


def test_every_error_is_one_line_with_the_file(tmp_path: Path) -> None:
    cases = {
        "syntax.yaml": b"a: b: c\n",
        "dup.yaml": b"kind: A\nkind: B\n",
        "lol.yaml": _billion_laughs(),
        "deep.yaml": b"[" * 5000,
        "latin.yaml": b"kind: \xff\n",
        "scalar.yaml": b"hello\n",
        "nokind.yaml": b"a: 1\n",
        "badjson.json": b'{"a": }',
        "array.json": b"[]",
        "tab.yaml": b"kind: A\n\tx: 1\n",
    }
    for name, content in cases.items():
        f = write(tmp_path / name, content)
        message = error_of([str(f)])
        assert message.startswith(f"{f}: "), message
        if name.endswith(".yaml"):
            assert ": document 1: " in message, message


def test_named_pipe_is_read_like_a_file(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as w:
            w.write(b"kind: A\n---\nkind: B\n")

    t = threading.Thread(target=feed)
    t.start()
    try:
        assert kinds(read_paths([str(fifo)])) == ["A", "B"]
    finally:
        t.join(timeout=10)


def test_pure_python_parser_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_CParser", None)
    docs = read_bytes(b"kind: A\nx: [1, yes, 1e3, '2']\n---\nkind: PodList\nitems:\n- {a: 1}\n", "x.yaml")
    assert [d.obj for d in docs] == [{"kind": "A", "x": [1, True, 1000.0, "2"]}, {"a": 1, "kind": "Pod"}]
    assert docs[1].source == Source("x.yaml", 2, 6, 0)
    with pytest.raises(InputError, match=r"^x.yaml: document 2: invalid YAML: .*\(line \d+, column \d+\)$"):
        read_bytes(b"kind: A\n---\nkind: [\n", "x.yaml")
    with pytest.raises(InputError, match="nesting deeper than"):
        read_bytes(b"[" * 5000, "x.yaml")
