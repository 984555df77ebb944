"""3D city model readers (CityGML 1.0/2.0/3.0, CityJSON 1.1/2.0, CityJSONSeq) and the importer."""
