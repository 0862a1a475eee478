"""Tests of xigeo.headline: the report's figures recomputed from the sample layers.

Expected values: the published figures of the county's report (shared/seed,
DOMAIN.md "The seed's figures"), which the sample data set is built to reproduce.
"""

import pytest

from xigeo.headline import PUBLISHED, headline_figures


@pytest.fixture(scope="module")
def figures():
    return headline_figures().set_index(["topic", "figure"])


@pytest.mark.parametrize("key, published", [
    (("建设项目用地预审", "受理项目数"), 61),
    (("建设项目用地预审", "受理面积"), 1_525),
    (("建设项目用地预审", "通过面积"), 1_286),
    (("建设项目用地预审", "核减项目数"), 6),
    (("建设项目用地预审", "核减面积"), 239),
    (("城乡建设用地增减挂钩", "建新区面积"), 395.42),
    (("城乡建设用地增减挂钩", "拆旧区面积"), 853.72),
    (("城乡建设用地增减挂钩", "节余指标"), 490.77),
    (("土地综合整治", "建设规模"), 22_374.70),
    (("土地综合整治", "新增耕地"), 2_847.31),
    (("土地综合整治", "投资"), 7.29),
    (("产业集聚区", "节约用地"), 1_506),
    (("濮公山矿山公园", "公园面积"), 2.28),
    (("表土剥离", "一期剥离面积"), 500),
])
def test_sample_reproduces_published_figures(figures, key, published):
    row = figures.loc[key]
    assert row["reported"] == published
    assert row["published"] == published and bool(row["agrees"])
    # the unrounded value is within half a unit of the report's last decimal
    assert abs(row["value"] - published) <= 0.5 * 10 ** -PUBLISHED[key].decimals


def test_every_computed_figure_agrees(figures):
    assert figures["agrees"].all()
    # every published figure is computed, none is missing from the table
    assert set(figures.index) == set(PUBLISHED)
