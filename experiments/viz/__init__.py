"""The visual server: a SolaraViz page that steps ``model.HotPotatoModel`` month by month.

``experiments.viz.app`` holds the page, ``experiments.viz.server.serve`` runs it. The other
modules are the page's parts: controls (knobs of ``model.scenario.Scenario``), the session's
model, the exposure network with its stable layout, the time series and the loss panels.
"""
