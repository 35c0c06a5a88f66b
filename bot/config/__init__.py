"""Settings, logs, the clock, the sites file and GeoJSON layers: read once at the edges."""
