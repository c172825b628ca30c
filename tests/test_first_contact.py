"""A new user's first minutes: shipped scenarios by name from any folder, a "did you mean" for a
misspelt YAML key, pattern choices in ``--help``, a note when ``price --region`` borrows another
region's prices, and the Makefile and README saying what happens and how to call the command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, check_one_error_line, cli, edited_price_book

from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, scenario_from_dict
from orchsim.resources import scenario_path

SHIPPED = ("ai-document-pipeline", "seed-article")
SHIPPED_LISTED = r"accepted: .*ai-document-pipeline, seed-article"
CROSSOVER = ("--vary", "workload.docs_per_day", "--from", "1000", "--to", "100000", "--points", "5")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current folder holding no scenario file (names must be found among the shipped ones)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- 1. shipped scenarios by name, for every command that takes one ----------------------------------

@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        (("simulate", "seed-article", "--window-hours", "1", "--pattern", "sfn-express"), "seed-article:"),
        (("compare", "ai-document-pipeline"), "ai-document-pipeline:"),
        (("compare", "seed-article.yaml"), "seed-article:"),
        (("crossover", "seed-article", *CROSSOVER), "seed-article:"),
    ],
    ids=["simulate", "compare", "compare-dot-yaml", "crossover"],
)
def test_shipped_scenario_by_name_from_any_folder(elsewhere: Path, argv: tuple[str, ...], first_line: str) -> None:
    """A shipped scenario's name works in a folder with no file of that name."""
    res = cli(*argv)
    assert res.exit_code == 0, f"expected exit 0 for orchsim {' '.join(argv)}, got {res.exit_code}: {res.stderr!r}"
    assert res.stdout.startswith(first_line), f"expected the output to start with {first_line!r}, got {res.stdout[:120]!r}"


def test_a_path_still_works_and_a_local_file_wins(elsewhere: Path) -> None:
    """A path to a scenario file loads it; a file named like a shipped scenario wins over it."""
    res = cli("compare", str(scenario_path("ai-document-pipeline")))
    assert res.exit_code == 0 and res.stdout.startswith("ai-document-pipeline:"), (
        f"expected the shipped file by path to load, got {res.exit_code}: {res.stderr!r}"
    )
    (elsewhere / "seed-article.yaml").write_text("name: mine\n")
    res = cli("compare", "seed-article.yaml")
    assert res.exit_code == 0 and res.stdout.startswith("mine:"), (
        f"expected the local seed-article.yaml to win over the shipped one, got {res.stdout[:80]!r} {res.stderr!r}"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("simulate", "no-such-scenario"),
        ("compare", "no-such-scenario.yaml"),
        ("crossover", "sub/folder/missing.yaml", *CROSSOVER),
    ],
    ids=["simulate-name", "compare-name-yaml", "crossover-path"],
)
def test_unknown_scenario_lists_the_shipped_names(elsewhere: Path, argv: tuple[str, ...]) -> None:
    """Neither a file nor a shipped name: one line naming the argument and listing the shipped names."""
    line = check_one_error_line(cli(*argv), "scenario", SHIPPED_LISTED, case=argv[0])
    assert repr(argv[1]) in line, f"expected the line to quote what was given ({argv[1]!r}), got {line!r}"


def test_misspelt_scenario_name_gets_a_suggestion(elsewhere: Path) -> None:
    """A near miss of a shipped name is suggested."""
    line = check_one_error_line(cli("compare", "seed-artcle"), "scenario", SHIPPED_LISTED)
    assert "did you mean 'seed-article'?" in line, f"expected a suggestion of 'seed-article', got {line!r}"


