# DiffHPE-Wrapper on a frozen MixSTE (give its checkpoint with --conditioner) — profile 'mixste512' (original MixSTE width, for GPUs)
# Paper Table 1: Adam (0.9, 0.999), weight decay 1e-6, plateau LR scheduler (factor 2, patience 50).
name = "wrapper_mixste512"
model = dict(kind="wrapper", profile="mixste512")
batch_size = 200
lr = 2.7e-4
weight_decay = 1e-6
dropout = 0.27
epochs = 1000
plateau = dict(factor=0.5, patience=50)
val_interval = 1
flip = True
occlusion = "none"
conditioner = None
val_sampling = dict(sampler="ddim", steps=5, hypotheses=1)
