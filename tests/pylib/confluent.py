"""What the test writers of hand-made Kafka messages share: registering a
schema with the schema registry and framing an Avro body the way
Confluent's serializers do (magic byte 0, the schema id as 4 bytes
big-endian, then the body), which is midway's wire contract
(docs/schemas.md)."""
import json
import struct
import urllib.request


def register(registry_url, subject, schema_text):
    """Registers schema_text under subject and returns its schema id."""
    return _call("POST", f"{registry_url}/subjects/{subject}/versions",
                 json.dumps({"schema": schema_text}).encode())["id"]


def _call(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def set_compatibility(registry_url, subject, level):
    """Sets subject's compatibility rule (e.g. BACKWARD_TRANSITIVE)."""
    _call("PUT", f"{registry_url}/config/{subject}", json.dumps({"compatibility": level}).encode())


def delete_subject(registry_url, subject):
    """Deletes subject with its versions and rules (soft, then for good)."""
    _call("DELETE", f"{registry_url}/subjects/{subject}")
    _call("DELETE", f"{registry_url}/subjects/{subject}?permanent=true")


def frame(schema_id, body):
    """The Confluent wire form of an Avro body written with schema_id."""
    return b"\0" + struct.pack(">I", schema_id) + body
