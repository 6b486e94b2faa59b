"""How the page's matplotlib figures are sent to the browser."""

PNG = {"format": "png", "dpi": 100, "pil_kwargs": {"compress_level": 1}}
"""``savefig`` options: PNG at 100 dpi, lightly compressed (fast to encode on each step)."""
