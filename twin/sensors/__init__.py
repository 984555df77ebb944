"""Sensors (LoRaWAN, air quality...): OGC SensorThings API client, CSV/GeoJSON exports, import."""
