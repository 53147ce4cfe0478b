"""Plumbing shared by the workers: settings, logging, stream names, the broker."""
