"""The ``priocli`` command line.

This module only parses options and calls library functions: the work is done by
:func:`priocli.api.simulate_paths` and the renderers in :mod:`priocli.render`.

Adding a command: write a function decorated with ``@app.command()`` and then
``@cli_command`` (the one error-handling wrapper: user errors -> ``error: ...`` and exit 2,
unexpected errors -> one ``internal error`` line and exit 3, Ctrl-C -> 130), reuse the
option types below (``PathsArg``, ``OutputOpt``, ``NoColorOpt`` ...) and finish with
:func:`emit` so that nothing reaches stdout before the command has succeeded.

Keep this module cheap to import (``priocli --help`` must start in well under 0.3 s):
rich, jsonschema, numpy and the engine are imported inside command functions.
"""

from __future__ import annotations

import enum
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from priocli.result import SimulationResult

EXIT_OK = 0
EXIT_POLICY = 1  # a check or --fail-on policy found a violation
EXIT_USAGE = 2  # bad input or usage
EXIT_INTERNAL = 3  # a bug in priocli
EXIT_INTERRUPTED = 130

PLAIN_WIDTH = 160  # output width when stdout is not a terminal: stable across machines

app = typer.Typer(
    name="priocli",
    help="What-if analysis of Kubernetes priority and preemption, decided like kube-scheduler v1.29.4.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help and usage errors; keeps rich out of `priocli --help`
    context_settings={"help_option_names": ["-h", "--help"]},
)


# ------------------------------------------------------------------ shared option types


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"


FAIL_ON_POLICIES = ("eviction", "pending", "pdb")


def _parse_fail_on(values: list[str] | None) -> list[str]:
    """``--fail-on eviction,pdb --fail-on pending`` -> ``["eviction", "pdb", "pending"]``."""
    out: list[str] = []
    for value in values or []:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if item not in FAIL_ON_POLICIES:
                raise typer.BadParameter(
                    f"unknown policy {item!r} (choose from {', '.join(FAIL_ON_POLICIES)})")
            if item not in out:
                out.append(item)
    return out


PathsArg = Annotated[list[str], typer.Argument(
    metavar="PATH",
    help="YAML/JSON manifests or snapshots: files, directories (read recursively), or - for stdin.",
    show_default=False,
)]
OutputOpt = Annotated[OutputFormat, typer.Option(
    "--output", "-o", help="table for people, json for tools (the report of spec/report.md).",
    case_sensitive=False,
)]
NoColorOpt = Annotated[bool, typer.Option(
    "--no-color", help="No colours (also when stdout is not a terminal or NO_COLOR is set).")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Print nothing on stdout; only the exit code and stderr messages tell.")]
TimingsOpt = Annotated[bool, typer.Option(
    "--timings", help="Print load, pass and render times on stderr.")]
AllOpt = Annotated[bool, typer.Option(
    "--all", "-a", help="Table: list every pod, including the ones that keep running unchanged.")]
FailOnOpt = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="POLICY[,POLICY]",
    help="Exit 1 if the outcome has: eviction (any pod evicted), pending (any pod pending at the end), "
         "pdb (any eviction that violates a PodDisruptionBudget). Comma-separated or repeated.",
    callback=_parse_fail_on, show_default=False,
)]


# ------------------------------------------------------------------ shared helpers

F = TypeVar("F", bound=Callable[..., Any])


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # stderr closed: nothing better to do
        pass


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a descriptor
        pass


def emit(text: str) -> None:
    """Write ``text`` to stdout in one go (UTF-8); a reader that went away (``| head``) is not an error."""
    try:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            sys.stdout.flush()
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(no_color: bool) -> bool:
    return not no_color and stdout_is_tty() and not os.environ.get("NO_COLOR")


def make_console(*, no_color: bool) -> Console:
    """A rich console that records into a buffer (see :func:`console_text`), never straight to stdout.

    Colour only on a terminal without ``--no-color``/``NO_COLOR``; the terminal's width on a
    terminal, else a generous fixed width so that piped output is the same everywhere.
    """
    import io
    import shutil

    from rich.console import Console

    tty = stdout_is_tty()
    color = use_color(no_color)
    width = shutil.get_terminal_size((PLAIN_WIDTH, 24)).columns if tty else PLAIN_WIDTH
    return Console(
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        width=max(width, 40),
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
    )


def console_text(console: Console) -> str:
    """What was printed to a console made by :func:`make_console`, without trailing blanks."""
    getvalue = getattr(console.file, "getvalue", None)
    text: str = getvalue() if getvalue is not None else ""
    # rich pads the last column to its width: drop that, so piped output diffs and greps cleanly
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


