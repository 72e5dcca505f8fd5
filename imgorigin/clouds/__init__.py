"""Cloudinary's account model: clouds (one per account), API keys, public ids, and the per-account state
the control plane publishes into the object store so that render nodes serve Cloudinary's layouts
without a database."""
