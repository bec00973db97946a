# The shipped occlusion-trained DiffHPE-Wrapper: the Wrapper recipe on the frozen occlusion-trained MixSTE
# (--conditioner weights/mixste_occ_paper_cmu.safetensors), one of the paper's patterns (or none) per window.
_base_ = ["wrapper_paper_cmu_cpu.py"]
name = "wrapper_occ_paper_cmu_cpu"
occlusion = "mixed"
