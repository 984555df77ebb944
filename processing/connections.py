"""QGIS PostgreSQL connections as libpq connection strings for the core (PostGIS twin stores)."""
from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingException


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


def add_postgis_parameters(alg: QgsProcessingAlgorithm, database: str, schema: str, authcfg: str,
                           label: str | None = None) -> None:
    """Add the optional PostGIS target of ``alg``: the QGIS connection ``database`` (labelled ``label``,
    by default "Or: PostGIS connection"), its ``schema`` (default geotwin) and the authentication
    configuration ``authcfg`` for the credentials."""
    from qgis.core import (
        QgsProcessingParameterAuthConfig,
        QgsProcessingParameterDatabaseSchema,
        QgsProcessingParameterProviderConnection,
    )

    alg.addParameter(QgsProcessingParameterProviderConnection(
        database, label or alg.tr("Or: PostGIS connection"), "postgres", optional=True))
    alg.addParameter(QgsProcessingParameterDatabaseSchema(
        schema, alg.tr("PostGIS schema"), database, defaultValue="geotwin", optional=True))
    alg.addParameter(QgsProcessingParameterAuthConfig(
        authcfg, alg.tr("PostGIS credentials (authentication configuration)"), optional=True))


def output_or_connection(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: QgsProcessingContext,
                         output: str, database: str) -> tuple[str, str]:
    """The GeoPackage path of ``output`` (with .gpkg appended when missing) and the connection name of
    ``database``, exactly one of them non-empty; QgsProcessingException when both or neither are given."""
    path = alg.parameterAsFileOutput(parameters, output, context)
    connection = alg.parameterAsConnectionName(parameters, database, context)
    if bool(path) == bool(connection):
        raise QgsProcessingException(alg.tr("Give either an output GeoPackage or a PostGIS connection."))
    if path and not path.lower().endswith(".gpkg"):
        path += ".gpkg"
    return path, connection


def postgis_target(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: QgsProcessingContext,
                   connection: str, schema: str, authcfg: str) -> tuple[str, str]:
    """The libpq connection string of the QGIS connection ``connection`` (credentials from the parameter
    ``authcfg``) and the schema of the parameter ``schema`` (default geotwin); QgsProcessingException when
    psycopg is not installed."""
    from .dependencies import missing_message, missing_modules

    if missing_modules(("psycopg",)):
        raise QgsProcessingException(missing_message(["psycopg"]))
    name = alg.parameterAsSchema(parameters, schema, context) or "geotwin"
    return connection_dsn(alg, connection, alg.parameterAsString(parameters, authcfg, context)), name
