"""Tables for people: a DataFrame formatted for a notebook and its HTML page.

:func:`format_table` writes money as ``$1,234.57``, shares as ``12.3%`` and counts as ``10,000``
(never ``1.000000e+04``), leaves the pandas index out, and turns a table wider than ``max_columns``
on its side (or splits it) so that it fits an ~1,000 px page. Column roles are given
(``money=[...]``, ``share=[...]``, ``count=[...]``) or inferred from the names
(:func:`column_role`). :func:`style_table` gives the pandas ``Styler`` of one table that fits, for
further styling.

A notebook calls it as a cell's last expression::

    format_table(df)                      # roles inferred from the column names
    format_table(df, money=["USD/month"]) # or named
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler
    from pandas.io.formats.style_render import CSSDict

__all__ = ["MAX_COLUMNS", "Role", "TableHTML", "column_role", "format_table", "format_value", "style_table"]

Role = Literal["money", "share", "count", "number", "text"]
"""How a column is written: USD, share of 1 as a percentage, count, other number, or as it is."""

MAX_COLUMNS = 8
"""Columns that fit an ~1,000 px page; a wider table is transposed or split."""

NA = "–"
"""Shown for a missing value."""

_COUNT_WORDS = frozenset({"docs", "documents", "count", "invocations", "throttles", "executions", "transitions",
                          "requests", "retries", "attempts", "duplicates", "replications", "steps"})
_TABLE_CSS = "border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0.4rem 0 1rem;"


def column_role(name: object) -> Role | None:
    """The role a column's name suggests, or None.

    Money: ``*_usd``, ``cost_*``, any name with the word ``usd`` or a ``$``. Share: ``share_*``,
    ``*_share``, ``p_*``, any name with the word ``share`` or a ``%``. Count: ``docs_*``, ``*_count``,
    ``invocations``, ``throttles``, ``executions``, ``transitions`` and similar words.

    Parameters
    ----------
    name
        The column label.

    Returns
    -------
    Role or None
        ``"money"``, ``"share"`` or ``"count"``; None when the name says nothing.

    Examples
    --------
    >>> [column_role(n) for n in ["cost_total_usd", "USD/month", "share_cheapest", "p_lost", "docs_per_day",
    ...                           "lambda_throttles", "latency_ms"]]
    ['money', 'money', 'share', 'share', 'count', 'count', None]
    """
    text = str(name).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    if not words:
        return None
    if "$" in text or "usd" in words or words[0] == "cost":
        return "money"
    if "%" in text or "share" in words or words[0] == "p" and len(words) > 1:
        return "share"
    if words[-1] == "count" or words[0] == "n" and len(words) > 1 or _COUNT_WORDS & set(words):
        return "count"
    return None


def _plain(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, positional (never scientific notation)."""
    import numpy as np

    return str(np.format_float_positional(value, precision=digits, unique=False, fractional=False, trim="-"))


def _missing(value: Any) -> bool:
    """None, NaN, ``pd.NA`` or ``NaT`` (never true for a container)."""
    import pandas as pd

    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: ambiguous truth value
        return False


def format_value(value: Any, role: Role) -> str:
    """One value as text for its role.

    Parameters
    ----------
    value
        A number (or anything else, written as it is).
    role
        ``"money"``: USD, 2 decimals, none from $10,000, 2 significant digits under a cent.
        ``"share"``: a share of 1 as a percentage with 1 decimal (2 significant digits under 0.1%).
        ``"count"``: thousands separators, no decimals from 100 (a mean count below keeps up to 2).
        ``"number"``: thousands separators, 4 significant digits, never scientific notation.
        ``"text"``: as it is.

    Returns
    -------
    str
        The text; ``–`` for a missing value.

    Examples
    --------
    >>> [format_value(v, "money") for v in (1234.567, 26.1, 123456.7, 0.000025, -3.5)]
    ['$1,234.57', '$26.10', '$123,457', '$0.000025', '-$3.50']
    >>> [format_value(v, "share") for v in (0.897, 1.0, 0.00042, 0)]
    ['89.7%', '100.0%', '0.042%', '0.0%']
    >>> [format_value(v, "count") for v in (100.0, 10000, 2.5, 1e8)]
    ['100', '10,000', '2.5', '100,000,000']
    >>> [format_value(v, "number") for v in (1016.933, 0.858, 1.5e-7, 12, float("nan"))]
    ['1,017', '0.858', '0.00000015', '12', '–']
    """
    if _missing(value):
        return NA
    if isinstance(value, bool) or role == "text":
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return NA
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    sign, a = ("-" if x < 0 else ""), abs(x)
    if role == "money":
        if a >= 10_000:
            return f"{sign}${a:,.0f}"
        return f"{sign}${_plain(a, 2)}" if 0 < a < 0.01 else f"{sign}${a:,.2f}"
    if role == "share":
        pct = a * 100
        return f"{sign}{_plain(pct, 2)}%" if 0 < pct < 0.1 else f"{sign}{pct:.1f}%"
    if role == "count":
        if a >= 100 or a == round(a):
            return f"{sign}{a:,.0f}"
        return f"{sign}{a:.2f}".rstrip("0").rstrip(".")
    if a == round(a) and a < 1e15:
        return f"{sign}{a:,.0f}"
    if a >= 1000:
        return f"{sign}{a:,.0f}"
    return f"{sign}{_plain(a, 4 if a >= 1 else 3)}"


