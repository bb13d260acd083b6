"""The kiosk's shell around the visitor screens: the navigator and the objects it hosts."""
