"""Pictures on pages (charts and timelines) drawn on the server as inline SVG: readable without
JavaScript, offline."""
