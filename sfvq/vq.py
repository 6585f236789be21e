"""Plain vector quantizer (the baseline) with NSVQ-style replacement of unused codewords.

Same interface as :class:`sfvq.SpaceFillingVQ`; all 2**bits codewords are always active and
``project`` returns ``position == index``.
"""

from __future__ import annotations

import torch

from sfvq._base import Quantizer
from sfvq._distances import nearest_rows, work_dtype


class VectorQuantizer(Quantizer):
    """Nearest-codeword quantizer with 2**bits codewords.

    Training forwards count how often each codeword is chosen (per occurrence) in the
    non-persistent buffer ``usage``; :meth:`replace_unused` uses and resets it.

    Args:
        bits: log2 of the number of codewords.
        dim: vector dimension D.
        gradient: "nsvq" or "none" (see :class:`sfvq.SpaceFillingVQ`).
    """

    def __init__(self, bits: int, dim: int, gradient: str = "nsvq") -> None:
        super().__init__(bits, dim, gradient)
        self.register_buffer("usage", torch.zeros(2**bits, dtype=torch.long), persistent=False)

    @torch.no_grad()
    def init_from(self, samples: torch.Tensor) -> None:
        """Set the codewords to 2**bits distinct random samples.

        Args:
            samples: (..., dim) data with at least 2**bits vectors.
        """
        flat = self._rows(samples, "init_from samples")
        k = 2**self.bits
        if flat.shape[0] < k:
            raise ValueError(f"init_from needs at least {k} samples, got {flat.shape[0]}")
        pick = torch.randperm(flat.shape[0], device=flat.device)[:k]
        self.weight.copy_(flat[pick].to(self.weight.dtype))
        self.usage.zero_()

    def _record_usage(self, index: torch.Tensor) -> None:
        with torch.no_grad():
            self.usage.scatter_add_(0, index, torch.ones_like(index))

    @torch.no_grad()
    def replace_unused(self, threshold: float = 0.01) -> int:
        """Move rarely used codewords onto copies of used ones, plus small noise.

        A codeword is "unused" if it was chosen fewer than ``threshold × N / K`` times in the
        training forwards since the last call (N inputs counted, K codewords), i.e. less than
        1 % of an even share by default. Each is replaced by a randomly chosen used codeword
        plus Gaussian noise of 1 % of the used codewords' per-dimension spread. The counts are
        reset. Call it every few hundred batches and stop near the end of training. An
        optimizer's state for the replaced rows (e.g. Adam moments) is left as it is.

        Args:
            threshold: fraction of the even share below which a codeword counts as unused.

        Returns:
            The number of codewords replaced (0 if nothing was counted).
        """
        total = int(self.usage.sum())
        if total <= 0:
            return 0
        k = 2**self.bits
        unused = self.usage < threshold * total / k
        n_unused = int(unused.sum())
        if n_unused == 0 or n_unused == k:
            self.usage.zero_()
            return 0
        used_idx = torch.nonzero(~unused).squeeze(-1)
        unused_idx = torch.nonzero(unused).squeeze(-1)
        used = self.weight[used_idx]
        spread = used.std(dim=0, unbiased=False) if used.shape[0] > 1 else used.abs().mean(dim=0)
        spread = spread.clamp(min=1e-4)  # identical donors must still give distinct copies
        donors = used_idx[torch.randint(used_idx.numel(), (n_unused,), device=used_idx.device)]
        noise = torch.randn(n_unused, self.dim, dtype=self.weight.dtype, device=self.weight.device)
        self.weight[unused_idx] = self.weight[donors] + 0.01 * spread * noise
        self.usage.zero_()
        return n_unused

    # ----- quantizer hooks ------------------------------------------------------------------
    def _train_points(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        codebook = self.weight.to(x.dtype)
        index = nearest_rows(x, codebook.detach())
        return codebook[index], index

    def _project_rows(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        index = nearest_rows(x, self.weight.detach())
        quantized = self.weight.detach().to(work_dtype(x.dtype, self.weight.dtype)).index_select(0, index)
        return quantized, index, index.to(quantized.dtype)

    def _decode_rows(self, position: torch.Tensor) -> torch.Tensor:
        """Codewords at the rounded positions (N,) → (N, D)."""
        k = 2**self.bits
        pos = position.round().long() if position.is_floating_point() else position.long()
        return self.weight.to(work_dtype(self.weight.dtype))[pos.clamp(0, k - 1)]
