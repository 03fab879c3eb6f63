"""Frame families: recipes that render filter banks on any DFT grid."""
from ._frame import Frame, FilterBank, littlewood_paley, frame_bounds, from_dict, FAMILIES
from .morlet import morlet, Morlet

__all__ = ["Frame", "FilterBank", "littlewood_paley", "frame_bounds", "from_dict", "FAMILIES",
           "morlet", "Morlet"]
