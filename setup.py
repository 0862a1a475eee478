"""Build hook: ship the repository's ``sample_shapefiles/`` inside the package.

All metadata lives in setup.cfg. The sample data set is kept at the top of
the repository (where technicians look for it); when a wheel is built,
``build_py`` copies it into ``xigeo/sample/data/`` so that
``xigeo.sample.path()`` finds it after a plain ``pip install .`` too.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLE_SUFFIXES = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".tif", ".md"}


class build_py_with_sample_data(build_py):
    """``build_py`` that also copies sample_shapefiles/* to xigeo/sample/data/."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "sample_shapefiles"
        if not source.is_dir():  # building from an sdist that left the data out
            return
        target = Path(self.build_lib) / "xigeo" / "sample" / "data"
        self.mkpath(str(target))
        for item in sorted(source.iterdir()):
            if item.is_file() and item.suffix in SAMPLE_SUFFIXES:
                self.copy_file(str(item), str(target / item.name))


setup(cmdclass={"build_py": build_py_with_sample_data})
