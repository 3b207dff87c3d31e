"""Git repositories: access, changes since a revision, diff-aware selection, Git LFS and the
installed hook script."""
