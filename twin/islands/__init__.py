"""WLAN learning islands: import and linking to buildings and rooms, search, WLAN coverage."""
