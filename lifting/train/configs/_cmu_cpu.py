# The shipped recipes on the CMU mocap set, trained on a 2-core CPU: paper Table 1 where the budget (~1.5 CPU-hours
# per model) allows, otherwise larger learning rates, gradient clipping, windows every 27 frames (--stride 27),
# 2 epochs, the LR halved after every epoch without improvement, the best epoch kept by validation MPJPE.
_base_ = ["_paper_table1.py"]
epochs = 2
plateau = dict(patience=0)
clip_grad = dict(max_norm=1.0)
log_interval = 20
