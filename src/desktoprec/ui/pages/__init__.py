"""The main window's pages; each only orchestrates widgets and service calls."""
