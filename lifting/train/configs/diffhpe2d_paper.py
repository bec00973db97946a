# DiffHPE-2D: noise predictor conditioned on the raw 2D — profile 'paper' (16x64 denoiser), Table 1.
_base_ = ["_paper_table1.py"]
name = "diffhpe2d_paper"
model = dict(kind="diffhpe2d", profile="paper")
batch_size = 200
lr = 8e-4
dropout = 0.03
epochs = 1000
