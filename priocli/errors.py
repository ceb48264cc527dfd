"""Errors priocli reports to users: one line, no traceback, exit code 2."""

from __future__ import annotations

from priocli.model import Source


class PriocliError(Exception):
    """Any error shown to the user as one line on stderr; ``exit_code`` is the process status."""

    exit_code = 2


class InputError(PriocliError):
    """Bad input: the message names the file, document and field."""


class SimulationError(PriocliError):
    """The pass could not complete (for example it exceeded its iteration bound)."""


def describe_type(v: object) -> str:
    """How an error message names a value's type: "a string", "a mapping", "null"..."""
    from collections.abc import Mapping

    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, Mapping):
        return "a mapping"
    return type(v).__name__


def describe_object(kind: str | None, namespace: str | None, name: str | None) -> str:
    """``Pod default/web``, ``Node n1``, or just the kind when the name is unknown."""
    if not kind:
        kind = "object"
    if name is None:
        return kind
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def field_error(source: Source | None, obj: str | None, path: str, problem: str) -> InputError:
    """``file: document 3 (Pod default/web): spec.containers[0].resources.requests.cpu: invalid quantity "12Qi"``."""
    parts = []
    if source is not None:
        head = source.describe()
        if obj:
            head += f" ({obj})"
        parts.append(head)
    elif obj:
        parts.append(obj)
    if path:
        parts.append(path)
    parts.append(problem)
    return InputError(": ".join(parts))
