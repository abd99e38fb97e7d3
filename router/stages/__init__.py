"""The two stream-processing stages, each a folder with its loop, adapters and
metrics: ``routing`` (stateless, batched) and ``assignment`` (one owner per pool).
"""
