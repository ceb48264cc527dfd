"""Reading the user's PATHs into a flat list of Kubernetes object dicts, with provenance.

A PATH is a file (any name), a directory (searched recursively for ``*.yaml``, ``*.yml``
and ``*.json``: depth first, entries in sorted name order as ``kubectl -R`` visits them,
symlinks followed, loops cut, names starting with ``.`` skipped), or ``-`` for standard
input. Files hold
multi-document YAML or one JSON object; ``kind: List`` and ``kind: <Kind>List`` (what
``kubectl get ... -o yaml|json`` and the raw list API print) are flattened into their items.

YAML is read the way Kubernetes reads it (sigs.k8s.io/yaml on go-yaml v2, YAML 1.1):

* scalars resolve like go-yaml v2: ``yes``/``no``/``on``/``off``/``y``/``n`` are booleans,
  ``0777`` is octal, ``1e3`` is a float, ``1:30`` is a string (no base 60), ``1_000`` is
  1000, and timestamps **stay strings**;
* mapping keys become strings (``true``, ``1``) as sigs.k8s.io/yaml makes them; a null,
  fractional or collection key is an error; duplicate keys are an error (strict decoding);
* ``<<`` merge keys work (explicit keys win, earlier merged mappings win over later ones);
* excessive aliasing ("billion laughs") is refused with go-yaml v2's own alias-ratio rule,
  and nesting deeper than :data:`MAX_DEPTH` is refused.

Documents are built straight from libyaml's event stream (PyYAML's C parser, or its pure
Python parser when libyaml is missing) by an iterative builder: three to four times faster
than ``yaml.load(..., CSafeLoader)``, no recursion (PyYAML's C composer recurses and crashes
the interpreter on ~100,000 nested ``[``), and the per-document checks above come for free.

Large YAML files (a snapshot of a whole cluster) are first offered to a fast path: yaml-rs, a
YAML 1.2 parser in Rust, three times faster. It is taken only when a scan of the raw bytes
finds nothing that YAML 1.2 and go-yaml v2 could read differently (see the notes above
:func:`_load_yaml_fast`); otherwise, and on any problem, the file is read as above, so the
objects, their provenance and the error messages are the same either way.

JSON goes through orjson with the cyclic garbage collector paused (see
``reference/live-loading.md``): a 100 MB ``kubectl get -o json`` list loads in about a second.

Every problem raises :class:`~priocli.errors.InputError` with one line of text naming the
file and, where it applies, the document: ``app.yaml: document 3: invalid YAML: mapping
values are not allowed here (line 12, column 9)``.
"""

from __future__ import annotations

import functools
import gc
import math
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson
import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from priocli.errors import InputError, describe_type
from priocli.gcpause import gc_paused
from priocli.model import Source
from priocli.quantity import QuantityError, format_bytes, parse_quantity, to_units

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "MANIFEST_SUFFIXES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES_ENV",
    "STDIN_NAME",
    "Document",
    "max_file_bytes_from_env",
    "read_bytes",
    "read_paths",
]

DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_FILE_BYTES_ENV = "PRIOCLI_MAX_FILE_BYTES"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN_NAME = "<stdin>"
MAX_DEPTH = 1024  # the same bound orjson applies to JSON; real objects nest a few dozen levels

try:  # libyaml's parser; the pure Python one when PyYAML was built without it
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _CParser = None


@dataclass(frozen=True, slots=True)
class Document:
    """One Kubernetes object dict and where it came from."""

    obj: dict[str, Any]
    source: Source


# ---------------------------------------------------------------- public entry points


def max_file_bytes_from_env() -> int:
    """The size limit: ``$PRIOCLI_MAX_FILE_BYTES`` (bytes, or a quantity like ``2Gi``) or 512 MiB."""
    raw = os.environ.get(MAX_FILE_BYTES_ENV)
    if raw is None or raw == "":
        return DEFAULT_MAX_FILE_BYTES
    try:
        limit = to_units(parse_quantity(raw))
    except QuantityError:
        limit = 0
    if limit <= 0:
        raise InputError(f"{MAX_FILE_BYTES_ENV}: expected a positive number of bytes (like 1073741824 or 1Gi), got {raw!r}")
    return limit


def read_paths(
    paths: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    max_file_bytes: int | None = None,
) -> list[Document]:
    """Read files, directories and ``-`` (standard input) into Documents, in order.

    ``stdin`` replaces ``sys.stdin.buffer`` for ``-``. ``max_file_bytes`` defaults to
    :func:`max_file_bytes_from_env`. A file reached twice (a directory and a file in it,
    symlinks) is read once. The cyclic garbage collector is paused while reading and the
    result is ``gc.freeze()``-d (it has no reference cycles). Raises :class:`InputError`,
    also when the PATHs hold no object at all (an empty file is a mistake, not an empty cluster).
    """
    limit = max_file_bytes_from_env() if max_file_bytes is None else max_file_bytes
    if not paths:
        raise InputError("no input: give one or more files, directories or - for standard input")
    docs: list[Document] = []
    seen_files: set[tuple[int, int]] = set()
    seen_dirs: set[tuple[int, int]] = set()
    stdin_read = False
    with gc_paused():
        for path in paths:
            if path == "-":
                if stdin_read:
                    raise InputError("-: standard input given more than once")
                stdin_read = True
                data = _read_stdin(stdin, limit)
                docs.extend(read_bytes(data, STDIN_NAME))
                continue
            for name in _expand(path, seen_dirs):
                data = _read_file(name, limit, seen_files)
                if data is not None:
                    docs.extend(read_bytes(data, name, json=name.endswith(".json")))
        # What was loaded lives until the pass ends and holds no reference cycles: move it out
        # of the collector's sight, or the next collections would walk all of it again.
        gc.freeze()
    if not docs:  # like `kubectl apply -f empty.yaml`: "no objects passed to apply"
        names = ", ".join(STDIN_NAME if p == "-" else p for p in paths)
        raise InputError(f"{names}: no Kubernetes objects in the input (empty, or only comments and empty Lists)")
    return docs


