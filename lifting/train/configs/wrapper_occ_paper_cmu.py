# The shipped occlusion-trained DiffHPE-Wrapper on the frozen occlusion-trained MixSTE (--conditioner), its
# denoiser fine-tuned from the plain Wrapper's (--load-from), one of the paper's patterns (or none) per window.
_base_ = ["wrapper_paper_cmu.py"]
name = "wrapper_occ_paper_cmu"
occlusion = "mixed"
lr = 5e-4
