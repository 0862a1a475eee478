"""Fuzz test of the coordinate-file reader (issue 13): mutated files only ever raise CoordsFileError.

Seeded: 2,000 files made from valid ones by deleting, duplicating and swapping lines,
truncating, changing numbers, inserting garbage bytes and changing encodings. Each must
read (a GeoDataFrame, with warnings allowed) or raise :class:`xigeo.errors.CoordsFileError`;
any other exception (IndexError, ValueError, AssertionError, …) is a reader bug.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from xigeo.coords import read_coords
from xigeo.errors import CoordsFileError

HEADER = """[属性描述]
格式版本号=1.01
数据产生单位=息县自然资源局
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=38
精度=0.01
[地块坐标]
"""

BASES = [
    # one rectangle, zone prefix
    HEADER + """5,1.5,XJ-01,示例地块,面,,拆旧区,0702,@
J1,1,3579900.000,38569600.000
J2,1,3579900.000,38569750.000
J3,1,3579800.000,38569750.000
J4,1,3579800.000,38569600.000
J1,1,3579900.000,38569600.000
""",
    # a parcel with a hole and a second part, then a second parcel; no prefix
    HEADER.replace("带号=38", "带号=38") + """15,4.75,XJ-02,两块,面,,建新区,0702,@
J1,1,3579900.000,569600.000
J2,1,3579900.000,569800.000
J3,1,3579700.000,569800.000
J4,1,3579700.000,569600.000
J1,1,3579900.000,569600.000
J5,2,3579850.000,569650.000
J6,2,3579850.000,569700.000
J7,2,3579800.000,569700.000
J8,2,3579800.000,569650.000
J5,2,3579850.000,569650.000
J9,3,3579900.000,570000.000
J10,3,3579900.000,570100.000
J11,3,3579800.000,570100.000
J12,3,3579800.000,570000.000
J9,3,3579900.000,570000.000
4,0.5,XJ-03,第三块,面,,建新区,0702,@
J1,1,3579500.000,569600.000
J2,1,3579500.000,569700.000
J3,1,3579400.000,569700.000
J1,1,3579500.000,569600.000
""",
    # a 13-field consolidation line, ring numbers all 1 with two rings
    HEADER + """10,2.0,ZZ-01,整治,面,,整治区,0103,旱地,0103,一级,1,,@
J1,1,3579900.000,38569600.000
J2,1,3579900.000,38569700.000
J3,1,3579800.000,38569700.000
J4,1,3579800.000,38569600.000
J1,1,3579900.000,38569600.000
K1,1,3579600.000,38569600.000
K2,1,3579600.000,38569700.000
K3,1,3579500.000,38569700.000
K4,1,3579500.000,38569600.000
K1,1,3579600.000,38569600.000
""",
]

GARBAGE = [b"\x00", b"\xff\xfe", b"\x81", b"@", b",", b"\xef\xbc\x8c", b"[", b"]", b"=", b"nan",
           b"inf", b"-", b"1e309", b"\r", b"\t", b"\xa1\xa1", b"\xe4\xb8", b"9" * 30]


def _mutate(rng: np.random.Generator, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(int(rng.integers(1, 4))):
        op = int(rng.integers(0, 9))
        i = int(rng.integers(0, len(lines))) if lines else 0
        if op == 0 and lines:                      # delete a line
            del lines[i]
        elif op == 1 and lines:                    # duplicate a line
            lines.insert(i, lines[i])
        elif op == 2 and len(lines) > 1:           # swap two lines
            j = int(rng.integers(0, len(lines)))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3 and lines:                    # change a number
            line = lines[i]
            digits = [k for k, c in enumerate(line) if c.isdigit()]
            if digits:
                k = digits[int(rng.integers(0, len(digits)))]
                new = str(rng.choice(list("0123456789.-e,")))
                lines[i] = line[:k] + new + line[k + 1:]
        elif op == 4 and lines:                    # drop or add a field
            fields = lines[i].split(",")
            if len(fields) > 1 and rng.random() < 0.5:
                del fields[int(rng.integers(0, len(fields)))]
            else:
                fields.insert(int(rng.integers(0, len(fields) + 1)), str(rng.integers(-5, 99999999)))
            lines[i] = ",".join(fields)
        elif op == 5 and lines:                    # scale a coordinate wildly
            fields = lines[i].split(",")
            if len(fields) == 4:
                try:
                    fields[2 + int(rng.integers(0, 2))] = repr(float(fields[2]) * float(rng.choice(
                        [0.0, -1.0, 10.0, 1e-6, 1e12])))
                except ValueError:
                    pass
                lines[i] = ",".join(fields)
        elif op == 6 and lines:                    # replace a line with junk text
            lines[i] = str(rng.choice(["@", ",,,,", "[地块坐标]", "[属性描述]", "带号=", "几度分带=7",
                                       "坐标系=火星", "J1,0,1,2", "J1,1,,", "1,1,1,1,1,@", "，，，"]))
        elif op == 7:                              # cut the file short
            joined = "\n".join(lines)
            lines = joined[: int(rng.integers(0, len(joined) + 1))].split("\n")
        # op 8: lines unchanged; bytes below
    data = "\n".join(lines)
    encoding = str(rng.choice(["utf-8", "gbk", "gb18030", "utf-8-sig", "utf-16", "big5"]))
    raw = data.encode(encoding, errors="replace")
    if rng.random() < 0.3:                         # insert garbage bytes
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(0, len(raw) + 1))
            raw = raw[:k] + GARBAGE[int(rng.integers(0, len(GARBAGE)))] + raw[k:]
    if rng.random() < 0.1:                         # truncate the bytes (mid-character)
        raw = raw[: int(rng.integers(0, len(raw) + 1))]
    return raw


def test_bases_are_valid(tmp_path):
    for k, text in enumerate(BASES):
        path = tmp_path / f"base{k}.txt"
        path.write_text(text, encoding="gbk")
        assert len(read_coords(path)) >= 1


def test_mutated_files_only_raise_coordsfileerror(tmp_path):
    rng = np.random.default_rng(20261202)
    path = tmp_path / "坐标.txt"
    outcomes = {"read": 0, "refused": 0}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are allowed: only exceptions are judged
        for n in range(2000):
            raw = _mutate(rng, BASES[n % len(BASES)])
            path.write_bytes(raw)
            try:
                read_coords(path)
                outcomes["read"] += 1
            except CoordsFileError:
                outcomes["refused"] += 1
            except Exception as exc:  # noqa: BLE001 - the point of the test
                pytest.fail(f"mutation {n} raised {type(exc).__name__}: {exc}\n{raw!r}")
    # both outcomes occur (a fuzz that only ever reads, or only refuses, tests little)
    assert outcomes["read"] > 100 and outcomes["refused"] > 1000, outcomes
    assert time.perf_counter() - start < 30
