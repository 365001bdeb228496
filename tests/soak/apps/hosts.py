"""An app whose routes answer only their host (host matching), as a production config with a host does."""

from flask import Flask

app = Flask(__name__, host_matching=True, static_host="shop.example")
app.config["SERVER_NAME"] = "shop.example"


@app.get("/", host="shop.example")
def index():
    return "shop"


@app.get("/items", host="shop.example")
def items():
    return "items"
