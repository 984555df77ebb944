"""A built sample twin for the docstring examples: the sample district imported and built once per process.

It chains the sources and the build (sample district -> city model, learning islands and sensors GeoPackages ->
twin), so it sits above the build layer (.importlinter); nothing in the core imports it, only Example blocks do.
"""
from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tiles.twin_layers import TwinExtras


@dataclass(frozen=True)
class SampleTwin:
    """The files of a built sample twin, all in one temporary ``folder``.

    Attributes:
        folder: the temporary folder holding everything below (removed when the process exits).
        district: the generated district folder (district.gml, learning_islands.geojson, sensors.csv, ...).
        city: the imported city model GeoPackage.
        islands: the imported learning islands GeoPackage.
        sensors: the sensors GeoPackage (the district's last day, 2025-06-08, of observations).
        twin: the twin GeoPackage built from the three.
    """

    folder: Path
    district: Path
    city: Path
    islands: Path
    sensors: Path
    twin: Path


_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []


@functools.cache
def sample_twin(buildings: int = 12) -> SampleTwin:
    """Generate the sample district, import its city model, learning islands and sensors and build a twin from
    them, once per process and building count; later calls return the same files. Treat them as read-only and
    write outputs into a folder of your own.

    Args:
        buildings: how many buildings the district has (10 to 1,000,000; keep it small, it is built in full).

    Returns:
        The SampleTwin with the paths of the district and of the GeoPackages.

    Raises:
        InputError: a building count the sample district does not allow.

    Example:
        >>> sample = sample_twin()
        >>> sample.twin.is_file(), sample.city.parent == sample.folder, sample_twin() is sample
        (True, True, True)
        >>> from geotwin.twin.kernel import gpkg
        >>> buildings = gpkg.read_table(sample.twin, "buildings", geometry=False)[1]
        >>> len(buildings), sorted(p.name for p in sample.folder.iterdir())
        (12, ['city.gpkg', 'district', 'islands.gpkg', 'sensors.gpkg', 'twin.gpkg'])
    """
    from .build import BuildInputs, build_twin
    from .citymodel.importer import import_citymodel
    from .islands.importer import import_learning_islands
    from .sample.generator import generate_district
    from .sensors.export_source import read_exports
    from .sensors.importer import write_sensors
    from .store.geopackage import GpkgStore

    holder = tempfile.TemporaryDirectory(prefix="geotwin-sample-")
    folder = Path(holder.name)
    district = folder / "district"
    generate_district(district, buildings=buildings, formats=["citygml", "islands", "sensors"])
    sample = SampleTwin(folder, district, folder / "city.gpkg", folder / "islands.gpkg", folder / "sensors.gpkg",
                        folder / "twin.gpkg")
    import_citymodel([district / "district.gml"], sample.city)
    import_learning_islands(str(district / "learning_islands.geojson"), str(sample.islands))
    exports = read_exports([district / "sensors.csv"], "EPSG:25832", start=datetime(2025, 6, 8, tzinfo=UTC))
    write_sensors(*exports, str(sample.sensors), "EPSG:25832")
    build_twin(GpkgStore(sample.twin), BuildInputs(citymodel=[str(sample.city)], islands=[str(sample.islands)],
                                                   sensors=[str(sample.sensors)]))
    _FOLDERS.append(holder)   # kept alive until the process exits, then removed
    return sample


def sample_extras() -> tuple[Path, TwinExtras]:
    """Read the extras of sample_twin() as the 3D Tiles export reads them: its sensors, learning islands and BIM.

    Returns:
        (the twin GeoPackage of sample_twin, its TwinExtras).

    Example:
        >>> twin, extras = sample_extras()
        >>> twin == sample_twin().twin, type(extras).__name__
        (True, 'TwinExtras')
    """
    from .tiles.source import read_city_model
    from .tiles.twin_layers import read_twin_extras

    twin = sample_twin().twin   # sample_twin() exactly: the cache of sample_twin(12) would be another twin
    return twin, read_twin_extras(twin, read_city_model(twin).rows)
