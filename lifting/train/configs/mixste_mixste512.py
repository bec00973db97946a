# MixSTE‡ — profile 'mixste512' (original MixSTE width, for GPUs), Table 1.
_base_ = ["mixste_paper.py"]
name = "mixste_mixste512"
model = dict(profile="mixste512")
