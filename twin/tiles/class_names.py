"""Names of the object classes the web map and QGIS's legends show, in English and German.

Example:
    >>> CLASS_NAMES["IfcWall"]
    ('Wall', 'Wand')
"""

#: Names of the object classes the viewer shows, (English, German): ``object_class`` of buildings (CityGML and
#: CityJSON types; the IFC class of a BIM object outside any building, see ``twin.build``) and ``ifc_class`` of
#: BIM elements, rooms and storeys. A class not listed is shown as stored; an IFC class with its name, e.g.
#: "Wand (IfcWall)".
CLASS_NAMES: dict[str, tuple[str, str]] = {
    "Building": ("Building", "Gebäude"), "BuildingPart": ("Building part", "Gebäudeteil"),
    "IfcProject": ("Project", "Projekt"), "IfcSite": ("Site", "Grundstück"), "IfcBuilding": ("Building", "Gebäude"),
    "IfcBuildingStorey": ("Storey", "Geschoss"), "IfcSpace": ("Room", "Raum"), "IfcFacility": ("Facility", "Anlage"),
    "IfcBridge": ("Bridge", "Brücke"), "IfcRoad": ("Road", "Straße"), "IfcRailway": ("Railway", "Bahnanlage"),
    "IfcMarineFacility": ("Marine facility", "Wasserbauwerk"),
    "IfcWall": ("Wall", "Wand"), "IfcWallStandardCase": ("Wall", "Wand"),
    "IfcWallElementedCase": ("Wall of elements", "Wand aus Elementen"),
    "IfcCurtainWall": ("Curtain wall", "Vorhangfassade"),
    "IfcSlab": ("Slab", "Decke / Bodenplatte"), "IfcSlabStandardCase": ("Slab", "Decke / Bodenplatte"),
    "IfcSlabElementedCase": ("Slab of elements", "Decke aus Elementen"), "IfcCovering": ("Covering", "Bekleidung"),
    "IfcRoof": ("Roof", "Dach"), "IfcWindow": ("Window", "Fenster"), "IfcWindowStandardCase": ("Window", "Fenster"),
    "IfcDoor": ("Door", "Tür"), "IfcDoorStandardCase": ("Door", "Tür"), "IfcColumn": ("Column", "Stütze"),
    "IfcBeam": ("Beam", "Träger"), "IfcMember": ("Member", "Stab"), "IfcPlate": ("Plate", "Platte"),
    "IfcFooting": ("Footing", "Fundament"), "IfcStair": ("Stair", "Treppe"),
    "IfcStairFlight": ("Stair flight", "Treppenlauf"), "IfcRamp": ("Ramp", "Rampe"),
    "IfcRampFlight": ("Ramp flight", "Rampenlauf"), "IfcRailing": ("Railing", "Geländer"),
    "IfcFurnishingElement": ("Furnishing", "Einrichtung"), "IfcFurniture": ("Furniture", "Möbel"),
    "IfcBuildingElementProxy": ("Other building element", "Sonstiges Bauteil"),
    "IfcOpeningElement": ("Opening", "Öffnung"), "IfcChimney": ("Chimney", "Schornstein"),
    "IfcShadingDevice": ("Shading device", "Sonnenschutz"),
    "IfcFlowTerminal": ("Building services terminal", "Endgerät der Haustechnik"),
    "IfcSanitaryTerminal": ("Sanitary fixture", "Sanitärobjekt"),
    "IfcTransportElement": ("Lift or escalator", "Aufzug oder Fahrtreppe"),
}
