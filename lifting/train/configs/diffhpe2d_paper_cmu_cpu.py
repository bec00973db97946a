# The shipped DiffHPE-2D (profile 'paper': 16 blocks x 64 channels, conditioned on the raw 2D keypoints, no
# MixSTE). Table 1 has batch 200, lr 8e-4, 1000 epochs; here the Wrapper's batch 16 and lr 1.5e-3.
_base_ = ["wrapper_paper_cmu_cpu.py"]
name = "diffhpe2d_paper_cmu_cpu"
model = dict(kind="diffhpe2d")
dropout = 0.03
