"""A committee of MLPs trained together in one vectorised pass.

Parameters of M members are stacked, W_l: (M, n_in, n_out), b_l: (M, n_out);
a forward pass is one batched matmul per layer over all members (seed 000
Sec. 3.3: 2 hidden layers of 40 ReLU units by default). Members differ only
in their random initialisation. Because Adam is element-wise and members do
not share parameters, optimising the summed member losses with one Adam is
exactly M independent trainings. Mean and standard deviation over members
give the prediction and its uncertainty (seed 000 Eq. 18).
"""

from __future__ import annotations

import math

import torch

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "selu": torch.selu,
    "gelu": torch.nn.functional.gelu,
}


class CommitteeMLP(torch.nn.Module):
    """members x MLP(n_in -> hidden... -> n_out), stacked."""

    #: shared batches at least this large run member by member (measured faster)
    LOOP_BATCH = 2048

    def __init__(
        self,
        n_in: int,
        n_out: int,
        hidden=(40, 40),
        members: int = 5,
        activation: str = "relu",
        seed: int = 0,
        dtype=torch.float64,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
        self.sizes = [n_in, *hidden, n_out]
        self.members, self.activation = members, activation
        gen = torch.Generator().manual_seed(seed)
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            bound = 1.0 / math.sqrt(a)  # PyTorch's nn.Linear default (Kaiming-uniform)
            w = (torch.rand(members, a, b, generator=gen, dtype=dtype) * 2 - 1) * bound
            bias = (torch.rand(members, b, generator=gen, dtype=dtype) * 2 - 1) * bound
            self.weights.append(torch.nn.Parameter(w))
            self.biases.append(torch.nn.Parameter(bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, n_in) shared by all members, or (M, B, n_in) -> (M, B, n_out)."""
        act = ACTIVATIONS[self.activation]
        if x.dim() == 2 and x.shape[0] >= self.LOOP_BATCH:
            # large shared batches: one GEMM per member beats torch's CPU bmm by ~3x
            outs = []
            for m in range(self.members):
                h = torch.addmm(self.biases[0][m], x, self.weights[0][m])
                for i in range(1, len(self.weights)):
                    h = torch.addmm(self.biases[i][m], act(h), self.weights[i][m])
                outs.append(h)
            return torch.stack(outs)
        # small batches: transposed layout (M, features, B), contiguous batched GEMMs
        w0, b0 = self.weights[0], self.biases[0]
        xt = x.T if x.dim() == 2 else x.transpose(1, 2)
        h = torch.matmul(w0.transpose(1, 2), xt) + b0.unsqueeze(2)
        for i in range(1, len(self.weights)):
            h = act(h)
            h = torch.baddbmm(self.biases[i].unsqueeze(2), self.weights[i].transpose(1, 2), h)
        return h.transpose(1, 2)

    def member_state(self, m: int) -> list[torch.Tensor]:
        """Copies of member ``m``'s parameters (one tensor per weight / bias)."""
        return [p[m].detach().clone() for p in self.parameters()]

    def set_member_state(self, m: int, state: list[torch.Tensor]) -> None:
        """Write parameters from :meth:`member_state` back into member ``m``."""
        with torch.no_grad():
            for p, s in zip(self.parameters(), state, strict=True):
                p[m].copy_(s)
