"""The ``hotpotato`` command: list, validate, run and plot experiments; start the visual server.

Bad input ends with one line on stderr naming the field and what is allowed, exit code 2,
and nothing written. ``run`` prints the run directory as the last line of stdout and exits
with code 1 if any simulation failed (the failed rows are kept, with their error).
"""

from __future__ import annotations

import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from experiments.errors import InputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="hotpotato",
    help=(
        "Experiments on the hotpotato model of the AI-infrastructure boom and its "
        "off-balance-sheet debt: who is left holding the losses when it cascades?"
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_DEFAULT_OUT = Path("results")


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _whole_number(allowed: str) -> Callable[[str], int]:
    """A parser of a count given on the command line; an error names the value and the
    ``allowed`` range (which is checked where the count is used)."""

    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            message = f"{text!r} is not a whole number; allowed range {allowed}"
            raise typer.BadParameter(message) from None

    return parse


@app.command("list", short_help="List the shipped experiments.")
def list_experiments() -> int:
    """List the shipped experiments: name, version, kind, simulations by default, description."""
    from experiments.definitions import available, load_definition

    for name in available():
        try:
            definition, _ = load_definition(name)
        except InputError as err:
            print(f"{name:<15} invalid: {err}")
            continue
        points = max(1, len(definition.arms))
        for values in definition.grid.values():
            points *= len(values)
        runs = points * definition.seeds
        print(
            f"{definition.name:<15} v{definition.version:<3} {definition.kind:<12} "
            f"{runs:>6} runs  {definition.description}"
        )
    return 0


@app.command("knobs", short_help="List the knobs of --set and of scenario files.")
def list_knobs() -> int:
    """List the knobs (the keys of --set and of scenario files): name, default, allowed
    values and what each means, with its unit; then those of the validation experiments."""
    from experiments.kinds import GaiKapadiaPoint, knob_names
    from model.scenario import KNOBS, allowed_by

    def line(name: str, info) -> str:
        default = "none" if info.default is None else str(info.default).lower()
        default = "required" if info.is_required() else default
        return f"{name:<28} {default:>9}  {allowed_by(info):<22} {info.description}"

    for name in knob_names("economy"):
        print(line(name, KNOBS[name]))
    print(
        "\nScenario files may also hold an [economy] table: the calibrated 2025 constants, "
        "listed with their sources in experiments/scenarios/baseline_2025.toml."
    )
    print("\nKeys of the gai_kapadia validation experiment (--set on it, its grid):")
    for name in knob_names("gai_kapadia"):
        print(line(name, GaiKapadiaPoint.model_fields[name]))
    return 0


@app.command("validate", short_help="Check a scenario or experiment file.")
def validate(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A scenario TOML (knob = value) or an experiment definition TOML.",
            show_default=False,
        ),
    ],
) -> int:
    """Check a scenario or experiment file; print OK or the one-line error."""
    from experiments.definitions import (
        is_experiment,
        load_definition_file,
        load_scenario_file,
        read_toml,
    )
    from experiments.kinds import validate_params
    from experiments.plan import build_plan

    if is_experiment(read_toml(file, "FILE")):
        definition, path = load_definition_file(file)
        plan = build_plan(definition, path)
        print(
            f"OK: experiment {plan.experiment} v{plan.version}, "
            f"{_count(len(plan.points), 'point')} x {_count(len(plan.seeds), 'seed')} = "
            f"{_count(plan.n_runs, 'run')}"
        )
    else:
        validate_params("economy", load_scenario_file(file), f"{file}: ")
        print(f"OK: scenario {file}")
    return 0


