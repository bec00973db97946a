# The recipe of the shipped occlusion-robust MixSTE (profile 'paper'), trained on the CMU mocap set on a 2-core CPU.
# Differs from paper Table 1 (batch 1024, lr 4e-5, 500 epochs) because the budget is ~30 CPU-minutes:
# batch 64, lr 4e-4, gradient clipping, windows every 27 frames, 2 epochs (best epoch kept by validation MPJPE).
name = "mixste_occ_paper_cmu_cpu"
model = dict(kind="mixste", profile="paper")
batch_size = 64
lr = 4e-4
weight_decay = 1e-6
dropout = 0.10
epochs = 2
plateau = dict(factor=0.5, patience=0)
clip_grad = dict(max_norm=1.0)
val_interval = 1
log_interval = 20
flip = True
occlusion = "mixed"  # one of the paper patterns (or none) per window
