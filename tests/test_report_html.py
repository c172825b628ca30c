"""The report's HTML opens offline and reads well, checked without a browser: pages and index load
nothing from outside their folder, each page links back to the index, takeaways are prose (not
``<pre>``), and :mod:`orchsim.charts.tables` writes tables for people.

Most checks run on small pages built here (no kernel); the last ones read the shared toy-size report
(:func:`conftest.quick_report`). ``tests/test_report_browser.py`` opens the same report in Chromium.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import QuickReport
from hypothesis import given, settings
from hypothesis import strategies as st

from orchsim.charts.tables import MAX_COLUMNS, TableHTML, column_role, format_table, format_value, style_table
from orchsim.report.execute import export_html
from orchsim.report.index import render_index, takeaway_html
from orchsim.report.params import notebook_names
from orchsim.report.runner import NotebookRun

# attributes through which a browser fetches something as the page loads (an <a href> is only followed on a click)
LOADING = {("script", "src"), ("link", "href"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
           ("iframe", "src"), ("embed", "src"), ("object", "data"), ("video", "src"), ("video", "poster"), ("audio", "src"),
           ("input", "src"), ("track", "src"), ("image", "href"), ("image", "xlink:href"), ("use", "href"), ("use", "xlink:href")}
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
SCRIPT_REMOTE = re.compile(r"(https?:)?//[\w-]+(\.[\w-]+)+[^\s'\"]*", re.IGNORECASE)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_REMOTE = re.compile(r"""(url\(\s*['"]?\s*(https?:)?//|@import\s+['"]\s*(https?:)?//)""", re.IGNORECASE)


class PageScan(HTMLParser):
    """What a page loads from outside its folder, its links in order, and the takeaways' context."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self.links: list[str] = []
        self.stack: list[str] = []
        self.takeaways: list[tuple[list[str], str]] = []  # (open tags around it, its text)
        self._in: str | None = None  # "script" or "style" while inside one
        self._takeaway_depth: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name, value in values.items():
            if (tag, name) in LOADING and any(REMOTE.match(u) for u in value.split(",")):
                self.remote.append(f"<{tag} {name}={value!r}>")
            if name == "style" and CSS_REMOTE.search(value):
                self.remote.append(f"<{tag} style={value!r}>")
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag in ("script", "style"):
            self._in = tag
        if tag not in ("br", "img", "meta", "link", "hr", "input", "source", "wbr"):
            self.stack.append(tag)
            if "takeaway" in values.get("class", "").split() and self._takeaway_depth is None:
                self.takeaways.append((list(self.stack), ""))
                self._takeaway_depth = len(self.stack)
                self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if self._takeaway_depth is not None and len(self.stack) < self._takeaway_depth:
            self.takeaways[-1] = (self.takeaways[-1][0], "".join(self._text))
            self._takeaway_depth = None

    def handle_data(self, data: str) -> None:
        address = SCRIPT_REMOTE.search(data) if self._in == "script" else None  # e.g. import("https://...")
        if address:
            self.remote.append(f"<script> naming {address.group(0)}")
        loaded = CSS_REMOTE.search(CSS_COMMENT.sub("", data)) if self._in == "style" else None
        if loaded:
            self.remote.append(f"<style> loading {loaded.group(0)}")
        if self._takeaway_depth is not None:
            self._text.append(data)


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def _png(path: Path, width: int = 30, height: int = 10) -> Path:
    import matplotlib.image

    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, [[(0.2, 0.4, 0.6)] * width] * height)
    return path


def _notebook(tmp_path: Path, html_outputs: list[str]) -> Path:
    """An executed-looking notebook: a markdown cell with dollars and a link, a code cell per HTML output."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "# Costs\nFrom \\$0.10/day to $1.25/day, see [Step Functions pricing](https://aws.amazon.com/step-functions/pricing/)."))
    for i, html in enumerate(html_outputs):
        cell = nbformat.v4.new_code_cell("import secret_source\nformat_table(df)", execution_count=i + 1)
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/html": html, "text/plain": "table"}, execution_count=i + 1)]
        nb.cells.append(cell)
    path = tmp_path / "06-costs.ipynb"
    nbformat.write(nb, path)
    return path


# --- notebook pages ---------------------------------------------------------------------------


def test_exported_page_is_offline_with_back_link_and_no_code(tmp_path: Path) -> None:
    table = format_table(pd.DataFrame({"pattern": ["sfn-standard"], "cost_total_usd": [1234.5]}))
    page = export_html(_notebook(tmp_path, [table]), tmp_path / "06-costs.html").read_text()
    found = scan(page)
    assert not found.remote, f"expected the page to load nothing from outside its folder, got {found.remote}"
    assert "<script" not in page, "expected no script at all (require.js, MathJax, mermaid.js came from a CDN)"
    assert found.links and found.links[0] == "index.html", f"expected the first link to go back to index.html, got {found.links[:3]}"
    assert "back to the report index" in page
    assert "https://aws.amazon.com/step-functions/pricing/" in found.links, "a link in the prose should stay a link"
    assert "secret_source" not in page and 'class="jp-InputPrompt' not in page, "expected code cells left out"
    assert "$1,234.50" in page and "$0.10/day to $1.25/day" in page, "expected the table and the dollars as text"


def test_index_href_is_configurable(tmp_path: Path) -> None:
    page = export_html(_notebook(tmp_path, []), tmp_path / "06-costs.html", index_href="../index.html").read_text()
    assert scan(page).links[0] == "../index.html", "expected the back link to use index_href"


# --- index --------------------------------------------------------------------------------------


def _run(tmp_path: Path, name: str, takeaway: str, charts: list[Path]) -> NotebookRun:
    return NotebookRun(name, f"Title of {name}", tmp_path / f"{name}.ipynb", tmp_path / f"{name}.html",
                       tmp_path / name / f"{name}.json", takeaway, tuple(charts), 1.5)


def test_index_renders_takeaway_as_prose_and_charts_large(tmp_path: Path) -> None:
    square = _png(tmp_path / "06-costs" / "cost.png", 30, 20)
    wide = _png(tmp_path / "06-costs" / "map.png", 90, 20)
    takeaway = "**Express** wins at $0.86/day with `sfn-express` <b>unless</b> retries & *waits* dominate"
    page = render_index(tmp_path, [_run(tmp_path, "06-costs", takeaway, [square, wide])], "pattern  USD/month",
                        generated="2025-01-01 00:00")
    found = scan(page)
    assert not found.remote and "<script" not in page, f"expected the index to load nothing from outside: {found.remote}"
    assert len(found.takeaways) == 1, "expected one takeaway"
    around, text = found.takeaways[0]
    assert "pre" not in around and around[-1] != "code", f"expected the takeaway as prose, not inside {around}"
    assert text == "Express wins at $0.86/day with sfn-express <b>unless</b> retries & waits dominate", text
    assert "<strong>Express</strong>" in page and "<code>sfn-express</code>" in page and "<em>waits</em>" in page
    assert "&lt;b&gt;unless" in page, "expected HTML in a takeaway escaped"
    assert "06-costs.html" in found.links, "expected a link to the notebook's page"
    assert re.search(r'<figure class="chart wide">.*map\.png', page), "expected a wide chart to take a whole row"
    assert 'width="30" height="20"' in page, "expected the image's size, so the layout does not jump"
    css = page[page.index("<style>"):page.index("</style>")]
    minimum = re.search(r"minmax\(min\(100%, (\d+)px\)", css)
    assert minimum and int(minimum.group(1)) >= 600, "expected charts at least 600 px wide (or the full width)"


@pytest.mark.parametrize(("text", "html"), [
    ("plain $5 and $6", "plain $5 and $6"),
    (r"escaped \$5", "escaped $5"),
    ("2 * 3 * 4", "2 * 3 * 4"),
    ("a_b_c and **b `c`**", "a_b_c and <strong>b <code>c</code></strong>"),
    ("unclosed **bold", "unclosed **bold"),
])
def test_takeaway_markdown(text: str, html: str) -> None:
    assert str(takeaway_html(text)) == html, f"expected {text!r} -> {html!r}"


# --- tables -------------------------------------------------------------------------------------


def test_column_roles_from_names() -> None:
    cases = {"cost_total_usd": "money", "wasted_usd": "money", "cost_per_1000_docs_usd": "money", "USD per month": "money",
             "share_succeeded": "share", "success_share": "share", "p_lost": "share", "lost (share)": "share",
             "docs_per_day": "count", "lambda_invocations": "count", "throttles": "count", "error_count": "count",
             "latency_ms": None, "p99 latency (s)": None, "memory_mb": None}
    got = {name: column_role(name) for name in cases}
    assert got == cases, f"expected roles {cases}, got {got}"


def test_values_for_people() -> None:
    assert format_value(1234567.891, "money") == "$1,234,568"
    assert format_value(9999.999, "money") == "$10,000.00"
    assert format_value(float("nan"), "money") == "–"
    assert format_value(0.5, "share") == "50.0%"
    assert format_value(100.0, "count") == "100" and format_value(1e8, "number") == "100,000,000"
    assert format_value("sfn-standard", "money") == "sfn-standard", "expected text left as it is"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False), st.sampled_from(["money", "share", "count", "number"]))
