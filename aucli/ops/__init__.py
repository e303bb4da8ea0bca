"""Pure numpy/OpenCV math shared by every wing: alignment, flow, strain, texture, tracking, regions.

Arrays in, arrays out; no I/O and no imports from any other aucli package.
"""
