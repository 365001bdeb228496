import os


class Config:
    SECRET_KEY = "clinic-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://clinic@127.0.0.1:5432/clinic")
    SQLALCHEMY_TRACK_MODIFICATIONS = True
    REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "mysql+pymysql://clinic@127.0.0.1:3306/reports")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    CLINIC_PREFIX = os.environ.get("CLINIC_PREFIX", "clinic:")
    UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8025")
    CACHE_TYPE = "SimpleCache"
    PAGE_SIZE = 50


class ProductionConfig(Config):
    DEBUG = True
    SQLALCHEMY_ECHO = True
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_SAMESITE = "None"
    WTF_CSRF_ENABLED = False
