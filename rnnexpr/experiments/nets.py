"""The networks of the experiments: the public torch bridge, and the nonlinear reference.

:class:`TorchLayer`, :class:`TorchStack` and :class:`TorchDepthwiseStack` are the
public classes of :mod:`rnnexpr.torch` (re-exported here, where the experiments
have always imported them): a trained network exports with ``to_rnnexpr()`` to
a :class:`rnnexpr.models.Stack` or :class:`rnnexpr.models.DepthwiseStack`
computing the same function.  :class:`TanhRNN` is the nonlinear reference; it
has no counterpart in the toolkit and refuses export (extract it as a black box
with :func:`rnnexpr.extraction.extract`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..errors import InvalidArgumentError, ModelKindError, ShapeError
from ..torch import TorchDepthwiseStack, TorchLayer, TorchStack

__all__ = ["TorchLayer", "TorchStack", "TorchDepthwiseStack", "TanhRNN", "count_parameters"]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars of a torch model.

    Examples
    --------
    >>> count_parameters(TorchStack([2], input_dim=1, kind="linear"))  # U 2, V 4, b 2, C 2, c 1
    11
    """
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def _check_positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgumentError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


class TanhRNN(nn.Module):
    """The nonlinear reference ``h_t = tanh(W h_{t-1} + U x_t + b)``, ``y_t = C h_t + c`` (torch.nn.RNN).

    Examples
    --------
    >>> TanhRNN(4, input_dim=2)(torch.zeros(1, 3, 2, dtype=torch.float64)).shape
    torch.Size([1, 3, 1])
    """

    def __init__(self, width: int, input_dim: int, output_dim: int = 1, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.input_dim = _check_positive("input_dim", input_dim)
        self.width = _check_positive("width", width)
        self.rnn = nn.RNN(self.input_dim, self.width, nonlinearity="tanh", batch_first=True, dtype=dtype)
        self.readout = nn.Linear(self.width, _check_positive("output_dim", output_dim), dtype=dtype)

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths (one layer)."""
        return (self.width,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``y_1 .. y_T`` for inputs of shape ``(B, T, d)``: shape ``(B, T, p)``."""
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[-1] != self.input_dim:
            raise ShapeError(f"x: expected a tensor of shape (batch, T, {self.input_dim}), "
                             f"got {tuple(getattr(x, 'shape', ())) or type(x).__name__}")
        h, _ = self.rnn(x.to(self.readout.weight.dtype))
        return self.readout(h)

    def to_rnnexpr(self, exact: bool = False) -> None:
        """Refused: the tanh RNN has a nonlinear recurrence, outside every rnnexpr model family.

        Raises
        ------
        ModelKindError
            Always.
        """
        raise ModelKindError(
            "to_rnnexpr: expected a linear (2)RNN stack or a depth-wise-nonlinear stack, got a tanh RNN "
            "(nonlinear recurrence; rnnexpr has no model for it)"
        )
