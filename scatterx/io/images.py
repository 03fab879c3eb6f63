"""A folder of images, one item each (policy in ``scatterx.io``'s docstring)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Source

__all__ = ["ImageFolderSource", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


class ImageFolderSource(Source):
    """A folder of images, one item each (policy in the module docstring)."""

    format = "images"

    def __init__(self, path, shape=None, resize=True):
        self.path = Path(path)
        self.files = sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self.files:
            raise ValueError(f"{self.path} holds no image files (suffixes {', '.join(IMAGE_SUFFIXES)})")
        if shape is None:
            shape = self._load(self.files[0], None).shape
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2:
            raise ValueError(f"an image folder gives 2-D items; the grid {shape} is {len(shape)}-D")
        self.grid = shape
        self.resize = bool(resize)
        self.shape = (len(self.files),) + shape
        self.dtype = np.dtype(np.float32)

    def _load(self, name, grid):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(self.path / name) as im:  # reads the header only
                limit = Image.MAX_IMAGE_PIXELS
                if limit is not None and im.size[0] * im.size[1] > limit:
                    raise ValueError(
                        f"is {im.size[1]}×{im.size[0]} = {im.size[0] * im.size[1]} pixels, more than Pillow's limit "
                        f"of {limit} (PIL.Image.MAX_IMAGE_PIXELS; a decompression bomb?): refused before decoding; "
                        "shrink the image, or raise the limit if it is genuine"
                    )
                im.load()
                if grid is not None and im.size != (grid[1], grid[0]):
                    if not self.resize:
                        raise ValueError(
                            f"is {im.size[1]}×{im.size[0]}, not the grid {grid[0]}×{grid[1]} (resize=False)"
                        )
                    im = im.resize((grid[1], grid[0]), Image.Resampling.BILINEAR)
                if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                    return np.asarray(im, dtype=np.float32) / 65535.0
                if im.mode == "F":
                    return np.asarray(im, dtype=np.float32)
                return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as e:
            raise ValueError(f"image {self.path / name}: {e}") from None

    def _read(self, start, stop):
        out = np.empty((stop - start,) + self.grid, np.float32)
        for i, name in enumerate(self.files[start:stop]):
            out[i] = self._load(name, self.grid)
        return out

    def describe(self):
        return {**super().describe(), "files": len(self.files), "resize": self.resize}

    def fingerprint(self):
        from ._base import fingerprint_files

        return fingerprint_files(self.path, [self.path / name for name in self.files])
