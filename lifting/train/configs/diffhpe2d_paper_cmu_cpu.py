# The recipe of the shipped DiffHPE-2D (profile 'paper': 16 blocks x 64 channels, conditioned on the raw 2D keypoints,
# no MixSTE), trained on the CMU mocap set on a 2-core CPU.
# Differs from paper Table 1 because the budget is ~1.5 CPU-hours: batch 64, lr 1.5e-3, gradient clipping,
# windows every 27 frames, 3 epochs (best epoch kept by validation MPJPE).
name = "diffhpe2d_paper_cmu_cpu"
model = dict(kind="diffhpe2d", profile="paper")
batch_size = 64
lr = 1.5e-3
weight_decay = 1e-6
dropout = 0.03
epochs = 3
plateau = dict(factor=0.5, patience=0)
clip_grad = dict(max_norm=1.0)
val_interval = 1
log_interval = 20
flip = True
occlusion = "none"
conditioner = None
val_sampling = dict(sampler="ddim", steps=5, hypotheses=1)
