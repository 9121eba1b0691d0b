"""``/healthz`` and the shape of errors."""


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["broker"] == "eager"
    assert body["status"] == "ok"


def test_json_errors_share_one_shape(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found", "message": response.get_json()["message"]}


def test_html_errors_are_pages(client):
    response = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"<h1>404" in response.data


def test_html_error_escapes_the_path(client):
    response = client.get("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert b"<script>alert(1)</script>" not in response.data