def _roles(df: pd.DataFrame, money: Iterable[object], share: Iterable[object], count: Iterable[object]) -> dict[str, Role]:
    """Each column's role: as named, else inferred from its name (numbers) or ``"text"``."""
    import pandas as pd

    given: dict[str, Role] = {}
    named: tuple[tuple[Role, Iterable[object]], ...] = (("money", money), ("share", share), ("count", count))
    for role, cols in named:
        for col in map(str, cols):
            if col not in df.columns:
                raise KeyError(f"{role}: no column {col!r} in the table (columns: {', '.join(map(str, df.columns))})")
            given[col] = role
    roles: dict[str, Role] = {}
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        if col in given:
            roles[col] = given[col]
        elif numeric:
            roles[col] = column_role(col) or "number"
        else:
            roles[col] = "text"
    return roles


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """The index as columns when it carries labels (named, or unnamed but not integers: row positions
    left over from a filter are dropped), and one-level string column labels."""
    import pandas as pd

    named = any(n is not None for n in df.index.names)
    labels = named or not pd.api.types.is_integer_dtype(df.index.dtype)
    out = df.reset_index() if labels else df.reset_index(drop=True)
    if labels and not named:
        out = out.rename(columns={out.columns[0]: ""})
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in col if str(p)) for col in out.columns]
    else:
        out.columns = [str(c) for c in out.columns]
    return out


def _style(df: pd.DataFrame, formatters: Mapping[str, Callable[[Any], str]], right: Iterable[str],
           caption: str | None) -> Styler:
    """The Styler of one table: no index, escaped text, numbers (``right``) right-aligned."""
    styler = df.style.hide(axis="index").format(formatter=dict(formatters), na_rep=NA, escape="html")
    styler = styler.format_index(escape="html", axis=1)
    cells = "padding: 0.25rem 0.6rem; border-bottom: 1px solid #e3e3e3; white-space: nowrap;"
    styler = styler.set_table_styles([
        {"selector": "", "props": _TABLE_CSS},
        {"selector": "th", "props": cells + " text-align: left; border-bottom: 1px solid #999; white-space: normal;"},
        {"selector": "td", "props": cells + " text-align: left;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: 600; padding: 0.2rem 0;"},
    ])
    aligned: dict[str, list[CSSDict]] = {c: [{"selector": "td", "props": "text-align: right;"}, {"selector": "th", "props": "text-align: right;"}]
               for c in right if c in df.columns}
    if aligned:
        styler = styler.set_table_styles(aligned, overwrite=False)
    if caption:
        styler = styler.set_caption(caption)
    return styler


def style_table(df: pd.DataFrame, *, money: Iterable[object] = (), share: Iterable[object] = (),
                count: Iterable[object] = (), caption: str | None = None) -> Styler:
    """One table as a pandas ``Styler``: values written for their roles, no index, numbers right-aligned.

    It keeps every column (see :func:`format_table` for tables wider than a page).

    Parameters
    ----------
    df
        The table; a named or non-default index becomes the first column(s).
    money, share, count
        Columns of each role (labels as in ``df``); others are inferred (:func:`column_role`).
    caption
        A title shown above the table.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders in JupyterLab and in the report's HTML pages.

    Raises
    ------
    KeyError
        A named column is not in ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> html = style_table(pd.DataFrame({"pattern": ["sfn-standard"], "cost_total_usd": [1234.5]})).to_html()
    >>> "$1,234.50" in html and "sfn-standard" in html
    True
    """
    flat = _flat(df)
    roles = _roles(flat, money, share, count)
    formatters = {c: partial(format_value, role=r) for c, r in roles.items() if r != "text"}
    return _style(flat, formatters, [c for c, r in roles.items() if r != "text"], caption)


