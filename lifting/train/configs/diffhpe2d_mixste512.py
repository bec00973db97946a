# DiffHPE-2D — profile 'mixste512' (the denoiser is the same 16x64 in both profiles), Table 1.
_base_ = ["diffhpe2d_paper.py"]
name = "diffhpe2d_mixste512"
model = dict(profile="mixste512")
