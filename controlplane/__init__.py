"""The control plane: a transactional SQL store of cinemas, partners and key metadata."""