def _backend(backend: str | None, workers: int | None, scheduler: str | None) -> tuple[str, int]:
    from experiments.backends import BACKENDS, default_workers

    if workers is not None and workers < 1:
        raise InputError(f"--workers: {workers} is out of range; allowed range [1, inf)")
    if backend is None:
        many = (workers or default_workers()) > 1
        backend = "dask" if scheduler else ("processes" if many else "serial")
    if backend not in BACKENDS:
        raise InputError(f"--backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise InputError(f"--scheduler: only with --backend dask (got --backend {backend})")
    if backend == "serial":
        if workers not in (None, 1):
            raise InputError(
                f"--workers: {workers} needs --backend processes or dask (serial uses 1)"
            )
        return backend, 1
    return backend, workers or default_workers()


@app.command("run", short_help="Run an experiment; store and plot its results.")
def run(
    experiment: Annotated[
        str,
        typer.Argument(
            metavar="EXPERIMENT",
            help="Name of a shipped experiment (see 'hotpotato list') or a definition TOML.",
            show_default=False,
        ),
    ],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Scenario TOML used instead of the experiment's base scenario "
            "(knob = value; money in $B, power in GW, time in months).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="KEY=VALUE, repeatable: a knob for every run, as a TOML literal "
            "(e.g. obs_share=0.4, guarantees=true, lehman_month=none); a switch takes true "
            "or false only. On a grid knob an array replaces the axis (e.g. "
            "obs_share=[0.1,0.5]).",
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            "--seeds",
            metavar="N",
            parser=_whole_number("[1, 100000]"),
            help="Simulations per arm and grid point (default: the definition's), 1-100000.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            metavar="N",
            parser=_whole_number("[1, inf)"),
            help="Worker processes (default: the number of CPUs; 1 with --backend serial).",
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            metavar="NAME",
            help="serial | processes | dask (default: processes on every CPU, serial with "
            "--workers 1 or a single CPU, dask with --scheduler). Results are identical on "
            "every backend.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Address of a running Dask scheduler to join, e.g. tcp://127.0.0.1:8786 "
            "(default: start a local cluster on 127.0.0.1).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Results folder; the run goes to OUT/EXPERIMENT/RUN-ID/. [default: results]",
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="RUN_DIR",
            help="Finish an interrupted run: its folder (OUT/EXPERIMENT/.RUN-ID.partial or "
            "OUT/EXPERIMENT/RUN-ID). Finished simulations are kept; the stored configuration "
            "is used.",
        ),
    ] = None,
) -> int:
    """Run an experiment: every arm and grid point over the same seeds; store and plot it."""
    from experiments.definitions import load_definition
    from experiments.plan import Plan, build_plan
    from experiments.storage import read_manifest, resume_run_folder
    from experiments.values import parse_assignment

    backend, workers = _backend(backend, workers, scheduler)
    if seeds is not None and seeds < 1:
        raise InputError(f"--seeds: {seeds} is out of range; allowed range [1, 100000]")
    definition, definition_file = load_definition(experiment)
    folder = None
    notes: list[str] = []  # said once the run starts, after any input error
    if resume is not None:
        given = [o for o, v in (("--config", config), ("--set", set_), ("--seeds", seeds)) if v]
        if given:
            raise InputError(
                f"--resume: uses the configuration stored in the run folder; drop {given[0]}"
            )
        folder, complete = resume_run_folder(resume)
        stored = read_manifest(folder.final if complete else folder.partial)
        if stored["config"]["experiment"] != definition.name:
            raise InputError(
                f"--resume: {resume} is a run of experiment "
                f"{stored['config']['experiment']!r}, not {definition.name!r}"
            )
        if complete:
            _err(f"{folder.final} is already complete")
            print(folder.final)
            return 0
        plan = Plan.from_manifest(stored["config"], stored["seeds"])
    else:
        sets = [parse_assignment(text) for text in set_ or []]
        plan = build_plan(definition, definition_file, config, sets, seeds)
        out = out or _DEFAULT_OUT
        if out.exists() and not out.is_dir():
            raise InputError(f"--out: {out} exists and is not a folder")
        given = {key for key, _ in sets}
        replaced = [k for k in plan.grid if config and k in plan.base and k not in given]
        if replaced:
            notes.append(
                f"note: {', '.join(replaced)} in --config {config} replaced by the grid of "
                f"{plan.experiment} (change it with --set {replaced[0]}=[...])"
            )
    signal.signal(signal.SIGTERM, _stop_as_interrupted)
    return _execute(experiment, plan, folder, out, backend, workers, scheduler, notes)


def _stop_as_interrupted(signum: int, frame: object) -> None:
    """SIGTERM (a batch scheduler's time limit, ``kill``) stops a run as Ctrl-C does: the
    stored batches are kept and the message says how to finish with ``--resume``."""
    raise KeyboardInterrupt


