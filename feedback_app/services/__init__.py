"""Business logic; each module owns its transactions. Import modules explicitly."""
