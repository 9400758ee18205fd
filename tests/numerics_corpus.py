"""A seeded corpus of float linear systems of known McMillan degree (shared by tests and benchmarks).

Every case is built in Kalman form from a random minimal part of degree ``r`` (so
the degree is known by construction, independently of the library), then
disguised: uncontrollable and unobservable states, random similarity transforms
of condition number up to 1e8, diagonal rescalings by up to 1e+-10, Jordan
chains, near pole-zero cancellations.  ``degree`` is the McMillan degree of the
construction; rounding of the disguise is part of the test (a trustworthy
numerical answer is this degree or comes with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnexpr.linear_systems import LinearSystem


@dataclass(frozen=True)
class Case:
    family: str
    seed: int
    V: np.ndarray
    U: np.ndarray
    C: np.ndarray
    degree: int

    @property
    def system(self) -> LinearSystem:
        return LinearSystem(V=self.V, U=self.U, C=self.C)


def _stable(rng: np.random.Generator, r: int, radius: float = 0.95) -> np.ndarray:
    """A random r x r matrix with spectral radius ``radius`` (a generic, diagonalizable one)."""
    A = rng.normal(size=(r, r))
    rho = max(abs(np.linalg.eigvals(A))) if r else 1.0
    return A * (radius / rho) if rho > 0 else A


def kalman_form(rng: np.random.Generator, r: int, n_c: int, n_o: int, n_none: int, d: int, p: int):
    """A system with a minimal part of degree r, n_c controllable-unobservable, n_o observable-uncontrollable
    and n_none neither, in Kalman's block form (the degree is r for generic random blocks)."""
    sizes = [r, n_c, n_o, n_none]
    n = sum(sizes)
    off = np.cumsum([0] + sizes)
    blk = [slice(off[i], off[i + 1]) for i in range(4)]
    A = np.zeros((n, n))
    B = np.zeros((n, d))
    C = np.zeros((p, n))
    # Allowed couplings (co, c~o, ~co, ~c~o): rows x cols.
    allowed = {(0, 0), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3), (2, 2), (3, 2), (3, 3)}
    for i, j in allowed:
        if sizes[i] and sizes[j]:
            A[blk[i], blk[j]] = _stable(rng, sizes[i]) if i == j else 0.3 * rng.normal(size=(sizes[i], sizes[j]))
    for i in (0, 1):
        B[blk[i]] = rng.normal(size=(sizes[i], d))
    for j in (0, 2):
        C[:, blk[j]] = rng.normal(size=(p, sizes[j]))
    # Shuffle the states (a permutation similarity) so the structure is not in the leading block.
    perm = rng.permutation(n)
    return A[np.ix_(perm, perm)], B[perm], C[:, perm]


def similarity(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    """A random matrix of condition number ``cond`` (orthogonal times log-spaced singular values times orthogonal)."""
    Q1, _ = np.linalg.qr(rng.normal(size=(n, n)))
    Q2, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q1 @ np.diag(np.logspace(0, np.log10(cond), n)) @ Q2


def transform(A, B, C, T):
    """(T A T^-1, T B, C T^-1)."""
    Ti = np.linalg.inv(T)
    return T @ A @ Ti, T @ B, C @ Ti


def corpus(count: int = 1000, max_states: int = 12, seed: int = 0) -> list[Case]:
    """``count`` cases cycling through the families, with state dimensions up to ``max_states``."""
    families = ["embedded", "conditioned", "rescaled", "jordan", "cancellation", "minimal"]
    out: list[Case] = []
    master = np.random.default_rng(seed)
    for i in range(count):
        fam = families[i % len(families)]
        s = int(master.integers(2**31))
        rng = np.random.default_rng(s)
        d, p = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        if fam == "jordan":
            n = int(rng.integers(2, max(max_states, 3) + 1))
            k = int(rng.integers(1, n + 1))
            V = 0.9 * np.eye(n) + np.eye(n, k=1)
            U = np.zeros((n, 1))
            U[k - 1, 0] = 1.0  # reaches e_1..e_k
            C = np.zeros((1, n))
            C[0, 0] = 1.0
            out.append(Case(fam, s, V, U, C, k))
            continue
        if fam == "cancellation":
            r = int(rng.integers(1, max(max_states - 1, 2)))
            A, B, C = kalman_form(rng, r, 0, 0, 0, d, p)
            # One extra mode, coupled with strength delta: exact degree r + 1, a near pole-zero
            # cancellation.  delta >= 1e-6 must be kept (clearly above rounding).
            delta = 10.0 ** rng.uniform(-6, -1)
            lam = float(rng.uniform(-0.9, 0.9))
            n = r + 1
            V = np.zeros((n, n))
            V[:r, :r] = A
            V[r, r] = lam
            U = np.vstack([B, delta * rng.normal(size=(1, d))])
            Cx = np.hstack([C, rng.normal(size=(p, 1))])
            Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
            V, U, Cx = transform(V, U, Cx, Q)
            out.append(Case(fam, s, V, U, Cx, r + 1))
            continue
        if fam == "minimal":
            r = int(rng.integers(1, max_states + 1))
            A, B, C = kalman_form(rng, r, 0, 0, 0, d, p)
            out.append(Case(fam, s, A, B, C, r))
            continue
        r = int(rng.integers(1, max(max_states // 2, 2) + 1))
        rest = int(rng.integers(1, max(max_states - r, 1) + 1))
        parts = rng.multinomial(rest, [1 / 3] * 3)
        A, B, C = kalman_form(rng, r, int(parts[0]), int(parts[1]), int(parts[2]), d, p)
        n = A.shape[0]
        if fam == "conditioned":
            cond = 10.0 ** rng.uniform(0, 8)
            A, B, C = transform(A, B, C, similarity(rng, n, cond))
        elif fam == "rescaled":
            D = 10.0 ** rng.uniform(-10, 10, size=n)
            A, B, C = transform(A, B, C, np.diag(D))
        out.append(Case(fam, s, A, B, C, r))
    return out
