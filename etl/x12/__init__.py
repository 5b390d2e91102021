"""X12 reading: delimiters, envelopes, and the 837P / 835 transaction parsers."""
