"""Matplotlib settings of the gallery figures (sphinx-gallery ``reset_modules``).

Figures are saved at 150 dpi and no text is smaller than 8 pt; the examples
draw them at most about 7 inches wide, the width of the page's text column,
so the point sizes are what the reader sees.
"""

from __future__ import annotations

STYLE = {"savefig.dpi": 150, "font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "xtick.labelsize": 8,
         "ytick.labelsize": 8, "legend.fontsize": 8, "figure.titlesize": 10}


def reset(gallery_conf, fname, when=None):
    """Apply :data:`STYLE` before each example (after sphinx-gallery's own matplotlib reset)."""
    import matplotlib

    matplotlib.rcParams.update(STYLE)
