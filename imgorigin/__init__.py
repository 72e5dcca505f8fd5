"""imgorigin: a self-hosted image origin with Cloudinary-style signed transformation URLs."""

__version__ = "0.1.0"
