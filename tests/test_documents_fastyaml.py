"""The fast YAML path of priocli.load.documents: yaml-rs (YAML 1.2) behind a scan of the raw bytes.

Whenever the fast path reads a file, it must give exactly what the exact loader (libyaml events,
go-yaml v2 resolution) gives: the same objects (bool, int, float and str told apart), the same
Sources (document numbers, document and item lines). Everything the scan is there to refuse is
refused, and a refused or failed file is read by the exact loader, errors included.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priocli.errors import InputError
from priocli.load import documents
from priocli.load.documents import read_bytes, read_paths
from priocli.model import Source

pytestmark = pytest.mark.skipif(documents._fast_yaml() is None, reason="yaml-rs is not installed (or Python < 3.11)")

SCALE = max(1, int(os.environ.get("PRIOCLI_PROPERTY_SCALE", "1")))


def examples(n: int) -> Any:
    return settings(max_examples=n * SCALE, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def min_bytes(n: int) -> Iterator[None]:
    saved = documents._FAST_YAML_MIN_BYTES
    documents._FAST_YAML_MIN_BYTES = n
    try:
        yield
    finally:
        documents._FAST_YAML_MIN_BYTES = saved


def canon(v: Any) -> Any:
    """A comparable form that tells True from 1 from 1.0 and NaN from nothing."""
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return ("float", "nan")
    return (type(v).__name__, v)


def load(data: bytes, *, fast: bool) -> list[tuple[Any, Source]] | str:
    with min_bytes(0 if fast else 1 << 62):
        try:
            return [(canon(d.obj), d.source) for d in read_bytes(data, "f.yaml")]
        except InputError as e:
            return f"InputError: {e}"


def taken(data: bytes) -> bool:
    return documents._load_yaml_fast(data) is not None


def same_or_refused(data: bytes) -> bool:
    """True when the fast path reads ``data`` (and then it must read it like the exact loader)."""
    if not taken(data):
        return False
    assert load(data, fast=True) == load(data, fast=False), data.decode("utf-8", "replace")
    return True


# ---------------------------------------------------------------- what a cluster snapshot looks like

POD = """\
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-{i}
    namespace: shop
    uid: 4f9d2a1e-8c1b-4a2e-9b7a-0123456789a{i}
    creationTimestamp: '2024-05-01T09:00:3{i}Z'
    labels:
      app: web
      pod-template-hash: 6dfs72npv5
  spec:
    nodeName: ip-10-16-0-{i}.ec2.internal
    priority: 1000
    priorityClassName: high
    containers:
    - name: app
      image: registry.example.com/web:1.25
      resources:
        requests:
          cpu: 500m
          memory: 1Gi
    tolerations: []
  status:
    phase: Running
    podIP: 10.244.1.{i}
    startTime: "2024-05-01T09:00:30Z"
    conditions:
    - type: Ready
      status: "True"
