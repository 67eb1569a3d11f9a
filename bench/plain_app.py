"""The reference for the HTTP figures: a minimal Flask app, served by the same gunicorn."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify(hello="world")


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