def read_bytes(data: bytes, name: str, *, json: bool | None = None) -> list[Document]:
    """Parse one file's bytes (YAML stream or JSON object) into Documents named ``name``.

    ``json=True`` means the content must be JSON (a ``.json`` file); otherwise content
    starting with ``{`` is tried as JSON first (the fast path) and read as YAML if it is not.
    """
    data = _check_encoding(data, name)
    start = _LEADING_SPACE.match(data).end()  # type: ignore[union-attr]  # always matches
    first = data[start : start + 1]
    if first == b"{" or (json and first in (b"[", b"")):
        try:
            with gc_paused():
                obj = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            if json:
                raise InputError(f"{name}: invalid JSON: {_json_problem(e)} (line {e.lineno}, column {e.colno})") from None
        else:
            if isinstance(obj, list):
                raise InputError(
                    f"{name}: a JSON array is not a Kubernetes object; "
                    'wrap the objects in {"apiVersion": "v1", "kind": "List", "items": [...]}'
                )
            with gc_paused():
                return _flatten(obj, Source(name, 1), None)
    out: list[Document] = []
    with gc_paused():
        fast = _load_yaml_fast(data) if len(data) >= _FAST_YAML_MIN_BYTES else None
        for doc_no, line, obj, item_lines in _load_yaml(data, name) if fast is None else fast:
            out.extend(_flatten(obj, Source(name, doc_no, line), item_lines))
    return out


# ---------------------------------------------------------------- paths and bytes


