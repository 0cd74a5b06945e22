"""Server-rendered pages (the dashboard): HTML built from escaped parts, no build step."""
