"""Pure signing primitives: SigV4 query presigning, HLS playlist rewriting, CloudFront."""
