# DiffHPE-Wrapper — profile 'mixste512' (original MixSTE width, for GPUs), Table 1.
_base_ = ["wrapper_paper.py"]
name = "wrapper_mixste512"
model = dict(profile="mixste512")
