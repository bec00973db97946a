"""TRC export read back by OpenSim itself (its TRCFileAdapter): marker names, rate, units and values."""

from __future__ import annotations

import numpy as np
import pytest
from clips import camera_from_z_up

from lifting.exports.world import to_world
from lifting.exports.write import ExportPaths, write_exports
from lifting.skeleton import JOINT_NAMES

osim = pytest.importorskip("opensim", reason="opensim==4.6 is a test dependency (pip install opensim==4.6)")


def test_opensim_reads_markers_rate_and_values(cmu_clip, tmp_path):
    cam = camera_from_z_up(cmu_clip.positions.astype(np.float64), tilt_deg=8.0)
    cam[0, 5] = np.nan  # one joint without a position: an empty cell, a missing marker for OpenSim
    out = tmp_path / "run.trc"
    write_exports(ExportPaths(trc=out), cam, 50.0)
    expected_mm = to_world(cam).positions * 1000

    tables = osim.TRCFileAdapter().read(str(out))
    assert list(tables.keys()) == ["markers"]
    table = osim.TimeSeriesTableVec3(str(out))  # the same adapter, typed as Vec3 markers
    assert list(table.getColumnLabels()) == list(JOINT_NAMES)
    assert table.getNumRows() == len(cam)
    assert float(table.getTableMetaDataAsString("DataRate")) == 50.0
    assert float(table.getTableMetaDataAsString("CameraRate")) == 50.0
    assert table.getTableMetaDataAsString("Units") == "mm"
    assert int(table.getTableMetaDataAsString("NumMarkers")) == 17
    np.testing.assert_allclose(list(table.getIndependentColumn()), np.arange(len(cam)) / 50.0, atol=1e-6)
    flat = table.flatten()  # keep the table alive while its matrix is read (a temporary one crashes)
    values = flat.getMatrix().to_numpy().reshape(len(cam), 17, 3)
    np.testing.assert_allclose(values, expected_mm, atol=6e-4, equal_nan=True)  # 3 decimals of a mm
    assert np.isnan(values[0, 5]).all() and np.isfinite(values[1:]).all()
    # Y up, floor at 0: the lower ankle sits about an ankle height (8 cm) above the floor
    lower = np.minimum(values[1:, 3, 1], values[1:, 6, 1])
    assert 70 < np.percentile(lower, 5) < 90