def _execute(
    experiment: str, plan, folder, out, backend: str, workers: int, scheduler, notes: list[str]
) -> int:
    """Run (or finish) the sweep, draw the figures, rename the folder into place; ``notes``
    are printed once the run folder is made."""
    from experiments import sweep
    from experiments.storage import finalize, read_manifest, write_json

    if scheduler is not None:
        from experiments.backends import check_scheduler

        check_scheduler(scheduler)
    else:  # a worker with no run to do would only start and wait
        workers = min(workers, plan.n_runs)
    if folder is None:
        try:
            folder = sweep.start(plan, out)
        except OSError as err:
            message = f"--out: cannot write a run folder in {out} ({err.strerror})"
            raise InputError(message) from None
    for line in notes:
        _err(line)
    _err(
        f"{plan.experiment} v{plan.version}: {_count(len(plan.points), 'point')} x "
        f"{_count(len(plan.seeds), 'seed')} = {_count(plan.n_runs, 'run')} on {backend} "
        f"({_count(workers, 'worker')}) -> {folder.partial}"
    )
    try:
        report = sweep.execute(plan, folder, backend, workers, scheduler)
    except KeyboardInterrupt:
        _err(f"interrupted; finish with: hotpotato run {experiment} --resume {folder.partial}")
        return 130
    except InputError:
        raise
    except Exception as err:  # the backend broke down: the stored batches stay resumable
        _err(
            f"sweep stopped ({type(err).__name__}: {err}); finish with: hotpotato run "
            f"{experiment} --resume {folder.partial}"
        )
        return 1
    t0 = time.perf_counter()
    plot_error = None
    try:
        from experiments.plots import draw

        draw(folder.partial)
    except KeyboardInterrupt:  # the results are stored: resuming draws the figures
        _err(f"interrupted; finish with: hotpotato run {experiment} --resume {folder.partial}")
        return 130
    except Exception as err:  # figures can be redrawn with 'hotpotato plot'; keep the results
        plot_error = f"{type(err).__name__}: {err}"
    manifest = read_manifest(folder.partial)
    timings = manifest["timings"]
    timings["plot_seconds"] = round(time.perf_counter() - t0, 3)
    timings["finished"] = sweep.now()
    timings["wall_seconds"] = round(
        sum(s["sweep_seconds"] + s["consolidate_seconds"] for s in timings["segments"])
        + timings["plot_seconds"],
        3,
    )
    write_json(folder.partial / "manifest.json", manifest)
    final = finalize(folder)
    _err(
        f"{_count(report.runs, 'run')} ({report.ran} now), {len(report.failures)} failed, "
        f"{timings['wall_seconds']:.1f} s in all"
    )
    for line in _headline(final):
        _err(line)
    for run_index, message in report.failures[:10]:
        _err(f"  run {run_index} failed: {message}")
    if len(report.failures) > 10:
        _err(f"  ... and {len(report.failures) - 10} more (column 'error' of runs.parquet)")
    if plot_error:
        _err(f"figures failed ({plot_error}); redraw with: hotpotato plot {final}")
    print(final)
    return 1 if report.failures or plot_error else 0


def _headline(run_dir: Path) -> list[str]:
    """The headline numbers of a finished run (``experiments.headline``)."""
    from experiments.headline import headline
    from experiments.plots.data import Results

    return headline(Results(run_dir))


@app.command("plot", short_help="Redraw the figures of a run folder.")
def plot(
    run_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_DIR", help="A run folder written by 'hotpotato run'.", show_default=False
        ),
    ],
) -> int:
    """Redraw the figures of a run folder from its stored results (PNG and SVG in figures/)."""
    from experiments.plots import draw
    from experiments.storage import check_finished

    check_finished(run_dir)
    for path in draw(run_dir):
        _err(f"wrote {path}")
    print(run_dir / "figures")
    return 0


def _count(n: int, noun: str) -> str:
    """``3 runs``, ``1 run``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _check_listenable(host: str, port: int) -> None:
    """Raise ``InputError`` unless a server could listen on ``host:port`` now (the host
    resolves to an address of this machine and the port is free)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise InputError(f"--host: cannot resolve {host!r} ({err.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise InputError(f"--port: cannot listen on {host}:{port} ({err.strerror})") from None


@app.command("viz", short_help="Start the visual server (the model in a browser page).")
def viz(
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="HOST", help="Interface to listen on (127.0.0.1: this machine only)."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="TCP port of the page, 1-65535.")
    ] = 8765,
) -> int:
    """Start the visual server (SolaraViz page of the model) at http://HOST:PORT."""
    if not 1 <= port <= 65535:
        raise InputError(f"--port: {port} is out of range; allowed range [1, 65535]")
    _check_listenable(host, port)
    from experiments.viz.server import serve

    serve(host, port)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``hotpotato`` console script; exits with the command's code."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = app(args=args or ["--help"], prog_name="hotpotato", standalone_mode=False)
    except InputError as err:
        _err(f"error: {err}")
        code = 2
    except typer.TyperException as err:  # usage errors found while parsing the command line
        _err(f"error: {' '.join(err.format_message().split())}")
        code = getattr(err, "exit_code", 2)
    except typer.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # python -m experiments.cli, as the console script
    main()
