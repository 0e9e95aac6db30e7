"""Where CPU work runs: worker processes under time and memory limits."""
