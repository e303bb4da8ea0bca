"""The motion wing: micro-expression clip inputs and onset->apex motion features.

Data enters as ME clips (frame folders or videos, ``clips``) and leaves as aligned onset/apex
flow, strain and texture arrays in a features Parquet file (``features``) that training reads.
"""
