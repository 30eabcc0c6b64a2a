# A minimal Mailroom webhook receiver in Python, verifying with the Standard Webhooks library
# (`pip install standardwebhooks`). Same contract as receiver.mjs: verify, answer 2xx fast,
# deduplicate on webhook-id.
#
#   MAILROOM_WEBHOOK_SECRET=whsec_... PORT=8787 python3 receiver.py
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook

webhook = Webhook(os.environ["MAILROOM_WEBHOOK_SECRET"])
seen = set()  # use a database table in production


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = webhook.verify(body, dict(self.headers))
        except Exception as err:  # a bad signature or an old timestamp
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()
        msg_id = self.headers["webhook-id"]
        if msg_id in seen:
            return
        seen.add(msg_id)
        print(json.dumps({"id": msg_id, "type": event["type"], "data": event["data"]}), flush=True)


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8787"))), Handler).serve_forever()