def test_never_scientific_notation(x: float, role: str) -> None:
    text = format_value(x, role)  # type: ignore[arg-type]
    assert "e" not in text.lower(), f"expected no scientific notation for {x!r} as {role}, got {text!r}"
    assert re.fullmatch(r"-?\$?[\d,]+(\.\d+)?%?", text), f"expected a plain number for {x!r} as {role}, got {text!r}"


def _cells(html: str) -> list[list[str]]:
    """Each table's header row, as text."""
    return [re.findall(r"<th[^>]*>([^<]*)</th>", head) for head in re.findall(r"<thead>(.*?)</thead>", html, re.DOTALL)]


def test_table_formats_roles_and_drops_index() -> None:
    df = pd.DataFrame({"pattern": ["lambda-chain-sync", "sfn-standard"], "cost_total_usd": [77.853, 64.1],
                       "share_succeeded": [1.0, 0.8974], "invocations": [1.5e6, 100.0], "latency_ms": [5099.4, 0.0123],
                       "note": ["<b>", None]}, index=[7, 9])
    table = format_table(df)
    assert isinstance(table, str) and table._repr_html_() == str(table), "expected an HTML string Jupyter shows as HTML"
    for value in ("$77.85", "$64.10", "100.0%", "89.7%", "1,500,000", "100", "5,099", "0.0123", "&lt;b&gt;", "–"):
        assert f">{value}</td>" in table, f"expected a cell {value!r} in the table"
    assert "e+" not in table and "row_heading" not in table and ">7<" not in table, "expected no index and no 1e+06"
    assert _cells(table) == [["pattern", "cost_total_usd", "share_succeeded", "invocations", "latency_ms", "note"]]
    assert "1,500,000" in table.text and "7" not in table.text.split("\n")[1][:3], "expected a plain-text view too"


