import os


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://clinic@db/clinic")
    SQLALCHEMY_TRACK_MODIFICATIONS = True
    SESSION_TYPE = "filesystem"
    CACHE_TYPE = "SimpleCache"


class ProductionConfig(Config):
    DEBUG = True
    SECRET_KEY = "change-me-please-123"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_SAMESITE = "None"
    SQLALCHEMY_ECHO = True
    WTF_CSRF_ENABLED = False


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = "dev"
