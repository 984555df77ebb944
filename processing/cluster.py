"""The SCHEDULER and WORKERS parameters of the algorithms that can run in partitions on Dask distributed."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .algorithm import add_advanced

SCHEDULER, WORKERS = "SCHEDULER", "WORKERS"


def add_cluster_parameters(alg: QgsProcessingAlgorithm) -> None:
    """Add SCHEDULER (a Dask scheduler address; empty: none) and WORKERS (local worker processes; 0 or 1: run
    in this process, today's behaviour), both advanced and optional."""
    scheduler = QgsProcessingParameterString(
        SCHEDULER, alg.tr("Dask scheduler for a partitioned run (e.g. tcp://10.0.0.5:8786; empty: none)"),
        defaultValue="", optional=True)
    workers = QgsProcessingParameterNumber(
        WORKERS, alg.tr("Local Dask worker processes (0 or 1: run in this process)"),
        QgsProcessingParameterNumber.Integer, defaultValue=0, optional=True, minValue=0, maxValue=1024)
    add_advanced(alg, scheduler, workers)


def cluster_parameters(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                       context: QgsProcessingContext) -> tuple[str, int]:
    """(scheduler address or "", number of local workers) of a run."""
    scheduler = (alg.parameterAsString(parameters, SCHEDULER, context) or "").strip()
    workers = alg.parameterAsInt(parameters, WORKERS, context) if parameters.get(WORKERS) is not None else 0
    return scheduler, workers
