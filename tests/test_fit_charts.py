"""``orchsim.charts.fit``: observed against fitted duration CDFs, the finding in the title, nothing overlapping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from orchsim.charts.fit import FIGURES_GID, MAX_PANELS, fit_chart, fit_findings, fit_verdict, ks_location  # noqa: E402
from orchsim.errors import InputError  # noqa: E402
from orchsim.fit.parse import Parsed, parse_files, parse_text  # noqa: E402
from orchsim.fit.profile import FitResult, fit_logs  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def samples() -> FitResult:
    return fit_logs(parse_files([SAMPLES / "insights.csv", SAMPLES / "execution-history.json"]))


def _report(i: int, duration_ms: float, status: str = "") -> str:
    return (f"REPORT RequestId: 00000000-0000-4000-8000-{i:012d}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {int(np.ceil(duration_ms))} ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB"
            + (f"\tStatus: {status}" if status else ""))


def _parsed(name: str, durations_ms: list[float], timeouts: int = 0) -> Parsed:
    lines = [_report(i, d) for i, d in enumerate(durations_ms)]
    lines += [_report(len(lines) + i, max(durations_ms) * 1.5, "timeout") for i in range(timeouts)]
    return parse_text("\n".join(lines) + "\n", f"{name}.log", name)


def _combine(*parts: Parsed) -> Parsed:
    return Parsed(tuple(r for p in parts for r in p.reports), (), 0, (), 0)


@pytest.fixture(scope="module")
def mixed() -> FitResult:
    """steady: a clean lognormal; heavy: 80% near 100 ms and 20% near 3 s (a tail the fit cannot follow);
    const: one value (a fixed fit)."""
    rng = np.random.default_rng(12)
    steady = list(np.exp(rng.normal(np.log(200.0), 0.4, 200)))
    heavy = list(np.r_[np.exp(rng.normal(np.log(100.0), 0.15, 160)), np.exp(rng.normal(np.log(3000.0), 0.3, 40))])
    return fit_logs(_combine(_parsed("steady", steady), _parsed("heavy", heavy), _parsed("const", [250.0] * 5)))


def _title(fig: Figure) -> str:
    sup = fig._suptitle  # noqa: SLF001 - the figure title add_suptitle sets
    assert sup is not None, "expected a figure title stating the finding"
    return sup.get_text().replace("\n", " ")


def _panels(fig: Figure) -> list[matplotlib.axes.Axes]:
    return [a for a in fig.axes if a.get_visible()]


def _legend_texts(ax: matplotlib.axes.Axes) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, f"expected a legend on panel {ax.get_title()!r}"
    return [t.get_text() for t in leg.get_texts()]


def _boxes(ax: matplotlib.axes.Axes) -> list[Bbox]:
    """The window extents of a panel's legend and its box of figures."""
    leg = ax.get_legend()
    figures = [t for t in ax.texts if t.get_gid() == FIGURES_GID]
    assert leg is not None and len(figures) == 1, "expected a legend and one box of figures per panel"
    patch = figures[0].get_bbox_patch()
    assert patch is not None
    return [leg.get_window_extent(), patch.get_window_extent()]


def _assert_nothing_overlaps(fig: Figure) -> None:
    """Legend and figures boxes clear of each other, of every title, of the footer and of every curve;
    tick labels clear of each other; every text inside the figure."""
    fig.draw_without_rendering()
    canvas = fig.bbox
    sup = fig._suptitle  # noqa: SLF001
    titles = [t for t in fig.texts if t.get_text() and t is not sup] + ([sup] if sup is not None else [])
    for ax in _panels(fig):
        titles.append(ax.title)
    title_boxes = [(t.get_text()[:30], t.get_window_extent()) for t in titles]
    for name, box in title_boxes:
        assert canvas.x0 - 1 <= box.x0 and box.x1 <= canvas.x1 + 1 and canvas.y0 - 1 <= box.y0 and box.y1 <= canvas.y1 + 1, (
            f"expected {name!r} inside the figure, got {box} in {canvas}")
    for i, (_, a) in enumerate(title_boxes):
        for _, b in title_boxes[i + 1:]:
            assert not a.overlaps(b), f"expected titles and footer apart: {a} and {b}"
    for ax in _panels(fig):
        boxes = _boxes(ax)
        assert not boxes[0].overlaps(boxes[1]), f"{ax.get_title()}: legend overlaps the box of figures"
        for box in boxes:
            assert ax.bbox.contains(box.x0 + 1, box.y0 + 1) and ax.bbox.contains(box.x1 - 1, box.y1 - 1), (
                f"{ax.get_title()}: expected the box inside its panel")
            for name, other in title_boxes:
                assert not box.overlaps(other), f"{ax.get_title()}: a box overlaps {name!r}"
            for line in ax.get_lines():
                xy = ax.transData.transform(line.get_xydata())
                inside = ((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1))
                assert not inside.any(), (f"{ax.get_title()}: expected no point of {line.get_gid()} under a box, "
                                          f"got {int(inside.sum())}")
        ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text() and t.get_visible()
                 and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
        assert len(ticks) >= 2, f"{ax.get_title()}: expected at least 2 labelled x ticks"
        for a, b in zip(ticks, ticks[1:], strict=False):
            assert not a.overlaps(b), f"{ax.get_title()}: x tick labels overlap"


