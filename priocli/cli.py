"""The ``priocli`` command line.

This module only parses options and calls library functions: the work is done by
:func:`priocli.api.simulate_paths` and the renderers in :mod:`priocli.render`.

Adding a command: write a function decorated with ``@app.command()`` and then
``@cli_command`` (the one error-handling wrapper: user errors -> ``error: ...`` and exit 2,
unexpected errors -> one ``internal error`` line and exit 3, Ctrl-C -> 130), reuse the
option types below (``OutputOpt``, ``NoColorOpt``, ``ClusterOpt`` ...) and finish with
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
SamplingOpt = Annotated[bool, typer.Option(
    "--emulate-sampling",
    help="Emulate kube-scheduler's node sampling on clusters of 100+ nodes (percentageOfNodesToScore's "
         "adaptive default, preemption's max(10%, 100) candidates) instead of evaluating every node. "
         "Default: every node, the reproducible choice (see README, Fidelity notes).")]
AllOpt = Annotated[bool, typer.Option(
    "--all", "-a", help="Table: list every pod, including the ones that keep running unchanged.")]
FailOnOpt = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="POLICY[,POLICY]",
    help="Exit 1 if the outcome has: eviction (any pod evicted), pending (any pod pending at the end), "
         "pdb (any eviction that violates a PodDisruptionBudget). Comma-separated or repeated.",
    callback=_parse_fail_on, show_default=False,
)]
ClusterOpt = Annotated[list[str] | None, typer.Option(
    "--cluster", metavar="PATH",
    help="The current state (a snapshot, manifests: files, directories or -); PATHs are then the change, "
         "and an object of the change replaces the one of the same kind, namespace and name. Repeatable.",
    show_default=False,
)]
LiveOpt = Annotated[bool, typer.Option(
    "--live", help="Read the current state from the cluster of the current kubeconfig context.")]
KubeconfigOpt = Annotated[str | None, typer.Option(
    "--kubeconfig", metavar="FILE", help="Read the current state from the cluster of this kubeconfig (implies --live).",
    show_default=False,
)]
ContextOpt = Annotated[str | None, typer.Option(
    "--context", metavar="NAME", help="The kubeconfig context to read the current state from (implies --live).",
    show_default=False,
)]
RequestTimeoutOpt = Annotated[float, typer.Option(
    "--request-timeout", metavar="SECONDS",
    help="Live cluster: give up on an API request that has no answer after this long.",
)]
NamespaceOpt = Annotated[str | None, typer.Option(
    "--namespace", "-n", metavar="NS",
    help="Show only the pods of this namespace (and their evictions); the whole cluster is still simulated.",
    show_default=False,
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


def run_simulation(paths: Sequence[str], cluster: Sequence[str] = (), current: Any = None, *,
                   sample_nodes: bool = False) -> SimulationResult:
    """Load PATHs (``-`` = stdin), over the current state ``cluster`` (files) or ``current``
    (Documents of a live cluster) if given, and run the what-if pass."""
    from priocli.api import simulate_paths
    from priocli.errors import InputError

    for path in [*cluster, *paths]:
        if path != "-" and not os.path.lexists(path):  # a broken link: the loader says why
            raise InputError(f"{path}: no such file or directory")
    stdin = None
    if "-" in paths or "-" in cluster:
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise InputError("-: standard input is closed")
    if current is not None:
        return simulate_paths(list(paths), current=current, stdin=stdin, sample_nodes=sample_nodes)
    if cluster:
        return simulate_paths(list(paths), cluster=list(cluster), stdin=stdin, sample_nodes=sample_nodes)
    return simulate_paths(list(paths), stdin=stdin, sample_nodes=sample_nodes)


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
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH",
        help="YAML/JSON manifests or snapshots: files, directories (read recursively), or - for stdin. "
             "With --cluster or a live cluster: the change.",
        show_default=False,
    )] = None,
    output: OutputOpt = OutputFormat.table,
    no_color: NoColorOpt = False,
    quiet: QuietOpt = False,
    timings: TimingsOpt = False,
    fail_on: FailOnOpt = None,
    show_all: AllOpt = False,
    cluster: ClusterOpt = None,
    live: LiveOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = 30.0,
    namespace: NamespaceOpt = None,
    emulate_sampling: SamplingOpt = False,
) -> None:
    """Which pods would run, stay Pending or be evicted if PATHs were applied to the cluster they describe.

    With --cluster, or a live cluster (--live, --kubeconfig, --context), PATHs are the change applied
    to that current state. --namespace filters what is shown; --fail-on judges the whole cluster.

    Exit codes: 0 done (whatever the outcome), 1 a --fail-on policy was violated, 2 bad input or usage.
    """
    from priocli.errors import InputError

    started = time.perf_counter()
    paths = list(paths or [])
    if not paths and not _live_wanted(live, kubeconfig, context):  # a live cluster alone: simulate it as it is
        raise InputError("simulate needs PATH... (with --cluster: the change), or --live / --kubeconfig FILE")
    _stdin_for([*(cluster or []), *paths])  # a missing PATH fails before a cluster is read
    current = _current_state_docs(cluster or [], live, kubeconfig, context,
                                  request_timeout=request_timeout, progress=not quiet)
    live_seconds = time.perf_counter() - started
    result = run_simulation(paths, cluster or [], current=current, sample_nodes=emulate_sampling)
    if current is not None:
        result.timings["load"] = result.timings.get("load", 0.0) + live_seconds
    shown = result
    if namespace is not None:
        from priocli.api import in_namespace

        shown = in_namespace(result, namespace)

    from priocli.gcpause import gc_paused

    with gc_paused():  # building a ~150,000-pod report: see priocli.gcpause (render 0.7 -> 0.3 s on large)
        _render_simulation(result, shown, output=output, quiet=quiet, no_color=no_color, show_all=show_all,
                           namespace=namespace, fail_on=fail_on, timings=timings, started=started)


def _render_simulation(result: SimulationResult, shown: SimulationResult, *, output: OutputFormat, quiet: bool,
                       no_color: bool, show_all: bool, namespace: str | None, fail_on: list[str] | None,
                       timings: bool, started: float) -> None:
    """simulate's output, --timings and --fail-on."""
    render_started = time.perf_counter()
    text = ""
    if not quiet:
        if output is OutputFormat.json:
            from priocli.render.json import render_json

            text = render_json(shown)
        else:
            from priocli.render.table import render_table

            console = make_console(no_color=no_color)
            render_table(shown, console, show_all=show_all)
            if namespace is not None:
                console.print(f"namespace {namespace}: {len(shown.outcomes)} of {len(result.outcomes)} pods shown "
                              "(the whole cluster was simulated)")
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


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


