"""One module per algorithm; the provider discovers every GeoTwinAlgorithm subclass here."""
