"""Pictures drawn on the server as inline SVG: readable without JavaScript, offline."""
