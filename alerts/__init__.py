"""The domain, pure: incidents, geofences, sites, routing, rendering. No I/O, no clock."""