def _expand(path: str, seen_dirs: set[tuple[int, int]]) -> list[str]:
    """The files a PATH names: itself, or the manifest files under a directory."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        what = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
        raise InputError(f"{path}: {what}") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    if not stat.S_ISDIR(st.st_mode):
        return [path]
    if (st.st_dev, st.st_ino) in seen_dirs:  # the same directory given twice
        return []
    files = _walk(path, st, seen_dirs)
    if not files:
        raise InputError(f"{path}: directory has no {', '.join(MANIFEST_SUFFIXES[:-1])} or {MANIFEST_SUFFIXES[-1]} files")
    return files


def _walk(root: str, root_st: os.stat_result, seen_dirs: set[tuple[int, int]]) -> list[str]:
    """Manifest files under ``root``, depth first, entries in sorted name order.

    Symbolic links are followed; a directory already visited (a symlink loop, or the same
    tree given twice) is not entered again. Names starting with ``.`` are skipped (``.git``,
    and the ``..data`` links of a mounted ConfigMap, which would double every file).
    """
    files: list[str] = []
    seen_dirs.add((root_st.st_dev, root_st.st_ino))
    stack: list[Iterator[tuple[str, bool]]] = [iter(_list_dir(root))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path, is_dir = entry
        if is_dir:
            try:
                st = os.stat(path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            stack.append(iter(_list_dir(path)))
        elif path.endswith(MANIFEST_SUFFIXES):
            files.append(path)
    return files


def _list_dir(path: str) -> list[tuple[str, bool]]:
    try:
        with os.scandir(path) as it:
            entries = [(e.name, _is_dir(e)) for e in it if not e.name.startswith(".")]
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read directory: {e.strerror or e}") from None
    entries.sort()
    return [(os.path.join(path, name), is_dir) for name, is_dir in entries]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks; a broken link is not a directory
    except OSError:
        return False


def _too_big(name: str, limit: int) -> InputError:
    short = format_bytes(limit)
    size = f"{limit} bytes" if short == str(limit) else f"{limit} bytes ({short})"
    return InputError(f"{name}: file is larger than the limit of {size}; set {MAX_FILE_BYTES_ENV} to raise it")


def _read_file(name: str, limit: int, seen: set[tuple[int, int]]) -> bytes | None:
    """The file's bytes, or None when this very file was already read."""
    try:
        with open(name, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    return None
                seen.add(key)
                if st.st_size > limit:
                    raise _too_big(name, limit)
                data = f.read()  # one allocation of the file's size
                if len(data) > limit:  # it grew meanwhile
                    raise _too_big(name, limit)
                return data
            return _read_limited(f, name, limit)  # a pipe, a device: no size to trust
    except FileNotFoundError:
        what = "broken symbolic link" if os.path.islink(name) else "no such file or directory"
        raise InputError(f"{name}: {what}") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None


def _read_limited(f: BinaryIO, name: str, limit: int) -> bytes:
    """Read to EOF in chunks (pipes and stdin have no size), refusing more than ``limit``."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk: bytes | str = f.read(min(1 << 24, limit + 1 - total))
        if not chunk:
            break
        if isinstance(chunk, str):  # a text stream passed by mistake
            chunk = chunk.encode("utf-8")
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_big(name, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_stdin(stdin: BinaryIO | None, limit: int) -> bytes:
    if stdin is None:
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise InputError(f"{STDIN_NAME}: standard input is not available")
    try:
        return _read_limited(stdin, STDIN_NAME, limit)
    except OSError as e:
        raise InputError(f"{STDIN_NAME}: cannot read: {e.strerror or e}") from None


_LEADING_SPACE = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")
_UTF8_BOM = b"\xef\xbb\xbf"


def _check_encoding(data: bytes, name: str) -> bytes:
    """UTF-8 only (a UTF-8 byte order mark is dropped), like Kubernetes' decoders."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: the file is UTF-16 encoded; save it as UTF-8")
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            line, col = _line_col(data, e.start)
            raise InputError(
                f"{name}: document {_document_at(data, e.start)}: not valid UTF-8 "
                f"(byte 0x{data[e.start]:02x} at line {line}, column {col})"
            ) from None
    return data


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and (character) column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, col


_DOC_MARKER = re.compile(rb"^---(?=[ \t\r\n]|$)", re.M)
_PREAMBLE = re.compile(rb"(?:[ \t]*(?:#[^\n]*|%[^\n]*)?\r?\n)*[ \t]*(?:#[^\n]*)?")


def _document_at(data: bytes, offset: int) -> int:
    """The 1-based number of the YAML document holding ``offset`` (by ``---`` lines).

    Used only for problems found before the parser reaches the place (bad bytes), where the
    parser's own document count is not yet known.
    """
    markers = [m.start() for m in _DOC_MARKER.finditer(data, 0, offset)]
    if not markers:
        return 1
    # A first "---" with only comments/directives/blank lines before it opens document 1.
    preamble_only = _PREAMBLE.match(data, 0, markers[0]).end() == markers[0]  # type: ignore[union-attr]
    return len(markers) if preamble_only else len(markers) + 1


# ---------------------------------------------------------------- JSON


def _json_problem(e: orjson.JSONDecodeError) -> str:
    if "depth limit" in e.msg or "recursion" in e.msg:
        return f"nesting deeper than {MAX_DEPTH} levels"
    return e.msg


# ---------------------------------------------------------------- YAML


class _YamlProblem(Exception):
    """A problem found while building a document; turned into an InputError with the file."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _where(mark: Any) -> str:
    if mark is None:
        return ""
    return f" (line {mark.line + 1}, column {mark.column + 1})"


def _load_yaml(data: bytes, name: str) -> Iterator[tuple[int, int | None, Any, list[int] | None]]:
    """(document number, start line, object, list item lines) per non-empty document."""
    builder = _YamlBuilder(data)
    try:
        yield from builder.documents()
    except _YamlProblem as p:
        raise InputError(f"{name}: document {builder.current_document()}: {p.message}{_where(p.mark)}") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "syntax error"
        raise InputError(
            f"{name}: document {builder.current_document()}: invalid YAML: {problem}{_where(mark)}"
        ) from None
    except yaml.reader.ReaderError as e:
        offset = min(max(e.position, 0), len(data))
        line, col = _line_col(data, offset)
        what = f"character #x{e.character:04x}" if isinstance(e.character, int) else "character"
        raise InputError(
            f"{name}: document {_document_at(data, offset)}: invalid YAML: {what} is not allowed "
            f"({e.reason}) (line {line}, column {col})"
        ) from None
    except yaml.YAMLError as e:  # pragma: no cover - any other PyYAML error, kept to one line
        raise InputError(f"{name}: document {builder.current_document()}: invalid YAML: {_one_line(str(e))}") from None
    except RecursionError:  # pragma: no cover - the builder is iterative; belt and braces
        raise InputError(f"{name}: document {builder.current_document()}: nesting too deep") from None
    except MemoryError:
        raise InputError(f"{name}: out of memory while reading the file") from None
    except Exception as e:  # pragma: no cover - a safety net: one line, never a traceback
        raise InputError(
            f"{name}: document {builder.current_document()}: cannot read YAML: {type(e).__name__}: {_one_line(str(e))}"
        ) from None


# ---------------------------------------------------------------- YAML, the fast path
#
# yaml-rs (saphyr, YAML 1.2) reads a 190 MB snapshot in 3.5 s, where the exact loader above takes
# 19 s. YAML 1.2 and go-yaml v2 build the same structure from the same text; what differs is how
# some *plain* (unquoted) scalars resolve, plus a few inputs that one of them refuses. So the fast
# path is taken only when a scan of the raw bytes (compiled regular expressions: C speed, 1.6 s
# on that snapshot) finds none of those, and yaml-rs then reads every document without a problem.
#
# Where a plain scalar can start, in what the scan lets through: after the indentation of a line,
# after "- " (a sequence entry) and after ": " (a mapping value). The scan looks at every one of
# these places (flow collections other than [] and {}, "? " keys, anchors, aliases and tags, the
# only other places, are refused where they start). A plain scalar is single-line or folds lines
# with a space, and no scalar with a space resolves to anything but a string in either reader.
# What is refused at those places:
#   * anything that may be a number in either reader (octal 0777, 0b1, 1_000, .5, 1e3, .NaN, big
#     integers, _1 ...): a superset grammar, allowing only plain decimal integers of up to 18
#     digits and decimals like 1.5 as values, where both readers agree;
#   * y/Y/yes/no/on/off and their case variants as values (YAML 1.1 booleans, strings in 1.2),
#     and every boolean or null spelling as a key (sigs.k8s.io/yaml makes "true"; yaml-rs a bool);
#   * "<<" (merge keys), "&" "*" "!" (anchors, aliases, tags), "%" (directives), "?", ":" "@" "`"
#     "," "]" "}" (refused by libyaml or read differently), "[" "{" (flow collections), "-" as a
#     value after ": ", and "|" ">" except block scalars with content and no indentation indicator
#     (an empty one is "\n" to yaml-rs, "" to libyaml), whose content lines the scan skips.
# And anywhere: control characters, tabs, carriage returns and the other YAML 1.1 line breaks
# (NEL, U+2028, U+2029), U+FEFF, U+FFFE/U+FFFF, surrogate escapes ("\ud83d\ude00" is one
# character to yaml-rs, an error to libyaml), "..." and "%" lines, keys longer than libyaml's
# 1024-character limit, nesting that could pass MAX_DEPTH, a file not ending in a newline.
# Documents are split at "---" lines (which no scalar can contain at column 0) so that each keeps
# its number and first line. The items of a root "items:" block sequence are read a thousand at a
# time (yaml-rs's own tree of a whole snapshot would add a gigabyte to the peak) and get their
# lines from the "-" at their indentation; the fast path gives up when those "-" lines and the
# root keys around them do not add up to what yaml-rs read.
# Duplicate keys make yaml-rs fail, and any failure means the exact loader reads the file, so the
# user gets the same objects, or the same error message, either way.
# tests/test_documents_fastyaml.py compares the two loaders on generated and mutated manifests.

# Smaller files take the exact loader well under a tenth of a second; hand-written manifests stay there.
_FAST_YAML_MIN_BYTES = 1 << 20

# What may be a number to go-yaml v2 (underscores anywhere, 0x/0o/0b, floats) or to yaml-rs (.NaN
# and .Inf in any case): a superset grammar, of tokens with a digit in them or .inf/.nan. Everything
# else that starts with a digit, a sign or a dot (1.2.3, 10.0.0.1, 2024-05-01T09:00:30Z, 12:30, the
# "." keys of managedFields) is a string to both.
_FY_NUMBER = (
    rb"(?=[^ \n:#]*[0-9]|[-+]?_*\.(?:[iI][nN][fF]|[nN][aA][nN]))"
    rb"[-+]?_*(?:0_*[xX][_0-9a-fA-F]*|0_*[oObB][_0-9]*"
    rb"|[0-9_]*(?:\.[0-9_]*)?(?:[eE]_*[-+]?[0-9_]*)?|\.(?:[iI][nN][fF]|[nN][aA][nN]))"
)
# (Lookaheads: a match never takes the newline that the next line's match starts with.)
_FY_VALUE_END = rb"(?=[ ]*(?:\n|\Z)|[ ]+#)"
_FY_TOKEN_END = rb"(?=[ ]*(?:\n|\Z|:(?:[ \n]|\Z))|[ ]+#)"  # ... or the end of a key
# Values both readers resolve alike: decimal integers within int64, plain decimals, [] and {}.
_FY_AGREED = rb"(?!(?:-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?|\[\]|\{\})" + _FY_VALUE_END + rb")"
_FY_INDICATOR = rb"[<@`%&*!?\[\]{},:|>]"
_FY_YAML11_BOOL = rb"(?:[yY](?:es)?|YES|[nN]o?|NO|[oO](?:n|ff)|ON|OFF)" + _FY_VALUE_END
_FY_KEYWORD_KEY = (
    rb"(?:[yY](?:es)?|YES|[nN](?:o|ull)?|NO|NULL|[oO](?:n|ff)|ON|OFF|[tT]rue|TRUE|[fF]alse|FALSE|~)"
    rb"[ ]*:(?=[ \n]|\Z)"
)
_FY_RISKY = rb"(?:" + _FY_YAML11_BOOL + rb"|" + _FY_AGREED + rb"(?:" + _FY_NUMBER + _FY_TOKEN_END + rb"|" + _FY_INDICATOR + rb"))"
# At each line start, after the indentation and any "- ": a risky key or value, or "---"/"...".
# (Possessive quantifiers, Python 3.11+: no backtracking into the indentation.)
_FY_LINE_START = (
    rb"\n[ ]*+(?:-[ ]+)*+(?=[-+.0-9_~<@`%&*!?\[\]{},:|>yYnNoOtTfF])"
    rb"(?:(?:---|\.\.\.)(?=[ \n]|\Z)|" + _FY_KEYWORD_KEY + rb"|" + _FY_RISKY + rb")"
)
_FY_AFTER_COLON = rb":[ ]+(?=[-+.0-9_<@`%&*!?\[\]{},:|>yYnNoO])(?:-(?=[ \n]|\Z)|" + _FY_RISKY + rb")"
_FY_ALLOWED_BYTES = bytes([10, *range(0x20, 0x7F), *range(0x80, 0x100)])  # no tab, CR, control characters
_FY_BAD_UNICODE = re.compile("[\x80-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_FY_SURROGATE_ESCAPE = re.compile(rb"\\(?:u|U0000)[dD][89abAB]")
_FY_LONG_LINE = re.compile(rb"\n[^\n]{1000}")
_FY_DEEP_INDENT = b"\n" + b" " * 400
_FY_MARKER_LINE = re.compile(rb"---[ ]*(?:#[^\n]*)?\n")
_FY_EMPTY_LINE = re.compile(rb"[ ]*(?:#[^\n]*)?\n")  # blank or comment only
# A root "items" key (found from its literal: much faster than from every line start)
_FY_ITEMS_KEY = re.compile(rb"""items(?:(?<=\nitems)|(?<=\n'items)'|(?<=\n"items)")[ ]*:""")
_FY_COLUMN0_KEY = re.compile(rb"\n(?:[^-#\n ]|-[^ \n])")  # a line at column 0 that is no comment or "-" entry
_FY_ITEMS_LINE = re.compile(rb"""(?:items|'items'|"items")[ ]*:[ ]*(?:#[^\n]*)?\n""")


@functools.cache
def _fast_yaml() -> tuple[Any, re.Pattern[bytes], re.Pattern[bytes]] | None:
    """(yaml_rs.loads, line-start scan, after-colon scan), or None where the fast path is not available."""
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - it is a dependency; an install without it reads every file exactly
        return None
    try:
        line_start, after_colon = re.compile(_FY_LINE_START), re.compile(_FY_AFTER_COLON)
    except re.error:  # pragma: no cover - Python 3.10 has no possessive quantifiers
        return None
    return yaml_rs.loads, line_start, after_colon


def _load_yaml_fast(data: bytes) -> list[tuple[int, int | None, Any, list[int] | None]] | None:
    """What :func:`_load_yaml` yields for ``data`` (valid UTF-8), or None: read it with that."""
    fast = _fast_yaml()
    if fast is None:
        return None
    loads, line_start, after_colon = fast
    markers = _fast_yaml_markers(data, line_start, after_colon)
    if markers is None:
        return None
    docs: list[tuple[int, int | None, Any, list[int] | None]] = []
    doc_no = 0
    line, line_at = 1, 0  # the line number at offset line_at
    start, numbered = 0, False  # text before a first "---" is a document only if it has content
    for end in [*markers, len(data)]:
        first = _first_content_line(data, start, end)
        if first is not None or numbered:
            doc_no += 1
        if first is not None:
            try:
                got = _fast_document(loads, data, first, end)
            except Exception:  # anything yaml-rs refuses: the exact loader reads the file and says why
                return None
            if got is None:
                return None
            obj, item_starts = got
            if obj is not None:
                line += data.count(b"\n", line_at, first)
                line_at = first
                item_lines = None
                if type(obj) is dict and type(kind := obj.get("kind")) is str and kind.endswith("List"):
                    if item_starts is None:  # the exact loader knows each item's line
                        if type(obj.get("items")) is list and obj["items"]:
                            return None
                        item_starts = []
                    item_lines, item_line, at = [], line, first
                    for s in item_starts:
                        item_line += data.count(b"\n", at, s)
                        at = s
                        item_lines.append(item_line)
                docs.append((doc_no, line, obj, item_lines))
        if end < len(data):
            start, numbered = data.index(b"\n", end) + 1, True
    return docs


_FY_CHUNK = 1000  # items parsed at a time: yaml-rs's own tree for the whole file would double the memory


def _fast_document(loads: Any, data: bytes, first: int, end: int) -> tuple[Any, list[int] | None] | None:
    """The document ``data[first:end]`` and the offsets where its root ``items:`` entries start.

    A root ``items:`` block sequence is read in chunks of items, the rest of the document
    around it; None (use the exact loader) when the two readings do not add up.
    """
    seq = _fast_items_sequence(data, first, end)
    if seq is None:
        return loads(data[first:end].decode("utf-8"), parse_datetime=False), None
    head_end, starts, seq_end = seq
    root = loads((data[first:head_end] + data[seq_end:end]).decode("utf-8"), parse_datetime=False)
    if type(root) is not dict or "items" not in root or root["items"] is not None:
        return None
    # The lines at column 0 around the sequence must be the root's other keys: no "items:" or
    # "-" was taken from inside a multi-line scalar.
    around = len(_column0_lines(_FY_COLUMN0_KEY, data, first, head_end)) + len(_column0_lines(_FY_COLUMN0_KEY, data, seq_end, end))
    if around != len(root):  # the "items:" line is one of them
        return None
    items: list[Any] = []
    for i in range(0, len(starts), _FY_CHUNK):
        part = loads(data[starts[i] : starts[i + _FY_CHUNK] if i + _FY_CHUNK < len(starts) else seq_end].decode("utf-8"), parse_datetime=False)
        if type(part) is not list:
            return None
        items.extend(part)
    if len(items) != len(starts):
        return None
    root["items"] = items
    return root, starts


def _fast_yaml_markers(data: bytes, line_start: re.Pattern[bytes], after_colon: re.Pattern[bytes]) -> list[int] | None:
    """Offsets of the ``---`` lines, or None when the fast path must not read ``data``."""
    if not data.endswith(b"\n") or data.translate(None, _FY_ALLOWED_BYTES):
        return None
    if not data.isascii() and _FY_BAD_UNICODE.search(data.decode("utf-8")):
        return None
    if _FY_SURROGATE_ESCAPE.search(data) or _FY_DEEP_INDENT in data or data.startswith(_FY_DEEP_INDENT[1:]):
        return None
    first_line = b"\n" + data[: data.index(b"\n") + 1]
    long_lines = [m.start() + 1 for m in _FY_LONG_LINE.finditer(data)]
    if len(first_line) > 1000:
        long_lines.insert(0, 0)
    for start in long_lines:
        text = data[start : data.index(b"\n", start)]
        # libyaml refuses a key of over 1024 characters; a long "- - - ..." could nest too deep
        if b": " in text[900:] or text.endswith(b":") or text.count(b"- ") > 200:
            return None
    # What the two scans find, in file order: "---" lines, block scalars (whose content they skip)
    # and anything else, which refuses the file.
    found = [m.end() - 1 for m in after_colon.finditer(data)]  # the offset of the last character
    m = line_start.match(first_line)
    if m is not None:
        found.append(m.end() - 2)  # offsets in first_line are one past those in data
    found.extend(m.end() - 1 for m in line_start.finditer(data))
    found.sort()
    markers: list[int] = []
    skip_to = 0  # the end of the block scalar content being skipped
    for last in found:
        if last < skip_to:
            continue
        start = data.rfind(b"\n", 0, last) + 1
        if data[start : last + 1] == b"---" and _FY_MARKER_LINE.match(data, start):
            markers.append(start)
            continue
        end = _fast_block_scalar_end(data, start, last)
        if end is None:
            return None
        skip_to = end
    return markers


_FY_BLOCK_HEADER = re.compile(rb"[|>][-+]?(?:[ ]*|[ ]+#[^\n]*)\n")
_FY_NONBLANK_LINE = re.compile(rb"\n([ ]*)[^ \n]")


def _fast_block_scalar_end(data: bytes, start: int, header: int) -> int | None:
    """The end of the content of the block scalar (``|`` or ``>``) at ``header``, on the line at
    ``start``: where the scan goes on. None if it is not one the fast path reads: with an
    indentation indicator, on a line of its own, or empty (an empty one is "\\n" to yaml-rs, ""
    to libyaml)."""
    if not _FY_BLOCK_HEADER.match(data, header):
        return None
    # The node it belongs to starts at the key before it ("key: |", "- key: |") or at the last
    # "-" ("- |"); its content is what is indented more than that.
    line = data[start:header]
    col = len(line) - len(line.lstrip(b" "))
    parent = None
    while line[col : col + 1] == b"-" and line[col + 1 : col + 2] in (b" ", b""):
        parent = col
        col = len(line) - len(line[col + 1 :].lstrip(b" "))
    if col < len(line):
        # "key: |" (not a "# comment: |", nor inside a quoted scalar that goes on below)
        if not line.rstrip(b" ").endswith(b":") or b"#" in line or line.count(b"'") % 2 or line.count(b'"') % 2:
            return None
        parent = col
    if parent is None:
        return None
    first = _FY_NONBLANK_LINE.search(data, data.index(b"\n", header))
    if first is None or len(first.group(1)) <= parent:
        return None
    # The content ends at the first line indented less than its first line: a line between the
    # two ends it too (and is then scanned like any other).
    less = re.compile(rb"\n {0,%d}[^ \n]" % (len(first.group(1)) - 1))
    end = less.search(data, first.end())
    return end.start() + 1 if end else len(data)


def _first_content_line(data: bytes, pos: int, end: int) -> int | None:
    """The offset of the first line in ``data[pos:end]`` that is not blank or a comment."""
    while pos < end:
        m = _FY_EMPTY_LINE.match(data, pos, end)
        if m is None:
            return pos
        pos = m.end()
    return None


def _fast_items_sequence(data: bytes, first: int, end: int) -> tuple[int, list[int], int] | None:
    """Where the root ``items:`` block sequence of the document ``data[first:end]`` is: the end
    of the ``items:`` line, the offset of each ``-`` line, the end of the sequence; None if there
    is none (or it is not simple: the root mapping at column 0, each item starting on the line of
    its ``-``)."""
    if data[first : first + 1] == b" ":
        return None
    keys = {data.rfind(b"\n", 0, k.start()) + 1 for k in _FY_ITEMS_KEY.finditer(data, first, end)}
    if _FY_ITEMS_LINE.match(data, first, end):
        keys.add(first)
    if len(keys) != 1 or (m := _FY_ITEMS_LINE.match(data, keys.pop(), end)) is None:
        return None
    entry = _first_content_line(data, m.end(), end)
    if entry is None:
        return None
    indent = len(data[entry : entry + 512]) - len(data[entry : entry + 512].lstrip(b" "))
    if not re.compile(b" " * indent + rb"-[ ]+[^ #\n]").match(data, entry):
        return None
    # Its entries: the lines with "-" at its indentation, up to the first line at column 0 that
    # is neither one of them nor a comment.
    column0 = rb"[^-#\n ]|-[^ \n]" if indent == 0 else rb"[^#\n ]"
    scan = re.compile(b"\n(?:(" + b" " * indent + rb"-(?=[ \n]))([ ]+[^ #\n])?|" + column0 + b")")
    starts, seq_end = [entry], end
    for found in scan.finditer(data, entry, end):
        if found.group(1) is None:  # the end of the sequence
            seq_end = found.start() + 1
            break
        if found.group(2) is None:  # "-" alone on its line: the item starts on a later one
            return None
        starts.append(found.start() + 1)
    return m.end(), starts, seq_end


def _column0_lines(pattern: re.Pattern[bytes], data: bytes, start: int, end: int) -> list[int]:
    """Offsets of the lines of ``data[start:end]`` (``start`` a line start) that ``pattern``,
    which begins with a newline, matches from the newline before them."""
    if start:
        return [m.start() + 1 for m in pattern.finditer(data, start - 1, end)]
    head = pattern.match(b"\n" + data[: data.find(b"\n", 0, end) + 1])
    return ([0] if head else []) + [m.start() + 1 for m in pattern.finditer(data, 0, end)]


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Plain scalars, resolved as go-yaml v2 resolves them (resolve.go).
_KEYWORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_NOT_KEYWORD = object()
_MERGE = object()  # a plain "<<"
_NUMERIC_START = frozenset("0123456789+-")
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)")
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _go_int(sign: str, body: str) -> int:
    if len(body) > 1 and body[0] == "0":
        base = {"x": 16, "X": 16, "b": 2, "B": 2, "o": 8, "O": 8}.get(body[1])
        n = int(body[2:], base) if base else int(body[1:], 8)
    else:
        n = int(body)
    return -n if sign == "-" else n


def _resolve_plain(v: str) -> Any:
    r = _KEYWORDS.get(v, _NOT_KEYWORD)
    if r is not _NOT_KEYWORD:
        return r
    c = v[0]
    if c in _NUMERIC_START:
        plain = v.replace("_", "") if "_" in v else v
        m = _GO_INT.fullmatch(plain) if len(plain) <= 70 else None  # longer never fits 64 bits
        if m is not None:
            n = _go_int(m.group(1), m.group(2))
            # strconv.ParseInt(plain, 0, 64), then ParseUint (no sign allowed there)
            if _INT64_MIN <= n <= _INT64_MAX or (not m.group(1) and n <= _UINT64_MAX):
                return n
        if _YAML_STYLE_FLOAT.fullmatch(plain):
            f = float(plain)
            if not math.isinf(f):  # ParseFloat's range error leaves the scalar a string
                return f
        return v
    if c == ".":
        if _YAML_STYLE_FLOAT.fullmatch(v):
            return float(v)
        return v
    if v == "<<":
        return _MERGE
    return v


_TAG = "tag:yaml.org,2002:"
_STR_TAGS = frozenset(("!", _TAG + "str", _TAG + "binary", _TAG + "timestamp"))


def _resolve_tagged(v: str, tag: str, mark: Any) -> Any:
    """An explicitly tagged scalar (``!!int "3"``). Unknown tags leave the text, as go-yaml does."""
    if tag in _STR_TAGS or not tag.startswith(_TAG):
        return v
    kind = tag[len(_TAG) :]
    if kind == "merge":
        return _MERGE if v == "<<" else v
    r = _resolve_plain(v) if v else None
    if r is _MERGE:
        r = v
    ok = {
        "int": isinstance(r, int) and not isinstance(r, bool),
        "float": isinstance(r, (int, float)) and not isinstance(r, bool),
        "bool": isinstance(r, bool),
        "null": r is None,
    }.get(kind)
    if ok is None:
        return v
    if not ok:
        raise _YamlProblem(f"invalid YAML: cannot decode {v!r} as !!{kind}", mark)
    return float(r) if kind == "float" else r


def _key_text(key: Any, mark: Any) -> str:
    """A mapping key as sigs.k8s.io/yaml turns it into a JSON object key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if key is None:
        raise _YamlProblem("invalid YAML: a mapping key is null", mark)
    if isinstance(key, float):
        raise _YamlProblem(f"invalid YAML: mapping key {key!r} is a fractional number; quote it", mark)
    raise _YamlProblem(f"invalid YAML: a mapping key is {_describe(key)}; keys must be strings", mark)


# go-yaml v2 (decode.go) refuses documents where too much of the decoding comes from aliases.
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000


def _excessive_aliasing(alias_count: int, decode_count: int) -> bool:
    """go-yaml v2's ``aliasCount/decodeCount > allowedAliasRatio(decodeCount)``, in integers."""
    if alias_count <= 100 or decode_count <= 1000:
        return False
    if decode_count <= _ALIAS_RATIO_LOW:  # 99 %
        return alias_count * 100 > decode_count * 99
    if decode_count >= _ALIAS_RATIO_HIGH:  # 10 %
        return alias_count * 10 > decode_count
    # 0.99 - 0.89 * (d - low) / (high - low), scaled by 100 * (high - low)
    span = _ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW
    allowed = 99 * span - 89 * (decode_count - _ALIAS_RATIO_LOW)
    return alias_count * 100 * span > decode_count * allowed


# A frame of the builder's stack: [container, pending key, anchor, node count at start,
# merge sources (mappings only), is items list of a root List]
_NO_KEY = object()


class _YamlBuilder:
    """Builds Python objects from the YAML event stream, one document at a time."""

    def __init__(self, data: bytes) -> None:
        self._parser: Any = _CParser(data) if _CParser is not None else yaml.SafeLoader(data)
        self._doc_no = 0
        self._in_document = False

    def current_document(self) -> int:
        """The number of the document being read (or about to be read)."""
        return max(1, self._doc_no if self._in_document else self._doc_no + 1)

    def documents(self) -> Iterator[tuple[int, int | None, Any, list[int] | None]]:
        get = self._parser.get_event
        get()  # StreamStartEvent
        while True:
            ev = get()
            if type(ev) is StreamEndEvent:
                return
            if type(ev) is not DocumentStartEvent:  # pragma: no cover - the parser guarantees it
                raise _YamlProblem("invalid YAML: expected a document", ev.start_mark)
            self._doc_no += 1
            self._in_document = True
            obj, line, item_lines = self._document(get)
            get()  # DocumentEndEvent
            self._in_document = False
            if obj is not None:
                yield self._doc_no, line, obj, item_lines

    def _document(self, get: Any) -> tuple[Any, int, list[int] | None]:
        anchors: dict[str, tuple[Any, int]] = {}
        open_anchors: set[str] = set()
        stack: list[list[Any]] = []
        count = 0  # nodes decoded, aliases expanded (go-yaml's decodeCount)
        alias_count = 0  # nodes decoded through aliases (aliasCount)
        item_lines: list[int] | None = None
        first = get()
        line = first.start_mark.line + 1
        ev = first
        while True:
            t = type(ev)
            if t is ScalarEvent:
                count += 1
                if item_lines is not None and stack and stack[-1][5]:
                    item_lines.append(ev.start_mark.line + 1)
                tag = ev.tag
                if tag is None:
                    value = _resolve_plain(ev.value) if ev.implicit[0] else ev.value
                else:
                    value = _resolve_tagged(ev.value, tag, ev.start_mark)
                if ev.anchor is not None:
                    anchors[ev.anchor] = (value, 1)
            elif t is MappingStartEvent or t is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", ev.start_mark)
                is_items = False
                if stack:
                    parent = stack[-1]
                    if parent[5]:
                        item_lines.append(ev.start_mark.line + 1)  # type: ignore[union-attr]
                    elif (
                        t is SequenceStartEvent
                        and len(stack) == 1
                        and parent[1] == "items"
                        and type(parent[0]) is dict
                    ):
                        is_items = True
                        item_lines = []
                if ev.anchor is not None:
                    open_anchors.add(ev.anchor)
                container: Any = {} if t is MappingStartEvent else []
                stack.append([container, _NO_KEY, ev.anchor, count, None, is_items])
                count += 1
                ev = get()
                continue
            elif t is MappingEndEvent or t is SequenceEndEvent:
                frame = stack.pop()
                value = frame[0]
                if frame[4] is not None:  # merge keys: explicit keys win, earlier sources win
                    for source in frame[4]:
                        for k, v in source.items():
                            if k not in value:
                                value[k] = v
                if frame[2] is not None:
                    open_anchors.discard(frame[2])
                    anchors[frame[2]] = (value, count - frame[3])
            elif t is AliasEvent:
                name = ev.anchor
                if name not in anchors:
                    if name in open_anchors:
                        raise _YamlProblem(f"invalid YAML: alias *{name} refers to a collection that contains it", ev.start_mark)
                    raise _YamlProblem(f"invalid YAML: found undefined alias *{name}", ev.start_mark)
                if item_lines is not None and stack and stack[-1][5]:
                    item_lines.append(ev.start_mark.line + 1)
                value, size = anchors[name]
                count += 1 + size
                alias_count += size
                if _excessive_aliasing(alias_count, count):
                    raise _YamlProblem(
                        f"refused: excessive aliasing, YAML aliases expand this document to over {count} nodes",
                        ev.start_mark,
                    )
            else:  # pragma: no cover - the parser never sends anything else inside a document
                raise _YamlProblem(f"invalid YAML: unexpected {t.__name__}", ev.start_mark)

            if not stack:
                return value, line, item_lines
            frame = stack[-1]
            container = frame[0]
            key = frame[1]
            if type(container) is list:
                container.append("<<" if value is _MERGE else value)
            elif key is _NO_KEY:
                if value is _MERGE:
                    frame[1] = _MERGE
                else:
                    key = _key_text(value, ev.start_mark)
                    if key in container:
                        raise _YamlProblem(f"invalid YAML: duplicate key {_quote(key)} in a mapping", ev.start_mark)
                    frame[1] = key
            elif key is _MERGE:
                frame[1] = _NO_KEY
                self._add_merge(frame, value, ev.start_mark)
            else:
                container[key] = "<<" if value is _MERGE else value
                frame[1] = _NO_KEY
            ev = get()

    @staticmethod
    def _add_merge(frame: list[Any], value: Any, mark: Any) -> None:
        sources = value if type(value) is list else [value]
        if not sources or not all(type(s) is dict for s in sources):
            raise _YamlProblem("invalid YAML: a << merge needs a mapping or a list of mappings", mark)
        if frame[4] is None:
            frame[4] = []
        frame[4].extend(sources)


# ---------------------------------------------------------------- objects and Lists


_describe = describe_type


def _flatten(obj: Any, source: Source, item_lines: list[int] | None) -> list[Document]:
    """The object itself, or the items of a List, each with its provenance."""
    where = source.describe()
    if not isinstance(obj, dict):
        hint = "; to give several objects use a YAML stream (---) or kind: List" if isinstance(obj, list) else ""
        raise InputError(f"{where}: expected a Kubernetes object (a mapping), found {_describe(obj)}{hint}")
    kind = _kind(obj, where)
    if not kind.endswith("List"):
        return [Document(obj, source)]
    items = obj.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise InputError(f"{where} ({kind}): items: expected a list, found {_describe(items)}")
    item_kind = kind[: -len("List")]
    api_version = obj.get("apiVersion")
    out: list[Document] = []
    lines_ok = item_lines is not None and len(item_lines) == len(items)
    for i, item in enumerate(items):
        line = item_lines[i] if lines_ok else source.line  # type: ignore[index]
        src = Source(source.file, source.document, line, i)
        if not isinstance(item, dict):
            raise InputError(f"{src.describe()}: expected a Kubernetes object (a mapping), found {_describe(item)}")
        if "kind" not in item or item["kind"] is None:
            if not item_kind:
                raise InputError(f'{src.describe()}: missing "kind" (a kind: List item must name its kind)')
            item["kind"] = item_kind  # raw API lists (PodList, ...) leave it out
        if "apiVersion" not in item and isinstance(api_version, str):
            item["apiVersion"] = api_version
        sub = _kind(item, src.describe())
        if sub == "List" or (sub.endswith("List") and "items" in item):
            raise InputError(f"{src.describe()}: a {sub} inside a {kind} is not supported")
        out.append(Document(item, src))
    return out


def _kind(obj: dict[str, Any], where: str) -> str:
    kind = obj.get("kind")
    if kind is None or kind == "":
        raise InputError(f'{where}: missing "kind"')
    if not isinstance(kind, str):
        raise InputError(f'{where}: "kind" must be a string, found {_describe(kind)}')
    return kind
