"""The report's narrative: each section opens with a page of its results' Chinese summaries.

:func:`section_page` draws that page: the section's number and title, one
paragraph per result (``result.summary("zh")``, wrapped for CJK text: lines
break between any two characters, never before a closing mark such as ，。）),
then the list of the section's maps and tables with their page numbers.
Text stays text in the PDF (searchable). :func:`wrap` is the line breaker.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from .._text import display_width

__all__ = ["section_page", "wrap", "NUMERALS"]

NUMERALS = "一二三四五六七八九十"
#: marks that must not begin a line (Chinese line-breaking rules, 避头点)
_NO_START = set("，。、；：？！）》」』”’%,.;:?!)]}·…—")
#: marks that must not end a line (避尾点)
_NO_END = set("（《「『“‘([{")


def numeral(n: int) -> str:
    """Chinese section numeral: 1 → 一, 10 → 十, 12 → 十二, 21 → 二十一.

    >>> [numeral(n) for n in (1, 9, 10, 12, 20, 21)]
    ['一', '九', '十', '十二', '二十', '二十一']
    """
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def wrap(text: str, width: int, *, indent: int = 0) -> list[str]:
    """Break ``text`` into lines at most ``width`` display columns wide (a CJK character is 2).

    Lines may break between any two CJK characters; runs of Latin letters and
    digits (``1,525.00``, ``JBNT``) are kept whole; a closing mark (，。）)
    never starts a line — the character before it moves down with it — and an
    opening mark (（《) never ends one. ``indent``
    columns of the first line are taken by the paragraph's indent.

    >>> wrap("预审项目61个，受理面积1,525亩。", 12)
    ['预审项目61', '个，受理面积', '1,525亩。']
    >>> wrap("面积合计由207,975,010.15平方米调整", 16)
    ['面积合计由', '207,975,010.15平', '方米调整']
    """
    tokens: list[str] = []
    for ch in text:
        if tokens and ch.isascii() and not ch.isspace() and tokens[-1][-1].isascii() \
                and not tokens[-1][-1].isspace():  # 207,975,010.15 and -0.07 stay whole
            tokens[-1] += ch
        else:
            tokens.append(ch)
    lines: list[str] = []
    current: list[str] = []
    room = width - indent
    for tok in tokens:
        if current and display_width("".join(current) + tok) > room:
            carry: list[str] = []
            if tok in _NO_START:
                # a closing mark may not start the line: take the last character(s) with it
                while len(current) > 1 and (current[-1] in _NO_START or not carry):
                    carry.insert(0, current.pop())
                    if carry[0] not in _NO_START:
                        break
            while len(current) > 1 and current[-1] in _NO_END:  # nor an opening mark end one
                carry.insert(0, current.pop())
            if current[-1] in _NO_END or (carry and carry[0] in _NO_START):
                current += carry  # nothing can move: let the mark hang
                carry = []
            else:
                lines.append("".join(current).rstrip())
                current, room = carry, width
            if tok.isspace() and not current:
                continue
        current.append(tok)
    if "".join(current).strip():
        lines.append("".join(current).rstrip())
    return lines


def section_page(number: int, title: str, paragraphs: Sequence[str],
                 contents: Sequence[tuple[str, int]] = ()) -> Figure:
    """An A4 page opening a report section: heading, summary paragraphs, its maps and tables.

    ``contents`` lists the section's pages as (title, page number).

    Examples
    --------
    >>> fig = section_page(1, "土地利用现状", ["土地利用现状：图斑7,064个。"], [("土地利用现状图", 3)])
    >>> [t.get_text() for t in fig.texts][:2]
    ['一、土地利用现状', '\\u3000\\u3000土地利用现状：图斑7,064个。']
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..maps._fonts import font, map_rc
    from ..maps.composer import page_size

    w_in, h_in = page_size("A4", "portrait")
    size = 11.0
    line_in = size * 1.75 / 72
    left, right = 0.12, 0.88
    columns = int((right - left) * w_in * 72 / (size * 0.5))  # a CJK character is about 1 em
    with matplotlib.rc_context(map_rc()):
        fig = Figure(figsize=(w_in, h_in))
        FigureCanvasAgg(fig)
        fig.text(left, 0.9, f"{numeral(number)}、{title}", ha="left", va="center",
                 fontproperties=font(17, bold=True), gid="xigeo-section-title")
        y = 0.9 - 2.2 * line_in / h_in
        for paragraph in paragraphs:
            lines = wrap(paragraph, columns, indent=4)
            text = "\n".join(["\u3000\u3000" + lines[0]] + lines[1:]) if lines else ""
            fig.text(left, y, text, ha="left", va="top", fontproperties=font(size),
                     linespacing=1.75, gid="xigeo-narrative")
            y -= (len(lines) + 0.6) * line_in / h_in
        if contents:
            y -= 0.6 * line_in / h_in
            fig.text(left, y, "本节图表", ha="left", va="top", fontproperties=font(12, bold=True),
                     gid="xigeo-section-contents-heading")
            y -= 1.6 * line_in / h_in
            step = min(line_in / h_in * 1.1, max(y - 0.06, 0.0) / max(len(contents), 1))
            for name, page in contents:
                fig.text(left + 0.03, y, name, ha="left", va="top", fontproperties=font(10),
                         gid="xigeo-section-entry")
                fig.text(right, y, str(page), ha="right", va="top", fontproperties=font(10),
                         gid="xigeo-section-page")
                y -= step
    return fig
