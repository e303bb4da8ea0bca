"""Looking at results: annotated videos (render), AU figures (plots), one HTML report per batch."""
