"""Build the Simplified Chinese map fonts shipped in ``xigeo/fonts/``.

xigeo's maps must not depend on fonts installed on the machine, and their PDFs
must embed TrueType (glyf) outlines as Type 42 fonts: CFF-outline fonts
embedded that way show no text in Ghostscript and MuPDF (matplotlib issue
20870), and Type 3 text cannot be searched. So the package carries two static
TrueType fonts built once from an OFL-licensed source with this script; the
built files are committed and this script is not needed at run time.

Source
------
Noto Sans SC, the variable TrueType font ``NotoSansSC[wght].ttf`` from Google
Fonts (glyf outlines, weight axis 100-900, licence SIL OFL 1.1, copyright
2014-2021 Adobe, Reserved Font Name "Source"), as shipped inside the PyPI
package ``justmytype-intl-cjk`` 0.1.0 (file
``justmytype_intl_cjk/fonts/ofl/notosanssc/NotoSansSC[wght].ttf``, with its
``OFL.txt`` beside it)::

    pip download --no-deps justmytype-intl-cjk==0.1.0 -d /tmp/fontsrc
    python tools/build_font.py /tmp/fontsrc/justmytype_intl_cjk-0.1.0-py3-none-any.whl \
        --extra-text sample_shapefiles/*.dbf xigeo/data/landuse_palette.csv \
                     ../shared/seed/000_7484e442be657bb9.txt

(the committed files were built with exactly this command, fontTools 4.68;
the output is byte-for-byte repeatable). A name outside GB 2312 in your own
data (a rare character in a village name) falls back to DejaVu Sans, which
has no Chinese glyphs, so matplotlib warns "Glyph ... missing": add a text
file with those names to ``--extra-text`` and rebuild.

Steps
-----
1. instantiate the variable font at wght=400 (Regular) and wght=700 (Bold)
   with ``fontTools.varLib.instancer`` (static glyf outlines, no gvar);
2. subset to GB 2312 (all 7,445 characters), ASCII, Latin-1, general and CJK
   punctuation, full-width forms, the map symbols (° ′ ″ ² ³ × − ± ㎡ …) and
   every character of the text files given with ``--extra-text`` (the sample
   data set's names), dropping hinting and OpenType layout tables that
   matplotlib does not use;
3. rename the family to "Xigeo Noto Sans SC" so the shipped files never clash
   with (or get replaced by) a Noto Sans SC installed on the machine (the OFL
   reserves only the name "Source"; a modified version may keep "Noto");
4. write ``xigeo/fonts/XigeoNotoSansSC-Regular.ttf`` and ``-Bold.ttf`` with
   fixed timestamps (the build is byte-for-byte repeatable) and copy the
   licence to ``xigeo/fonts/OFL.txt``.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

log = logging.getLogger("build_font")

FAMILY = "Xigeo Noto Sans SC"
PS_FAMILY = "XigeoNotoSansSC"
WEIGHTS = {"Regular": 400, "Bold": 700}
MEMBER = "justmytype_intl_cjk/fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
LICENCE_MEMBER = "justmytype_intl_cjk/fonts/ofl/notosanssc/OFL.txt"
FIXED_TIME = 3_847_392_000  # 2025-12-01 in seconds since 1904-01-01 (the 'head' epoch)
OUT = Path(__file__).resolve().parent.parent / "xigeo" / "fonts"

# Symbols a map needs besides GB 2312 (which already has most CJK punctuation).
EXTRA = "°′″²³×÷−±–—‘’“”…‰℃№←↑→↓↖↗↘↙㎡㎞·•◆◇■□▲△●○★☆" + "\u00a0\u2009\u202f"


def gb2312_chars() -> set[str]:
    """Every character of GB 2312 (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    chars = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def charset(extra_texts: list[Path]) -> set[int]:
    """Code points to keep in the subset."""
    chars = gb2312_chars()
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2000, 0x206F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)}
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)}
    chars |= {chr(c) for c in range(0xFFE0, 0xFFE7)}
    chars |= set(EXTRA)
    for path in extra_texts:
        # .dbf files hold binary headers: keep what decodes as UTF-8 text
        chars |= set(path.read_bytes().decode("utf-8", errors="ignore"))
    return {ord(c) for c in chars if c.isprintable() or c in EXTRA}


def read_source(source: Path) -> tuple[bytes, bytes | None]:
    """The variable font's bytes and the OFL text, from the wheel or the .ttf itself."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as whl:
            return whl.read(MEMBER), whl.read(LICENCE_MEMBER)
    licence = source.with_name("OFL.txt")
    return source.read_bytes(), licence.read_bytes() if licence.exists() else None


def rename(font: TTFont, style: str) -> None:
    """Give the instance its own family name, keeping copyright and licence records."""
    name = font["name"]
    full = f"{FAMILY} {style}" if style != "Regular" else FAMILY
    ps = f"{PS_FAMILY}-{style}"
    version = name.getDebugName(5) or "Version 2.004"
    records = {1: FAMILY, 2: style, 3: f"2.004;XIGEO;{ps}", 4: full, 5: version, 6: ps,
               16: FAMILY, 17: style,
               10: "Noto Sans SC (Google Fonts variable font) instantiated at wght="
                   f"{WEIGHTS[style]} and subset to GB 2312 for xigeo maps by tools/build_font.py"}
    keep = {0, 7, 8, 9, 11, 12, 13, 14}
    name.names = [n for n in name.names if n.nameID in keep]
    for name_id, text in records.items():
        name.setName(text, name_id, 3, 1, 0x409)
        name.setName(text, name_id, 1, 0, 0)
    os2 = font["OS/2"]
    os2.usWeightClass = WEIGHTS[style]
    bold = style == "Bold"
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = 1 if bold else 0
    font["head"].created = font["head"].modified = FIXED_TIME


def build(source: Path, out: Path, extra_texts: list[Path]) -> list[Path]:
    """Build the static subset fonts into ``out``; return the files written."""
    data, licence = read_source(source)
    keep = charset(extra_texts)
    log.info("%d code points to keep", len(keep))
    written = []
    for style, weight in WEIGHTS.items():
        font = TTFont(io.BytesIO(data), recalcTimestamp=False)
        static = instancer.instantiateVariableFont(font, {"wght": weight})
        options = subset.Options()
        options.hinting = False
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx", "VORG",
                                "DSIG", "gasp", "prep"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.glyph_names = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(static)
        rename(static, style)
        assert "glyf" in static and "CFF " not in static and "fvar" not in static
        path = out / f"{PS_FAMILY}-{style}.ttf"
        static.save(path, reorderTables=True)
        # saving recalculates nothing time-related when recalcTimestamp is off
        check = TTFont(path, recalcTimestamp=False)
        log.info("%s: %d glyphs, %.2f MB", path.name, len(check.getGlyphOrder()),
                 path.stat().st_size / 1e6)
        if path.stat().st_size > 12e6:
            raise SystemExit(f"{path} is over 12 MB; subset harder")
        written.append(path)
    if licence is not None:
        (out / "OFL.txt").write_bytes(licence)
        written.append(out / "OFL.txt")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path,
                        help="justmytype_intl_cjk-0.1.0 wheel or NotoSansSC[wght].ttf")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (xigeo/fonts)")
    parser.add_argument("--extra-text", type=Path, nargs="*", default=[],
                        help="text files whose characters must be kept (e.g. sample .dbf files)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in build(args.source, args.out, args.extra_text):
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