def _stdin_for(paths: Sequence[str]) -> Any:
    """Check that PATHs exist; standard input's binary stream when one of them is ``-``."""
    from priocli.errors import InputError

    for path in paths:
        if path != "-" and not os.path.lexists(path):  # a broken link: the loader says why
            raise InputError(f"{path}: no such file or directory")
    if "-" not in paths:
        return None
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        raise InputError("-: standard input is closed")
    return stdin


def _live_wanted(live: bool, kubeconfig: str | None, context: str | None) -> bool:
    return live or kubeconfig is not None or context is not None


def _current_state_docs(cluster: Sequence[str], live: bool, kubeconfig: str | None,
                        context: str | None, *, request_timeout: float = 30.0, progress: bool = True) -> Any:
    """The Documents of a live cluster when a live flag is given (None otherwise).

    ``progress``: a progress display on stderr while reading, when stderr is a terminal (off with -q)."""
    from priocli.errors import InputError

    if not _live_wanted(live, kubeconfig, context):
        return None
    if cluster:
        raise InputError("--cluster and --live/--kubeconfig/--context are exclusive: give one current state")
    from priocli.api import live_documents

    return live_documents(kubeconfig=kubeconfig, context=context, request_timeout=request_timeout,
                          progress=progress)


def _parse_writes(values: Sequence[str]) -> list[tuple[str, str]]:
    from priocli.errors import InputError

    out = []
    for v in values:
        fmt, sep, path = v.partition("=")
        fmt = fmt.strip().lower()
        if not sep or not path or fmt not in CheckFormat.__members__:
            raise InputError(f"--write: expected FORMAT=FILE with FORMAT one of "
                             f"{', '.join(CheckFormat.__members__)}, got {v!r}")
        out.append((fmt, path))
    return out


