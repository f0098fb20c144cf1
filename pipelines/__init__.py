"""Prefect flows: one per user-facing job; tasks are thin wrappers over ``torihiki.processing``."""
