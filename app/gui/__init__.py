"""The PyQt6 desktop app: main window, video view with 2D overlay, Open3D 3D view, worker threads, export."""
