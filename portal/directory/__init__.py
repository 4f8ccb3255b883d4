"""The members' directory: who does what in the coop, for members only, by their choice."""