"""


def pod_list(n: int, *, indent: str = "") -> str:
    items = "".join(POD.format(i=i) for i in range(n))
    items = "".join(indent + line if line else line for line in items.splitlines(keepends=True))
    return "apiVersion: v1\n# what kubectl get pods -o yaml prints\nitems:\n" + items + "kind: List\nmetadata:\n  resourceVersion: \"\"\n"


@pytest.mark.parametrize("indent", ["", "  "])
def test_a_pod_list_takes_the_fast_path_with_item_lines(indent: str) -> None:
    data = pod_list(3, indent=indent).encode()
    assert taken(data)
    docs = load(data, fast=True)
    assert docs == load(data, fast=False)
    lines = POD.count("\n")
    assert [src for _, src in docs] == [Source("f.yaml", 1, 4 + i * lines, i) for i in range(3)]
    obj = dict(docs[0][0])
    assert obj["spec"]["priority"] == ("int", 1000)
    assert obj["metadata"]["creationTimestamp"] == ("str", "2024-05-01T09:00:30Z")
    assert obj["status"]["startTime"] == ("str", "2024-05-01T09:00:30Z")  # timestamps stay strings
    assert obj["status"]["conditions"][0]["status"] == ("str", "True")
    assert obj["spec"]["tolerations"] == []


def test_items_are_read_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_FY_CHUNK", 2)
    data = pod_list(5).encode()
    assert taken(data)
    assert load(data, fast=True) == load(data, fast=False)
    assert len(load(data, fast=True)) == 5


def test_a_stream_keeps_document_numbers_and_lines() -> None:
    text = (
        "# preamble\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
        "--- # second\n\n# comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
        "---\n---\n# only a comment\n---\napiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: c\n"
        "- metadata:\n    name: d\n"
    )
    data = text.encode()
    assert taken(data)
    docs = load(data, fast=True)
    assert docs == load(data, fast=False)
    assert [src for _, src in docs] == [
        Source("f.yaml", 1, 3), Source("f.yaml", 2, 10), Source("f.yaml", 5, 21, 0), Source("f.yaml", 5, 23, 1),
    ]


def test_content_before_a_first_marker_is_document_one() -> None:
    data = b"apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Node\n---\n"
    assert taken(data)
    assert load(data, fast=True) == load(data, fast=False)
    assert [src for _, src in load(data, fast=True)] == [Source("f.yaml", 1, 1), Source("f.yaml", 2, 4)]


def test_large_files_take_the_fast_path_and_small_ones_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = documents._load_yaml_fast

    def spy(data: bytes) -> Any:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(documents, "_load_yaml_fast", spy)
    small = tmp_path / "small.yaml"
    small.write_text(pod_list(2))
    big = tmp_path / "big.yaml"
    n = documents._FAST_YAML_MIN_BYTES // len(POD) + 10
    big.write_text(pod_list(n))
    assert len(read_paths([str(small)])) == 2
    assert calls == []
    docs = read_paths([str(big)])
    assert calls == [big.stat().st_size]
    assert len(docs) == n
    monkeypatch.setattr(documents, "_FAST_YAML_MIN_BYTES", 1 << 62)
    assert read_paths([str(big)]) == docs


def test_without_yaml_rs_every_file_is_read_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_fast_yaml", lambda: None)
    data = pod_list(2).encode()
    assert documents._load_yaml_fast(data) is None
    with min_bytes(0):
        assert len(read_bytes(data, "f.yaml")) == 2


# ---------------------------------------------------------------- what the scan refuses

# Plain scalars that go-yaml v2 and YAML 1.2 (or yaml-rs) may read differently.
RISKY_VALUES = [
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    "0777", "08", "00", "0o17", "0O17", "0x1F", "-0x1f", "0b101", "0B1", "1_000", "1__0", "1_", "_1", "+1", "+0",
    "1e3", "1E+3", "1e400", "-1e400", ".5", "-.5", "1.", "0.", "+.5", "1e_3", "1_.5",
    ".inf", ".Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN", ".Nan", ".iNf",
    "9223372036854775808", "-9223372036854775808", "18446744073709551615", "18446744073709551616",
    "123456789012345678901", "<<", "&a x", "*a", "!!str x", "!t x", "? x", "%x", "@x", "`x", ",x", "]x", "}x",
    ":x", "[1]", "{a: 1}", "[a, b]", "|", "|-", ">", ">+", "|2",
]
# Keys that go-yaml v2 turns into other strings (or refuses) and yaml-rs into other types.
RISKY_KEYS = ["true", "True", "FALSE", "null", "Null", "~", "yes", "no", "on", "off", "y", "n", "1", "0777",
              "1.5", "1_000", "0x1F", ".inf", "<<", "[a]", "{a: 1}", "? a", "&a b", "!!str b"]


@pytest.mark.parametrize("value", RISKY_VALUES)
@pytest.mark.parametrize("template", ["a: {}\n", "a: {}  # comment\n", "- {}\n", "a:\n  {}\n", "a:\n- - {}\n",
                                      "k:\n  x: 1\n  a: {}\n", "{}\n"])
def test_risky_values_are_refused(value: str, template: str) -> None:
    data = template.format(value).encode()
    assert not taken(data), data


@pytest.mark.parametrize("key", RISKY_KEYS)
@pytest.mark.parametrize("template", ["{}: a\n", "x: 1\n{}: a\n", "- {}: a\n", "a:\n  {} : b\n", "- x: 1\n  {}: a\n"])
def test_risky_keys_are_refused(key: str, template: str) -> None:
    data = template.format(key).encode()
    assert not taken(data), data


# Values both readers read alike: they may take the fast path.
AGREED_VALUES = ["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "", "0", "-0", "7",
                 "-42", "123456789012345678", "1.5", "-0.25", "0.0", "10.0.0.1", "1.2.3", "12:30", "1:2:3",
                 "2024-05-01", "2024-05-01T09:00:30Z", "4f9d2a1e-8c1b-4a2e", "12345678-1234", "500m", "1Gi",
                 "nginx:1.25", "a b", "x,y", "x]", "a#b", "-x", "--flag", "yes please", "no-schedule", "tRuE", ".", "_",
                 "'yes'", '"0777"', "'it''s'", '"a\\tb\\u00e9\\/"', "[]", "{}", "é", "日本"]


@pytest.mark.parametrize("value", AGREED_VALUES)
@pytest.mark.parametrize("template", ["a: {}\n", "- {}\n", "a:\n  b: {}  # c\n", "a:\n- {}\n"])
def test_agreed_values_take_the_fast_path(value: str, template: str) -> None:
    data = template.format(value).encode()
    assert same_or_refused(data), data


@pytest.mark.parametrize("text", [
    "a: b\n\tc: d\n", "a:\tb\n", "a: b\r\nc: d\r\n", "a: b\x85c\n", "a: b\u2028c\n", "a: b\u2029c\n", "a: \ufeffb\n",
    "a: b\x7f\n", "a: b\x01\n", "a: \"\\ud83d\\ude00\"\n", "a: b\n...\n", "%YAML 1.1\n---\na: b\n",
    "a: b",  # no final newline
    "--- |\n  x\n", "--- a: b\n", "a: b\n  ---\n", "- ---\n",
    "k" * 1100 + ": v\n", "a:\n" + " " * 400 + "b: c\n", "- " * 600 + "x\n", "a: - b\n", "a: -\n",
    "a: &x 1\nb: *x\n", "<<: {a: 1}\n", "a: !!binary aGk=\n", "- |\n\n",
    "a: 1\na: 2\n",  # duplicate keys: yaml-rs refuses them too, and the exact loader says where
])
def test_refused_inputs(text: str) -> None:
    data = text.encode()
    assert not taken(data)


@pytest.mark.parametrize("text", [
    "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n"
    '      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"priority":0777}}\n  name: x\n',
    "args:\n- |\n  set -e\n  exec app --level=0777 --on yes\n- --flag\n",
    "a: |+\n  x\n\n\nb: 1\n", "a: >-\n  x\n\n   y: 1\n  z\nb: 2\n", "- k: |\n    [x]\n  j: 1\n", '"k": |\n  x\n',
    "a: |  # a comment\n  # content\n  - y\n", "- - |\n    x\n  - z\n",
    "a: |\n  x\n  y\n---\nb: 1\n",  # a line of content that looks risky does not hide the next line
])
def test_block_scalars_with_content_take_the_fast_path(text: str) -> None:
    """Their content is not scanned: nothing in it is a plain scalar."""
    assert same_or_refused(text.encode())


@pytest.mark.parametrize("text", [
    "a: |\n", "a: |\nb: 1\n", "a: >-\n\n\nb: 1\n", "- k: |\n  j: 1\n", "- |\n- x\n",  # empty: "\n" to yaml-rs
    "a: |2\n  x\n", "a: >-1\n  x\n", "a:\n  |\n  x\n",  # an indentation indicator, a header on its own line
    "spec:  # note: |\n  replicas: 0777\n",  # ": |" in a comment does not start a block scalar
    "a: |\n  x\n 0777\n",  # a line indented less than the content ends it, and is scanned
    "a: |\n  x\nb: 0777\n", "a: |\n  y\nb: 0777\n", "a: |\n  yes\nb: yes\n",
])
def test_block_scalars_refused(text: str) -> None:
    assert not taken(text.encode())


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n", "a: b: c\n", "a: 'x\n", "a:\n  b: 1\n c: 2\n", "- a\nb: 1\n", "a: \"\\q\"\n", "a: [1, 2\n",
    "kind: List\nitems:\n- kind: Pod\n  kind: Pod\n",
])
def test_errors_are_the_exact_loaders(text: str) -> None:
    data = text.encode()
    assert not taken(data)
    fast, exact = load(data, fast=True), load(data, fast=False)
    assert fast == exact
    assert isinstance(exact, str) and exact.startswith("InputError: f.yaml: document 1: ")


@pytest.mark.parametrize("text", [
    "kind: List\nitems:\n-\n  kind: Pod\n",  # an item that starts on the line after its "-"
    "kind: List\nitems: [{kind: Pod}]\n",  # a flow sequence
    "  kind: List\n  items:\n  - kind: Pod\n",  # the root mapping indented
    'kind: List\nnote: "a\nitems:\n- kind: Node\n b"\nitems:\n- kind: Pod\n',  # an "items:" line inside a scalar
])
def test_item_lines_that_cannot_be_told_fall_back(text: str) -> None:
    data = text.encode()
    assert not taken(data)
    assert load(data, fast=True) == load(data, fast=False)


def test_an_items_sequence_that_is_not_a_list_kind() -> None:
    data = b"kind: Widget\nitems:\n- a\n- b\nother: 1\n"
    assert same_or_refused(data)
    assert load(data, fast=True) == [(canon({"kind": "Widget", "items": ["a", "b"], "other": 1}), Source("f.yaml", 1, 1))]


# ---------------------------------------------------------------- properties

NUMBERISH = "0123456789._-+eExXoObBaAfFiInNlLsSyYtTuU~:"


@examples(400)
@given(token=st.text(alphabet=NUMBERISH, min_size=1, max_size=8),
       template=st.sampled_from(["a: {}\n", "{}: a\n", "- {}\n", "a:\n  {}\n", "- {}: a\n", "a:\n- b: {}\n"]))
def test_scalar_tokens(token: str, template: str) -> None:
    same_or_refused(template.format(token).encode())


@examples(100)
@given(token=st.sampled_from(RISKY_VALUES), pad=st.sampled_from(["", " ", "   ", " # c"]))
def test_risky_values_are_refused_anywhere(token: str, pad: str) -> None:
    for template in ("a: {}{}\n", "x:\n- y: {}{}\n", "x:\n  - {}{}\n"):
        data = template.format(token, pad).encode()
        assert not taken(data), data


WORDS = ["web", "nginx:1.25", "500m", "1Gi", "high", "node-1", "10.0.0.1", "2024-05-01T09:00:30Z", "a b", "it's",
         'say "hi"', "é", "日本", "", "x,y", "a#b", "-x", "12:30", "4f9d2a1e-8c1b", "kubernetes.io/hostname", "a: b",
         "multi\nline", "multi\nline\n", " lead", "trail ", "#x", "{x}", "[x]", "x\\y"]
KEYS = ["name", "namespace", "labels", "app", "spec", "value", "key", "a", "x-y", "a.b/c", "a b", "é", "k" * 20]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(WORDS + RISKY_VALUES + AGREED_VALUES),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.booleans(),
        st.none(),
        st.sampled_from([0.5, -1.25, 3.0, 1e20]),
        st.text(alphabet="abxyz 01:#-_'\"\\/.,[]{}!&*|>%@`?\n", max_size=10),
    )


def trees() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | scalars().map(str), inner, max_size=4),
        max_leaves=15,
    )


@st.composite
def manifests(draw: st.DrawFn) -> str:
    """One to three Kubernetes-like objects (some Lists), written in one of many YAML styles."""
    objs = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["Pod", "List", "PodList", "Node"]))
        body_key = "items" if kind.endswith("List") or draw(st.booleans()) else "spec"
        body = draw(st.lists(trees(), max_size=3)) if body_key == "items" else draw(trees())
        objs.append({"apiVersion": "v1", "kind": kind, "metadata": {"name": draw(scalars())}, body_key: body})
    if draw(st.booleans()):
        texts = [yaml.safe_dump(o, default_flow_style=False, sort_keys=False, allow_unicode=draw(st.booleans()),
                                indent=draw(st.sampled_from([2, 4])), width=draw(st.sampled_from([40, 80, 1000])))
                 for o in objs]
    else:
        style = Style(draw)
        texts = ["\n".join(style.node(o, 0, "")) + "\n" for o in objs]
    sep = draw(st.sampled_from(["---\n", "--- # next\n", "---  \n"]))
    lead = draw(st.sampled_from(["", "---\n", "# c\n", "# c\n---\n"]))
    return lead + sep.join(texts)


class Style:
    """A YAML writer with the choices hypothesis draws: quoting, indentation, indentless
    sequences, null spellings, comments and blank lines. It writes plain scalars as they are,
    risky or invalid: that is the point."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.indent = draw(st.sampled_from([2, 2, 4, 3, 1]))
        self.indentless = draw(st.booleans())
        self.quote = draw(st.sampled_from(["plain", "single", "double", "mixed"]))
        self.null = draw(st.sampled_from(["null", "", "~", "mixed"]))
        self.comments = draw(st.booleans())

    def scalar(self, v: Any) -> str:
        if v is None:
            return self.null if self.null != "mixed" else self.draw(st.sampled_from(["null", "", "~"]))
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return json.dumps(v)
        s = str(v)
        q = self.quote if self.quote != "mixed" else self.draw(st.sampled_from(["plain", "single", "double", "block"]))
        if q == "block" and s.strip():
            return self.draw(st.sampled_from(["|", "|-", "|+", ">", ">-", ">+"])) + "\n" + "\n".join(
                "  " * self.draw(st.integers(1, 3)) + line if line else "" for line in s.split("\n"))
        if q == "plain" and s and "\n" not in s:
            return s
        if q == "single" and "\n" not in s:
            return "'" + s.replace("'", "''") + "'"
        return json.dumps(s, ensure_ascii=self.draw(st.booleans()))

    def extra(self, out: list[str], ind: int) -> None:
        if self.comments and self.draw(st.integers(0, 9)) == 0:
            out.append(" " * ind + self.draw(st.sampled_from(["# c", "#", "# x: 1", ""])))

    def node(self, v: Any, ind: int, prefix: str) -> list[str]:
        out: list[str] = []
        if isinstance(v, dict) and v:
            for i, (k, x) in enumerate(v.items()):
                self.extra(out, ind)
                head = (prefix if i == 0 else " " * ind) + self.scalar(k) + ":"
                if isinstance(x, dict) and x:
                    out.append(head)
                    out.extend(self.node(x, ind + self.indent, " " * (ind + self.indent)))
                elif isinstance(x, list) and x:
                    out.append(head)
                    sub = ind if self.indentless else ind + self.indent
                    out.extend(self.node(x, sub, " " * sub))
                else:
                    s = self.scalar(x) if not isinstance(x, (dict, list)) else ("{}" if isinstance(x, dict) else "[]")
                    out.append(head + (" " + s if s else ""))
        elif isinstance(v, list) and v:
            for i, x in enumerate(v):
                self.extra(out, ind)
                lead = (prefix if i == 0 else " " * ind) + "-"
                if isinstance(x, (dict, list)) and x:
                    if self.draw(st.integers(0, 4)):
                        out.extend(self.node(x, ind + 2, lead + " "))
                    else:
                        out.append(lead)
                        out.extend(self.node(x, ind + self.indent, " " * (ind + self.indent)))
                else:
                    s = self.scalar(x) if not isinstance(x, (dict, list)) else ("{}" if isinstance(x, dict) else "[]")
                    out.append(lead + (" " + s if s else ""))
        else:
            s = self.scalar(v) if not isinstance(v, (dict, list)) else ("{}" if isinstance(v, dict) else "[]")
            out.append(prefix + s)
        return out


