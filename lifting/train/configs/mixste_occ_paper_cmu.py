# The shipped occlusion-robust MixSTE: fine-tuned from the plain one (--load-from) with one of the paper's
# patterns (or none) per window.
_base_ = ["mixste_paper_cmu.py"]
name = "mixste_occ_paper_cmu"
occlusion = "mixed"
lr = 5e-4
