# The shipped recipes on the CMU mocap set: a fresh virtual camera, augmentation and 2D corruption for every
# training window (lifting/data/synthetic.py), trained by updates with a warm-up and a cosine decay of the
# learning rate over the run (its length from --iters or --time-budget), validation on the held-out subjects'
# fixed cameras every val_interval_iters updates, the best checkpoint kept by validation MPJPE.
_base_ = ["_paper_table1.py"]
camera_mode = "fresh"
val_interval_iters = 500
val_windows = 512
clip_grad = dict(max_norm=1.0)
log_interval = 100
amp = None
warmup = 0.02
# Each training window takes, with this probability per part, the left arm, the right arm or the legs of another
# window (lifting/data/limb_mix.py): continuing DiffHPE-2D with it for 800 updates gave 85.4 -> 77.4 mm held out
# and a better real-video check (weights/MODEL_CARD.md).
limb_mix = 0.3