@examples(300)
@given(text=manifests())
def test_generated_manifests(text: str) -> None:
    same_or_refused(text.encode())


MUTATIONS = [":", " ", "- ", "#", "'", '"', "[", "{", "}", "]", ",", "|", ">", "&a ", "*a", "!!str ", "\\", "---",
             "? ", "\t", "yes", "0777", "~", "\n"]


@examples(300)
@given(text=manifests(), data=st.data())
def test_mutated_manifests(text: str, data: st.DataObject) -> None:
    """Damaged inputs: whatever the fast path reads, the exact loader reads alike (or both refuse)."""
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.integers(0, 4))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            lines[i] = " " * data.draw(st.integers(1, 2)) + lines[i]
        elif op == 3:
            lines[i] = lines[i][data.draw(st.integers(1, 2)):] if lines[i].startswith(" ") else lines[i]
        else:
            pos = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + data.draw(st.sampled_from(MUTATIONS)) + lines[i][pos:]
        if not lines:
            break
    same_or_refused("\n".join(lines).encode())


# PyYAML quotes whatever YAML 1.1 would not read as a string (yes, 0777, "a: b" ...), as kubectl
# does; but not y and n, which go-yaml v2 (and so kubectl) reads as booleans.
SAFE_KEY = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda k: k not in ("y", "n"))
SAFE_TEXT = st.from_regex(r"[a-zA-Z][a-zA-Z0-9./:-]{0,12}( [a-z]{1,5})?", fullmatch=True).filter(
    lambda s: s not in ("y", "Y", "n", "N"))
SAFE_SCALAR = st.one_of(SAFE_TEXT, st.integers(-(10**17), 10**17), st.booleans(), st.none(),
                        st.sampled_from(["yes", "0777", "", "a: b", "[x]", "#x", "日本"]))


@examples(150)
@given(pods=st.lists(st.dictionaries(SAFE_KEY, st.recursive(
    SAFE_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SAFE_KEY, inner, max_size=3), max_leaves=8),
    max_size=5), min_size=1, max_size=5))
def test_what_machines_write_takes_the_fast_path(pods: list[dict[str, Any]]) -> None:
    """kubectl-like output (PyYAML here: it quotes what YAML 1.1 would not read as a string) is not refused."""
    items = [{"apiVersion": "v1", "kind": "Pod", **p} for p in pods]
    text = yaml.safe_dump({"apiVersion": "v1", "items": items, "kind": "List"}, default_flow_style=False, sort_keys=False,
                          allow_unicode=True, width=1 << 20)
    data = text.encode()
    assert same_or_refused(data), text
