"""What the analyst reads in the twin's layers, in English or German (the QGIS locale): field aliases, legend
classes, sensor labels and numbers with the locale's decimal separator.

Tables, not tr() calls: every field of every twin layer has its alias in both languages side by side, so a
missing German alias is a gap in one table (tests/plugin check it) rather than in the .ts catalogue.
"""
from __future__ import annotations

from qgis.core import QgsCategorizedSymbolRenderer, QgsVectorLayer
from qgis.PyQt.QtCore import QLocale

from ..twin.tiles.class_names import CLASS_NAMES
from .i18n import user_locale

# field name -> (English alias, German alias), for every field of the twin's layers (twin/kernel/schema)
ALIASES: dict[str, tuple[str, str]] = {
    "accessibility": ("Accessibility", "Barrierefreiheit"),
    "address": ("Address", "Adresse"),
    "aggregate_global_id": ("Part of (GlobalId)", "Teil von (GlobalId)"),
    "area": ("Area (m²)", "Fläche (m²)"),
    "area_source": ("Area from", "Fläche aus"),
    "attributes": ("Further attributes", "Weitere Attribute"),
    "bim_area": ("BIM outline area (m²)", "BIM-Grundfläche (m²)"),
    "bim_building_id": ("BIM building", "BIM-Gebäude"),
    "bim_name": ("BIM name", "BIM-Name"),
    "bim_source_file": ("BIM file", "BIM-Datei"),
    "booking_url": ("Booking link", "Buchungslink"),
    "booking_url_error": ("Booking link problem", "Problem mit dem Buchungslink"),
    "building_distance": ("Distance to the building (m)", "Abstand zum Gebäude (m)"),
    "building_global_id": ("BIM building (GlobalId)", "BIM-Gebäude (GlobalId)"),
    "building_id": ("Building", "Gebäude"),
    "building_method": ("Building found by", "Gebäude ermittelt durch"),
    "building_ref": ("Building reference", "Gebäudereferenz"),
    "calendar": ("Booking calendar", "Buchungskalender"),
    "calendar_address": ("Calendar address of the room", "Kalenderadresse des Raums"),
    "calendar_error": ("Calendar problem", "Problem mit dem Kalender"),
    "calendar_type": ("Calendar type", "Kalenderart"),
    "checksum_sha256": ("Checksum (SHA-256)", "Prüfsumme (SHA-256)"),
    "city": ("City", "Ort"),
    "city_area": ("City model outline area (m²)", "Grundfläche Stadtmodell (m²)"),
    "city_building_id": ("City model building", "Gebäude im Stadtmodell"),
    "count": ("Values", "Anzahl Werte"),
    "country": ("Country", "Land"),
    "crs_source": ("CRS taken from", "Koordinatensystem aus"),
    "datastream_id": ("Datastream", "Datenstrom"),
    "datastream_name": ("Datastream name", "Name des Datenstroms"),
    "details": ("Details", "Details"),
    "distance_m": ("Distance (m)", "Abstand (m)"),
    "element_count": ("Elements", "Bauteile"),
    "elevation": ("Elevation (m)", "Höhe (m)"),
    "fid": ("Feature id", "Objektnummer"),
    "fire_rating": ("Fire rating", "Feuerwiderstand"),
    "floor": ("Floor", "Geschoss"),
    "floor_elevation": ("Floor elevation (m)", "Fußbodenhöhe (m)"),
    "format": ("Format", "Format"),
    "from_id": ("From (id)", "Von (ID)"),
    "from_layer": ("From layer", "Von Layer"),
    "function": ("Function", "Funktion"),
    "georef_method": ("Georeferenced by", "Georeferenziert durch"),
    "geotwin_version": ("GeoTwin version", "GeoTwin-Version"),
    "global_id": ("GlobalId", "GlobalId"),
    "ground_height": ("Ground height (m)", "Geländehöhe (m)"),
    "ground_max": ("Highest ground (m)", "Höchste Geländehöhe (m)"),
    "ground_min": ("Lowest ground (m)", "Niedrigste Geländehöhe (m)"),
    "ground_offset_m": ("Ground offset (m)", "Versatz Gelände (m)"),
    "height": ("Height (m)", "Höhe (m)"),
    "horizontal_crs": ("Horizontal CRS", "Lagebezugssystem"),
    "house_number": ("House number", "Hausnummer"),
    "id": ("Id", "ID"),
    "ifc_class": ("IFC class", "IFC-Klasse"),
    "imported_at": ("Imported at", "Importiert am"),
    "input_checksum": ("Input checksum", "Prüfsumme der Eingabe"),
    "input_path": ("Input", "Eingabe"),
    "iou": ("Footprint overlap (IoU)", "Überdeckung der Grundrisse (IoU)"),
    "is_external": ("External", "Außenbauteil"),
    "latest_time": ("Latest value at", "Letzter Wert am"),
    "latest_value": ("Latest value", "Letzter Wert"),
    "link_distance": ("Distance to the link (m)", "Abstand zur Verknüpfung (m)"),
    "link_id": ("Linked to", "Verknüpft mit"),
    "link_name": ("Linked to (name)", "Verknüpft mit (Name)"),
    "link_reason": ("Link note", "Hinweis zur Verknüpfung"),
    "link_status": ("Link status", "Verknüpfungsstatus"),
    "link_type": ("Linked as", "Verknüpft als"),
    "load_bearing": ("Load-bearing", "Tragend"),
    "local_elevation": ("Local elevation (m)", "Lokale Höhe (m)"),
    "lod": ("Level of detail", "Detailstufe (LoD)"),
    "lods_available": ("Levels of detail available", "Vorhandene Detailstufen"),
    "long_name": ("Long name", "Langname"),
    "material": ("Material", "Material"),
    "max": ("Maximum", "Maximum"),
    "mean": ("Mean", "Mittelwert"),
    "measured_height": ("Measured height (m)", "Gemessene Höhe (m)"),
    "min": ("Minimum", "Minimum"),
    "name": ("Name", "Name"),
    "net_area": ("Net area (m²)", "Nettofläche (m²)"),
    "net_volume": ("Net volume (m³)", "Nettovolumen (m³)"),
    "non_numeric": ("Non-numeric values", "Nicht numerische Werte"),
    "number": ("Room number", "Raumnummer"),
    "object_class": ("Object class", "Objektklasse"),
    "object_count": ("Objects", "Objekte"),
    "object_type": ("Object type", "Objekttyp"),
    "objects": ("Objects", "Objekte"),
    "observation_id": ("Observation", "Beobachtung"),
    "observed_property": ("Observed property", "Messgröße"),
    "opening_hours": ("Opening hours", "Öffnungszeiten"),
    "opening_hours_error": ("Opening hours problem", "Problem mit den Öffnungszeiten"),
    "operator": ("Operator", "Betreiber"),
    "origin": ("Origin", "Herkunft"),
    "parent_id": ("Part of building", "Teil von Gebäude"),
    "parts": ("Parts", "Gebäudeteile"),
    "phenomenon_time": ("Time", "Zeitpunkt"),
    "postal_code": ("Postal code", "Postleitzahl"),
    "predefined_type": ("Predefined type", "Vordefinierter Typ"),
    "psets": ("Property sets", "Eigenschaftssätze"),
    "reason": ("Reason", "Begründung"),
    "relation": ("Relation", "Beziehung"),
    "result": ("Value", "Wert"),
    "result_text": ("Value (text)", "Wert (Text)"),
    "roof_height": ("Roof height (m)", "Dachhöhe (m)"),
    "roof_max": ("Highest roof (m)", "Höchste Dachhöhe (m)"),
    "roof_offset_m": ("Roof offset (m)", "Versatz Dach (m)"),
    "roof_type": ("Roof type", "Dachform"),
    "room": ("Room", "Raum"),
    "room_id": ("Room (GlobalId)", "Raum (GlobalId)"),
    "room_method": ("Room found by", "Raum ermittelt durch"),
    "room_name": ("Room name", "Raumname"),
    "room_storey": ("Storey of the room", "Geschoss des Raums"),
    "score": ("Score", "Bewertung"),
    "seats": ("Seats", "Plätze"),
    "self_link": ("SensorThings link", "SensorThings-Link"),
    "sensor_id": ("Sensor", "Sensor"),
    "sensor_key": ("Sensor key", "Sensorschlüssel"),
    "sensor_name": ("Sensor name", "Sensorname"),
    "shape_iou": ("Shape similarity (IoU)", "Formähnlichkeit (IoU)"),
    "site_global_id": ("Site (GlobalId)", "Grundstück (GlobalId)"),
    "site_name": ("Site", "Grundstück"),
    "skipped_count": ("Skipped", "Übersprungen"),
    "source": ("Source", "Quelle"),
    "source_file": ("Source file", "Quelldatei"),
    "source_kind": ("Source kind", "Quellenart"),
    "source_line": ("Source line", "Zeile der Quelle"),
    "space_count": ("Rooms", "Räume"),
    "ssid": ("WLAN SSID", "WLAN-SSID"),
    "status": ("Status", "Status"),
    "storey": ("Storey", "Geschoss"),
    "storey_count": ("Storeys", "Geschosse"),
    "storey_elevation": ("Storey elevation (m)", "Geschosshöhe (m)"),
    "storey_global_id": ("Storey (GlobalId)", "Geschoss (GlobalId)"),
    "storeys_above_ground": ("Storeys above ground", "Oberirdische Geschosse"),
    "storeys_below_ground": ("Storeys below ground", "Unterirdische Geschosse"),
    "street": ("Street", "Straße"),
    "surface_type": ("Surface type", "Flächenart"),
    "tag": ("Tag", "Kennzeichen"),
    "to_id": ("To (id)", "Nach (ID)"),
    "to_layer": ("To layer", "Nach Layer"),
    "twin_building_id": ("Twin building", "Gebäude im Zwilling"),
    "unit_definition": ("Unit definition", "Einheitendefinition"),
    "unit_known": ("Known unit", "Bekannte Einheit"),
    "unit_name": ("Unit", "Einheit"),
    "unit_symbol": ("Unit symbol", "Einheitenzeichen"),
    "usage": ("Usage", "Nutzung"),
    "vertical_crs": ("Vertical CRS", "Höhenbezugssystem"),
    "volume": ("Volume (m³)", "Volumen (m³)"),
    "window_end": ("Window end", "Zeitraum bis"),
    "window_start": ("Window start", "Zeitraum von"),
    "year_of_construction": ("Year of construction", "Baujahr"),
    "z_max": ("Highest point (m)", "Höchster Punkt (m)"),
    "z_min": ("Lowest point (m)", "Tiefster Punkt (m)"),
}

