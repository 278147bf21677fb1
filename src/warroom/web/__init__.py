"""The server-rendered web app for responders (HTML pages, our own CSS; no CDN, no build step)."""
