"""The report's section opening pages (xigeo.report.narrative): CJK line breaking and layout."""

from __future__ import annotations

import pytest

from xigeo._text import display_width
from xigeo.report.narrative import _NO_END, _NO_START, numeral, section_page, wrap

TEXTS = [
    "控制面积平差：县1个、乡镇8个、村170个控制单位，7064个图斑；图斑面积合计由207,975,010.15平方米"
    "调整为207,975,010.15平方米（控制面积207,975,010.15平方米），240个图斑面积改变。",
    "卫片执法检查：变化图斑38个（changes.shp），面积20.84公顷；已批准14个，部分批准6个，未批准18个。"
    "疑似违法用地图斑24个，未批准面积10.68公顷。结论：有疑似违法用地。",
    "Enforcement check of 3 change patches, 3.00 ha: 1 inside an approval.",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("width", [20, 37, 64, 90])
def test_wrap_keeps_text_width_and_marks(text, width):
    lines = wrap(text, width, indent=4)
    # nothing lost: the lines put back together are the text (spaces at breaks dropped)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert display_width(lines[0]) <= width - 4, lines[0]
    for line in lines[1:]:
        assert display_width(line) <= width, line
        assert line[0] not in _NO_START, line  # no closing mark at a line's start
    for line in lines[:-1]:
        assert line[-1] not in _NO_END, line  # no opening mark at a line's end
    # numbers stay whole: 207,975,010.15 is on one line
    for number in ("207,975,010.15", "20.84", "changes.shp"):
        if number in text:
            assert sum(line.count(number) for line in lines) == text.count(number), lines


def test_numerals():
    # the Chinese way of writing 1–99: 十 for ten, 十一 …, 二十, 二十一
    assert [numeral(n) for n in (1, 2, 10, 11, 19, 20, 35)] == [
        "一", "二", "十", "十一", "十九", "二十", "三十五"]


def test_section_page_texts():
    fig = section_page(3, "城乡建设用地增减挂钩", [TEXTS[0], TEXTS[1]], [("息县2026年增减挂钩项目分布图", 11),
                                                                  ("增减挂钩汇总表", 12)])
    by_gid: dict[str, list[str]] = {}
    for t in fig.texts:
        by_gid.setdefault(t.get_gid(), []).append(t.get_text())
    assert by_gid["xigeo-section-title"] == ["三、城乡建设用地增减挂钩"]
    paragraphs = by_gid["xigeo-narrative"]
    assert [p.replace("\n", "").replace("\u3000", "") for p in paragraphs] == [TEXTS[0], TEXTS[1]]
    assert by_gid["xigeo-section-entry"] == ["息县2026年增减挂钩项目分布图", "增减挂钩汇总表"]
    assert by_gid["xigeo-section-page"] == ["11", "12"]
    # the paragraphs stay inside the page and above the list of maps and tables
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() == "xigeo-narrative"]
    entries = [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() == "xigeo-section-entry"]
    for b in boxes:
        assert page.x0 < b.x0 and b.x1 < page.x1 * 0.9
        assert b.y0 > entries[0].y1
    assert boxes[0].y0 > boxes[1].y1  # one paragraph under the other, not overlapping
