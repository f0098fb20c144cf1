"""torihiki (取引): Japanese corporate-finance text in, normalized deal records out."""

__version__ = "0.1.0"
