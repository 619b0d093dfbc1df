"""Richardson extrapolation: central differences at shrinking steps, combined to cancel their error.

Central differences at h, h/4, h/16, ... are extrapolated to h = 0 with Neville's
polynomial in h**2 (the error of a central quotient has only even powers of h), so
the h**2, h**4, ... terms cancel; the best window of three or four steps is kept
(Ridders' error estimate: the disagreement with both parents in the tableau).
The steps start at the scale of x0, so the step adapts to the function instead of
being guessed. References: Ridders, Adv. Eng. Software 4 (1982); Press et al.,
Numerical Recipes, section 5.7.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..results import Estimate, Status
from .diagnosis import (RTOL, BadPoint, OneSided, estimate, failure, kink, no_stencil, not_differentiable,
                        staircase, success, zero_tol)
from .evaluation import _TINY_F, _TINY_X, EPS, Evaluator, pow2_floor
from .tolerance import Tolerance

#: The adaptive methods (``None``, ``"richardson"``) evaluate f at most this often.
MAX_EVALUATIONS = 30


class Sample(NamedTuple):
    """One stencil: the step taken and f on each side (``fm`` is NaN for one-sided steps)."""

    h: float
    fp: float
    fm: float


class Window(NamedTuple):
    """An extrapolated value over consecutive steps of the tableau."""

    value: float
    spread: float  # Ridders' error: disagreement with both parents
    noise: float  # the round-off it inherits
    first: int  # index of its first step


class Candidate(NamedTuple):
    """The best window so far, scored by its error relative to its value."""

    score: float
    err: float
    value: float
    samples: tuple  # its first three central Samples, or None for one-sided steps
    fscale: float  # the largest |f| it saw, for the zero tolerance


# Records are built on the hot path (dozens per call): tuple.__new__ skips the
# keyword-handling constructor of NamedTuple, which cost ~15% of a call.
_new = tuple.__new__


class _Tableau:
    """Neville's tableau over one sequence of shrinking steps.

    Row i holds the quotient at step i (column 0) and its extrapolations to h = 0
    through the previous steps, as a polynomial in u (h**2 for central quotients,
    whose error has only even powers; h for one-sided ones): column j cancels
    the first j error terms. Each entry carries the round-off it inherits.
    """

    __slots__ = ("us", "ds", "rows", "noises", "samples", "href")

    def __init__(self):
        self.us, self.ds, self.rows, self.noises, self.samples = [], [], [], [], []
        self.href = 0.0

    def add(self, h: float, d: float, noise: float, sample, even: bool):
        """Add a step; return the Windows of 2, 3 or 4 steps ending here (None for a step no smaller)."""
        self.href = self.href or h  # u in units of the first step: no underflow near 1e-300
        u = (h / self.href) ** 2 if even else h / self.href
        if self.us and u >= self.us[-1]:
            return None  # no smaller than the last step, after rounding
        i = len(self.us)
        self.us.append(u)
        self.ds.append(d)
        self.samples.append(sample)
        row, nrow, windows = [d], [noise], []
        for j in range(1, min(i, 3) + 1):
            ua, above = self.us[i - j], self.rows[i - 1][j - 1]
            row.append((ua * row[j - 1] - u * above) / (ua - u))
            nrow.append((ua * nrow[j - 1] + u * self.noises[i - 1][j - 1]) / (ua - u))
            # Ridders' error: the disagreement with both parents in the tableau.
            windows.append(_new(Window, (row[j], max(abs(row[j] - row[j - 1]), abs(row[j] - above)), nrow[j], i - j)))
        self.rows.append(row)
        self.noises.append(nrow)
        return windows


def richardson(ev: Evaluator, x0: float, f0: float, order: int, h: float | None, tol: Tolerance) -> Estimate:
    """Adaptive central differences with Richardson extrapolation.

    The steps run h_k = H / 4**k, powers of two (so x0 +- h is exact), from
    H = max(|x0|, 1) / 2, or |x0| / 2 when |x0| < 1: the stencil then never
    crosses 0, the usual home of a pole or branch point (log, 1/x, sqrt). Every
    window of 3 or 4 consecutive steps in Neville's tableau is a candidate,
    scored by the disagreement of its last two extrapolation levels plus the
    round-off it inherits, relative to its value; the best one wins. So the step
    is chosen by the function, not guessed: large where f is smooth on a large
    scale (x**2 at 1e8), small where it varies fast (sin at 1e6).

    Three fallbacks. Where f fails (NaN, inf, an exception) the step shrinks
    64-fold. If one side still fails at a step too small to be useful while the
    other works, x0 is on the edge of f's domain (sqrt at 0): one-sided
    differences. If steps scaled to a small |x0| drown in round-off, f is
    smooth through 0 (exp or cos at 1e-10): one-sided differences away from 0,
    at the absolute scale. One-sided steps halve, and their error has every
    power of h.

    Two checks after the search. A staircase (f rounded or quantised, such as
    ``np.round(x, 3)``): f is compared at x0 +- a step so small that a slope of the
    size found would move f by thousands of ulps; if f does not move, the slope
    belongs to the stairs, not to f near x0. An overflow: quotients that are
    infinite while f is finite mean a derivative beyond the largest float.
    """
    method = "richardson"
    # The accuracy to aim for before stopping: the caller's rtol, or better.
    aim = min(RTOL[method], tol.rtol)
    budget = MAX_EVALUATIONS - (2 if order == 1 else 0)  # two calls kept for the staircase check
    ax = abs(x0) if abs(x0) >= _TINY_X else 0.0
    near_zero = 0.0 < ax < 1.0
    step = start = h if h is not None else pow2_floor(ax / 2 if near_zero else 0.5 * max(ax, 1.0))
    tiny_step = 2.0**-26 * max(ax, 1.0)  # below this a central stencil is all round-off
    side = 0  # 0: central; +1 / -1: one-sided to the right / left
    tab = _Tableau()
    central = tab
    best = None  # the best Candidate so far
    near = None  # the best of the central steps alone (a Candidate)
    overflows, overflow_sign = 0, 1.0  # quotients that overflowed although f was finite, and their sign
    zero = 1e-300
    fails = [0, 0]  # failed stencil points to the right, to the left
    first = 1.0  # the side evaluated first: the one that failed last
    prev = None  # one-sided second derivative: the previous point (step, f)
    last_bad = None
    note = ""
    while True:
        if ev.n + (2 if side == 0 else 1) > budget or step < 1e-318 or step <= 4 * EPS * ax:
            break
        if side == 0:
            fa = ev.real(x0 + first * step)
            # If the side that failed last fails again, the other side is not needed.
            fb = ev.real(x0 - first * step) if math.isfinite(fa) else math.nan
            if not math.isfinite(fb):
                bad = first if not math.isfinite(fa) else -first
                fails[bad < 0] += 1
                last_bad = BadPoint(x0 + bad * step, fa if bad == first else fb)
                first = bad
                if not tab.us and step < tiny_step and fails[bad < 0] >= 2 and fails[bad > 0] == 0:
                    side, step = -bad, start  # x0 is on the edge of f's domain
                    note = (f"one-sided ({'forward' if side > 0 else 'backward'}) differences: f fails "
                            f"{'left' if side > 0 else 'right'} of x0, which looks like the edge of its domain")
                    continue
                step /= 64
                continue
            fp, fm = (fa, fb) if first > 0 else (fb, fa)
            xp, xm = x0 + step, x0 - step
            hp, hm = xp - x0, x0 - xm
            if order == 1:
                d = (fp - fm) / (xp - xm)
                noise = (EPS * abs(fp) + EPS * abs(fm) + _TINY_F) / (xp - xm)  # scaled first: no overflow
            else:
                d = 2 * ((fp - f0) / hp - (f0 - fm) / hm) / (hp + hm)
                noise = 16 * EPS * (abs(fp) / 4 + abs(f0) / 2 + abs(fm) / 4) / (hp * hm)
            sample = _new(Sample, (0.5 * (xp - xm), fp, fm))
            step /= 4
        else:
            x = x0 + side * step
            fx = ev.real(x)
            if not math.isfinite(fx):
                fails[side < 0] += 1
                last_bad = BadPoint(x, fx)
                step /= 16
                prev = None
                continue
            s = abs(x - x0)
            step /= 2
            if order == 1:
                d = (fx - f0) / (x - x0)
                noise = (EPS * abs(fx) + EPS * abs(f0) + _TINY_F) / s
            else:
                older, prev = prev, (s, fx)
                if older is None or older[0] != 2 * s:
                    continue
                d = (older[1] - 2 * fx + f0) / (s * s)
                noise = 4 * EPS * (abs(older[1]) + 2 * abs(fx) + abs(f0)) / (s * s)
            sample = _new(Sample, (s, fx, math.nan))
        if not math.isfinite(d):
            if math.isinf(d):
                overflows, overflow_sign = overflows + 1, math.copysign(1.0, d)
            continue
        windows = tab.add(sample.h, d, noise, sample, even=side == 0)
        if windows is None:
            continue
        # Windows are scored by relative error (each track's quotients can differ in size
        # by many decades), but a derivative near 0 has no relative error to speak of:
        # below 1e-3 x the function's own slope scale |f| / max(|x0|, 1), or sqrt(eps) x
        # the largest quotient, windows compare by absolute error.
        zero = max(zero, 2.0**-26 * abs(d), 1e-3 * max(abs(f0), abs(sample.fp)) / max(ax, 1.0))
        newest = min((w.spread for w in windows), default=math.inf)
        for value, spread, wnoise, lo in windows[1:]:
            # Candidates span three steps or more: two quotients can agree by accident
            # (a staircase seen from afar), three rarely do.
            err = spread + 2 * wnoise + 2 * EPS * abs(value)
            score = err / max(abs(value), zero)
            if best is None or score < best.score:
                fscale = max(abs(f0), *(abs(v) for smp in tab.samples[lo:] for v in smp[1:] if v == v))
                best = Candidate(score, err, value, tuple(tab.samples[lo:lo + 3]) if side == 0 else None, fscale)
            if tab is central and (near is None or score < near.score):
                near = Candidate(score, err, value, None, 0.0)
        # Stop once past the bottom of the V: the best window met the tolerance and the
        # newest windows are far worse, or their round-off alone (which only grows as h
        # shrinks) already exceeds the best error.
        if best is not None and best.score <= aim and (newest > 30 * best.err or 2 * noise > best.err
                                                       or best.score <= 8 * EPS):
            break
        # Steps scaled to a small |x0| drowning in round-off: f is smooth through 0, so
        # take one-sided steps away from 0 at the absolute scale instead.
        if side == 0 and near_zero and h is None and len(tab.us) >= 3 and 2 * noise > aim * abs(d) \
                and (best is None or best.score > aim):
            side, step, tab, prev = (1 if x0 > 0 else -1), 0.5, _Tableau(), None
            note = ("one-sided differences away from 0: steps scaled to |x0| drowned in round-off, "
                    "so f was taken to be smooth through 0")

    if best is None and overflows:
        return Estimate(math.copysign(math.inf, overflow_sign), math.inf, method,
                        Status.INFINITE, ev.n, f"the derivative overflows: {overflows} difference quotient(s) "
                        "were beyond the largest float although f itself was finite")
    if best is None:
        return no_stencil(ev, method, x0, last_bad, fails, note)
    _, err, value, window, fscale = best
    zero = zero_tol(fscale, x0)
    if near is not None and tab is not central and abs(near.value - value) > 3 * (near.err + err):
        # The steps near x0 and the steps at the absolute scale see different slopes:
        # structure between the two scales (a staircase), so neither is to be trusted.
        return Estimate(value, max(err, abs(near.value - value)), method, Status.NOT_CONVERGED, ev.n,
                        f"steps scaled to |x0| give {near.value:.6g} (+- {near.err:.2g}) but steps at the absolute "
                        f"scale give {value:.6g} (+- {err:.2g}): f has structure between the two scales")
    if window is not None and len(window) == 3:
        seen = _richardson_kink(window, f0, order, aim * abs(value))
        if seen is not None:
            return not_differentiable(ev, method, seen)
    if order == 1 and tab is central and len(central.samples) >= 2:
        seen = _last_kink(central.samples[-2:], f0, aim * abs(value))
        if seen is not None:
            return not_differentiable(ev, method, seen)
    if order == 1 and math.isfinite(value) and value != 0.0:
        stairs = _staircase(ev, x0, f0, value, fscale)
        if stairs is not None:
            seen_h = window[-1].h if window else (tab.samples[-1].h if tab.samples else math.nan)
            return staircase(ev, method, x0, stairs, value, seen_h)
    if not success(err, value, tol, zero) and _jumps(central.samples[-3:]):
        hh, fp, fm = central.samples[-1]
        return failure(Status.NOT_DIFFERENTIABLE, method, ev, "f jumps at x0: f(x0 + h) - f(x0 - h) stays near "
                       f"{fp - fm:.6g} as h shrinks to {hh:.3g}")
    if not success(err, value, tol, zero) and _diverging(tab.ds[-4:], tab.noises[-4:]):
        if overflows:
            return Estimate(math.copysign(math.inf, tab.ds[-1]), math.inf, method, Status.INFINITE, ev.n,
                            f"the derivative overflows: the difference quotients grow ({tab.ds[-4]:.3g}, ..., "
                            f"{tab.ds[-1]:.3g}) until they pass the largest float")
        return Estimate(math.copysign(math.inf, tab.ds[-1]), math.inf, method, Status.INFINITE, ev.n,
                        "the difference quotients grow without bound as h shrinks "
                        f"({tab.ds[-4]:.3g}, ..., {tab.ds[-1]:.3g}): the derivative looks infinite (a vertical tangent)"
                        + (f"; {note}" if note else ""))
    return estimate(value, err, method, ev.n, tol, f"Richardson extrapolation stopped after {ev.n} "
                    "evaluations: f is too rough, or its derivative too small next to f, for more digits", note,
                    zero=zero)


def _staircase(ev: Evaluator, x0: float, f0: float, slope: float, fscale: float) -> float | None:
    """The step up to which f stays exactly f(x0) on both sides, when a slope this size should move it.

    At ``hs = 1e4 eps max|f| / |slope|`` a function with that slope changes by
    about 1e4 ulps; a rounded or quantised f (``np.round(x, 3)``) does not change
    at all. Returns hs for a staircase, None otherwise (also when x0 + hs would
    round to x0, or f fails there).
    """
    hs = pow2_floor(max(1e4 * EPS * fscale / abs(slope), 1e-300))
    if not (hs > 4 * EPS * abs(x0)) or not math.isfinite(hs):
        return None
    # One call settles the usual case (f moved: no staircase); the other side only confirms.
    if ev.real(x0 + hs) != f0:
        return None
    return hs if ev.real(x0 - hs) == f0 else None


def _last_kink(samples, f0, tol) -> OneSided | None:
    """A kink seen by the last two central steps: the gap between one-sided slopes does not shrink.

    For a smooth f the gap ``(f(x0+h) - 2 f(x0) + f(x0-h)) / h`` shrinks like h
    (4-fold per step here); at a kink it stays at the jump in slope, while the
    symmetric quotient settles on the mean slope (np.interp at a knot).
    """
    (h1, p1, m1), (h2, p2, m2) = samples
    if not all(map(math.isfinite, (p1, m1, p2, m2))):
        return None
    g1, g2 = (p1 - 2 * f0 + m1) / h1, (p2 - 2 * f0 + m2) / h2
    noise = 4 * EPS * (abs(p2) + 2 * abs(f0) + abs(m2)) / h2
    settled = abs((p1 - m1) / (2 * h1) - (p2 - m2) / (2 * h2)) <= 0.1 * abs(g2)
    if settled and kink(g1, g2, h1 / h2, noise, tol) and abs(g2) >= 0.8 * abs(g1):
        return OneSided((p2 - f0) / h2, (f0 - m2) / h2, h2)
    return None


def _jumps(samples) -> bool:
    """f(x0 + h) - f(x0 - h) does not shrink with h (it would, like 2h f'(x0), were f continuous)."""
    if len(samples) < 3:
        return False
    gaps = [abs(p - m) for _, p, m in samples]
    scale = max(abs(p) + abs(m) for _, p, m in samples)
    return min(gaps) > 1e-6 * scale and min(gaps) > 0.8 * max(gaps)


def _diverging(ds, nrows) -> bool:
    """The last quotients keep one sign and grow steadily, far above round-off: an infinite slope."""
    if len(ds) < 4 or len({math.copysign(1.0, d) for d in ds}) != 1:
        return False
    grows = all(abs(b) >= 1.2 * abs(a) for a, b in zip(ds, ds[1:]))
    return grows and all(abs(d) > 1e6 * r[0] for d, r in zip(ds, nrows))


def _richardson_kink(samples, f0, order, tol):
    """The one-sided slopes when the gap between them does not shrink with h over the window."""
    (h1, p1, m1), (h2, p2, m2), (h3, p3, m3) = samples
    if order == 1:
        gaps = [(p - 2 * f0 + m) / hh for hh, p, m in samples]
        noise = 4 * EPS * (abs(p3) + 2 * abs(f0) + abs(m3)) / h3
        ok = all(kink(g1, g2, hh1 / hh2, noise, tol) for g1, g2, hh1, hh2 in
                 zip(gaps, gaps[1:], (h1, h2), (h2, h3)))
        # ... while the symmetric quotients settle (to the mean slope), or h is just too large.
        ok = ok and abs((p1 - m1) / (2 * h1) - (p3 - m3) / (2 * h3)) <= 0.1 * abs(gaps[2])
        return OneSided((p3 - f0) / h3, (f0 - m3) / h3, h3) if ok else None
    # Second derivative: one-sided second derivatives from two steps each side,
    # F'' ~ 2 (F(h) - F(h')) / (h - h') with F the forward slope; same test.
    def one_sided(ha, pa, ma, hb, pb, mb):
        right = 2 * ((pa - f0) / ha - (pb - f0) / hb) / (ha - hb)
        left = 2 * ((f0 - mb) / hb - (f0 - ma) / ha) / (ha - hb)
        return right, left
    r1, l1 = one_sided(h1, p1, m1, h2, p2, m2)
    r2, l2 = one_sided(h2, p2, m2, h3, p3, m3)
    noise = 16 * EPS * (abs(p3) + abs(f0) + abs(m3) + abs(p2) + abs(m2)) / (h2 * h3)
    if kink(r1 - l1, r2 - l2, h1 / h2, noise, tol):
        return OneSided(r2, l2, h3)
    return None


