# The shipped DiffHPE-Wrapper (profile 'paper': 16 blocks x 64 channels) on the frozen MixSTE (--conditioner).
# The network predicts the clean pose x0 (prediction = "sample"; see weights/MODEL_CARD.md for why).
_base_ = ["_cmu.py"]
name = "wrapper_paper_cmu"
model = dict(kind="wrapper", profile="paper")
batch_size = 512  # on a CPU pass --batch-size 32
lr = 1e-3
dropout = 0.10
prediction = "sample"
