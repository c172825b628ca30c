"""``orchsim price`` with bad input, ``--version`` and ``--help``, run in process (one real
subprocess smoke test of the entry point).

Contract (orchsim/cli.py, STYLE.md practice 3): bad input exits with status 2 and prints exactly one
line on stderr, ``orchsim: error: ...``, naming the option and what it accepts; never a traceback.
The library behind it names its own parameters (``requests``), not the options.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CliResult, check_one_error_line, cli, run_orchsim

import orchsim
from orchsim.aws.calculator import price_express, price_lambda, price_standard
from orchsim.errors import InputError

EXAMPLES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fixtures" / "aws_examples.yaml").read_text())

LAMBDA_OK = {"--requests": "1000", "--duration-ms": "120", "--memory-mb": "1536"}
STANDARD_OK = {"--executions": "1000", "--transitions": "5"}
EXPRESS_OK = {"--executions": "1000", "--duration-ms": "150", "--memory-mb": "64"}


def cmd(service: str, base: dict[str, str], **override: str | None) -> list[str]:
    """``price <service>`` with valid options, some replaced (value) or removed (None)."""
    opts = dict(base)
    for key, value in override.items():
        opt = "--" + key.replace("_", "-")
        if value is None:
            opts.pop(opt, None)
        else:
            opts[opt] = value
    out = ["price", service]
    for opt, value in opts.items():
        out += [f"{opt}={value}"] if value.startswith("-") else [opt, value]
    return out


# (id, argv, option the line must name, regex for what it accepts)
BAD: list[tuple[str, list[str], str, str]] = [
    ("negative-requests", cmd("lambda", LAMBDA_OK, requests="-1"), "--requests", r">= 0"),
    ("negative-requests-space", ["price", "lambda", "--requests", "-5", "--duration-ms", "1", "--memory-mb", "128"],
     "--requests", r">= 0"),
    ("non-numeric-requests", cmd("lambda", LAMBDA_OK, requests="abc"), "--requests", r">= 0"),
    ("nan-requests", cmd("lambda", LAMBDA_OK, requests="nan"), "--requests", r">= 0"),
    ("inf-requests", cmd("lambda", LAMBDA_OK, requests="inf"), "--requests", r">= 0"),
    ("zero-duration", cmd("lambda", LAMBDA_OK, duration_ms="0"), "--duration-ms", r"> 0 and <= 900,000"),
    ("duration-over-timeout", cmd("lambda", LAMBDA_OK, duration_ms="900001"), "--duration-ms", r"> 0 and <= 900,000"),
    ("memory-127", cmd("lambda", LAMBDA_OK, memory_mb="127"), "--memory-mb", r"128\D+10,?240"),
    ("memory-10241", cmd("lambda", LAMBDA_OK, memory_mb="10241"), "--memory-mb", r"128\D+10,?240"),
    ("memory-128.5", cmd("lambda", LAMBDA_OK, memory_mb="128.5"), "--memory-mb", r"128\D+10,?240"),
    ("ephemeral-100", cmd("lambda", LAMBDA_OK, ephemeral_storage_mb="100"), "--ephemeral-storage-mb", r"512\D+10,?240"),
    ("unknown-region-lambda", cmd("lambda", LAMBDA_OK, region="mars-1"), "--region", r"accepted: .*us-east-1"),
    ("unknown-region-standard", cmd("standard", STANDARD_OK, region="mars-1"), "--region", r"accepted: .*us-east-1"),
    ("unknown-region-express", cmd("express", EXPRESS_OK, region="mars-1"), "--region", r"accepted: .*us-east-1"),
    ("unknown-arch", cmd("lambda", LAMBDA_OK, arch="sparc"), "--arch", r"accepted: x86_64, arm64"),
    ("zero-transitions", cmd("standard", STANDARD_OK, transitions="0"), "--transitions", r">= 1"),
    ("negative-executions", cmd("standard", STANDARD_OK, executions="-3"), "--executions", r">= 0"),
    ("express-zero-duration", cmd("express", EXPRESS_OK, duration_ms="0"), "--duration-ms", r"> 0 and <= 300,000"),
    ("express-over-5-min", cmd("express", EXPRESS_OK, duration_ms="300001"), "--duration-ms", r"> 0 and <= 300,000"),
    ("express-zero-memory", cmd("express", EXPRESS_OK, memory_mb="0"), "--memory-mb", r"> 0 and <= 10,240"),
]

# Options with no range to state: the line must name the option (and, for files, the file).
BAD_NO_RANGE: list[tuple[str, list[str], str, str]] = [
    ("missing-requests", cmd("lambda", LAMBDA_OK, requests=None), "--requests", r"[Mm]issing"),
    ("missing-transitions", cmd("standard", STANDARD_OK, transitions=None), "--transitions", r"[Mm]issing"),
    ("unknown-option", cmd("lambda", LAMBDA_OK) + ["--bogus"], "--bogus", r"[Nn]o such option"),
]


HELP: list[tuple[str, list[str], list[str]]] = [
    ("orchsim", [], ["price"]),
    ("price", ["price"], ["lambda", "standard", "express"]),
    ("lambda", ["price", "lambda"], ["--requests", "--duration-ms", "--memory-mb", "--arch", "--ephemeral-storage-mb",
                                     "--free-tier", "--region", "--prices", "--json"]),
    ("standard", ["price", "standard"], ["--executions", "--transitions", "--free-tier", "--region", "--prices", "--json"]),
    ("express", ["price", "express"], ["--executions", "--duration-ms", "--memory-mb", "--region", "--prices", "--json"]),
]


@pytest.mark.parametrize(("argv", "option", "accepted"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input(argv: list[str], option: str, accepted: str) -> None:
    check_one_error_line(cli(*argv), option, accepted)


@pytest.mark.parametrize(
    ("argv", "option", "accepted"), [c[1:] for c in BAD_NO_RANGE], ids=[c[0] for c in BAD_NO_RANGE]
)
def test_bad_usage(argv: list[str], option: str, accepted: str) -> None:
    check_one_error_line(cli(*argv), option, accepted)


# The library names its own parameters and takes numbers, not the CLI's strings.
LIBRARY_BAD: list[tuple[str, Any, str, str]] = [
    ("negative-requests", lambda: price_lambda(-1, 120, 1536), "requests", r">= 0"),
    ("string-requests", lambda: price_lambda("1000", 120, 1536), "requests", r"must be a number >= 0"),  # type: ignore[arg-type]
    ("bool-requests", lambda: price_lambda(True, 120, 1536), "requests", r"must be a number"),
    ("zero-duration", lambda: price_lambda(1, 0, 1536), "duration_ms", r"> 0 and <= 900,000"),
    ("memory-128.5", lambda: price_lambda(1, 1, 128.5), "memory_mb", r"128\D+10,?240"),  # type: ignore[arg-type]
    ("ephemeral-100", lambda: price_lambda(1, 1, 128, ephemeral_storage_mb=100), "ephemeral_storage_mb", r"512\D+10,?240"),
    ("arch", lambda: price_lambda(1, 1, 128, arch="sparc"), "arch", r"accepted: x86_64, arm64"),
    ("region", lambda: price_standard(1, 1, region="mars-1"), "region", r"accepted: .*us-east-1"),
    ("zero-transitions", lambda: price_standard(1, 0), "transitions", r">= 1"),
    ("express-over-5-min", lambda: price_express(1, 300_001, 64), "duration_ms", r"> 0 and <= 300,000"),
]


@pytest.mark.parametrize(("call", "field", "accepted"), [c[1:] for c in LIBRARY_BAD], ids=[c[0] for c in LIBRARY_BAD])
def test_library_errors_name_parameters(call: Any, field: str, accepted: str) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field, f"expected the error to name the parameter {field!r}, got {info.value.field!r}"
    assert "--" not in str(info.value), f"expected no CLI option in a library error, got {info.value}"
    assert re.search(accepted, info.value.message), f"expected the message to state {accepted!r}, got {info.value.message!r}"


def test_nonexistent_prices_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-prices.yaml"
    line = check_one_error_line(cli(*cmd("standard", STANDARD_OK, prices=str(missing))), "--prices", r"does not exist")
    assert "no-such-prices.yaml" in line, f"expected the line to name the file, got {line!r}"


@pytest.mark.parametrize(
    ("content", "accepted"),
    [
        ("schema_version: 1\nlambda: [1, 2\n", r"not valid YAML at line \d+"),
        ("schema_version: 1\ncurrency: USD\n", r"required field is missing"),
    ],
    ids=["yaml-syntax", "missing-sections"],
)
def test_malformed_prices_file(tmp_path: Path, content: str, accepted: str) -> None:
    path = tmp_path / "bad-prices.yaml"
    path.write_text(content)
    line = check_one_error_line(cli(*cmd("lambda", LAMBDA_OK, prices=str(path))), "--prices", accepted)
    assert "bad-prices.yaml" in line, f"expected the line to name the file, got {line!r}"


def test_version() -> None:
    proc = cli("--version")
    assert proc.returncode == 0, f"expected exit 0 for --version, got {proc.returncode}; {proc.stderr!r}"
    assert proc.stdout == f"orchsim {orchsim.__version__}\n", f"expected 'orchsim {orchsim.__version__}', got {proc.stdout!r}"
    assert re.fullmatch(r"orchsim \d+\.\d+\.\d+\S*\n", proc.stdout), f"expected a version number, got {proc.stdout!r}"


@pytest.mark.parametrize(("argv", "mentions"), [h[1:] for h in HELP], ids=[h[0] for h in HELP])
def test_help(argv: list[str], mentions: list[str]) -> None:
    proc: CliResult = cli(*argv, "--help")
    assert proc.returncode == 0, f"expected exit 0 for {argv + ['--help']}, got {proc.returncode}; {proc.stderr!r}"
    assert "Usage:" in proc.stdout, f"expected a usage text, got {proc.stdout!r}"
    for word in mentions:
        assert word in proc.stdout, f"expected the help of {argv} to mention {word}"
    assert proc.stderr == "", f"expected nothing on stderr, got {proc.stderr!r}"


def test_valid_command_exits_0_in_a_real_process() -> None:
    """The one subprocess smoke test: the entry point prints the seed article's Standard table."""
    ex = EXAMPLES["standard"]["seed_article_day"]
    proc = run_orchsim(*cmd("standard", {"--executions": str(ex["inputs"]["executions"]), "--transitions": str(ex["inputs"]["transitions"])}))
    expected = f"{ex['expected']['total_usd']:.2f}"
    assert proc.returncode == 0, f"expected exit 0 for a valid command, got {proc.returncode}; {proc.stderr!r}"
    assert expected in proc.stdout and proc.stderr == "", f"expected the ${expected} table on stdout, got {proc.stdout!r}"
