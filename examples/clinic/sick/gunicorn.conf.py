workers = 4
timeout = 0