def test_samples_one_log_panel_per_function_and_a_good_fit_title(samples: FitResult) -> None:
    fig = fit_chart(samples)
    panels = _panels(fig)
    assert [a.get_title() for a in panels] == list(samples.functions), "expected one panel per function, in order"
    assert all(a.get_xscale() == "log" for a in panels), "expected log-scaled duration axes"
    title = _title(fig)
    assert title.startswith("The lognormal fits extract, summarise and store well"), title
    assert "heavier" not in title and "lighter" not in title, title
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "insights.csv" in footer and "2025-09-01" in footer, "expected the source and window in the footer"
    assert "lognormal by maximum likelihood (location 0); KS = largest gap between the two CDFs" in footer.replace("\n", " ")
    w, h = fig.get_size_inches()
    assert w <= 13.33 and h <= 7.5, f"expected a slide-sized figure, got {w} x {h} in"


def test_ks_annotation_matches_the_fit(samples: FitResult) -> None:
    fig = fit_chart(samples)
    for ax, f in zip(_panels(fig), samples.functions.values(), strict=True):
        ks = f.durations.ks
        (label,) = [t for t in _legend_texts(ax) if t.startswith("KS")]
        assert label.rstrip("*") == f"KS {ks:.3f}", f"expected 'KS {ks:.3f}' in {ax.get_title()}'s legend, got {label!r}"
        (segment,) = [ln for ln in ax.get_lines() if ln.get_gid() == "orchsim-ks"]
        xs, ys = segment.get_data()
        assert xs[0] == xs[1], "expected a vertical KS segment"
        at, lo, hi = ks_location(f.durations)
        assert abs(float(ys[1]) - float(ys[0])) == pytest.approx(hi - lo), "expected the segment at the largest gap drawn"
        if f.timeout_fraction == 0:  # no censored durations: the fit's KS is the gap drawn, unstarred
            assert not label.endswith("*") and hi - lo == pytest.approx(ks, abs=1e-9), f"expected a gap of KS {ks}"
        assert min(f.durations.values_ms) <= at <= max(f.durations.values_ms), "expected the gap at an observed duration"
        figures = next(t.get_text() for t in ax.texts if t.get_gid() == FIGURES_GID)
        assert f"{f.durations.summary['p95']:,.0f}" in figures and f"{f.durations.p95_ms:,.0f}" in figures, (
            "expected observed and fitted p95 in the box")


def test_heavy_tail_title_and_findings(mixed: FitResult) -> None:
    assert fit_verdict(mixed.functions["heavy"].durations) == "heavier", "expected the mixture's tail to be heavier"
    fig = fit_chart(mixed)
    title = _title(fig)
    assert "The lognormal fits steady well" in title, title
    assert "heavy's tail is heavier than the fit" in title, title
    assert "const is fixed" in title, title
    findings = fit_findings(mixed)
    assert len(findings) == 3, "expected one sentence per function"
    assert findings[0].startswith("steady: the lognormal fits well"), findings[0]
    assert "heavier" in findings[1] and f"KS {mixed.functions['heavy'].durations.ks:.3f}" in findings[1], findings[1]
    assert "fixed" in findings[2], findings[2]


def test_fixed_fit_is_one_step_marked_fixed(mixed: FitResult) -> None:
    fig = fit_chart(mixed, functions=["const"])
    (ax,) = _panels(fig)
    assert any("fixed" in t for t in _legend_texts(ax)), "expected 'fixed' in the legend"
    assert [ln.get_gid() for ln in ax.get_lines()] == ["orchsim-observed"], "expected a single step, no fit or KS"
    _assert_nothing_overlaps(fig)


def test_states_use_the_histories_states(samples: FitResult) -> None:
    fig = fit_chart(samples, states=True)
    expected = [k for k, s in samples.executions.states.items() if s.durations is not None]
    assert [a.get_title() for a in _panels(fig)] == expected, "expected one panel per timed state"
    assert "Share of visits" in _panels(fig)[0].get_ylabel()
    assert "execution histories" in " ".join(t.get_text() for t in fig.texts)
    assert len(fit_findings(samples, states=True)) == len(samples.executions.states)


def test_nothing_overlaps(samples: FitResult, mixed: FitResult) -> None:
    for fig in (fit_chart(samples), fit_chart(samples, states=True), fit_chart(mixed)):
        _assert_nothing_overlaps(fig)


def test_selection_order_and_unknown_names(samples: FitResult) -> None:
    names = list(samples.functions)[::-1][:2]
    fig = fit_chart(samples, functions=names, footer="custom source line")
    assert [a.get_title() for a in _panels(fig)] == names, "expected the panels in the order given"
    assert "custom source line" in " ".join(t.get_text() for t in fig.texts)
    with pytest.raises(InputError, match="nope"):
        fit_chart(samples, functions=["nope"])


def test_at_most_six_panels() -> None:
    rng = np.random.default_rng(3)
    parts = [_parsed(f"fn{i}", list(np.exp(rng.normal(np.log(50.0 * (i + 1)), 0.3, 30)))) for i in range(7)]
    fig = fit_chart(fit_logs(_combine(*parts)))
    assert len(_panels(fig)) == MAX_PANELS, f"expected {MAX_PANELS} panels"
    assert f"showing the first {MAX_PANELS} of 7 functions" in " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    _assert_nothing_overlaps(fig)


def test_censored_fit_stars_its_ks() -> None:
    rng = np.random.default_rng(5)
    result = fit_logs(_parsed("slow", list(np.exp(rng.normal(np.log(300.0), 0.5, 60))), timeouts=6))
    d = result.functions["slow"].durations
    fig = fit_chart(result)
    (ax,) = _panels(fig)
    (label,) = [t for t in _legend_texts(ax) if t.startswith("KS")]
    if label.endswith("*"):  # the fit took the timeouts as censored: its KS is not the gap drawn
        footer = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
        assert "KS* = for a fit with timeouts taken as censored" in footer, "expected the starred KS explained"
    assert label.rstrip("*") == f"KS {d.ks:.3f}", label
    _assert_nothing_overlaps(fig)