# --- 2. an unknown YAML key: "did you mean" ------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "field", "suggestion"),
    [
        ({"workload": {"arrival": {"kind": "burst", "burst_factr": 3}}}, "workload.arrival.burst_factr", "burst_factor"),
        ({"lamda": {}}, "lamda", "lambda"),  # the alias, as written in a file
        ({"pipeline": {"step": {"memroy_mb": 512}}}, "pipeline.step.memroy_mb", "memory_mb"),
        ({"pipeline": {"steps": [{"name": "a", "memroy_mb": 512}]}}, "pipeline.steps[0].memroy_mb", "memory_mb"),
        ({"pipeline": {"step": {"duration": {"dist": "lognormal", "median_ms": 100, "p95_ms": 300, "p59_ms": 1}}}},
         "pipeline.step.duration.p59_ms", "p95_ms"),
        ({"lambda": {"keep_alive_s": {"low_s": 300, "high_s": 360, "hihg_s": 1}}}, "lambda.keep_alive_s.hihg_s", "high_s"),
    ],
    ids=["arrival", "top-alias", "step", "listed-step", "tagged-duration", "keep-alive"],
)
def test_unknown_key_suggests_the_close_field(data: dict[str, object], field: str, suggestion: str) -> None:
    """The close match among the keys at that level is suggested, and those keys are listed."""
    with pytest.raises(InputError) as info:
        scenario_from_dict(data)
    err = info.value
    assert err.field == field, f"expected the error to name {field!r}, got {err.field!r}"
    assert f"did you mean {suggestion!r}?" in err.message, f"expected a suggestion of {suggestion!r}, got {err.message!r}"
    assert re.search(rf"accepted: .*\b{suggestion}\b", err.message), f"expected the accepted keys listed, got {err.message!r}"


def test_unknown_key_without_a_close_match_lists_the_keys() -> None:
    """No close match: no guess, but the accepted keys."""
    with pytest.raises(InputError) as info:
        scenario_from_dict({"workload": {"zzzz": 1}})
    assert "did you mean" not in info.value.message, f"expected no guess for 'zzzz', got {info.value.message!r}"
    assert "accepted: docs_per_day, arrival, trigger" in info.value.message, (
        f"expected the workload keys listed, got {info.value.message!r}"
    )


def test_unknown_key_from_the_cli(tmp_path: Path) -> None:
    """The suggestion reaches the CLI's one error line."""
    path = tmp_path / "typo.yaml"
    path.write_text("workload:\n  arrival:\n    kind: burst\n    burst_factr: 3\n")
    line = check_one_error_line(cli("compare", str(path)), "workload.arrival.burst_factr", r"accepted: .*burst_factor")
    assert "did you mean 'burst_factor'?" in line, f"expected a suggestion of 'burst_factor', got {line!r}"


# --- 3. pattern choices in --help ------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "option"), [("simulate", "--pattern"), ("crossover", "--patterns")])
def test_help_shows_the_pattern_choices(monkeypatch: pytest.MonkeyPatch, command: str, option: str) -> None:
    """``--pattern PATTERN`` and each pattern name whole (never split at a hyphen), no type tag."""
    monkeypatch.setenv("COLUMNS", "80")
    res = cli(command, "--help")
    assert res.exit_code == 0, f"expected exit 0 for {command} --help, got {res.exit_code}: {res.stderr!r}"
    assert re.search(rf"^\s+{option} PATTERN\s", res.stdout, re.M), f"expected '{option} PATTERN' in:\n{res.stdout}"
    for name in PATTERNS:
        assert re.search(rf"(?<![\w-]){name}(?![\w-])", res.stdout), f"expected {name!r} whole in the help:\n{res.stdout}"
    for tag in ("<list[str]>", "TEXT"):
        assert tag not in res.stdout, f"expected no {tag!r} in the help:\n{res.stdout}"


def test_pattern_validation_unchanged(elsewhere: Path) -> None:
    """A wrong name is still refused by check_pattern, naming the option and the four names."""
    accepted = "accepted: " + ", ".join(PATTERNS)
    check_one_error_line(cli("simulate", "seed-article", "--pattern", "sfn"), "--pattern", re.escape(accepted))
    check_one_error_line(cli("crossover", "seed-article", *CROSSOVER, "--patterns", "nope"), "--patterns", re.escape(accepted))


# --- 4. price --region: a note when the price is another region's --------------------------------------

