"""Learnt surrogates: features, committee kinds behind one protocol, training, one save
format (persistence), the seam adapter (CommitteeMaterial) and active learning."""
