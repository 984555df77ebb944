"""QGIS PostgreSQL connections as libpq connection strings for the core (PostGIS twin stores)."""
from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException


def connection_dsn(alg: QgsProcessingAlgorithm, name: str, authcfg: str | None) -> str:
    """The libpq connection string of the QGIS PostgreSQL connection ``name``, credentials from the
    authentication configuration ``authcfg`` if given; QgsProcessingException when there is none."""
    from qgis.core import (
        QgsDataSourceUri,
        QgsProviderConnectionException,
        QgsProviderRegistry,
    )

    try:  # not the cached list: connections change while QGIS runs
        connection = QgsProviderRegistry.instance().providerMetadata("postgres").findConnection(name, False)
    except QgsProviderConnectionException:
        connection = None
    if connection is None:
        raise QgsProcessingException(alg.tr("No PostgreSQL connection named {0}.").format(name))
    uri = QgsDataSourceUri(connection.uri())
    if authcfg:
        uri.setAuthConfigId(authcfg)
    dsn = uri.connectionInfo(True)
    if not dsn:
        raise QgsProcessingException(alg.tr("The connection {0} has no usable settings.").format(name))
    return str(dsn)