# legend class label in the shipped QML -> (English, German)
LEGEND: dict[str, tuple[str, str]] = {
    "RoofSurface": ("Roof surface", "Dachfläche"),
    "WallSurface": ("Wall surface", "Wandfläche"),
    "GroundSurface": ("Ground surface", "Grundfläche"),
    "other": ("Other", "Sonstige"),
    "linked": ("Linked to building and room", "Mit Gebäude und Raum verknüpft"),
    "not fully linked": ("Not fully linked", "Nicht vollständig verknüpft"),
    # the BIM style's IFC classes named as on the web map; the wall's standard case kept apart from the wall
    **{c: CLASS_NAMES[c] for c in (
        "IfcWall", "IfcCurtainWall", "IfcSlab", "IfcRoof", "IfcWindow", "IfcDoor", "IfcColumn", "IfcBeam", "IfcMember",
        "IfcPlate", "IfcStair", "IfcStairFlight", "IfcRamp", "IfcRailing", "IfcCovering", "IfcFooting",
        "IfcFurnishingElement", "IfcBuildingElementProxy")},
    "IfcWallStandardCase": ("Wall (standard case)", "Wand (Standardfall)"),
}

# observed property as the sensor imports write it -> (English, German)
PROPERTIES: dict[str, tuple[str, str]] = {
    "Air temperature": ("Air temperature", "Lufttemperatur"),
    "Soil moisture": ("Soil moisture", "Bodenfeuchte"),
    "Sound pressure level (A-weighted)": ("Noise level", "Lärmpegel"),
    "Parking space occupancy": ("Parking space", "Stellplatz"),
    "Relative humidity": ("Relative humidity", "Relative Luftfeuchte"),
    "CO2 concentration": ("CO₂ concentration", "CO₂-Konzentration"),
}
# unitless occupancy (unit "1"): 0 and 1 read as free / occupied, not as numbers
OCCUPANCY = ("Parking space occupancy", (("free", "frei"), ("occupied", "belegt")))


