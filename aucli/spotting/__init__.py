"""The spotting wing: find micro- and macro-expression intervals in a video, score and plot them.

Data enters as a video (through the extract stages) or an extracted Parquet file and leaves as an
intervals Parquet file, MEGC-style scores (``metric``) and plots (``plot``); the math is in ops/.
"""
