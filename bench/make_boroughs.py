"""Write bot/samples/boroughs.geojson: the five boroughs' outlines, simplified for the dashboard's
map (about 60 m of detail, a few tens of KB), so the app draws them offline with no data folder.

Source: NYC Open Data's Borough Boundaries (water areas clipped), as copied into
$CMSBOT_DATA_DIR/nyc_borough_boundaries.geojson (see that folder's README). Run:
    CMSBOT_DATA_DIR=/work/shared/data .venv/bin/python bench/make_boroughs.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

TOLERANCE_DEG = 0.0006  # about 50-65 m at New York's latitude: a city map needs no more
OUT = Path(__file__).resolve().parents[1] / "bot" / "samples" / "boroughs.geojson"


def main() -> None:
    """Simplify the boroughs and write them, coordinates rounded to 5 decimals (about 1 m)."""
    source = Path(os.environ["CMSBOT_DATA_DIR"]) / "nyc_borough_boundaries.geojson"
    features = []
    for feature in json.loads(source.read_text(encoding="utf-8"))["features"]:
        simple = shapely.simplify(shape(feature["geometry"]), TOLERANCE_DEG, preserve_topology=True)
        # Islets smaller than a few blocks are noise at this scale.
        parts = [p for p in getattr(simple, "geoms", [simple]) if p.area > 2e-6]
        rounded = shapely.set_precision(shapely.MultiPolygon(parts), 1e-5)
        features.append({"type": "Feature",
                         "properties": {"name": feature["properties"]["boro_name"]},
                         "geometry": mapping(rounded)})
    features.sort(key=lambda f: f["properties"]["name"])
    collection = {"type": "FeatureCollection", "name": "NYC borough outlines, simplified",
                  "source": "NYC Open Data, Borough Boundaries (Clipped to Shoreline); "
                            "simplified by bench/make_boroughs.py",
                  "features": features}
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
