# Docker Hub as the pull-limit check sees it: the token service (auth.docker.io/token, with
# or without Basic credentials) and a manifest HEAD that carries the limit headers Docker
# Hub sends (docs.docker.com/docker-hub/usage/pulls/), or ("blocked") its export-control
# 403 page. Behind TLS from the lab CA.
# argv: address certfile keyfile state-json
import base64, http.server, json, ssl, sys

addr, cert, key, state = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
users = state.get("users", {})


class Hub(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/token"):
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                if users.get(user) != password:
                    return self.answer(401, {"details": "incorrect username or password"})
                token = "user:" + user
            else:
                token = "anonymous"
            return self.answer(200, {"token": token, "access_token": token})
        if self.path == "/v2/" and state.get("blocked"):
            # Docker Hub's export-control page, as it answers an embargoed address.
            data = (b"<html><body><h1>403 Forbidden</h1>\nSince Docker is a US company, we must comply "
                    b"with US export control regulations. In an effort to comply with these, we now "
                    b"block all IP addresses that are located in Cuba, Iran, North Korea, Republic of "
                    b"Crimea, Sudan, and Syria.\n</body></html>\n")
            self.send_response(403)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if self.path == "/v2/":
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED"}]}, [(
                "WWW-Authenticate",
                'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
            )])
        return self.answer(404, {"errors": [{"code": "NOT_FOUND"}]})

    def do_HEAD(self):
        if not self.path.startswith("/v2/ratelimitpreview/test/manifests/"):
            return self.answer(404)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.answer(401)
        who = "user" if auth[7:].startswith("user:") else "anonymous"
        limit, remaining = state[who]
        status = 429 if remaining == 0 else 200
        return self.answer(status, None, [
            ("ratelimit-limit", f"{limit};w=21600"),
            ("ratelimit-remaining", f"{remaining};w=21600"),
            ("docker-ratelimit-source", state.get("source", "192.0.2.1")),
        ])

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.headers.get("Authorization", "-")[:6], fmt % args))
        sys.stderr.flush()


server = http.server.ThreadingHTTPServer((addr, 443), Hub)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
