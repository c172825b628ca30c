"""User YAML files (scenarios, price books, --params): duplicate keys and non-UTF-8 text are one-line
errors naming the file, the key and its line, never a silent last-one-wins or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import check_one_error_line, cli

from orchsim import InputError, load_price_book, load_scenario
from orchsim.aws.pricebook import default_prices_path
from orchsim.report.params import load_params_file
from orchsim.yamlfile import read_yaml


def test_duplicate_key_names_the_key_and_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("name: x\nworkload:\n  docs_per_day: 100\n  docs_per_day: 100000000\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "duplicate key 'docs_per_day'" in msg and "first at line 3" in msg and "line 4" in msg, (
        f"expected the duplicated key and both lines, got {msg!r}"
    )


def test_duplicate_price_is_refused(tmp_path: Path) -> None:
    lines = default_prices_path().read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("requests_usd_per_million:"))
    lines.insert(at + 1, lines[at].split(":")[0] + ": 2.00\n")  # the same key again, a dearer price
    path = tmp_path / "prices.yaml"
    path.write_text("".join(lines))
    with pytest.raises(InputError, match=r"duplicate key 'requests_usd_per_million'"):
        load_price_book(path)


def test_duplicate_notebook_in_params_file(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("all: {quick: true}\nall: {quick: false}\n")
    with pytest.raises(InputError, match=r"line 2, column 1: duplicate key 'all' \(first at line 1\)"):
        load_params_file(path)


@pytest.mark.parametrize("data", [b"name: caf\xe9\n", "name: x\n".encode("utf-16"), bytes(range(200, 256))])
def test_not_utf8_is_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    result = cli("simulate", str(path))
    check_one_error_line(result, "scenario", r"not UTF-8")


def test_same_keys_in_different_mappings_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("a: {memory_mb: 1}\nb: {memory_mb: 2}\n")
    assert read_yaml(path, "x", "file") == {"a": {"memory_mb": 1}, "b": {"memory_mb": 2}}


def test_exponents_without_a_dot_are_numbers(tmp_path: Path) -> None:
    # PyYAML (YAML 1.1) reads 1e-300 as text, so a tiny price or month length used to be refused as
    # "not a valid number"; read as YAML 1.2 does, the range check names the real problem.
    path = tmp_path / "x.yaml"
    path.write_text("a: 1e-300\nb: 1E8\nc: -2e+3\nd: 1e\ne: 5\nf: 0.5\n")
    assert read_yaml(path, "x", "file") == {"a": 1e-300, "b": 1e8, "c": -2000.0, "d": "1e", "e": 5, "f": 0.5}
    import yaml

    assert yaml.safe_load("a: 1e8") == {"a": "1e8"}, "expected PyYAML's own SafeLoader left unchanged"
    prices = tmp_path / "p.yaml"
    prices.write_text(default_prices_path().read_text().replace("month_hours: 730", "month_hours: 1e-300"))
    res = cli("compare", "--prices", str(prices))
    check_one_error_line(res, "month_hours", r"672 <= value <= 744")
    assert "greater than or equal to 672" in res.stderr, f"expected the range named, got {res.stderr!r}"
