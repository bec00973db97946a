# MixSTE in the 'tiny' profile (32 channels, depth 2): the cheap model of the data-amount study
# (scripts/data_amount.py), trained on fractions of the training clips at a fixed number of updates. Not shipped.
_base_ = ["mixste_paper_cmu_cpu.py"]
name = "mixste_tiny_cmu_cpu"
model = dict(profile="tiny")
lr = 1e-3
epochs = 4
