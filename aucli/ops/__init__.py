"""Pure numpy/OpenCV math shared by stages, datasets and methods. Calls nothing above it."""
