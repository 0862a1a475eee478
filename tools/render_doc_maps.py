"""Render one picture of each ready-made map from the sample data, for docs/maps.md.

    python tools/render_doc_maps.py            # writes docs/_static/maps/*.png

Small PNGs (60 dpi): enough to show the layout, light enough for the repository.
"""

from __future__ import annotations

from pathlib import Path

import xigeo
from xigeo import maps, sample

OUT = Path(__file__).resolve().parents[1] / "docs" / "_static" / "maps"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    L = {name: sample.load(name) for name in sample.available if name != "minepark_dem"}
    plan = xigeo.stripping_plan(L["stripping_sources"], L["stripping_receivers"])
    enforcement = xigeo.enforcement_check(L["changes"], approvals=L["approvals"],
                                          farmland=L["jbnt"], landuse=L["dltb"])
    figures = {
        "landuse": maps.landuse_map(L["dltb"], title="息县土地利用现状图（示例）"),
        "farmland_overlap": maps.farmland_overlap_map(L["prereview"], L["jbnt"]),
        "linkage": maps.linkage_map(L["linkage_demolition"], L["linkage_newbuild"],
                                    farmland=L["jbnt"]),
        "consolidation": maps.consolidation_map(L["consolidation"], townships=L["townships"]),
        "minepark": maps.minepark_map(L["minepark"], L["minepark_pits"],
                                      restoration=L["minepark_restoration"],
                                      dem=sample.path("minepark_dem")),
        "stripping": maps.stripping_map(L["stripping_sources"], L["stripping_receivers"],
                                        flows=plan.flows),
        "enforcement": maps.enforcement_map(L["changes"], L["approvals"], result=enforcement,
                                            farmland=L["jbnt"]),
    }
    for name, fig in figures.items():
        maps.export_map(fig, OUT / f"{name}.png", dpi=60)
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