def test_explicit_roles_win_and_unknown_column_fails() -> None:
    df = pd.DataFrame({"a": [0.25], "b": [1234.0], "c": [3.0]})
    table = format_table(df, share=["a"], money=["b"], count=["c"])
    assert ">25.0%</td>" in table and ">$1,234.00</td>" in table and ">3</td>" in table
    with pytest.raises(KeyError, match="money: no column 'z'"):
        format_table(df, money=["z"])


def test_named_index_becomes_a_column() -> None:
    df = pd.DataFrame({"cost_usd": [1.0, 2.0]}, index=pd.Index(["x", "y"], name="pattern"))
    assert _cells(format_table(df)) == [["pattern", "cost_usd"]], "expected the named index as the first column"
    styled = style_table(df).to_html()
    assert ">$1.00</td>" in styled and "row_heading" not in styled, "expected the Styler to hide the index too"


def test_wide_short_table_is_turned_on_its_side() -> None:
    df = pd.DataFrame({"scenario": ["s", "s"], "pattern": ["sync", "std"], **{f"cost_{i}_usd": [i, 2.0 * i] for i in range(10)}})
    table = format_table(df)
    heads = _cells(table)
    assert heads == [["pattern", "sync", "std"]], f"expected a column per pattern (the unique text column), got {heads}"
    assert ">cost_9_usd</td>" in table and ">$18.00</td>" in table


def test_wide_long_table_is_split_repeating_its_key() -> None:
    df = pd.DataFrame({"transitions": range(1, 21), **{f"{m} MB": [m * t / 64 for t in range(1, 21)] for m in range(64, 64 * 13, 64)}})
    heads = _cells(format_table(df))
    assert len(heads) == 2 and all(len(h) <= MAX_COLUMNS and h[0] == "transitions" for h in heads), \
        f"expected 2 tables of at most {MAX_COLUMNS} columns, each starting with 'transitions', got {heads}"
    assert sum(len(h) - 1 for h in heads) == 12, "expected every column in one of the parts"


def test_table_survives_the_page_export(tmp_path: Path) -> None:
    df = pd.DataFrame({"pattern": ["sfn-express"], "cost_total_usd": [28.1], "p_lost": [0.0]})
    page = export_html(_notebook(tmp_path, [format_table(df), style_table(df).to_html()]), tmp_path / "06-costs.html").read_text()
    assert page.count(">$28.10</td>") == 2 and ">0.0%</td>" in page, "expected both tables rendered in the page"


def test_table_html_prints_as_text() -> None:
    table = TableHTML("<table></table>", "a  b")
    assert str(table) == "<table></table>" and table.text == "a  b"


# --- the shared toy-size report --------------------------------------------------------------------


def _site(report: QuickReport) -> Path:
    assert report.returncode == 0, f"report failed (exit {report.returncode}): {report.stderr[-2000:]}"
    return report.site


def test_report_pages_and_index_load_nothing_from_outside(quick_report: QuickReport) -> None:
    site = _site(quick_report)
    for page in [site / "index.html", *(site / f"{n}.html" for n in notebook_names())]:
        found = scan(page.read_text())
        assert not found.remote, f"expected {page.name} to load nothing from outside its folder, got {found.remote}"
        assert "cdnjs" not in page.read_text(), f"expected no CDN address in {page.name}"


def test_report_pages_link_back_to_the_index(quick_report: QuickReport) -> None:
    site = _site(quick_report)
    for name in notebook_names():
        links = scan((site / f"{name}.html").read_text()).links
        assert links and links[0] == "index.html", f"expected {name}.html to open with a link to index.html, got {links[:2]}"


def test_report_takeaways_are_prose(quick_report: QuickReport) -> None:
    site = _site(quick_report)
    found = scan((site / "index.html").read_text())
    assert len(found.takeaways) == len(notebook_names()), f"expected a takeaway per notebook, got {len(found.takeaways)}"
    for around, text in found.takeaways:
        assert "pre" not in around and around[-1] != "code", f"expected the takeaway as prose, not inside {around}: {text[:60]}"
        assert text.strip(), "expected a non-empty takeaway"
