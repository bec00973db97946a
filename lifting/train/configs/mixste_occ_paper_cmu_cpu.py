# The shipped occlusion-robust MixSTE: the MixSTE recipe with one of the paper's patterns (or none) per window.
_base_ = ["mixste_paper_cmu_cpu.py"]
name = "mixste_occ_paper_cmu_cpu"
occlusion = "mixed"
