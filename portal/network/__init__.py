"""Asking the network: a member's request to the others, and private answers to it."""