def _render_check(check_result: Any, fmt: str, *, no_color: bool) -> str:
    if fmt == "json":
        from priocli.render.json import dumps

        return dumps(check_result.report()) + "\n"
    if fmt == "junit":
        from priocli.render.junit import render_junit

        return str(render_junit(check_result))
    if fmt == "github":
        from priocli.render.github import render_github

        return str(render_github(check_result))
    if fmt == "markdown":
        from priocli.render.markdown import render_markdown

        return str(render_markdown(check_result))
    from priocli.check import render_text

    console = make_console(no_color=no_color)
    render_text(check_result, console)
    return console_text(console)


@app.command()
@cli_command
def check(
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH", help="The change about to be applied: manifests, files or directories, or - for stdin.",
        show_default=False)],
    cluster: ClusterOpt = None,
    live: LiveOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = 30.0,
    policy_file: Annotated[str | None, typer.Option(
        "--policy", metavar="FILE", help="A YAML policy file (kind: CheckPolicy); flags add to it.",
        show_default=False)] = None,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", metavar="POLICY[,POLICY]",
        help="Fail on: eviction (a pod newly evicted), pending (a pod newly Pending), pdb (a PDB newly "
             "violated), missing-class (a pod of the change naming a missing PriorityClass).",
        show_default=False)] = None,
    protect_priority: Annotated[int | None, typer.Option(
        "--protect-priority", metavar="N", help="Fail on a newly evicted pod of priority N or more.",
        show_default=False)] = None,
    protect_class: Annotated[list[str] | None, typer.Option(
        "--protect-class", metavar="NAME[,NAME]", help="Fail on a newly evicted pod of these PriorityClasses.",
        show_default=False)] = None,
    protect_namespace: Annotated[list[str] | None, typer.Option(
        "--protect-namespace", metavar="NS[,NS]", help="Fail on a newly evicted pod in these namespaces.",
        show_default=False)] = None,
    protect_label: Annotated[list[str] | None, typer.Option(
        "--protect-label", metavar="KEY=VALUE", help="Fail on a newly evicted pod with these labels (all of them).",
        show_default=False)] = None,
    pending_class: Annotated[list[str] | None, typer.Option(
        "--pending-class", metavar="NAME[,NAME]", help="Fail on a newly Pending pod of these PriorityClasses.",
        show_default=False)] = None,
    no_baseline: Annotated[bool, typer.Option(
        "--no-baseline", help="Judge the absolute outcome, not only what the change causes.")] = False,
    fmt: Annotated[CheckFormat, typer.Option(
        "--format", "-f", help="text for people; json, junit, github (workflow annotations) or markdown.",
        case_sensitive=False)] = CheckFormat.text,
    write: Annotated[list[str] | None, typer.Option(
        "--write", metavar="FORMAT=FILE", help="Also write the result in FORMAT to FILE. Repeatable.",
        show_default=False)] = None,
    no_color: NoColorOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Gate a change: simulate the current state alone and with PATHs applied; fail on what the change causes.

    The current state comes from --cluster, or from a live cluster (--live, --kubeconfig, --context).
    With no policy given, fails on any new eviction, newly Pending pod and new PDB violation.

    Exit codes: 0 all policies passed, 1 a policy failed, 2 bad input or usage.
    """
    from priocli import policy as pol
    from priocli.check import run_check
    from priocli.errors import InputError

    if not cluster and not _live_wanted(live, kubeconfig, context):
        raise InputError("check needs the current state: --cluster PATH (a snapshot or manifests), "
                         "--live, or --kubeconfig FILE")
    flags = pol.from_flags(
        fail_on=pol.split_list(fail_on), protect_priority=protect_priority,
        protect_classes=pol.split_list(protect_class), protect_namespaces=pol.split_list(protect_namespace),
        protect_labels=list(protect_label or []), pending_classes=pol.split_list(pending_class),
        baseline=not no_baseline)
    file_policies = pol.load_policy_file(policy_file) if policy_file else None
    policies = pol.resolve(flags, file_policies)
    writes = _parse_writes(write or [])
    stdin = _stdin_for([*(cluster or []), *paths])
    current = _current_state_docs(cluster or [], live, kubeconfig, context,
                                  request_timeout=request_timeout, progress=not quiet)
    result = run_check(paths, cluster=cluster or [], current=current, policies=policies, stdin=stdin)

    files = [(path, _render_check(result, f, no_color=True)) for f, path in writes]
    text = "" if quiet else _render_check(result, fmt.value, no_color=no_color)
    for path, content in files:
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.write(content)
        except OSError as e:
            raise InputError(f"--write {path}: {e.strerror or e}") from None
    if text:
        emit(text)
    if not result.passed:
        if quiet or fmt.value in ("json", "junit", "markdown"):
            _stderr(f"priocli check {result.headline()}")
        raise typer.Exit(EXIT_POLICY)


@app.command(name="classes")
@cli_command
def classes_command(
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="[PATH]...", help="Manifests or snapshots (files, directories, or - for stdin); "
                                  "or use --live / --kubeconfig.", show_default=False)] = None,
    live: LiveOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = 30.0,
    output: OutputOpt = OutputFormat.table,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 when there is a finding of severity error or warning.")] = False,
    no_color: NoColorOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """The PriorityClass hierarchy (value, preemptionPolicy, globalDefault, pods per class) and lint findings.

    Exit codes: 0 done (with --strict: no error or warning finding), 1 --strict and such a finding, 2 bad input.
    """
    from priocli.check import read_documents
    from priocli.classes import analyze_documents, render_classes_table
    from priocli.errors import InputError

    paths = list(paths or [])
    if _live_wanted(live, kubeconfig, context):
        if paths:
            raise InputError("PATHs and --live/--kubeconfig/--context are exclusive: give one state")
        docs = _current_state_docs([], live, kubeconfig, context, request_timeout=request_timeout,
                                   progress=not quiet)
    elif paths:
        docs = read_documents(paths, _stdin_for(paths))
    else:
        raise InputError("no input: give PATHs (manifests, a snapshot, - for stdin), --live, or --kubeconfig FILE")
    report = analyze_documents(docs)

    text = ""
    if not quiet:
        if output is OutputFormat.json:
            from priocli.render.json import dumps

            text = dumps(report.as_dict()) + "\n"
        else:
            console = make_console(no_color=no_color)
            render_classes_table(report, console)
            text = console_text(console)
    if text:
        emit(text)
    counts = report.counts()
    if strict and (counts["error"] or counts["warning"]):
        _stderr(f"classes: {counts['error']} error and {counts['warning']} warning finding(s)")
        raise typer.Exit(EXIT_POLICY)


MaxRerunsOpt = Annotated[int, typer.Option(
    "--max-reruns", metavar="N", min=0,
    help="What-if answers re-run the whole pass; stop after N re-runs (0: no what-if). Cut-short searches say so.")]
WhatIfSecondsOpt = Annotated[float, typer.Option(
    "--what-if-seconds", metavar="S", min=0,
    help="Stop the what-if re-runs after S seconds (a pass of a large cluster takes seconds).")]


@app.command()
@cli_command
def explain(
    pod: Annotated[str, typer.Argument(
        metavar="POD", help="namespace/name, a name, or a workload (deployment/web: its first pod).",
        show_default=False)],
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH", help="The same inputs as simulate: manifests or snapshots (files, directories, "
                                  "or - for stdin).", show_default=False)] = None,
    cluster: ClusterOpt = None,
    live: LiveOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = 30.0,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", "-n", metavar="NS", help="The namespace of POD (a name, or a workload such as deployment/web).",
        show_default=False)] = None,
    output: OutputOpt = OutputFormat.table,
    no_color: NoColorOpt = False,
    max_reruns: MaxRerunsOpt = 40,
    what_if_seconds: WhatIfSecondsOpt = 60.0,
) -> None:
    """Why POD runs where it runs, stays Pending or is evicted, and what would change that.

    Per node every filter's verdict, the scores, the preemption candidates and the reprieve order,
    the eviction story, and what-if answers (extra capacity, priority, tolerations, labels) computed
    by re-running the pass.

    Exit codes: 0 explained, 2 bad input, usage, or no such pod (with close matches).
    """
    from priocli.errors import InputError
    from priocli.explain import explain_pod

    paths = list(paths or [])
    if not paths and not cluster and not _live_wanted(live, kubeconfig, context):
        raise InputError("explain needs inputs: PATH..., --cluster PATH, or --live / --kubeconfig FILE")
    if namespace is not None:
        pod = _pod_in_namespace(pod, namespace)
    stdin = _stdin_for([*(cluster or []), *paths])
    current = _current_state_docs(cluster or [], live, kubeconfig, context, request_timeout=request_timeout)
    from priocli.api import load_cluster

    cluster_input = load_cluster(paths, cluster=cluster or [], current=current, stdin=stdin)
    explanation = explain_pod(cluster_input, pod, max_reruns=max_reruns, what_if_seconds=what_if_seconds)
    if output is OutputFormat.json:
        from priocli.render.explain import render_explain_json

        emit(render_explain_json(explanation))
        return
    from priocli.render.explain import render_explain

    console = make_console(no_color=no_color)
    render_explain(explanation, console)
    emit(console_text(console))


class SnapshotFormat(str, enum.Enum):
    json = "json"
    yaml = "yaml"


@app.command()
@cli_command
def snapshot(
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH",
        help="Rewrite these files instead of reading a cluster (manifests, a kubectl dump, a snapshot; "
             "- for stdin): stripped, sorted, and with --redact pseudonymized.", show_default=False)] = None,
    live: LiveOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = 30.0,
    out: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write to FILE (atomically) instead of stdout: YAML for .yaml/.yml, otherwise JSON.",
        show_default=False)] = None,
    fmt: Annotated[SnapshotFormat | None, typer.Option(
        "--format", help="json or yaml (default: YAML for .yaml/.yml, otherwise JSON).", case_sensitive=False,
        show_default=False)] = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Replace names and label values with consistent pseudonyms (docs/live.md); "
                         "the key is $PRIOCLI_REDACT_KEY, else derived from the input.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress display and no summary line on stderr.")] = False,
) -> None:
    """Write the current state of a cluster (read-only: --live, --kubeconfig, --context; the current
    context by default) as one kind: List document that simulate --cluster reads back.

    With PATHs, those files are rewritten the same way instead, e.g. to redact a kubectl dump.

    Exit codes: 0 written, 2 bad input, usage, or the cluster could not be read.
    """
    from priocli.errors import InputError
    from priocli.snapshot import write_snapshot

    paths = list(paths or [])
    if paths and _live_wanted(live, kubeconfig, context):
        raise InputError("PATHs and --live/--kubeconfig/--context are exclusive: give one state")
    if out is not None and out != "-":
        directory = os.path.dirname(os.path.abspath(out))
        if os.path.isdir(out):
            raise InputError(f"cannot write snapshot {out}: it is a directory")
        if not os.path.isdir(directory):
            raise InputError(f"cannot write snapshot {out}: directory {directory} does not exist")
    if paths:
        from priocli.check import read_documents

        objects = [d.obj for d in read_documents(paths, _stdin_for(paths))]
        origin = ", ".join(paths)
    else:
        from priocli.load.live import load_live

        state = load_live(kubeconfig=kubeconfig, context=context, request_timeout=request_timeout,
                          progress=not quiet)
        objects = state.objects
        origin = f"{state.server} (context {state.context})" if state.context else f"{state.server} (in-cluster)"
    write_snapshot(objects, out, fmt=fmt.value if fmt is not None else None, redact=redact)
    if not quiet:
        kinds: dict[str, int] = {}
        for o in objects:
            kinds[str(o.get("kind"))] = kinds.get(str(o.get("kind")), 0) + 1
        nodes, pods = kinds.get("Node", 0), kinds.get("Pod", 0)
        _stderr(f"snapshot: {nodes} node{'s' if nodes != 1 else ''}, {pods} pod{'s' if pods != 1 else ''} and "
                f"{len(objects) - nodes - pods} other objects from {origin} written to "
                f"{out if out not in (None, '-') else 'stdout'}{' (redacted)' if redact else ''}")


def _pod_in_namespace(query: str, namespace: str) -> str:
    """explain's POD with ``--namespace NS``: ``name`` -> ``NS/name``, ``deployment/web`` -> ``NS/deployment/web``;
    a POD that names another namespace is a usage error."""
    from priocli.errors import InputError
    from priocli.explain import WORKLOAD_KINDS

    parts = query.split("/")
    if len(parts) == 1 or (len(parts) == 2 and parts[0].lower() in WORKLOAD_KINDS):
        return f"{namespace}/{query}"
    if parts[0] != namespace:
        raise InputError(f"POD {query} is in namespace {parts[0]}, but --namespace is {namespace}")
    return query


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
