"""A cancel is seen while the sensor export rows are sorted into series and while the buildings the sensors
are linked to are indexed (both scale with the input), and no output is left."""
from __future__ import annotations

import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.progress import Reporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.importer import write_sensors


class CancelAfterChecks(Reporter):
    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def is_cancelled(self) -> bool:
        self.calls += 1
        return self.calls > self.n


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sensors_cancel")
    district = generate_district(folder / "district", buildings=450, seed=3)
    city = folder / "city.gpkg"
    import_citymodel([district.path("citygml")], city)
    return district, city


def test_cancel_while_sorting_rows_into_series(district):
    d, _ = district
    crs = d.crs["horizontal"]
    counting = CancelAfterChecks(10 ** 9)
    series, _ = read_exports([d.path("sensors_csv")], crs, reporter=counting)
    rows = sum(len(s.times) for s in series)
    assert rows > 1000 and counting.calls > 2          # the row loop checks every 1000 rows
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        read_exports([d.path("sensors_csv")], crs, reporter=CancelAfterChecks(counting.calls - 1))


def test_cancel_while_indexing_the_buildings(district, tmp_path):
    d, city = district
    crs = d.crs["horizontal"]
    series, issues = read_exports([d.path("sensors_csv")], crs)
    out = tmp_path / "sensors.gpkg"
    reporter = CancelAfterChecks(2)                    # buildings 0 and 200 pass, 400 is cancelled
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        write_sensors(series, issues, str(out), crs, buildings=LayerRef(str(city), "buildings"), reporter=reporter)
    assert reporter.calls == 3 and not out.exists() and list(tmp_path.iterdir()) == []
    done = write_sensors(series, issues, str(out), crs, buildings=LayerRef(str(city), "buildings"))
    assert done.sensors == len({s.sensor_id for s in series}) > 0
