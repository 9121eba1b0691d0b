"""Every page names an icon that is served: browsers otherwise ask /favicon.ico and log a 404 in the console."""
import re


def test_the_login_page_links_an_icon_that_is_served(client):
    page = client.get("/auth/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    with client.get(href) as icon:  # a static file is streamed: close it
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
