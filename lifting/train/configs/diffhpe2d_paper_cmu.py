# The shipped DiffHPE-2D (profile 'paper', conditioned on the raw 2D keypoints, no MixSTE).
_base_ = ["wrapper_paper_cmu.py"]
name = "diffhpe2d_paper_cmu"
model = dict(kind="diffhpe2d")
dropout = 0.03
