"""ipywidgets dashboards (a FigureWidget plus controls), one module per notebook topic.

Importing this package imports nothing heavy; each topic module builds its
``dashboard(...)`` from the models and :mod:`syncmodel.viz`.
"""
