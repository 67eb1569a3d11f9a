"""The rider locator: nearest open stations with the facilities asked for."""
