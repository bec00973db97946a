# MixSTE (the paper's MixSTE‡: plain MSE, no test-time flip) — profile 'mixste512' (original MixSTE width, for GPUs)
# Paper Table 1: Adam (0.9, 0.999), weight decay 1e-6, plateau LR scheduler (factor 2, patience 50).
name = "mixste_mixste512"
model = dict(kind="mixste", profile="mixste512")
batch_size = 1024
lr = 4e-5
weight_decay = 1e-6
dropout = 0.1
epochs = 500
plateau = dict(factor=0.5, patience=50)
val_interval = 1
flip = True
occlusion = "none"
