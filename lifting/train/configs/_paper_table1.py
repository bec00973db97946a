# What every config shares: paper Table 1's optimiser settings — Adam (0.9, 0.999), weight decay 1e-6, plateau
# LR scheduler dividing the rate by 2 after 50 epochs without improvement — and the data options.
weight_decay = 1e-6
plateau = dict(factor=0.5, patience=50)
val_interval = 1
flip = True
occlusion = "none"
conditioner = None  # the Wrapper's frozen MixSTE checkpoint (--conditioner)
prediction = "epsilon"  # diffusion models: the network predicts the noise (the paper's parametrisation)
val_sampling = dict(sampler="ddim", steps=5, hypotheses=1)  # diffusion models' validation sampler