def german(locale: str | None = None) -> bool:
    """True when the plugin speaks German: the QGIS locale (or ``locale``) is de."""
    return (locale or user_locale()) == "de"


def pick(pair: tuple[str, str], locale: str | None = None) -> str:
    """The German or English side of a table entry."""
    return pair[1] if german(locale) else pair[0]


def number(value: float, decimals: int = 1, locale: str | None = None) -> str:
    """``value`` with ``decimals`` and the locale's decimal separator (German: 114,8)."""
    return QLocale("de_DE" if german(locale) else "en_US").toString(float(value), "f", decimals)


def apply_aliases(layer: QgsVectorLayer, locale: str | None = None) -> list[str]:
    """Set the alias of every field from ALIASES; returns the fields that have none (left unaliased)."""
    missing = []
    for index, field in enumerate(layer.fields()):
        pair = ALIASES.get(field.name())
        if pair is None:
            missing.append(field.name())
            continue
        layer.setFieldAlias(index, pick(pair, locale))
    return missing


def translate_legend(layer: QgsVectorLayer, locale: str | None = None) -> None:
    """Relabel the categories of a categorized renderer from LEGEND (labels not in it stay)."""
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return
    for index, category in enumerate(renderer.categories()):
        pair = LEGEND.get(category.label())
        if pair is not None:
            renderer.updateCategoryLabel(index, pick(pair, locale))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def property_expression(locale: str | None = None) -> str:
    """An expression giving the observed property's name in the UI language."""
    cases = " ".join(f"WHEN \"observed_property\" = {_quoted(key)} THEN {_quoted(pick(pair, locale))}"
                     for key, pair in PROPERTIES.items())
    return f"CASE {cases} ELSE \"observed_property\" END"


def value_expression(locale: str | None = None) -> str:
    """The latest value with the unit, decimal comma in German, occupancy as free/occupied, '–' when none."""
    sep = "," if german(locale) else "."
    rounded = f"replace(to_string(round(\"latest_value\", 1)), '.', '{sep}')"
    free, occupied = (pick(p, locale) for p in OCCUPANCY[1])
    return (f"CASE WHEN \"latest_value\" IS NULL THEN '–' "
            f"WHEN \"observed_property\" = {_quoted(OCCUPANCY[0])} "
            f"THEN CASE WHEN \"latest_value\" >= 0.5 THEN {_quoted(occupied)} ELSE {_quoted(free)} END "
            f"ELSE {rounded} || coalesce(' ' || \"unit_symbol\", '') END")


def sensor_label_expression(locale: str | None = None) -> str:
    """Label of a sensor on the map: 'Lufttemperatur: 21,5 °C' (German) / 'Air temperature: 21.5 °C'."""
    return f"{property_expression(locale)} || ': ' || {value_expression(locale)}"


def sensor_display_expression(locale: str | None = None) -> str:
    """Display name of a sensor (forms, identify): its name, then the label."""
    return f"\"sensor_name\" || ' – ' || {sensor_label_expression(locale)}"
