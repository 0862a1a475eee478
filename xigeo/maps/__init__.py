"""Report maps (专题图): Chinese title, legend, scale bar, north arrow, grid.

One entry point composes any map (:func:`thematic_map`), one writes it
(:func:`export_map`, PDF/PNG/SVG by suffix), one binds several into a report
(:func:`write_atlas`); the ready-made maps cover the bureau's routine work.
See docs/maps.md.
"""

from ._fonts import FAMILY, font_files, register_fonts
from .atlas import write_atlas
from .changes import change_map, farmland_change_map
from .composer import (FITS, PAPER_MM, MapInfo, export_map, frame_size, map_info, map_pages,
                       page_size, thematic_map)
from .palette import Palette, landuse_palette, read_palette
from .ready import (
    consolidation_map,
    enforcement_map,
    farmland_overlap_map,
    farmland_overlap_maps,
    landuse_map,
    linkage_map,
    minepark_map,
    stripping_map,
)
from .sheets import sheet_index_map
from .styles import KINDS, MapLayer, layer

__all__ = [
    "change_map", "farmland_change_map",
    "FITS", "FAMILY", "KINDS", "MapInfo", "frame_size", "map_pages", "MapLayer", "PAPER_MM", "Palette", "consolidation_map",
    "enforcement_map", "export_map", "farmland_overlap_map", "farmland_overlap_maps", "font_files", "landuse_map", "landuse_palette", "layer",
    "linkage_map", "map_info", "minepark_map", "page_size", "read_palette", "register_fonts",
    "sheet_index_map", "stripping_map", "thematic_map", "write_atlas",
]
