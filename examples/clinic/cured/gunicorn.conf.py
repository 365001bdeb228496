import multiprocessing

workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "gevent"
timeout = 30
max_requests = 1000
max_requests_jitter = 100
