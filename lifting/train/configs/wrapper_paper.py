# DiffHPE-Wrapper on a frozen MixSTE (give its checkpoint with --conditioner) — profile 'paper' (MixSTE 64
# channels, 16x64 denoiser), Table 1.
_base_ = ["_paper_table1.py"]
name = "wrapper_paper"
model = dict(kind="wrapper", profile="paper")
batch_size = 200
lr = 2.7e-4
dropout = 0.27
epochs = 1000
