"""Tests of xigeo.industrial (工业用地节约集约) and the ``xigeo industrial`` command.

Hand-made parcels are 100 m × 100 m squares on the central meridian of
EPSG:4547 (CGCS2000 GK, CM 114°E), where the GK scale factor is 1 and the
survey ellipsoidal area equals the plane area to 0.01 m²: S = 10 000.00 m²
(asserted first). Every expected figure below is worked from the control
values of 国土资发〔2008〕24号 as DOMAIN.md gives them: industry 14 (food)
minimum floor-area ratio 1.0, industry 25 minimum 0.5; building coefficient
≥ 30 %; office ≤ 7 %; green ≤ 20 %; investment floor 3 000 万元/ha.
The sample figures come from sample_shapefiles/README.md ("Industrial
cluster") and DOMAIN.md ("The seed's figures").
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

import xigeo
from xigeo.area import area
from xigeo.cli.industrial import industrial_command
from xigeo.errors import CRSError, LayerReadError, LayerWriteError, OptionError, SchemaError, ValidationError
from xigeo.industrial import industrial_intensity, industrial_summary, load_thresholds
from xigeo._excel import read_table

MU = 10_000 / 15

FIELDS = ["QYBH", "HYDM", "GDZC", "ZJZMJ", "GC8MJ", "JZZDMJ", "GZWZDMJ", "DCZDMJ", "BGSHMJ",
          "LDMJ", "YYSR", "BZCF"]
ROWS = [
    # id      HYDM  GDZC    ZJZMJ    GC8MJ   JZZDMJ  GZWZDMJ DCZDMJ BGSHMJ LDMJ    YYSR    BZCF
    ("OK",     "14", 3000.0, 10000.0, 0.0,    2000.0, 500.0,  500.0, 700.0, 2000.0, 9000.0, "是"),
    ("TWICE",  "14", 1500.0, 6000.0,  4000.0, 1500.0, 500.0,  0.0,   500.0, 1000.0, 4000.0, "否"),
    ("SHORT",  "14", 1800.0, 7000.0,  500.0,  1600.0, 300.0,  200.0, 500.0, 1000.0, 3000.0, "是"),
    ("OFFICE", "14", 5000.0, 12000.0, 0.0,    3000.0, 500.0,  500.0, 900.0, 2500.0, 8000.0, "否"),
    ("T25",    "25", 4000.0, 6000.0,  0.0,    3500.0, 0.0,    0.0,   600.0, 1500.0, 6000.0, "否"),
]


def parcels(rows=ROWS, crs=4547):
    df = pd.DataFrame(rows, columns=FIELDS)
    geoms = [box(500_000 + 200 * k, 3_580_000, 500_100 + 200 * k, 3_580_100) for k in range(len(df))]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs)


def test_hand_made_site_areas_are_10000_m2():
    assert area(parcels()).tolist() == [10000.0] * 5


def test_indicators_worked_by_hand():
    t = industrial_intensity(parcels()).parcels
    assert t.index.name == "QYBH" and t.index.tolist() == ["OK", "TWICE", "SHORT", "OFFICE", "T25"]
    # intensity = GDZC / (S / 10⁴): 3000 / 1 ha etc.
    assert t["intensity_wan_yuan_per_ha"].tolist() == pytest.approx([3000, 1500, 1800, 5000, 4000])
    # FAR = (ZJZMJ + GC8MJ) / S; TWICE: (6000 + 4000) / 10000 = 1.0 (0.6 if storeys > 8 m counted once)
    assert t["far"].tolist() == pytest.approx([1.0, 1.0, 0.75, 1.2, 0.6])
    # building coefficient = (2000 + 500 + 500) / 10000 = 30 %, ...
    assert t["building_coefficient_pct"].tolist() == pytest.approx([30, 20, 21, 40, 35])
    assert t["office_share_pct"].tolist() == pytest.approx([7, 5, 5, 9, 6])
    assert t["green_ratio_pct"].tolist() == pytest.approx([20, 10, 10, 25, 15])
    assert t["min_far"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.5]
    assert t["industry_code"].tolist() == ["14", "14", "14", "14", "25"]


def test_pass_flags_and_failed_indicator_names():
    t = industrial_intensity(parcels()).parcels
    # OK sits exactly on every control value: a value at its limit passes
    assert t.loc["OK", "passed"] and t.loc["OK", "failed_indicators"] == ""
    assert t.loc["TWICE", "failed_indicators"] == "投资强度、建筑系数"
    assert t.loc["SHORT", "failed_indicators"] == "投资强度、容积率、建筑系数"
    assert t.loc["OFFICE", "failed_indicators"] == "行政办公及生活服务设施用地所占比重、绿地率"
    assert t.loc["T25", "passed"]          # FAR 0.6 ≥ 0.5, the minimum for industry 25
    assert t["passed"].tolist() == [True, False, False, False, True]
    assert t.loc["OFFICE", ["intensity_ok", "far_ok", "building_coefficient_ok"]].all()
    assert not t.loc["OFFICE", ["office_share_ok", "green_ratio_ok"]].any()


def test_land_saved_rule():
    t = industrial_intensity(parcels()).parcels
    # SHORT falls short of all three: need = max(1800/3000 × 10⁴ = 6000, 7500/1.0 = 7500,
    # 2100/0.30 = 7000) = 7500 m²; saved = 10000 − 7500 = 2500 m² = 3.75 mu
    assert t.loc["SHORT", "need_m2"] == pytest.approx(7500)
    assert t.loc["SHORT", "saved_m2"] == pytest.approx(2500)
    assert t.loc["SHORT", "saved_mu"] == pytest.approx(3.75)
    # TWICE is short of investment and coverage but meets FAR: need = 10000/1.0 = S, saves nothing
    assert t.loc["TWICE", "need_m2"] == pytest.approx(10000)
    # OFFICE has too much office and green land: that alone saves nothing;
    # need = max(5000/3000 × 10⁴, 12000, 4000/0.3) = 16 666.67 m² > S
    assert t.loc["OFFICE", "need_m2"] == pytest.approx(50_000 / 3)
    assert t["saved_m2"].tolist() == pytest.approx([0, 0, 2500, 0, 0])


def test_total_row_sums_and_ratios_of_sums():
    t = industrial_intensity(parcels()).table("parcels", total=True)
    total = t.loc["合计"]
    assert total["site_area_m2"] == pytest.approx(50_000)
    assert total["investment_wan_yuan"] == pytest.approx(15_300)
    # Σ GDZC / Σ S × 10⁴ = 15300 / 5 = 3060 万元/ha, not the sum of the rows' intensities
    assert total["intensity_wan_yuan_per_ha"] == pytest.approx(3060)
    # Σ floor (10000 + 10000 + 7500 + 12000 + 6000) / 50000 = 0.91
    assert total["far"] == pytest.approx(0.91)
    assert total["building_coefficient_pct"] == pytest.approx((3000 + 2000 + 2100 + 4000 + 3500) / 500)
    assert total["saved_mu"] == pytest.approx(3.75)
    assert len(t) == 6


def test_chinese_labels():
    t = industrial_intensity(parcels()).table("parcels", labels="zh", total=True)
    for name in ("投资强度(万元/公顷)", "容积率", "建筑系数(%)", "绿地率(%)", "未达标指标",
                 "可节约用地面积(亩)"):
        assert name in t.columns
    assert t.loc["合计", "可节约用地面积(亩)"] == pytest.approx(3.75)


def test_intensity_floor_is_a_parameter():
    t = industrial_intensity(parcels(), intensity_floor=1500).parcels
    # at 1 500 万元/ha TWICE meets the floor; SHORT (1 800) does too, so it saves nothing
    assert t.loc["TWICE", "failed_indicators"] == "建筑系数"
    assert t.loc["SHORT", "saved_m2"] == 0
    assert (t["intensity_floor_wan_yuan_per_ha"] == 1500).all()
    with pytest.raises(OptionError, match="intensity_floor=0"):
        industrial_intensity(parcels(), intensity_floor=0)


def test_thresholds_csv_per_industry_floor_wins(tmp_path):
    csv = tmp_path / "控制指标.csv"
    csv.write_text("industry_code,min_far,intensity_floor_wan_yuan_per_ha\n14,0.7,1800\n*,0.5,\n",
                   encoding="utf-8")
    t = industrial_intensity(parcels(), thresholds=csv, intensity_floor=4500).parcels
    # industry 14 uses the table's 1800; industry 25 falls to the '*' row with the parameter's 4500
    assert t["intensity_floor_wan_yuan_per_ha"].tolist() == [1800, 1800, 1800, 1800, 4500]
    # SHORT: 1800 ≥ 1800 and FAR 0.75 ≥ 0.7: only coverage fails, nothing saved
    assert t.loc["SHORT", "failed_indicators"] == "建筑系数"
    assert t.loc["T25", "failed_indicators"] == "投资强度"      # 4000 < 4500
    assert t.loc["T25", "industry_code"] == "25"
    # columns the table leaves out take the 2008 values (30 / 7 / 20)
    assert load_thresholds(csv).loc["14", "max_green_ratio_pct"] == 20


def test_thresholds_csv_not_utf8(tmp_path):
    csv = tmp_path / "gbk.csv"
    csv.write_bytes("industry_code,industry_name,min_far\n14,食品制造业,1.0\n".encode("gbk"))
    with pytest.raises(LayerReadError, match="CSV UTF-8"):
        load_thresholds(csv)
    csv.write_bytes("\ufeffindustry_code,min_far\n14,1.1\n".encode("utf-8"))   # Excel's BOM
    assert load_thresholds(csv).loc["14", "min_far"] == 1.1


def test_thresholds_dict_and_dataframe():
    t = industrial_intensity(parcels(), thresholds={"14": 0.7, "25": {"min_far": 0.8}}).parcels
    assert t.loc["SHORT", "far_ok"] and not t.loc["T25", "far_ok"]
    frame = load_thresholds().reset_index()
    frame.loc[frame["industry_code"] == "14", "max_office_share_pct"] = 10.0
    t = industrial_intensity(parcels(), thresholds=frame).parcels
    assert t.loc["OFFICE", "failed_indicators"] == "绿地率"      # 9 % ≤ 10 %
    # a table row must be a division: "1411" (a class) would silently stand for all of 14
    with pytest.raises(ValidationError, match="industry_code 须为 GB/T 4754 的大类.*发现 1411"):
        load_thresholds({"1411": 1.0})
    with pytest.raises(ValidationError, match=r"min_far 须 > 0，行号：14"):
        load_thresholds({"14": 0.0})


def test_region_class_table(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("region_class,industry_code,min_far,intensity_floor_wan_yuan_per_ha\n"
                   "七类,14,1.0,1500\n七类,25,0.5,1500\n八类,14,1.0,1200\n八类,25,0.5,1200\n",
                   encoding="utf-8")
    t = industrial_intensity(parcels(), thresholds=csv, region_class="八类").parcels
    assert (t["intensity_floor_wan_yuan_per_ha"] == 1200).all()
    with pytest.raises(ValidationError, match="七类, 八类"):
        industrial_intensity(parcels(), thresholds=csv)
    with pytest.raises(ValidationError, match="没有地区等别 '九类'；现有：七类, 八类"):
        load_thresholds(csv, region_class="九类")


def test_bundled_table_is_domain_md():
    t = load_thresholds()
    # DOMAIN.md: 1.0 for 13 14 15 18 19 24 30 40 41 42; 0.8 for 17 20-23 28 29;
    # 0.7 for 27 31 34-37 39 43; 0.6 for 26 32 33; 0.5 for 25
    expected = {**dict.fromkeys("13 14 15 18 19 24 30 40 41 42".split(), 1.0),
                **dict.fromkeys("17 20 21 22 23 28 29".split(), 0.8),
                **dict.fromkeys("27 31 34 35 36 37 39 43".split(), 0.7),
                **dict.fromkeys("26 32 33".split(), 0.6), "25": 0.5}
    assert t["min_far"].to_dict() == expected
    assert (t["min_building_coefficient_pct"] == 30).all()
    assert (t["max_office_share_pct"] == 7).all() and (t["max_green_ratio_pct"] == 20).all()
    assert (t["intensity_floor_wan_yuan_per_ha"] == 3000).all()
    assert t.loc["14", "industry_name"] == "食品制造业"


def test_industry_codes_normalised_and_unknown_refused():
    rows = [list(r) for r in ROWS]
    rows[0][1], rows[1][1], rows[2][1] = 14, "1411", "C14"     # int, 4-digit class, section letter
    t = industrial_intensity(parcels(rows)).parcels
    assert t["industry_code"].tolist()[:3] == ["14", "14", "14"]
    rows[3][1], rows[4][1] = "16", "38"    # not in the bundled table
    with pytest.raises(ValidationError, match=r"行业代码 16, 38 在控制指标表.*中没有对应行（行号：OFFICE, T25）"):
        industrial_intensity(parcels(rows))
    with xigeo.using_language("en"), pytest.raises(
            ValidationError, match=r"16, 38 have no row in the bundled industrial_thresholds.csv "
                                   r"\(row\(s\) OFFICE, T25\)"):
        industrial_intensity(parcels(rows))
    rows[3][1] = "x"
    with pytest.raises(ValidationError, match="OFFICE"):
        industrial_intensity(parcels(rows))


def test_missing_fields_listed_at_once():
    layer = parcels().drop(columns=["GDZC", "LDMJ"])
    with pytest.raises(SchemaError, match="GDZC, LDMJ"):
        industrial_intensity(layer)


def test_bad_values_name_the_rows():
    rows = [list(r) for r in ROWS]
    rows[2][2] = -1.0
    with pytest.raises(ValidationError, match=r"GDZC 为负数.*行号：SHORT") as err:
        industrial_intensity(parcels(rows))
    assert "SHORT" in str(err.value)
    rows = [list(r) for r in ROWS]
    rows[1][4] = 7000.0  # GC8MJ above ZJZMJ 6000
    with pytest.raises(ValidationError, match=r"大于总建筑面积 ZJZMJ，行号：TWICE"):
        industrial_intensity(parcels(rows))
    rows = [list(r) for r in ROWS]
    rows[4][0] = "OK"
    with pytest.raises(ValidationError, match="重复：OK"):
        industrial_intensity(parcels(rows))
    layer = parcels()
    layer.loc[3, "geometry"] = None
    with pytest.raises(ValidationError, match=r"几何为空或缺失（用地面积为 0），行号：OFFICE"):
        industrial_intensity(layer)


def test_crs_is_checked():
    with pytest.raises(CRSError):
        industrial_intensity(parcels(crs=None))


def test_field_names_as_options():
    layer = parcels().rename(columns={"GDZC": "TZE", "QYBH": "DKBH"}).drop(columns=["GC8MJ", "DCZDMJ"])
    t = industrial_intensity(layer, id_field="DKBH", investment_field="TZE",
                             floor_area_over_8m_field=None, yard_footprint_field=None).parcels
    # without GC8MJ, TWICE's FAR is 6000/10000 = 0.6; without yards OK's coverage is 25 %
    assert t.loc["TWICE", "far"] == pytest.approx(0.6)
    assert t.loc["OK", "building_coefficient_pct"] == pytest.approx(25)
    with pytest.raises(TypeError, match="invest_field"):
        industrial_intensity(parcels(), invest_field="TZE")
    with pytest.raises(OptionError, match="investment_field=None：该字段不能为 None"):
        industrial_intensity(parcels(), investment_field=None)


def test_site_area_from_a_field_without_geometry():
    table = pd.DataFrame(parcels().drop(columns="geometry")).assign(YDMJ=20_000.0)
    t = industrial_intensity(table, site_area_field="YDMJ").parcels
    assert t.loc["OK", "intensity_wan_yuan_per_ha"] == pytest.approx(1500)   # 3000 / 2 ha
    with pytest.raises(SchemaError, match="site_area_field="):
        industrial_intensity(table)


def test_summary_hand_made():
    s = industrial_summary(parcels())
    assert s["enterprises"] == 5 and s["passed"] == 2 and s["failed"] == 3 and s["saving"] == 1
    # Σ YYSR = 30 000 万元 = 3 亿元; standard factories OK + SHORT: ZJZMJ 10000 + 7000 = 1.7 万 m²
    assert s["revenue_yi_yuan"] == pytest.approx(3.0)
    assert s["standard_factory_floor_area_wan_m2"] == pytest.approx(1.7)
    assert s["intensity_wan_yuan_per_ha"] == pytest.approx(3060)
    assert s["saved_mu"] == pytest.approx(3.75)
    zh = industrial_intensity(parcels()).table("totals", labels="zh")["数值"]
    assert zh["主营业务收入(亿元)"] == pytest.approx(3.0)
    assert np.isnan(industrial_summary(parcels().drop(columns="YYSR"),
                                       revenue_field=None)["revenue_yi_yuan"])
    bad = parcels()
    bad.loc[0, "BZCF"] = "maybe"
    with pytest.raises(ValidationError, match=r"BZCF 须为 是 或 否，行号：OK"):
        industrial_summary(bad)


# --- the sample data: README "Industrial cluster", DOMAIN.md seed figures ------------------

@pytest.fixture(scope="module")
def sample_parcels():
    from xigeo import sample

    return sample.load("industrial")


def test_sample_cluster_figures(sample_parcels):
    t = industrial_intensity(sample_parcels).table("parcels", total=True)
    rows = t.drop(index="合计")
    assert len(rows) == 80
    # 1,506 mu saved by the intensity review, from 26 parcels
    assert round(t.loc["合计", "saved_mu"], 2) == 1506.00
    assert int((rows["saved_m2"] > 0).sum()) == 26
    # 31 fall short: the 26, three above 7 % office and two above 20 % green
    failing = rows.index[~rows["passed"].astype(bool)]
    assert len(failing) == 31
    for qybh in ("CY021", "CY057", "CY061"):
        assert rows.loc[qybh, "failed_indicators"] == "行政办公及生活服务设施用地所占比重"
    for qybh in ("CY029", "CY066"):
        assert rows.loc[qybh, "failed_indicators"] == "绿地率"
    # site area = polygon area = YDMJ to 0.01 m²
    assert np.allclose(rows["site_area_m2"], sample_parcels.set_index("QYBH")["YDMJ"], atol=0.005)
    # cluster: Σ GDZC / Σ S ≈ 3,600 万元/ha ≥ 3,000
    assert 3000 <= t.loc["合计", "intensity_wan_yuan_per_ha"] == pytest.approx(3600, rel=0.01)


def test_sample_summary(sample_parcels):
    s = industrial_summary(sample_parcels)
    assert s["enterprises"] == 80
    assert round(s["revenue_yi_yuan"], 1) == 142.5               # 1,425,000.00 万元
    assert round(s["standard_factory_floor_area_wan_m2"], 1) == 18.6  # 186,000.00 m²
    assert round(s["saved_mu"], 2) == 1506.00
    assert s["passed"] == 49 and s["failed"] == 31


# --- command line --------------------------------------------------------------------------

def test_cli_industrial_sample(tmp_path):
    from xigeo import sample

    out = tmp_path / "集约评价.xlsx"
    result = CliRunner().invoke(industrial_command, [str(sample.path("industrial")), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1,506.00" in result.output and "142.50" in result.output and "CY080" in result.output
    # a workbook is Chinese unless --labels says otherwise
    sheets = read_table(out, sheet_name=None, index_col=0)
    assert set(sheets) == {"摘要", "企业用地控制指标评价表", "产业集聚区主要指标"}
    assert sheets["企业用地控制指标评价表"].loc["合计", "可节约用地面积(亩)"] == pytest.approx(1506.0, abs=0.005)
    result = CliRunner().invoke(industrial_command, [str(sample.path("industrial")), "-o", str(out),
                                                     "--labels", "en", "--overwrite"], catch_exceptions=False)
    sheets = read_table(out, sheet_name=None, index_col=0)
    assert set(sheets) == {"summary", "indicators", "totals"}
    assert sheets["indicators"].loc["合计", "saved_mu"] == pytest.approx(1506.0, abs=0.005)
    assert sheets["totals"].loc["enterprises", "value"] == 80


def test_cli_industrial_options(tmp_path):
    layer = parcels().rename(columns={"GDZC": "TZE"})
    path = tmp_path / "企业.gpkg"
    layer.to_file(path)
    csv = tmp_path / "t.csv"
    result = CliRunner().invoke(industrial_command, [
        str(path), "--field", "investment=TZE", "--intensity-floor", "1500", "--labels", "zh",
        "-o", str(csv)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "未达标指标" in result.output and "可节约用地面积(亩)" in result.output
    written = pd.read_csv(csv, index_col=0, encoding="utf-8-sig")
    assert written.loc["SHORT", "可节约用地面积(亩)"] == 0
    bad = CliRunner().invoke(industrial_command, [str(path), "--field", "invest=TZE"])
    assert bad.exit_code == 2 and "QUANTITY=FIELD" in bad.output


def test_cli_industrial_refuses_an_existing_output(tmp_path):
    path = tmp_path / "企业.gpkg"
    parcels().to_file(path)
    runner = CliRunner()
    for name in ("集约评价.xlsx", "集约评价.csv"):
        out = tmp_path / name
        out.write_bytes(b"old")
        result = runner.invoke(industrial_command, [str(path), "-o", str(out)])
        assert result.exit_code == 1 and "已存在" in str(result.exception)
        assert out.read_bytes() == b"old"
        result = runner.invoke(industrial_command, [str(path), "-o", str(out), "--overwrite"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert out.read_bytes() != b"old"
    # checked before the layer is read: a missing input still reports the existing output
    result = runner.invoke(industrial_command, [str(tmp_path / "无.shp"), "-o", str(out)])
    assert result.exit_code == 1 and "已存在" in str(result.exception)
    written = pd.read_csv(out, index_col=0, encoding="utf-8-sig")
    assert written.loc["SHORT", "saved_mu"] == pytest.approx(3.75)


# --- the result contract --------------------------------------------------------------------

def test_result_contract_on_the_sample(sample_parcels, tmp_path):
    from xigeo import IndustrialResult
    from xigeo.headline import PUBLISHED

    result = industrial_intensity(sample_parcels)
    assert isinstance(result, IndustrialResult)
    assert result.tables() == ("parcels", "totals")
    assert result.passed is False            # 31 of the 80 fall short
    assert result.method == "ellipsoidal"
    # the published figures (DOMAIN.md): 80 enterprises, 1,506 mu saved
    assert PUBLISHED[("产业集聚区", "入驻企业")].published == 80
    assert PUBLISHED[("产业集聚区", "节约用地")].published == 1506
    totals = result.totals["value"]
    assert totals["enterprises"] == 80 and isinstance(totals["enterprises"], int)
    assert totals["passed"] == 49 and totals["failed"] == 31 and totals["saving"] == 26
    assert round(totals["saved_mu"]) == 1506
    zh, en = result.summary("zh"), result.summary("en")
    assert "企业80家" in zh and "可节约用地1,506.00亩" in zh and "主营业务收入142.50亿元" in zh
    assert "80 enterprises" in en and "1,506.00 mu" in en and "亩" not in en
    # labelled tables: what industrial_intensity(total=True, labels="zh") gave before
    parcels_zh = result.table("parcels", labels="zh", total=True)
    assert parcels_zh.index.name == "企业编号" and parcels_zh.index[-1] == "合计"
    assert parcels_zh.loc["合计", "可节约用地面积(亩)"] == pytest.approx(1506.0, abs=0.005)
    assert parcels_zh.loc["CY021", "未达标指标"] == "行政办公及生活服务设施用地所占比重"
    assert parcels_zh.columns[0] == "行业代码" and len(parcels_zh) == 81
    totals_zh = result.table("totals", labels="zh")
    assert totals_zh.index.name == "指标" and totals_zh.columns.tolist() == ["数值"]
    assert totals_zh.loc["企业数(个)", "数值"] == 80
    assert totals_zh.loc["主营业务收入(亿元)", "数值"] == pytest.approx(142.5)
    assert totals_zh.loc["标准厂房建筑面积(万平方米)", "数值"] == pytest.approx(18.6)
    assert result.table("totals").index.name == "figure"
    with pytest.raises(OptionError, match="没有合计行"):
        result.table("totals", total=True)
    html = result._repr_html_()
    assert "工业用地节约集约评价" in html and "不通过" in html and "企业80家" in html
    # the workbook: the summary and both tables, read back equal to table(labels="zh")
    book = tmp_path / "集约.xlsx"
    result.to_excel(book)
    sheets = read_table(book, sheet_name=None, index_col=0)
    assert list(sheets) == ["摘要", "企业用地控制指标评价表", "产业集聚区主要指标"]
    assert read_table(book, sheet_name="摘要", index_col=None)["摘要"].tolist() == [zh]
    back = sheets["企业用地控制指标评价表"]
    expected = parcels_zh.copy()
    # booleans read 是/否 in the workbook (also where the 合计 row made the column object)
    expected = expected.apply(lambda c: c.map(lambda v: {True: "是", False: "否"}[bool(v)]
                                                 if isinstance(v, (bool, np.bool_)) else v))
    expected["未达标指标"] = expected["未达标指标"].replace("", np.nan)
    expected.loc["合计", "行业代码"] = np.nan
    back["行业代码"] = back["行业代码"].map(lambda v: v if pd.isna(v) else str(int(v)))
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    pd.testing.assert_frame_equal(sheets["产业集聚区主要指标"], totals_zh, check_dtype=False)
    before = book.read_bytes()
    with pytest.raises(LayerWriteError, match="已存在"):
        result.to_excel(book)
    assert book.read_bytes() == before


def test_result_is_computed_once_and_summary_is_thin(sample_parcels):
    # industrial_summary is the totals table of the same computation, as floats
    s = industrial_summary(sample_parcels)
    totals = industrial_intensity(sample_parcels).totals["value"]
    assert s.index.tolist() == totals.index.tolist() and s.dtype == "float64"
    assert s.tolist() == pytest.approx([float(v) for v in totals])


def test_method_and_missing_summary_fields():
    layer = parcels()
    # hand-made parcels sit on the central meridian: the three methods agree to 0.01 m²
    for method in ("ellipsoidal", "geodesic", "planar"):
        t = industrial_intensity(layer, method=method).parcels
        assert t["site_area_m2"].tolist() == pytest.approx([10_000.0] * 5, abs=0.01)
    # off the meridian the plane area is larger than the survey area (GK scale > 1)
    far = layer.set_geometry(layer.geometry.translate(150_000, 0))
    plane = industrial_intensity(far, method="planar").parcels["site_area_m2"]
    survey = industrial_intensity(far).parcels["site_area_m2"]
    assert plane.tolist() == pytest.approx([10_000.0] * 5) and (survey < plane - 1).all()
    with pytest.raises(OptionError, match="method='survey'"):
        industrial_intensity(layer, method="survey")
    # a layer without the default revenue / standard-factory fields: those figures are left out
    result = industrial_intensity(layer.drop(columns=["YYSR", "BZCF"]))
    assert np.isnan(result.totals.loc["revenue_yi_yuan", "value"])
    assert np.isnan(result.totals.loc["standard_factory_floor_area_wan_m2", "value"])
    assert "主营业务收入" not in result.summary()
    # ... but a field named explicitly must exist, and industrial_summary needs them
    with pytest.raises(SchemaError, match="SR"):
        industrial_intensity(layer, revenue_field="SR")
    with pytest.raises(SchemaError, match="YYSR"):
        industrial_summary(layer.drop(columns="YYSR"))