def _key(df: pd.DataFrame, roles: Mapping[str, Role]) -> str:
    """The column that names the rows: the first text column without repeats, else the first column."""
    for col in df.columns:
        if roles[col] == "text" and df[col].is_unique:
            return str(col)
    return str(df.columns[0])


class TableHTML(str):
    """An HTML table as a string that Jupyter shows as a table (``_repr_html_``), with a plain-text view."""

    text: str

    def __new__(cls, html: str, text: str = "") -> TableHTML:
        obj = super().__new__(cls, html)
        obj.text = text
        return obj

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text or str(self))


def format_table(df: pd.DataFrame, *, money: Iterable[object] = (), share: Iterable[object] = (),
                 count: Iterable[object] = (), caption: str | None = None, max_columns: int = MAX_COLUMNS) -> TableHTML:
    """A DataFrame formatted for people, as HTML that fits an ~1,000 px page.

    Money as ``$1,234.57`` (no decimals from $10,000), shares of 1 as ``12.3%``, counts as
    ``10,000``, other numbers to 4 significant digits, never in scientific notation; no pandas index
    (a named index becomes the first column). A table with more than ``max_columns`` columns is
    turned on its side (a row per column, a column per row, headed by the values of the column that
    names the rows: the first text column without repeats, else the first column) when it has at
    most ``max_columns`` rows, else split into several tables, each repeating that column.

    Parameters
    ----------
    df
        The table.
    money, share, count
        Columns of each role (labels as in ``df``); the others are inferred from their names
        (:func:`column_role`): ``*_usd``, ``cost_*`` are money; ``share_*``, ``p_*`` shares;
        ``docs_*``, ``*_count``, ``invocations``, ``throttles`` counts.
    caption
        A title shown above the table.
    max_columns
        Most columns shown side by side, count (at least 2).

    Returns
    -------
    TableHTML
        The HTML (a ``str``); a notebook cell ending with it shows the table.

    Raises
    ------
    KeyError
        A named column is not in ``df``.
    ValueError
        ``max_columns`` is below 2.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pattern": ["lambda-chain-sync", "sfn-standard"], "cost_total_usd": [77.853, 64.1],
    ...                    "success_share": [1.0, 0.897], "invocations": [1.5e6, 1.5e6]})
    >>> html = format_table(df)
    >>> [s in html for s in ("$77.85", "89.7%", "1,500,000", "e+06", "<th>0</th>")]
    [True, True, True, False, False]
    >>> wide = pd.DataFrame({"pattern": ["a", "b"], **{f"cost_{i}_usd": [i * 1000.0, 1.0] for i in range(10)}})
    >>> print("\\n".join(format_table(wide).text.splitlines()[:3]))  # on its side: a column per pattern
       pattern         a     b
    cost_0_usd     $0.00 $1.00
    cost_1_usd $1,000.00 $1.00
    """
    import pandas as pd

    if max_columns < 2:
        raise ValueError(f"max_columns: must be at least 2, got {max_columns}")
    flat = _flat(df)
    roles = _roles(flat, money, share, count)
    text = pd.DataFrame({c: [format_value(v, roles[c]) for v in flat[c]] for c in flat.columns}, columns=flat.columns)
    right = [c for c, r in roles.items() if r != "text"]
    if len(text.columns) <= max_columns:
        parts = [(text, right)]
    elif len(text) <= max_columns:
        key = _key(flat, roles)
        body = text.drop(columns=[key])
        heads = text[key].tolist()
        if len(set(heads)) < len(heads):
            heads = [f"{h} ({i + 1})" for i, h in enumerate(heads)]
        turned = pd.DataFrame(body.T.to_numpy(), columns=heads)
        turned.insert(0, key, list(body.columns))
        parts = [(turned, heads)]
    else:
        key = _key(flat, roles)
        rest = [c for c in text.columns if c != key]
        step = max_columns - 1
        parts = [(text[[key, *rest[i:i + step]]], right) for i in range(0, len(rest), step)]
    html = "\n".join(_style(part, {}, cols, caption if i == 0 else None).to_html()
                     for i, (part, cols) in enumerate(parts))
    plain = "\n\n".join(part.to_string(index=False) for part, _ in parts)
    return TableHTML(f'<div class="orchsim-table" style="max-width: 100%; overflow-x: auto;">\n{html}\n</div>', plain)
