<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en_US">
  <context>
    <name>GeoTwin</name>
    <message>
      <location filename="../../plugin/menu.py" line="116"/>
      <source>Open twin</source>
      <translation>Open twin</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="118"/>
      <source>Twin GeoPackage (*.gpkg)</source>
      <translation>Twin GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="126"/>
      <source>Add 3D tileset</source>
      <translation>Add 3D tileset</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="127"/>
      <source>3D Tiles (tileset.json)</source>
      <translation>3D Tiles (tileset.json)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="143"/>
      <source>GeoTwin</source>
      <translation>GeoTwin</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="152"/>
      <source>No PostgreSQL connection: add one in the Data Source Manager first.</source>
      <translation>No PostgreSQL connection: add one in the Data Source Manager first.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="155"/>
      <source>Open twin from PostGIS</source>
      <translation>Open twin from PostGIS</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="155"/>
      <source>Connection</source>
      <translation>Connection</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="158"/>
      <source>Schema</source>
      <translation>Schema</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="188"/>
      <source>Opened {0}: {1} layers, {2} relations. {3} Identify a building and open its form to see its BIM rooms, learning islands and sensors.</source>
      <translation>Opened {0}: {1} layers, {2} relations. {3} Identify a building and open its form to see its BIM rooms, learning islands and sensors.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="193"/>
      <source>The DGM beside the twin was not used: {0}</source>
      <translation>The DGM beside the twin was not used: {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="206"/>
      <source>This QGIS has no 3D map view; the layers carry their 3D renderers for one that has.</source>
      <translation>This QGIS has no 3D map view; the layers carry their 3D renderers for one that has.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="216"/>
      <source>A 3D map view shows surfaces by type and BIM elements by IFC class.</source>
      <translation>A 3D map view shows surfaces by type and BIM elements by IFC class.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="244"/>
      <source>Its terrain is the DGM {0}; buildings and terrain share its heights.</source>
      <translation>Its terrain is the DGM {0}; buildings and terrain share its heights.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="247"/>
      <source>Its terrain lies at the lowest building ground, {0} m (Project Properties, Terrain).</source>
      <translation>Its terrain lies at the lowest building ground, {0} m (Project Properties, Terrain).</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="250"/>
      <source>Heights are shown {0} m lower (the lowest building ground), so the buildings stand on its flat terrain.</source>
      <translation>Heights are shown {0} m lower (the lowest building ground), so the buildings stand on its flat terrain.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="256"/>
      <source>Set DGM as 3D terrain</source>
      <translation>Set DGM as 3D terrain</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="258"/>
      <source>Digital terrain model (*.tif *.tiff *.vrt *.asc *.xyz)</source>
      <translation>Digital terrain model (*.tif *.tiff *.vrt *.asc *.xyz)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="293"/>
      <source>Added the DGM {0}. Open a twin first to see it as the 3D view's terrain.</source>
      <translation>Added the DGM {0}. Open a twin first to see it as the 3D view's terrain.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="30"/>
      <source>&amp;GeoTwin</source>
      <translation>&amp;GeoTwin</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="43"/>
      <source>Open twin…</source>
      <translation>Open twin…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="44"/>
      <source>Open a GeoTwin twin GeoPackage: styled 2D and 3D layers, buildings linked to their BIM rooms, learning islands and sensors</source>
      <translation>Open a GeoTwin twin GeoPackage: styled 2D and 3D layers, buildings linked to their BIM rooms, learning islands and sensors</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="49"/>
      <source>Open twin from PostGIS…</source>
      <translation>Open twin from PostGIS…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="52"/>
      <source>Sensor time series…</source>
      <translation>Sensor time series…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="55"/>
      <source>Set DGM as 3D terrain…</source>
      <translation>Set DGM as 3D terrain…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="56"/>
      <source>Add a digital terrain model (e.g. a DGM1 GeoTIFF) as a hillshade layer and make it the terrain of the 3D map view</source>
      <translation>Add a digital terrain model (e.g. a DGM1 GeoTIFF) as a hillshade layer and make it the terrain of the 3D map view</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="60"/>
      <source>Add 3D tileset…</source>
      <translation>Add 3D tileset…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="61"/>
      <source>Add an exported GeoTwin tileset (tileset.json) as a 3D tiles layer (QGIS 3.34 or later, tiles exported for the QGIS 3D tiles layer)</source>
      <translation>Add an exported GeoTwin tileset (tileset.json) as a 3D tiles layer (QGIS 3.34 or later, tiles exported for the QGIS 3D tiles layer)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="74"/>
      <source>Select a sensors layer of a twin GeoPackage first.</source>
      <translation>Select a sensors layer of a twin GeoPackage first.</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="115"/>
      <source>From</source>
      <translation>From</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="117"/>
      <source>to</source>
      <translation>to</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="170"/>
      <source>{0} values</source>
      <translation>{0} values</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Last 24 hours</source>
      <translation>Last 24 hours</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Last 7 days</source>
      <translation>Last 7 days</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Range</source>
      <translation>Range</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="50"/>
      <source>No observations in this window</source>
      <translation>No observations in this window</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="51"/>
      <source>Time (UTC): {0} – {1}</source>
      <translation>Time (UTC): {0} – {1}</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="94"/>
      <source>Sensor time series</source>
      <translation>Sensor time series</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="151"/>
      <source>QGIS {0} cannot show 3D Tiles (the 3D tiles layer needs QGIS 3.34 or later): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view, or look at the tileset in the web map (viewer/index.html).</source>
      <translation>QGIS {0} cannot show 3D Tiles (the 3D tiles layer needs QGIS 3.34 or later): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view, or look at the tileset in the web map (viewer/index.html).</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="155"/>
      <source>{0} was exported for the Cesium web map (quantised positions, meshopt compression), which the QGIS 3D tiles layer cannot display, so it was not added. Export again with the target client "QGIS 3D tiles layer" to see it in QGIS.</source>
      <translation>{0} was exported for the Cesium web map (quantised positions, meshopt compression), which the QGIS 3D tiles layer cannot display, so it was not added. Export again with the target client "QGIS 3D tiles layer" to see it in QGIS.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="158"/>
      <source>Added {0} as a 3D tiles layer; open a 3D map view (View &gt; 3D Map Views) to see it.</source>
      <translation>Added {0} as a 3D tiles layer; open a 3D map view (View &gt; 3D Map Views) to see it.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="160"/>
      <source>{0} is Draco-compressed (KHR_draco_mesh_compression), and this QGIS does not show that it decodes Draco (QGIS built without Draco even crashes on such tiles), so it was not added. Export again with the target client "QGIS 3D tiles layer" without "Draco compression".</source>
      <translation>{0} is Draco-compressed (KHR_draco_mesh_compression), and this QGIS does not show that it decodes Draco (QGIS built without Draco even crashes on such tiles), so it was not added. Export again with the target client "QGIS 3D tiles layer" without "Draco compression".</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="189"/>
      <source>This QGIS ({0}) has no 3D tiles layer (QgsTiledSceneLayer): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view.</source>
      <translation>This QGIS ({0}) has no 3D tiles layer (QgsTiledSceneLayer): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="232"/>
      <source>The tiles are Draco-compressed: QGIS shows them only where it was built with Draco.</source>
      <translation>The tiles are Draco-compressed: QGIS shows them only where it was built with Draco.</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>City model</source>
      <translation>City model</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>BIM</source>
      <translation>BIM</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>Learning islands &amp; sensors</source>
      <translation>Learning islands &amp; sensors</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="124"/>
      <source>Reports and links</source>
      <translation>Reports and links</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="125"/>
      <source>Buildings</source>
      <translation>Buildings</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="125"/>
      <source>Building surfaces</source>
      <translation>Building surfaces</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="126"/>
      <source>BIM buildings</source>
      <translation>BIM buildings</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="126"/>
      <source>BIM storeys</source>
      <translation>BIM storeys</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="127"/>
      <source>BIM rooms</source>
      <translation>BIM rooms</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="127"/>
      <source>BIM elements</source>
      <translation>BIM elements</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="128"/>
      <source>Learning islands</source>
      <translation>Learning islands</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="128"/>
      <source>Sensors</source>
      <translation>Sensors</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="129"/>
      <source>Observations</source>
      <translation>Observations</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="129"/>
      <source>Conflation report</source>
      <translation>Conflation report</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="130"/>
      <source>Height report</source>
      <translation>Height report</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="130"/>
      <source>Sources</source>
      <translation>Sources</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="131"/>
      <source>Links: rooms of buildings</source>
      <translation>Links: rooms of buildings</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="131"/>
      <source>Links: BIM elements of buildings</source>
      <translation>Links: BIM elements of buildings</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="133"/>
      <source>Building of the room</source>
      <translation>Building of the room</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="134"/>
      <source>Building of the element</source>
      <translation>Building of the element</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="135"/>
      <source>Learning islands in the room</source>
      <translation>Learning islands in the room</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="136"/>
      <source>Attributes</source>
      <translation>Attributes</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="153"/>
      <source>no such file</source>
      <translation>no such file</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="157"/>
      <source>not a GeoPackage ({0})</source>
      <translation>not a GeoPackage ({0})</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="168"/>
      <source>cannot list the tables ({0})</source>
      <translation>cannot list the tables ({0})</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="170"/>
      <source>no PostgreSQL connection of that name</source>
      <translation>no PostgreSQL connection of that name</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="192"/>
      <source>not a GeoTwin twin: it has no buildings layer</source>
      <translation>not a GeoTwin twin: it has no buildings layer</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="196"/>
      <source>GeoTwin: {0}</source>
      <translation>GeoTwin: {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="207"/>
      <source>the layer {0} cannot be opened</source>
      <translation>the layer {0} cannot be opened</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="209"/>
      <source>the layer {0} cannot be filtered</source>
      <translation>the layer {0} cannot be filtered</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="213"/>
      <source>style {0}: {1}</source>
      <translation>style {0}: {1}</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="294"/>
      <source>relation {0} is invalid</source>
      <translation>relation {0} is invalid</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="192"/>
      <source>DGM (terrain)</source>
      <translation>DGM (terrain)</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="194"/>
      <source>not a readable raster</source>
      <translation>not a readable raster</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="196"/>
      <source>a DGM needs one band of heights and a coordinate reference system</source>
      <translation>a DGM needs one band of heights and a coordinate reference system</translation>
    </message>
    <message>
      <location filename="../../processing/algorithm.py" line="113"/>
      <source>{0}: the file does not exist ({1})</source>
      <translation>{0}: the file does not exist ({1})</translation>
    </message>
    <message>
      <location filename="../../processing/algorithm.py" line="115"/>
      <source>{0}: not a readable vector layer ({1})</source>
      <translation>{0}: not a readable vector layer ({1})</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="102"/>
      <source>Opened the booking link in the web browser.</source>
      <translation>Opened the booking link in the web browser.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="27"/>
      <source>Book a learning island</source>
      <translation>Book a learning island</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="31"/>
      <source>Books the learning island ISLAND (its id in the learning_islands layer INPUT) from TIME for DURATION minutes for SEATS seats in the name of NAME.

First the island must have enough seats and be open for the whole time (opening hours with the public and school holidays of Baden-Württemberg). Where its calendar is a CalDAV collection, the algorithm reads it and refuses the booking when any busy event overlaps the time, naming that event; otherwise it writes the reservation (a VEVENT) into the calendar and returns its UID. AUTHCFG (Basic: user name and password) is sent only to the calendar's own host.

Islands without a CalDAV calendar: their booking_url is returned as BOOKING_URL with the placeholders {island}, {start}, {end} (ISO local times), {date}, {duration}, {seats} and {name} filled in; the plugin opens it in the web browser. An iCalendar feed is checked first, so a taken slot is refused here too. TIME is local time in Europe/Berlin.</source>
      <translation>Books the learning island ISLAND (its id in the learning_islands layer INPUT) from TIME for DURATION minutes for SEATS seats in the name of NAME.

First the island must have enough seats and be open for the whole time (opening hours with the public and school holidays of Baden-Württemberg). Where its calendar is a CalDAV collection, the algorithm reads it and refuses the booking when any busy event overlaps the time, naming that event; otherwise it writes the reservation (a VEVENT) into the calendar and returns its UID. AUTHCFG (Basic: user name and password) is sent only to the calendar's own host.

Islands without a CalDAV calendar: their booking_url is returned as BOOKING_URL with the placeholders {island}, {start}, {end} (ISO local times), {date}, {duration}, {seats} and {name} filled in; the plugin opens it in the web browser. An iCalendar feed is checked first, so a taken slot is refused here too. TIME is local time in Europe/Berlin.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="50"/>
      <source>Learning islands (learning_islands)</source>
      <translation>Learning islands (learning_islands)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="51"/>
      <source>Island id</source>
      <translation>Island id</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="54"/>
      <source>For (minutes)</source>
      <translation>For (minutes)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="57"/>
      <source>Seats</source>
      <translation>Seats</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="58"/>
      <source>Booked by (name, class)</source>
      <translation>Booked by (name, class)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="61"/>
      <source>Authentication for the CalDAV calendar</source>
      <translation>Authentication for the CalDAV calendar</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="62"/>
      <source>Booked in the calendar</source>
      <translation>Booked in the calendar</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="63"/>
      <source>Reservation UID</source>
      <translation>Reservation UID</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="64"/>
      <source>Booking link</source>
      <translation>Booking link</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="65"/>
      <source>Result</source>
      <translation>Result</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="75"/>
      <source>No island id given.</source>
      <translation>No island id given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="78"/>
      <source>No time given.</source>
      <translation>No time given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="103"/>
      <source>Twin GeoPackage</source>
      <translation>Twin GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="103"/>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="105"/>
      <source>Buildings in the twin</source>
      <translation>Buildings in the twin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="106"/>
      <source>BIM buildings matched to the city model</source>
      <translation>BIM buildings matched to the city model</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="107"/>
      <source>BIM buildings added as new buildings</source>
      <translation>BIM buildings added as new buildings</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="108"/>
      <source>BIM buildings reported as mismatches</source>
      <translation>BIM buildings reported as mismatches</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="109"/>
      <source>Buildings added since the last build</source>
      <translation>Buildings added since the last build</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="110"/>
      <source>Buildings removed since the last build</source>
      <translation>Buildings removed since the last build</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="111"/>
      <source>Buildings modified since the last build</source>
      <translation>Buildings modified since the last build</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="113"/>
      <source>CRS of the twin</source>
      <translation>CRS of the twin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="125"/>
      <source>Give a city model or at least one IFC model.</source>
      <translation>Give a city model or at least one IFC model.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="139"/>
      <source>Building the twin in {0}</source>
      <translation>Building the twin in {0}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="156"/>
      <source>{0} buildings; BIM: {1} matched, {2} added as new buildings, {3} mismatches; changes: {4} added, {5} removed, {6} modified</source>
      <translation>{0} buildings; BIM: {1} matched, {2} added as new buildings, {3} mismatches; changes: {4} added, {5} removed, {6} modified</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="160"/>
      <source>Added</source>
      <translation>Added</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="160"/>
      <source>Removed</source>
      <translation>Removed</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="161"/>
      <source>Modified</source>
      <translation>Modified</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="163"/>
      <source> (and {0} more: see the changes table)</source>
      <translation> (and {0} more: see the changes table)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="27"/>
      <source>Build digital twin</source>
      <translation>Build digital twin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="29"/>
      <source>Digital twin</source>
      <translation>Digital twin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="31"/>
      <source>Builds the linked digital twin in one GeoPackage or one PostGIS schema: the city model, the BIM buildings with their storeys, rooms and elements, the learning islands and the sensors with their observations, plus links (replaces, part_of, located_in, observes), sources (file, SHA-256, CRS, import time, GeoTwin version), the georeferencing, height and conflation reports, and the per-object hashes and changes of incremental rebuilds. The schema is documented in docs/twin-schema.md.

CITYMODEL: GeoPackages from Import 3D city model, or CityGML/CityJSON files or folders (imported on the fly). IFC: GeoPackages from Import BIM model, or IFC files (placed with their own georeferencing). ISLANDS and SENSORS: GeoPackages from the learning island and sensor imports.
Conflation: each BIM building is matched to the city-model building its ground outline overlaps best (intersection over union, IoU). With IoU at least IOU_THRESHOLD and ground and roof heights within HEIGHT_TOLERANCE it becomes that building's detailed representation: the city model keeps ids, address and attributes, the BIM adds rooms and elements. A lower IoU, a larger height offset, or no overlap while a building of the same outline lies within SEARCH_DISTANCE (a misplaced model) is a mismatch: reported in conflation_report and the log, never merged. A BIM building with no overlap and no look-alike is added as a new building. IFC content outside any building (a road, bridge, earthworks, site works: bim_buildings.ifc_class is not IfcBuilding) is never matched: it is added as an object of its own with its IFC class as object_class, and its elements are tiled.
The twin's CRS is fixed once, as the first step of the build, and reported in the log and the results: the city model's (all city model inputs must agree), else the IFC inputs' (all must agree), else that of the first learning islands or sensors input; every input in another CRS is transformed into it. CRS: (advanced, optional) fixes the twin's CRS instead, e.g. to combine city models delivered in different CRSs, which are refused without it. A rebuild into another CRS than the stored twin's rewrites every layer. The partitioned build (SCHEDULER, WORKERS) cuts its partitions in the city model's CRS and refuses any other.
Incremental rebuilds: run again into the same output after a source changed. Inputs whose checksum is unchanged are not read again, only added, removed or modified objects (by hash of geometry and attributes) are written, and the changes table and the ADDED/REMOVED/MODIFIED results say which buildings changed.
OUTPUT: a GeoPackage, written to a temporary copy that replaces it only when the build succeeds; it must be new, empty or a twin that GeoTwin wrote (any other file is refused, never overwritten). Or DATABASE: a PostgreSQL/PostGIS connection of QGIS (optionally with AUTHCFG for the credentials) and SCHEMA: a new or empty schema or one GeoTwin created, never public or a system schema; the build is one transaction, and a second build into the same schema waits for the first. Passwords are never logged.
SCHEDULER and WORKERS (advanced): a large city model can be built in spatial partitions on Dask distributed: each partition is a square of the city with about 4,000 buildings, each building is built in the partition of its footprint's centre, and the partitions are written into the output in one transaction. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) builds in this process, as before. The city model must then be GeoPackages of the city model import; BIM models, learning islands and sensors are linked to it in this process afterwards. The partitions and a record of the finished ones are kept beside the output GeoPackage (&lt;output&gt;.geotwin-work; for PostGIS in the temporary folder): a second run rebuilds only the partitions whose source files changed. Cancelling cancels the cluster's tasks.</source>
      <translation>Builds the linked digital twin in one GeoPackage or one PostGIS schema: the city model, the BIM buildings with their storeys, rooms and elements, the learning islands and the sensors with their observations, plus links (replaces, part_of, located_in, observes), sources (file, SHA-256, CRS, import time, GeoTwin version), the georeferencing, height and conflation reports, and the per-object hashes and changes of incremental rebuilds. The schema is documented in docs/twin-schema.md.

CITYMODEL: GeoPackages from Import 3D city model, or CityGML/CityJSON files or folders (imported on the fly). IFC: GeoPackages from Import BIM model, or IFC files (placed with their own georeferencing). ISLANDS and SENSORS: GeoPackages from the learning island and sensor imports.
Conflation: each BIM building is matched to the city-model building its ground outline overlaps best (intersection over union, IoU). With IoU at least IOU_THRESHOLD and ground and roof heights within HEIGHT_TOLERANCE it becomes that building's detailed representation: the city model keeps ids, address and attributes, the BIM adds rooms and elements. A lower IoU, a larger height offset, or no overlap while a building of the same outline lies within SEARCH_DISTANCE (a misplaced model) is a mismatch: reported in conflation_report and the log, never merged. A BIM building with no overlap and no look-alike is added as a new building. IFC content outside any building (a road, bridge, earthworks, site works: bim_buildings.ifc_class is not IfcBuilding) is never matched: it is added as an object of its own with its IFC class as object_class, and its elements are tiled.
The twin's CRS is fixed once, as the first step of the build, and reported in the log and the results: the city model's (all city model inputs must agree), else the IFC inputs' (all must agree), else that of the first learning islands or sensors input; every input in another CRS is transformed into it. CRS: (advanced, optional) fixes the twin's CRS instead, e.g. to combine city models delivered in different CRSs, which are refused without it. A rebuild into another CRS than the stored twin's rewrites every layer. The partitioned build (SCHEDULER, WORKERS) cuts its partitions in the city model's CRS and refuses any other.
Incremental rebuilds: run again into the same output after a source changed. Inputs whose checksum is unchanged are not read again, only added, removed or modified objects (by hash of geometry and attributes) are written, and the changes table and the ADDED/REMOVED/MODIFIED results say which buildings changed.
OUTPUT: a GeoPackage, written to a temporary copy that replaces it only when the build succeeds; it must be new, empty or a twin that GeoTwin wrote (any other file is refused, never overwritten). Or DATABASE: a PostgreSQL/PostGIS connection of QGIS (optionally with AUTHCFG for the credentials) and SCHEMA: a new or empty schema or one GeoTwin created, never public or a system schema; the build is one transaction, and a second build into the same schema waits for the first. Passwords are never logged.
SCHEDULER and WORKERS (advanced): a large city model can be built in spatial partitions on Dask distributed: each partition is a square of the city with about 4,000 buildings, each building is built in the partition of its footprint's centre, and the partitions are written into the output in one transaction. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) builds in this process, as before. The city model must then be GeoPackages of the city model import; BIM models, learning islands and sensors are linked to it in this process afterwards. The partitions and a record of the finished ones are kept beside the output GeoPackage (&lt;output&gt;.geotwin-work; for PostGIS in the temporary folder): a second run rebuilds only the partitions whose source files changed. Cancelling cancels the cluster's tasks.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="83"/>
      <source>City model (GeoPackages from the import, or CityGML/CityJSON files)</source>
      <translation>City model (GeoPackages from the import, or CityGML/CityJSON files)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="85"/>
      <source>BIM models (GeoPackages from the IFC import, or IFC files)</source>
      <translation>BIM models (GeoPackages from the IFC import, or IFC files)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="86"/>
      <source>Learning islands (GeoPackages)</source>
      <translation>Learning islands (GeoPackages)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="87"/>
      <source>Sensors (GeoPackages)</source>
      <translation>Sensors (GeoPackages)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="90"/>
      <source>Minimum footprint IoU for a match</source>
      <translation>Minimum footprint IoU for a match</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="93"/>
      <source>Height tolerance for a match (m)</source>
      <translation>Height tolerance for a match (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="96"/>
      <source>Search distance for a misplaced BIM model (m)</source>
      <translation>Search distance for a misplaced BIM model (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="98"/>
      <source>CRS of the twin (default: the inputs')</source>
      <translation>CRS of the twin (default: the inputs')</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="129"/>
      <source>City model or twin GeoPackage</source>
      <translation>City model or twin GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="131"/>
      <source>Or: PostGIS connection of the twin</source>
      <translation>Or: PostGIS connection of the twin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="132"/>
      <source>Tileset folder</source>
      <translation>Tileset folder</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="134"/>
      <source>Format</source>
      <translation>Format</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="134"/>
      <source>3D Tiles 1.1 (GLB)</source>
      <translation>3D Tiles 1.1 (GLB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="134"/>
      <source>3D Tiles 1.0 (b3dm)</source>
      <translation>3D Tiles 1.0 (b3dm)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="137"/>
      <source>Features</source>
      <translation>Features</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="137"/>
      <source>One per building</source>
      <translation>One per building</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="137"/>
      <source>One per surface</source>
      <translation>One per surface</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>Target client</source>
      <translation>Target client</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>Cesium web map</source>
      <translation>Cesium web map</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>QGIS 3D tiles layer</source>
      <translation>QGIS 3D tiles layer</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="143"/>
      <source>Compress (quantisation, meshopt)</source>
      <translation>Compress (quantisation, meshopt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="145"/>
      <source>Implicit tiling (subtrees)</source>
      <translation>Implicit tiling (subtrees)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="147"/>
      <source>Height model</source>
      <translation>Height model</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="148"/>
      <source>Automatic (best available)</source>
      <translation>Automatic (best available)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="148"/>
      <source>Quasigeoid grid (GCG2016 or the grid file)</source>
      <translation>Quasigeoid grid (GCG2016 or the grid file)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="149"/>
      <source>EGM96</source>
      <translation>EGM96</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="149"/>
      <source>Constant undulation</source>
      <translation>Constant undulation</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="150"/>
      <source>Quasigeoid grid file (GTX or GeoTIFF)</source>
      <translation>Quasigeoid grid file (GTX or GeoTIFF)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="153"/>
      <source>Constant undulation (m)</source>
      <translation>Constant undulation (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="155"/>
      <source>CesiumJS URL or local Build/Cesium folder</source>
      <translation>CesiumJS URL or local Build/Cesium folder</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="159"/>
      <source>Write the web viewer</source>
      <translation>Write the web viewer</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="161"/>
      <source>Draco compression (QGIS 3D tiles layer; needs DracoPy)</source>
      <translation>Draco compression (QGIS 3D tiles layer; needs DracoPy)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="166"/>
      <source>tileset.json</source>
      <translation>tileset.json</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="167"/>
      <source>Tiles</source>
      <translation>Tiles</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="168"/>
      <source>Height model used</source>
      <translation>Height model used</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="169"/>
      <source>Tiles written</source>
      <translation>Tiles written</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="170"/>
      <source>Tiles kept unchanged</source>
      <translation>Tiles kept unchanged</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="172"/>
      <source>Terrain tiles</source>
      <translation>Terrain tiles</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="177"/>
      <source>Terrain: digital terrain model (DGM raster)</source>
      <translation>Terrain: digital terrain model (DGM raster)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="179"/>
      <source>Terrain from the city model's TIN relief</source>
      <translation>Terrain from the city model's TIN relief</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="181"/>
      <source>Terrain: maximum number of tiles</source>
      <translation>Terrain: maximum number of tiles</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="184"/>
      <source>Basemap: XYZ or WMTS URL template (empty: offline Natural Earth II)</source>
      <translation>Basemap: XYZ or WMTS URL template (empty: offline Natural Earth II)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="187"/>
      <source>Basemap: attribution</source>
      <translation>Basemap: attribution</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="189"/>
      <source>Basemap: maximum zoom level</source>
      <translation>Basemap: maximum zoom level</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="202"/>
      <source>Give either a terrain raster or the TIN relief, not both.</source>
      <translation>Give either a terrain raster or the TIN relief, not both.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="213"/>
      <source>A basemap attribution was given without the basemap URL.</source>
      <translation>A basemap attribution was given without the basemap URL.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="227"/>
      <source>Choose the output folder.</source>
      <translation>Choose the output folder.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="237"/>
      <source>The constant height model needs GEOID_CONSTANT (metres).</source>
      <translation>The constant height model needs GEOID_CONSTANT (metres).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="241"/>
      <source>Draco compression is for the target client "QGIS 3D tiles layer"; the Cesium web map is compressed with quantisation and meshopt.</source>
      <translation>Draco compression is for the target client "QGIS 3D tiles layer"; the Cesium web map is compressed with quantisation and meshopt.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="264"/>
      <source>{0} tiles, {1} buildings, {2:.0f} bytes per building; heights: {3}</source>
      <translation>{0} tiles, {1} buildings, {2:.0f} bytes per building; heights: {3}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="266"/>
      <source>{0} tile files written, {1} kept unchanged</source>
      <translation>{0} tile files written, {1} kept unchanged</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="270"/>
      <source>Terrain: {0} tiles (levels 0 to {1}) from {2}</source>
      <translation>Terrain: {0} tiles (levels 0 to {1}) from {2}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="294"/>
      <source>Not exported in partitions on Dask ({0}): exporting in this process.</source>
      <translation>Not exported in partitions on Dask ({0}): exporting in this process.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="310"/>
      <source>The tileset was written but not added to the project: {0}</source>
      <translation>The tileset was written but not added to the project: {0}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="319"/>
      <source>Give either the city model or twin GeoPackage or the PostGIS connection of a twin.</source>
      <translation>Give either the city model or twin GeoPackage or the PostGIS connection of a twin.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="35"/>
      <source>Export 3D Tiles</source>
      <translation>Export 3D Tiles</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="37"/>
      <source>3D Tiles</source>
      <translation>3D Tiles</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="39"/>
      <source>Exports the buildings of a GeoTwin GeoPackage (from Import 3D city model, or the twin from Build digital twin) as an OGC 3D Tiles tileset, with a CesiumJS viewer (viewer/index.html) beside it that needs no Cesium ion token.
INPUT: the GeoPackage. Or, for a twin built into PostGIS, DATABASE: the PostgreSQL/PostGIS connection of QGIS (optionally with AUTHCFG for the credentials) and SCHEMA: the twin's schema; it is read through the twin store and gives the same tiles as the same twin built into a GeoPackage.

A twin adds: the BIM elements of each building with BIM detail, in a tile below the building's LoD2 tile that the viewer loads only close up (one feature per element: global_id, ifc_class, name, storey, material, ...); the learning islands and sensors as small marker features with their properties (booking URL, opening hours, seats; latest value, unit, time, SensorThings link); and islands.geojson and sensors.geojson (WGS 84, ellipsoidal height as a property) beside the tileset, shown as layers in the viewer.
Exporting again into the same OUTPUT folder rewrites only the tiles whose buildings changed (e.g. after an incremental twin build); unchanged tile files are kept as they are.
FORMAT: 3D Tiles 1.1 with GLB content (EXT_mesh_features: one feature per building, or per surface; EXT_structural_metadata: every attribute with its type, the attributes JSON flattened), or 3D Tiles 1.0 b3dm with a batch table for older viewers (QGIS up to 3.40).
COMPRESSION: positions quantised to 16 bits (KHR_mesh_quantization, error at most 1 cm) and, when the meshoptimizer package is installed, EXT_meshopt_compression.
Target client: "Cesium web map" (the default: the compression above, what the web map loads fastest) or "QGIS 3D tiles layer": positions and normals as 32-bit floats without quantisation or meshopt, the only encoding QGIS's 3D tiles layer (QGIS 3.34 or later) can read; the web map shows these tiles too. "Draco compression" (advanced, for the QGIS 3D tiles layer only, needs the DracoPy package): KHR_draco_mesh_compression, much smaller tiles (positions within 1 cm); QGIS decodes it only where it was built with Draco. QGIS up to 3.44 reads no implicit tiling: leave "Implicit tiling (subtrees)" off for it. The target is written into tileset.json (asset.extras) and export_report.json. In QGIS desktop 3.34 or later the plugin adds the exported tileset to the project as a 3D tiles layer; for a Cesium web map export it warns instead that QGIS cannot show it.
Tiling: a quadtree; leaves hold the LoD2 geometry, coarser tiles LoD1 blocks (extruded footprints). IMPLICIT writes implicit tiling with subtree files instead.
Heights: normal heights (DHHN2016, DHHN92, NAP, ...) become ellipsoidal heights with the best model available: the quasigeoid grid (GCG2016 when PROJ has de_bkg_gcg2016.tif, or the GEOID_GRID file), else EGM96 (error up to about 0.5 m, with a warning), else the constant GEOID_CONSTANT. PROJ's ballpark transformation, which ignores the geoid (about 48 m off in Karlsruhe), is refused. The method and its expected error are written into tileset.json (asset.extras) and export_report.json.
OUTPUT: a folder, replaced only when the export succeeds. To look at it, serve the folder, e.g. python3 -m http.server in it, and open viewer/index.html. CESIUM_URL: the URL of Cesium.js, or a local copy of CesiumJS's Build/Cesium folder. The web map's search box finds buildings by id, name or address (search/, an index in small parts written beside the tileset with the viewer: the page loads only the part for the typed words) and learning islands and sensors by id or name, flies there and opens the object's details.
Terrain and basemap of the web map: TERRAIN (optional): a digital terrain model raster (DGM, e.g. the state's DGM1 GeoTIFF, in the city model's height system; any CRS GDAL can transform) becomes quantized-mesh terrain tiles in terrain/ beside the tileset, which the viewer shows with Cesium's CesiumTerrainProvider; TERRAIN_RELIEF takes the city model's own TIN relief instead. The terrain's heights go through exactly the same height model as the buildings, so the buildings stand on the ground. TERRAIN_MAX_TILES limits the tile count (the export stops with a message naming the count needed). BASEMAP_URL (optional): an XYZ ({z}/{x}/{y}) or WMTS RESTful ({TileMatrix}/{TileRow}/{TileCol}, Web Mercator) URL template of the imagery under the city, with its BASEMAP_ATTRIBUTION (required by the licence). German example, basemap.de (BKG, CC BY 4.0): https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png with the attribution "© basemap.de / BKG | Datenquellen: © GeoBasis-DE". Without BASEMAP_URL the viewer shows the Natural Earth II imagery that CesiumJS carries (offline).
SCHEDULER and WORKERS (advanced): a large city model can be exported in partitions on Dask distributed: each partition is a subtree of the quadtree with at most 5,000 buildings, exported by a worker, and the root of the tileset is written last from the partitions' summaries; the tiles are byte for byte those of the export in this process. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786; its workers must reach the input and the output folder); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) exports in this process, as before. Exporting again into the same folder, a partition whose buildings did not change keeps its tiles without meshing them again. The partitioned export covers the buildings with one feature per building: with terrain, per-surface features, or a twin with BIM detail, learning islands or sensors, the export runs in this process, and a warning names the reason. Cancelling cancels the cluster's tasks.</source>
      <translation>Exports the buildings of a GeoTwin GeoPackage (from Import 3D city model, or the twin from Build digital twin) as an OGC 3D Tiles tileset, with a CesiumJS viewer (viewer/index.html) beside it that needs no Cesium ion token.
INPUT: the GeoPackage. Or, for a twin built into PostGIS, DATABASE: the PostgreSQL/PostGIS connection of QGIS (optionally with AUTHCFG for the credentials) and SCHEMA: the twin's schema; it is read through the twin store and gives the same tiles as the same twin built into a GeoPackage.

A twin adds: the BIM elements of each building with BIM detail, in a tile below the building's LoD2 tile that the viewer loads only close up (one feature per element: global_id, ifc_class, name, storey, material, ...); the learning islands and sensors as small marker features with their properties (booking URL, opening hours, seats; latest value, unit, time, SensorThings link); and islands.geojson and sensors.geojson (WGS 84, ellipsoidal height as a property) beside the tileset, shown as layers in the viewer.
Exporting again into the same OUTPUT folder rewrites only the tiles whose buildings changed (e.g. after an incremental twin build); unchanged tile files are kept as they are.
FORMAT: 3D Tiles 1.1 with GLB content (EXT_mesh_features: one feature per building, or per surface; EXT_structural_metadata: every attribute with its type, the attributes JSON flattened), or 3D Tiles 1.0 b3dm with a batch table for older viewers (QGIS up to 3.40).
COMPRESSION: positions quantised to 16 bits (KHR_mesh_quantization, error at most 1 cm) and, when the meshoptimizer package is installed, EXT_meshopt_compression.
Target client: "Cesium web map" (the default: the compression above, what the web map loads fastest) or "QGIS 3D tiles layer": positions and normals as 32-bit floats without quantisation or meshopt, the only encoding QGIS's 3D tiles layer (QGIS 3.34 or later) can read; the web map shows these tiles too. "Draco compression" (advanced, for the QGIS 3D tiles layer only, needs the DracoPy package): KHR_draco_mesh_compression, much smaller tiles (positions within 1 cm); QGIS decodes it only where it was built with Draco. QGIS up to 3.44 reads no implicit tiling: leave "Implicit tiling (subtrees)" off for it. The target is written into tileset.json (asset.extras) and export_report.json. In QGIS desktop 3.34 or later the plugin adds the exported tileset to the project as a 3D tiles layer; for a Cesium web map export it warns instead that QGIS cannot show it.
Tiling: a quadtree; leaves hold the LoD2 geometry, coarser tiles LoD1 blocks (extruded footprints). IMPLICIT writes implicit tiling with subtree files instead.
Heights: normal heights (DHHN2016, DHHN92, NAP, ...) become ellipsoidal heights with the best model available: the quasigeoid grid (GCG2016 when PROJ has de_bkg_gcg2016.tif, or the GEOID_GRID file), else EGM96 (error up to about 0.5 m, with a warning), else the constant GEOID_CONSTANT. PROJ's ballpark transformation, which ignores the geoid (about 48 m off in Karlsruhe), is refused. The method and its expected error are written into tileset.json (asset.extras) and export_report.json.
OUTPUT: a folder, replaced only when the export succeeds. To look at it, serve the folder, e.g. python3 -m http.server in it, and open viewer/index.html. CESIUM_URL: the URL of Cesium.js, or a local copy of CesiumJS's Build/Cesium folder. The web map's search box finds buildings by id, name or address (search/, an index in small parts written beside the tileset with the viewer: the page loads only the part for the typed words) and learning islands and sensors by id or name, flies there and opens the object's details.
Terrain and basemap of the web map: TERRAIN (optional): a digital terrain model raster (DGM, e.g. the state's DGM1 GeoTIFF, in the city model's height system; any CRS GDAL can transform) becomes quantized-mesh terrain tiles in terrain/ beside the tileset, which the viewer shows with Cesium's CesiumTerrainProvider; TERRAIN_RELIEF takes the city model's own TIN relief instead. The terrain's heights go through exactly the same height model as the buildings, so the buildings stand on the ground. TERRAIN_MAX_TILES limits the tile count (the export stops with a message naming the count needed). BASEMAP_URL (optional): an XYZ ({z}/{x}/{y}) or WMTS RESTful ({TileMatrix}/{TileRow}/{TileCol}, Web Mercator) URL template of the imagery under the city, with its BASEMAP_ATTRIBUTION (required by the licence). German example, basemap.de (BKG, CC BY 4.0): https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png with the attribution "© basemap.de / BKG | Datenquellen: © GeoBasis-DE". Without BASEMAP_URL the viewer shows the Natural Earth II imagery that CesiumJS carries (offline).
SCHEDULER and WORKERS (advanced): a large city model can be exported in partitions on Dask distributed: each partition is a subtree of the quadtree with at most 5,000 buildings, exported by a worker, and the root of the tileset is written last from the partitions' summaries; the tiles are byte for byte those of the export in this process. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786; its workers must reach the input and the output folder); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) exports in this process, as before. Exporting again into the same folder, a partition whose buildings did not change keeps its tiles without meshing them again. The partitioned export covers the buildings with one feature per building: with terrain, per-surface features, or a twin with BIM detail, learning islands or sensors, the export runs in this process, and a warning names the reason. Cancelling cancels the cluster's tasks.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="110"/>
      <source>Find a free learning island</source>
      <translation>Find a free learning island</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="114"/>
      <source>Finds the learning islands nearest to a location that are open for the whole window from TIME for DURATION minutes, free in their booking calendar and have at least SEATS seats. The location is a point (LOCATION) or an address (ADDRESS, 'Street 12') looked up in the street and house_number of the twin's buildings layer (BUILDINGS); the building's centroid is used.

Opening hours are evaluated in the full OSM opening_hours syntax (opening_hours_py) with the public (PH) and school holidays (SH) of Baden-Württemberg: 'Mo-Fr 08:00-16:00; PH,SH off' is closed on Corpus Christi and in the summer holidays. School holidays are known for the school years 2025/26 and 2026/27 (the movable days of each school are not included); an SH rule outside them leaves the island out. Islands whose opening hours are not understood are left out with a warning: their hours are unknown, never taken as open (the stored opening_hours is read again, so an opening_hours_error left by an older import does not count). Everyday German forms such as 'Mo-Fr 8-16 Uhr' or 'Mo-Fr 8.00-16.00' are read as Mo-Fr 08:00-16:00; forms that could be read two ways ('8-4 Uhr', 'ab 8 Uhr') are not. Hours by arrangement (a rule that is only a comment, such as "nach Vereinbarung") and open ends (08:00+: the closing time is unknown) are unknown from their start and never taken as open either; typographic dashes, quotes and spaces (Mo–Fr 08:00–18:00) are read as plain ones. TIME is local time in Europe/Berlin (default: now), DST-correct; DURATION 0 checks the instant TIME.

Calendars (CALENDARS, on by default): an island with a calendar (an iCalendar feed or a CalDAV collection, see 'Import learning islands') is left out when any busy event overlaps the window; a calendar that cannot be read leaves its island out with the reason (never taken as free). AUTHCFG (a Basic configuration: user name and password) is used for the CalDAV calendars, and only for the host in its URL field (or, when empty, the one host of the CalDAV calendars).

Output: learning_island_search, ordered by straight-line distance (rank 1 = nearest), with the booking URL (only http(s), mailto and tel links; others are dropped with a note), and learning_island_search_excluded with every island left out and why; for islands left out because they are closed or booked, its next_free field holds the start of the next window of the same length that is open and free within 7 days (empty: none).</source>
      <translation>Finds the learning islands nearest to a location that are open for the whole window from TIME for DURATION minutes, free in their booking calendar and have at least SEATS seats. The location is a point (LOCATION) or an address (ADDRESS, 'Street 12') looked up in the street and house_number of the twin's buildings layer (BUILDINGS); the building's centroid is used.

Opening hours are evaluated in the full OSM opening_hours syntax (opening_hours_py) with the public (PH) and school holidays (SH) of Baden-Württemberg: 'Mo-Fr 08:00-16:00; PH,SH off' is closed on Corpus Christi and in the summer holidays. School holidays are known for the school years 2025/26 and 2026/27 (the movable days of each school are not included); an SH rule outside them leaves the island out. Islands whose opening hours are not understood are left out with a warning: their hours are unknown, never taken as open (the stored opening_hours is read again, so an opening_hours_error left by an older import does not count). Everyday German forms such as 'Mo-Fr 8-16 Uhr' or 'Mo-Fr 8.00-16.00' are read as Mo-Fr 08:00-16:00; forms that could be read two ways ('8-4 Uhr', 'ab 8 Uhr') are not. Hours by arrangement (a rule that is only a comment, such as "nach Vereinbarung") and open ends (08:00+: the closing time is unknown) are unknown from their start and never taken as open either; typographic dashes, quotes and spaces (Mo–Fr 08:00–18:00) are read as plain ones. TIME is local time in Europe/Berlin (default: now), DST-correct; DURATION 0 checks the instant TIME.

Calendars (CALENDARS, on by default): an island with a calendar (an iCalendar feed or a CalDAV collection, see 'Import learning islands') is left out when any busy event overlaps the window; a calendar that cannot be read leaves its island out with the reason (never taken as free). AUTHCFG (a Basic configuration: user name and password) is used for the CalDAV calendars, and only for the host in its URL field (or, when empty, the one host of the CalDAV calendars).

Output: learning_island_search, ordered by straight-line distance (rank 1 = nearest), with the booking URL (only http(s), mailto and tel links; others are dropped with a note), and learning_island_search_excluded with every island left out and why; for islands left out because they are closed or booked, its next_free field holds the start of the next window of the same length that is open and free within 7 days (empty: none).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="149"/>
      <source>From this point</source>
      <translation>From this point</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="150"/>
      <source>Or from this address</source>
      <translation>Or from this address</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="152"/>
      <source>Buildings for the address (twin: buildings)</source>
      <translation>Buildings for the address (twin: buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="154"/>
      <source>At (default: now)</source>
      <translation>At (default: now)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="156"/>
      <source>For (minutes; 0 = at that moment)</source>
      <translation>For (minutes; 0 = at that moment)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="159"/>
      <source>Seats needed</source>
      <translation>Seats needed</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="161"/>
      <source>Check the booking calendars</source>
      <translation>Check the booking calendars</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="163"/>
      <source>Authentication for CalDAV calendars</source>
      <translation>Authentication for CalDAV calendars</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="165"/>
      <source>Maximum results</source>
      <translation>Maximum results</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="168"/>
      <source>Search result GeoPackage</source>
      <translation>Search result GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="169"/>
      <source>Islands found</source>
      <translation>Islands found</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="178"/>
      <source>No learning islands layer given.</source>
      <translation>No learning islands layer given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="186"/>
      <source>Give a location point or an address.</source>
      <translation>Give a location point or an address.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="208"/>
      <source>Free learning islands</source>
      <translation>Free learning islands</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="77"/>
      <source>{0} is not a valid date and time.</source>
      <translation>{0} is not a valid date and time.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="95"/>
      <source>The authentication configuration {0} cannot be loaded (unknown id or locked database).</source>
      <translation>The authentication configuration {0} cannot be loaded (unknown id or locked database).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="99"/>
      <source>The authentication configuration {0} has no user name (use a Basic configuration).</source>
      <translation>The authentication configuration {0} has no user name (use a Basic configuration).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="100"/>
      <source>Footprints</source>
      <translation>Footprints</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="102"/>
      <source>Terrain</source>
      <translation>Terrain</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="104"/>
      <source>Skipped objects</source>
      <translation>Skipped objects</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="115"/>
      <source>No input file or folder given.</source>
      <translation>No input file or folder given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="122"/>
      <source>Unknown level of detail choice.</source>
      <translation>Unknown level of detail choice.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="125"/>
      <source>No output GeoPackage given.</source>
      <translation>No output GeoPackage given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="152"/>
      <source>{0} buildings, {1} building parts, {2} surfaces, {3} skipped; CRS {4}, vertical CRS {5}</source>
      <translation>{0} buildings, {1} building parts, {2} surfaces, {3} skipped; CRS {4}, vertical CRS {5}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="155"/>
      <source>unknown or mixed</source>
      <translation>unknown or mixed</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="157"/>
      <source>{0} terrain triangles; {1} city objects of other types not imported; {2} ground surfaces repaired</source>
      <translation>{0} terrain triangles; {1} city objects of other types not imported; {2} ground surfaces repaired</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="26"/>
      <source>Highest available</source>
      <translation>Highest available</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="26"/>
      <source>LoD1</source>
      <translation>LoD1</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="26"/>
      <source>LoD2</source>
      <translation>LoD2</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="33"/>
      <source>Import 3D city model (CityGML / CityJSON)</source>
      <translation>Import 3D city model (CityGML / CityJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="37"/>
      <source>Imports a 3D city model into the twin's GeoPackage: CityGML 1.0/2.0/3.0 (.gml, .xml), CityJSON 1.1/2.0 (.json, .city.json) and CityJSONSeq (.jsonl), each optionally gzip-compressed (.gz), also as a delivery: a zip archive or a folder of tiles. The format is recognised from the file content.

INPUT: one or more files, folders and/or zip archives. A folder is searched recursively for city model tiles and zip archives; a zip archive is read member by member without unpacking it (nested folders and gzip members included; a zip inside a zip is listed, not read). Files that are not city models (PDF, readme, schemas, metadata) are named in the log and left out. All tiles form one city model and must share one horizontal CRS. In qgis_process repeat the parameter (--INPUT=a.gml --INPUT=tiles/ --INPUT=lod2.zip); in the Modeler use a multiple-file input.
CRS: optional override, for files that state no CRS or a wrong one. A compound CRS (e.g. EPSG:25832 + DHHN2016 height) also sets the vertical datum.
LOD: the highest available LoD, or LoD1/LoD2 (objects without it get their nearest LoD).
MAX_INFLATED_MB (advanced): how far one compressed file or archive member may inflate; a compression bomb is refused, as is anything that compresses more than 200:1. MAX_JSON_MB (advanced): the largest CityJSON document (it is read whole; CityJSONSeq is read line by line).
SCHEDULER and WORKERS (advanced): a large delivery can be imported in partitions on Dask distributed, one partition per file or zip member. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) imports in this process, as before. The partitions and a record of the finished ones are kept beside the output (&lt;output&gt;.geotwin-work): a second run imports only the files that are new, changed or failed. Cancelling cancels the cluster's tasks.
OUTPUT: the GeoPackage. It is written to a temporary file and replaces an existing one only when the whole run succeeds.

Layers: buildings (one row per building and building part, MultiPolygonZ of its outer surfaces, every attribute), building_surfaces (one PolygonZ per semantic surface with surface_type and 3D area), footprints (2D ground outline), terrain (one PolygonZ per TIN triangle with its heights), sources (one row per file or archive member: SHA-256, format, horizontal and vertical CRS) and skipped_objects (every object that could not be imported, and every city object of a type GeoTwin does not import, such as roads or vegetation, with its reason; a repaired self-intersecting ground surface is noted there too). The layers are loaded with a 2D style and a 3D style that colours roofs, walls and ground in a 3D map view.</source>
      <translation>Imports a 3D city model into the twin's GeoPackage: CityGML 1.0/2.0/3.0 (.gml, .xml), CityJSON 1.1/2.0 (.json, .city.json) and CityJSONSeq (.jsonl), each optionally gzip-compressed (.gz), also as a delivery: a zip archive or a folder of tiles. The format is recognised from the file content.

INPUT: one or more files, folders and/or zip archives. A folder is searched recursively for city model tiles and zip archives; a zip archive is read member by member without unpacking it (nested folders and gzip members included; a zip inside a zip is listed, not read). Files that are not city models (PDF, readme, schemas, metadata) are named in the log and left out. All tiles form one city model and must share one horizontal CRS. In qgis_process repeat the parameter (--INPUT=a.gml --INPUT=tiles/ --INPUT=lod2.zip); in the Modeler use a multiple-file input.
CRS: optional override, for files that state no CRS or a wrong one. A compound CRS (e.g. EPSG:25832 + DHHN2016 height) also sets the vertical datum.
LOD: the highest available LoD, or LoD1/LoD2 (objects without it get their nearest LoD).
MAX_INFLATED_MB (advanced): how far one compressed file or archive member may inflate; a compression bomb is refused, as is anything that compresses more than 200:1. MAX_JSON_MB (advanced): the largest CityJSON document (it is read whole; CityJSONSeq is read line by line).
SCHEDULER and WORKERS (advanced): a large delivery can be imported in partitions on Dask distributed, one partition per file or zip member. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786); empty with WORKERS 2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) imports in this process, as before. The partitions and a record of the finished ones are kept beside the output (&lt;output&gt;.geotwin-work): a second run imports only the files that are new, changed or failed. Cancelling cancels the cluster's tasks.
OUTPUT: the GeoPackage. It is written to a temporary file and replaces an existing one only when the whole run succeeds.

Layers: buildings (one row per building and building part, MultiPolygonZ of its outer surfaces, every attribute), building_surfaces (one PolygonZ per semantic surface with surface_type and 3D area), footprints (2D ground outline), terrain (one PolygonZ per TIN triangle with its heights), sources (one row per file or archive member: SHA-256, format, horizontal and vertical CRS) and skipped_objects (every object that could not be imported, and every city object of a type GeoTwin does not import, such as roads or vegetation, with its reason; a repaired self-intersecting ground surface is noted there too). The layers are loaded with a 2D style and a 3D style that colours roofs, walls and ground in a 3D map view.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="80"/>
      <source>City model files or folders (CityGML, CityJSON, CityJSONSeq)</source>
      <translation>City model files or folders (CityGML, CityJSON, CityJSONSeq)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="83"/>
      <source>CRS override (only when the files state none or a wrong one)</source>
      <translation>CRS override (only when the files state none or a wrong one)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="85"/>
      <source>Level of detail</source>
      <translation>Level of detail</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="87"/>
      <source>Largest inflated size of one compressed file or zip member (MiB)</source>
      <translation>Largest inflated size of one compressed file or zip member (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="89"/>
      <source>Largest CityJSON document (MiB)</source>
      <translation>Largest CityJSON document (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="95"/>
      <source>City model GeoPackage</source>
      <translation>City model GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="105"/>
      <source>IFC file (.ifc, .ifczip)</source>
      <translation>IFC file (.ifc, .ifczip)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="106"/>
      <source>IFC (*.ifc *.ifczip *.IFC *.IFCZIP)</source>
      <translation>IFC (*.ifc *.ifczip *.IFC *.IFCZIP)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="108"/>
      <source>Georeferencing</source>
      <translation>Georeferencing</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="111"/>
      <source>Manual: easting of the IFC origin</source>
      <translation>Manual: easting of the IFC origin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="113"/>
      <source>Manual: northing of the IFC origin</source>
      <translation>Manual: northing of the IFC origin</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="115"/>
      <source>Manual / fit: height of the IFC origin (fit: of the ground)</source>
      <translation>Manual / fit: height of the IFC origin (fit: of the ground)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="118"/>
      <source>Manual: rotation of the IFC x axis from grid east, anticlockwise (degrees)</source>
      <translation>Manual: rotation of the IFC x axis from grid east, anticlockwise (degrees)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="121"/>
      <source>Largest IFC file, or .ifczip content, read (MiB)</source>
      <translation>Largest IFC file, or .ifczip content, read (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="127"/>
      <source>Footprints for the fit (city model)</source>
      <translation>Footprints for the fit (city model)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="130"/>
      <source>Footprint id field</source>
      <translation>Footprint id field</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="133"/>
      <source>Footprint id to fit to (empty: the nearest footprint)</source>
      <translation>Footprint id to fit to (empty: the nearest footprint)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="135"/>
      <source>Target CRS</source>
      <translation>Target CRS</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="137"/>
      <source>BIM GeoPackage</source>
      <translation>BIM GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="138"/>
      <source>Elements</source>
      <translation>Elements</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="139"/>
      <source>Rooms</source>
      <translation>Rooms</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="140"/>
      <source>Georeferencing method</source>
      <translation>Georeferencing method</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="141"/>
      <source>Georeferencing residual (m)</source>
      <translation>Georeferencing residual (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="176"/>
      <source>No IFC file given.</source>
      <translation>No IFC file given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="179"/>
      <source>Unknown georeferencing choice.</source>
      <translation>Unknown georeferencing choice.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="185"/>
      <source>The target CRS is not valid.</source>
      <translation>The target CRS is not valid.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="196"/>
      <source>Manual georeferencing needs MANUAL_EASTING, MANUAL_NORTHING and MANUAL_HEIGHT.</source>
      <translation>Manual georeferencing needs MANUAL_EASTING, MANUAL_NORTHING and MANUAL_HEIGHT.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="215"/>
      <source>{0} elements, {1} rooms, {2} storeys, {3} skipped; placed by {4} (residual {5:.3f} m)</source>
      <translation>{0} elements, {1} rooms, {2} storeys, {3} skipped; placed by {4} (residual {5:.3f} m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="31"/>
      <source>Automatic (map conversion, then IfcSite latitude/longitude)</source>
      <translation>Automatic (map conversion, then IfcSite latitude/longitude)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="32"/>
      <source>IfcMapConversion / ePSet_MapConversion</source>
      <translation>IfcMapConversion / ePSet_MapConversion</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="33"/>
      <source>IfcSite latitude/longitude and true north</source>
      <translation>IfcSite latitude/longitude and true north</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="34"/>
      <source>Manual anchor point and rotation</source>
      <translation>Manual anchor point and rotation</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="35"/>
      <source>Fit the ground outline to a footprint</source>
      <translation>Fit the ground outline to a footprint</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="40"/>
      <source>Import BIM model (IFC)</source>
      <translation>Import BIM model (IFC)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="44"/>
      <source>Imports an IFC2X3, IFC4 or IFC4X3 building (.ifc or .ifczip) into a GeoPackage, placed in the target CRS.

GEOREFERENCING: automatic uses, in this order, the IfcMapConversion/IfcProjectedCRS (IFC4, IFC4X3; eastings, northings, orthogonal height, rotation, scale and map units), the IFC2X3 ePSet_MapConversion/ePSet_ProjectedCRS, then the IfcSite RefLatitude/RefLongitude/RefElevation with TrueNorth and the grid convergence (about a metre), then a fit to FOOTPRINTS when given. A map conversion in another CRS is transformed to the target CRS with PROJ; one whose CRS name is empty is taken to be in the target CRS, with a warning. Manual places the IFC origin at the given easting, northing and height, with its x axis rotated anticlockwise from grid east by the given angle. Fit to footprint fits the IFC's ground outline (walls of the ground storey) by a least-squares 2D similarity onto a footprint from FOOTPRINTS: the one whose FOOTPRINT_FIELD (or feature id) equals FOOTPRINT_ID, else the only one, else the one nearest the IFC's own approximate position; its height comes from MANUAL_HEIGHT, else the footprint's z, else the IFC's own georeferencing.
Heights stay in the vertical datum of the IFC (OrthogonalHeight, RefElevation or the manual height); the georef_report table names it.
Checks, for every method: a model that lands outside the target CRS's area of use is refused, and the message names a CRS that holds it (the map conversion's own, or the UTM zone); a datum change that PROJ can only do as a ballpark (the datum shift ignored) is named in the warnings. A broken map conversion (a missing or non-finite value, Scale zero, negative or far from the unit conversion, a zero x axis, eastings or northings beyond 10^8) is refused with the entity and the attribute. IfcSite latitude/longitude 0/0 is a default, not a position: such a file has no georeferencing. Latitude/longitude are read on WGS 84; the comparison with a map conversion also tries the map CRS's own datum.

Geometry: the elements are triangulated with ifcopenshell in a separate worker process (one per spare CPU core, at most four) while the import writes the rows; if no worker can be started (the environment variable GEOTWIN_PYTHON names a Python interpreter) or one stops, its elements are triangulated in the import's own thread.

Elements: every IfcElement (IFC4X3 infrastructure and geotechnical ones included: courses, kerbs, earthworks, strata, boreholes, rails, tendons...) and any other product with a representation, but not the spatial structure, openings, virtual elements, annotations, grids, alignments or ports. Elements outside any building (a road, bridge or railway, site works, a model without building) belong to their facility (IfcRoad, IfcBridge...), else their site, else the project, which gets a row in bim_buildings with its class in ifc_class; in the twin it becomes an object of its own (never matched to a city-model building) and its elements are exported to 3D Tiles. A value written as * for an attribute that is not derived (Renga) is read as unset, with a warning. A file without any product geometry (no element or room with a 3D body) is refused. Property sets, properties and quantities without a name are kept as Pset_unnamed_#id and unnamed_#id and counted in the log.

Layers: bim_elements (one MultiPolygonZ of triangles per element, with class, GlobalId, name, storey, material, IsExternal, LoadBearing, FireRating, NetVolume, net area and every property set as JSON), bim_spaces (rooms: floor polygon as PolygonZ at floor elevation, name, long name, number, area, height), bim_storeys, bim_buildings (buildings and the facilities above; ground outline: the walls of the ground storey, else the convex hulls of the elements) and georef_report (method, CRS, parameters, residual, expected accuracy and warnings). An element without geometry of its own (a window made of plates, a roof of slabs) has a row without geometry that its parts name. Elements whose geometry fails are skipped, counted and named by GlobalId. The GeoPackage is written only when the whole import succeeds.

Size limits: an .ifc larger than MAX_SIZE_MB (default 4096 MiB) is refused, and so is an .ifczip whose .ifc inflates beyond MAX_SIZE_MB or to more than 200 times its compressed size (a zip bomb); an .ifczip must hold exactly one unencrypted .ifc file.</source>
      <translation>Imports an IFC2X3, IFC4 or IFC4X3 building (.ifc or .ifczip) into a GeoPackage, placed in the target CRS.

GEOREFERENCING: automatic uses, in this order, the IfcMapConversion/IfcProjectedCRS (IFC4, IFC4X3; eastings, northings, orthogonal height, rotation, scale and map units), the IFC2X3 ePSet_MapConversion/ePSet_ProjectedCRS, then the IfcSite RefLatitude/RefLongitude/RefElevation with TrueNorth and the grid convergence (about a metre), then a fit to FOOTPRINTS when given. A map conversion in another CRS is transformed to the target CRS with PROJ; one whose CRS name is empty is taken to be in the target CRS, with a warning. Manual places the IFC origin at the given easting, northing and height, with its x axis rotated anticlockwise from grid east by the given angle. Fit to footprint fits the IFC's ground outline (walls of the ground storey) by a least-squares 2D similarity onto a footprint from FOOTPRINTS: the one whose FOOTPRINT_FIELD (or feature id) equals FOOTPRINT_ID, else the only one, else the one nearest the IFC's own approximate position; its height comes from MANUAL_HEIGHT, else the footprint's z, else the IFC's own georeferencing.
Heights stay in the vertical datum of the IFC (OrthogonalHeight, RefElevation or the manual height); the georef_report table names it.
Checks, for every method: a model that lands outside the target CRS's area of use is refused, and the message names a CRS that holds it (the map conversion's own, or the UTM zone); a datum change that PROJ can only do as a ballpark (the datum shift ignored) is named in the warnings. A broken map conversion (a missing or non-finite value, Scale zero, negative or far from the unit conversion, a zero x axis, eastings or northings beyond 10^8) is refused with the entity and the attribute. IfcSite latitude/longitude 0/0 is a default, not a position: such a file has no georeferencing. Latitude/longitude are read on WGS 84; the comparison with a map conversion also tries the map CRS's own datum.

Geometry: the elements are triangulated with ifcopenshell in a separate worker process (one per spare CPU core, at most four) while the import writes the rows; if no worker can be started (the environment variable GEOTWIN_PYTHON names a Python interpreter) or one stops, its elements are triangulated in the import's own thread.

Elements: every IfcElement (IFC4X3 infrastructure and geotechnical ones included: courses, kerbs, earthworks, strata, boreholes, rails, tendons...) and any other product with a representation, but not the spatial structure, openings, virtual elements, annotations, grids, alignments or ports. Elements outside any building (a road, bridge or railway, site works, a model without building) belong to their facility (IfcRoad, IfcBridge...), else their site, else the project, which gets a row in bim_buildings with its class in ifc_class; in the twin it becomes an object of its own (never matched to a city-model building) and its elements are exported to 3D Tiles. A value written as * for an attribute that is not derived (Renga) is read as unset, with a warning. A file without any product geometry (no element or room with a 3D body) is refused. Property sets, properties and quantities without a name are kept as Pset_unnamed_#id and unnamed_#id and counted in the log.

Layers: bim_elements (one MultiPolygonZ of triangles per element, with class, GlobalId, name, storey, material, IsExternal, LoadBearing, FireRating, NetVolume, net area and every property set as JSON), bim_spaces (rooms: floor polygon as PolygonZ at floor elevation, name, long name, number, area, height), bim_storeys, bim_buildings (buildings and the facilities above; ground outline: the walls of the ground storey, else the convex hulls of the elements) and georef_report (method, CRS, parameters, residual, expected accuracy and warnings). An element without geometry of its own (a window made of plates, a roof of slabs) has a row without geometry that its parts name. Elements whose geometry fails are skipped, counted and named by GlobalId. The GeoPackage is written only when the whole import succeeds.

Size limits: an .ifc larger than MAX_SIZE_MB (default 4096 MiB) is refused, and so is an .ifczip whose .ifc inflates beyond MAX_SIZE_MB or to more than 200 times its compressed size (a zip bomb); an .ifczip must hold exactly one unencrypted .ifc file.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="129"/>
      <source>Learning islands (GeoJSON, GeoPackage or CSV)</source>
      <translation>Learning islands (GeoJSON, GeoPackage or CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="130"/>
      <source>Point tables (*.geojson *.json *.gpkg *.csv *.txt)</source>
      <translation>Point tables (*.geojson *.json *.gpkg *.csv *.txt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="132"/>
      <source>Field mapping (target=source;...)</source>
      <translation>Field mapping (target=source;...)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="134"/>
      <source>Building footprints (twin: footprints or buildings)</source>
      <translation>Building footprints (twin: footprints or buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="137"/>
      <source>BIM rooms (twin: bim_spaces)</source>
      <translation>BIM rooms (twin: bim_spaces)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="139"/>
      <source>Tolerance to the nearest building (m)</source>
      <translation>Tolerance to the nearest building (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="141"/>
      <source>Target CRS (default: the buildings' CRS, else EPSG:25832)</source>
      <translation>Target CRS (default: the buildings' CRS, else EPSG:25832)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="143"/>
      <source>CRS of easting/northing columns</source>
      <translation>CRS of easting/northing columns</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="147"/>
      <source>Learning islands GeoPackage</source>
      <translation>Learning islands GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="148"/>
      <source>Islands imported</source>
      <translation>Islands imported</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="149"/>
      <source>Islands rejected</source>
      <translation>Islands rejected</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="150"/>
      <source>Linked to a building</source>
      <translation>Linked to a building</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="151"/>
      <source>Linked to a room</source>
      <translation>Linked to a room</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="152"/>
      <source>Opening hours not understood</source>
      <translation>Opening hours not understood</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="154"/>
      <source>Opening hours normalised from everyday German</source>
      <translation>Opening hours normalised from everyday German</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="155"/>
      <source>Booking links refused</source>
      <translation>Booking links refused</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="156"/>
      <source>Islands with a calendar</source>
      <translation>Islands with a calendar</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="165"/>
      <source>No learning islands file given.</source>
      <translation>No learning islands file given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="181"/>
      <source>Island {0}: {1}</source>
      <translation>Island {0}: {1}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="183"/>
      <source>{0} islands have opening hours that are not understood (first: {1}); they are imported, and the search treats their hours as unknown (see opening_hours_error).</source>
      <translation>{0} islands have opening hours that are not understood (first: {1}); they are imported, and the search treats their hours as unknown (see opening_hours_error).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="188"/>
      <source>{0} booking links refused (first: {1}); only http(s), mailto and tel links are kept (see booking_url_error).</source>
      <translation>{0} booking links refused (first: {1}); only http(s), mailto and tel links are kept (see booking_url_error).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="42"/>
      <source>The layer given for {0} cannot be opened.</source>
      <translation>The layer given for {0} cannot be opened.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="54"/>
      <source>Cannot copy the layer {0}: {1}</source>
      <translation>Cannot copy the layer {0}: {1}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="55"/>
      <source>{0}: copied {1} features of a {2} layer</source>
      <translation>{0}: copied {1} features of a {2} layer</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="78"/>
      <source>Import learning islands</source>
      <translation>Import learning islands</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="82"/>
      <source>Imports WLAN learning islands (Lerninseln) from a point table: GeoJSON, GeoPackage or CSV with latitude/longitude (WGS 84) or easting/northing columns (in SOURCE_CRS, default the target CRS). Swapped latitude/longitude or easting/northing are detected by the area of use of the target CRS and corrected with a warning.

Target schema: id, name, ssid, operator, seats, opening_hours (OSM opening_hours syntax), booking_url, accessibility, building_ref, floor (0 = ground floor, 1, -1 or a storey name), room (number or name), calendar (the island's booking calendar: an iCalendar feed as an http(s) URL or a file path, relative paths taken from the islands file's folder, or a CalDAV collection URL) and calendar_type (ical, the default, or caldav; 'caldav+https://...' in calendar is a shorthand) and calendar_address (the island's own e-mail address as a room in its calendar's events: an event it declined leaves it free). FIELD_MAPPING maps your columns: 'name=Bezeichnung;seats=Plaetze'. Unmapped fields are taken from columns of the same or a known German name; every other column is kept in 'attributes'.

Linking: each island is linked to the building whose footprint (BUILDINGS) contains it, else to the nearest within TOLERANCE metres; a building_ref that names a known building wins. Where BIM rooms (ROOMS, the bim_spaces layer) exist, it is linked to the room on its floor that contains the point, else to the room whose number, name or long name equals 'room'.

Checks: only true duplicates are rejected: a row whose every field and position equal an earlier row's, or a row with an id already imported (the first is kept; the reason names the fields that differ). Rows that merely share a name and a position, such as two access points of one site, are both imported. opening_hours in everyday German ('Mo-Fr 8-16 Uhr', '8.00-16.00') are kept as written, read as their opening_hours form and counted in the output NORMALISED_OPENING_HOURS and the log; opening_hours that the search cannot evaluate (also ambiguous forms such as '8-4 Uhr') are imported with a warning and the reason in opening_hours_error; the search treats their hours as unknown, never as open. booking_url keeps only absolute http:// or https:// links and mailto:/tel: contacts; anything else (javascript:, data:, file:, relative links, values with whitespace or control characters) is cleared with a warning and the reason in booking_url_error; booking_url may hold the placeholders {island}, {start}, {end}, {date}, {duration}, {seats} and {name} that 'Book a learning island' fills in. A calendar reference with credentials in its URL, an unknown type or scheme is cleared with a warning and the reason in calendar_error.

Output: learning_islands (with link_status linked / building_only / unlinked / not_checked, link_reason, opening_hours_error and booking_url_error) and learning_islands_unlinked listing every island rejected (missing coordinates, duplicate) or left without a building or room, with the reason.

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</source>
      <translation>Imports WLAN learning islands (Lerninseln) from a point table: GeoJSON, GeoPackage or CSV with latitude/longitude (WGS 84) or easting/northing columns (in SOURCE_CRS, default the target CRS). Swapped latitude/longitude or easting/northing are detected by the area of use of the target CRS and corrected with a warning.

Target schema: id, name, ssid, operator, seats, opening_hours (OSM opening_hours syntax), booking_url, accessibility, building_ref, floor (0 = ground floor, 1, -1 or a storey name), room (number or name), calendar (the island's booking calendar: an iCalendar feed as an http(s) URL or a file path, relative paths taken from the islands file's folder, or a CalDAV collection URL) and calendar_type (ical, the default, or caldav; 'caldav+https://...' in calendar is a shorthand) and calendar_address (the island's own e-mail address as a room in its calendar's events: an event it declined leaves it free). FIELD_MAPPING maps your columns: 'name=Bezeichnung;seats=Plaetze'. Unmapped fields are taken from columns of the same or a known German name; every other column is kept in 'attributes'.

Linking: each island is linked to the building whose footprint (BUILDINGS) contains it, else to the nearest within TOLERANCE metres; a building_ref that names a known building wins. Where BIM rooms (ROOMS, the bim_spaces layer) exist, it is linked to the room on its floor that contains the point, else to the room whose number, name or long name equals 'room'.

Checks: only true duplicates are rejected: a row whose every field and position equal an earlier row's, or a row with an id already imported (the first is kept; the reason names the fields that differ). Rows that merely share a name and a position, such as two access points of one site, are both imported. opening_hours in everyday German ('Mo-Fr 8-16 Uhr', '8.00-16.00') are kept as written, read as their opening_hours form and counted in the output NORMALISED_OPENING_HOURS and the log; opening_hours that the search cannot evaluate (also ambiguous forms such as '8-4 Uhr') are imported with a warning and the reason in opening_hours_error; the search treats their hours as unknown, never as open. booking_url keeps only absolute http:// or https:// links and mailto:/tel: contacts; anything else (javascript:, data:, file:, relative links, values with whitespace or control characters) is cleared with a warning and the reason in booking_url_error; booking_url may hold the placeholders {island}, {start}, {end}, {date}, {duration}, {seats} and {name} that 'Book a learning island' fills in. A calendar reference with credentials in its URL, an unknown type or scheme is cleared with a warning and the reason in calendar_error.

Output: learning_islands (with link_status linked / building_only / unlinked / not_checked, link_reason, opening_hours_error and booking_url_error) and learning_islands_unlinked listing every island rejected (missing coordinates, duplicate) or left without a building or room, with the reason.

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="100"/>
      <source>Request timeout (s)</source>
      <translation>Request timeout (s)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="102"/>
      <source>Retries</source>
      <translation>Retries</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="104"/>
      <source>Maximum pages per request</source>
      <translation>Maximum pages per request</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="106"/>
      <source>Maximum size of one answer (MB)</source>
      <translation>Maximum size of one answer (MB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="108"/>
      <source>Maximum number of observations</source>
      <translation>Maximum number of observations</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="113"/>
      <source>Sensors GeoPackage</source>
      <translation>Sensors GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="114"/>
      <source>Sensor datastreams</source>
      <translation>Sensor datastreams</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="116"/>
      <source>Issues</source>
      <translation>Issues</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="126"/>
      <source>The authentication configuration {0} cannot be applied (unknown id or locked database).</source>
      <translation>The authentication configuration {0} cannot be applied (unknown id or locked database).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="150"/>
      <source>Give either a SensorThings URL or export files.</source>
      <translation>Give either a SensorThings URL or export files.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="157"/>
      <source>The window ends before it starts.</source>
      <translation>The window ends before it starts.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="38"/>
      <source>Import sensors (SensorThings API, CSV, GeoJSON)</source>
      <translation>Import sensors (SensorThings API, CSV, GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="42"/>
      <source>Imports sensors and their observations either from an OGC SensorThings API service (URL ending in /v1.0 or /v1.1) or from CSV/GeoJSON exports (one row per device and time: device id, time, latitude/longitude, measurement columns), e.g. from a LoRaWAN network server or sensor.community.

SensorThings: Things with their Locations and Datastreams (ObservedProperty, unitOfMeasurement), and the Observations between START and END ($filter on phenomenonTime, $orderby, $select, $top), following @iot.nextLink up to MAX_PAGES pages per request. TIMEOUT bounds each request as a whole (connection, headers and body, also a server that sends slowly); failed requests are retried RETRIES times on 5xx answers, timeouts and connection failures. Cancelling stops within a second. An answer larger than MAX_PAGE_MB megabytes is refused while it is read, and more than MAX_OBSERVATIONS observations stop the import with an error (narrow START/END).
Credentials come from the authentication configuration (AUTHCFG), are never logged or written and are sent only to the scheme, host and port of URL: a redirect, @iot.nextLink or navigation link to another host, or from HTTPS to HTTP, is refused with an error naming both hosts (whether or not credentials are configured). Credentials in the URL itself are refused.
Exports: measurement columns are the numeric ones; their property and unit come from known names (P1/PM10, P2/PM2.5, temperature, humidity, noise, soil_moisture, occupied...), a unit in the header ('noise [dB(A)]') or a unit suffix ('temperature_c'); others are kept with an unknown unit. Times without a zone are UTC. Files larger than 256 MB or with more than 5,000,000 rows are refused; rows with more values than the header are skipped and listed in sensor_issues.

Output: sensors (a point per sensor and datastream: latest value, unit and time, min/mean/max/count over the window, the SensorThings self-link, and the link: inside a building, on an area of AREAS such as a park or square, or at the nearest façade within TOLERANCE m; a ground sensor (soil, parking space, groundwater, by its observed property) outside every building and area goes to the nearest façade only when its name or description names a façade, else to the nearest area within TOLERANCE m, else to none, its link_reason naming the façade it was not linked to), observations (the time series; non-numeric results kept as text) and sensor_issues (every problem: missing coordinates, swapped latitude/longitude, duplicates, unknown units, non-numeric results).

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</source>
      <translation>Imports sensors and their observations either from an OGC SensorThings API service (URL ending in /v1.0 or /v1.1) or from CSV/GeoJSON exports (one row per device and time: device id, time, latitude/longitude, measurement columns), e.g. from a LoRaWAN network server or sensor.community.

SensorThings: Things with their Locations and Datastreams (ObservedProperty, unitOfMeasurement), and the Observations between START and END ($filter on phenomenonTime, $orderby, $select, $top), following @iot.nextLink up to MAX_PAGES pages per request. TIMEOUT bounds each request as a whole (connection, headers and body, also a server that sends slowly); failed requests are retried RETRIES times on 5xx answers, timeouts and connection failures. Cancelling stops within a second. An answer larger than MAX_PAGE_MB megabytes is refused while it is read, and more than MAX_OBSERVATIONS observations stop the import with an error (narrow START/END).
Credentials come from the authentication configuration (AUTHCFG), are never logged or written and are sent only to the scheme, host and port of URL: a redirect, @iot.nextLink or navigation link to another host, or from HTTPS to HTTP, is refused with an error naming both hosts (whether or not credentials are configured). Credentials in the URL itself are refused.
Exports: measurement columns are the numeric ones; their property and unit come from known names (P1/PM10, P2/PM2.5, temperature, humidity, noise, soil_moisture, occupied...), a unit in the header ('noise [dB(A)]') or a unit suffix ('temperature_c'); others are kept with an unknown unit. Times without a zone are UTC. Files larger than 256 MB or with more than 5,000,000 rows are refused; rows with more values than the header are skipped and listed in sensor_issues.

Output: sensors (a point per sensor and datastream: latest value, unit and time, min/mean/max/count over the window, the SensorThings self-link, and the link: inside a building, on an area of AREAS such as a park or square, or at the nearest façade within TOLERANCE m; a ground sensor (soil, parking space, groundwater, by its observed property) outside every building and area goes to the nearest façade only when its name or description names a façade, else to the nearest area within TOLERANCE m, else to none, its link_reason naming the façade it was not linked to), observations (the time series; non-numeric results kept as text) and sensor_issues (every problem: missing coordinates, swapped latitude/longitude, duplicates, unknown units, non-numeric results).

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="81"/>
      <source>SensorThings API URL (…/v1.1)</source>
      <translation>SensorThings API URL (…/v1.1)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="83"/>
      <source>Authentication configuration</source>
      <translation>Authentication configuration</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="85"/>
      <source>Or CSV/GeoJSON export files</source>
      <translation>Or CSV/GeoJSON export files</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="86"/>
      <source>Window start</source>
      <translation>Window start</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="87"/>
      <source>Window end</source>
      <translation>Window end</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="89"/>
      <source>Building footprints (twin: footprints)</source>
      <translation>Building footprints (twin: footprints)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="92"/>
      <source>Areas: parks, squares (polygons)</source>
      <translation>Areas: parks, squares (polygons)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="95"/>
      <source>Distance to the nearest façade (m)</source>
      <translation>Distance to the nearest façade (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="98"/>
      <source>Target CRS (default EPSG:25832)</source>
      <translation>Target CRS (default EPSG:25832)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="100"/>
      <source>Custom topics (comma-separated)</source>
      <translation>Custom topics (comma-separated)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="102"/>
      <source>Device table (JSON or CSV)</source>
      <translation>Device table (JSON or CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="103"/>
      <source>Device tables (*.json *.csv)</source>
      <translation>Device tables (*.json *.csv)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="105"/>
      <source>Broker credentials (authentication configuration)</source>
      <translation>Broker credentials (authentication configuration)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="107"/>
      <source>Duration (s, 0 = until cancelled)</source>
      <translation>Duration (s, 0 = until cancelled)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="119"/>
      <source>CA certificate for TLS (default: system CAs)</source>
      <translation>CA certificate for TLS (default: system CAs)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="121"/>
      <source>MQTT client id (default: fixed per output)</source>
      <translation>MQTT client id (default: fixed per output)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="126"/>
      <source>Twin or sensors GeoPackage (extended)</source>
      <translation>Twin or sensors GeoPackage (extended)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="143"/>
      <source>The authentication configuration {0} uses the method {1}; the MQTT broker needs Basic (user name and password).</source>
      <translation>The authentication configuration {0} uses the method {1}; the MQTT broker needs Basic (user name and password).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="161"/>
      <source>Give CUSTOM_TOPICS for custom topics.</source>
      <translation>Give CUSTOM_TOPICS for custom topics.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="191"/>
      <source>{0} sensors an earlier run stored without BUILDINGS and AREAS are linked now</source>
      <translation>{0} sensors an earlier run stored without BUILDINGS and AREAS are linked now</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="200"/>
      <source>Unknown device {0}: {1} messages</source>
      <translation>Unknown device {0}: {1} messages</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="27"/>
      <source>ChirpStack v4 and v3 (application/+/device/+/event/up)</source>
      <translation>ChirpStack v4 and v3 (application/+/device/+/event/up)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="28"/>
      <source>The Things Stack v3 (v3/+/devices/+/up)</source>
      <translation>The Things Stack v3 (v3/+/devices/+/up)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="29"/>
      <source>ChirpStack v4/v3 and The Things Stack v3</source>
      <translation>ChirpStack v4/v3 and The Things Stack v3</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="30"/>
      <source>Custom topics (CUSTOM_TOPICS)</source>
      <translation>Custom topics (CUSTOM_TOPICS)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="31"/>
      <source>Messages received</source>
      <translation>Messages received</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="31"/>
      <source>Uplinks stored</source>
      <translation>Uplinks stored</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="32"/>
      <source>Observations stored</source>
      <translation>Observations stored</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="32"/>
      <source>Duplicates</source>
      <translation>Duplicates</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="33"/>
      <source>Messages from unknown devices</source>
      <translation>Messages from unknown devices</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="33"/>
      <source>Malformed messages</source>
      <translation>Malformed messages</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="38"/>
      <source>Listen to LoRaWAN sensors (MQTT)</source>
      <translation>Listen to LoRaWAN sensors (MQTT)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="42"/>
      <source>Subscribes to the MQTT integration of a LoRaWAN network server and appends every uplink to the sensor tables of a twin or sensors GeoPackage (OUTPUT; created when missing, otherwise extended): ChirpStack v4 (topic application/+/device/+/event/up: deviceInfo.devEui, fCnt, time, the decoded payload 'object'), ChirpStack v3 (the same topic: devEUI in hex or base64, fCnt, publishedAt or the gateway's time, the decoded payload 'object' or the JSON text 'objectJSON') or The Things Stack v3 (v3/+/devices/+/up: end_device_ids.dev_eui, uplink_message.f_cnt, received_at, uplink_message.decoded_payload).

DEVICES, the device table (JSON or CSV), maps each DevEUI to a sensor id, name, position (x, y and their CRS) and the observed properties: the key in the decoded payload ('a.b' reaches into nested objects), the property and its unit. A device stays one sensor: when OUTPUT already holds its sensor (a row of the sensor import whose attributes name its DevEUI, such as a SensorThings Thing's properties.devEUI, with the same observed property), its uplinks are appended to that sensor, which keeps its position and link, and a value at a time the sensor already has is not stored again; otherwise each device and property becomes a sensor point. Each uplink adds one observation per property. To have the build link the devices and the 3D Tiles export chart them, listen into the sensors GeoPackage of geotwin:importsensors before geotwin:buildtwin; a new geotwin:importsensors into that GeoPackage replaces it without the listener's values (it warns).

A device without an imported sensor is linked when its sensor point is made, exactly as geotwin:importsensors links a sensor: give the same BUILDINGS (footprints), AREAS (parks, squares) and TOLERANCE: inside a building, on an area, or at the nearest façade within TOLERANCE m (a ground sensor goes to a façade only when named for it). Without BUILDINGS and AREAS it stays unlinked (the build warns about it and leaves it so) until a later run with them links it the same way; the next build then moves it to the façade it is on like any sensor.

Idempotent: an uplink with the same DevEUI and frame counter as a stored one, and a time within 60 s of it, is a duplicate and is not stored again, also after a restart. A frame counter that comes back with a time further away is a new session of a reset device and is stored. Uplinks from devices not in the table are counted and listed by DevEUI, malformed messages are counted; both are named in sensor_issues with the topic and the reason and stored nowhere else.

BROKER: host:port, mqtt://host:port or mqtts://host:port (TLS; default port 8883). TLS checks the broker's certificate against CA_FILE or, without it, the system's CAs. Credentials come from the authentication configuration AUTHCFG (method Basic: user name and password), are sent only to BROKER and are never logged or written; credentials in the broker address are refused.

QoS 1 with a persistent session (a fixed client id per output and topics): what is published while the listener is stopped or reconnecting is delivered when it is back; a message is acknowledged only after its rows are stored. DURATION seconds (0: until cancelled); the running count is reported every second and a cancel stops it within a second.

Or DATABASE and SCHEMA: the sensors and observations tables of a twin built in PostGIS (geotwin:buildtwin), with DB_AUTHCFG for the database credentials; every later geotwin:buildtwin into that schema keeps these sensors and links them like a sensors input's (façade, links table), with or without sensor inputs. In a twin (PostGIS, or a twin GeoPackage as OUTPUT), the values appended to an imported sensor also stay when a build takes that sensor from a changed sensors input: after the input's values, and not at a time the input has a value.

As a service without QGIS: python -m geotwin.twin.sensors.listen --broker ... --devices ... --output ... (the password in GEOTWIN_MQTT_PASSWORD); SIGTERM or SIGINT stop it and print the counts.</source>
      <translation>Subscribes to the MQTT integration of a LoRaWAN network server and appends every uplink to the sensor tables of a twin or sensors GeoPackage (OUTPUT; created when missing, otherwise extended): ChirpStack v4 (topic application/+/device/+/event/up: deviceInfo.devEui, fCnt, time, the decoded payload 'object'), ChirpStack v3 (the same topic: devEUI in hex or base64, fCnt, publishedAt or the gateway's time, the decoded payload 'object' or the JSON text 'objectJSON') or The Things Stack v3 (v3/+/devices/+/up: end_device_ids.dev_eui, uplink_message.f_cnt, received_at, uplink_message.decoded_payload).

DEVICES, the device table (JSON or CSV), maps each DevEUI to a sensor id, name, position (x, y and their CRS) and the observed properties: the key in the decoded payload ('a.b' reaches into nested objects), the property and its unit. A device stays one sensor: when OUTPUT already holds its sensor (a row of the sensor import whose attributes name its DevEUI, such as a SensorThings Thing's properties.devEUI, with the same observed property), its uplinks are appended to that sensor, which keeps its position and link, and a value at a time the sensor already has is not stored again; otherwise each device and property becomes a sensor point. Each uplink adds one observation per property. To have the build link the devices and the 3D Tiles export chart them, listen into the sensors GeoPackage of geotwin:importsensors before geotwin:buildtwin; a new geotwin:importsensors into that GeoPackage replaces it without the listener's values (it warns).

A device without an imported sensor is linked when its sensor point is made, exactly as geotwin:importsensors links a sensor: give the same BUILDINGS (footprints), AREAS (parks, squares) and TOLERANCE: inside a building, on an area, or at the nearest façade within TOLERANCE m (a ground sensor goes to a façade only when named for it). Without BUILDINGS and AREAS it stays unlinked (the build warns about it and leaves it so) until a later run with them links it the same way; the next build then moves it to the façade it is on like any sensor.

Idempotent: an uplink with the same DevEUI and frame counter as a stored one, and a time within 60 s of it, is a duplicate and is not stored again, also after a restart. A frame counter that comes back with a time further away is a new session of a reset device and is stored. Uplinks from devices not in the table are counted and listed by DevEUI, malformed messages are counted; both are named in sensor_issues with the topic and the reason and stored nowhere else.

BROKER: host:port, mqtt://host:port or mqtts://host:port (TLS; default port 8883). TLS checks the broker's certificate against CA_FILE or, without it, the system's CAs. Credentials come from the authentication configuration AUTHCFG (method Basic: user name and password), are sent only to BROKER and are never logged or written; credentials in the broker address are refused.

QoS 1 with a persistent session (a fixed client id per output and topics): what is published while the listener is stopped or reconnecting is delivered when it is back; a message is acknowledged only after its rows are stored. DURATION seconds (0: until cancelled); the running count is reported every second and a cancel stops it within a second.

Or DATABASE and SCHEMA: the sensors and observations tables of a twin built in PostGIS (geotwin:buildtwin), with DB_AUTHCFG for the database credentials; every later geotwin:buildtwin into that schema keeps these sensors and links them like a sensors input's (façade, links table), with or without sensor inputs. In a twin (PostGIS, or a twin GeoPackage as OUTPUT), the values appended to an imported sensor also stay when a build takes that sensor from a changed sensors input: after the input's values, and not at a time the input has a value.

As a service without QGIS: python -m geotwin.twin.sensors.listen --broker ... --devices ... --output ... (the password in GEOTWIN_MQTT_PASSWORD); SIGTERM or SIGINT stop it and print the counts.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="96"/>
      <source>MQTT broker (host:port or mqtts://…)</source>
      <translation>MQTT broker (host:port or mqtts://…)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="98"/>
      <source>Topics</source>
      <translation>Topics</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="26"/>
      <source>Refresh learning island availability</source>
      <translation>Refresh learning island availability</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="30"/>
      <source>Reads the booking calendar of every learning island that has one (the calendar and calendar_type fields written by 'Import learning islands': an iCalendar feed, a file or an http(s) URL, or a CalDAV collection) for the range START to END (default: now to 7 days later; at most 31 days) and writes:

island_availability: one row per busy event (recurrences expanded, exceptions applied; cancelled events and those shown as free are free: Outlook's/Exchange's busy status FREE, else TRANSP:TRANSPARENT; tentative and out-of-office events are busy; free/busy periods are busy unless FBTYPE=FREE) and per free gap inside the island's opening hours, with island_id, start, end (Europe/Berlin, with the UTC offset), status busy/free, the event's summary and the source calendar;
island_calendar_status: per island whether its calendar was read (ok / error / none), the number of busy events and the error message.

A calendar that cannot be read is reported as a warning and the others are still read. Limits: a feed larger than 5 MB or with more than 10000 events in the range is refused. AUTHCFG (Basic: user name and password) is sent only to the host in its URL field, or, when that is empty, to the one host of the CalDAV calendars; never over plain http except to this computer.</source>
      <translation>Reads the booking calendar of every learning island that has one (the calendar and calendar_type fields written by 'Import learning islands': an iCalendar feed, a file or an http(s) URL, or a CalDAV collection) for the range START to END (default: now to 7 days later; at most 31 days) and writes:

island_availability: one row per busy event (recurrences expanded, exceptions applied; cancelled events and those shown as free are free: Outlook's/Exchange's busy status FREE, else TRANSP:TRANSPARENT; tentative and out-of-office events are busy; free/busy periods are busy unless FBTYPE=FREE) and per free gap inside the island's opening hours, with island_id, start, end (Europe/Berlin, with the UTC offset), status busy/free, the event's summary and the source calendar;
island_calendar_status: per island whether its calendar was read (ok / error / none), the number of busy events and the error message.

A calendar that cannot be read is reported as a warning and the others are still read. Limits: a feed larger than 5 MB or with more than 10000 events in the range is refused. AUTHCFG (Basic: user name and password) is sent only to the host in its URL field, or, when that is empty, to the one host of the CalDAV calendars; never over plain http except to this computer.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="53"/>
      <source>From (default: now)</source>
      <translation>From (default: now)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="54"/>
      <source>To (default: 7 days later)</source>
      <translation>To (default: 7 days later)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="59"/>
      <source>Availability GeoPackage</source>
      <translation>Availability GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="61"/>
      <source>Busy intervals</source>
      <translation>Busy intervals</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="62"/>
      <source>Free intervals</source>
      <translation>Free intervals</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="63"/>
      <source>Calendars not read</source>
      <translation>Calendars not read</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="23"/>
      <source>Create sample district (Karlsruhe, Friedrichsplatz)</source>
      <translation>Create sample district (Karlsruhe, Friedrichsplatz)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="25"/>
      <source>Sample data</source>
      <translation>Sample data</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="27"/>
      <source>Writes a synthetic but realistic district modelled on Karlsruhe's fan city around Friedrichsplatz, in ETRS89 / UTM zone 32N (EPSG:25832) with DHHN2016 heights, to try GeoTwin without data of your own.

Streets radiate from the palace tower like Karlsruhe's Fächerstadt; buildings fill the blocks between the fan rays and the ring streets, outward from the square. The same BUILDINGS and SEED always give the same bytes.

Files in the OUTPUT folder: district.gml (CityGML 2.0), district.city.json (CityJSON 2.0) and district.city.jsonl (CityJSONSeq) with LoD2 buildings (gable, hip and flat roofs; Roof/Wall/Ground surfaces; addresses, ALKIS function codes, measured heights, storeys); school.ifc (IFC4: the school on the square with storeys, walls, slabs and rooms, georeferenced by an IfcMapConversion to EPSG:25832; it stands at exactly this place in the city model); learning_islands.geojson (WLAN learning islands, several in the school's classrooms); sensors.sta.json (OGC SensorThings deep insert) and sensors.csv (LoRaWAN export) with one week of noise, soil moisture, air temperature and parking observations; areas.geojson (public open spaces as polygons: Friedrichsplatz, the block between its ring streets and fan rays without the four landmarks, and the Schlossplatz's lawn inside the Zirkel; for linking sensors to the square or park); dgm.tif (the digital terrain model the buildings stand on, like a state's DGM1: 1 m GeoTIFF, EPSG:25832, DHHN2016 heights; TERRAIN of Export 3D Tiles); district.json (what was written). The folder must be new, empty or hold an earlier sample district, which it replaces; it is written only when everything succeeded.</source>
      <translation>Writes a synthetic but realistic district modelled on Karlsruhe's fan city around Friedrichsplatz, in ETRS89 / UTM zone 32N (EPSG:25832) with DHHN2016 heights, to try GeoTwin without data of your own.

Streets radiate from the palace tower like Karlsruhe's Fächerstadt; buildings fill the blocks between the fan rays and the ring streets, outward from the square. The same BUILDINGS and SEED always give the same bytes.

Files in the OUTPUT folder: district.gml (CityGML 2.0), district.city.json (CityJSON 2.0) and district.city.jsonl (CityJSONSeq) with LoD2 buildings (gable, hip and flat roofs; Roof/Wall/Ground surfaces; addresses, ALKIS function codes, measured heights, storeys); school.ifc (IFC4: the school on the square with storeys, walls, slabs and rooms, georeferenced by an IfcMapConversion to EPSG:25832; it stands at exactly this place in the city model); learning_islands.geojson (WLAN learning islands, several in the school's classrooms); sensors.sta.json (OGC SensorThings deep insert) and sensors.csv (LoRaWAN export) with one week of noise, soil moisture, air temperature and parking observations; areas.geojson (public open spaces as polygons: Friedrichsplatz, the block between its ring streets and fan rays without the four landmarks, and the Schlossplatz's lawn inside the Zirkel; for linking sensors to the square or park); dgm.tif (the digital terrain model the buildings stand on, like a state's DGM1: 1 m GeoTIFF, EPSG:25832, DHHN2016 heights; TERRAIN of Export 3D Tiles); district.json (what was written). The folder must be new, empty or hold an earlier sample district, which it replaces; it is written only when everything succeeded.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="51"/>
      <source>CityGML 2.0 city model</source>
      <translation>CityGML 2.0 city model</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="52"/>
      <source>CityJSON 2.0 city model</source>
      <translation>CityJSON 2.0 city model</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="53"/>
      <source>CityJSONSeq city model</source>
      <translation>CityJSONSeq city model</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="54"/>
      <source>School (IFC4)</source>
      <translation>School (IFC4)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="55"/>
      <source>Learning islands (GeoJSON)</source>
      <translation>Learning islands (GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="56"/>
      <source>Sensors (SensorThings JSON)</source>
      <translation>Sensors (SensorThings JSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="57"/>
      <source>Sensors (LoRaWAN CSV)</source>
      <translation>Sensors (LoRaWAN CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="58"/>
      <source>Public open spaces (GeoJSON)</source>
      <translation>Public open spaces (GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="59"/>
      <source>Digital terrain model (DGM GeoTIFF)</source>
      <translation>Digital terrain model (DGM GeoTIFF)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="65"/>
      <source>Number of buildings</source>
      <translation>Number of buildings</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="68"/>
      <source>Random seed</source>
      <translation>Random seed</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="70"/>
      <source>Output folder</source>
      <translation>Output folder</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="73"/>
      <source>Buildings written</source>
      <translation>Buildings written</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="82"/>
      <source>The number of buildings must be between {0} and {1}.</source>
      <translation>The number of buildings must be between {0} and {1}.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="86"/>
      <source>The seed must not be negative.</source>
      <translation>The seed must not be negative.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="89"/>
      <source>No output folder given.</source>
      <translation>No output folder given.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="91"/>
      <source>Sample district with {0} buildings (seed {1}) written to {2}</source>
      <translation>Sample district with {0} buildings (seed {1}) written to {2}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="23"/>
      <source>WLAN coverage and priorities</source>
      <translation>WLAN coverage and priorities</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="27"/>
      <source>Computes for every building (storey by storey) and every BIM room whether WLAN access points cover it, and ranks the buildings that are not fully covered for the 'WLAN in all buildings' plan.

Model: an access point inside a footprint is an indoor AP of that building on its 'floor' (default 0) and covers that building only, with radius INDOOR_RANGE − STOREY_PENALTY × |storey − floor|. An AP outside all footprints is an outdoor AP at ground level and covers any building with radius OUTDOOR_RANGE − STOREY_PENALTY × storey (basements are not reached from outside). A storey or room is covered when 95 % of its area lies within the AP discs; a building when all its storeys are. Storeys: storeys_above_ground, else measured_height / 3 m, else 1. Rooms take their floor from their storey (ground floor: EG/Erdgeschoss/level 0, else the storey nearest elevation 0, else the lowest non-basement storey).

Priority by ALKIS building function (31001_xxxx), lower class first, then larger gross floor area (footprint × storeys):
1 school: 3020 education, 3021 general school, 3022 vocational school
2 childcare, university, library, youth: 3023 university, 3024 research, 3037 library, 3061 youth centre, 3065 kindergarten/Kita
3 administration and citizen services: 3010-3019 (town hall, offices, courts...)
4 other public buildings: any other 3xxx (culture, health, social, sport, transport)
5 not public: everything else

Output: wlan_building_coverage, wlan_room_coverage (with ROOMS) and wlan_priorities (rank, class, label, is_public).</source>
      <translation>Computes for every building (storey by storey) and every BIM room whether WLAN access points cover it, and ranks the buildings that are not fully covered for the 'WLAN in all buildings' plan.

Model: an access point inside a footprint is an indoor AP of that building on its 'floor' (default 0) and covers that building only, with radius INDOOR_RANGE − STOREY_PENALTY × |storey − floor|. An AP outside all footprints is an outdoor AP at ground level and covers any building with radius OUTDOOR_RANGE − STOREY_PENALTY × storey (basements are not reached from outside). A storey or room is covered when 95 % of its area lies within the AP discs; a building when all its storeys are. Storeys: storeys_above_ground, else measured_height / 3 m, else 1. Rooms take their floor from their storey (ground floor: EG/Erdgeschoss/level 0, else the storey nearest elevation 0, else the lowest non-basement storey).

Priority by ALKIS building function (31001_xxxx), lower class first, then larger gross floor area (footprint × storeys):
1 school: 3020 education, 3021 general school, 3022 vocational school
2 childcare, university, library, youth: 3023 university, 3024 research, 3037 library, 3061 youth centre, 3065 kindergarten/Kita
3 administration and citizen services: 3010-3019 (town hall, offices, courts...)
4 other public buildings: any other 3xxx (culture, health, social, sport, transport)
5 not public: everything else

Output: wlan_building_coverage, wlan_room_coverage (with ROOMS) and wlan_priorities (rank, class, label, is_public).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="55"/>
      <source>WLAN access points (points, optional 'floor' field)</source>
      <translation>WLAN access points (points, optional 'floor' field)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="58"/>
      <source>Buildings (twin: footprints or buildings)</source>
      <translation>Buildings (twin: footprints or buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="61"/>
      <source>Indoor range (m)</source>
      <translation>Indoor range (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="62"/>
      <source>Outdoor range (m)</source>
      <translation>Outdoor range (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="63"/>
      <source>Range lost per storey (m)</source>
      <translation>Range lost per storey (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="67"/>
      <source>WLAN coverage GeoPackage</source>
      <translation>WLAN coverage GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="68"/>
      <source>Buildings covered</source>
      <translation>Buildings covered</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="69"/>
      <source>Buildings to plan</source>
      <translation>Buildings to plan</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="79"/>
      <source>Access points and buildings are required.</source>
      <translation>Access points and buildings are required.</translation>
    </message>
    <message>
      <location filename="../../processing/cluster.py" line="22"/>
      <source>Dask scheduler for a partitioned run (e.g. tcp://10.0.0.5:8786; empty: none)</source>
      <translation>Dask scheduler for a partitioned run (e.g. tcp://10.0.0.5:8786; empty: none)</translation>
    </message>
    <message>
      <location filename="../../processing/cluster.py" line="25"/>
      <source>Local Dask worker processes (0 or 1: run in this process)</source>
      <translation>Local Dask worker processes (0 or 1: run in this process)</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="23"/>
      <source>No PostgreSQL connection named {0}.</source>
      <translation>No PostgreSQL connection named {0}.</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="29"/>
      <source>The connection {0} has no usable settings.</source>
      <translation>The connection {0} has no usable settings.</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="45"/>
      <source>Or: PostGIS connection</source>
      <translation>Or: PostGIS connection</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="47"/>
      <source>PostGIS schema</source>
      <translation>PostGIS schema</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="49"/>
      <source>PostGIS credentials (authentication configuration)</source>
      <translation>PostGIS credentials (authentication configuration)</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="59"/>
      <source>Give either an output GeoPackage or a PostGIS connection.</source>
      <translation>Give either an output GeoPackage or a PostGIS connection.</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="45"/>
      <source>Sample district: import, build the twin, export 3D Tiles</source>
      <translation>Sample district: import, build the twin, export 3D Tiles</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="46"/>
      <source>The whole GeoTwin chain on the generated sample district around Friedrichsplatz, Karlsruhe: generate the district (CityGML, the school's IFC, learning islands, sensors), import the city model, the school's BIM model, the learning islands and the sensors (linked to the buildings and rooms), build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).
Look at the result: python3 -m http.server in the tiles folder, then open http://localhost:8000/viewer/index.html; or open the twin in QGIS with Plugins &gt; GeoTwin &gt; Open twin…</source>
      <translation>The whole GeoTwin chain on the generated sample district around Friedrichsplatz, Karlsruhe: generate the district (CityGML, the school's IFC, learning islands, sensors), import the city model, the school's BIM model, the learning islands and the sensors (linked to the buildings and rooms), build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).
Look at the result: python3 -m http.server in the tiles folder, then open http://localhost:8000/viewer/index.html; or open the twin in QGIS with Plugins &gt; GeoTwin &gt; Open twin…</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="59"/>
      <source>Your data: import, build the twin, export 3D Tiles</source>
      <translation>Your data: import, build the twin, export 3D Tiles</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="60"/>
      <source>The GeoTwin chain on your own data: import the city model (CityGML/CityJSON files or folders), the BIM model (IFC, placed with its own georeferencing), the learning islands (GeoJSON, GeoPackage or CSV) and the sensors (SensorThings JSON, CSV or GeoJSON exports), linked to the buildings and rooms; build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).</source>
      <translation>The GeoTwin chain on your own data: import the city model (CityGML/CityJSON files or folders), the BIM model (IFC, placed with its own georeferencing), the learning islands (GeoJSON, GeoPackage or CSV) and the sensors (SensorThings JSON, CSV or GeoJSON exports), linked to the buildings and rooms; build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).</translation>
    </message>
    <message>
      <location filename="../../processing/provider.py" line="34"/>
      <source>GeoTwin – Digitaler Geozwilling</source>
      <translation>GeoTwin – Digitaler Geozwilling</translation>
    </message>
  </context>
</TS>
