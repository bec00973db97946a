# The shipped MixSTE (profile 'paper'). Table 1 has batch 1024, lr 4e-5, 500 epochs; here batch 64, lr 4e-4.
_base_ = ["_cmu_cpu.py"]
name = "mixste_paper_cmu_cpu"
model = dict(kind="mixste", profile="paper")
batch_size = 64
lr = 4e-4
dropout = 0.10
