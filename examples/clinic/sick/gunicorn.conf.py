workers = 8
timeout = 0
reload = True
bind = "0.0.0.0:8000"
