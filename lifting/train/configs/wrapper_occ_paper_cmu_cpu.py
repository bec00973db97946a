# The recipe of the shipped DiffHPE-Wrapper (occlusion-trained) (profile 'paper': 16 blocks x 64 channels) on the frozen
# occlusion-trained MixSTE (weights/mixste_occ_paper_cmu.safetensors), trained on the CMU mocap set on a 2-core CPU (give the checkpoint with --conditioner).
# Differs from paper Table 1 (batch 200, lr 2.7e-4, 1000 epochs) because the budget is ~1.5 CPU-hours:
# batch 64, lr 1.5e-3, gradient clipping, windows every 27 frames, 3 epochs (best epoch kept by validation MPJPE).
name = "wrapper_occ_paper_cmu_cpu"
model = dict(kind="wrapper", profile="paper")
batch_size = 64
lr = 1.5e-3
weight_decay = 1e-6
dropout = 0.10
epochs = 3
plateau = dict(factor=0.5, patience=0)
clip_grad = dict(max_norm=1.0)
val_interval = 1
log_interval = 20
flip = True
occlusion = "mixed"
conditioner = None
val_sampling = dict(sampler="ddim", steps=5, hypotheses=1)
