"""Paths of the real BVH files the motion capture tests use (under ../shared/data)."""

from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# One small file of each flavour (flavour name -> path under DATA).
FLAVOUR_FILES = {
    "daz43": "cmu_mocap/09/09_03.bvh",  # 129 frames at 120 Hz, T-pose + blend-in first
    "cmu31": "cmu_mocap/16/16_01.bvh",  # 322 frames, header 30 Hz, really 120 Hz
    "max31": "mocap_extra/bvh11_cmu131/resources/131_01.bvh",  # 994 frames at 120 Hz
    "iclone100": "mocap_extra/iclone_cmu/All_BVH/subjects/006/006_08.bvh",  # 170 frames at 60 Hz
    "daz43_scaled": "mocap_extra/cmu_salsa_beemsoft/public/shared/bvh/61/61_10_scaled.bvh",  # 1197 at 120 Hz
}

# Clips for dataset tests: held-out subjects 06 and 13, training subjects 05, 09, 16.
DATASET_FILES = (
    "cmu_mocap/05/05_01.bvh",
    "cmu_mocap/13/13_40.bvh",
    "cmu_mocap/09/09_03.bvh",
    "cmu_mocap/16/16_01.bvh",
    "mocap_extra/iclone_cmu/All_BVH/subjects/006/006_08.bvh",
)
