# DiffHPE-2D: noise predictor conditioned on the raw 2D — profile 'mixste512' (original MixSTE width, for GPUs)
# Paper Table 1: Adam (0.9, 0.999), weight decay 1e-6, plateau LR scheduler (factor 2, patience 50).
name = "diffhpe2d_mixste512"
model = dict(kind="diffhpe2d", profile="mixste512")
batch_size = 200
lr = 8e-4
weight_decay = 1e-6
dropout = 0.03
epochs = 1000
plateau = dict(factor=0.5, patience=50)
val_interval = 1
flip = True
occlusion = "none"
val_sampling = dict(sampler="ddim", steps=5, hypotheses=1)
