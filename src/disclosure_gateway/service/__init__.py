"""Use cases over the ports: master load, agencies, batches, audit."""
