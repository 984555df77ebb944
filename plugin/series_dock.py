"""A sensor's time series as a chart in a dock: last 24 h, last 7 days or a range, with the unit.

Drawn with QPainter (PyQt5's QtChart is not part of QGIS's Python on every platform). The chart plots
exactly what ``twin.sensors.timeseries.read_series`` returns; ``SeriesChart.points()`` is that data.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qgis.PyQt.QtCore import QDateTime, QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QPainter, QPen, QPolygonF
from qgis.PyQt.QtWidgets import QComboBox, QDateTimeEdit, QDockWidget, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..processing.algorithm import tr
from ..twin.kernel.errors import GeoTwinError
from ..twin.sensors.timeseries import SensorSeries, SensorStore, last_window, read_series, sensor_keys

WINDOW_CHOICES = (("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("range", "Range"))


class SeriesChart(QWidget):
    """A line chart of one SensorSeries: time on x, the value with its unit on y."""

    MARGIN = (64, 16, 16, 40)   # left, top, right, bottom

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: SensorSeries | None = None
        self.setMinimumSize(320, 200)

    def set_series(self, series: SensorSeries | None) -> None:
        self.series = series
        self.update()

    def points(self) -> list[tuple[float, float]]:
        """The plotted points: (seconds since 1970 UTC, value)."""
        if self.series is None:
            return []
        return [(t.timestamp(), v) for t, v in zip(self.series.times, self.series.values)]

    def y_axis_title(self) -> str:
        if self.series is None:
            return ""
        unit = f" [{self.series.unit}]" if self.series.unit else ""
        return f"{self.series.observed_property or self.series.name}{unit}"

    def x_axis_title(self) -> str:
        if self.series is None or not self.points():
            return tr("No observations in this window")
        return tr("Time (UTC): {0} – {1}").format(self.series.times[0].strftime("%Y-%m-%d %H:%M"),
                                                   self.series.times[-1].strftime("%Y-%m-%d %H:%M"))

    def plot_area(self) -> QRectF:
        left, top, right, bottom = self.MARGIN
        return QRectF(left, top, max(1, self.width() - left - right), max(1, self.height() - top - bottom))

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt API name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        area = self.plot_area()
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        painter.setPen(QColor("black"))
        painter.drawText(QRectF(0, self.height() - 20, self.width(), 20), Qt.AlignCenter, self.x_axis_title())
        painter.save()
        painter.translate(14, area.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-area.height() / 2, -10, area.height(), 20), Qt.AlignCenter, self.y_axis_title())
        painter.restore()
        pts = self.points()
        if pts:
            x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
            y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
            if x1 == x0:
                x0, x1 = x0 - 1, x1 + 1
            if y1 == y0:
                y0, y1 = y0 - 1, y1 + 1
            painter.drawText(QRectF(0, area.top() - 8, self.MARGIN[0] - 24, 16), Qt.AlignRight, f"{y1:g}")
            painter.drawText(QRectF(0, area.bottom() - 8, self.MARGIN[0] - 24, 16), Qt.AlignRight, f"{y0:g}")
            line = QPolygonF([QPointF(area.left() + (x - x0) / (x1 - x0) * area.width(),
                                      area.bottom() - (y - y0) / (y1 - y0) * area.height()) for x, y in pts])
            painter.setPen(QPen(QColor("#1f77b4"), 2))
            painter.drawPolyline(line)
        painter.end()


class SeriesDock(QDockWidget):
    """Sensor, window (24 h, 7 days, range) and the chart, for a twin or sensors GeoPackage (or a store)."""

    def __init__(self, store: SensorStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tr("Sensor time series"), parent)
        self.setObjectName("GeoTwinSeriesDock")
        self.store: SensorStore | None = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.sensor = QComboBox(body)
        self.window = QComboBox(body)
        for key, label in WINDOW_CHOICES:
            self.window.addItem(tr(label), key)
        row.addWidget(self.sensor, 2)
        row.addWidget(self.window, 1)
        layout.addLayout(row)
        rng = QHBoxLayout()
        self.start = QDateTimeEdit(body)
        self.end = QDateTimeEdit(body)
        for edit in (self.start, self.end):
            edit.setTimeSpec(Qt.UTC)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
            edit.dateTimeChanged.connect(self.refresh)
        rng.addWidget(QLabel(tr("From"), body))
        rng.addWidget(self.start)
        rng.addWidget(QLabel(tr("to"), body))
        rng.addWidget(self.end)
        layout.addLayout(rng)
        self.chart = SeriesChart(body)
        layout.addWidget(self.chart, 1)
        self.message = QLabel(body)
        layout.addWidget(self.message)
        self.setWidget(body)
        self.sensor.currentIndexChanged.connect(self.refresh)
        self.window.currentIndexChanged.connect(self.refresh)
        if store is not None:
            self.set_store(store)

    def set_store(self, store: SensorStore) -> None:
        self.store = store
        self.sensor.blockSignals(True)
        self.sensor.clear()
        for key, name, unit in sensor_keys(store):
            self.sensor.addItem(f"{name} [{unit}]" if unit else name, key)
        self.sensor.blockSignals(False)
        self.refresh()

    def set_range(self, start: datetime, end: datetime) -> None:
        """Choose "Range" from ``start`` to ``end`` (aware datetimes)."""
        for edit, when in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), Qt.UTC))
            edit.blockSignals(False)
        self.window.setCurrentIndex(self.window.findData("range"))
        self.refresh()

    def current_window(self) -> tuple[datetime, datetime]:
        """(start, end) of the chosen window; the store is set (refresh checks)."""
        assert self.store is not None
        kind = self.window.currentData()
        key = self.sensor.currentData()
        if kind == "range":
            return (self.start.dateTime().toUTC().toPyDateTime().replace(tzinfo=UTC),
                    self.end.dateTime().toUTC().toPyDateTime().replace(tzinfo=UTC))
        return last_window(self.store, key, kind)

    def refresh(self, *_args: Any) -> None:
        key = self.sensor.currentData()
        if self.store is None or key is None:
            self.chart.set_series(None)
            return
        try:
            start, end = self.current_window()
            series = read_series(self.store, key, start, end)
        except GeoTwinError as err:
            self.message.setText(str(err))
            self.chart.set_series(None)
            return
        self.message.setText(tr("{0} values").format(len(series.values)))
        self.chart.set_series(series)


def gpkg_of_layer(layer: Any) -> str | None:
    """The GeoPackage file behind a vector layer, or None."""
    if layer is None or layer.providerType() != "ogr":
        return None
    path = layer.source().split("|")[0]
    return path if path.lower().endswith(".gpkg") else None
