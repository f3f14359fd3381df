"""Chart titles say what and when (issue 22): "2023年务工人数（按地域）", a stock at the
report date "截至2023年6月底…"; never the township's name (the report is the township's) and
never a trailing "（户）" that repeats the 单位 line. Every chart a topic module defines is
drawn from one generated township's indicators, at the year's end and at 30 June."""
from __future__ import annotations

import inspect

import pandas as pd
import pytest

from zhenxing.data.cache import load_county, load_township, prepare
from zhenxing.topics import base, county, registry


def chart_functions():
    """Every public function of a topic module that takes one ``ind`` and returns a chart."""
    found = []
    for mod in [*registry.MODULES, county]:
        for name, f in vars(mod).items():
            if (inspect.isfunction(f) and f.__module__ == mod.__name__ and not name.startswith("_")
                    and list(inspect.signature(f).parameters) == ["ind"]
                    and "bar(" in inspect.getsource(f)):
                found.append(f)
    return found


def titles(ind: dict) -> dict[str, str]:
    out = {}
    for f in chart_functions():
        try:
            spec = f(ind)
        except (KeyError, TypeError, AttributeError):
            continue            # a county chart given a township's indicators, or the reverse
        if isinstance(spec, base.ChartSpec):
            out[f.__name__] = spec.title
    return out


@pytest.mark.parametrize("end, stock", [("2023-12-31", "截至2023年底"), ("2023-06-30", "截至2023年6月底")])
def test_township_chart_titles_say_what_and_when(tiny_dataset, end, stock):
    policy = dict(base.DEFAULT_POLICY)
    town = sorted(prepare(tiny_dataset)["townships"])[0]
    ind = registry.compute(load_township(tiny_dataset, town), town, 2023, pd.Timestamp(end), policy)
    got = titles(ind)
    assert len(got) >= 7, got                       # the sample township has most charts
    for name, title in got.items():
        assert "2023年" in title, (name, title)
        assert town not in title, (name, title)
        assert not title.endswith(("（户）", "（人）", "（元）", "（万元）", "（%）")), (name, title)
        if title.startswith("截至"):
            assert title.startswith(stock), (name, title)
    assert any(t.startswith(stock) for t in got.values())


def test_county_chart_titles_say_when(tiny_dataset):
    meta = prepare(tiny_dataset)
    towns = sorted(meta["townships"])
    policy = dict(base.DEFAULT_POLICY)
    tables = load_county(tiny_dataset, towns)
    ind = county.county(tables, towns, 2023, pd.Timestamp("2023-12-31"), policy)
    got = {n: t for n, t in titles(ind).items() if n.startswith("county_")}
    assert set(got) == {"county_paid_rates", "county_unresolved"}, got
    assert got["county_paid_rates"] == "2023年各乡镇衔接资金拨付率"
    assert got["county_unresolved"] == "截至2023年底各乡镇风险未消除监测对象"
