"""The ``orchsim`` command line. Bad input prints one line naming the field and exits 2."""

from __future__ import annotations

import json
import math
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

try:  # typer >= 0.26 vendors click: its usage errors derive from the public TyperException
    from typer.exceptions import TyperException as _ClickError
except ImportError:  # pragma: no cover - older typer on the real click package
    from click.exceptions import ClickException as _ClickError  # type: ignore[assignment]

from orchsim.aws.calculator import (
    MAX_PER_MONTH,
    MAX_TRANSITIONS_PER_EXECUTION,
    check_number,
    price_durable,
    price_express,
    price_lambda,
    price_standard,
)
from orchsim.aws.cost import COMPONENTS, Cost
from orchsim.aws.pricebook import load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario, ScenarioDefaultsWarning, check_pattern, load_scenario
from orchsim.resources import scenario_path
from orchsim.version import package_version

if TYPE_CHECKING:
    from orchsim.sim.result import Summary

__all__ = ["app", "main"]

app = typer.Typer(
    help="orchsim: cost, latency and reliability of Lambda chains vs Step Functions pipelines on AWS.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
price_app = typer.Typer(
    help="Price one month of one service's usage (counts are per month).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(price_app, name="price")

PricesOpt = Annotated[Path | None, typer.Option("--prices", metavar="FILE", help="price file (YAML) to use instead of the shipped one")]
RegionOpt = Annotated[str, typer.Option("--region", metavar="REGION", help="AWS region, one the price book lists")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
FreeOpt = Annotated[bool, typer.Option("--free-tier", help="apply the always-free monthly allowances")]
ArchOpt = Annotated[str, typer.Option("--arch", metavar="ARCH", help="x86_64 | arm64")]
PATTERN_CHOICES = f"{' | '.join(PATTERNS[:2])} |\n{' | '.join(PATTERNS[2:])}"
"""The pattern names as ``--pattern``/``--patterns`` help lists them, on two lines (``check_pattern``
checks them)."""


def _unwrapped(text: str) -> str:
    """Option help that click prints line by line as given (its ``\\b`` marker), so that no pattern
    name is split at a hyphen."""
    return "\b\n" + text


ESTIMATE_SHOWN_S = 5.0
"""``simulate`` prints its estimate on stderr for runs estimated to take at least this long."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"orchsim {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """orchsim command line."""


def emit_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout."""
    typer.echo(json.dumps(obj, indent=2, allow_nan=False))


def format_cost(title: str, cost: Cost) -> str:
    """A plain-text table of line items and the total."""
    rows = [("line item", "quantity", "unit", "unit price (USD)", "USD")]
    for li in cost.line_items:
        rows.append((li.name, f"{li.quantity:,.2f}", li.unit, f"{li.unit_price_usd:.10f}", f"{li.usd:,.2f}"))
    rows.append(("total", "", "", "", f"{cost.total_usd:,.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"{title} - {cost.region}, price book as of {cost.price_book_as_of}" + (", free tier applied" if cost.free_tier else "")]
    for j, r in enumerate(rows):
        if j == len(rows) - 1:
            lines.append("-" * (sum(widths) + 8))
        lines.append(
            "  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].ljust(widths[2]), r[3].rjust(widths[3]), r[4].rjust(widths[4])])
        )
    return "\n".join(lines)


def parse_number(option: str, value: str, *, low: float, high: float = math.inf, low_open: bool = False, what: str) -> float:
    """Parse an option's text as a number in range; errors name ``option`` (``--transitions``)."""
    return check_number(option, _number(value), low=low, high=high, low_open=low_open, what=what)


def _number(text: str) -> float | str:
    """An option's text as a float, or the text itself when it is not a number (the library then
    refuses it, saying what it accepts)."""
    try:
        return float(text)
    except ValueError:
        return text


@contextmanager
def _as_options(*params: str) -> Iterator[None]:
    """Rename the parameters a library call's errors name to this command's options
    (``requests`` -> ``--requests``, ``prices:lambda.x`` -> ``--prices:lambda.x``)."""
    try:
        yield
    except InputError as exc:
        head, sep, rest = exc.field.partition(":")
        if head not in params:
            raise
        raise InputError("--" + head.replace("_", "-") + sep + rest, exc.message) from None


def _show(title: str, cost: Cost, as_json: bool) -> None:
    if as_json:
        emit_json(cost.to_dict())
    else:
        typer.echo(format_cost(title, cost))


def _note_assumed(service: str, region: str, assumed_from: str | None, book_name: str) -> None:
    """A note on stderr when the price book takes ``service``'s prices in ``region`` from another
    region's (``same_as``), as the footer of ``compare`` and ``simulate`` says; stdout is untouched."""
    if assumed_from:
        typer.echo(f"orchsim: note: --region {region}: {service} prices assumed equal to {assumed_from} "
                   f"({book_name} lists none of its own for {region})", err=True)


@price_app.command("lambda")
def _price_lambda(
    requests: Annotated[str, typer.Option("--requests", metavar="N", help="invocations per month")],
    duration_ms: Annotated[str, typer.Option("--duration-ms", metavar="MS", help="duration per invocation, ms")],
    memory_mb: Annotated[str, typer.Option("--memory-mb", metavar="MB", help="configured memory, MB (128-10,240)")],
    arch: ArchOpt = "x86_64",
    ephemeral_storage_mb: Annotated[str, typer.Option("--ephemeral-storage-mb", metavar="MB", help="ephemeral storage, MB (512-10,240)")] = "512",
    free_tier: FreeOpt = False,
    region: RegionOpt = "us-east-1",
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly cost of Lambda invocations (requests + duration + ephemeral storage)."""
    with _as_options("requests", "duration_ms", "memory_mb", "arch", "ephemeral_storage_mb", "region", "prices"):
        book = load_price_book(str(prices) if prices else None)
        cost = price_lambda(
            _number(requests), _number(duration_ms), _number(memory_mb), arch=arch,  # type: ignore[arg-type]
            ephemeral_storage_mb=_number(ephemeral_storage_mb),  # type: ignore[arg-type]
            free_tier=free_tier, region=region, prices=book,
        )
    _note_assumed("Lambda", region, book.lambda_prices(region).assumed_from, book.path.name)
    _show("AWS Lambda", cost, as_json)


@price_app.command("standard")
def _price_standard(
    executions: Annotated[str, typer.Option("--executions", metavar="N", help="executions per month")],
    transitions: Annotated[str, typer.Option("--transitions", metavar="N", help="state transitions per execution, retries included")],
    free_tier: FreeOpt = False,
    region: RegionOpt = "us-east-1",
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly cost of Step Functions Standard state transitions."""
    with _as_options("executions", "transitions", "region", "prices"):
        book = load_price_book(str(prices) if prices else None)
        cost = price_standard(
            _number(executions), _number(transitions),  # type: ignore[arg-type]
            free_tier=free_tier, region=region, prices=book,
        )
    _note_assumed("Step Functions Standard", region, book.standard_prices(region).assumed_from, book.path.name)
    _show("Step Functions Standard", cost, as_json)


@price_app.command("express")
def _price_express(
    executions: Annotated[str, typer.Option("--executions", metavar="N", help="executions per month")],
    duration_ms: Annotated[str, typer.Option("--duration-ms", metavar="MS", help="duration per execution, ms")],
    memory_mb: Annotated[str, typer.Option("--memory-mb", metavar="MB", help="workflow memory used, MB (billed in 64 MB chunks)")],
    region: RegionOpt = "us-east-1",
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly cost of Step Functions Express executions (requests + GB-hours)."""
    with _as_options("executions", "duration_ms", "memory_mb", "region", "prices"):
        book = load_price_book(str(prices) if prices else None)
        cost = price_express(
            _number(executions), _number(duration_ms), _number(memory_mb),  # type: ignore[arg-type]
            region=region, prices=book,
        )
    _note_assumed("Step Functions Express", region, book.express_prices(region).assumed_from, book.path.name)
    _show("Step Functions Express", cost, as_json)


@price_app.command("durable")
def _price_durable(
    executions: Annotated[str, typer.Option("--executions", metavar="N", help="durable executions per month")],
    step_ms: Annotated[list[str], typer.Option("--step-ms", metavar="MS", help="a durable step's duration, ms (repeat per step)")],
    memory_mb: Annotated[str, typer.Option("--memory-mb", metavar="MB", help="the durable function's memory, MB (128-10,240)")],
    waits: Annotated[str, typer.Option("--waits", metavar="N", help="waits per execution (each resumes in a new invocation)")] = "0",
    wait_days: Annotated[str, typer.Option("--wait-days", metavar="DAYS", help="total days waited per execution")] = "0",
    input_kb: Annotated[str, typer.Option("--input-kb", metavar="KB", help="invocation payload, KB")] = "8",
    payload_kb: Annotated[str, typer.Option("--payload-kb", metavar="KB", help="payload each step and wait persists, KB")] = "32",
    retention_days: Annotated[str, typer.Option("--retention-days", metavar="DAYS", help="RetentionPeriodInDays, 1-90")] = "14",
    arch: ArchOpt = "arm64",
    free_tier: FreeOpt = False,
    region: RegionOpt = "us-east-1",
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly cost of Lambda durable executions (requests, GB-s, durable operations, data written and retained)."""
    with _as_options("executions", "step_ms", "memory_mb", "waits", "wait_days", "input_kb", "payload_kb",
                     "retention_days", "arch", "region", "prices"):
        book = load_price_book(str(prices) if prices else None)
        cost = price_durable(
            _number(executions), [_number(v) for v in step_ms], _number(memory_mb),  # type: ignore[arg-type, misc]
            waits=_number(waits), wait_days=_number(wait_days), input_kb=_number(input_kb),  # type: ignore[arg-type]
            payload_kb=_number(payload_kb), retention_days=_number(retention_days), arch=arch,  # type: ignore[arg-type]
            free_tier=free_tier, region=region, prices=book,
        )
    _note_assumed("Lambda", region, book.lambda_prices(region).assumed_from, book.path.name)
    _show("AWS Lambda durable functions", cost, as_json)


ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file, or a shipped scenario's name (seed-article, ai-document-pipeline)", show_default=False)]
DEFAULT_SCENARIO = scenario_path("seed-article")


@app.command("report")
def _report(
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("reports"),
    params: Annotated[Path | None, typer.Option("--params", help="YAML file: notebook name (or 'all') -> parameter overrides")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="run the notebooks at toy sizes (about 25 s; the full report takes about a minute)")] = False,
    prices: PricesOpt = None,
) -> None:
    """Run the main job: the five-pattern comparison of the default scenario with its chart, then
    every notebook (papermill, two at a time) into HTML pages and an index.html with their takeaways."""
    import time

    from orchsim.report.index import write_index
    from orchsim.report.params import load_params_file, report_scenario
    from orchsim.report.runner import ReportError, notebook_batch, run_report, skip_slow_iri_checker
    from orchsim.report.staging import keep_files, staged_folder

    start = time.perf_counter()
    skip_slow_iri_checker()  # reading the notebooks' parameters imports nbformat: about 3 s less
    overrides = load_params_file(params) if params is not None else {}
    book = load_price_book(str(prices) if prices else None)  # a bad price file fails here, before any notebook starts
    scenario = report_scenario(overrides)  # the headline, first chart and index follow the notebooks' scenario
    try:
        load_scenario(scenario)
    except InputError as exc:  # name where it came from, as a notebook would
        users = [n for n, values in overrides.items() if values.get("scenario") == scenario]
        raise InputError(f"notebook {users[0]}" if users else "--params", str(exc)) from None
    doing = "preparing the output folder"
    try:
        with staged_folder(out, "--out") as stage:

            def final(p: Path) -> Path:  # where a file built in the stage ends up
                return out / Path(p).relative_to(stage)

            # the notebooks start (in child processes) while this process prints the comparison;
            # leaving the block early (Ctrl-C) stops them at once
            with notebook_batch(stage, overrides, quick=quick, prices=prices) as notebooks:
                doing = "comparing the patterns (the notebooks starting meanwhile)"
                text, paths = run_report(stage, scenario=scenario, prices=book)
                typer.echo(text)
                for p in paths:
                    typer.echo(f"wrote {final(p)}")
                typer.echo(f"\nrunning the notebooks{' at toy sizes' if quick else ''} into {out} ...")
                doing = "running the notebooks"
                try:
                    runs = notebooks.result()
                except ReportError as exc:
                    keep_files(stage, out, "*.ipynb")  # the executed copies the message points to
                    typer.echo(f"orchsim: error: {exc}".replace(str(stage), str(out.resolve())), err=True)
                    sys.exit(1)  # not typer.Exit: main() runs click with standalone_mode=False, which returns its code
            for r in runs:
                typer.echo(f"{r.name} ({r.seconds:.0f} s): {r.takeaway}")
            doing = "writing the index"
            write_index(stage, runs, text, paths, provenance=_provenance(scenario, params, overrides, quick, book))
            doing = "moving the report into place"
    except KeyboardInterrupt:
        typer.echo(f"\norchsim: interrupted while {doing}; no report was written to {out}", err=True)
        sys.exit(130)
    typer.echo(f"\nreport: {(out / 'index.html').resolve()} ({time.perf_counter() - start:.0f} s)")


def _provenance(scenario: str, params: Path | None, overrides: dict[str, dict[str, Any]], quick: bool, book: Any) -> dict[str, str]:
    """What made a report, for its index: scenario, parameters, price book, orchsim version and commit."""
    from orchsim.version import git_commit, package_version

    sc = load_scenario(scenario)
    given = {n: v for n, v in overrides.items() if v}
    if given:
        shown = "; ".join(f"{n}: " + ", ".join(f"{k}={v!r}" for k, v in values.items()) for n, values in sorted(given.items()))
        parameters = f"{shown} (from {params})" if params else shown
    else:
        parameters = "the notebooks' defaults"
    commit = git_commit()
    return {
        "scenario": f"{sc.name} ({scenario}): {sc.workload.docs_per_day:,.0f} documents/day, {len(sc.steps())} steps",
        "parameters": parameters + (" at toy sizes (--quick)" if quick else ""),
        "price book": book.footer(sc.region),
        "orchsim": f"{package_version()}" + (f", git commit {commit}" if commit else ", not a git checkout"),
    }


@app.command("compare")
def _compare(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option("--out", help="write the chart to this folder")] = None,
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monthly cost of one scenario under the five patterns (analytic engine)."""
    from orchsim.charts.cost import comparison_chart
    from orchsim.report.comparison import format_comparison
    from orchsim.report.outdir import prepare_out_dir
    from orchsim.study.compare import compare

    if out is not None:
        prepare_out_dir(out, "--out")  # a bad --out fails before any work
    book = load_price_book(str(prices) if prices else None)
    sc = _load_scenario(scenario)
    df = compare(sc, prices=book)
    if as_json:
        emit_json(json.loads(df.to_json(orient="records")))
    else:
        typer.echo(format_comparison(df, sc, book))
    if out is not None:
        paths = comparison_chart(df, sc, prepare_out_dir(out, "--out"), prices=book)
        if not as_json:
            typer.echo(f"chart: {paths[0]}")


def _load_scenario(path: Path) -> Scenario:
    """:func:`load_scenario` of a file or a shipped scenario's name, with a note on stderr (not a
    Python warning) when every value is a default. Neither a file nor a shipped name: one error line
    listing the shipped names."""
    import difflib

    from orchsim.resources import data_dir

    if not path.exists():
        shipped = sorted(p.stem for p in (data_dir() / "scenarios").glob("*.yaml"))
        if path.parent != Path(".") or path.suffix not in ("", ".yaml") or path.stem not in shipped:
            close = difflib.get_close_matches(path.stem, shipped, n=1)
            hint = f"; did you mean {close[0]!r}?" if close and path.parent == Path(".") else ";"
            raise InputError(
                "scenario",
                f"cannot read scenario {str(path)!r}: no such file, nor a shipped scenario's name{hint} "
                f"accepted: a scenario YAML file or a shipped name ({', '.join(shipped)})",
            )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioDefaultsWarning)
        sc = load_scenario(path)
    if sc.all_defaults:
        typer.echo(f"orchsim: note: scenario {str(path)!r} gives no key: every value is a default", err=True)
    return sc


def _check_patterns(patterns: list[str] | None) -> list[str]:
    chosen = patterns or list(PATTERNS)
    return [check_pattern(p, "--pattern") for p in chosen]


def format_simulation(summaries: list[Summary], title: str) -> str:
    """One comparison table: a row per figure, a column per pattern."""
    spec: list[tuple[str, Callable[[Summary], str]]] = [
        ("documents arrived", lambda r: f"{r.docs_arrived:,}"),
        ("succeeded", lambda r: f"{r.docs_succeeded:,}"),
        ("failed (recorded)", lambda r: f"{r.docs_failed:,}"),
        ("lost (no record)", lambda r: f"{r.docs_lost:,}"),
        ("in flight at end", lambda r: f"{r.docs_in_flight:,}"),
        ("duplicate executions", lambda r: f"{r.duplicates:,}"),
        ("Lambda invocations", lambda r: f"{r.lambda_invocations:,}"),
        ("Lambda throttles", lambda r: f"{r.lambda_throttles:,}"),
        ("cold starts", lambda r: f"{r.cold_starts:,}"),
        ("orphaned invocations", lambda r: f"{r.orphaned_invocations:,}"),
        *([("  SDK read timeouts", lambda r: f"{r.sdk_read_timeouts:,}")] if any(r.sdk_read_timeouts for r in summaries) else []),
        ("state transitions", lambda r: f"{r.state_transitions:,}"),
        ("billed GB-s", lambda r: f"{r.billed_gb_s:,.1f}"),
        ("latency p50 (s)", lambda r: _sec(r.latency_ms.p50)),
        ("latency p95 (s)", lambda r: _sec(r.latency_ms.p95)),
        ("latency p99 (s)", lambda r: _sec(r.latency_ms.p99)),
        ("Lambda requests $/month", lambda r: f"{r.cost_usd['lambda_requests']:,.2f}"),
        ("Lambda compute $/month", lambda r: f"{r.cost_usd['lambda_compute']:,.2f}"),
        ("Standard transitions $/month", lambda r: f"{r.cost_usd['sfn_transitions']:,.2f}"),
        ("Express requests $/month", lambda r: f"{r.cost_usd['express_requests']:,.2f}"),
        ("Express duration $/month", lambda r: f"{r.cost_usd['express_duration']:,.2f}"),
        ("CloudWatch Logs $/month", lambda r: f"{r.cost_usd['logs']:,.2f}"),
        *_service_rows(summaries),
        *_model_rows(summaries),
        ("total $/month", lambda r: f"{r.cost_usd['total']:,.2f}"),
        ("$ per 1,000 documents", lambda r: _per_1000(r.cost_per_1000_docs_usd)),
        ("wasted $/month", lambda r: f"{r.wasted_usd:,.2f}"),
        *([("  of which model $/month", lambda r: f"{r.wasted_by_kind_usd.get('model', 0.0):,.2f}")]
          if any(r.model_tokens for r in summaries) else []),
    ]
    table = [[""] + [r.pattern for r in summaries]] + [[label] + [fn(r) for r in summaries] for label, fn in spec]
    empty = [r.pattern for r in summaries if not r.docs_arrived]
    if empty:
        title += (f"\nno documents arrived in the simulated window under {', '.join(empty)}: per-document figures "
                  "show '-' (lengthen window_hours or raise workload.docs_per_day)")
    no_price = {m: v["note"] for r in summaries for m, v in r.unpriced_model_tokens.items()}
    if no_price:
        title += "\ntokens counted, not priced: " + "; ".join(sorted(no_price.values()))
    unpriced = {k: v["note"] for r in summaries for k, v in r.unpriced_service_calls.items()}
    if unpriced:
        title += "\ncounted, not priced: " + "; ".join(f"{k} ({note.removesuffix('; counted, not priced')})" for k, note in sorted(unpriced.items()))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [title]
    for j, row in enumerate(table):
        lines.append("  ".join([row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]))
        if j == 0:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    return "\n".join(lines)


_MODEL_COMPONENTS = ("model_input_tokens", "model_output_tokens")


def _model_rows(summaries: list[Summary]) -> list[tuple[str, Callable[[Summary], str]]]:
    """Rows for model calls: tokens over the window and their cost (scenarios with model services)."""
    if not any(r.model_tokens for r in summaries):
        return []
    return [
        ("model input tokens", lambda r: f"{sum(t['input'] for t in r.model_tokens.values()):,.0f}"),
        ("model output tokens", lambda r: f"{sum(t['output'] for t in r.model_tokens.values()):,.0f}"),
        ("model throttles", lambda r: f"{sum(r.model_throttles.values()):,}"),
        ("model input tokens $/month", lambda r: f"{r.cost_usd.get('model_input_tokens', 0.0):,.2f}"),
        ("model output tokens $/month", lambda r: f"{r.cost_usd.get('model_output_tokens', 0.0):,.2f}"),
    ]


def _service_rows(summaries: list[Summary]) -> list[tuple[str, Callable[[Summary], str]]]:
    """Rows for calls to other AWS services and their priced components (imported workflows only)."""
    if not any(r.service_calls for r in summaries):
        return []
    rows: list[tuple[str, Callable[[Summary], str]]] = [
        ("service calls", lambda r: f"{sum(v for k, v in r.service_calls.items() if not k.startswith('lambda:durable')):,.0f}"),
    ]
    if any(r.durable_operations for r in summaries):
        rows.append(("durable operations", lambda r: f"{r.durable_operations:,.0f}"))
        rows.append(("durable data written (GB)", lambda r: f"{r.durable_data_written_gb:,.3f}"))
    extra = dict.fromkeys(c for r in summaries for c in r.cost_usd
                          if c not in COMPONENTS and c not in _MODEL_COMPONENTS and c != "total")
    for comp in extra:
        rows.append((f"{comp} $/month", lambda r, c=comp: f"{r.cost_usd.get(c, 0.0):,.2f}"))  # type: ignore[misc]
    return rows


def _per_1000(usd: float | None) -> str:
    return "-" if usd is None or usd != usd else f"{usd:,.4f}"


def _sec(ms: float | None) -> str:
    return "-" if ms is None or ms != ms else f"{ms / 1000.0:,.2f}"


@app.command("simulate")
def _simulate(
    scenario: ScenarioArg,
    pattern: Annotated[list[str] | None, typer.Option("--pattern", metavar="PATTERN", help=_unwrapped(f"pattern to simulate, repeatable (default all five):\n{PATTERN_CHOICES}"))] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed (overrides the scenario's)")] = None,
    window_hours: Annotated[float | None, typer.Option("--window-hours", help="simulated hours (overrides the scenario's)")] = None,
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
    force: Annotated[bool, typer.Option("--force", help="run even when the estimate is over the budget")] = False,
    max_memory_gb: Annotated[str, typer.Option("--max-memory-gb", help="memory budget, GB: a run estimated above it is refused")] = "2",
    max_minutes: Annotated[str, typer.Option("--max-minutes", help="time budget, minutes: a run estimated above it is refused")] = "10",
) -> None:
    """Simulate a scenario under each pattern (SimPy) and compare them, priced per month.

    The run's size is estimated first (documents, events, time, memory) and, for a run of 5 s or
    more, printed on stderr; a run over the budget is refused with what would fit, unless --force.
    """
    from orchsim.sim.budget import RunBudget, check_budget, estimate_run
    from orchsim.sim.run import pattern_support, simulate_patterns

    chosen = _check_patterns(pattern)
    budget = RunBudget(
        memory_gb=parse_number("--max-memory-gb", max_memory_gb, low=0, low_open=True, high=1e6, what="GB"),
        minutes=parse_number("--max-minutes", max_minutes, low=0, low_open=True, high=1e7, what="minutes"),
    )
    sc = _load_scenario(scenario)
    overrides: dict[str, Any] = {}
    if seed is not None:
        overrides["seed"] = seed
    if window_hours is not None:
        overrides["window_hours"] = window_hours
    if overrides:
        sc = sc.with_overrides(overrides)
    support = pattern_support(sc)
    if pattern:
        for p in chosen:
            if support[p]:
                raise InputError("--pattern", f"{p} cannot run this workflow: {support[p]}")
    skipped = {p: why for p in chosen if (why := support[p])}
    chosen = [p for p in chosen if p not in skipped]
    book = load_price_book(str(prices) if prices else None)
    book.check_region(sc.region)
    est = estimate_run(sc, chosen)
    check_budget(est, budget, sc, force=force, hint="--force")
    if est.seconds >= ESTIMATE_SHOWN_S:
        typer.echo(f"orchsim: estimate: {est.describe()}", err=True)
    with _progress_bar(enabled=not as_json, desc="simulating") as bar:
        results = simulate_patterns(sc, chosen, prices=book, detail=False, force=True, progress=bar)
    if as_json:
        emit_json([r.to_dict() for r in results]
                  + [{"pattern": p, "supported": False, "reason": why} for p, why in skipped.items()])
        return
    wf = sc.pipeline.runnable() if sc.pipeline.definition is not None else None
    shape = f"{len(sc.steps())} steps" if wf is None else f"workflow {_definition_name(sc)} ({len(wf.tasks)} Task states)"
    title = (
        f"{sc.name}: {sc.workload.docs_per_day:,.0f} documents/day, {shape}, "
        f"{sc.window_hours:g} h simulated (seed {sc.seed}); costs per 730-hour month\n{book.footer(sc.region)}"
    )
    if wf is not None and (wf.assumptions or wf.profile_lines()):
        title += "\nassumptions: " + "; ".join([*wf.profile_lines(), *wf.assumptions])
    text = format_simulation([r.summary for r in results], title)
    for p, why in skipped.items():
        text += f"\nnot simulated: {p}: {why}"
    typer.echo(text)


def _definition_name(sc: Scenario) -> str:
    ref = sc.pipeline.definition
    return Path(ref).name if isinstance(ref, str) else "(inline)"


@contextmanager
def _progress_bar(*, enabled: bool, desc: str) -> Iterator[Callable[[float], None] | None]:
    """A tqdm bar on stderr fed with fractions done, when stderr is a terminal (not in --json or CI)."""
    import os

    if not enabled or os.environ.get("CI") or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
        def update(fraction: float) -> None:
            bar.update(round(fraction * 100) - bar.n)

        yield update


@app.command("breakeven")
def _breakeven(
    transitions: Annotated[str, typer.Option("--transitions", help="state transitions per execution")],
    memory_mb: Annotated[str, typer.Option("--memory-mb", help="Express workflow memory used, MB (billed in 64 MB chunks)")],
    executions: Annotated[str | None, typer.Option("--executions", help="executions per month (Express tiers make it volume-dependent); default a small volume")] = None,
    free_tier: FreeOpt = False,
    region: RegionOpt = "us-east-1",
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Execution duration at which Express costs as much as Standard (none if Express always wins)."""
    from orchsim.study.analysis import express_breakeven

    t = parse_number("--transitions", transitions, low=1, high=MAX_TRANSITIONS_PER_EXECUTION, what="state transitions per execution")
    m = parse_number("--memory-mb", memory_mb, low=0, low_open=True, high=10_240, what="MB of Express workflow memory")
    n = None if executions is None else parse_number("--executions", executions, low=0, low_open=True, high=MAX_PER_MONTH, what="executions per month")
    book = load_price_book(str(prices) if prices else None)
    book.standard_prices(region)
    value = float(express_breakeven(t, m, n, region=region, free_tier=free_tier, prices=book))
    result = {
        "breakeven_duration_s": None if value != value else value,
        "transitions": t,
        "memory_mb": m,
        "executions_per_month": n,
        "region": region,
        "free_tier": free_tier,
        "express_max_duration_s": book.express_prices(region).max_duration_s,
        "price_book_as_of": book.as_of,
    }
    if as_json:
        emit_json(result)
    elif value != value:
        typer.echo(f"Express is cheaper than Standard at every duration up to its {result['express_max_duration_s']:g} s limit "
                   f"({t:g} transitions, {m:g} MB, {region}, price book as of {book.as_of}).")
    else:
        typer.echo(f"Express costs as much as Standard at a billed duration of {value:.1f} s per execution; "
                   f"Express is cheaper below it ({t:g} transitions, {m:g} MB, {region}, price book as of {book.as_of}).")


@app.command("crossover")
def _crossover(
    scenario: ScenarioArg,
    vary: Annotated[str, typer.Option("--vary", help="dotted scenario key to vary, e.g. workload.docs_per_day")],
    start: Annotated[str, typer.Option("--from", help="first value of the key")],
    stop: Annotated[str, typer.Option("--to", help="last value of the key")],
    patterns: Annotated[list[str] | None, typer.Option("--patterns", metavar="PATTERN", help=_unwrapped(f"two patterns to compare, the option given twice\n(default: every pair):\n{PATTERN_CHOICES}"))] = None,
    points: Annotated[int, typer.Option("--points", help="sweep points between --from and --to", min=2, max=100_000)] = 200,
    prices: PricesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Where one pattern's monthly cost crosses another's along a swept key (analytic engine)."""
    from orchsim.study.analysis import crossover_table
    from orchsim.study.sweep import sweep

    chosen = list(dict.fromkeys(check_pattern(p, "--patterns") for p in (patterns or PATTERNS)))
    if len(chosen) < 2:
        raise InputError("--patterns", f"give two different patterns (or none for every pair); accepted: {', '.join(PATTERNS)}")
    sc = _load_scenario(scenario)
    a = parse_number("--from", start, low=-math.inf, what=f"first value of {vary}")
    b = parse_number("--to", stop, low=-math.inf, what=f"last value of {vary}")
    if a == b:
        raise InputError("--to", f"must differ from --from ({a:g})")
    lo, hi = min(a, b), max(a, b)
    if lo > 0 and hi / lo >= 100:
        values = np.geomspace(lo, hi, points)
    else:
        values = np.linspace(lo, hi, points)
    current = _current_value(sc, vary)
    integer = vary == "pipeline.steps" or (isinstance(current, int) and not isinstance(current, bool))
    if integer:  # a step count is a whole number: sweep whole values, report "from N"
        values = np.unique(np.round(values).astype(int))
        if values.size < 2:
            raise InputError("--to", f"{vary} takes whole values: give --from and --to at least 1 apart")
    book = load_price_book(str(prices) if prices else None)
    df = sweep(sc, {vary: values.tolist()}, patterns=chosen, engine="analytic", prices=book, progress=False)
    bad = df["error"].dropna()
    if len(bad):
        raise InputError(vary, f"{bad.iloc[0]}")
    table = crossover_table(df, vary, chosen, integer=integer)
    pairs = [(p, q) for i, p in enumerate(chosen) for q in chosen[i + 1 :]]
    ends = df.set_index(["pattern", vary])["cost_total_usd"]
    out: list[dict[str, Any]] = []
    for p, q in pairs:
        sub = table[(table.pattern_a == p) & (table.pattern_b == q)]
        out.append({
            "pattern_a": p,
            "pattern_b": q,
            "vary": vary,
            "crossings": [{"at": int(x) if integer else float(x), "cheaper_below": below, "cheaper_above": above}
                          for x, below, above in zip(sub["x"].astype(float), sub["cheaper_below"], sub["cheaper_above"], strict=True)],
            "cost_at_from_usd": {p: float(ends[(p, values[0])]), q: float(ends[(q, values[0])])},
            "cost_at_to_usd": {p: float(ends[(p, values[-1])]), q: float(ends[(q, values[-1])])},
        })
    if as_json:
        emit_json({"scenario": sc.name, "vary": vary, "from": lo, "to": hi, "integer": integer, "region": sc.region,
                   "price_book_as_of": book.as_of, "pairs": out})
        return
    kind = " (whole values)" if integer else ""
    typer.echo(f"{sc.name}: monthly cost crossovers along {vary}{kind} from {lo:g} to {hi:g} (analytic engine)\n{book.footer(sc.region)}")
    for row in out:
        a, b = row["pattern_a"], row["pattern_b"]
        if row["crossings"]:
            for c in row["crossings"]:
                where = f"from {vary} = {c['at']:,}" if integer else f"at {vary} = {c['at']:,.4g}"
                typer.echo(f"  {a} vs {b}: {where}, {c['cheaper_above']} is cheaper ({c['cheaper_below']} below)")
        else:
            pairs_at_ends: list[tuple[float, float]] = [
                (row["cost_at_from_usd"][a], row["cost_at_from_usd"][b]),
                (row["cost_at_to_usd"][a], row["cost_at_to_usd"][b]),
            ]
            gap = max(pairs_at_ends, key=lambda pair: abs(pair[0] - pair[1]))
            cheaper = a if gap[0] <= gap[1] else b
            typer.echo(f"  {a} vs {b}: no crossover; {cheaper} is cheaper (or equal) throughout")


@app.command("inspect")
def _inspect(
    path: Annotated[str, typer.Argument(metavar="PATH", help=(
        "an ASL file (JSON or YAML), a shipped workflow's name, or a scenario (a file or a shipped name) "
        "whose pipeline.definition names a workflow and profiles it"))],
    substitution: Annotated[list[str] | None, typer.Option(
        "--substitution", metavar="NAME=VALUE", help="replace ${NAME} in the definition (repeatable)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The states of an Amazon States Language workflow, its per-document counts and the patterns that can run it."""
    import difflib

    from orchsim.model.asl import load_definition
    from orchsim.model.inspect import inspect_definition
    from orchsim.resources import data_dir, workflow_path
    from orchsim.yamlfile import read_yaml

    subs: dict[str, str] = {}
    for item in substitution or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError("--substitution", f"{item!r} is not NAME=VALUE; accepted: NAME=VALUE, e.g. ResultsTable=results")
        subs[name] = value
    file = Path(path)
    bare = Path(path).parent == Path(".")
    scenario_file: Path | None = None
    if file.exists():
        if file.suffix in (".yaml", ".yml"):
            raw = read_yaml(file, path, "file")
            if isinstance(raw, dict) and "StartAt" not in raw and "States" not in raw:
                scenario_file = file
    elif bare and workflow_path(path).exists():
        file = workflow_path(path)
    elif bare and Path(path).suffix in ("", ".yaml") and scenario_path(path).exists():
        scenario_file = file = scenario_path(path)
    else:
        shipped = sorted(p.name.split(".")[0] for p in (data_dir() / "workflows").glob("*.asl.*"))
        scenarios = sorted(p.name for p in (data_dir() / "scenarios").glob("*.yaml"))
        close = difflib.get_close_matches(path, shipped + scenarios, n=1) if bare else []
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise InputError(path, f"no such file, nor a shipped workflow's or scenario's name{hint} accepted: an ASL file "
                               f"(JSON or YAML), a shipped workflow ({', '.join(shipped)}), a scenario file with "
                               f"pipeline.definition, or a shipped scenario ({', '.join(scenarios)})")
    profile: dict[str, Any] | None = None
    if scenario_file is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioDefaultsWarning)
            sc = load_scenario(scenario_file)
        if sc.pipeline.workflow is None:
            raise InputError("pipeline.definition", f"scenario {str(scenario_file)!r} names no workflow; accepted: a "
                                                    "scenario with pipeline.definition (e.g. workflow-document-ai)")
        if subs:
            sc = sc.with_overrides({"pipeline.substitutions": {**sc.pipeline.substitutions, **subs}})
        pipe = sc.pipeline
        defn = pipe.workflow
        assert defn is not None
        means = pipe.map_item_means()
        profile = {
            "scenario": str(scenario_file),
            "definition": pipe.definition if isinstance(pipe.definition, str) else "(inline)",
            "substitutions": sorted(pipe.substitutions),
            "choices": {k: dict(v) for k, v in pipe.choices.items()},
            "map_items": {k: {**c.model_dump(), "mean_items": means[k]} for k, c in pipe.map_items.items()},
            "states": sorted(pipe.states),
        }
        report = inspect_definition(defn, choices=pipe.choices, map_items=means)
        report["profile"] = profile
    else:
        defn = load_definition(file, substitutions=subs)
        report = inspect_definition(defn)
    if as_json:
        emit_json(report)
        return
    depth: dict[str | None, int] = {None: -1}
    lines = [f"{file}: {len(report['states'])} states, query language {defn.query_language}"]
    for st in defn.walk():
        depth[st.name] = depth[st.parent] + 1
        if st.type == "Task":
            detail = f"{st.kind:<9} {st.service or st.function or st.resource}"
        elif st.type == "Choice":
            detail = f"to {', '.join(st.choices)}; Default {st.default or '(none: States.NoChoiceMatched)'}"
        elif st.type == "Wait":
            detail = f"{st.wait_s:g} s" if st.wait_s is not None else str(st.wait_path)
        elif st.type == "Map":
            detail = (f"distributed, {st.execution_type} child executions" if st.distributed else "inline") + (
                f", MaxConcurrency {st.max_concurrency}" if st.max_concurrency else "")
        elif st.type == "Parallel":
            detail = f"{len(st.branches)} branches"
        else:
            detail = ""
        lines.append(f"{'  ' * (depth[st.name] + 1)}{st.name:<{max(1, 28 - 2 * depth[st.name])}} {st.type:<9} {detail}".rstrip())
    doc = report["per_document"]
    lines.append(f"\nper document, no errors: {doc['state_transitions']:g} state transitions (Standard), "
                 f"{doc['lambda_invocations']:g} Lambda invocations, {doc['service_calls']:g} service calls"
                 + (" (per pass: the loop is unbounded)" if doc["unbounded"] else ""))
    children = doc["child_executions"]
    if children["standard"] or children["express"]:
        lines.append(f"Distributed Map child executions: {children['standard']:g} Standard, {children['express']:g} Express")
    lines.append("\npatterns (per document, no errors):")
    for pattern, verdict in report["patterns"].items():
        said = "yes" if verdict["supported"] else "no"
        per = verdict.get("per_document", {})
        counts = (f"{per['state_transitions']:g} transitions, {per['lambda_invocations']:g} Lambda invocations, "
                  f"{sum(per['service_calls'].values()):g} service calls" if per and verdict["supported"] else "")
        if per and "durable_operations" in per:
            counts += f", {per['durable_operations']:g} durable operations"
        lines.append(f"  {pattern:<20} {said:<3} {counts}".rstrip() + (f"; {verdict['reason']}" if verdict["reason"] else ""))
        if verdict.get("how"):
            lines += textwrap.wrap(str(verdict["how"]), 100, initial_indent=" " * 25, subsequent_indent=" " * 25)
    lines.append("\nassumptions:")
    lines += [f"  - {a}" for a in report["assumptions"]]
    if profile is not None:
        lines.append(f"\nprofile used (from {profile['scenario']}):")
        lines.append(f"  definition: {profile['definition']}")
        if profile["substitutions"]:
            lines.append(f"  substitutions: {', '.join(profile['substitutions'])}")
        for name, probs in profile["choices"].items():
            lines.append(f"  choices.{name}: " + ", ".join(f"{t} {p:g}" for t, p in probs.items()) + "; the rest to Default")
        for name, count in profile["map_items"].items():
            shown = ", ".join(f"{k} {v:g}" for k, v in count.items() if k not in ("dist", "mean_items"))
            lines.append(f"  map_items.{name}: {count['dist']} ({shown}): mean {count['mean_items']:g} items per run")
        if profile["states"]:
            lines.append(f"  states (latencies and memory for the engines; not used in these counts): {', '.join(profile['states'])}")
    if report["placeholders"]:
        how = "pipeline.substitutions or --substitution NAME=VALUE" if profile is not None else "--substitution NAME=VALUE"
        lines.append(f"\nplaceholders left (give {how}): "
                     + ", ".join("${" + p + "}" for p in report["placeholders"]))
    typer.echo("\n".join(lines))


@app.command("fit")
def _fit(
    logs: Annotated[list[Path], typer.Argument(metavar="LOGS", show_default=False, help=(
        "exported logs: Lambda REPORT lines (text, JSON, Logs Insights CSV, filter-log-events) or "
        "Step Functions get-execution-history output; .gz accepted"))],
    function: Annotated[str | None, typer.Option("--function", metavar="NAME", help="function name to give every REPORT line")] = None,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", help="write a scenario profile (YAML) and, beside it, a CSV of durations per function")] = None,
    check: Annotated[str | None, typer.Option("--check", metavar="SCENARIO", help=(
        "bill check: merge the fit into SCENARIO (a shipped name or a YAML path), simulate it over the logs' window "
        "and compare its metering with what the logs say was billed"))] = None,
    pattern: Annotated[str | None, typer.Option("--pattern", metavar="PATTERN", help=(
        "the pattern the logs came from, for --check (default: sfn-standard with histories, else lambda-chain-async)"))] = None,
    replications: Annotated[int, typer.Option("--replications", metavar="N", help="simulations averaged by --check (2-50)")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Calibrate from production: durations, fits, cold starts, errors, memory and arrivals per function and state."""
    from orchsim.fit.check import bill_check, default_pattern
    from orchsim.fit.parse import parse_files
    from orchsim.fit.profile import fit_logs, format_fit, write_profile

    if function is not None and not function.strip():
        raise InputError("--function", "must be a function name, got an empty string")
    if out is not None and not out.parent.is_dir():
        raise InputError("--out", f"folder {str(out.parent)!r} does not exist; accepted: a file in an existing folder")
    if (pattern is not None or replications != 5) and check is None:
        raise InputError("--pattern" if pattern is not None else "--replications", "applies to --check only; add --check SCENARIO")
    if pattern is not None:
        _check_patterns([pattern])
    base = _load_scenario(Path(check)) if check is not None else None
    parsed = parse_files(logs, function=function)
    result = fit_logs(parsed)
    written = write_profile(result, out) if out is not None else None
    bill = (bill_check(parsed, result, base, pattern or default_pattern(parsed), replications=replications)
            if base is not None else None)
    if as_json:
        emit_json({**result.to_json(), **({"check": bill.to_json()} if bill is not None else {})})
    else:
        typer.echo(format_fit(result))
        if bill is not None:
            typer.echo("\n" + bill.format())
    if written is not None:
        yaml_path, csvs = written
        typer.echo(f"profile: {yaml_path} (durations: {', '.join(p.name for p in csvs) or 'none'})",
                   err=as_json)


def _current_value(sc: Any, key: str) -> Any:
    if key == "pipeline.steps" and sc.pipeline.definition is not None:
        raise InputError("--vary", "pipeline.steps does not apply to an imported workflow (its Task states are its "
                                   "steps); vary workload.docs_per_day, pipeline.step.memory_mb or another key")
    node: Any = sc.to_dict()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise InputError("--vary", f"unknown key {key!r} (not part of the scenario schema)")
        node = node[part]
    return node


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; input errors become one line on stderr and exit status 2."""
    try:
        rc = app(args=argv, prog_name="orchsim", standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except InputError as exc:
        typer.echo(f"orchsim: error: {exc}", err=True)
        sys.exit(2)
    except _ClickError as exc:  # usage errors of (typer's) click: bad or missing option, no arguments
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.format_message())  # the help text
            sys.exit(0)
        typer.echo(f"orchsim: error: {exc.format_message()}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("orchsim: aborted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