def run_simulation(paths: Sequence[str]) -> SimulationResult:
    """Load PATHs (``-`` = stdin) and run the what-if pass."""
    from priocli.api import simulate_paths
    from priocli.errors import InputError

    for path in paths:
        if path != "-" and not os.path.exists(path):
            raise InputError(f"{path}: no such file or directory")
    stdin = None
    if "-" in paths:
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise InputError("-: standard input is closed")
    return simulate_paths(list(paths), stdin=stdin)


def fail_on_violations(result: SimulationResult, policies: Sequence[str]) -> list[str]:
    """One line per ``--fail-on`` policy the outcome violates (empty: all passed)."""
    found: list[str] = []
    if "eviction" in policies and result.evictions:
        n = len(result.evictions)
        found.append(f"fail-on eviction: {n} pod{'s' if n != 1 else ''} evicted: "
                     + _first(e.pod for e in result.evictions))
    if "pending" in policies:
        pending = [o.pod.key for o in result.outcomes if o.status == "pending"]
        if pending:
            n = len(pending)
            found.append(f"fail-on pending: {n} pod{'s' if n != 1 else ''} pending: " + _first(pending))
    if "pdb" in policies:
        pdb = [e for e in result.evictions if e.pdb_violated]
        if pdb:
            n = len(pdb)
            found.append(f"fail-on pdb: {n} eviction{'s' if n != 1 else ''} violate"
                         f"{'' if n != 1 else 's'} a PodDisruptionBudget: "
                         + _first(f"{e.pod} ({', '.join(e.pdb_violated)})" for e in pdb))
    return found


def _first(items: Any, limit: int = 5) -> str:
    items = list(items)
    text = ", ".join(items[:limit])
    if len(items) > limit:
        text += f", ... ({len(items) - limit} more)"
    return text


def cli_command(fn: F) -> F:
    """The error handling every command shares; put it under ``@app.command()``.

    - :class:`priocli.errors.PriocliError`: ``error: <message>`` on stderr, exit ``e.exit_code`` (2);
    - Ctrl-C: exit 130 quietly; a closed stdout (``| head``): quiet;
    - anything else is a bug: one ``internal error`` line, exit 3 (a traceback with ``PRIOCLI_DEBUG=1``).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except Exception as e:
            from priocli.errors import PriocliError

            if _debug():
                import traceback

                traceback.print_exc()
            if isinstance(e, PriocliError):
                _stderr(f"error: {_one_line(str(e))}")
                raise typer.Exit(e.exit_code) from None
            _stderr(f"internal error: {type(e).__name__}: {_one_line(str(e))} "
                    "(please report; run with PRIOCLI_DEBUG=1 for a traceback)")
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _debug() -> bool:
    return os.environ.get("PRIOCLI_DEBUG", "") not in ("", "0")


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"


# ------------------------------------------------------------------ commands


@app.command()
@cli_command
def simulate(
    paths: PathsArg,
    output: OutputOpt = OutputFormat.table,
    no_color: NoColorOpt = False,
    quiet: QuietOpt = False,
    timings: TimingsOpt = False,
    fail_on: FailOnOpt = None,
    show_all: AllOpt = False,
) -> None:
    """Which pods would run, stay Pending or be evicted if PATHs were applied to the cluster they describe.

    Exit codes: 0 done (whatever the outcome), 1 a --fail-on policy was violated, 2 bad input or usage.
    """
    started = time.perf_counter()
    result = run_simulation(paths)

    render_started = time.perf_counter()
    text = ""
    if not quiet:
        if output is OutputFormat.json:
            from priocli.render.json import render_json

            text = render_json(result)
        else:
            from priocli.render.table import render_table

            console = make_console(no_color=no_color)
            render_table(result, console, show_all=show_all)
            text = console_text(console)
    render_seconds = time.perf_counter() - render_started

    violations = fail_on_violations(result, fail_on or [])
    if text:
        emit(text)
    if timings:
        t = result.timings
        _stderr(f"timing load={t.get('load', 0.0):.2f}s pass={t.get('pass', 0.0):.2f}s "
                f"render={render_seconds:.2f}s total={time.perf_counter() - started:.2f}s")
    for line in violations:
        _stderr(line)
    if violations:
        raise typer.Exit(EXIT_POLICY)


@app.command()
@cli_command
def version() -> None:
    """Print priocli's version and the kube-scheduler version it decides like."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        v = dist_version("priocli")
    except PackageNotFoundError:
        v = "unknown"
    emit(f"priocli {v} (kube-scheduler v1.29.4 semantics)\n")


# ------------------------------------------------------------------ entry point


def main(argv: Sequence[str] | None = None) -> None:
    """The ``priocli`` console script (also ``python -m priocli``)."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="priocli")
    except KeyboardInterrupt:  # Ctrl-C outside a command (while parsing, importing)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    main()
