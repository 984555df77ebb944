<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en_US">
  <context>
    <name>GeoTwin</name>
    <message>
      <location filename="../../plugin/menu.py" line="116"/>
      <source>Open twin</source>
      <translation>Zwilling öffnen</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="118"/>
      <source>Twin GeoPackage (*.gpkg)</source>
      <translation>Zwilling-GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="126"/>
      <source>Add 3D tileset</source>
      <translation>3D-Tileset hinzufügen</translation>
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
      <translation>Keine PostgreSQL-Verbindung: legen Sie zuerst eine in der Datenquellenverwaltung an.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="155"/>
      <source>Open twin from PostGIS</source>
      <translation>Zwilling aus PostGIS öffnen</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="155"/>
      <source>Connection</source>
      <translation>Verbindung</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="158"/>
      <source>Schema</source>
      <translation>Schema</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="188"/>
      <source>Opened {0}: {1} layers, {2} relations. {3} Identify a building and open its form to see its BIM rooms, learning islands and sensors.</source>
      <translation>{0} geöffnet: {1} Layer, {2} Beziehungen. {3} Fragen Sie ein Gebäude ab und öffnen Sie sein Formular, um seine BIM-Räume, Lerninseln und Sensoren zu sehen.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="193"/>
      <source>The DGM beside the twin was not used: {0}</source>
      <translation>Das DGM neben dem Zwilling wurde nicht verwendet: {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="206"/>
      <source>This QGIS has no 3D map view; the layers carry their 3D renderers for one that has.</source>
      <translation>Dieses QGIS hat keine 3D-Kartenansicht; die Layer tragen ihre 3D-Darstellung für ein QGIS mit 3D.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="216"/>
      <source>A 3D map view shows surfaces by type and BIM elements by IFC class.</source>
      <translation>Eine 3D-Kartenansicht zeigt die Flächen nach Typ und die BIM-Elemente nach IFC-Klasse.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="244"/>
      <source>Its terrain is the DGM {0}; buildings and terrain share its heights.</source>
      <translation>Sein Gelände ist das DGM {0}; Gebäude und Gelände haben dieselben Höhen.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="247"/>
      <source>Its terrain lies at the lowest building ground, {0} m (Project Properties, Terrain).</source>
      <translation>Ihr Gelände liegt auf der niedrigsten Geländehöhe der Gebäude, {0} m (Projekteigenschaften, Gelände).</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="250"/>
      <source>Heights are shown {0} m lower (the lowest building ground), so the buildings stand on its flat terrain.</source>
      <translation>Höhen werden um {0} m (die niedrigste Geländehöhe der Gebäude) tiefer gezeigt, sodass die Gebäude auf ihrem ebenen Gelände stehen.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="256"/>
      <source>Set DGM as 3D terrain</source>
      <translation>DGM als 3D-Gelände setzen</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="258"/>
      <source>Digital terrain model (*.tif *.tiff *.vrt *.asc *.xyz)</source>
      <translation>Digitales Geländemodell (*.tif *.tiff *.vrt *.asc *.xyz)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="293"/>
      <source>Added the DGM {0}. Open a twin first to see it as the 3D view's terrain.</source>
      <translation>DGM {0} hinzugefügt. Öffnen Sie zuerst einen Zwilling, um es als Gelände der 3D-Ansicht zu sehen.</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="30"/>
      <source>&amp;GeoTwin</source>
      <translation>&amp;GeoTwin</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="43"/>
      <source>Open twin…</source>
      <translation>Zwilling öffnen…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="44"/>
      <source>Open a GeoTwin twin GeoPackage: styled 2D and 3D layers, buildings linked to their BIM rooms, learning islands and sensors</source>
      <translation>Einen GeoTwin-Zwilling (GeoPackage) öffnen: gestaltete 2D- und 3D-Layer, Gebäude verknüpft mit ihren BIM-Räumen, Lerninseln und Sensoren</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="49"/>
      <source>Open twin from PostGIS…</source>
      <translation>Zwilling aus PostGIS öffnen…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="52"/>
      <source>Sensor time series…</source>
      <translation>Zeitreihen der Sensoren…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="55"/>
      <source>Set DGM as 3D terrain…</source>
      <translation>DGM als 3D-Gelände setzen…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="56"/>
      <source>Add a digital terrain model (e.g. a DGM1 GeoTIFF) as a hillshade layer and make it the terrain of the 3D map view</source>
      <translation>Ein digitales Geländemodell (z. B. ein DGM1-GeoTIFF) als Schummerungslayer hinzufügen und zum Gelände der 3D-Kartenansicht machen</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="60"/>
      <source>Add 3D tileset…</source>
      <translation>3D-Tileset hinzufügen…</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="61"/>
      <source>Add an exported GeoTwin tileset (tileset.json) as a 3D tiles layer (QGIS 3.34 or later, tiles exported for the QGIS 3D tiles layer)</source>
      <translation>Ein exportiertes GeoTwin-Tileset (tileset.json) als 3D-Tiles-Layer hinzufügen (ab QGIS 3.34, Kacheln für den QGIS-3D-Tiles-Layer exportiert)</translation>
    </message>
    <message>
      <location filename="../../plugin/menu.py" line="74"/>
      <source>Select a sensors layer of a twin GeoPackage first.</source>
      <translation>Wählen Sie zuerst einen Sensor-Layer eines Zwilling-GeoPackages.</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="115"/>
      <source>From</source>
      <translation>Von</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="117"/>
      <source>to</source>
      <translation>bis</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="170"/>
      <source>{0} values</source>
      <translation>{0} Werte</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Last 24 hours</source>
      <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Last 7 days</source>
      <translation>Letzte 7 Tage</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="19"/>
      <source>Range</source>
      <translation>Zeitraum</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="50"/>
      <source>No observations in this window</source>
      <translation>Keine Beobachtungen in diesem Zeitraum</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="51"/>
      <source>Time (UTC): {0} – {1}</source>
      <translation>Zeit (UTC): {0} – {1}</translation>
    </message>
    <message>
      <location filename="../../plugin/series_dock.py" line="94"/>
      <source>Sensor time series</source>
      <translation>Zeitreihen der Sensoren</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="151"/>
      <source>QGIS {0} cannot show 3D Tiles (the 3D tiles layer needs QGIS 3.34 or later): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view, or look at the tileset in the web map (viewer/index.html).</source>
      <translation>QGIS {0} kann keine 3D Tiles zeigen (der 3D-Tiles-Layer braucht QGIS 3.34 oder neuer): {1} wurde nicht hinzugefügt. Öffnen Sie das Zwillings-GeoPackage mit Erweiterungen &gt; GeoTwin &gt; Zwilling öffnen… für seine Vektor-3D-Ansicht, oder sehen Sie das Tileset in der Webkarte an (viewer/index.html).</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="155"/>
      <source>{0} was exported for the Cesium web map (quantised positions, meshopt compression), which the QGIS 3D tiles layer cannot display, so it was not added. Export again with the target client "QGIS 3D tiles layer" to see it in QGIS.</source>
      <translation>{0} wurde für die Cesium-Webkarte exportiert (quantisierte Positionen, meshopt-Kompression), die der QGIS-3D-Tiles-Layer nicht darstellen kann, und wurde deshalb nicht hinzugefügt. Exportieren Sie erneut mit dem Ziel-Client „QGIS-3D-Tiles-Layer“, um es in QGIS zu sehen.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="158"/>
      <source>Added {0} as a 3D tiles layer; open a 3D map view (View &gt; 3D Map Views) to see it.</source>
      <translation>{0} als 3D-Tiles-Layer hinzugefügt; öffnen Sie eine 3D-Kartenansicht (Ansicht &gt; 3D-Kartenansichten), um ihn zu sehen.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="160"/>
      <source>{0} is Draco-compressed (KHR_draco_mesh_compression), and this QGIS does not show that it decodes Draco (QGIS built without Draco even crashes on such tiles), so it was not added. Export again with the target client "QGIS 3D tiles layer" without "Draco compression".</source>
      <translation>{0} ist Draco-komprimiert (KHR_draco_mesh_compression), und dieses QGIS lässt nicht erkennen, dass es Draco entpackt (ein QGIS ohne Draco stürzt bei solchen Kacheln sogar ab); es wurde deshalb nicht hinzugefügt. Exportieren Sie erneut mit dem Ziel-Client „QGIS-3D-Tiles-Layer“ ohne „Draco-Kompression“.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="189"/>
      <source>This QGIS ({0}) has no 3D tiles layer (QgsTiledSceneLayer): {1} was not added. Open the twin GeoPackage with Plugins &gt; GeoTwin &gt; Open twin… for its vector 3D view.</source>
      <translation>Dieses QGIS ({0}) hat keinen 3D-Tiles-Layer (QgsTiledSceneLayer): {1} wurde nicht hinzugefügt. Öffnen Sie das Zwillings-GeoPackage mit Erweiterungen &gt; GeoTwin &gt; Zwilling öffnen… für seine Vektor-3D-Ansicht.</translation>
    </message>
    <message>
      <location filename="../../plugin/tiles_layer.py" line="232"/>
      <source>The tiles are Draco-compressed: QGIS shows them only where it was built with Draco.</source>
      <translation>Die Kacheln sind Draco-komprimiert: QGIS zeigt sie nur, wenn es mit Draco gebaut wurde.</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>City model</source>
      <translation>Stadtmodell</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>BIM</source>
      <translation>BIM</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="123"/>
      <source>Learning islands &amp; sensors</source>
      <translation>Lerninseln &amp; Sensoren</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="124"/>
      <source>Reports and links</source>
      <translation>Berichte und Verknüpfungen</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="125"/>
      <source>Buildings</source>
      <translation>Gebäude</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="125"/>
      <source>Building surfaces</source>
      <translation>Gebäudeflächen</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="126"/>
      <source>BIM buildings</source>
      <translation>BIM-Gebäude</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="126"/>
      <source>BIM storeys</source>
      <translation>BIM-Geschosse</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="127"/>
      <source>BIM rooms</source>
      <translation>BIM-Räume</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="127"/>
      <source>BIM elements</source>
      <translation>BIM-Elemente</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="128"/>
      <source>Learning islands</source>
      <translation>Lerninseln</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="128"/>
      <source>Sensors</source>
      <translation>Sensoren</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="129"/>
      <source>Observations</source>
      <translation>Beobachtungen</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="129"/>
      <source>Conflation report</source>
      <translation>Zuordnungsbericht</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="130"/>
      <source>Height report</source>
      <translation>Höhenbericht</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="130"/>
      <source>Sources</source>
      <translation>Quellen</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="131"/>
      <source>Links: rooms of buildings</source>
      <translation>Verknüpfungen: Räume der Gebäude</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="131"/>
      <source>Links: BIM elements of buildings</source>
      <translation>Verknüpfungen: BIM-Elemente der Gebäude</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="133"/>
      <source>Building of the room</source>
      <translation>Gebäude des Raums</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="134"/>
      <source>Building of the element</source>
      <translation>Gebäude des Elements</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="135"/>
      <source>Learning islands in the room</source>
      <translation>Lerninseln im Raum</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="136"/>
      <source>Attributes</source>
      <translation>Attribute</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="153"/>
      <source>no such file</source>
      <translation>Datei nicht gefunden</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="157"/>
      <source>not a GeoPackage ({0})</source>
      <translation>kein GeoPackage ({0})</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="168"/>
      <source>cannot list the tables ({0})</source>
      <translation>die Tabellen lassen sich nicht auflisten ({0})</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="170"/>
      <source>no PostgreSQL connection of that name</source>
      <translation>keine PostgreSQL-Verbindung dieses Namens</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="192"/>
      <source>not a GeoTwin twin: it has no buildings layer</source>
      <translation>kein GeoTwin-Zwilling: es fehlt der Layer buildings</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="196"/>
      <source>GeoTwin: {0}</source>
      <translation>GeoTwin: {0}</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="207"/>
      <source>the layer {0} cannot be opened</source>
      <translation>der Layer {0} lässt sich nicht öffnen</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="209"/>
      <source>the layer {0} cannot be filtered</source>
      <translation>der Layer {0} lässt sich nicht filtern</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="213"/>
      <source>style {0}: {1}</source>
      <translation>Stil {0}: {1}</translation>
    </message>
    <message>
      <location filename="../../plugin/twin_view.py" line="294"/>
      <source>relation {0} is invalid</source>
      <translation>die Beziehung {0} ist ungültig</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="192"/>
      <source>DGM (terrain)</source>
      <translation>DGM (Gelände)</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="194"/>
      <source>not a readable raster</source>
      <translation>kein lesbares Raster</translation>
    </message>
    <message>
      <location filename="../../plugin/view3d.py" line="196"/>
      <source>a DGM needs one band of heights and a coordinate reference system</source>
      <translation>ein DGM braucht ein Band mit Höhen und ein Koordinatenbezugssystem</translation>
    </message>
    <message>
      <location filename="../../processing/algorithm.py" line="113"/>
      <source>{0}: the file does not exist ({1})</source>
      <translation>{0}: Die Datei existiert nicht ({1})</translation>
    </message>
    <message>
      <location filename="../../processing/algorithm.py" line="115"/>
      <source>{0}: not a readable vector layer ({1})</source>
      <translation>{0}: kein lesbarer Vektorlayer ({1})</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="102"/>
      <source>Opened the booking link in the web browser.</source>
      <translation>Der Buchungslink wurde im Webbrowser geöffnet.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="27"/>
      <source>Book a learning island</source>
      <translation>Lerninsel buchen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="31"/>
      <source>Books the learning island ISLAND (its id in the learning_islands layer INPUT) from TIME for DURATION minutes for SEATS seats in the name of NAME.

First the island must have enough seats and be open for the whole time (opening hours with the public and school holidays of Baden-Württemberg). Where its calendar is a CalDAV collection, the algorithm reads it and refuses the booking when any busy event overlaps the time, naming that event; otherwise it writes the reservation (a VEVENT) into the calendar and returns its UID. AUTHCFG (Basic: user name and password) is sent only to the calendar's own host.

Islands without a CalDAV calendar: their booking_url is returned as BOOKING_URL with the placeholders {island}, {start}, {end} (ISO local times), {date}, {duration}, {seats} and {name} filled in; the plugin opens it in the web browser. An iCalendar feed is checked first, so a taken slot is refused here too. TIME is local time in Europe/Berlin.</source>
      <translation>Bucht die Lerninsel ISLAND (ihre ID im Layer learning_islands INPUT) ab TIME für DURATION Minuten für SEATS Plätze auf den Namen NAME.

Zuerst muss die Lerninsel genug Plätze haben und die ganze Zeit geöffnet sein (Öffnungszeiten mit den Feiertagen und Schulferien Baden-Württembergs). Ist ihr Kalender eine CalDAV-Sammlung, liest der Algorithmus ihn und lehnt die Buchung ab, wenn ein belegter Termin die Zeit überschneidet, und nennt diesen Termin; sonst schreibt er die Reservierung (ein VEVENT) in den Kalender und gibt ihre UID zurück. AUTHCFG (Basic: Benutzername und Passwort) wird nur an den eigenen Host des Kalenders gesendet.

Lerninseln ohne CalDAV-Kalender: Ihre booking_url wird als BOOKING_URL zurückgegeben, mit ausgefüllten Platzhaltern {island}, {start}, {end} (ISO-Ortszeiten), {date}, {duration}, {seats} und {name}; das Plugin öffnet sie im Webbrowser. Ein iCalendar-Feed wird vorher geprüft, sodass ein belegter Zeitraum auch hier abgelehnt wird. TIME ist Ortszeit in Europe/Berlin.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="50"/>
      <source>Learning islands (learning_islands)</source>
      <translation>Lerninseln (learning_islands)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="51"/>
      <source>Island id</source>
      <translation>Lerninsel-ID</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="54"/>
      <source>For (minutes)</source>
      <translation>Dauer (Minuten)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="57"/>
      <source>Seats</source>
      <translation>Plätze</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="58"/>
      <source>Booked by (name, class)</source>
      <translation>Gebucht von (Name, Klasse)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="61"/>
      <source>Authentication for the CalDAV calendar</source>
      <translation>Authentifizierung für den CalDAV-Kalender</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="62"/>
      <source>Booked in the calendar</source>
      <translation>Im Kalender gebucht</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="63"/>
      <source>Reservation UID</source>
      <translation>UID der Reservierung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="64"/>
      <source>Booking link</source>
      <translation>Buchungslink</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="65"/>
      <source>Result</source>
      <translation>Ergebnis</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="75"/>
      <source>No island id given.</source>
      <translation>Keine Lerninsel-ID angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/booklearningisland.py" line="78"/>
      <source>No time given.</source>
      <translation>Keine Zeit angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="103"/>
      <source>Twin GeoPackage</source>
      <translation>Zwillings-GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="103"/>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="105"/>
      <source>Buildings in the twin</source>
      <translation>Gebäude im Zwilling</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="106"/>
      <source>BIM buildings matched to the city model</source>
      <translation>Dem Stadtmodell zugeordnete BIM-Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="107"/>
      <source>BIM buildings added as new buildings</source>
      <translation>Als neue Gebäude hinzugefügte BIM-Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="108"/>
      <source>BIM buildings reported as mismatches</source>
      <translation>Als Abweichung gemeldete BIM-Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="109"/>
      <source>Buildings added since the last build</source>
      <translation>Seit dem letzten Aufbau hinzugefügte Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="110"/>
      <source>Buildings removed since the last build</source>
      <translation>Seit dem letzten Aufbau entfernte Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="111"/>
      <source>Buildings modified since the last build</source>
      <translation>Seit dem letzten Aufbau geänderte Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="113"/>
      <source>CRS of the twin</source>
      <translation>KBS des Zwillings</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="125"/>
      <source>Give a city model or at least one IFC model.</source>
      <translation>Geben Sie ein Stadtmodell oder mindestens ein IFC-Modell an.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="139"/>
      <source>Building the twin in {0}</source>
      <translation>Der Zwilling wird in {0} aufgebaut</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="156"/>
      <source>{0} buildings; BIM: {1} matched, {2} added as new buildings, {3} mismatches; changes: {4} added, {5} removed, {6} modified</source>
      <translation>{0} Gebäude; BIM: {1} zugeordnet, {2} als neue Gebäude hinzugefügt, {3} Abweichungen; Änderungen: {4} hinzugefügt, {5} entfernt, {6} geändert</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="160"/>
      <source>Added</source>
      <translation>Hinzugefügt</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="160"/>
      <source>Removed</source>
      <translation>Entfernt</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="161"/>
      <source>Modified</source>
      <translation>Geändert</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="163"/>
      <source> (and {0} more: see the changes table)</source>
      <translation> (und {0} weitere: siehe Tabelle changes)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="27"/>
      <source>Build digital twin</source>
      <translation>Digitalen Zwilling aufbauen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="29"/>
      <source>Digital twin</source>
      <translation>Digitaler Zwilling</translation>
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
      <translation>Baut den verknüpften digitalen Zwilling in einem GeoPackage oder einem PostGIS-Schema auf: das Stadtmodell, die BIM-Gebäude mit Geschossen, Räumen und Bauteilen, die Lerninseln und die Sensoren mit ihren Beobachtungen, dazu Verknüpfungen (replaces, part_of, located_in, observes), Quellen (Datei, SHA-256, KBS, Importzeit, GeoTwin-Version), die Georeferenzierungs-, Höhen- und Konflationsberichte sowie die Objekt-Hashes und Änderungen inkrementeller Neuaufbauten. Das Schema ist in docs/twin-schema.md beschrieben.

CITYMODEL: GeoPackages aus „3D-Stadtmodell importieren“ oder CityGML-/CityJSON-Dateien oder -Ordner (werden direkt importiert). IFC: GeoPackages aus „BIM-Modell importieren“ oder IFC-Dateien (mit ihrer eigenen Georeferenzierung platziert). ISLANDS und SENSORS: GeoPackages aus dem Lerninsel- und dem Sensorimport.
Konflation: Jedes BIM-Gebäude wird dem Stadtmodellgebäude zugeordnet, das sein Grundriss am stärksten überlappt (Schnitt durch Vereinigung, IoU). Bei einer IoU von mindestens IOU_THRESHOLD und Boden- und Dachhöhen innerhalb von HEIGHT_TOLERANCE wird es zur detaillierten Darstellung dieses Gebäudes: Das Stadtmodell behält IDs, Adresse und Attribute, das BIM ergänzt Räume und Bauteile. Eine geringere IoU, ein größerer Höhenversatz oder keine Überlappung, während ein Gebäude mit gleichem Umriss innerhalb von SEARCH_DISTANCE liegt (ein falsch platziertes Modell), ist eine Abweichung: Sie wird in conflation_report und im Protokoll gemeldet und nie zusammengeführt. Ein BIM-Gebäude ohne Überlappung und ohne Doppelgänger wird als neues Gebäude hinzugefügt. IFC-Inhalt außerhalb jedes Gebäudes (eine Straße, Brücke, Erdbauwerke, Außenanlagen: bim_buildings.ifc_class ist nicht IfcBuilding) wird nie zugeordnet: er wird als eigenes Objekt mit seiner IFC-Klasse als object_class hinzugefügt, und seine Bauteile werden gekachelt.
Das KBS des Zwillings wird einmal, als erster Schritt des Aufbaus, festgelegt und im Protokoll und in den Ergebnissen gemeldet: das des Stadtmodells (alle Stadtmodell-Eingaben müssen übereinstimmen), sonst das der IFC-Eingaben (alle müssen übereinstimmen), sonst das der ersten Lerninsel- oder Sensoreingabe; jede Eingabe in einem anderen KBS wird in dieses transformiert. CRS: (erweitert, optional) legt das KBS des Zwillings stattdessen fest, z. B. um Stadtmodelle zu kombinieren, die in verschiedenen KBS geliefert wurden und ohne diese Angabe abgelehnt werden. Ein Neuaufbau in einem anderen KBS als dem des gespeicherten Zwillings schreibt jede Ebene neu. Der partitionierte Aufbau (SCHEDULER, WORKERS) schneidet seine Partitionen im KBS des Stadtmodells und lehnt jedes andere ab.
Inkrementeller Neuaufbau: Nach Änderung einer Quelle erneut in dieselbe Ausgabe ausführen. Eingaben mit unveränderter Prüfsumme werden nicht erneut gelesen, nur hinzugefügte, entfernte oder geänderte Objekte (nach Hash von Geometrie und Attributen) werden geschrieben, und die Tabelle changes sowie die Ergebnisse ADDED/REMOVED/MODIFIED nennen die geänderten Gebäude.
OUTPUT: ein GeoPackage, in eine temporäre Kopie geschrieben, die es nur bei erfolgreichem Aufbau ersetzt; es muss neu, leer oder ein von GeoTwin geschriebener Zwilling sein (jede andere Datei wird abgelehnt, nie überschrieben). Oder DATABASE: eine PostgreSQL/PostGIS-Verbindung von QGIS (optional mit AUTHCFG für die Zugangsdaten) und SCHEMA: ein neues oder leeres Schema oder eines, das GeoTwin angelegt hat, nie public oder ein Systemschema; der Aufbau ist eine Transaktion, und ein zweiter Aufbau in dasselbe Schema wartet auf den ersten. Passwörter werden nie protokolliert.
SCHEDULER und WORKERS (erweitert): ein großes Stadtmodell kann in räumlichen Partitionen auf Dask distributed aufgebaut werden: jede Partition ist ein Quadrat der Stadt mit etwa 4.000 Gebäuden, jedes Gebäude wird in der Partition der Mitte seines Grundrisses aufgebaut, und die Partitionen werden in einer Transaktion in die Ausgabe geschrieben. SCHEDULER nennt einen vorhandenen Dask-Scheduler (z. B. tcp://10.0.0.5:8786); leer mit WORKERS 2 oder mehr startet so viele Worker-Prozesse auf diesem Rechner. Leer und 0 oder 1 (die Voreinstellung) baut wie bisher in diesem Prozess auf. Das Stadtmodell muss dann aus GeoPackages des Stadtmodell-Imports bestehen; BIM-Modelle, Lerninseln und Sensoren werden danach in diesem Prozess mit ihm verknüpft. Die Partitionen und ein Verzeichnis der fertigen liegen neben dem Ausgabe-GeoPackage (&lt;Ausgabe&gt;.geotwin-work; für PostGIS im temporären Ordner): ein zweiter Lauf baut nur die Partitionen neu auf, deren Quelldateien sich geändert haben. Abbrechen bricht die Aufgaben des Clusters ab.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="83"/>
      <source>City model (GeoPackages from the import, or CityGML/CityJSON files)</source>
      <translation>Stadtmodell (GeoPackages aus dem Import oder CityGML-/CityJSON-Dateien)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="85"/>
      <source>BIM models (GeoPackages from the IFC import, or IFC files)</source>
      <translation>BIM-Modelle (GeoPackages aus dem IFC-Import oder IFC-Dateien)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="86"/>
      <source>Learning islands (GeoPackages)</source>
      <translation>Lerninseln (GeoPackages)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="87"/>
      <source>Sensors (GeoPackages)</source>
      <translation>Sensoren (GeoPackages)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="90"/>
      <source>Minimum footprint IoU for a match</source>
      <translation>Mindest-IoU der Grundrisse für eine Zuordnung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="93"/>
      <source>Height tolerance for a match (m)</source>
      <translation>Höhentoleranz für eine Zuordnung (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="96"/>
      <source>Search distance for a misplaced BIM model (m)</source>
      <translation>Suchabstand für ein falsch platziertes BIM-Modell (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/buildtwin.py" line="98"/>
      <source>CRS of the twin (default: the inputs')</source>
      <translation>KBS des Zwillings (Voreinstellung: das der Eingaben)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="129"/>
      <source>City model or twin GeoPackage</source>
      <translation>GeoPackage des Stadtmodells oder des Zwillings</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="131"/>
      <source>Or: PostGIS connection of the twin</source>
      <translation>Oder: PostGIS-Verbindung des Zwillings</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="132"/>
      <source>Tileset folder</source>
      <translation>Tileset-Ordner</translation>
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
      <translation>Eines pro Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="137"/>
      <source>One per surface</source>
      <translation>Eines pro Fläche</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>Target client</source>
      <translation>Ziel-Client</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>Cesium web map</source>
      <translation>Cesium-Webkarte</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="140"/>
      <source>QGIS 3D tiles layer</source>
      <translation>QGIS-3D-Tiles-Layer</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="143"/>
      <source>Compress (quantisation, meshopt)</source>
      <translation>Komprimieren (Quantisierung, meshopt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="145"/>
      <source>Implicit tiling (subtrees)</source>
      <translation>Implizite Kachelung (Subtrees)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="147"/>
      <source>Height model</source>
      <translation>Höhenmodell</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="148"/>
      <source>Automatic (best available)</source>
      <translation>Automatisch (das beste verfügbare)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="148"/>
      <source>Quasigeoid grid (GCG2016 or the grid file)</source>
      <translation>Quasigeoid-Gitter (GCG2016 oder die Gitterdatei)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="149"/>
      <source>EGM96</source>
      <translation>EGM96</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="149"/>
      <source>Constant undulation</source>
      <translation>Konstante Undulation</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="150"/>
      <source>Quasigeoid grid file (GTX or GeoTIFF)</source>
      <translation>Quasigeoid-Gitterdatei (GTX oder GeoTIFF)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="153"/>
      <source>Constant undulation (m)</source>
      <translation>Konstante Undulation (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="155"/>
      <source>CesiumJS URL or local Build/Cesium folder</source>
      <translation>CesiumJS-URL oder lokaler Build/Cesium-Ordner</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="159"/>
      <source>Write the web viewer</source>
      <translation>Web-Viewer schreiben</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="161"/>
      <source>Draco compression (QGIS 3D tiles layer; needs DracoPy)</source>
      <translation>Draco-Kompression (QGIS-3D-Tiles-Layer; braucht DracoPy)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="166"/>
      <source>tileset.json</source>
      <translation>tileset.json</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="167"/>
      <source>Tiles</source>
      <translation>Kacheln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="168"/>
      <source>Height model used</source>
      <translation>Verwendetes Höhenmodell</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="169"/>
      <source>Tiles written</source>
      <translation>Geschriebene Kacheln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="170"/>
      <source>Tiles kept unchanged</source>
      <translation>Unverändert behaltene Kacheln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="172"/>
      <source>Terrain tiles</source>
      <translation>Geländekacheln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="177"/>
      <source>Terrain: digital terrain model (DGM raster)</source>
      <translation>Gelände: digitales Geländemodell (DGM-Raster)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="179"/>
      <source>Terrain from the city model's TIN relief</source>
      <translation>Gelände aus dem TIN-Relief des Stadtmodells</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="181"/>
      <source>Terrain: maximum number of tiles</source>
      <translation>Gelände: höchste Zahl der Kacheln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="184"/>
      <source>Basemap: XYZ or WMTS URL template (empty: offline Natural Earth II)</source>
      <translation>Hintergrundkarte: XYZ- oder WMTS-URL-Vorlage (leer: Natural Earth II, offline)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="187"/>
      <source>Basemap: attribution</source>
      <translation>Hintergrundkarte: Namensnennung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="189"/>
      <source>Basemap: maximum zoom level</source>
      <translation>Hintergrundkarte: höchste Zoomstufe</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="202"/>
      <source>Give either a terrain raster or the TIN relief, not both.</source>
      <translation>Entweder ein Geländeraster oder das TIN-Relief angeben, nicht beides.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="213"/>
      <source>A basemap attribution was given without the basemap URL.</source>
      <translation>Eine Namensnennung der Hintergrundkarte wurde ohne deren URL angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="227"/>
      <source>Choose the output folder.</source>
      <translation>Wählen Sie den Ausgabeordner.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="237"/>
      <source>The constant height model needs GEOID_CONSTANT (metres).</source>
      <translation>Das konstante Höhenmodell braucht GEOID_CONSTANT (Meter).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="241"/>
      <source>Draco compression is for the target client "QGIS 3D tiles layer"; the Cesium web map is compressed with quantisation and meshopt.</source>
      <translation>Die Draco-Kompression ist für den Ziel-Client „QGIS-3D-Tiles-Layer“; die Cesium-Webkarte wird mit Quantisierung und meshopt komprimiert.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="264"/>
      <source>{0} tiles, {1} buildings, {2:.0f} bytes per building; heights: {3}</source>
      <translation>{0} Kacheln, {1} Gebäude, {2:.0f} Byte pro Gebäude; Höhen: {3}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="266"/>
      <source>{0} tile files written, {1} kept unchanged</source>
      <translation>{0} Kacheldateien geschrieben, {1} unverändert behalten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="270"/>
      <source>Terrain: {0} tiles (levels 0 to {1}) from {2}</source>
      <translation>Gelände: {0} Kacheln (Stufen 0 bis {1}) aus {2}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="294"/>
      <source>Not exported in partitions on Dask ({0}): exporting in this process.</source>
      <translation>Nicht in Partitionen auf Dask exportiert ({0}): Export in diesem Prozess.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="310"/>
      <source>The tileset was written but not added to the project: {0}</source>
      <translation>Das Tileset wurde geschrieben, aber nicht zum Projekt hinzugefügt: {0}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="319"/>
      <source>Give either the city model or twin GeoPackage or the PostGIS connection of a twin.</source>
      <translation>Geben Sie entweder das Stadtmodell- oder Zwillings-GeoPackage oder die PostGIS-Verbindung eines Zwillings an.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/export3dtiles.py" line="35"/>
      <source>Export 3D Tiles</source>
      <translation>3D Tiles exportieren</translation>
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
      <translation>Exportiert die Gebäude eines GeoTwin-GeoPackages (aus „3D-Stadtmodell importieren“ oder den Zwilling aus „Digitalen Zwilling bauen“) als OGC-3D-Tiles-Tileset, mit einem CesiumJS-Viewer (viewer/index.html) daneben, der kein Cesium-ion-Token braucht.
INPUT: das GeoPackage. Oder, für einen in PostGIS gebauten Zwilling, DATABASE: die PostgreSQL/PostGIS-Verbindung von QGIS (optional mit AUTHCFG für die Zugangsdaten) und SCHEMA: das Schema des Zwillings; er wird über den Zwillingsspeicher gelesen und ergibt dieselben Kacheln wie derselbe Zwilling in einem GeoPackage.

Ein Zwilling fügt hinzu: die BIM-Elemente jedes Gebäudes mit BIM-Detail, in einer Kachel unter der LoD2-Kachel des Gebäudes, die der Viewer erst aus der Nähe lädt (ein Feature pro Element: global_id, ifc_class, name, storey, material, ...); die Lerninseln und Sensoren als kleine Markierungs-Features mit ihren Eigenschaften (Buchungs-URL, Öffnungszeiten, Plätze; letzter Wert, Einheit, Zeit, SensorThings-Link); und islands.geojson und sensors.geojson (WGS 84, ellipsoidische Höhe als Eigenschaft) neben dem Tileset, die der Viewer als Ebenen zeigt.
Ein erneuter Export in denselben OUTPUT-Ordner schreibt nur die Kacheln neu, deren Gebäude sich geändert haben (z. B. nach einem inkrementellen Bau des Zwillings); unveränderte Kacheldateien bleiben, wie sie sind.
FORMAT: 3D Tiles 1.1 mit GLB-Inhalt (EXT_mesh_features: ein Feature pro Gebäude oder pro Fläche; EXT_structural_metadata: jedes Attribut mit seinem Typ, das Attribut-JSON aufgelöst) oder 3D Tiles 1.0 b3dm mit einer Batch-Tabelle für ältere Viewer (QGIS bis 3.40).
COMPRESSION: Positionen auf 16 Bit quantisiert (KHR_mesh_quantization, Fehler höchstens 1 cm) und, wenn das Paket meshoptimizer installiert ist, EXT_meshopt_compression.
Ziel-Client: „Cesium-Webkarte“ (Voreinstellung: die Kompression oben, die die Webkarte am schnellsten lädt) oder „QGIS-3D-Tiles-Layer“: Positionen und Normalen als 32-Bit-Gleitkommazahlen ohne Quantisierung und meshopt, die einzige Kodierung, die der 3D-Tiles-Layer von QGIS (ab QGIS 3.34) lesen kann; die Webkarte zeigt auch diese Kacheln. „Draco-Kompression“ (erweitert, nur für den QGIS-3D-Tiles-Layer, braucht das Paket DracoPy): KHR_draco_mesh_compression, viel kleinere Kacheln (Positionen auf 1 cm genau); QGIS entpackt sie nur, wenn es mit Draco gebaut wurde. QGIS bis 3.44 liest keine implizite Kachelung: lassen Sie dafür „Implizite Kachelung (Subtrees)“ aus. Der Ziel-Client steht in tileset.json (asset.extras) und export_report.json. In QGIS Desktop ab 3.34 fügt das Plugin das exportierte Tileset als 3D-Tiles-Layer zum Projekt hinzu; bei einem Export für die Cesium-Webkarte warnt es stattdessen, dass QGIS es nicht zeigen kann.
Kachelung: ein Quadtree; die Blätter enthalten die LoD2-Geometrie, gröbere Kacheln LoD1-Blöcke (extrudierte Grundrisse). IMPLICIT schreibt stattdessen implizite Kachelung mit Subtree-Dateien.
Höhen: Normalhöhen (DHHN2016, DHHN92, NAP, ...) werden mit dem besten verfügbaren Modell zu ellipsoidischen Höhen: dem Quasigeoid-Gitter (GCG2016, wenn PROJ de_bkg_gcg2016.tif hat, oder die Datei GEOID_GRID), sonst EGM96 (Fehler bis etwa 0,5 m, mit einer Warnung), sonst die Konstante GEOID_CONSTANT. Die „Ballpark“-Transformation von PROJ, die das Geoid ignoriert (in Karlsruhe etwa 48 m daneben), wird abgelehnt. Die Methode und ihr erwarteter Fehler stehen in tileset.json (asset.extras) und export_report.json.
OUTPUT: ein Ordner, der nur bei erfolgreichem Export ersetzt wird. Zum Ansehen den Ordner ausliefern, z. B. mit python3 -m http.server darin, und viewer/index.html öffnen. CESIUM_URL: die URL von Cesium.js oder eine lokale Kopie des Ordners Build/Cesium von CesiumJS. Das Suchfeld der Webkarte findet Gebäude nach Kennung, Name oder Adresse (search/, ein Verzeichnis in kleinen Teilen, mit dem Viewer neben das Tileset geschrieben: die Seite lädt nur den Teil für die eingegebenen Wörter) und Lerninseln und Sensoren nach Kennung oder Name, fliegt dorthin und öffnet die Angaben zum Objekt.
Gelände und Hintergrundkarte der Webkarte: TERRAIN (optional): ein digitales Geländemodell als Raster (DGM, z. B. das DGM1 des Landes als GeoTIFF, im Höhensystem des Stadtmodells; jedes KBS, das GDAL transformieren kann) wird zu Quantized-Mesh-Geländekacheln in terrain/ neben dem Tileset, die der Viewer mit Cesiums CesiumTerrainProvider zeigt; TERRAIN_RELIEF nimmt stattdessen das eigene TIN-Relief des Stadtmodells. Die Höhen des Geländes gehen durch genau dasselbe Höhenmodell wie die Gebäude, sodass die Gebäude auf dem Boden stehen. TERRAIN_MAX_TILES begrenzt die Zahl der Kacheln (der Export bricht mit einer Meldung ab, die die nötige Zahl nennt). BASEMAP_URL (optional): eine XYZ- ({z}/{x}/{y}) oder WMTS-RESTful-URL-Vorlage ({TileMatrix}/{TileRow}/{TileCol}, Web Mercator) der Hintergrundkarte unter der Stadt, mit ihrer BASEMAP_ATTRIBUTION (von der Lizenz verlangt). Deutsches Beispiel, basemap.de (BKG, CC BY 4.0): https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png mit der Namensnennung „© basemap.de / BKG | Datenquellen: © GeoBasis-DE“. Ohne BASEMAP_URL zeigt der Viewer die Natural-Earth-II-Bilder, die CesiumJS mitbringt (offline).
SCHEDULER und WORKERS (erweitert): Ein großes Stadtmodell kann in Partitionen auf Dask distributed exportiert werden: Jede Partition ist ein Teilbaum des Quadtrees mit höchstens 5.000 Gebäuden und wird von einem Worker exportiert; die Wurzel des Tilesets wird zuletzt aus den Zusammenfassungen der Partitionen geschrieben. Die Kacheln sind Byte für Byte die des Exports in diesem Prozess. SCHEDULER nennt einen vorhandenen Dask-Scheduler (z. B. tcp://10.0.0.5:8786; seine Worker müssen die Eingabe und den Ausgabeordner erreichen); leer mit WORKERS 2 oder mehr startet so viele Worker-Prozesse auf diesem Rechner. Leer und 0 oder 1 (die Voreinstellung) exportiert wie bisher in diesem Prozess. Beim erneuten Export in denselben Ordner behält eine Partition, deren Gebäude sich nicht geändert haben, ihre Kacheln, ohne sie erneut zu triangulieren. Der partitionierte Export umfasst die Gebäude mit einem Feature je Gebäude: Mit Gelände, Features je Fläche oder einem Zwilling mit BIM-Details, Lerninseln oder Sensoren läuft der Export in diesem Prozess, und eine Warnung nennt den Grund. Abbrechen bricht die Aufgaben des Clusters ab.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="110"/>
      <source>Find a free learning island</source>
      <translation>Freie Lerninsel finden</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="114"/>
      <source>Finds the learning islands nearest to a location that are open for the whole window from TIME for DURATION minutes, free in their booking calendar and have at least SEATS seats. The location is a point (LOCATION) or an address (ADDRESS, 'Street 12') looked up in the street and house_number of the twin's buildings layer (BUILDINGS); the building's centroid is used.

Opening hours are evaluated in the full OSM opening_hours syntax (opening_hours_py) with the public (PH) and school holidays (SH) of Baden-Württemberg: 'Mo-Fr 08:00-16:00; PH,SH off' is closed on Corpus Christi and in the summer holidays. School holidays are known for the school years 2025/26 and 2026/27 (the movable days of each school are not included); an SH rule outside them leaves the island out. Islands whose opening hours are not understood are left out with a warning: their hours are unknown, never taken as open (the stored opening_hours is read again, so an opening_hours_error left by an older import does not count). Everyday German forms such as 'Mo-Fr 8-16 Uhr' or 'Mo-Fr 8.00-16.00' are read as Mo-Fr 08:00-16:00; forms that could be read two ways ('8-4 Uhr', 'ab 8 Uhr') are not. Hours by arrangement (a rule that is only a comment, such as "nach Vereinbarung") and open ends (08:00+: the closing time is unknown) are unknown from their start and never taken as open either; typographic dashes, quotes and spaces (Mo–Fr 08:00–18:00) are read as plain ones. TIME is local time in Europe/Berlin (default: now), DST-correct; DURATION 0 checks the instant TIME.

Calendars (CALENDARS, on by default): an island with a calendar (an iCalendar feed or a CalDAV collection, see 'Import learning islands') is left out when any busy event overlaps the window; a calendar that cannot be read leaves its island out with the reason (never taken as free). AUTHCFG (a Basic configuration: user name and password) is used for the CalDAV calendars, and only for the host in its URL field (or, when empty, the one host of the CalDAV calendars).

Output: learning_island_search, ordered by straight-line distance (rank 1 = nearest), with the booking URL (only http(s), mailto and tel links; others are dropped with a note), and learning_island_search_excluded with every island left out and why; for islands left out because they are closed or booked, its next_free field holds the start of the next window of the same length that is open and free within 7 days (empty: none).</source>
      <translation>Findet die einem Standort nächstgelegenen Lerninseln, die im ganzen Zeitfenster ab TIME für DURATION Minuten geöffnet, in ihrem Buchungskalender frei sind und mindestens SEATS Plätze haben. Der Standort ist ein Punkt (LOCATION) oder eine Adresse (ADDRESS, 'Straße 12'), die in street und house_number des Gebäude-Layers des Zwillings (BUILDINGS) gesucht wird; verwendet wird der Schwerpunkt des Gebäudes.

Öffnungszeiten werden in der vollständigen OSM-Syntax opening_hours (opening_hours_py) mit den Feiertagen (PH) und Schulferien (SH) Baden-Württembergs ausgewertet: 'Mo-Fr 08:00-16:00; PH,SH off' ist an Fronleichnam und in den Sommerferien geschlossen. Schulferien sind für die Schuljahre 2025/26 und 2026/27 bekannt (ohne die beweglichen Ferientage der einzelnen Schulen); eine SH-Regel außerhalb davon lässt die Lerninsel aus. Lerninseln, deren Öffnungszeiten nicht verstanden werden, werden mit einer Warnung ausgelassen: Ihre Öffnungszeiten sind unbekannt und gelten nie als geöffnet (opening_hours wird neu gelesen, ein opening_hours_error eines älteren Imports zählt nicht). Alltägliche deutsche Schreibweisen wie 'Mo-Fr 8-16 Uhr' oder 'Mo-Fr 8.00-16.00' werden als Mo-Fr 08:00-16:00 gelesen; Angaben, die sich zweifach lesen lassen ('8-4 Uhr', 'ab 8 Uhr'), nicht. Öffnungszeiten nach Vereinbarung (eine Regel, die nur ein Kommentar ist, etwa "nach Vereinbarung") und offene Enden (08:00+: das Schließen ist unbekannt) sind ab ihrem Beginn unbekannt und gelten ebenfalls nie als geöffnet; typografische Striche, Anführungszeichen und Leerzeichen (Mo–Fr 08:00–18:00) werden als einfache gelesen. TIME ist Ortszeit in Europe/Berlin (Standard: jetzt), mit korrekter Sommerzeit; DURATION 0 prüft den Zeitpunkt TIME.

Kalender (CALENDARS, standardmäßig an): Eine Lerninsel mit Kalender (ein iCalendar-Feed oder eine CalDAV-Sammlung, siehe 'Lerninseln importieren') wird ausgelassen, wenn ein belegter Termin das Zeitfenster überschneidet; ein Kalender, der nicht gelesen werden kann, lässt seine Lerninsel mit dem Grund aus (nie als frei angenommen). AUTHCFG (eine Basic-Konfiguration: Benutzername und Passwort) wird für die CalDAV-Kalender verwendet, und nur für den Host in ihrem URL-Feld (oder, wenn leer, den einen Host der CalDAV-Kalender).

Ausgabe: learning_island_search, nach Luftlinie sortiert (Rang 1 = am nächsten), mit der Buchungs-URL (nur http(s)-, mailto- und tel-Links; andere werden mit einem Hinweis weggelassen), und learning_island_search_excluded mit jeder ausgelassenen Lerninsel und dem Grund; für Lerninseln, die geschlossen oder belegt sind, enthält das Feld next_free den Beginn des nächsten gleich langen Zeitfensters, das innerhalb von 7 Tagen geöffnet und frei ist (leer: keines).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="149"/>
      <source>From this point</source>
      <translation>Von diesem Punkt</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="150"/>
      <source>Or from this address</source>
      <translation>Oder von dieser Adresse</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="152"/>
      <source>Buildings for the address (twin: buildings)</source>
      <translation>Gebäude für die Adresse (Zwilling: buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="154"/>
      <source>At (default: now)</source>
      <translation>Zeitpunkt (Standard: jetzt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="156"/>
      <source>For (minutes; 0 = at that moment)</source>
      <translation>Dauer (Minuten; 0 = zu diesem Zeitpunkt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="159"/>
      <source>Seats needed</source>
      <translation>Benötigte Plätze</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="161"/>
      <source>Check the booking calendars</source>
      <translation>Buchungskalender prüfen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="163"/>
      <source>Authentication for CalDAV calendars</source>
      <translation>Authentifizierung für CalDAV-Kalender</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="165"/>
      <source>Maximum results</source>
      <translation>Höchstzahl an Ergebnissen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="168"/>
      <source>Search result GeoPackage</source>
      <translation>GeoPackage mit dem Suchergebnis</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="169"/>
      <source>Islands found</source>
      <translation>Gefundene Lerninseln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="178"/>
      <source>No learning islands layer given.</source>
      <translation>Kein Lerninsel-Layer angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="186"/>
      <source>Give a location point or an address.</source>
      <translation>Geben Sie einen Standort oder eine Adresse an.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="208"/>
      <source>Free learning islands</source>
      <translation>Freie Lerninseln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="77"/>
      <source>{0} is not a valid date and time.</source>
      <translation>{0} ist kein gültiges Datum mit Uhrzeit.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="95"/>
      <source>The authentication configuration {0} cannot be loaded (unknown id or locked database).</source>
      <translation>Die Authentifizierungskonfiguration {0} kann nicht geladen werden (unbekannte ID oder gesperrte Datenbank).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/findlearningisland.py" line="99"/>
      <source>The authentication configuration {0} has no user name (use a Basic configuration).</source>
      <translation>Die Authentifizierungskonfiguration {0} hat keinen Benutzernamen (verwenden Sie eine Basic-Konfiguration).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="100"/>
      <source>Footprints</source>
      <translation>Grundrisse</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="102"/>
      <source>Terrain</source>
      <translation>Gelände</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="104"/>
      <source>Skipped objects</source>
      <translation>Übersprungene Objekte</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="115"/>
      <source>No input file or folder given.</source>
      <translation>Keine Eingabedatei und kein Eingabeordner angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="122"/>
      <source>Unknown level of detail choice.</source>
      <translation>Unbekannte Wahl des Detaillierungsgrads.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="125"/>
      <source>No output GeoPackage given.</source>
      <translation>Kein Ausgabe-GeoPackage angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="152"/>
      <source>{0} buildings, {1} building parts, {2} surfaces, {3} skipped; CRS {4}, vertical CRS {5}</source>
      <translation>{0} Gebäude, {1} Gebäudeteile, {2} Flächen, {3} übersprungen; KBS {4}, Höhen-KBS {5}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="155"/>
      <source>unknown or mixed</source>
      <translation>unbekannt oder gemischt</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="157"/>
      <source>{0} terrain triangles; {1} city objects of other types not imported; {2} ground surfaces repaired</source>
      <translation>{0} Geländedreiecke; {1} Stadtobjekte anderer Arten nicht importiert; {2} Bodenflächen repariert</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="26"/>
      <source>Highest available</source>
      <translation>Höchster vorhandener</translation>
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
      <translation>3D-Stadtmodell importieren (CityGML / CityJSON)</translation>
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
      <translation>Importiert ein 3D-Stadtmodell in das GeoPackage des Zwillings: CityGML 1.0/2.0/3.0 (.gml, .xml), CityJSON 1.1/2.0 (.json, .city.json) und CityJSONSeq (.jsonl), jeweils auch gzip-komprimiert (.gz), auch als Lieferung: ein Zip-Archiv oder ein Ordner mit Kacheln. Das Format wird am Dateiinhalt erkannt.

INPUT: eine oder mehrere Dateien, Ordner und/oder Zip-Archive. Ein Ordner wird rekursiv nach Stadtmodell-Kacheln und Zip-Archiven durchsucht; ein Zip-Archiv wird Eintrag für Eintrag gelesen, ohne es zu entpacken (mit Unterordnern und gzip-Einträgen; ein Zip in einem Zip wird aufgeführt, nicht gelesen). Dateien, die keine Stadtmodelle sind (PDF, Readme, Schemata, Metadaten), werden im Protokoll genannt und ausgelassen. Alle Kacheln bilden ein Stadtmodell und müssen ein gemeinsames Lage-KBS haben. In qgis_process den Parameter wiederholen (--INPUT=a.gml --INPUT=kacheln/ --INPUT=lod2.zip); im Modellierer eine Mehrfach-Dateieingabe verwenden.
CRS: optionale Vorgabe für Dateien, die kein oder ein falsches KBS angeben. Ein zusammengesetztes KBS (z. B. EPSG:25832 + DHHN2016-Höhe) legt auch den Höhenbezug fest.
LOD: der höchste vorhandene LoD oder LoD1/LoD2 (Objekte ohne diesen erhalten ihren nächstgelegenen LoD).
MAX_INFLATED_MB (erweitert): wie groß eine komprimierte Datei oder ein Archiv-Eintrag entpackt werden darf; eine Kompressionsbombe wird abgewiesen, ebenso alles, was stärker als 200:1 komprimiert ist. MAX_JSON_MB (erweitert): das größte CityJSON-Dokument (es wird als Ganzes gelesen; CityJSONSeq zeilenweise).
SCHEDULER und WORKERS (erweitert): eine große Lieferung kann in Partitionen auf Dask distributed importiert werden, eine Partition je Datei oder Zip-Eintrag. SCHEDULER nennt einen vorhandenen Dask-Scheduler (z. B. tcp://10.0.0.5:8786); leer mit WORKERS 2 oder mehr startet so viele Worker-Prozesse auf diesem Rechner. Leer und 0 oder 1 (die Voreinstellung) importiert wie bisher in diesem Prozess. Die Partitionen und ein Verzeichnis der fertigen liegen neben der Ausgabe (&lt;Ausgabe&gt;.geotwin-work): ein zweiter Lauf importiert nur die Dateien, die neu, geändert oder fehlgeschlagen sind. Abbrechen bricht die Aufgaben des Clusters ab.
OUTPUT: das GeoPackage. Es wird in eine temporäre Datei geschrieben und ersetzt ein vorhandenes erst, wenn der ganze Lauf gelingt.

Layer: buildings (eine Zeile je Gebäude und Gebäudeteil, MultiPolygonZ seiner Außenflächen, alle Attribute), building_surfaces (ein PolygonZ je semantischer Fläche mit surface_type und 3D-Fläche), footprints (2D-Grundriss), terrain (ein PolygonZ je TIN-Dreieck mit seinen Höhen), sources (eine Zeile je Datei oder Archiv-Eintrag: SHA-256, Format, Lage- und Höhen-KBS) und skipped_objects (jedes Objekt, das nicht importiert werden konnte, und jedes Stadtobjekt einer Art, die GeoTwin nicht importiert, etwa Straßen oder Vegetation, mit Grund; eine reparierte selbstschneidende Bodenfläche ist dort ebenfalls vermerkt). Die Layer werden mit einem 2D-Stil und einem 3D-Stil geladen, der Dächer, Wände und Boden in einer 3D-Kartenansicht einfärbt.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="80"/>
      <source>City model files or folders (CityGML, CityJSON, CityJSONSeq)</source>
      <translation>Stadtmodell-Dateien oder -Ordner (CityGML, CityJSON, CityJSONSeq)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="83"/>
      <source>CRS override (only when the files state none or a wrong one)</source>
      <translation>KBS vorgeben (nur wenn die Dateien keines oder ein falsches angeben)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="85"/>
      <source>Level of detail</source>
      <translation>Detaillierungsgrad (LoD)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="87"/>
      <source>Largest inflated size of one compressed file or zip member (MiB)</source>
      <translation>Größte entpackte Größe einer komprimierten Datei oder eines Zip-Eintrags (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="89"/>
      <source>Largest CityJSON document (MiB)</source>
      <translation>Größtes CityJSON-Dokument (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importcitymodel.py" line="95"/>
      <source>City model GeoPackage</source>
      <translation>Stadtmodell-GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="105"/>
      <source>IFC file (.ifc, .ifczip)</source>
      <translation>IFC-Datei (.ifc, .ifczip)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="106"/>
      <source>IFC (*.ifc *.ifczip *.IFC *.IFCZIP)</source>
      <translation>IFC (*.ifc *.ifczip *.IFC *.IFCZIP)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="108"/>
      <source>Georeferencing</source>
      <translation>Georeferenzierung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="111"/>
      <source>Manual: easting of the IFC origin</source>
      <translation>Manuell: Rechtswert des IFC-Ursprungs</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="113"/>
      <source>Manual: northing of the IFC origin</source>
      <translation>Manuell: Hochwert des IFC-Ursprungs</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="115"/>
      <source>Manual / fit: height of the IFC origin (fit: of the ground)</source>
      <translation>Manuell / Einpassung: Höhe des IFC-Ursprungs (Einpassung: des Geländes)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="118"/>
      <source>Manual: rotation of the IFC x axis from grid east, anticlockwise (degrees)</source>
      <translation>Manuell: Drehung der IFC-x-Achse gegen Gitter-Ost, gegen den Uhrzeigersinn (Grad)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="121"/>
      <source>Largest IFC file, or .ifczip content, read (MiB)</source>
      <translation>Größte gelesene IFC-Datei bzw. größter .ifczip-Inhalt (MiB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="127"/>
      <source>Footprints for the fit (city model)</source>
      <translation>Grundrisse für die Einpassung (Stadtmodell)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="130"/>
      <source>Footprint id field</source>
      <translation>Feld mit der Grundriss-ID</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="133"/>
      <source>Footprint id to fit to (empty: the nearest footprint)</source>
      <translation>ID des Grundrisses für die Einpassung (leer: der nächstgelegene)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="135"/>
      <source>Target CRS</source>
      <translation>Ziel-KBS</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="137"/>
      <source>BIM GeoPackage</source>
      <translation>BIM-GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="138"/>
      <source>Elements</source>
      <translation>Bauteile</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="139"/>
      <source>Rooms</source>
      <translation>Räume</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="140"/>
      <source>Georeferencing method</source>
      <translation>Methode der Georeferenzierung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="141"/>
      <source>Georeferencing residual (m)</source>
      <translation>Restfehler der Georeferenzierung (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="176"/>
      <source>No IFC file given.</source>
      <translation>Keine IFC-Datei angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="179"/>
      <source>Unknown georeferencing choice.</source>
      <translation>Unbekannte Wahl der Georeferenzierung.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="185"/>
      <source>The target CRS is not valid.</source>
      <translation>Das Ziel-KBS ist ungültig.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="196"/>
      <source>Manual georeferencing needs MANUAL_EASTING, MANUAL_NORTHING and MANUAL_HEIGHT.</source>
      <translation>Die manuelle Georeferenzierung braucht MANUAL_EASTING, MANUAL_NORTHING und MANUAL_HEIGHT.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="215"/>
      <source>{0} elements, {1} rooms, {2} storeys, {3} skipped; placed by {4} (residual {5:.3f} m)</source>
      <translation>{0} Bauteile, {1} Räume, {2} Geschosse, {3} übersprungen; platziert per {4} (Restfehler {5:.3f} m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="31"/>
      <source>Automatic (map conversion, then IfcSite latitude/longitude)</source>
      <translation>Automatisch (Map Conversion, dann Breite/Länge der IfcSite)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="32"/>
      <source>IfcMapConversion / ePSet_MapConversion</source>
      <translation>IfcMapConversion / ePSet_MapConversion</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="33"/>
      <source>IfcSite latitude/longitude and true north</source>
      <translation>Breite/Länge der IfcSite und geographisch Nord</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="34"/>
      <source>Manual anchor point and rotation</source>
      <translation>Manueller Ankerpunkt und Drehung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="35"/>
      <source>Fit the ground outline to a footprint</source>
      <translation>Gebäudeumriss in einen Grundriss einpassen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importifc.py" line="40"/>
      <source>Import BIM model (IFC)</source>
      <translation>BIM-Modell importieren (IFC)</translation>
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
      <translation>Importiert ein Gebäude aus IFC2X3, IFC4 oder IFC4X3 (.ifc oder .ifczip) in ein GeoPackage, platziert im Ziel-KBS.

GEOREFERENZIERUNG: Automatisch nutzt in dieser Reihenfolge die IfcMapConversion/IfcProjectedCRS (IFC4, IFC4X3; Rechtswert, Hochwert, orthogonale Höhe, Drehung, Maßstab und Karteneinheiten), das IFC2X3-ePSet_MapConversion/ePSet_ProjectedCRS, dann RefLatitude/RefLongitude/RefElevation der IfcSite mit TrueNorth und der Meridiankonvergenz (etwa ein Meter), dann eine Einpassung in FOOTPRINTS, wenn angegeben. Eine Map Conversion in einem anderen KBS wird mit PROJ ins Ziel-KBS transformiert; eine mit leerem KBS-Namen gilt mit einer Warnung als im Ziel-KBS. Manuell setzt den IFC-Ursprung auf den angegebenen Rechtswert, Hochwert und die Höhe, die x-Achse um den angegebenen Winkel gegen den Uhrzeigersinn aus Gitter-Ost gedreht. Einpassung in Grundriss passt den Gebäudeumriss der IFC (Wände des Erdgeschosses) per Ähnlichkeitstransformation nach kleinsten Quadraten in einen Grundriss aus FOOTPRINTS ein: den, dessen FOOTPRINT_FIELD (oder Objekt-ID) gleich FOOTPRINT_ID ist, sonst den einzigen, sonst den der ungefähren Lage der IFC nächstgelegenen; die Höhe kommt aus MANUAL_HEIGHT, sonst aus dem z des Grundrisses, sonst aus der eigenen Georeferenzierung der IFC.
Höhen bleiben im Höhenbezug der IFC (OrthogonalHeight, RefElevation oder die manuelle Höhe); die Tabelle georef_report nennt ihn.
Prüfungen, für jede Methode: Ein Modell, das außerhalb des Gültigkeitsbereichs des Ziel-KBS liegt, wird abgewiesen, und die Meldung nennt ein KBS, das es enthält (das eigene der Map Conversion oder die UTM-Zone); ein Datumswechsel, den PROJ nur näherungsweise (ballpark, ohne Datumsverschiebung) kann, wird in den Warnungen genannt. Eine fehlerhafte Map Conversion (ein fehlender oder nicht endlicher Wert, ein Maßstab null, negativ oder weit von der Einheitenumrechnung, eine x-Achse der Länge null, Rechts- oder Hochwerte über 10^8) wird mit Entität und Attribut abgewiesen. IfcSite-Breite/Länge 0/0 ist ein Vorgabewert, keine Lage: eine solche Datei ist nicht georeferenziert. Breite/Länge werden auf WGS 84 gelesen; der Vergleich mit einer Map Conversion versucht auch das eigene Datum des Karten-KBS.

Geometrie: Die Bauteile werden mit ifcopenshell in einem eigenen Arbeitsprozess trianguliert (einer je freiem Prozessorkern, höchstens vier), während der Import die Zeilen schreibt; lässt sich kein Arbeitsprozess starten (die Umgebungsvariable GEOTWIN_PYTHON nennt einen Python-Interpreter) oder bricht einer ab, werden seine Bauteile im Thread des Imports selbst trianguliert.

Bauteile: jedes IfcElement (auch die Infrastruktur- und Geotechnik-Bauteile von IFC4X3: Schichten, Borde, Erdbauwerke, Bodenschichten, Bohrungen, Schienen, Spannglieder...) und jedes andere Produkt mit Darstellung, aber nicht die räumliche Struktur, Öffnungen, virtuelle Bauteile, Annotationen, Raster, Achsen oder Ports. Bauteile außerhalb jedes Gebäudes (eine Straße, Brücke oder Bahnstrecke, Außenanlagen, ein Modell ohne Gebäude) gehören zu ihrer Anlage (IfcRoad, IfcBridge...), sonst zu ihrem Grundstück (IfcSite), sonst zum Projekt; diese erhält eine Zeile in bim_buildings mit ihrer Klasse in ifc_class, wird im Zwilling ein eigenes Objekt (nie einem Gebäude des Stadtmodells zugeordnet), und ihre Bauteile werden nach 3D Tiles exportiert. Ein Wert, der für ein nicht abgeleitetes Attribut als * geschrieben ist (Renga), wird mit einer Warnung als nicht gesetzt gelesen. Eine Datei ganz ohne Produktgeometrie (kein Bauteil und kein Raum mit 3D-Körper) wird abgewiesen. Eigenschaftssätze, Eigenschaften und Mengen ohne Namen bleiben als Pset_unnamed_#id und unnamed_#id erhalten und werden im Protokoll gezählt.

Layer: bim_elements (je Bauteil ein MultiPolygonZ aus Dreiecken, mit Klasse, GlobalId, Name, Geschoss, Material, IsExternal, LoadBearing, FireRating, NetVolume, Nettofläche und allen Eigenschaftssätzen als JSON), bim_spaces (Räume: Bodenpolygon als PolygonZ auf Fußbodenhöhe, Name, Langname, Nummer, Fläche, Höhe), bim_storeys, bim_buildings (Gebäude und die genannten Anlagen; Umriss: die Wände des Erdgeschosses, sonst die konvexen Hüllen der Bauteile) und georef_report (Methode, KBS, Parameter, Restfehler, erwartete Genauigkeit und Warnungen). Ein Bauteil ohne eigene Geometrie (ein Fenster aus Platten, ein Dach aus Decken) erhält eine Zeile ohne Geometrie, auf die seine Teile verweisen. Bauteile, deren Geometrie scheitert, werden übersprungen, gezählt und mit GlobalId genannt. Das GeoPackage wird nur geschrieben, wenn der ganze Import gelingt.

Größengrenzen: Eine .ifc-Datei größer als MAX_SIZE_MB (Vorgabe 4096 MiB) wird abgelehnt, ebenso eine .ifczip, deren .ifc sich über MAX_SIZE_MB hinaus oder auf mehr als das 200-Fache ihrer komprimierten Größe entpackt (eine Zip-Bombe); eine .ifczip muss genau eine unverschlüsselte .ifc-Datei enthalten.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="129"/>
      <source>Learning islands (GeoJSON, GeoPackage or CSV)</source>
      <translation>Lerninseln (GeoJSON, GeoPackage oder CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="130"/>
      <source>Point tables (*.geojson *.json *.gpkg *.csv *.txt)</source>
      <translation>Punkttabellen (*.geojson *.json *.gpkg *.csv *.txt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="132"/>
      <source>Field mapping (target=source;...)</source>
      <translation>Feldzuordnung (Ziel=Quelle;...)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="134"/>
      <source>Building footprints (twin: footprints or buildings)</source>
      <translation>Gebäudegrundrisse (Zwilling: footprints oder buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="137"/>
      <source>BIM rooms (twin: bim_spaces)</source>
      <translation>BIM-Räume (Zwilling: bim_spaces)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="139"/>
      <source>Tolerance to the nearest building (m)</source>
      <translation>Toleranz zum nächsten Gebäude (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="141"/>
      <source>Target CRS (default: the buildings' CRS, else EPSG:25832)</source>
      <translation>Ziel-KBS (Standard: das KBS der Gebäude, sonst EPSG:25832)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="143"/>
      <source>CRS of easting/northing columns</source>
      <translation>KBS der Rechts-/Hochwert-Spalten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="147"/>
      <source>Learning islands GeoPackage</source>
      <translation>GeoPackage der Lerninseln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="148"/>
      <source>Islands imported</source>
      <translation>Importierte Lerninseln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="149"/>
      <source>Islands rejected</source>
      <translation>Abgewiesene Lerninseln</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="150"/>
      <source>Linked to a building</source>
      <translation>Mit einem Gebäude verknüpft</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="151"/>
      <source>Linked to a room</source>
      <translation>Mit einem Raum verknüpft</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="152"/>
      <source>Opening hours not understood</source>
      <translation>Öffnungszeiten nicht verstanden</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="154"/>
      <source>Opening hours normalised from everyday German</source>
      <translation>Aus alltäglichem Deutsch normalisierte Öffnungszeiten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="155"/>
      <source>Booking links refused</source>
      <translation>Abgelehnte Buchungslinks</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="156"/>
      <source>Islands with a calendar</source>
      <translation>Lerninseln mit Kalender</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="165"/>
      <source>No learning islands file given.</source>
      <translation>Keine Lerninsel-Datei angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="181"/>
      <source>Island {0}: {1}</source>
      <translation>Lerninsel {0}: {1}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="183"/>
      <source>{0} islands have opening hours that are not understood (first: {1}); they are imported, and the search treats their hours as unknown (see opening_hours_error).</source>
      <translation>{0} Lerninseln haben Öffnungszeiten, die nicht verstanden werden (erste: {1}); sie werden importiert, und die Suche behandelt ihre Öffnungszeiten als unbekannt (siehe opening_hours_error).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="188"/>
      <source>{0} booking links refused (first: {1}); only http(s), mailto and tel links are kept (see booking_url_error).</source>
      <translation>{0} Buchungslinks abgelehnt (erste: {1}); nur http(s)-, mailto- und tel-Links bleiben erhalten (siehe booking_url_error).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="42"/>
      <source>The layer given for {0} cannot be opened.</source>
      <translation>Der für {0} angegebene Layer lässt sich nicht öffnen.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="54"/>
      <source>Cannot copy the layer {0}: {1}</source>
      <translation>Der Layer {0} lässt sich nicht kopieren: {1}</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="55"/>
      <source>{0}: copied {1} features of a {2} layer</source>
      <translation>{0}: {1} Objekte eines {2}-Layers kopiert</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="78"/>
      <source>Import learning islands</source>
      <translation>Lerninseln importieren</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importlearningislands.py" line="82"/>
      <source>Imports WLAN learning islands (Lerninseln) from a point table: GeoJSON, GeoPackage or CSV with latitude/longitude (WGS 84) or easting/northing columns (in SOURCE_CRS, default the target CRS). Swapped latitude/longitude or easting/northing are detected by the area of use of the target CRS and corrected with a warning.

Target schema: id, name, ssid, operator, seats, opening_hours (OSM opening_hours syntax), booking_url, accessibility, building_ref, floor (0 = ground floor, 1, -1 or a storey name), room (number or name), calendar (the island's booking calendar: an iCalendar feed as an http(s) URL or a file path, relative paths taken from the islands file's folder, or a CalDAV collection URL) and calendar_type (ical, the default, or caldav; 'caldav+https://...' in calendar is a shorthand) and calendar_address (the island's own e-mail address as a room in its calendar's events: an event it declined leaves it free). FIELD_MAPPING maps your columns: 'name=Bezeichnung;seats=Plaetze'. Unmapped fields are taken from columns of the same or a known German name; every other column is kept in 'attributes'.

Linking: each island is linked to the building whose footprint (BUILDINGS) contains it, else to the nearest within TOLERANCE metres; a building_ref that names a known building wins. Where BIM rooms (ROOMS, the bim_spaces layer) exist, it is linked to the room on its floor that contains the point, else to the room whose number, name or long name equals 'room'.

Checks: only true duplicates are rejected: a row whose every field and position equal an earlier row's, or a row with an id already imported (the first is kept; the reason names the fields that differ). Rows that merely share a name and a position, such as two access points of one site, are both imported. opening_hours in everyday German ('Mo-Fr 8-16 Uhr', '8.00-16.00') are kept as written, read as their opening_hours form and counted in the output NORMALISED_OPENING_HOURS and the log; opening_hours that the search cannot evaluate (also ambiguous forms such as '8-4 Uhr') are imported with a warning and the reason in opening_hours_error; the search treats their hours as unknown, never as open. booking_url keeps only absolute http:// or https:// links and mailto:/tel: contacts; anything else (javascript:, data:, file:, relative links, values with whitespace or control characters) is cleared with a warning and the reason in booking_url_error; booking_url may hold the placeholders {island}, {start}, {end}, {date}, {duration}, {seats} and {name} that 'Book a learning island' fills in. A calendar reference with credentials in its URL, an unknown type or scheme is cleared with a warning and the reason in calendar_error.

Output: learning_islands (with link_status linked / building_only / unlinked / not_checked, link_reason, opening_hours_error and booking_url_error) and learning_islands_unlinked listing every island rejected (missing coordinates, duplicate) or left without a building or room, with the reason.

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</source>
      <translation>Importiert WLAN-Lerninseln aus einer Punkttabelle: GeoJSON, GeoPackage oder CSV mit Spalten für Breite/Länge (WGS 84) oder Rechts-/Hochwert (in SOURCE_CRS, Standard: das Ziel-KBS). Vertauschte Breite/Länge bzw. Rechts-/Hochwerte werden über den Gültigkeitsbereich des Ziel-KBS erkannt und mit einer Warnung korrigiert.

Zielschema: id, name, ssid, operator, seats, opening_hours (OSM-Syntax opening_hours), booking_url, accessibility, building_ref, floor (0 = Erdgeschoss, 1, -1 oder ein Geschossname), room (Nummer oder Name), calendar (der Buchungskalender der Lerninsel: ein iCalendar-Feed als http(s)-URL oder Dateipfad, relative Pfade vom Ordner der Lerninsel-Datei aus, oder die URL einer CalDAV-Sammlung) und calendar_type (ical, der Standard, oder caldav; 'caldav+https://...' in calendar ist eine Kurzform) und calendar_address (die eigene E-Mail-Adresse der Lerninsel als Raum in den Terminen ihres Kalenders: ein Termin, den sie abgelehnt hat, lässt sie frei). FIELD_MAPPING ordnet Ihre Spalten zu: 'name=Bezeichnung;seats=Plaetze'. Nicht zugeordnete Felder werden aus Spalten gleichen oder bekannten deutschen Namens übernommen; alle übrigen Spalten bleiben in 'attributes' erhalten.

Verknüpfung: Jede Lerninsel wird mit dem Gebäude verknüpft, dessen Grundriss (BUILDINGS) sie enthält, sonst mit dem nächsten innerhalb von TOLERANCE Metern; eine building_ref, die ein bekanntes Gebäude nennt, hat Vorrang. Wo BIM-Räume (ROOMS, der Layer bim_spaces) vorliegen, wird sie mit dem Raum ihres Geschosses verknüpft, der den Punkt enthält, sonst mit dem Raum, dessen Nummer, Name oder Langname 'room' entspricht.

Prüfungen: Abgewiesen werden nur echte Duplikate: eine Zeile, deren Felder und Position alle mit einer früheren Zeile übereinstimmen, oder eine Zeile mit einer bereits importierten ID (die erste bleibt; der Grund nennt die abweichenden Felder). Zeilen, die nur Name und Position teilen, etwa zwei Access Points eines Standorts, werden beide importiert. opening_hours in alltäglichem Deutsch ('Mo-Fr 8-16 Uhr', '8.00-16.00') bleiben wie geschrieben, werden in ihrer opening_hours-Form gelesen und in der Ausgabe NORMALISED_OPENING_HOURS und im Protokoll gezählt; opening_hours, die die Suche nicht auswerten kann (auch mehrdeutige wie '8-4 Uhr'), werden mit einer Warnung und dem Grund in opening_hours_error importiert; die Suche behandelt diese Öffnungszeiten als unbekannt, nie als geöffnet. booking_url behält nur absolute http://- oder https://-Links und mailto:/tel:-Kontakte; alles andere (javascript:, data:, file:, relative Links, Werte mit Leer- oder Steuerzeichen) wird mit einer Warnung und dem Grund in booking_url_error geleert; booking_url darf die Platzhalter {island}, {start}, {end}, {date}, {duration}, {seats} und {name} enthalten, die 'Lerninsel buchen' ausfüllt. Ein Kalenderverweis mit Zugangsdaten in der URL, einem unbekannten Typ oder Schema wird mit einer Warnung und dem Grund in calendar_error geleert.

Ausgabe: learning_islands (mit link_status linked / building_only / unlinked / not_checked, link_reason, opening_hours_error und booking_url_error) und learning_islands_unlinked mit jeder abgewiesenen (fehlende Koordinaten, Duplikat) oder ohne Gebäude oder Raum gebliebenen Lerninsel samt Grund.

Grenzen: Eine Layerdatei größer als 4 GiB wird abgelehnt, ebenso ein gezippter Layer (.zip), der sich über 4 GiB hinaus oder auf mehr als das 200-Fache seiner Größe entpackt (eine Zip-Bombe) oder verschlüsselte Einträge enthält.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="100"/>
      <source>Request timeout (s)</source>
      <translation>Zeitlimit je Anfrage (s)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="102"/>
      <source>Retries</source>
      <translation>Wiederholungen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="104"/>
      <source>Maximum pages per request</source>
      <translation>Höchstzahl an Seiten je Anfrage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="106"/>
      <source>Maximum size of one answer (MB)</source>
      <translation>Höchstgröße einer Antwort (MB)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="108"/>
      <source>Maximum number of observations</source>
      <translation>Höchstzahl an Beobachtungen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="113"/>
      <source>Sensors GeoPackage</source>
      <translation>GeoPackage der Sensoren</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="114"/>
      <source>Sensor datastreams</source>
      <translation>Sensor-Datenströme</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="116"/>
      <source>Issues</source>
      <translation>Probleme</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="126"/>
      <source>The authentication configuration {0} cannot be applied (unknown id or locked database).</source>
      <translation>Die Authentifizierungskonfiguration {0} lässt sich nicht anwenden (unbekannte ID oder gesperrte Datenbank).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="150"/>
      <source>Give either a SensorThings URL or export files.</source>
      <translation>Geben Sie entweder eine SensorThings-URL oder Exportdateien an.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="157"/>
      <source>The window ends before it starts.</source>
      <translation>Das Zeitfenster endet vor seinem Beginn.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="38"/>
      <source>Import sensors (SensorThings API, CSV, GeoJSON)</source>
      <translation>Sensoren importieren (SensorThings API, CSV, GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="42"/>
      <source>Imports sensors and their observations either from an OGC SensorThings API service (URL ending in /v1.0 or /v1.1) or from CSV/GeoJSON exports (one row per device and time: device id, time, latitude/longitude, measurement columns), e.g. from a LoRaWAN network server or sensor.community.

SensorThings: Things with their Locations and Datastreams (ObservedProperty, unitOfMeasurement), and the Observations between START and END ($filter on phenomenonTime, $orderby, $select, $top), following @iot.nextLink up to MAX_PAGES pages per request. TIMEOUT bounds each request as a whole (connection, headers and body, also a server that sends slowly); failed requests are retried RETRIES times on 5xx answers, timeouts and connection failures. Cancelling stops within a second. An answer larger than MAX_PAGE_MB megabytes is refused while it is read, and more than MAX_OBSERVATIONS observations stop the import with an error (narrow START/END).
Credentials come from the authentication configuration (AUTHCFG), are never logged or written and are sent only to the scheme, host and port of URL: a redirect, @iot.nextLink or navigation link to another host, or from HTTPS to HTTP, is refused with an error naming both hosts (whether or not credentials are configured). Credentials in the URL itself are refused.
Exports: measurement columns are the numeric ones; their property and unit come from known names (P1/PM10, P2/PM2.5, temperature, humidity, noise, soil_moisture, occupied...), a unit in the header ('noise [dB(A)]') or a unit suffix ('temperature_c'); others are kept with an unknown unit. Times without a zone are UTC. Files larger than 256 MB or with more than 5,000,000 rows are refused; rows with more values than the header are skipped and listed in sensor_issues.

Output: sensors (a point per sensor and datastream: latest value, unit and time, min/mean/max/count over the window, the SensorThings self-link, and the link: inside a building, on an area of AREAS such as a park or square, or at the nearest façade within TOLERANCE m; a ground sensor (soil, parking space, groundwater, by its observed property) outside every building and area goes to the nearest façade only when its name or description names a façade, else to the nearest area within TOLERANCE m, else to none, its link_reason naming the façade it was not linked to), observations (the time series; non-numeric results kept as text) and sensor_issues (every problem: missing coordinates, swapped latitude/longitude, duplicates, unknown units, non-numeric results).

Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond 4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted.</source>
      <translation>Importiert Sensoren und ihre Beobachtungen entweder aus einem Dienst der OGC SensorThings API (URL endet auf /v1.0 oder /v1.1) oder aus CSV-/GeoJSON-Exporten (eine Zeile je Gerät und Zeitpunkt: Geräte-ID, Zeit, Breite/Länge, Messwertspalten), z. B. eines LoRaWAN-Netzwerkservers oder von sensor.community.

SensorThings: Things mit ihren Locations und Datastreams (ObservedProperty, unitOfMeasurement) sowie die Observations zwischen START und END ($filter auf phenomenonTime, $orderby, $select, $top); @iot.nextLink wird bis zu MAX_PAGES Seiten je Anfrage gefolgt. TIMEOUT begrenzt jede Anfrage als Ganzes (Verbindung, Kopfzeilen und Inhalt, auch bei einem Server, der langsam sendet); fehlgeschlagene Anfragen werden bei 5xx-Antworten, Zeitüberschreitungen und Verbindungsfehlern RETRIES-mal wiederholt. Ein Abbruch wirkt innerhalb einer Sekunde. Eine Antwort, die größer als MAX_PAGE_MB Megabyte ist, wird schon beim Lesen abgewiesen, und mehr als MAX_OBSERVATIONS Beobachtungen beenden den Import mit einem Fehler (START/END enger fassen).
Zugangsdaten kommen aus der Authentifizierungskonfiguration (AUTHCFG), werden nie protokolliert oder geschrieben und nur an Schema, Host und Port der URL gesendet: eine Weiterleitung, ein @iot.nextLink oder Navigationslink zu einem anderen Host oder von HTTPS zu HTTP wird mit einem Fehler abgewiesen, der beide Hosts nennt (ob Zugangsdaten konfiguriert sind oder nicht). Zugangsdaten in der URL selbst werden abgewiesen.
Exporte: Messwertspalten sind die numerischen; Messgröße und Einheit ergeben sich aus bekannten Namen (P1/PM10, P2/PM2.5, temperature, humidity, noise, soil_moisture, occupied...), einer Einheit im Spaltenkopf ('noise [dB(A)]') oder einem Einheitensuffix ('temperature_c'); andere bleiben mit unbekannter Einheit erhalten. Zeiten ohne Zone gelten als UTC. Dateien über 256 MB oder mit mehr als 5.000.000 Zeilen werden abgewiesen; Zeilen mit mehr Werten als der Spaltenkopf werden übersprungen und in sensor_issues aufgeführt.

Ausgabe: sensors (ein Punkt je Sensor und Datenstrom: letzter Wert, Einheit und Zeit, Min./Mittel/Max./Anzahl im Zeitfenster, der SensorThings-Selbstlink und die Verknüpfung: in einem Gebäude, auf einer Fläche aus AREAS wie einem Park oder Platz, oder an der nächsten Fassade innerhalb von TOLERANCE m; ein Bodensensor (Boden, Stellplatz, Grundwasser, nach seiner beobachteten Größe) außerhalb aller Gebäude und Flächen kommt nur an die nächste Fassade, wenn sein Name oder seine Beschreibung eine Fassade nennt, sonst auf die nächste Fläche innerhalb von TOLERANCE m, sonst bleibt er unverknüpft, und link_reason nennt die Fassade, an die er nicht verknüpft wurde), observations (die Zeitreihen; nicht numerische Ergebnisse als Text erhalten) und sensor_issues (jedes Problem: fehlende Koordinaten, vertauschte Breite/Länge, Duplikate, unbekannte Einheiten, nicht numerische Ergebnisse).

Grenzen: Eine Layerdatei größer als 4 GiB wird abgelehnt, ebenso ein gezippter Layer (.zip), der sich über 4 GiB hinaus oder auf mehr als das 200-Fache seiner Größe entpackt (eine Zip-Bombe) oder verschlüsselte Einträge enthält.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="81"/>
      <source>SensorThings API URL (…/v1.1)</source>
      <translation>URL der SensorThings API (…/v1.1)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="83"/>
      <source>Authentication configuration</source>
      <translation>Authentifizierungskonfiguration</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="85"/>
      <source>Or CSV/GeoJSON export files</source>
      <translation>Oder CSV-/GeoJSON-Exportdateien</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="86"/>
      <source>Window start</source>
      <translation>Beginn des Zeitfensters</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="87"/>
      <source>Window end</source>
      <translation>Ende des Zeitfensters</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="89"/>
      <source>Building footprints (twin: footprints)</source>
      <translation>Gebäudegrundrisse (Zwilling: footprints)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="92"/>
      <source>Areas: parks, squares (polygons)</source>
      <translation>Flächen: Parks, Plätze (Polygone)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="95"/>
      <source>Distance to the nearest façade (m)</source>
      <translation>Abstand zur nächsten Fassade (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/importsensors.py" line="98"/>
      <source>Target CRS (default EPSG:25832)</source>
      <translation>Ziel-KBS (Standard EPSG:25832)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="100"/>
      <source>Custom topics (comma-separated)</source>
      <translation>Eigene Topics (durch Kommas getrennt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="102"/>
      <source>Device table (JSON or CSV)</source>
      <translation>Gerätetabelle (JSON oder CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="103"/>
      <source>Device tables (*.json *.csv)</source>
      <translation>Gerätetabellen (*.json *.csv)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="105"/>
      <source>Broker credentials (authentication configuration)</source>
      <translation>Zugangsdaten des Brokers (Authentifizierungskonfiguration)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="107"/>
      <source>Duration (s, 0 = until cancelled)</source>
      <translation>Dauer (s, 0 = bis zum Abbruch)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="119"/>
      <source>CA certificate for TLS (default: system CAs)</source>
      <translation>CA-Zertifikat für TLS (Standard: Zertifizierungsstellen des Systems)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="121"/>
      <source>MQTT client id (default: fixed per output)</source>
      <translation>MQTT-Client-ID (Standard: fest je Ausgabe)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="126"/>
      <source>Twin or sensors GeoPackage (extended)</source>
      <translation>Zwilling- oder Sensor-GeoPackage (wird erweitert)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="143"/>
      <source>The authentication configuration {0} uses the method {1}; the MQTT broker needs Basic (user name and password).</source>
      <translation>Die Authentifizierungskonfiguration {0} verwendet die Methode {1}; der MQTT-Broker braucht Basic (Benutzername und Passwort).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="161"/>
      <source>Give CUSTOM_TOPICS for custom topics.</source>
      <translation>Geben Sie für eigene Topics CUSTOM_TOPICS an.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="191"/>
      <source>{0} sensors an earlier run stored without BUILDINGS and AREAS are linked now</source>
      <translation>{0} Sensoren, die ein früherer Lauf ohne BUILDINGS und AREAS gespeichert hat, sind jetzt verknüpft</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="200"/>
      <source>Unknown device {0}: {1} messages</source>
      <translation>Unbekanntes Gerät {0}: {1} Nachrichten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="27"/>
      <source>ChirpStack v4 and v3 (application/+/device/+/event/up)</source>
      <translation>ChirpStack v4 und v3 (application/+/device/+/event/up)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="28"/>
      <source>The Things Stack v3 (v3/+/devices/+/up)</source>
      <translation>The Things Stack v3 (v3/+/devices/+/up)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="29"/>
      <source>ChirpStack v4/v3 and The Things Stack v3</source>
      <translation>ChirpStack v4/v3 und The Things Stack v3</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="30"/>
      <source>Custom topics (CUSTOM_TOPICS)</source>
      <translation>Eigene Topics (CUSTOM_TOPICS)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="31"/>
      <source>Messages received</source>
      <translation>Empfangene Nachrichten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="31"/>
      <source>Uplinks stored</source>
      <translation>Gespeicherte Uplinks</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="32"/>
      <source>Observations stored</source>
      <translation>Gespeicherte Beobachtungen</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="32"/>
      <source>Duplicates</source>
      <translation>Duplikate</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="33"/>
      <source>Messages from unknown devices</source>
      <translation>Nachrichten unbekannter Geräte</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="33"/>
      <source>Malformed messages</source>
      <translation>Fehlerhafte Nachrichten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="38"/>
      <source>Listen to LoRaWAN sensors (MQTT)</source>
      <translation>LoRaWAN-Sensoren empfangen (MQTT)</translation>
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
      <translation>Abonniert die MQTT-Integration eines LoRaWAN-Netzwerkservers und hängt jeden Uplink an die Sensortabellen eines Zwilling- oder Sensor-GeoPackages an (OUTPUT; wird angelegt, wenn es fehlt, sonst erweitert): ChirpStack v4 (Topic application/+/device/+/event/up: deviceInfo.devEui, fCnt, time, die dekodierte Nutzlast 'object'), ChirpStack v3 (dasselbe Topic: devEUI hexadezimal oder Base64, fCnt, publishedAt oder die Zeit des Gateways, die dekodierte Nutzlast 'object' oder der JSON-Text 'objectJSON') oder The Things Stack v3 (v3/+/devices/+/up: end_device_ids.dev_eui, uplink_message.f_cnt, received_at, uplink_message.decoded_payload).

DEVICES, die Gerätetabelle (JSON oder CSV), ordnet jeder DevEUI eine Sensor-ID, einen Namen, eine Position (x, y und ihr KBS) und die beobachteten Größen zu: den Schlüssel in der dekodierten Nutzlast ('a.b' greift in verschachtelte Objekte), die Größe und ihre Einheit. Ein Gerät bleibt ein Sensor: Enthält OUTPUT schon seinen Sensor (eine Zeile des Sensorimports, deren Attribute seine DevEUI nennen, etwa properties.devEUI eines SensorThings-Things, mit derselben beobachteten Größe), werden seine Uplinks an diesen Sensor angehängt, der seine Position und Verknüpfung behält, und ein Wert zu einer Zeit, die der Sensor schon hat, wird nicht erneut gespeichert; sonst wird jedes Gerät mit jeder Größe ein Sensorpunkt. Jeder Uplink fügt je Größe eine Beobachtung hinzu. Damit der Zwillingsbau die Geräte verknüpft und der 3D-Tiles-Export ihre Zeitreihen zeigt, in das Sensor-GeoPackage von geotwin:importsensors vor geotwin:buildtwin empfangen; ein neuer geotwin:importsensors in dieses GeoPackage ersetzt es ohne die Werte des Empfängers (mit einer Warnung).

Ein Gerät ohne importierten Sensor wird beim Anlegen seines Sensorpunkts genau so verknüpft, wie geotwin:importsensors einen Sensor verknüpft: dieselben BUILDINGS (Grundrisse), AREAS (Parks, Plätze) und TOLERANCE angeben: in einem Gebäude, auf einer Fläche oder an der nächsten Fassade innerhalb von TOLERANCE m (ein Bodensensor kommt nur an eine Fassade, wenn er nach ihr benannt ist). Ohne BUILDINGS und AREAS bleibt er unverknüpft (der Zwillingsbau warnt davor und lässt ihn so), bis ein späterer Lauf mit ihnen ihn ebenso verknüpft; der nächste Zwillingsbau setzt ihn dann wie jeden Sensor an die Fassade, an der er steht.

Idempotent: Ein Uplink mit derselben DevEUI und demselben Frame-Zähler wie ein gespeicherter und einer Zeit innerhalb von 60 s davon ist ein Duplikat und wird nicht erneut gespeichert, auch nach einem Neustart. Kehrt ein Frame-Zähler mit einer weiter entfernten Zeit wieder, ist das eine neue Sitzung eines zurückgesetzten Geräts und wird gespeichert. Uplinks von Geräten, die nicht in der Tabelle stehen, werden gezählt und mit ihrer DevEUI aufgeführt, fehlerhafte Nachrichten werden gezählt; beide stehen mit Topic und Grund in sensor_issues und sonst nirgends.

BROKER: host:port, mqtt://host:port oder mqtts://host:port (TLS; Standardport 8883). TLS prüft das Zertifikat des Brokers gegen CA_FILE oder, ohne diese Datei, gegen die Zertifizierungsstellen des Systems. Zugangsdaten kommen aus der Authentifizierungskonfiguration AUTHCFG (Methode Basic: Benutzername und Passwort), werden nur an BROKER gesendet und nie protokolliert oder geschrieben; Zugangsdaten in der Broker-Adresse werden abgelehnt.

QoS 1 mit einer dauerhaften Sitzung (eine feste Client-ID je Ausgabe und Topics): Was veröffentlicht wird, während der Empfänger gestoppt ist oder sich neu verbindet, wird zugestellt, sobald er zurück ist; eine Nachricht wird erst bestätigt, wenn ihre Zeilen gespeichert sind. DURATION Sekunden (0: bis zum Abbruch); der laufende Zählerstand wird jede Sekunde gemeldet, ein Abbruch beendet den Empfang innerhalb einer Sekunde.

Oder DATABASE und SCHEMA: die Tabellen sensors und observations eines in PostGIS gebauten Zwillings (geotwin:buildtwin), mit DB_AUTHCFG für die Zugangsdaten der Datenbank; jeder spätere geotwin:buildtwin in dieses Schema behält diese Sensoren und verknüpft sie wie die einer Sensoreingabe (Fassade, Tabelle links), mit oder ohne Sensoreingaben. In einem Zwilling (PostGIS oder ein Zwillings-GeoPackage als OUTPUT) bleiben die an einen importierten Sensor angehängten Werte auch, wenn ein Bau diesen Sensor aus einer geänderten Sensoreingabe übernimmt: nach den Werten der Eingabe, und nicht zu einer Zeit, zu der die Eingabe einen Wert hat.

Als Dienst ohne QGIS: python -m geotwin.twin.sensors.listen --broker ... --devices ... --output ... (das Passwort in GEOTWIN_MQTT_PASSWORD); SIGTERM oder SIGINT beenden ihn und geben die Zählerstände aus.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="96"/>
      <source>MQTT broker (host:port or mqtts://…)</source>
      <translation>MQTT-Broker (host:port oder mqtts://…)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/listensensors.py" line="98"/>
      <source>Topics</source>
      <translation>Topics</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="26"/>
      <source>Refresh learning island availability</source>
      <translation>Verfügbarkeit der Lerninseln aktualisieren</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="30"/>
      <source>Reads the booking calendar of every learning island that has one (the calendar and calendar_type fields written by 'Import learning islands': an iCalendar feed, a file or an http(s) URL, or a CalDAV collection) for the range START to END (default: now to 7 days later; at most 31 days) and writes:

island_availability: one row per busy event (recurrences expanded, exceptions applied; cancelled events and those shown as free are free: Outlook's/Exchange's busy status FREE, else TRANSP:TRANSPARENT; tentative and out-of-office events are busy; free/busy periods are busy unless FBTYPE=FREE) and per free gap inside the island's opening hours, with island_id, start, end (Europe/Berlin, with the UTC offset), status busy/free, the event's summary and the source calendar;
island_calendar_status: per island whether its calendar was read (ok / error / none), the number of busy events and the error message.

A calendar that cannot be read is reported as a warning and the others are still read. Limits: a feed larger than 5 MB or with more than 10000 events in the range is refused. AUTHCFG (Basic: user name and password) is sent only to the host in its URL field, or, when that is empty, to the one host of the CalDAV calendars; never over plain http except to this computer.</source>
      <translation>Liest den Buchungskalender jeder Lerninsel, die einen hat (die Felder calendar und calendar_type aus 'Lerninseln importieren': ein iCalendar-Feed, eine Datei oder eine http(s)-URL, oder eine CalDAV-Sammlung), für den Zeitraum START bis END (Standard: jetzt bis 7 Tage später; höchstens 31 Tage) und schreibt:

island_availability: eine Zeile je belegtem Termin (Wiederholungen aufgelöst, Ausnahmen angewandt; abgesagte und als frei angezeigte Termine sind frei: Belegtstatus FREE von Outlook/Exchange, sonst TRANSP:TRANSPARENT; vorläufige und Abwesenheitstermine sind belegt; Frei/Belegt-Zeiten sind belegt außer bei FBTYPE=FREE) und je freier Lücke innerhalb der Öffnungszeiten, mit island_id, start, end (Europe/Berlin, mit UTC-Versatz), status busy/free, der Zusammenfassung des Termins und dem Quellkalender;
island_calendar_status: je Lerninsel, ob ihr Kalender gelesen wurde (ok / error / none), die Zahl der belegten Termine und die Fehlermeldung.

Ein Kalender, der nicht gelesen werden kann, wird als Warnung gemeldet, die anderen werden trotzdem gelesen. Grenzen: Ein Feed größer als 5 MB oder mit mehr als 10000 Terminen im Zeitraum wird abgelehnt. AUTHCFG (Basic: Benutzername und Passwort) wird nur an den Host in ihrem URL-Feld gesendet oder, wenn dieses leer ist, an den einen Host der CalDAV-Kalender; nie über einfaches http, außer an diesen Rechner.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="53"/>
      <source>From (default: now)</source>
      <translation>Von (Standard: jetzt)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="54"/>
      <source>To (default: 7 days later)</source>
      <translation>Bis (Standard: 7 Tage später)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="59"/>
      <source>Availability GeoPackage</source>
      <translation>Verfügbarkeits-GeoPackage</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="61"/>
      <source>Busy intervals</source>
      <translation>Belegte Zeiträume</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="62"/>
      <source>Free intervals</source>
      <translation>Freie Zeiträume</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/refreshislandavailability.py" line="63"/>
      <source>Calendars not read</source>
      <translation>Nicht gelesene Kalender</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="23"/>
      <source>Create sample district (Karlsruhe, Friedrichsplatz)</source>
      <translation>Beispielquartier erzeugen (Karlsruhe, Friedrichsplatz)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="25"/>
      <source>Sample data</source>
      <translation>Beispieldaten</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="27"/>
      <source>Writes a synthetic but realistic district modelled on Karlsruhe's fan city around Friedrichsplatz, in ETRS89 / UTM zone 32N (EPSG:25832) with DHHN2016 heights, to try GeoTwin without data of your own.

Streets radiate from the palace tower like Karlsruhe's Fächerstadt; buildings fill the blocks between the fan rays and the ring streets, outward from the square. The same BUILDINGS and SEED always give the same bytes.

Files in the OUTPUT folder: district.gml (CityGML 2.0), district.city.json (CityJSON 2.0) and district.city.jsonl (CityJSONSeq) with LoD2 buildings (gable, hip and flat roofs; Roof/Wall/Ground surfaces; addresses, ALKIS function codes, measured heights, storeys); school.ifc (IFC4: the school on the square with storeys, walls, slabs and rooms, georeferenced by an IfcMapConversion to EPSG:25832; it stands at exactly this place in the city model); learning_islands.geojson (WLAN learning islands, several in the school's classrooms); sensors.sta.json (OGC SensorThings deep insert) and sensors.csv (LoRaWAN export) with one week of noise, soil moisture, air temperature and parking observations; areas.geojson (public open spaces as polygons: Friedrichsplatz, the block between its ring streets and fan rays without the four landmarks, and the Schlossplatz's lawn inside the Zirkel; for linking sensors to the square or park); dgm.tif (the digital terrain model the buildings stand on, like a state's DGM1: 1 m GeoTIFF, EPSG:25832, DHHN2016 heights; TERRAIN of Export 3D Tiles); district.json (what was written). The folder must be new, empty or hold an earlier sample district, which it replaces; it is written only when everything succeeded.</source>
      <translation>Schreibt ein synthetisches, aber realistisches Quartier nach dem Vorbild der Karlsruher Fächerstadt rund um den Friedrichsplatz, in ETRS89 / UTM Zone 32N (EPSG:25832) mit Höhen in DHHN2016, um GeoTwin ohne eigene Daten auszuprobieren.

Die Straßen strahlen wie in der Fächerstadt vom Schlossturm aus; Gebäude füllen die Blöcke zwischen den Fächerstraßen und den Ringstraßen, vom Platz nach außen. Gleiche BUILDINGS und SEED ergeben immer dieselben Bytes.

Dateien im Ordner OUTPUT: district.gml (CityGML 2.0), district.city.json (CityJSON 2.0) und district.city.jsonl (CityJSONSeq) mit LoD2-Gebäuden (Sattel-, Walm- und Flachdächer; Dach-, Wand- und Bodenflächen; Adressen, ALKIS-Funktionsschlüssel, gemessene Höhen, Geschosse); school.ifc (IFC4: die Schule am Platz mit Geschossen, Wänden, Decken und Räumen, georeferenziert per IfcMapConversion nach EPSG:25832; sie steht genau an ihrer Stelle im Stadtmodell); learning_islands.geojson (WLAN-Lerninseln, mehrere in den Klassenzimmern der Schule); sensors.sta.json (OGC SensorThings Deep Insert) und sensors.csv (LoRaWAN-Export) mit einer Woche Beobachtungen von Lärm, Bodenfeuchte, Lufttemperatur und Parkplatzbelegung; areas.geojson (öffentliche Freiflächen als Polygone: der Friedrichsplatz, der Block zwischen seinen Ring- und Fächerstraßen ohne die vier Wahrzeichen, und die Rasenfläche des Schlossplatzes innerhalb des Zirkels; um Sensoren dem Platz oder dem Park zuzuordnen); dgm.tif (das digitale Geländemodell, auf dem die Gebäude stehen, wie das DGM1 eines Landes: GeoTIFF mit 1 m, EPSG:25832, DHHN2016-Höhen; TERRAIN von „3D Tiles exportieren“); district.json (was geschrieben wurde). Der Ordner muss neu oder leer sein oder ein früheres Beispielquartier enthalten, das ersetzt wird; er wird erst geschrieben, wenn alles gelungen ist.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="51"/>
      <source>CityGML 2.0 city model</source>
      <translation>Stadtmodell CityGML 2.0</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="52"/>
      <source>CityJSON 2.0 city model</source>
      <translation>Stadtmodell CityJSON 2.0</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="53"/>
      <source>CityJSONSeq city model</source>
      <translation>Stadtmodell CityJSONSeq</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="54"/>
      <source>School (IFC4)</source>
      <translation>Schule (IFC4)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="55"/>
      <source>Learning islands (GeoJSON)</source>
      <translation>Lerninseln (GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="56"/>
      <source>Sensors (SensorThings JSON)</source>
      <translation>Sensoren (SensorThings-JSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="57"/>
      <source>Sensors (LoRaWAN CSV)</source>
      <translation>Sensoren (LoRaWAN-CSV)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="58"/>
      <source>Public open spaces (GeoJSON)</source>
      <translation>Öffentliche Freiflächen (GeoJSON)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="59"/>
      <source>Digital terrain model (DGM GeoTIFF)</source>
      <translation>Digitales Geländemodell (DGM, GeoTIFF)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="65"/>
      <source>Number of buildings</source>
      <translation>Anzahl der Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="68"/>
      <source>Random seed</source>
      <translation>Startwert des Zufallsgenerators</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="70"/>
      <source>Output folder</source>
      <translation>Ausgabeordner</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="73"/>
      <source>Buildings written</source>
      <translation>Geschriebene Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="82"/>
      <source>The number of buildings must be between {0} and {1}.</source>
      <translation>Die Anzahl der Gebäude muss zwischen {0} und {1} liegen.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="86"/>
      <source>The seed must not be negative.</source>
      <translation>Der Startwert darf nicht negativ sein.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="89"/>
      <source>No output folder given.</source>
      <translation>Kein Ausgabeordner angegeben.</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/sampledistrict.py" line="91"/>
      <source>Sample district with {0} buildings (seed {1}) written to {2}</source>
      <translation>Beispielquartier mit {0} Gebäuden (Startwert {1}) nach {2} geschrieben</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="23"/>
      <source>WLAN coverage and priorities</source>
      <translation>WLAN-Abdeckung und Prioritäten</translation>
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
      <translation>Ermittelt für jedes Gebäude (Geschoss für Geschoss) und jeden BIM-Raum, ob WLAN-Zugangspunkte es abdecken, und reiht die nicht vollständig abgedeckten Gebäude für den Plan „WLAN in allen Gebäuden“.

Modell: Ein Zugangspunkt innerhalb eines Grundrisses ist ein Innen-AP dieses Gebäudes auf seinem 'floor' (Standard 0) und deckt nur dieses Gebäude ab, mit dem Radius INDOOR_RANGE − STOREY_PENALTY × |Geschoss − floor|. Ein AP außerhalb aller Grundrisse ist ein Außen-AP auf Geländehöhe und deckt jedes Gebäude mit dem Radius OUTDOOR_RANGE − STOREY_PENALTY × Geschoss ab (Untergeschosse werden von außen nicht erreicht). Ein Geschoss oder Raum gilt als abgedeckt, wenn 95 % seiner Fläche in den AP-Kreisen liegen, ein Gebäude, wenn alle seine Geschosse abgedeckt sind. Geschosse: storeys_above_ground, sonst measured_height / 3 m, sonst 1. Räume erhalten ihre Geschossnummer aus ihrem Geschoss (Erdgeschoss: EG/Erdgeschoss/Level 0, sonst das Geschoss mit der Höhe nächst 0, sonst das unterste Nicht-Untergeschoss).

Priorität nach ALKIS-Gebäudefunktion (31001_xxxx), niedrigere Klasse zuerst, dann größere Bruttogrundfläche (Grundriss × Geschosse):
1 Schule: 3020 Bildung, 3021 allgemeinbildende Schule, 3022 berufsbildende Schule
2 Kinderbetreuung, Hochschule, Bibliothek, Jugend: 3023 Hochschule, 3024 Forschung, 3037 Bibliothek, 3061 Jugendfreizeitheim, 3065 Kindergarten/Kita
3 Verwaltung und Bürgerdienste: 3010-3019 (Rathaus, Ämter, Gerichte...)
4 sonstige öffentliche Gebäude: jede andere 3xxx (Kultur, Gesundheit, Soziales, Sport, Verkehr)
5 nicht öffentlich: alles Übrige

Ausgabe: wlan_building_coverage, wlan_room_coverage (mit ROOMS) und wlan_priorities (Rang, Klasse, Bezeichnung, is_public).</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="55"/>
      <source>WLAN access points (points, optional 'floor' field)</source>
      <translation>WLAN-Zugangspunkte (Punkte, optionales Feld 'floor')</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="58"/>
      <source>Buildings (twin: footprints or buildings)</source>
      <translation>Gebäude (Zwilling: footprints oder buildings)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="61"/>
      <source>Indoor range (m)</source>
      <translation>Reichweite innen (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="62"/>
      <source>Outdoor range (m)</source>
      <translation>Reichweite außen (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="63"/>
      <source>Range lost per storey (m)</source>
      <translation>Reichweitenverlust je Geschoss (m)</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="67"/>
      <source>WLAN coverage GeoPackage</source>
      <translation>GeoPackage der WLAN-Abdeckung</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="68"/>
      <source>Buildings covered</source>
      <translation>Abgedeckte Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="69"/>
      <source>Buildings to plan</source>
      <translation>Zu planende Gebäude</translation>
    </message>
    <message>
      <location filename="../../processing/algorithms/wlancoverage.py" line="79"/>
      <source>Access points and buildings are required.</source>
      <translation>Zugangspunkte und Gebäude sind erforderlich.</translation>
    </message>
    <message>
      <location filename="../../processing/cluster.py" line="22"/>
      <source>Dask scheduler for a partitioned run (e.g. tcp://10.0.0.5:8786; empty: none)</source>
      <translation>Dask-Scheduler für einen partitionierten Lauf (z. B. tcp://10.0.0.5:8786; leer: keiner)</translation>
    </message>
    <message>
      <location filename="../../processing/cluster.py" line="25"/>
      <source>Local Dask worker processes (0 or 1: run in this process)</source>
      <translation>Lokale Dask-Worker-Prozesse (0 oder 1: in diesem Prozess ausführen)</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="23"/>
      <source>No PostgreSQL connection named {0}.</source>
      <translation>Keine PostgreSQL-Verbindung mit dem Namen {0}.</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="29"/>
      <source>The connection {0} has no usable settings.</source>
      <translation>Die Verbindung {0} hat keine verwendbaren Einstellungen.</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="45"/>
      <source>Or: PostGIS connection</source>
      <translation>Oder: PostGIS-Verbindung</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="47"/>
      <source>PostGIS schema</source>
      <translation>PostGIS-Schema</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="49"/>
      <source>PostGIS credentials (authentication configuration)</source>
      <translation>PostGIS-Zugangsdaten (Authentifizierungskonfiguration)</translation>
    </message>
    <message>
      <location filename="../../processing/connections.py" line="59"/>
      <source>Give either an output GeoPackage or a PostGIS connection.</source>
      <translation>Geben Sie entweder ein Ausgabe-GeoPackage oder eine PostGIS-Verbindung an.</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="45"/>
      <source>Sample district: import, build the twin, export 3D Tiles</source>
      <translation>Beispielquartier: importieren, Zwilling aufbauen, 3D Tiles exportieren</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="46"/>
      <source>The whole GeoTwin chain on the generated sample district around Friedrichsplatz, Karlsruhe: generate the district (CityGML, the school's IFC, learning islands, sensors), import the city model, the school's BIM model, the learning islands and the sensors (linked to the buildings and rooms), build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).
Look at the result: python3 -m http.server in the tiles folder, then open http://localhost:8000/viewer/index.html; or open the twin in QGIS with Plugins &gt; GeoTwin &gt; Open twin…</source>
      <translation>Die ganze GeoTwin-Kette auf dem erzeugten Beispielquartier um den Friedrichsplatz in Karlsruhe: das Quartier erzeugen (CityGML, das IFC der Schule, Lerninseln, Sensoren), das Stadtmodell, das BIM-Modell der Schule, die Lerninseln und die Sensoren importieren (mit den Gebäuden und Räumen verknüpft), den verknüpften Zwilling als GeoPackage aufbauen und ihn als 3D Tiles mit dem CesiumJS-Viewer exportieren.
Jedes Zwischen-GeoPackage ist ebenfalls eine Ausgabe, eine temporäre Datei, solange Sie keine wählen (qgis_process braucht jede Ausgabe: einen Pfad oder TEMPORARY_OUTPUT).
Ergebnis ansehen: python3 -m http.server im Tiles-Ordner, dann http://localhost:8000/viewer/index.html öffnen; oder den Zwilling in QGIS mit Erweiterungen &gt; GeoTwin &gt; Zwilling öffnen… laden</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="59"/>
      <source>Your data: import, build the twin, export 3D Tiles</source>
      <translation>Eigene Daten: importieren, Zwilling aufbauen, 3D Tiles exportieren</translation>
    </message>
    <message>
      <location filename="../../processing/models.py" line="60"/>
      <source>The GeoTwin chain on your own data: import the city model (CityGML/CityJSON files or folders), the BIM model (IFC, placed with its own georeferencing), the learning islands (GeoJSON, GeoPackage or CSV) and the sensors (SensorThings JSON, CSV or GeoJSON exports), linked to the buildings and rooms; build the linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.
Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process needs every output: a path or TEMPORARY_OUTPUT).</source>
      <translation>Die GeoTwin-Kette auf Ihren eigenen Daten: das Stadtmodell (CityGML/CityJSON-Dateien oder -Ordner), das BIM-Modell (IFC, mit seiner eigenen Georeferenzierung platziert), die Lerninseln (GeoJSON, GeoPackage oder CSV) und die Sensoren (SensorThings-JSON, CSV- oder GeoJSON-Exporte) importieren, mit den Gebäuden und Räumen verknüpft; den verknüpften Zwilling als GeoPackage aufbauen und ihn als 3D Tiles mit dem CesiumJS-Viewer exportieren.
Jedes Zwischen-GeoPackage ist ebenfalls eine Ausgabe, eine temporäre Datei, solange Sie keine wählen (qgis_process braucht jede Ausgabe: einen Pfad oder TEMPORARY_OUTPUT).</translation>
    </message>
    <message>
      <location filename="../../processing/provider.py" line="34"/>
      <source>GeoTwin – Digitaler Geozwilling</source>
      <translation>GeoTwin – Digitaler Geozwilling</translation>
    </message>
  </context>
</TS>
