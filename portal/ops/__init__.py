"""Operations on a whole installation: backups and restores (`portal backup`, `portal restore`)."""
