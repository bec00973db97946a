# MixSTE (the paper's MixSTE‡: plain MSE, no test-time flip) — profile 'paper' (MixSTE 64 channels, 16x64 denoiser)
# Paper Table 1: Adam (0.9, 0.999), weight decay 1e-6, plateau LR scheduler (factor 2, patience 50).
name = "mixste_paper"
model = dict(kind="mixste", profile="paper")
batch_size = 1024
lr = 4e-5
weight_decay = 1e-6
dropout = 0.1
epochs = 500
plateau = dict(factor=0.5, patience=50)
val_interval = 1
flip = True
occlusion = "none"
