"""Configuration: every secret and address comes from the environment, one key for every worker."""

import os

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: Prefix of every Redis key, queue and channel of this deployment (several clinics can share one Redis).
PREFIX = os.environ.get("CLINIC_PREFIX", "clinic:")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://clinic@127.0.0.1:5432/clinic")
    # Stale pooled connections (S22): test each connection before use, and recycle before idle timeouts.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800, "pool_size": 40, "max_overflow": 10}
    REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "mysql+pymysql://clinic@127.0.0.1:3306/reports")
    UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8025")
    REDIS_URL = REDIS_URL
    CLINIC_PREFIX = PREFIX

    # Sessions in Redis, shared by every worker and host (S03).
    SESSION_TYPE = "redis"
    SESSION_KEY_PREFIX = PREFIX + "session:"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    # One cache for every worker (S13).
    CACHE_TYPE = "RedisCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_KEY_PREFIX = PREFIX + "cache:"
    CACHE_DEFAULT_TIMEOUT = 300

    MAX_CONTENT_LENGTH = 1024 * 1024
    PREFERRED_URL_SCHEME = "https"


class ProductionConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "only-for-tests")
    WTF_CSRF_ENABLED = False
