"""sfvq-vc: a VQ-VAE voice converter whose content codebook is a Space-Filling VQ."""

__version__ = "0.1.0"
