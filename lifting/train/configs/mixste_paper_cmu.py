# The shipped MixSTE (profile 'paper'). Table 1 has batch 1024, lr 4e-5 for 500 epochs of H36M; with a fresh
# camera per window and a run of minutes (GPU) to hours (CPU): batch 1024 (on a CPU pass --batch-size 64),
# lr 1e-3 under the cosine schedule.
_base_ = ["_cmu.py"]
name = "mixste_paper_cmu"
model = dict(kind="mixste", profile="paper")
batch_size = 1024
lr = 1e-3
dropout = 0.10
