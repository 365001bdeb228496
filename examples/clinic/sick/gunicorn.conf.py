workers = 8
timeout = 0
bind = "0.0.0.0:8000"
