"""Sound features: audio decoding and descriptors, the analysis worker pool, genre sources."""
