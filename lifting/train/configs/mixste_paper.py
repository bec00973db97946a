# MixSTE (the paper's MixSTE‡: plain MSE, no test-time flip) — profile 'paper' (MixSTE 64 channels), Table 1.
_base_ = ["_paper_table1.py"]
name = "mixste_paper"
model = dict(kind="mixste", profile="paper")
batch_size = 1024
lr = 4e-5
dropout = 0.1
epochs = 500
