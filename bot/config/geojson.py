"""Read a GeoJSON layer (NYC Open Data's precincts, ZIPs, NTAs...) into repaired lon/lat shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from alerts.geofence import repair

_WGS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}


class LayerError(ValueError):
    """A layer file that cannot be used at all."""


@dataclass
class Layer:
    """A layer's polygons by id, and what had to be done to them."""

    path: Path
    id_property: str
    features: dict[str, BaseGeometry] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    repaired: list[tuple[str, str]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(min lon, min lat, max lon, max lat) over all features."""
        if not self.features:
            return None
        xs0, ys0, xs1, ys1 = zip(*(geometry.bounds for geometry in self.features.values()),
                                 strict=True)
        return min(xs0), min(ys0), max(xs1), max(ys1)


def load_layer(path: Path, id_property: str, name_property: str | None = None) -> Layer:
    """Read, validate and repair every polygon of a layer; raise LayerError if it is unusable."""
    if path.exists() and not path.is_file() and not path.is_dir():
        # A pipe or a device (a layer path typed as /dev/stdin) would be read for ever.
        raise LayerError(f"{path}: not a regular file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise LayerError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise LayerError(f"{path}: not readable GeoJSON ({exc})") from None
    except RecursionError:
        raise LayerError(f"{path}: not readable GeoJSON (it nests too deeply)") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LayerError(f"{path}: a layer must be a GeoJSON FeatureCollection")
    crs = _crs_name(path, data.get("crs"))
    if crs and crs not in _WGS84:
        raise LayerError(f"{path}: coordinates are in {crs}; convert the layer to WGS84 lon/lat")
    features = data.get("features") or []
    if not isinstance(features, list):
        raise LayerError(f"{path}: features must be a list of GeoJSON features")
    layer = Layer(path, id_property)
    for index, feature in enumerate(features):
        _add_feature(layer, index, feature, name_property)
    if not layer.features:
        raise LayerError(f"{path}: no polygon feature has the property {id_property!r}")
    minx, miny, maxx, maxy = layer.bounds or (0, 0, 0, 0)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise LayerError(f"{path}: bounds {minx:.0f},{miny:.0f},{maxx:.0f},{maxy:.0f} are not "
                         "lon/lat degrees; is the layer in State Plane feet (EPSG:2263)?")
    return layer


def _add_feature(layer: Layer, index: int, feature: object, name_property: str | None) -> None:
    if not isinstance(feature, dict):
        layer.skipped.append(f"feature {index}: not a GeoJSON feature")
        return
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        layer.skipped.append(f"feature {index}: properties is not a mapping")
        return
    key = _key(properties.get(layer.id_property))
    if key is None:
        layer.skipped.append(f"feature {index}: no {layer.id_property!r} property")
        return
    try:
        geometry = shape(feature.get("geometry") or {})
    except (AttributeError, TypeError, ValueError, KeyError, shapely.errors.ShapelyError) as exc:
        layer.skipped.append(f"feature {index} ({key}): unreadable geometry: {exc}")
        return
    if geometry.is_empty or geometry.geom_type not in {"Polygon", "MultiPolygon"}:
        layer.skipped.append(f"feature {index} ({key}): {geometry.geom_type} is not an area")
        return
    geometry, reason = repair(geometry)
    if reason:
        layer.repaired.append((key, reason))
    if key in layer.features:
        # Some layers split one area over several features: they are one fence.
        layer.merged.append(key)
        geometry = shapely.union(layer.features[key], geometry)
    layer.features[key] = geometry
    if name_property and isinstance(properties.get(name_property), str):
        layer.names[key] = properties[name_property]


def _crs_name(path: Path, crs: object) -> str | None:
    """The name in `{"crs": {"properties": {"name": ...}}}`, None without one; malformed is refused."""
    if not crs:
        return None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if not isinstance(properties, dict | None):
        raise LayerError(f"{path}: crs must look like "
                         '{"type": "name", "properties": {"name": "EPSG:4326"}}')
    name = (properties or {}).get("name")
    return str(name)[:60] if name else None


def _key(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 75.0 in a numeric column is precinct "75"
    text = str(value).strip()
    return text or None
