"""Reading a GeoJSON layer: any file is a layer or a LayerError that says what is wrong.

Layers come from NYC Open Data exports, or from whatever an operator saved by that name; no
JSON, however shaped, makes `load_layer` raise anything but LayerError.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config.geojson import Layer, LayerError, load_layer

SQUARE = {"type": "Polygon", "coordinates": [[[-73.92, 40.66], [-73.90, 40.66], [-73.90, 40.68],
                                              [-73.92, 40.68], [-73.92, 40.66]]]}
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=10)
           | st.sampled_from(("Polygon", "MultiPolygon", "Point", "GeometryCollection", "")))
KEYS = st.sampled_from(("type", "features", "properties", "geometry", "coordinates", "crs",
                        "name", "precinct")) | st.text(max_size=6)
JSON = st.recursive(
    SCALARS | st.just(SQUARE),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=15,
)
COLLECTIONS = st.fixed_dictionaries(
    {"type": st.just("FeatureCollection"),
     "features": st.lists(st.fixed_dictionaries({"type": st.just("Feature"),
                                                 "properties": JSON, "geometry": JSON}))
     | JSON},
    optional={"crs": JSON},
)


def load_text(text: str) -> Layer:
    """Load `text` as a layer file keyed by `precinct`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.geojson"
        path.write_text(text, encoding="utf-8")
        return load_layer(path, "precinct", "name")


def check_answer(text: str) -> None:
    """A layer with at least one area, or a LayerError with a one-line reason."""
    try:
        layer = load_text(text)
    except LayerError as error:
        assert str(error).strip() and "\n" not in str(error)
        return
    assert layer.features


@pytest.mark.parametrize("document", [
    {"type": "FeatureCollection", "crs": "EPSG:4326", "features": []},
    {"type": "FeatureCollection", "crs": {"properties": ["x"]}, "features": []},
    {"type": "FeatureCollection", "features": 3},
    {"type": "FeatureCollection", "features": [{"properties": ["precinct"], "geometry": SQUARE}]},
    {"type": "FeatureCollection", "features": [{"properties": {"precinct": 1},
                                                "geometry": {"type": ""}}]},
])
def test_odd_shapes_of_json_are_refused_as_layer_errors(document):
    with pytest.raises(LayerError):
        load_text(json.dumps(document))


def test_json_nested_too_deeply_to_read_is_a_layer_error():
    with pytest.raises(LayerError, match="not readable GeoJSON"):
        load_text("[" * 100_000 + "]" * 100_000)


@settings(max_examples=300, deadline=None)
@given(document=COLLECTIONS | JSON)
@example(document={"type": "FeatureCollection",
                   "features": [{"properties": {"precinct": 75}, "geometry": SQUARE}]})
def test_any_json_is_a_layer_or_a_layer_error(document):
    check_answer(json.dumps(document))


def test_a_layer_path_that_is_no_regular_file_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "layer.geojson"
    os.mkfifo(fifo)  # reading a pipe no one writes to would wait for ever
    with pytest.raises(LayerError, match="not a regular file"):
        load_layer(fifo, "precinct")