PRICE = {
    "lambda": ("price", "lambda", "--requests", "1000000", "--duration-ms", "100", "--memory-mb", "128"),
    "standard": ("price", "standard", "--executions", "10000", "--transitions", "5"),
    "express": ("price", "express", "--executions", "10000", "--duration-ms", "100", "--memory-mb", "64"),
}


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
@pytest.mark.parametrize("service", ["lambda", "express"])
def test_price_notes_a_borrowed_region(service: str, as_json: bool) -> None:
    """eu-west-1's Lambda and Express prices are us-east-1's: one note line on stderr; --json stays JSON."""
    res = cli(*PRICE[service], "--region", "eu-west-1", *(["--json"] if as_json else []))
    assert res.exit_code == 0, f"expected exit 0, got {res.exit_code}: {res.stderr!r}"
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchsim: note: --region eu-west-1:"), (
        f"expected one 'orchsim: note: --region eu-west-1:' line on stderr, got {res.stderr!r}"
    )
    assert "us-east-1" in lines[0], f"expected the note to name the region whose prices are used, got {lines[0]!r}"
    if as_json:
        assert json.loads(res.stdout)["region"] == "eu-west-1", "expected stdout to be the JSON cost alone"


@pytest.mark.parametrize("service", ["lambda", "standard", "express"])
def test_price_no_note_for_own_prices(service: str) -> None:
    """A region with its own prices (us-east-1; Standard in eu-west-1) prints nothing on stderr."""
    for region in ("us-east-1", "eu-west-1") if service == "standard" else ("us-east-1",):
        res = cli(*PRICE[service], "--region", region)
        assert res.exit_code == 0 and res.stderr == "", f"expected no note for {service} in {region}, got {res.stderr!r}"


def test_price_note_from_a_user_price_file(tmp_path: Path) -> None:
    """A price file that reuses us-east-1's Standard price for eu-west-1 gets the note too, naming the file."""
    book = edited_price_book(tmp_path, "mine.yaml", **{"step_functions/standard/regions/eu-west-1": {"same_as": "us-east-1"}})
    res = cli(*PRICE["standard"], "--region", "eu-west-1", "--prices", str(book))
    assert res.exit_code == 0, f"expected exit 0, got {res.exit_code}: {res.stderr!r}"
    assert re.fullmatch(r"orchsim: note: --region eu-west-1: Step Functions Standard .*us-east-1.*mine\.yaml.*\n", res.stderr), (
        f"expected one note naming Standard, us-east-1 and mine.yaml, got {res.stderr!r}"
    )


@pytest.mark.parametrize("service", ["lambda", "standard", "express"])
def test_price_unknown_region_stays_an_error(service: str) -> None:
    """A region the price book does not list is refused, as before (no note)."""
    check_one_error_line(cli(*PRICE[service], "--region", "mars-1"), "--region", r"accepted: .*eu-west-1.*us-east-1", case=service)


# --- 5. and 6. the Makefile and the README -------------------------------------------------------------

@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["report", "test"])
def test_make_says_what_it_does_before_installing(target: str) -> None:
    """``make -n -B`` (nothing runs): the first line is a message saying the install takes minutes;
    the target still runs what it ran."""
    # Run as a fresh make (under `make test` the outer make's MAKELEVEL would add "Entering directory" lines).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    out = subprocess.run(["make", "-n", "-B", target], cwd=REPO, capture_output=True, text=True, check=True, timeout=60, env=env).stdout
    lines = out.splitlines()
    assert lines[0].startswith("echo ") and "installing orchsim" in lines[0] and "2-3 minutes" in lines[0], (
        f"expected a first line announcing the 2-3 minute install, got {lines[0]!r}"
    )
    expected = {"report": ".venv/bin/orchsim report --out reports", "test": ".venv/bin/python -m pytest -n 2 --dist worksteal --durations=15"}
    assert lines[-1] == expected[target], f"expected make {target} to end with {expected[target]!r}, got {lines[-1]!r}"


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_readme_and_makefile_agree_on_first_contact() -> None:
    """README "The two commands" shows how to call the installed command and the shipped names; the
    Makefile's ``quick`` comment states the time the README gives."""
    section = _section((REPO / "README.md").read_text(), "The two commands")
    for needle in (". .venv/bin/activate", ".venv/bin/orchsim", "2-3 minutes", *SHIPPED):
        assert needle in section, f"expected README 'The two commands' to mention {needle!r}"
    quick = next(line for line in (REPO / "Makefile").read_text().splitlines() if line.startswith("quick:"))
    assert "55 s" in quick and "55 s" in section, f"expected the Makefile ('{quick}') and README to give quick's 55 s"
