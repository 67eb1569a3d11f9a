"""folium elements whose drawn script is kept as text.

branca's MacroElement.render wraps each piece it draws (header, html, script) in a new
Element built from that text *as a Jinja template*: the drawn text is lexed and compiled again
(about 20 ms for the map of use, whose script carries 500 stations as GeoJSON), and a station
named with "{{" would be read as template code. Elements that carry data draw through
DirectMacro instead: the same pieces, in the same places, added as plain text.
"""

from __future__ import annotations

import folium
from branca.element import Element, MacroElement
from folium.plugins import HeatMap


class Rendered(Element):
    """Text already drawn: rendered as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class DirectMacro(MacroElement):
    """MacroElement.render, with its drawn pieces kept as text (see the module's note)."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Rendered(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class GeoJson(folium.GeoJson, DirectMacro):
    """folium.GeoJson, drawn through DirectMacro: its data is the bulk of the script."""


class HeatMapLayer(HeatMap, DirectMacro):
    """folium.plugins.HeatMap, drawn through DirectMacro."""
