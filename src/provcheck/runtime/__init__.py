"""How work runs: local process pools or Ray (executors), and the progress interface that the
CLI implements."""
