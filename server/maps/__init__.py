"""The maps: France by département and région and the world, drawn by the server as SVG.

``shapes`` reads the base maps ``generate`` made from pinned packages, ``facts`` reads what
they show from the store, ``render`` lays a map out, ``views`` serves it.
"""
